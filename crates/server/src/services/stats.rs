//! Unit statistics: the rates, composite scores and rankings of `domain::appraisal`, fed
//! from the `daily_counts` rollup (dimension `appraisal`, one counter per unit, day and
//! fact), and the drill-down to the requests behind each number from the `facts` rows.
//! Both are written in the same transaction as the events they count.

use std::collections::{BTreeMap, BTreeSet};

use chrono::FixedOffset;
use chrono::{Duration, NaiveDate, TimeZone};
use civicgrid_api::ErrorCode;
use civicgrid_domain::appraisal::{self, UnitScore};
use civicgrid_domain::org::{Principal, Tier, UnitKind};
use civicgrid_domain::{Instant, UnitId};
use civicgrid_store::Visibility;

use crate::error::{ApiError, ApiResult};
use crate::services::cases::Listed;
use crate::state::AppState;

/// Every unit's appraisal over a period of days.
#[derive(Debug, Clone)]
pub struct Standings {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The fewest dispatched requests a unit needs to be ranked.
    pub min_sample: i64,
    /// Ranked units first, by rank; then the rest.
    pub scores: Vec<UnitScore>,
}

/// One figure of the overview, today and this month so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figure {
    pub today: i64,
    pub month: i64,
}

/// One day of the overview's chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayFigures {
    pub day: NaiveDate,
    pub received: i64,
    pub resolved: i64,
    /// Requests open at the end of the day.
    pub backlog: i64,
}

/// The district at a glance (`overview`).
#[derive(Debug, Clone)]
pub struct Overview {
    pub today: NaiveDate,
    /// `received`, `dispatched`, `resolved`, `closed`.
    pub figures: Vec<(&'static str, Figure)>,
    pub backlog: i64,
    pub in_pool: i64,
    pub days: Vec<DayFigures>,
    /// Requests received per area unit (id) over the chart's days.
    pub areas: Vec<(i64, i64)>,
}

/// The first instant of a local day.
fn day_start(day: NaiveDate, zone: FixedOffset) -> Instant {
    zone.from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default()
}

/// The instants from the start of `from` to the end of `to` (district days, both
/// included; either end open), refusing a range that runs backwards. Shared by every list
/// filtered by days (requests, the audit trails).
pub fn day_range(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    zone: FixedOffset,
) -> ApiResult<(Option<Instant>, Option<Instant>)> {
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(ApiError::query("from", "must not be after `to`"));
    }
    Ok((
        from.map(|d| day_start(d, zone)),
        to.map(|d| day_start(d + Duration::days(1), zone)),
    ))
}

/// The instants a period of days covers, up to `now` at the latest.
fn window(now: Instant, zone: FixedOffset, from: NaiveDate, to: NaiveDate) -> (Instant, Instant) {
    (
        day_start(from, zone),
        day_start(to + Duration::days(1), zone).min(now),
    )
}

/// Which units a standings table covers: all, one kind, or one tier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnitFilter {
    pub kind: Option<UnitKind>,
    pub tier: Option<Tier>,
}

/// How many of a unit's requests met one 12345 target in one month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TargetCount {
    pub met: i64,
    pub missed: i64,
}

/// One unit's month against the 12345 targets, counted from intake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetMonth {
    pub unit: UnitId,
    /// `YYYY-MM`, district time.
    pub month: String,
    pub response: TargetCount,
    pub resolution: TargetCount,
}

