//! The working calendar: which days are working days (the weekly pattern, the official
//! public holidays and the weekend days made working days, 调休), the working hours of a
//! working day, and arithmetic on working time — add N working minutes or N working days
//! to an instant, and measure the working time between two instants. Units that work
//! round the clock (the hotline hub, utility stations) use a calendar where every minute
//! counts.
//!
//! The official days ship as data (`data/cn-official-days.txt`, embedded at compile time,
//! derived from holiday-cn under the MIT licence), never as code.

use std::collections::BTreeMap;

use chrono::{
    Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Weekday,
};

use crate::Instant;
use crate::error::Invalid;
use crate::org::UnitKind;

const OFFICIAL_DAYS: &str = include_str!("../data/cn-official-days.txt");

/// How the official notices change a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Official {
    /// A statutory day off on a weekday.
    Holiday(String),
    /// A weekend day that is a working day (调休上班).
    MakeUpWorkday(String),
}

/// A stretch of working time within a day, in minutes from local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: u32,
    pub end: u32,
}

/// The safety bound for walking the calendar: no deadline lies ten years away.
const MAX_DAYS_WALKED: i64 = 3660;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    official: BTreeMap<NaiveDate, Official>,
    /// Working periods of a working day, sorted and disjoint.
    periods: Vec<Period>,
    offset: FixedOffset,
    round_the_clock: bool,
    /// `version()`, computed once: hashing every official day per clock would cost more
    /// than the clock itself.
    version: String,
}

/// The two calendars of a district: the official working calendar, and the same days
/// counted round the clock for units open 24/7 (the hub, utility stations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendars {
    pub official: Calendar,
    pub round_the_clock: Calendar,
}

impl Calendars {
    pub fn new(official: Calendar) -> Calendars {
        Calendars {
            round_the_clock: official.round_the_clock(),
            official,
        }
    }

    /// The calendar a unit of `kind` works on (`None`: no unit, the official calendar).
    pub fn for_kind(&self, kind: Option<UnitKind>) -> &Calendar {
        if kind.is_some_and(UnitKind::works_round_the_clock) {
            &self.round_the_clock
        } else {
            &self.official
        }
    }
}

/// UTC+8, the time of the official notices (and the default district time zone).
pub fn china_standard_time() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Utc.fix())
}

/// The first and last day the platform accepts in any date it is given (official days,
/// the start of a deadline, a statistics period). Outside them the calendar has no data
/// and an answer would not be an RFC 3339 instant (year 10000 has five digits).
pub const FIRST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};
pub const LAST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2099, 12, 31) {
    Some(day) => day,
    None => NaiveDate::MAX,
};

/// Whether `day` lies between `FIRST_DAY` and `LAST_DAY` (both included).
pub fn in_range(day: NaiveDate) -> bool {
    (FIRST_DAY..=LAST_DAY).contains(&day)
}

/// The message for a date out of range.
pub fn range_message() -> String {
    format!("must lie between {FIRST_DAY} and {LAST_DAY}")
}

/// Parses the official-days text: `YYYY-MM-DD off|work NAME` lines, `#` comments.
pub fn parse_official(text: &str) -> Result<BTreeMap<NaiveDate, Official>, Invalid> {
    let mut days = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let field = format!("line {}", index + 1);
        let mut parts = line.splitn(3, ' ');
        let date = parts
            .next()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let date = date.ok_or_else(|| Invalid::new(&field, "must start with a YYYY-MM-DD date"))?;
        if !in_range(date) {
            return Err(Invalid::new(&field, format!("{date} {}", range_message())));
        }
        let name = parts.clone().nth(1).unwrap_or("").trim().to_owned();
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        let day = match parts.next() {
            Some("off") if !weekend => Official::Holiday(name),
            Some("work") if weekend => Official::MakeUpWorkday(name),
            Some("off") => return Err(Invalid::new(&field, "a weekend day is off anyway")),
            Some("work") => return Err(Invalid::new(&field, "a weekday is a working day anyway")),
            _ => {
                return Err(Invalid::new(
                    &field,
                    "the second word must be `off` or `work`",
                ));
            }
        };
        if days.insert(date, day).is_some() {
            return Err(Invalid::new(&field, format!("{date} is listed twice")));
        }
    }
    Ok(days)
}

