//! A street's summons (吹哨报到): departments report on site on their own clocks (30
//! natural minutes by default), the street rates each response, and both count in the
//! department's appraisal.

use std::collections::BTreeMap;

use civicgrid_domain::appraisal::{self, Config};
use civicgrid_domain::clocks::Clock;
use civicgrid_domain::deadline::Stage;
use civicgrid_domain::lifecycle::{Case, Command};
use civicgrid_domain::org::Actor;
use civicgrid_domain::request::{Channel, Rating, Urgency};
use civicgrid_domain::{Invalid, Refusal, UnitId, UserId};

use crate::beijing;
use crate::hub::{World, dispatch_to, running};

pub(crate) fn by(unit: i64) -> Actor {
    Actor {
        user: Some(UserId(unit * 100)),
        unit: Some(UnitId(unit)),
    }
}

pub(crate) fn field(refusal: Refusal) -> String {
    match refusal {
        Refusal::Invalid(Invalid { field, .. }) => field,
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

fn summon() -> Command {
    Command::Summon {
        units: vec![UnitId(10), UnitId(12)],
        reason: "燃气泄漏疑似,请城管和燃气公司立即到场".into(),
    }
}

/// A case dispatched to street 2 (or `lead`) on Monday 2026-10-12 09:00.
fn led_by(world: &World, lead: i64) -> (Case, Vec<Clock>) {
    let at = beijing(2026, 10, 12, 9, 0);
    let (case, clocks) = world.receive(Channel::Hotline, Urgency::Normal, at);
    let (d, clocks) = world.act(&case, &running(&clocks), dispatch_to(lead), at);
    (d.case, clocks)
}

#[test]
fn a_street_summons_departments_who_report_on_their_clocks_and_are_rated() {
    let world = World::new();
    let (case, clocks) = led_by(&world, 2);
    let at = beijing(2026, 10, 12, 10, 0);
    let (summoned, clocks) = world
        .act_as(by(2), &case, &running(&clocks), summon(), at)
        .unwrap();
    assert_eq!(summoned.case.summoned, vec![UnitId(10), UnitId(12)]);
    let reports: Vec<_> = running(&clocks)
        .into_iter()
        .filter(|c| c.stage == Stage::Report)
        .map(|c| (c.unit, c.deadline))
        .collect();
    assert_eq!(
        reports,
        vec![
            (Some(UnitId(10)), beijing(2026, 10, 12, 10, 30)),
            (Some(UnitId(12)), beijing(2026, 10, 12, 10, 30)),
        ],
        "thirty natural minutes each"
    );
    assert_eq!(
        summoned.effects.notices.len(),
        2,
        "each department is told at once"
    );

    // The department arrives in 20 minutes; the utility an hour later.
    let (on_time, clocks) = world
        .act_as(
            by(10),
            &summoned.case,
            &running(&clocks),
            Command::ReportOnSite {
                unit: UnitId(10),
                note: "执法队员已到场".into(),
            },
            beijing(2026, 10, 12, 10, 20),
        )
        .unwrap();
    let (late, clocks) = world
        .act_as(
            by(12),
            &on_time.case,
            &running(&clocks),
            Command::ReportOnSite {
                unit: UnitId(12),
                note: "抢修队到场".into(),
            },
            beijing(2026, 10, 12, 11, 30),
        )
        .unwrap();
    assert!(running(&clocks).iter().all(|c| c.stage != Stage::Report));
    let twice = world
        .act_as(
            by(12),
            &late.case,
            &running(&clocks),
            Command::ReportOnSite {
                unit: UnitId(12),
                note: "再报到".into(),
            },
            beijing(2026, 10, 12, 11, 40),
        )
        .unwrap_err();
    assert_eq!(field(twice), "unit");

    // The street rates each response.
    let rate = |unit: i64, rating| Command::RateResponse {
        unit: UnitId(unit),
        rating,
        note: None,
    };
    let at = beijing(2026, 10, 12, 12, 0);
    let (first, _) = world
        .act_as(
            by(2),
            &late.case,
            &running(&clocks),
            rate(10, Rating::Satisfied),
            at,
        )
        .unwrap();
    let (second, _) = world
        .act_as(
            by(2),
            &first.case,
            &running(&clocks),
            rate(12, Rating::Unsatisfied),
            at,
        )
        .unwrap();
    let again = world
        .act_as(
            by(2),
            &second.case,
            &running(&clocks),
            rate(12, Rating::Satisfied),
            at,
        )
        .unwrap_err();
    assert_eq!(field(again), "unit", "rated once");

    // Both count in appraisal: arrival in time and the street's rating.
    let mut counts: BTreeMap<UnitId, BTreeMap<String, i64>> = BTreeMap::new();
    for fact in on_time
        .effects
        .facts
        .iter()
        .chain(&late.effects.facts)
        .chain(&first.effects.facts)
        .chain(&second.effects.facts)
    {
        *counts
            .entry(fact.unit)
            .or_default()
            .entry(fact.metric.clone())
            .or_default() += 1;
    }
    let scores = appraisal::score(&counts, &Config::default(), &|_| None);
    let rate_of = |unit: i64, name: &str| {
        scores
            .iter()
            .find(|s| s.unit == UnitId(unit))
            .and_then(|s| s.rates.iter().find(|r| r.name == name))
            .and_then(|r| r.value)
    };
    assert_eq!(rate_of(10, "summons_arrival"), Some(1.0));
    assert_eq!(rate_of(12, "summons_arrival"), Some(0.0));
    assert_eq!(rate_of(10, "summons_rating"), Some(1.0));
    assert_eq!(rate_of(12, "summons_rating"), Some(0.0));
}

#[test]
fn only_a_street_leading_the_case_summons() {
    let world = World::new();
    let (case, clocks) = led_by(&world, 10);
    let refused = world
        .act_as(
            by(10),
            &case,
            &running(&clocks),
            summon(),
            beijing(2026, 10, 12, 10, 0),
        )
        .unwrap_err();
    assert_eq!(field(refused), "units");
    let (case, clocks) = led_by(&world, 2);
    let own = world
        .act_as(
            by(2),
            &case,
            &running(&clocks),
            Command::Summon {
                units: vec![UnitId(2)],
                reason: "x".into(),
            },
            beijing(2026, 10, 12, 10, 0),
        )
        .unwrap_err();
    assert_eq!(field(own), "units[0]");
}

#[test]
fn a_department_is_summoned_again_only_once_it_reported_and_then_reports_anew() {
    let world = World::new();
    let (case, clocks) = led_by(&world, 2);
    let at = beijing(2026, 10, 12, 10, 0);
    let (summoned, clocks) = world
        .act_as(by(2), &case, &running(&clocks), summon(), at)
        .unwrap();
    // Twice in one summons, or while still on its way: refused.
    let twice = Command::Summon {
        units: vec![UnitId(11), UnitId(11)],
        reason: "x".into(),
    };
    let err = world
        .act_as(by(2), &summoned.case, &running(&clocks), twice, at)
        .unwrap_err();
    assert_eq!(field(err), "units[1]");
    let waiting = Command::Summon {
        units: vec![UnitId(10)],
        reason: "再次吹哨".into(),
    };
    let err = world
        .act_as(
            by(2),
            &summoned.case,
            &running(&clocks),
            waiting.clone(),
            at,
        )
        .unwrap_err();
    assert_eq!(field(err), "units[0]");
    // Once it reported and was rated, a new summons asks it to report (and is rated) anew;
    // the other department's record is untouched.
    let (reported, clocks) = world
        .act_as(
            by(10),
            &summoned.case,
            &running(&clocks),
            Command::ReportOnSite {
                unit: UnitId(10),
                note: "到场".into(),
            },
            beijing(2026, 10, 12, 10, 10),
        )
        .unwrap();
    let mut case = reported.case;
    case.rated_units = vec![UnitId(10), UnitId(12)];
    case.reported.push(UnitId(12));
    let (again, clocks) = world
        .act_as(
            by(2),
            &case,
            &running(&clocks),
            waiting,
            beijing(2026, 10, 12, 14, 0),
        )
        .unwrap();
    assert_eq!(again.case.reported, vec![UnitId(12)]);
    assert_eq!(again.case.rated_units, vec![UnitId(12)]);
    assert_eq!(again.case.summoned, vec![UnitId(10), UnitId(12)]);
    assert!(
        running(&clocks)
            .iter()
            .any(|c| c.stage == Stage::Report && c.unit == Some(UnitId(10))),
        "a new report clock"
    );
}