/// Every unit's months from `from` to `to` against the 12345 targets (first response and
/// resolution, each within its working days of intake), from their own rollup; units of
/// `only` alone when given. Months run newest first, units by id.
pub async fn targets(
    state: &AppState,
    from: NaiveDate,
    to: NaiveDate,
    only: UnitFilter,
) -> ApiResult<Vec<TargetMonth>> {
    let reference = state.reference();
    let org = &reference.org;
    // The targets' own rollup is small (four counters per unit and day), so its days are
    // read as they are and summed by month here.
    let rows = state
        .store
        .daily_counts(
            "targets",
            &from.format("%Y-%m-%d").to_string(),
            &to.format("%Y-%m-%d").to_string(),
        )
        .await?;
    let mut months: BTreeMap<(std::cmp::Reverse<String>, i64), TargetMonth> = BTreeMap::new();
    for row in rows {
        let unit = UnitId(row.key);
        let Some(found) = org.get(unit) else { continue };
        if only.kind.is_some_and(|k| found.kind != k)
            || only.tier.is_some_and(|t| found.kind.tier() != Some(t))
        {
            continue;
        }
        let month = row.day.get(..7).unwrap_or(&row.day).to_owned();
        let entry = months
            .entry((std::cmp::Reverse(month.clone()), unit.0))
            .or_insert_with(|| TargetMonth {
                unit,
                month,
                response: TargetCount::default(),
                resolution: TargetCount::default(),
            });
        let slot = match row.metric.as_str() {
            "target_response_met" => &mut entry.response.met,
            "target_response_missed" => &mut entry.response.missed,
            "target_resolution_met" => &mut entry.resolution.met,
            "target_resolution_missed" => &mut entry.resolution.missed,
            _ => continue,
        };
        *slot += row.n;
    }
    Ok(months.into_values().collect())
}

/// The standings as `principal` sees them: every unit for hub-wide readers; otherwise
/// the units of the reader's subtree (a street its communities and grids, a department
/// itself), each keeping its rank among all the units of its tier.
pub fn standings_for(
    state: &AppState,
    principal: &Principal,
    mut standings: Standings,
) -> Standings {
    let org = state.org();
    if let Visibility::Units { any, handling, .. } =
        crate::services::cases::visibility(principal, &org)
    {
        let mine: BTreeSet<UnitId> = any.into_iter().chain(handling).collect();
        standings.scores.retain(|s| mine.contains(&s.unit));
    }
    standings
}

/// Every unit's rates and its rank within its tier over the period.
pub async fn units(
    state: &AppState,
    from: NaiveDate,
    to: NaiveDate,
    only: UnitFilter,
) -> ApiResult<Standings> {
    let reference = state.reference();
    let org = &reference.org;
    let rows = state
        .store
        .period_counts(
            "appraisal",
            &from.format("%Y-%m-%d").to_string(),
            &to.format("%Y-%m-%d").to_string(),
        )
        .await?;
    // Clocks still overdue at the end of the period count as late: sitting on an overdue
    // case must not look better than finishing it late.
    let (start, until) = window(state.now(), state.time_zone, from, to);
    let overdue = state.store.overdue_counts(start, until).await?;
    let facts = rows
        .into_iter()
        .map(|row| (UnitId(row.key), row.metric, row.n))
        .chain(
            overdue
                .into_iter()
                .map(|(unit, stage, n)| (unit, format!("{stage}_overdue"), n)),
        );
    let mut counts: BTreeMap<UnitId, BTreeMap<String, i64>> = BTreeMap::new();
    for (unit, metric, n) in facts {
        let Some(found) = org.get(unit) else { continue };
        if only.kind.is_some_and(|k| found.kind != k)
            || only.tier.is_some_and(|t| found.kind.tier() != Some(t))
        {
            continue;
        }
        *counts.entry(unit).or_default().entry(metric).or_default() += n;
    }
    let config = &reference.appraisal;
    Ok(Standings {
        from,
        to,
        min_sample: config.min_sample,
        scores: appraisal::score(&counts, config, &|u| {
            org.get(u).and_then(|found| found.kind.tier())
        }),
    })
}

/// Every fact name the drill-down accepts.
fn known_metric(metric: &str) -> bool {
    const OTHERS: &[&str] = &[
        "dispatched",
        "returned",
        "resolved",
        "redo",
        "reminded",
        "urged",
        "supervised",
        "accountable",
        "citizen_resolved",
        "citizen_unresolved",
        "rated_satisfied",
        "rated_basically_satisfied",
        "rated_unsatisfied",
    ];
    if OTHERS.contains(&metric) {
        return true;
    }
    let stages = ["accept", "respond", "resolve", "callback", "coordinate"];
    stages.iter().any(|stage| {
        metric == format!("{stage}_on_time")
            || metric == format!("{stage}_late")
            || metric == format!("{stage}_overdue")
    })
}