impl Calendar {
    /// The district calendar: official days, 08:30–12:00 and 13:30–17:30, UTC+8.
    pub fn official() -> Calendar {
        Calendar::official_in(china_standard_time())
    }

    /// The official calendar with its working hours counted in the district's `zone`.
    pub fn official_in(zone: FixedOffset) -> Calendar {
        // The embedded data is checked by a test; an error here cannot pass CI.
        let official = parse_official(OFFICIAL_DAYS).unwrap_or_default();
        Calendar::fingerprinted(Calendar {
            official,
            periods: vec![
                Period {
                    start: 8 * 60 + 30,
                    end: 12 * 60,
                },
                Period {
                    start: 13 * 60 + 30,
                    end: 17 * 60 + 30,
                },
            ],
            offset: zone,
            round_the_clock: false,
            version: String::new(),
        })
    }

    fn fingerprinted(mut calendar: Calendar) -> Calendar {
        calendar.version = calendar.compute_version();
        calendar
    }

    /// A calendar for units open 24 hours a day, 7 days a week.
    pub fn round_the_clock(&self) -> Calendar {
        Calendar::fingerprinted(Calendar {
            round_the_clock: true,
            ..self.clone()
        })
    }

    /// The same days with other working hours, e.g. `[(510, 720), (810, 1050)]`.
    pub fn with_hours(&self, periods: &[(u32, u32)]) -> Result<Calendar, Invalid> {
        let mut sorted: Vec<Period> = periods
            .iter()
            .map(|&(start, end)| Period { start, end })
            .collect();
        sorted.sort_by_key(|p| p.start);
        let mut last_end = 0;
        for period in &sorted {
            if period.start >= period.end || period.end > 24 * 60 || period.start < last_end {
                return Err(Invalid::new(
                    "hours",
                    "periods must be within a day, non-empty and not overlap",
                ));
            }
            last_end = period.end;
        }
        if sorted.is_empty() {
            return Err(Invalid::new(
                "hours",
                "a working day needs at least one period",
            ));
        }
        Ok(Calendar::fingerprinted(Calendar {
            periods: sorted,
            ..self.clone()
        }))
    }

    /// The same working hours with more official days (next year's notice).
    pub fn with_official(&self, more: BTreeMap<NaiveDate, Official>) -> Calendar {
        let mut official = self.official.clone();
        official.extend(more);
        Calendar::fingerprinted(Calendar {
            official,
            ..self.clone()
        })
    }

    /// A short fingerprint of the days and hours this calendar counts with, recorded on
    /// every deadline clock so a later change of the calendar can be told apart.
    pub fn version(&self) -> &str {
        &self.version
    }

    fn compute_version(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        for (date, day) in &self.official {
            let word = match day {
                Official::Holiday(_) => "off",
                Official::MakeUpWorkday(_) => "work",
            };
            hasher.update(format!("{date} {word}\n"));
        }
        for period in &self.periods {
            hasher.update(format!("{}-{}\n", period.start, period.end));
        }
        let digest = hasher.finalize();
        let prefix = if self.round_the_clock {
            "round_the_clock"
        } else {
            "official"
        };
        format!("{prefix}@{}", hex::encode(&digest[..4]))
    }

    pub fn is_round_the_clock(&self) -> bool {
        self.round_the_clock
    }

    /// Every official day the calendar knows, in date order.
    pub fn official_days(&self) -> impl Iterator<Item = (&NaiveDate, &Official)> {
        self.official.iter()
    }

    pub fn official_day(&self, date: NaiveDate) -> Option<&Official> {
        self.official.get(&date)
    }

