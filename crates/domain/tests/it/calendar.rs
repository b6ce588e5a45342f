//! Working-time arithmetic: real cases across holidays and make-up days, properties over
//! random instants, and the shipped data checked day by day against ../shared.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use civicgrid_domain::calendar::{Calendar, Official, parse_official};
use proptest::prelude::*;

use crate::beijing;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn official_days_follow_the_notices() {
    let cal = Calendar::official();
    assert!(!cal.is_working_day(date(2025, 10, 1)), "National Day");
    assert!(
        !cal.is_working_day(date(2025, 10, 8)),
        "the extended holiday"
    );
    assert!(
        cal.is_working_day(date(2025, 9, 28)),
        "Sunday made a working day"
    );
    assert!(
        cal.is_working_day(date(2025, 10, 11)),
        "Saturday made a working day"
    );
    assert!(
        !cal.is_working_day(date(2025, 10, 12)),
        "an ordinary Sunday"
    );
    assert!(
        cal.is_working_day(date(2026, 1, 4)),
        "Sunday after New Year's Day 2026"
    );
    assert_eq!(
        cal.official_day(date(2025, 10, 11)),
        Some(&Official::MakeUpWorkday("国庆节、中秋节".into()))
    );
    assert_eq!(
        cal.covered_until()
            .map(|d| d.format("%Y").to_string())
            .as_deref(),
        Some("2026")
    );
    assert!(
        cal.round_the_clock().is_working_day(date(2025, 10, 1)),
        "the hotline never closes"
    );
}

#[test]
fn real_deadlines_across_holidays_and_make_up_days() {
    let cal = Calendar::official();
    let cases = [
        // A complaint received on the eve of National Day with 5 working days: Oct 9, 10,
        // 11 (the make-up Saturday), 13, 14; due at the close of Oct 14.
        (
            beijing(2025, 9, 30, 16, 0),
            "5 days",
            beijing(2025, 10, 14, 17, 30),
        ),
        // 2 working hours at 16:00 on Sep 30: 1.5 h that day, 0.5 h on Oct 9.
        (
            beijing(2025, 9, 30, 16, 0),
            "120 min",
            beijing(2025, 10, 9, 9, 0),
        ),
        // Across the lunch break.
        (
            beijing(2025, 9, 29, 11, 0),
            "120 min",
            beijing(2025, 9, 29, 14, 30),
        ),
        // Received at night: counting starts at 08:30.
        (
            beijing(2025, 9, 29, 22, 0),
            "30 min",
            beijing(2025, 9, 30, 9, 0),
        ),
        // Across the year end: New Year's Day 2026 off, Sunday Jan 4 a working day.
        (
            beijing(2025, 12, 31, 17, 0),
            "60 min",
            beijing(2026, 1, 4, 9, 0),
        ),
        (
            beijing(2025, 12, 31, 10, 0),
            "1 days",
            beijing(2026, 1, 4, 17, 30),
        ),
        // Spring Festival 2026 (Feb 15–23 off; Feb 14 and 28 are working Saturdays):
        // Feb 14, 24, 25.
        (
            beijing(2026, 2, 13, 9, 0),
            "3 days",
            beijing(2026, 2, 25, 17, 30),
        ),
        // Received on a Saturday: the next working day is day one.
        (
            beijing(2025, 11, 22, 10, 0),
            "1 days",
            beijing(2025, 11, 24, 17, 30),
        ),
    ];
    for (start, amount, expected) in cases {
        let (n, unit) = amount.split_once(' ').unwrap();
        let n: i64 = n.parse().unwrap();
        let got = if unit == "days" {
            cal.add_working_days(start, n as u32)
        } else {
            cal.add_working_minutes(start, n)
        };
        assert_eq!(got, expected, "{start} + {amount}");
    }
    // Measuring: Sep 30 16:00 → Oct 9 09:00 is two working hours.
    assert_eq!(
        cal.working_seconds_between(beijing(2025, 9, 30, 16, 0), beijing(2025, 10, 9, 9, 0)),
        7200
    );
    assert_eq!(
        cal.working_seconds_between(beijing(2025, 10, 9, 9, 0), beijing(2025, 9, 30, 16, 0)),
        -7200
    );
    assert_eq!(cal.minutes_per_working_day(), 450);
    let always = cal.round_the_clock();
    assert_eq!(
        always.add_working_minutes(beijing(2025, 10, 1, 23, 30), 60),
        beijing(2025, 10, 2, 0, 30)
    );
}