/// The requests behind one unit's fact. Hub-wide readers drill into every unit; others only
/// into units of their own grants (and below).
pub async fn cases(
    state: &AppState,
    principal: &Principal,
    unit: UnitId,
    metric: &str,
    from: NaiveDate,
    to: NaiveDate,
    (offset, limit): (i64, i64),
) -> ApiResult<Listed> {
    if !known_metric(metric) {
        return Err(ApiError::query(
            "metric",
            "no such fact (see the rates' `cases` links)",
        ));
    }
    let org = state.org();
    if let Visibility::Units { any, handling, .. } =
        crate::services::cases::visibility(principal, &org)
        && !any.contains(&unit)
        && !handling.contains(&unit)
    {
        return Err(ApiError::with_message(
            ErrorCode::Forbidden,
            "you may drill into your own units only",
        ));
    }
    let (rows, total) = match metric.strip_suffix("_overdue") {
        Some(stage) => {
            let (start, until) = window(state.now(), state.time_zone, from, to);
            state
                .store
                .overdue_requests(unit, stage, start, until, offset, limit)
                .await?
        }
        None => {
            state
                .store
                .fact_requests(
                    unit,
                    metric,
                    day_start(from, state.time_zone),
                    day_start(to + Duration::days(1), state.time_zone),
                    offset,
                    limit,
                )
                .await?
        }
    };
    Ok(Listed {
        items: crate::services::cases::with_clocks(state, rows).await?,
        total,
        exact: true,
    })
}

/// Whose requests the overview counts: the district's (hub-wide readers); the requests
/// lying in a territorial reader's places (a street sees its communities and grids); or
/// the requests a department's units lead (received there means dispatched to them).
enum FigureScope {
    All,
    Places(BTreeSet<i64>),
    Units(BTreeSet<i64>),
}

impl FigureScope {
    fn of(visibility: &Visibility, org: &civicgrid_domain::org::OrgTree) -> FigureScope {
        let Visibility::Units { any, handling, .. } = visibility else {
            return FigureScope::All;
        };
        let units: BTreeSet<i64> = any.iter().chain(handling).map(|u| u.0).collect();
        let places: BTreeSet<i64> = units
            .iter()
            .copied()
            .filter(|u| {
                org.get(UnitId(*u))
                    .is_some_and(|found| found.kind.is_territorial())
            })
            .collect();
        if places.is_empty() {
            FigureScope::Units(units)
        } else {
            FigureScope::Places(places)
        }
    }

    /// The rollup dimension the figures come from.
    fn dim(&self) -> &'static str {
        match self {
            FigureScope::All => "all",
            FigureScope::Places(_) => "area",
            FigureScope::Units(_) => "unit",
        }
    }

    /// Whether a counter of the dimension belongs to the reader.
    fn counts(&self, key: i64) -> bool {
        match self {
            FigureScope::All => true,
            FigureScope::Places(set) | FigureScope::Units(set) => set.contains(&key),
        }
    }

    /// Whether the map shows a place.
    fn shows_place(&self, key: i64) -> bool {
        match self {
            FigureScope::All => true,
            FigureScope::Places(set) => set.contains(&key),
            FigureScope::Units(_) => false,
        }
    }

    /// A unit's requests arrive by dispatch: that is what it received.
    fn renamed(&self, mut count: civicgrid_store::DailyCount) -> civicgrid_store::DailyCount {
        if matches!(self, FigureScope::Units(_)) {
            if count.metric == "received" {
                count.metric = "received_there".into();
            } else if count.metric == "dispatch" {
                count.metric = "received".into();
            }
        }
        count
    }
}

