//! Deadline policies and colour bands: which policy a request runs under (matched by kind,
//! category, urgency and channel, most specific first, a default always last), how long
//! each stage may take (dispatch, accept, respond, resolve, callback) in minutes, natural
//! hours, working minutes, working hours or working days, when that time runs out on a calendar, and the band thresholds: yellow
//! at 60% of the allowed time used, orange at 85%, red when overdue (`clocks::Clock::band`).

use chrono::Duration;

use crate::calendar::Calendar;
use crate::error::Invalid;
use crate::ids::CategoryId;
use crate::request::{Channel, Kind, Urgency};
use crate::{Instant, word_enum};

word_enum! {
    /// The steps of a request that each run against their own clock.
    pub enum Stage {
        /// The hub's own time from intake (or a return) to a dispatch or another disposition.
        Dispatch = "dispatch",
        Accept = "accept",
        Respond = "respond",
        Resolve = "resolve",
        Callback = "callback",
        /// A coordination, against its convenor; always `COORDINATION_LIMIT`, never a
        /// policy's limit.
        Coordinate = "coordinate",
        /// One participant's answer to a coordination question, against that participant.
        Answer = "answer",
        /// A reply under review: against the unit head while it waits for the signature,
        /// then against the hub while it waits for the check.
        Review = "review",
        /// A summoned department's arrival on site, against that department.
        Report = "report",
        /// A leader's instruction with a deadline, against the instructed unit until it
        /// reports back; always the leader's own limit, never a policy's.
        Instruction = "instruction",
    }
}

word_enum! {
    /// How a limit is counted.
    pub enum TimeUnit {
        Minutes = "minutes",
        WorkingMinutes = "working_minutes",
        NaturalHours = "natural_hours",
        WorkingHours = "working_hours",
        WorkingDays = "working_days",
    }
}

word_enum! {
    pub enum Band {
        Blue = "blue",
        Yellow = "yellow",
        Orange = "orange",
        Red = "red",
    }
}

/// A time limit: an amount of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub amount: u32,
    pub unit: TimeUnit,
}

impl Limit {
    /// Limits must be positive and at most a year's worth of their unit.
    pub fn parse(field: &str, amount: i64, unit: &str) -> Result<Limit, Invalid> {
        let unit = TimeUnit::parse(unit).ok_or_else(|| {
            Invalid::new(
                format!("{field}.unit"),
                format!("must be one of: {}", TimeUnit::words().join(", ")),
            )
        })?;
        let max = match unit {
            TimeUnit::Minutes => 525_600,
            TimeUnit::WorkingMinutes => 120_000,
            TimeUnit::NaturalHours => 8_760,
            TimeUnit::WorkingHours => 2_000,
            TimeUnit::WorkingDays => 250,
        };
        if amount <= 0 || amount > max {
            return Err(Invalid::new(
                format!("{field}.amount"),
                format!("must be between 1 and {max}"),
            ));
        }
        Ok(Limit {
            amount: amount as u32,
            unit,
        })
    }

    /// When the time runs out for a clock started at `start`.
    pub fn deadline(&self, start: Instant, calendar: &Calendar) -> Instant {
        let amount = i64::from(self.amount);
        match self.unit {
            TimeUnit::Minutes => start + Duration::minutes(amount),
            TimeUnit::WorkingMinutes => calendar.add_working_minutes(start, amount),
            TimeUnit::NaturalHours => start + Duration::hours(amount),
            TimeUnit::WorkingHours => calendar.add_working_minutes(start, amount * 60),
            TimeUnit::WorkingDays => calendar.add_working_days(start, self.amount),
        }
    }

    /// Whether the limit counts working time (and bands measure the share of it used).
    pub fn counts_working_time(&self) -> bool {
        matches!(
            self.unit,
            TimeUnit::WorkingMinutes | TimeUnit::WorkingHours | TimeUnit::WorkingDays
        )
    }
}

/// Band thresholds: the share of the allowed time used at which a clock turns yellow and
/// orange. Red is always "past the deadline".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub yellow: f64,
    pub orange: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            yellow: 0.6,
            orange: 0.85,
        }
    }
}

impl Thresholds {
    pub fn parse(yellow: f64, orange: f64) -> Result<Thresholds, Invalid> {
        if !(yellow > 0.0 && yellow < 1.0) {
            return Err(Invalid::new(
                "bands.yellow",
                "must be a share between 0 and 1",
            ));
        }
        if !(orange > yellow && orange < 1.0) {
            return Err(Invalid::new(
                "bands.orange",
                "must be a share above yellow and below 1",
            ));
        }
        Ok(Thresholds { yellow, orange })
    }
}

/// What a policy applies to; `None` matches anything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Match {
    pub kind: Option<Kind>,
    pub category: Option<CategoryId>,
    pub urgency: Option<Urgency>,
    pub channel: Option<Channel>,
}

/// The values of a request that policies match on.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub kind: Kind,
    /// The request's category and its parents, nearest first.
    pub categories: &'a [CategoryId],
    pub urgency: Urgency,
    pub channel: Channel,
}

/// A deadline policy: which requests it covers, a limit per stage, the band thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub id: i64,
    pub name: String,
    pub matches: Match,
    pub limits: Vec<(Stage, Limit)>,
    pub thresholds: Thresholds,
    /// Working days a clock may be overdue before the unit is held accountable (问效).
    pub accountable_after: u32,
}

