//! Figures, rankings and the settings they are computed under: statistics queries and
//! answers, the appraisal and rules settings, the official calendar's added days.

use std::collections::BTreeMap;

use crate::refs::UnitRef;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// First day, `YYYY-MM-DD` (district time) or an RFC 3339 instant (its day),
    /// inclusive. Default: 29 days before `to`.
    pub from: Option<String>,
    /// Last day, inclusive, in the same forms. Default: today.
    pub to: Option<String>,
    /// Only units of this kind (`department`, `street`, `utility` …).
    pub kind: Option<String>,
    /// Only units of this tier (`street`, `department`, `utility`, `community`, `grid`);
    /// units are ranked within their tier whether or not this is given.
    pub tier: Option<String>,
}

/// Met and missed for one 12345 target.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TargetCountOut {
    pub met: i64,
    pub missed: i64,
    /// `met / (met + missed)`; none when nothing was counted.
    pub rate: Option<f64>,
}

/// One unit's month against the 12345 targets, both counted from intake: a first response
/// within `target_response_days` working days and resolution within
/// `target_resolution_days` (the rules setting; 1 and 5 by default).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TargetMonthOut {
    pub unit: UnitRef,
    /// `YYYY-MM`, district time.
    pub month: String,
    pub response: TargetCountOut,
    pub resolution: TargetCountOut,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TargetsOut {
    pub from: String,
    pub to: String,
    pub response_days: u32,
    pub resolution_days: u32,
    /// Newest month first; within a month, units by id.
    pub items: Vec<TargetMonthOut>,
}

/// A count today and since the first of the month.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FigureOut {
    pub today: i64,
    pub month: i64,
}

/// One day of the pressure curve.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DayOut {
    /// `YYYY-MM-DD`, district time.
    pub day: String,
    pub received: i64,
    pub resolved: i64,
    /// Requests open at the end of the day (received, not yet closed, cancelled, merged or
    /// transferred out).
    pub backlog: i64,
}

/// Requests received in an area (a grid or subgrid, or `0` for no known area).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AreaCountOut {
    pub unit: i64,
    pub received: i64,
}

/// The district at a glance, from the daily rollups: the leader dashboard's figures.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OverviewOut {
    /// Today, district time.
    pub today: String,
    /// `received`, `dispatched`, `resolved`, `closed` (left the open backlog), and the
    /// demand beyond the matters themselves: `merged` (callers merged into an open request)
    /// and `repeats` (callers who brought back an answered matter).
    pub figures: BTreeMap<String, FigureOut>,
    pub backlog: i64,
    /// Cases in the supervision pool now.
    pub in_pool: i64,
    /// The last `days` days, oldest first.
    pub days: Vec<DayOut>,
    /// Requests received per area over the same days.
    pub areas: Vec<AreaCountOut>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverviewQuery {
    /// How many days the curve and the area counts cover (1–366, default 90).
    pub days: Option<i64>,
}

/// One rate: numerator over denominator, with its value (none when the denominator is 0).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RateOut {
    pub numerator: i64,
    pub denominator: i64,
    pub value: Option<f64>,
    /// Where the cases behind the numerator are listed.
    pub cases: String,
}

/// A unit's performance over a period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitStatsOut {
    pub unit: UnitRef,
    pub kind: String,
    /// The tier the unit is ranked in (`street`, `department`, `utility`, `community`,
    /// `grid`); none for the hub and centres, which are not ranked.
    pub tier: Option<String>,
    /// Requests dispatched to the unit in the period: the sample size.
    pub sample: i64,
    /// Keyed by rate: `response`, `on_time_acceptance`, `on_time_resolution`, `resolution`,
    /// `satisfaction`, `return`, `improper_return`, `redo`, `summons_arrival`,
    /// `summons_rating`.
    pub rates: BTreeMap<String, RateOut>,
    /// Accountability records in the period.
    pub accountable: i64,
    /// Urging notices in the period.
    pub urged: i64,
    /// The weighted composite score (0–100); none below the minimum sample.
    pub score: Option<f64>,
    /// Rank by score within its tier (1 is best); none below the minimum sample.
    pub rank: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatsOut {
    pub from: String,
    pub to: String,
    pub min_sample: i64,
    /// Grouped by tier (streets, departments, utilities, communities, grids, then the
    /// untiered); within a tier ranked units first (by rank), then those below the
    /// minimum sample.
    pub units: Vec<UnitStatsOut>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DrillQuery {
    /// The fact behind a number, e.g. `accept_late`, `returned`, `rated_unsatisfied`.
    pub metric: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

/// The appraisal and sampling configuration: weights of each rate in the composite score,
/// the minimum sample for ranking, the credit of "basically satisfied", the penalty per
/// accountability record and the share of closed cases drawn for quality callbacks.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppraisalConfig {
    pub weights: BTreeMap<String, f64>,
    pub min_sample: i64,
    pub basically_satisfied_credit: f64,
    pub accountability_penalty: f64,
    pub sample_percent: f64,
    /// Category ids whose callbacks do not count in the satisfaction rate (a category
    /// covers its children), e.g. mediation and law enforcement.
    #[serde(default)]
    pub satisfaction_excluded: Vec<i64>,
}

/// The hub's rules that are numbers a district sets (`/api/v1/settings/rules`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    /// Working days after a unit receives a request within which it may return it (default 1).
    pub return_window_days: i64,
    /// The same for a request marked complex (default 2).
    pub return_window_days_complex: i64,
    /// Failed callback attempts, each on a different day, before `callback_impossible`
    /// with cause `unreachable` (default 3).
    pub callback_attempts: i64,
    /// Dispatches without an owner after which the hub must designate one (default 3).
    #[serde(default = "default_designate_after")]
    pub designate_after: i64,
    /// The 12345 target for a first response, in working days from intake (default 1).
    #[serde(default = "default_target_response_days")]
    pub target_response_days: i64,
    /// The 12345 target for resolution, in working days from intake (default 5).
    #[serde(default = "default_target_resolution_days")]
    pub target_resolution_days: i64,
    /// Which replies the hub checks before the callback: `all` (default), `signed` (only
    /// replies a unit head signed) or `off`.
    #[serde(default = "default_reply_review")]
    pub reply_review: String,
    /// A caller with at least this many requests (2–100, default 5) in
    /// `frequent_caller_days` days (1–365, default 30) is flagged on the console.
    #[serde(default = "default_frequent_caller_calls")]
    pub frequent_caller_calls: i64,
    #[serde(default = "default_frequent_caller_days")]
    pub frequent_caller_days: i64,
}

fn default_frequent_caller_calls() -> i64 {
    5
}

fn default_frequent_caller_days() -> i64 {
    30
}

fn default_reply_review() -> String {
    "all".into()
}

fn default_designate_after() -> i64 {
    3
}

fn default_target_response_days() -> i64 {
    1
}

fn default_target_resolution_days() -> i64 {
    5
}

/// An official day: a weekday holiday (`off`) or a weekend working day (`work`, 调休).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OfficialDayOut {
    pub date: String,
    pub kind: String,
    pub name: String,
    /// `shipped` with the release or `added` by an administrator.
    pub source: String,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OfficialDayQuery {
    pub year: Option<i32>,
}

/// Next year's notice: lines `YYYY-MM-DD off|work NAME` (the shipped data's format).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddOfficialDays {
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AddedOfficialDays {
    pub added: usize,
    pub calendar: String,
    pub covered_until: Option<String>,
}
