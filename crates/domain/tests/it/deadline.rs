//! Policies, limits and bands.

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use civicgrid_domain::CategoryId;
use civicgrid_domain::calendar::Calendar;
use civicgrid_domain::deadline::{
    Band, Limit, Match, Policy, Stage, Subject, Thresholds, TimeUnit, select, select_limit,
};
use civicgrid_domain::request::{Channel, Kind, Urgency};

/// The policy for a web request of this kind, categories and urgency.
fn choose<'a>(
    policies: &'a [Policy],
    kind: Kind,
    categories: &[CategoryId],
    urgency: Urgency,
) -> Option<&'a Policy> {
    let subject = Subject {
        kind,
        categories,
        urgency,
        channel: Channel::Web,
    };
    select(policies, &subject)
}

fn beijing(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2025, 9, d, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn policy(id: i64, kind: Option<Kind>, category: Option<i64>, urgency: Option<Urgency>) -> Policy {
    Policy {
        id,
        name: format!("p{id}"),
        matches: Match {
            kind,
            category: category.map(CategoryId),
            urgency,
            channel: None,
        },
        limits: vec![(
            Stage::Resolve,
            Limit {
                amount: 5,
                unit: TimeUnit::WorkingDays,
            },
        )],
        thresholds: Thresholds::default(),
        accountable_after: 3,
    }
}

#[test]
fn the_most_specific_policy_wins_and_the_default_catches_the_rest() {
    let policies = vec![
        policy(1, None, None, None),
        policy(2, Some(Kind::Complaint), None, None),
        policy(3, Some(Kind::Complaint), Some(50), None),
        policy(4, Some(Kind::Complaint), Some(51), None),
        policy(5, None, None, Some(Urgency::Emergency)),
        policy(6, Some(Kind::Complaint), None, Some(Urgency::Emergency)),
    ];
    let pick = |kind, cats: &[i64], urgency| {
        let cats: Vec<CategoryId> = cats.iter().copied().map(CategoryId).collect();
        choose(&policies, kind, &cats, urgency).unwrap().id
    };
    assert_eq!(pick(Kind::Help, &[], Urgency::Normal), 1, "the default");
    assert_eq!(pick(Kind::Complaint, &[], Urgency::Normal), 2);
    assert_eq!(
        pick(Kind::Complaint, &[51, 50], Urgency::Normal),
        4,
        "exact category beats the parent"
    );
    assert_eq!(
        pick(Kind::Complaint, &[52, 50], Urgency::Normal),
        3,
        "the parent's policy covers its children"
    );
    assert_eq!(pick(Kind::Help, &[], Urgency::Emergency), 5);
    assert_eq!(pick(Kind::Complaint, &[], Urgency::Emergency), 6);
    assert!(
        choose(&policies[1..2], Kind::Help, &[], Urgency::Normal).is_none(),
        "no default, no match"
    );
}

#[test]
fn limits_count_their_own_way() {
    let cal = Calendar::official();
    let start = beijing(30, 16, 0);
    let deadline = |amount, unit| Limit { amount, unit }.deadline(start, &cal);
    assert_eq!(
        deadline(90, TimeUnit::Minutes),
        start + Duration::minutes(90)
    );
    assert_eq!(
        deadline(48, TimeUnit::NaturalHours),
        start + Duration::hours(48),
        "natural hours run through the holiday"
    );
    assert_eq!(
        deadline(2, TimeUnit::WorkingHours),
        FixedOffset::east_opt(8 * 3600)
            .unwrap()
            .with_ymd_and_hms(2025, 10, 9, 9, 0, 0)
            .unwrap()
    );
    assert!(Limit::parse("limits.resolve", 0, "working_days").is_err());
    assert_eq!(
        Limit::parse("limits.resolve", 5, "fortnights")
            .unwrap_err()
            .field,
        "limits.resolve.unit"
    );
    assert_eq!(
        Limit::parse("limits.resolve", 9999, "working_days")
            .unwrap_err()
            .field,
        "limits.resolve.amount"
    );
}

#[test]
fn bands_turn_at_the_thresholds_of_working_time_used() {
    let cal = Calendar::official();
    // Two working hours from Monday 09:00: due 11:00; 60% at 10:12, 85% at 10:42.
    let limit = Limit {
        amount: 2,
        unit: TimeUnit::WorkingHours,
    };
    let policy = policy(1, None, None, None);
    let clock = |start| {
        civicgrid_domain::clocks::Clock::start(
            Stage::Accept,
            None,
            &policy,
            limit,
            &cal,
            start,
            false,
        )
    };
    let nine = clock(beijing(29, 9, 0));
    let at = |h, m| nine.band(beijing(29, h, m));
    assert_eq!(at(10, 11), Band::Blue);
    assert_eq!(at(10, 12), Band::Yellow);
    assert_eq!(at(10, 42), Band::Orange);
    assert_eq!(
        at(11, 0),
        Band::Orange,
        "due exactly now is not yet overdue"
    );
    assert_eq!(at(11, 1), Band::Red);
    // Across lunch: a clock started at 11:30 with 2 hours is due 15:00; at 14:00 only
    // 1.0 of 2.0 working hours is used (blue), although 2.5 natural hours have passed.
    let half_past_eleven = clock(beijing(29, 11, 30));
    assert_eq!(half_past_eleven.deadline, beijing(29, 15, 0));
    assert_eq!(half_past_eleven.band(beijing(29, 14, 0)), Band::Blue);
    assert!(Thresholds::parse(0.9, 0.8).is_err());
    assert!(Thresholds::parse(0.5, 0.7).is_ok());
}

#[test]
fn more_fields_set_wins_whatever_the_ids_say() {
    // Ids run against specificity, so only the count of fields set can pick the right one;
    // between equally specific policies the newest (highest id) wins.
    let policies = vec![
        policy(1, Some(Kind::Complaint), Some(50), Some(Urgency::Emergency)),
        policy(2, Some(Kind::Complaint), Some(50), None),
        policy(3, Some(Kind::Complaint), None, None),
        policy(4, None, None, Some(Urgency::Emergency)),
        policy(5, None, Some(50), None),
        policy(6, None, Some(51), None),
        policy(7, None, Some(51), None),
        policy(9, None, None, None),
    ];
    let pick = |kind, cats: &[i64], urgency| {
        let cats: Vec<CategoryId> = cats.iter().copied().map(CategoryId).collect();
        choose(&policies, kind, &cats, urgency).unwrap().id
    };
    assert_eq!(
        pick(Kind::Complaint, &[50], Urgency::Emergency),
        1,
        "three fields"
    );
    assert_eq!(
        pick(Kind::Complaint, &[50], Urgency::Normal),
        2,
        "two fields"
    );
    assert_eq!(pick(Kind::Complaint, &[], Urgency::Normal), 3, "kind alone");
    assert_eq!(
        pick(Kind::Help, &[], Urgency::Emergency),
        4,
        "urgency alone"
    );
    assert_eq!(
        pick(Kind::Help, &[50], Urgency::Normal),
        5,
        "category alone"
    );
    assert_eq!(
        pick(Kind::Help, &[51], Urgency::Normal),
        7,
        "the newer of two equals"
    );
    assert_eq!(pick(Kind::Help, &[], Urgency::Normal), 9, "the default");
}

#[test]
fn limits_and_thresholds_accept_their_bounds_and_refuse_beyond() {
    for (unit, max) in [
        ("minutes", 525_600),
        ("natural_hours", 8_760),
        ("working_hours", 2_000),
        ("working_days", 250),
    ] {
        let limit = Limit::parse("limits.accept", max, unit).unwrap();
        assert_eq!(limit.amount, max as u32);
        assert_eq!(limit.unit.as_str(), unit);
        assert_eq!(Limit::parse("limits.accept", 1, unit).unwrap().amount, 1);
        assert_eq!(
            Limit::parse("limits.accept", max + 1, unit)
                .unwrap_err()
                .field,
            "limits.accept.amount"
        );
        assert!(Limit::parse("limits.accept", -1, unit).is_err());
    }
    let working = |unit| Limit { amount: 1, unit }.counts_working_time();
    assert!(!working(TimeUnit::Minutes));
    assert!(!working(TimeUnit::NaturalHours));
    assert!(working(TimeUnit::WorkingHours));
    assert!(working(TimeUnit::WorkingDays));

    let field = |yellow, orange| Thresholds::parse(yellow, orange).map_err(|e| e.field);
    assert_eq!(
        field(0.01, 0.99),
        Ok(Thresholds {
            yellow: 0.01,
            orange: 0.99
        })
    );
    assert_eq!(field(0.0, 0.5), Err("bands.yellow".to_string()));
    assert_eq!(field(1.0, 0.5), Err("bands.yellow".to_string()));
    assert_eq!(field(1.5, 2.0), Err("bands.yellow".to_string()));
    assert_eq!(field(-0.5, 0.5), Err("bands.yellow".to_string()));
    assert_eq!(field(0.5, 0.5), Err("bands.orange".to_string()));
    assert_eq!(field(0.5, 1.0), Err("bands.orange".to_string()));
    assert_eq!(field(0.5, 0.4), Err("bands.orange".to_string()));

    use civicgrid_domain::deadline::parse_accountable_after as grace;
    assert_eq!(grace("accountable_after", 1), Ok(1));
    assert_eq!(grace("accountable_after", 7), Ok(7));
    assert_eq!(grace("accountable_after", 60), Ok(60));
    for bad in [0, 61, -3] {
        assert_eq!(
            grace("accountable_after", bad).unwrap_err().field,
            "accountable_after"
        );
    }
}

#[test]
fn bands_of_a_limit_in_natural_time_run_through_nights_and_holidays() {
    // Ten natural hours from Wednesday 30 September 2025 16:00, the eve of National Day:
    // due Thursday 02:00; yellow at 6 h (22:00), orange at 8.5 h (00:30), whatever the
    // calendar says about working time.
    let cal = Calendar::official();
    let policy = policy(1, None, None, None);
    let start = beijing(30, 16, 0);
    for limit in [
        Limit {
            amount: 10,
            unit: TimeUnit::NaturalHours,
        },
        Limit {
            amount: 600,
            unit: TimeUnit::Minutes,
        },
    ] {
        let clock = civicgrid_domain::clocks::Clock::start(
            Stage::Resolve,
            None,
            &policy,
            limit,
            &cal,
            start,
            false,
        );
        let oct1 = |h, m| start + Duration::hours(h) + Duration::minutes(m);
        assert_eq!(clock.deadline, oct1(10, 0));
        assert_eq!(clock.yellow_at, oct1(6, 0), "{limit:?}");
        assert_eq!(clock.orange_at, oct1(8, 30), "{limit:?}");
        assert_eq!(clock.band(oct1(5, 59)), Band::Blue);
        assert_eq!(clock.band(oct1(6, 0)), Band::Yellow);
        assert_eq!(clock.band(oct1(8, 30)), Band::Orange);
        assert_eq!(clock.band(oct1(10, 1)), Band::Red);
        // Remaining time counts natural seconds, through the night.
        assert_eq!(clock.remaining_seconds(oct1(2, 0), &cal), 8 * 3600);
    }
}

#[test]
fn a_channel_counts_as_a_match_field_and_a_stage_falls_back_on_its_own() {
    let limit = |amount, unit| Limit { amount, unit };
    let mut hotline = policy(7, None, None, None);
    hotline.matches.channel = Some(Channel::Hotline);
    hotline.limits = vec![(Stage::Dispatch, limit(30, TimeUnit::WorkingMinutes))];
    let mut default = policy(1, None, None, None);
    default.limits = vec![
        (Stage::Dispatch, limit(2, TimeUnit::WorkingHours)),
        (Stage::Resolve, limit(5, TimeUnit::WorkingDays)),
    ];
    let policies = vec![default, hotline];
    let subject = |channel| Subject {
        kind: Kind::Complaint,
        categories: &[],
        urgency: Urgency::Normal,
        channel,
    };
    let pick = |channel, stage| {
        select_limit(&policies, stage, &subject(channel)).map(|(p, l)| (p.id, l.amount))
    };
    assert_eq!(pick(Channel::Hotline, Stage::Dispatch), Some((7, 30)));
    assert_eq!(pick(Channel::Web, Stage::Dispatch), Some((1, 2)));
    assert_eq!(
        pick(Channel::Hotline, Stage::Resolve),
        Some((1, 5)),
        "the hotline policy sets no resolve limit"
    );
    assert_eq!(select(&policies, &subject(Channel::Hotline)).unwrap().id, 7);
    // Working minutes count working time; on the official calendar 30 of them from 17:15
    // on a Monday end at 08:45 on Tuesday.
    let cal = Calendar::official();
    let thirty = limit(30, TimeUnit::WorkingMinutes);
    assert!(thirty.counts_working_time());
    assert_eq!(
        thirty.deadline(beijing(29, 17, 15), &cal),
        beijing(30, 8, 45)
    );
    assert_eq!(
        Limit::parse("limits.dispatch", 120_001, "working_minutes")
            .unwrap_err()
            .field,
        "limits.dispatch.amount"
    );
    assert!(Limit::parse("limits.dispatch", 120_000, "working_minutes").is_ok());
}

#[test]
fn the_presets_set_acceptance_and_resolution_by_kind_urgency_and_outage() {
    use civicgrid_domain::deadline::{presets, select_limit};
    let outage = civicgrid_domain::CategoryId(42);
    let installed: Vec<civicgrid_domain::deadline::Policy> = presets(&[outage])
        .into_iter()
        .enumerate()
        .map(
            |(i, (name, matches, limits))| civicgrid_domain::deadline::Policy {
                id: 10 + i as i64,
                name: name.into(),
                matches,
                limits,
                thresholds: Default::default(),
                accountable_after: 3,
            },
        )
        .collect();
    assert_eq!(installed.len(), 8);
    let subject = |kind, urgency, categories: &'static [civicgrid_domain::CategoryId]| {
        civicgrid_domain::deadline::Subject {
            kind,
            categories,
            urgency,
            channel: civicgrid_domain::request::Channel::Hotline,
        }
    };
    use civicgrid_domain::deadline::{Limit, Stage, TimeUnit};
    use civicgrid_domain::request::{Kind, Urgency};
    let limit = |stage, s: &civicgrid_domain::deadline::Subject<'_>| {
        select_limit(&installed, stage, s).map(|(_, l)| l)
    };
    let days = |amount| Limit {
        amount,
        unit: TimeUnit::WorkingDays,
    };
    let minutes = |amount| Limit {
        amount,
        unit: TimeUnit::Minutes,
    };
    for (kind, resolve) in [
        (Kind::Consultation, 2),
        (Kind::Help, 10),
        (Kind::Suggestion, 10),
        (Kind::Complaint, 15),
        (Kind::Report, 15),
    ] {
        let s = subject(kind, Urgency::Normal, &[]);
        assert_eq!(limit(Stage::Resolve, &s), Some(days(resolve)), "{kind}");
        assert_eq!(limit(Stage::Accept, &s), Some(days(1)), "{kind}");
    }
    static OUTAGE: [civicgrid_domain::CategoryId; 1] = [civicgrid_domain::CategoryId(42)];
    let s = subject(Kind::Complaint, Urgency::Normal, &OUTAGE);
    assert_eq!(limit(Stage::Accept, &s), Some(minutes(30)), "an outage");
    let s = subject(Kind::Complaint, Urgency::Emergency, &OUTAGE);
    assert_eq!(
        limit(Stage::Accept, &s),
        Some(minutes(15)),
        "an emergency prevails, installed last"
    );
    assert!(presets(&[]).iter().all(|(_, m, _)| m.category.is_none()));
}
