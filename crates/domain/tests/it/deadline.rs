//! Policies, limits and bands.

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use civicgrid_domain::CategoryId;
use civicgrid_domain::calendar::Calendar;
use civicgrid_domain::deadline::{Band, Limit, Match, Policy, Stage, Thresholds, TimeUnit, select};
use civicgrid_domain::request::{Kind, Urgency};

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
        select(&policies, kind, &cats, urgency).unwrap().id
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
        select(&policies[1..2], Kind::Help, &[], Urgency::Normal).is_none(),
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