/// The default grace before an overdue clock leads to an accountability record.
pub const DEFAULT_ACCOUNTABLE_AFTER: u32 = 3;

/// Parses the accountability grace, in working days (1 to 60).
pub fn parse_accountable_after(field: &str, days: i64) -> Result<u32, Invalid> {
    if (1..=60).contains(&days) {
        Ok(days as u32)
    } else {
        Err(Invalid::new(field, "must be between 1 and 60 working days"))
    }
}

impl Policy {
    pub fn limit(&self, stage: Stage) -> Option<Limit> {
        self.limits
            .iter()
            .find(|(s, _)| *s == stage)
            .map(|(_, l)| *l)
    }

    /// How many match fields are set: more is more specific.
    fn specificity(&self) -> u8 {
        u8::from(self.matches.kind.is_some())
            + u8::from(self.matches.category.is_some())
            + u8::from(self.matches.urgency.is_some())
            + u8::from(self.matches.channel.is_some())
    }

    fn covers(&self, subject: &Subject<'_>) -> Option<(u8, usize)> {
        if self.matches.kind.is_some_and(|k| k != subject.kind)
            || self.matches.urgency.is_some_and(|u| u != subject.urgency)
            || self.matches.channel.is_some_and(|c| c != subject.channel)
        {
            return None;
        }
        // A rule for the exact category beats one for its parent.
        let category_rank = match self.matches.category {
            None => subject.categories.len(),
            Some(c) => subject.categories.iter().position(|x| *x == c)?,
        };
        Some((self.specificity(), category_rank))
    }
}

/// The policy for a request: the most specific match (most fields set, then the nearest
/// category, then the newest policy). The district's default policy matches everything,
/// so there is always one as long as the default exists.
pub fn select<'a>(policies: &'a [Policy], subject: &Subject<'_>) -> Option<&'a Policy> {
    policies
        .iter()
        .filter_map(|p| {
            p.covers(subject)
                .map(|(spec, rank)| (spec, std::cmp::Reverse(rank), p.id, p))
        })
        .max_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)))
        .map(|(_, _, _, p)| p)
}

/// Coordination cases get at most three working days, whatever the policy says.
pub const COORDINATION_LIMIT: Limit = Limit {
    amount: 3,
    unit: TimeUnit::WorkingDays,
};

/// The limit for one stage: the most specific policy that sets a limit for that stage.
/// A specific policy that leaves a stage out falls back to a less specific one for it, and
/// the default policy sets every stage.
pub fn select_limit<'a>(
    policies: &'a [Policy],
    stage: Stage,
    subject: &Subject<'_>,
) -> Option<(&'a Policy, Limit)> {
    if stage == Stage::Coordinate {
        let policy = select(policies, subject)?;
        return Some((policy, COORDINATION_LIMIT));
    }
    policies
        .iter()
        .filter_map(|p| {
            let limit = p.limit(stage)?;
            p.covers(subject)
                .map(|(spec, rank)| (spec, std::cmp::Reverse(rank), p.id, p, limit))
        })
        .max_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)))
        .map(|(_, _, _, p, limit)| (p, limit))
}

/// One preset policy: its name, what it matches and the limits it sets.
pub type Preset = (&'static str, Match, Vec<(Stage, Limit)>);

/// The national and local limits a district may install as editable policies (each a
/// policy like any other once installed; docs/RULES.md gives the sources):
/// - acceptance by the unit: risk to life or property (emergencies) 15 minutes and water,
///   power, gas or heating outages (the `outages` categories) 30 minutes, natural time;
///   every other request 1 working day (National);
/// - resolution by kind: consultation 2, help and suggestion 10, complaint and report 15
///   working days (Guangdong 2022).
pub fn presets(outages: &[CategoryId]) -> Vec<Preset> {
    let minutes = |amount| Limit {
        amount,
        unit: TimeUnit::Minutes,
    };
    let days = |amount| Limit {
        amount,
        unit: TimeUnit::WorkingDays,
    };
    let by_kind = |name, kind, resolve| {
        (
            name,
            Match {
                kind: Some(kind),
                ..Match::default()
            },
            vec![(Stage::Accept, days(1)), (Stage::Resolve, days(resolve))],
        )
    };
    let mut all = vec![
        by_kind("咨询类办理时限", Kind::Consultation, 2),
        by_kind("求助类办理时限", Kind::Help, 10),
        by_kind("建议类办理时限", Kind::Suggestion, 10),
        by_kind("投诉类办理时限", Kind::Complaint, 15),
        by_kind("举报类办理时限", Kind::Report, 15),
    ];
    for category in outages {
        all.push((
            "水电气热中断签收时限",
            Match {
                category: Some(*category),
                ..Match::default()
            },
            vec![(Stage::Accept, minutes(30))],
        ));
        // A category beats an urgency of equal specificity: an emergency outage (a gas
        // leak) needs its own, more specific, 15 minutes.
        all.push((
            "水电气热中断紧急签收时限",
            Match {
                category: Some(*category),
                urgency: Some(Urgency::Emergency),
                ..Match::default()
            },
            vec![(Stage::Accept, minutes(15))],
        ));
    }
    // Last, so that among equally specific policies (the newest wins) an emergency's 15
    // minutes prevail over its kind's limits.
    all.push((
        "危及生命财产签收时限",
        Match {
            urgency: Some(Urgency::Emergency),
            ..Match::default()
        },
        vec![(Stage::Accept, minutes(15))],
    ));
    all
}