    /// The last date the official data covers.
    pub fn covered_until(&self) -> Option<NaiveDate> {
        self.official.keys().next_back().copied()
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.round_the_clock {
            return true;
        }
        match self.official.get(&date) {
            Some(Official::Holiday(_)) => false,
            Some(Official::MakeUpWorkday(_)) => true,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    fn periods_of(&self, date: NaiveDate) -> &[Period] {
        const ALL_DAY: &[Period] = &[Period {
            start: 0,
            end: 24 * 60,
        }];
        if self.round_the_clock {
            ALL_DAY
        } else if self.is_working_day(date) {
            &self.periods
        } else {
            &[]
        }
    }

    fn local(&self, at: Instant) -> NaiveDateTime {
        at.with_timezone(&self.offset).naive_local()
    }

    /// The district's local date at `at`.
    pub fn local_date(&self, at: Instant) -> NaiveDate {
        self.local(at).date()
    }

    fn instant(&self, date: NaiveDate, minute: u32) -> Instant {
        let midnight = date.and_time(NaiveTime::MIN);
        let local = midnight + Duration::minutes(i64::from(minute));
        self.offset
            .from_local_datetime(&local)
            .single()
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_default()
    }

    /// The instant `minutes` working minutes after `start`. Time outside working hours
    /// does not count, so the result always lies in (or at the end of) a working period.
    pub fn add_working_minutes(&self, start: Instant, minutes: i64) -> Instant {
        self.add_working_seconds(start, minutes.saturating_mul(60))
    }

    /// The instant `seconds` working seconds after `start` (see `add_working_minutes`).
    pub fn add_working_seconds(&self, start: Instant, seconds: i64) -> Instant {
        if seconds <= 0 {
            return start;
        }
        let local = self.local(start);
        let mut date = local.date();
        let start_of_day = local - date.and_time(NaiveTime::MIN);
        // Seconds matter: a start at 16:00:30 plus 30 minutes ends at 16:30:30.
        let mut cursor_seconds = start_of_day.num_seconds();
        let mut left_seconds = seconds;
        for _ in 0..MAX_DAYS_WALKED {
            for period in self.periods_of(date) {
                let from = cursor_seconds.max(i64::from(period.start) * 60);
                let to = i64::from(period.end) * 60;
                if from >= to {
                    continue;
                }
                if to - from >= left_seconds {
                    return self.instant(date, 0) + Duration::seconds(from + left_seconds);
                }
                left_seconds -= to - from;
            }
            date = date.succ_opt().unwrap_or(date);
            cursor_seconds = 0;
        }
        // No working time in ten years (a calendar of holidays only): the walk's end, so a
        // broken calendar shows as an absurd deadline rather than a plausible one.
        self.instant(date, 0)
    }

    /// The end of the `days`-th working day after the day `start` falls on ("within N
    /// working days of receipt": the day of receipt does not count).
    pub fn add_working_days(&self, start: Instant, days: u32) -> Instant {
        if days == 0 {
            return start;
        }
        let mut date = self.local(start).date();
        let mut counted = 0;
        for _ in 0..MAX_DAYS_WALKED {
            date = date.succ_opt().unwrap_or(date);
            if self.is_working_day(date) {
                counted += 1;
                // A working day always has a period (`with_hours` refuses none).
                if counted == days
                    && let Some(last) = self.periods_of(date).last()
                {
                    return self.instant(date, last.end);
                }
            }
        }
        start
    }

    /// Working time between two instants, in seconds; negative when `to` is before `from`.
    pub fn working_seconds_between(&self, from: Instant, to: Instant) -> i64 {
        if to < from {
            return -self.working_seconds_between(to, from);
        }
        let start = self.local(from);
        let end = self.local(to);
        let mut date = start.date();
        let mut total = 0;
        for _ in 0..MAX_DAYS_WALKED {
            if date > end.date() {
                break;
            }
            let day_start = date.and_time(NaiveTime::MIN);
            let lower = if date == start.date() {
                (start - day_start).num_seconds()
            } else {
                0
            };
            let upper = if date == end.date() {
                (end - day_start).num_seconds()
            } else {
                24 * 3600
            };
            for period in self.periods_of(date) {
                let from = lower.max(i64::from(period.start) * 60);
                let to = upper.min(i64::from(period.end) * 60);
                total += (to - from).max(0);
            }
            date = date.succ_opt().unwrap_or(date);
        }
        total
    }

    /// Working minutes in one working day (7.5 hours for the district calendar).
    pub fn minutes_per_working_day(&self) -> i64 {
        if self.round_the_clock {
            return 24 * 60;
        }
        self.periods
            .iter()
            .map(|p| i64::from(p.end - p.start))
            .sum()
    }
}
