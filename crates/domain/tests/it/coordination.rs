//! Coordination as a process: a street (or the hub) convenes, each participant answers on
//! its own clock, and the convenor either dispatches to the agreed lead or resolves the
//! case itself, the finding becoming a routing rule with the basis "agreement".

use civicgrid_domain::deadline::Stage;
use civicgrid_domain::lifecycle::{self, Basis, Case, Command, Scope, Want};
use civicgrid_domain::org::{Actor, Grant, Principal, Role};
use civicgrid_domain::request::{Channel, State, Urgency};
use civicgrid_domain::{CategoryId, Invalid, Refusal, UnitId, UserId};

use crate::beijing;
use crate::hub::{World, dispatch_to, running};

fn by(unit: i64) -> Actor {
    Actor {
        user: Some(UserId(unit * 100)),
        unit: Some(UnitId(unit)),
    }
}

fn open_order() -> Command {
    Command::Coordinate {
        units: vec![UnitId(10), UnitId(11)],
        reason: "占道经营与绿化带损毁，职责交叉".into(),
    }
}

fn answer(unit: i64, owns: bool) -> Command {
    Command::AnswerCoordination {
        unit: UnitId(unit),
        opinion: format!("u{unit} 的意见"),
        capacity: Some("可派执法队员".into()),
        owns,
    }
}