#[test]
fn bad_calendar_data_is_refused_with_the_line() {
    assert!(parse_official("2025-10-01 off 国庆节\n").is_ok());
    assert_eq!(
        parse_official("2025-10-04 off x\n").unwrap_err().field,
        "line 1",
        "a Saturday is off anyway"
    );
    assert_eq!(
        parse_official("# c\n2025-10-09 work x\n")
            .unwrap_err()
            .field,
        "line 2",
        "a Thursday works anyway"
    );
    assert!(parse_official("2025-13-01 off x\n").is_err());
    assert!(parse_official("2025-10-01 holiday x\n").is_err());
    assert!(parse_official("2025-10-01 off a\n2025-10-01 off b\n").is_err());
    let cal = Calendar::official();
    assert!(cal.with_hours(&[(600, 500)]).is_err());
    assert!(cal.with_hours(&[(480, 720), (700, 900)]).is_err());
    assert_eq!(
        cal.with_hours(&[(540, 1020)])
            .unwrap()
            .minutes_per_working_day(),
        480
    );
}

fn instant_strategy() -> impl Strategy<Value = DateTime<Utc>> {
    // Any minute from 2015 to the end of 2026.
    (1_420_070_400i64..1_798_732_800i64)
        .prop_map(|s| DateTime::from_timestamp(s - s % 60, 0).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn adding_then_measuring_round_trips(start in instant_strategy(), minutes in 1i64..20_000) {
        let cal = Calendar::official();
        let end = cal.add_working_minutes(start, minutes);
        prop_assert_eq!(cal.working_seconds_between(start, end), minutes * 60);
        let local = end.with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap());
        prop_assert!(cal.is_working_day(local.date_naive()), "{} lands on a day off", end);
    }

    #[test]
    fn more_time_never_ends_earlier(start in instant_strategy(), a in 0i64..5000, b in 0i64..5000) {
        let cal = Calendar::official();
        let (small, large) = (a.min(b), a.max(b));
        prop_assert!(cal.add_working_minutes(start, small) <= cal.add_working_minutes(start, large));
    }

    #[test]
    fn working_days_end_at_the_close_of_a_working_day(start in instant_strategy(), days in 1u32..40) {
        let cal = Calendar::official();
        let end = cal.add_working_days(start, days);
        let local = end.with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap());
        prop_assert!(cal.is_working_day(local.date_naive()));
        prop_assert_eq!(local.format("%H:%M").to_string(), "17:30");
        let mut count = 0;
        let mut day = start.with_timezone(&local.timezone()).date_naive();
        while day < local.date_naive() {
            day = day.succ_opt().unwrap();
            if cal.is_working_day(day) {
                count += 1;
            }
        }
        prop_assert_eq!(count, days);
    }
}

#[test]
fn the_shipped_days_match_the_official_record_day_by_day() {
    let Some(path) = crate::shared_data("cn-holidays/cn_workday_calendar_2015_2026.csv") else {
        return;
    };
    let cal = Calendar::official();
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let mut checked = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let day = NaiveDate::parse_from_str(&record[0], "%Y-%m-%d").unwrap();
        assert_eq!(cal.is_working_day(day), &record[2] == "1", "{day}");
        checked += 1;
    }
    assert_eq!(checked, 4383);
}

#[test]
fn each_refusal_of_the_data_says_why_and_the_bounds_are_inclusive() {
    let why = |text: &str| parse_official(text).unwrap_err().message;
    assert_eq!(why("2025-10-04 off x\n"), "a weekend day is off anyway");
    assert_eq!(
        why("2025-10-09 work x\n"),
        "a weekday is a working day anyway"
    );
    assert_eq!(
        why("2025-10-01 holiday x\n"),
        "the second word must be `off` or `work`"
    );
    // A make-up Saturday parses as one.
    let days = parse_official("2025-10-11 work 国庆节后补班\n").unwrap();
    assert_eq!(
        days.get(&date(2025, 10, 11)),
        Some(&Official::MakeUpWorkday("国庆节后补班".into()))
    );

    use civicgrid_domain::calendar::{FIRST_DAY, LAST_DAY, in_range, range_message};
    assert_eq!(
        range_message(),
        "must lie between 2000-01-01 and 2099-12-31"
    );
    assert!(in_range(FIRST_DAY) && in_range(LAST_DAY) && in_range(date(2026, 12, 1)));
    assert!(!in_range(date(1999, 12, 31)));
    assert!(!in_range(date(2100, 1, 1)));
    assert!(parse_official("2100-01-01 off x\n").is_err());

    let cal = Calendar::official();
    // A period may end at midnight, and may start where the previous one ends.
    assert_eq!(
        cal.with_hours(&[(1200, 1440)])
            .unwrap()
            .minutes_per_working_day(),
        240
    );
    assert!(cal.with_hours(&[(1200, 1441)]).is_err());
    assert!(cal.with_hours(&[(300, 300)]).is_err(), "an empty period");
    assert_eq!(
        cal.with_hours(&[(720, 1080), (480, 720)])
            .unwrap()
            .minutes_per_working_day(),
        600
    );
    assert!(cal.with_hours(&[]).is_err());
}

