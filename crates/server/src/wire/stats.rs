//! Statistics on the wire: the period a query names (whole local days), unit standings
//! with the drill-down link behind every rate, the overview, and the appraisal settings.

use chrono::{Duration, FixedOffset, NaiveDate};
use civicgrid_api::{
    AppraisalConfig, AreaCountOut, DayOut, FigureOut, OverviewOut, RateOut, StatsOut, UnitStatsOut,
};
use civicgrid_domain::appraisal::Config;
use civicgrid_domain::org::OrgTree;
use civicgrid_domain::{CategoryId, Instant};

use crate::error::{ApiError, ApiResult};
use crate::services::stats::{Overview, Standings};
use crate::state::Reference;

/// The longest period a statistics query may cover.
const MAX_DAYS: i64 = 3660;

fn day_key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// A day as `YYYY-MM-DD`, or an RFC 3339 instant taken as its day in district time.
fn parse_day(field: &str, raw: &str, zone: FixedOffset) -> ApiResult<NaiveDate> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| {
            chrono::DateTime::parse_from_rfc3339(raw).map(|t| t.with_timezone(&zone).date_naive())
        })
        .map_err(|_| ApiError::query(field, "must be a date (YYYY-MM-DD) or an RFC 3339 instant"))
        .and_then(|day| {
            if civicgrid_domain::calendar::in_range(day) {
                Ok(day)
            } else {
                Err(ApiError::query(
                    field,
                    civicgrid_domain::calendar::range_message(),
                ))
            }
        })
}

/// A period of whole local days: `to` defaults to today, `from` to 29 days before `to`.
pub fn period(
    now: Instant,
    zone: FixedOffset,
    from: Option<&str>,
    to: Option<&str>,
) -> ApiResult<(NaiveDate, NaiveDate)> {
    let today = now.with_timezone(&zone).date_naive();
    let to = to
        .map(|t| parse_day("to", t, zone))
        .transpose()?
        .unwrap_or(today);
    let from = from
        .map(|f| parse_day("from", f, zone))
        .transpose()?
        .unwrap_or(to - Duration::days(29));
    if from > to {
        return Err(ApiError::query("from", "must not be after `to`"));
    }
    if (to - from).num_days() > MAX_DAYS {
        return Err(ApiError::query("from", "a period covers at most ten years"));
    }
    Ok((from, to))
}

/// The appraisal settings as shown (the same shape they are stored in).
pub fn config_out(config: &Config) -> AppraisalConfig {
    crate::state::appraisal_record(config)
}

/// The appraisal settings an administrator sends, checked (each excluded category must
/// exist).
pub fn config_in(body: &AppraisalConfig, reference: &Reference) -> ApiResult<Config> {
    let mut excluded = Vec::with_capacity(body.satisfaction_excluded.len());
    for (index, id) in body.satisfaction_excluded.iter().enumerate() {
        let id = CategoryId(*id);
        if reference.category(id).is_none() {
            return Err(ApiError::field(
                format!("satisfaction_excluded[{index}]"),
                "no such category",
            ));
        }
        excluded.push(id);
    }
    Ok(Config::parse(
        &body.weights,
        body.min_sample,
        body.basically_satisfied_credit,
        body.accountability_penalty,
        body.sample_percent,
    )?
    .excluding(excluded))
}

/// The 12345 targets report.
pub fn targets_out(
    reference: &Reference,
    from: NaiveDate,
    to: NaiveDate,
    months: &[crate::services::stats::TargetMonth],
) -> civicgrid_api::TargetsOut {
    let count = |c: crate::services::stats::TargetCount| civicgrid_api::TargetCountOut {
        met: c.met,
        missed: c.missed,
        rate: (c.met + c.missed > 0)
            .then(|| ((c.met as f64 / (c.met + c.missed) as f64) * 10_000.0).round() / 10_000.0),
    };
    civicgrid_api::TargetsOut {
        from: day_key(from),
        to: day_key(to),
        response_days: reference.case_rules.target_response_days,
        resolution_days: reference.case_rules.target_resolution_days,
        items: months
            .iter()
            .map(|m| civicgrid_api::TargetMonthOut {
                unit: crate::wire::unit_ref(&reference.org, m.unit),
                month: m.month.clone(),
                response: count(m.response),
                resolution: count(m.resolution),
            })
            .collect(),
    }
}

/// Every unit's rates, score and rank, each rate linking to the requests behind it.
pub fn stats_out(org: &OrgTree, standings: &Standings) -> StatsOut {
    let (from_text, to_text) = (day_key(standings.from), day_key(standings.to));
    let units = standings
        .scores
        .iter()
        .map(|s| {
            let rates = s
                .rates
                .iter()
                .map(|r| {
                    let link = format!(
                        "/api/v1/stats/units/{}/cases?metric={}&from={from_text}&to={to_text}",
                        s.unit.0, r.metric
                    );
                    (
                        r.name.to_owned(),
                        RateOut {
                            numerator: r.numerator,
                            denominator: r.denominator,
                            value: r.value.map(|v| (v * 10_000.0).round() / 10_000.0),
                            cases: link,
                        },
                    )
                })
                .collect();
            UnitStatsOut {
                unit: crate::wire::unit_ref(org, s.unit),
                kind: org
                    .get(s.unit)
                    .map(|u| u.kind.as_str().to_owned())
                    .unwrap_or_default(),
                tier: s.tier.map(|t| t.as_str().to_owned()),
                sample: s.sample,
                rates,
                accountable: s.accountable,
                urged: s.urged,
                score: s.score,
                rank: s.rank,
            }
        })
        .collect();
    StatsOut {
        from: from_text,
        to: to_text,
        min_sample: standings.min_sample,
        units,
    }
}

pub fn overview_out(overview: &Overview) -> OverviewOut {
    OverviewOut {
        today: day_key(overview.today),
        figures: overview
            .figures
            .iter()
            .map(|(name, f)| {
                (
                    (*name).to_owned(),
                    FigureOut {
                        today: f.today,
                        month: f.month,
                    },
                )
            })
            .collect(),
        backlog: overview.backlog,
        in_pool: overview.in_pool,
        days: overview
            .days
            .iter()
            .map(|d| DayOut {
                day: day_key(d.day),
                received: d.received,
                resolved: d.resolved,
                backlog: d.backlog,
            })
            .collect(),
        areas: overview
            .areas
            .iter()
            .map(|&(unit, received)| AreaCountOut { unit, received })
            .collect(),
    }
}