fn field_of(refusal: Refusal) -> String {
    match refusal {
        Refusal::Invalid(Invalid { field, .. }) => field,
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

/// A case dispatched to street 2 on Monday 2026-10-12 09:00, then convened by the street.
fn convened_by_street(world: &World) -> (Case, Vec<civicgrid_domain::clocks::Clock>) {
    let at = beijing(2026, 10, 12, 9, 0);
    let (case, clocks) = world.receive(Channel::Hotline, Urgency::Normal, at);
    let (dispatched, clocks) = world.act(&case, &running(&clocks), dispatch_to(2), at);
    let (opened, clocks) = world
        .act_as(
            by(2),
            &dispatched.case,
            &running(&clocks),
            open_order(),
            beijing(2026, 10, 12, 10, 0),
        )
        .unwrap();
    (opened.case, clocks)
}

#[test]
fn a_street_convenes_and_each_participant_answers_on_its_own_clock() {
    let world = World::new();
    let (case, clocks) = convened_by_street(&world);
    assert_eq!(case.state, State::Coordinating);
    assert_eq!(case.convenor, Some(UnitId(2)), "the street convenes itself");
    assert_eq!(case.lead, None);
    let live = running(&clocks);
    let coordinate: Vec<_> = live
        .iter()
        .filter(|c| c.stage == Stage::Coordinate)
        .collect();
    assert_eq!(coordinate.len(), 1);
    assert_eq!(coordinate[0].unit, Some(UnitId(2)), "against the convenor");
    let answers: Vec<_> = live
        .iter()
        .filter(|c| c.stage == Stage::Answer)
        .map(|c| (c.unit, c.deadline))
        .collect();
    // Two working days from Monday 10:00: the end of Wednesday's working day, per unit.
    assert_eq!(
        answers,
        vec![
            (Some(UnitId(10)), beijing(2026, 10, 14, 17, 30)),
            (Some(UnitId(11)), beijing(2026, 10, 14, 17, 30)),
        ]
    );
    assert!(
        !live
            .iter()
            .any(|c| matches!(c.stage, Stage::Accept | Stage::Resolve)),
        "the street's own clocks end while it convenes"
    );

    // Department 10 answers in time: only its clock stops, with an on-time fact.
    let (answered, after) = world
        .act_as(
            by(10),
            &case,
            &live,
            answer(10, true),
            beijing(2026, 10, 13, 9, 0),
        )
        .unwrap();
    assert_eq!(answered.case.answered, vec![UnitId(10)]);
    assert!(
        answered
            .effects
            .facts
            .iter()
            .any(|f| f.unit == UnitId(10) && f.metric == "answer_on_time")
    );
    let still: Vec<_> = running(&after)
        .into_iter()
        .filter(|c| c.stage == Stage::Answer)
        .map(|c| c.unit)
        .collect();
    assert_eq!(still, vec![Some(UnitId(11))]);

    // Nobody answers twice, and only participants answer.
    let twice = world
        .act_as(
            by(10),
            &answered.case,
            &running(&after),
            answer(10, false),
            beijing(2026, 10, 13, 9, 5),
        )
        .unwrap_err();
    assert_eq!(field_of(twice), "unit");
    let outsider = world
        .act_as(
            by(12),
            &answered.case,
            &running(&after),
            answer(12, false),
            beijing(2026, 10, 13, 9, 5),
        )
        .unwrap_err();
    assert_eq!(field_of(outsider), "unit");

    // Department 11 answers after its two working days: late, counted against it.
    let (late, _) = world
        .act_as(
            by(11),
            &answered.case,
            &running(&after),
            answer(11, false),
            beijing(2026, 10, 15, 9, 0),
        )
        .unwrap();
    assert!(
        late.effects
            .facts
            .iter()
            .any(|f| f.unit == UnitId(11) && f.metric == "answer_late")
    );
}

#[test]
fn the_street_resolves_first_and_its_finding_becomes_an_agreement_rule() {
    let world = World::new();
    let (case, clocks) = convened_by_street(&world);
    let key = Some((CategoryId(7), Some(UnitId(2))));
    let settle = |make_rule, rule| Command::Settle {
        reply: "街道已组织清理，绿化带已补种".into(),
        owner: UnitId(10),
        minutes: "三方现场会商定：城管执法局负责占道经营".into(),
        make_rule,
        rule,
    };
    let at = beijing(2026, 10, 13, 15, 0);
    // A rule needs the request's category and street to be keyed on.
    let refused = world
        .act_as(by(2), &case, &running(&clocks), settle(true, None), at)
        .unwrap_err();
    assert_eq!(field_of(refused), "rule");

    let (settled, after) = world
        .act_as(by(2), &case, &running(&clocks), settle(true, key), at)
        .unwrap();
    assert_eq!(
        settled.case.state,
        State::Reviewing,
        "the hub checks a street's own reply like any unit's"
    );
    assert_eq!(
        settled.case.lead,
        Some(UnitId(2)),
        "the convenor answers for it"
    );
    assert_eq!(settled.events[0].value("owner"), Some("10"));
    let finding = settled.effects.routing.clone().unwrap();
    assert_eq!(
        (finding.category, finding.area, finding.unit, finding.basis),
        (CategoryId(7), Some(UnitId(2)), UnitId(10), Basis::Agreement)
    );
    let live = running(&after);
    assert_eq!(
        live.iter().map(|c| (c.stage, c.unit)).collect::<Vec<_>>(),
        vec![(Stage::Review, Some(UnitId(1)))],
        "unanswered participants' clocks close; the hub's review clock starts"
    );
    let coordinate = after.iter().find(|c| c.stage == Stage::Coordinate).unwrap();
    assert_eq!(
        coordinate.end,
        Some(civicgrid_domain::clocks::ClockEnd::Met)
    );

    // Without the box ticked, the finding is on record but no rule is made.
    let (plain, _) = world
        .act_as(by(2), &case, &running(&clocks), settle(false, key), at)
        .unwrap();
    assert!(plain.effects.routing.is_none());
    assert_eq!(plain.events[0].value("owner"), Some("10"));
}

#[test]
fn the_convenor_dispatches_to_the_agreed_lead_with_helpers() {
    let world = World::new();
    let (case, clocks) = convened_by_street(&world);
    let agree = |assisting: Vec<i64>| Command::Agree {
        unit: UnitId(10),
        assisting: assisting.into_iter().map(UnitId).collect(),
        minutes: "会商：城管牵头，园林协办".into(),
        make_rule: true,
        rule: Some((CategoryId(7), Some(UnitId(2)))),
    };
    let at = beijing(2026, 10, 13, 15, 0);
    let bad = world
        .act_as(by(2), &case, &running(&clocks), agree(vec![10]), at)
        .unwrap_err();
    assert_eq!(field_of(bad), "assisting[0]");
    let (agreed, after) = world
        .act_as(by(2), &case, &running(&clocks), agree(vec![11]), at)
        .unwrap();
    assert_eq!(agreed.case.state, State::Dispatched);
    assert_eq!(agreed.case.lead, Some(UnitId(10)));
    assert_eq!(agreed.case.assisting, vec![UnitId(11)]);
    assert!(agreed.case.coordination.is_empty());
    assert_eq!(agreed.events[0].value("basis"), Some("agreement"));
    assert_eq!(agreed.events[0].value("assisting"), Some("11"));
    let (alone, _) = world
        .act_as(by(2), &case, &running(&clocks), agree(vec![]), at)
        .unwrap();
    assert_eq!(alone.events[0].value("assisting"), None);
    assert_eq!(
        agreed.effects.routing.clone().unwrap().basis,
        Basis::Agreement
    );
    let stages: Vec<_> = running(&after).iter().map(|c| (c.stage, c.unit)).collect();
    assert!(stages.contains(&(Stage::Resolve, Some(UnitId(10)))));
    assert!(!stages.iter().any(|(s, _)| *s == Stage::Answer));
}

#[test]
fn a_department_asks_and_the_hub_convenes() {
    let world = World::new();
    let at = beijing(2026, 10, 12, 9, 0);
    let (case, clocks) = world.receive(Channel::Hotline, Urgency::Normal, at);
    let (dispatched, clocks) = world.act(&case, &running(&clocks), dispatch_to(10), at);
    let (opened, clocks) = world
        .act_as(
            by(10),
            &dispatched.case,
            &running(&clocks),
            Command::Coordinate {
                units: vec![UnitId(11), UnitId(12)],
                reason: "需供水公司配合".into(),
            },
            at,
        )
        .unwrap();
    assert_eq!(opened.case.convenor, Some(UnitId(1)));
    let coordinate = running(&clocks)
        .into_iter()
        .find(|c| c.stage == Stage::Coordinate)
        .unwrap();
    assert_eq!(coordinate.unit, Some(UnitId(1)));
    // The convenor cannot also be a participant.
    let hub_in = world
        .act_as(
            by(1),
            &case,
            &[],
            Command::Coordinate {
                units: vec![UnitId(1)],
                reason: "x".into(),
            },
            at,
        )
        .unwrap_err();
    assert_eq!(field_of(hub_in), "units[0]");
}

#[test]
fn participants_answer_and_only_the_convenor_concludes() {
    let org = crate::org();
    let handler = |unit: i64| Principal {
        user: UserId(unit * 100),
        username: format!("h{unit}"),
        unit: UnitId(unit),
        grants: vec![Grant {
            unit: UnitId(unit),
            role: Role::Handler,
            lines: vec![],
        }],
    };
    let scope = Scope {
        convenor: Some(UnitId(2)),
        participants: vec![UnitId(10), UnitId(11)],
        handlers: vec![UnitId(2), UnitId(10), UnitId(11)],
        ..Scope::default()
    };
    let may = |unit: i64, action| {
        lifecycle::authorize(&handler(unit), Want::Act(action), &scope, &org).is_ok()
    };
    use civicgrid_domain::lifecycle::Action as A;
    assert!(may(10, A::AnswerCoordination));
    assert!(!may(12, A::AnswerCoordination));
    assert!(!may(10, A::Settle), "a participant does not conclude");
    assert!(may(2, A::Settle));
    assert!(may(2, A::Agree));
    assert!(
        !may(2, A::AnswerCoordination),
        "the convenor does not answer itself"
    );
}

#[test]
fn a_settled_case_meets_the_targets_once_and_a_redo_is_not_counted_again() {
    let mut world = World::new();
    world.targets = Some((beijing(2026, 10, 13, 17, 30), beijing(2026, 10, 19, 17, 30)));
    let (case, clocks) = convened_by_street(&world);
    let settle = Command::Settle {
        reply: "已先行处置".into(),
        owner: UnitId(10),
        minutes: "会商纪要".into(),
        make_rule: false,
        rule: None,
    };
    let at = beijing(2026, 10, 13, 15, 0);
    let metrics = |case: &Case| {
        world
            .act_as(by(2), case, &running(&clocks), settle.clone(), at)
            .unwrap()
            .0
            .effects
            .facts
            .iter()
            .filter(|f| f.metric.starts_with("target_resolution"))
            .map(|f| (f.unit, f.metric.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        metrics(&case),
        vec![(UnitId(2), "target_resolution_met".to_owned())]
    );
    let redo = Case {
        redo_count: 1,
        ..case
    };
    assert!(
        metrics(&redo).is_empty(),
        "a redo's resolution is not counted again"
    );
}

#[test]
fn a_unit_that_asks_for_coordination_past_its_deadline_is_late_not_excused() {
    let world = World::new();
    let at = beijing(2026, 10, 12, 9, 0);
    let (case, clocks) = world.receive(Channel::Hotline, Urgency::Normal, at);
    let (dispatched, clocks) = world.act(&case, &running(&clocks), dispatch_to(10), at);
    let ask = || Command::Coordinate {
        units: vec![UnitId(11)],
        reason: "需住建配合".into(),
    };
    let metrics = |decision: &civicgrid_domain::lifecycle::Decision| {
        let mut m: Vec<String> = decision
            .effects
            .facts
            .iter()
            .filter(|f| f.unit == UnitId(10))
            .map(|f| f.metric.clone())
            .collect();
        m.sort();
        m
    };
    // Within the accept limit (2 working hours): nothing is judged.
    let (early, _) = world
        .act_as(
            by(10),
            &dispatched.case,
            &running(&clocks),
            ask(),
            beijing(2026, 10, 12, 10, 0),
        )
        .unwrap();
    assert!(metrics(&early).is_empty(), "{:?}", metrics(&early));
    // Two days on: acceptance and the first response are overdue and count late; the
    // resolution, still in time, is not judged.
    let (late, _) = world
        .act_as(
            by(10),
            &dispatched.case,
            &running(&clocks),
            ask(),
            beijing(2026, 10, 14, 10, 0),
        )
        .unwrap();
    assert_eq!(metrics(&late), vec!["accept_late", "respond_late"]);
}