#[test]
fn next_years_notice_adds_days_and_changes_the_version() {
    let cal = Calendar::official();
    let known = cal.official_days().count();
    assert!(known > 100, "the shipped notices: {known} days");
    assert_eq!(
        cal.official_days().next().map(|(d, _)| *d),
        cal.official_days().map(|(d, _)| *d).min()
    );
    // A made-up notice for a Wednesday in 2099.
    let day = date(2099, 6, 3);
    assert!(cal.is_working_day(day));
    let more = [(day, Official::Holiday("试验".into()))]
        .into_iter()
        .collect();
    let next = cal.with_official(more);
    assert!(!next.is_working_day(day));
    assert_eq!(next.official_days().count(), known + 1);
    assert_eq!(next.covered_until(), Some(day));
    assert_ne!(next.version(), cal.version());
    assert!(next.version().starts_with("official@"));
}

#[test]
fn round_the_clock_counts_every_minute_of_every_day() {
    use civicgrid_domain::calendar::Calendars;
    let calendars = Calendars::new(Calendar::official());
    let cal = &calendars.round_the_clock;
    assert!(cal.is_round_the_clock());
    assert!(!calendars.official.is_round_the_clock());
    assert!(cal.version().starts_with("round_the_clock@"));
    // National Day 2025, a holiday night: every second counts.
    let from = beijing(2025, 10, 1, 22, 15);
    let to = beijing(2025, 10, 3, 3, 45);
    assert_eq!(
        cal.working_seconds_between(from, to),
        (to - from).num_seconds()
    );
    assert_eq!(
        cal.working_seconds_between(to, from),
        -(to - from).num_seconds()
    );
    assert_eq!(cal.working_seconds_between(from, from), 0);
    assert_eq!(
        calendars
            .official
            .working_seconds_between(beijing(2025, 9, 30, 9, 0), beijing(2025, 9, 30, 9, 0)),
        0,
        "equal instants, inside working hours"
    );
    assert_eq!(
        cal.add_working_minutes(from, 90),
        beijing(2025, 10, 1, 23, 45)
    );
    assert_eq!(
        cal.add_working_minutes(from, 24 * 60 + 5),
        beijing(2025, 10, 2, 22, 20)
    );
    // One working day from a holiday evening ends at the next midnight.
    assert_eq!(cal.add_working_days(from, 1), beijing(2025, 10, 3, 0, 0));
    assert_eq!(cal.minutes_per_working_day(), 24 * 60);
    assert!(cal.is_working_day(date(2025, 10, 1)));
}

#[test]
fn a_calendar_without_working_time_gives_up_visibly() {
    use chrono::Datelike;
    // Every weekday from 2040 to 2052 declared a holiday: no working minute for ten years.
    let mut day = date(2040, 1, 1);
    let mut holidays = std::collections::BTreeMap::new();
    while day < date(2052, 1, 1) {
        if day.weekday().num_days_from_monday() < 5 {
            holidays.insert(day, Official::Holiday("停工".into()));
        }
        day = day.succ_opt().unwrap();
    }
    let cal = Calendar::official().with_official(holidays);
    let start = beijing(2040, 3, 1, 9, 0);
    let end = cal.add_working_minutes(start, 60);
    assert!(
        end - start > chrono::Duration::days(3650),
        "an hour of work in a calendar without any is not {end}"
    );
    assert_eq!(
        cal.working_seconds_between(start, beijing(2041, 3, 1, 9, 0)),
        0
    );
}