/// The district at a glance for `principal`, from the daily rollups: today's and this
/// month's figures, the open backlog, the pool's size, the last `days` days of intake,
/// resolutions and backlog, and requests per area over those days. Independent reads run
/// side by side; the backlog of a past day is the whole history's opened minus finished,
/// carried into the window as one sum.
pub async fn overview(state: &AppState, principal: &Principal, days: i64) -> ApiResult<Overview> {
    use chrono::Datelike;
    if !(1..=366).contains(&days) {
        return Err(ApiError::query("days", "must be 1 to 366"));
    }
    let key = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let today = state.now().with_timezone(&state.time_zone).date_naive();
    let month_start = today.with_day(1).unwrap_or(today);
    let first = today - Duration::days(days - 1);
    let window_start = first.min(month_start);
    let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(window_start);
    let pool_filter = civicgrid_store::PoolFilter {
        limit: 1,
        ..Default::default()
    };
    let org = state.org();
    let visibility = crate::services::cases::visibility(principal, &org);
    let scope = FigureScope::of(&visibility, &org);
    let dim = scope.dim();
    let (from_window, to_day) = (key(window_start), key(today));
    let (from_epoch, before_window) = (key(epoch), key(window_start - Duration::days(1)));
    let from_areas = key(first);
    let (daily, before, areas, (_, in_pool)) = tokio::try_join!(
        state.store.daily_counts(dim, &from_window, &to_day),
        state.store.period_counts(dim, &from_epoch, &before_window),
        state.store.period_counts("area", &from_areas, &to_day),
        state.store.supervision_pool(&pool_filter, &visibility),
    )?;
    let daily: Vec<_> = daily
        .into_iter()
        .filter(|c| scope.counts(c.key))
        .map(|c| scope.renamed(c))
        .collect();
    let before: Vec<_> = before
        .into_iter()
        .filter(|c| scope.counts(c.key))
        .map(|c| scope.renamed(c))
        .collect();
    let areas: Vec<_> = areas
        .into_iter()
        .filter(|c| c.metric == "received" && scope.shows_place(c.key))
        .collect();
    // metric → day → count
    let mut by_day: BTreeMap<&str, BTreeMap<&str, i64>> = BTreeMap::new();
    for c in &daily {
        *by_day
            .entry(c.metric.as_str())
            .or_default()
            .entry(c.day.as_str())
            .or_default() += c.n;
    }
    let sum = |metric: &str, from: &str, to: &str| -> i64 {
        by_day
            .get(metric)
            .map_or(0, |d| d.range(from..=to).map(|(_, n)| n).sum())
    };
    let carried = |metric: &str| -> i64 {
        before
            .iter()
            .filter(|c| c.metric == metric)
            .map(|c| c.n)
            .sum()
    };
    let open_before = carried("received") - carried("finish") + carried("unfinish");
    let backlog_at = |day: &str| {
        open_before + sum("received", "0000", day) - sum("finish", "0000", day)
            + sum("unfinish", "0000", day)
    };
    let (t, m) = (key(today), key(month_start));
    let figures = [
        ("received", "received"),
        ("dispatched", "dispatch"),
        ("resolved", "resolve"),
        ("closed", "finish"),
        // Demand: callers who joined a matter already open (merged duplicates) or brought
        // back one already answered (repeats), beyond the matters themselves.
        ("merged", "merge"),
        ("repeats", "repeat"),
    ]
    .into_iter()
    .map(|(name, metric)| {
        (
            name,
            Figure {
                today: sum(metric, &t, &t),
                month: sum(metric, &m, &t),
            },
        )
    })
    .collect();
    let days_out = (0..days)
        .map(|i| {
            let day = first + Duration::days(i);
            let d = key(day);
            DayFigures {
                received: sum("received", &d, &d),
                resolved: sum("resolve", &d, &d),
                backlog: backlog_at(&d),
                day,
            }
        })
        .collect();
    Ok(Overview {
        today,
        figures,
        backlog: backlog_at(&t),
        in_pool,
        days: days_out,
        areas: areas.into_iter().map(|c| (c.key, c.n)).collect(),
    })
}
