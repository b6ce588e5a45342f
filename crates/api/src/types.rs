//! Request and response bodies of `/api/v1`. Field names are the contract with outside
//! clients; enums travel as the snake_case words the domain defines.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A page of a list: `{"items", "total", "page", "page_size"}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The number of matches, exact when `total_exact`; otherwise a lower bound (lists of
    /// requests count at most 10,000 matches).
    pub total: i64,
    pub total_exact: bool,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer TOKEN`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: UserOut,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GrantOut {
    pub role: String,
    pub unit: i64,
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub unit: i64,
    pub roles: Vec<String>,
    pub grants: Vec<GrantOut>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub username: String,
    pub password: String,
    pub unit: i64,
    pub roles: Vec<String>,
    /// Business lines the roles are limited to; empty or absent means all lines.
    #[serde(default)]
    pub lines: Vec<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitOut {
    pub id: i64,
    pub name: String,
    /// `hub`, `centre`, `street`, `community`, `grid`, `subgrid`, `department`, `utility`.
    pub kind: String,
    pub parent: Option<i64>,
    pub lines: Vec<String>,
    /// Polygon as GeoJSON geometry, for grids and subgrids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geometry: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUnit {
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub parent: Option<i64>,
    #[serde(default)]
    pub lines: Vec<String>,
    /// GeoJSON Polygon or MultiPolygon geometry (grids and subgrids).
    #[serde(default)]
    pub geometry: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    /// Only units of this kind.
    pub kind: Option<String>,
    /// Only direct children of this unit.
    pub parent: Option<i64>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
    /// Include grid polygons (`true`); off by default to keep lists small.
    pub geometry: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CategoryOut {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent: Option<i64>,
    /// The business line the category belongs to.
    pub line: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategory {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub parent: Option<i64>,
    #[serde(default)]
    pub line: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoutingRuleOut {
    pub id: i64,
    pub category: i64,
    pub area: Option<i64>,
    pub unit: i64,
    /// `statute`, `agreement` or `designation`.
    pub basis: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRoutingRule {
    pub category: i64,
    #[serde(default)]
    pub area: Option<i64>,
    pub unit: i64,
    pub basis: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CancelReasonOut {
    pub code: String,
    pub label: String,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq)]
pub struct LocationIn {
    pub lat: f64,
    pub lng: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CallerIn {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerIn {
    pub reply: String,
}

/// A new request from an operator, a grid worker or an app.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    /// `hotline`, `transfer_12345`, `transfer_110`, `web`, `app`, `wechat`, `grid_report`,
    /// `window`, `representative_office`, `resident_council`, `letter`, `email`, `open311`.
    pub channel: String,
    /// `consultation`, `complaint`, `help`, `suggestion`, `report`, `praise`.
    pub kind: String,
    pub content: String,
    /// Category id or code.
    #[serde(default)]
    pub category: Option<serde_json::Value>,
    /// `normal` (default), `urgent`, `emergency`.
    #[serde(default)]
    pub urgency: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub location: Option<LocationIn>,
    #[serde(default)]
    pub caller: Option<CallerIn>,
    /// Close a consultation at intake with this reply ("answered on the spot").
    #[serde(default)]
    pub answer: Option<AnswerIn>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CallerOut {
    pub name: Option<String>,
    pub phone: Option<String>,
    /// `true` when name and phone are shown masked because of the reader's role.
    pub masked: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProposalOut {
    pub unit: UnitRef,
    /// `statute`, `agreement`, `designation` or `territorial`.
    pub basis: String,
    pub rule: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ParentOut {
    pub serial: String,
    pub state: String,
    pub outcome: Option<String>,
    pub reply: Option<String>,
}

/// A request as staff see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RequestOut {
    pub serial: String,
    pub state: String,
    pub channel: String,
    pub kind: String,
    pub urgency: String,
    pub category: Option<CategoryOut>,
    pub content: String,
    pub address: Option<String>,
    pub location: Option<LocationIn>,
    pub caller: Option<CallerOut>,
    pub area: Option<UnitRef>,
    pub lead_unit: Option<UnitRef>,
    pub assisting_units: Vec<UnitRef>,
    pub coordination_units: Vec<UnitRef>,
    pub outcome: Option<String>,
    pub reply: Option<String>,
    pub proper_owner: Option<String>,
    pub rating: Option<String>,
    pub citizen_says_resolved: Option<bool>,
    pub pending_extension_days: Option<u32>,
    pub extension_days: u32,
    /// Callers counted: 1 plus every merged duplicate.
    pub demand: u32,
    /// Callers who brought this answered matter back with no new facts (linked in
    /// `children`, not dispatched again).
    pub repeats: u32,
    pub redo_count: u32,
    pub return_count: u32,
    /// The first unit the request was dispatched to (首办责任), once dispatched; it answers
    /// for the case in its appraisal even after a return or transfer.
    pub first_responder: Option<UnitRef>,
    /// Times the hub has dispatched it.
    pub dispatch_count: u32,
    /// Marked complex at dispatch (a longer window to return it).
    pub complex: bool,
    /// Marked important at dispatch (its reply needs a unit head's signature).
    pub important: bool,
    /// Until when its unit may return it; set only while it may.
    pub return_until: Option<DateTime<Utc>>,
    /// Failed callback attempts, counted once per day.
    pub callback_attempts: u32,
    /// A unit's appeal against the request's count (核减), once made.
    pub appeal: Option<AppealOut>,
    /// The latest coordination order (协调), for a request that has been coordinated.
    pub coordination: Option<CoordinationOut>,
    /// Set on a merged duplicate: the parent case whose progress answers this caller too.
    pub parent: Option<ParentOut>,
    pub children: Vec<String>,
    /// The routing table's proposal, for requests awaiting dispatch.
    pub proposal: Option<ProposalOut>,
    pub attachments: Vec<AttachmentOut>,
    /// Every deadline clock of the request, running and stopped, oldest first.
    pub clocks: Vec<ClockOut>,
    /// The worst band among running clocks (`blue|yellow|orange|red`); none when no clock runs.
    pub band: Option<String>,
    /// Set while the case is in the supervision pool.
    pub supervision: Option<SupervisionOut>,
    /// Reminders, urging notices and accountability records on this request.
    pub notices: Vec<NoticeOut>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A coordination order: the convenor's question, each participant's answer, and how the
/// convenor concluded it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CoordinationOut {
    /// The hub, or the street that leads the case.
    pub convenor: Option<UnitRef>,
    pub question: String,
    pub opened_at: DateTime<Utc>,
    pub participants: Vec<ParticipantOut>,
    /// `agreed` (dispatched to the agreed lead) or `settled` (the convenor resolved it);
    /// none while the order runs.
    pub conclusion: Option<String>,
    pub concluded_at: Option<DateTime<Utc>>,
    /// The lead the meeting agreed on (`agreed`).
    pub lead: Option<UnitRef>,
    /// The unit found responsible (`settled`, 责任认定).
    pub owner: Option<UnitRef>,
    /// The record of the meeting.
    pub minutes: Option<String>,
    /// Whether the finding became a routing rule with the basis `agreement`.
    pub rule: bool,
}

/// One unit taking part in a coordination, and its answer once given.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ParticipantOut {
    pub unit: UnitRef,
    pub answered_at: Option<DateTime<Utc>>,
    /// Whether it says the matter is its own.
    pub owns: Option<bool>,
    pub opinion: Option<String>,
    /// What it can do about it.
    pub capacity: Option<String>,
}

/// A unit's appeal against a request's count in its rates (核减).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AppealOut {
    pub unit: UnitRef,
    /// `malicious_caller`, `outside_duty` or `wrong_rating`.
    pub ground: String,
    /// `pending`, `approved` (the request no longer counts in the unit's rates) or `refused`.
    pub state: String,
}

/// One deadline clock: a stage of a request against its limit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClockOut {
    /// `dispatch`, `accept`, `respond`, `resolve`, `callback` or `coordinate`.
    pub stage: String,
    pub unit: Option<UnitRef>,
    pub started_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// `blue` (in time), `yellow` (nearing), `orange` (about due) or `red` (overdue); a
    /// stopped clock keeps the band it stopped in.
    pub band: String,
    /// `running`, `paused`, `met`, `late` or `closed`.
    pub status: String,
    pub stopped_at: Option<DateTime<Utc>>,
    /// Time left before the deadline, counted the way the limit counts (working seconds for
    /// working limits); negative when overdue. Only for running clocks.
    pub remaining_seconds: Option<i64>,
    pub limit: LimitIn,
    /// The highest ladder step taken: `none`, `remind`, `urge`, `supervise`, `hold_accountable`.
    pub step: String,
    pub redo: bool,
    /// The policy version and calendar version the clock runs under.
    pub policy: i64,
    pub calendar: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SupervisionOut {
    pub owner: Option<String>,
    pub since: DateTime<Utc>,
    pub stage: Option<String>,
    pub times: i64,
}

/// A reminder, urging notice or accountability record addressed to a unit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NoticeOut {
    pub id: i64,
    pub serial: String,
    /// `remind`, `urge` or `hold_accountable`.
    pub kind: String,
    pub unit: Option<UnitRef>,
    pub stage: Option<String>,
    pub at: DateTime<Utc>,
    /// When the step fell due (equal to `at` for a supervisor's own action).
    pub due_at: DateTime<Utc>,
    /// The supervisor who acted; none when the ladder fired by itself.
    pub by: Option<String>,
    pub text: Option<String>,
    /// When someone of the unit acknowledged it, and who.
    pub read_at: Option<DateTime<Utc>>,
    pub read_by: Option<String>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoticeQuery {
    pub kind: Option<String>,
    /// Only notices to this unit (and, for handlers, only their own units').
    pub unit: Option<i64>,
    /// Only notices nobody has acknowledged yet.
    pub unread: Option<bool>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

/// A case in the supervision pool.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PoolItemOut {
    pub request: RequestSummary,
    pub owner: Option<String>,
    pub stage: Option<String>,
    pub unit: Option<UnitRef>,
    pub reason: Option<String>,
    pub since: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub times: i64,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PoolQuery {
    /// `me`: only the cases the caller owns.
    pub owner: Option<String>,
    /// Include cases that have left the pool.
    pub all: Option<bool>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

/// A closed case drawn for a supervisor's quality callback.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SampleOut {
    pub request: RequestSummary,
    pub drawn_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    pub rating: Option<String>,
    pub citizen_says_resolved: Option<bool>,
    pub note: Option<String>,
    /// The verdict (unsatisfied, or not resolved) reopened the case as a redo.
    pub reopened: bool,
    /// The citizen said the recorded callback never took place: an accountability record
    /// against whoever recorded it.
    pub falsified: bool,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SampleQuery {
    /// Include the callbacks already made.
    pub all: Option<bool>,
    /// `pending` (default), `done` (finished checks with their verdicts) or `all`.
    pub state: Option<String>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

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
    /// `received`, `dispatched`, `resolved`, `closed` (left the open backlog).
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
    /// `satisfaction`, `return`, `redo`.
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

/// The answer to a successful intake: the serial to read back and the code for tracking.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedRequest {
    pub serial: String,
    pub verification_code: String,
    pub state: String,
    pub proposal: Option<ProposalOut>,
    pub created_at: DateTime<Utc>,
}

/// Short form for lists.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RequestSummary {
    pub serial: String,
    /// Callers counted on it: 1 plus every merged duplicate's caller.
    pub demand: u32,
    pub state: String,
    pub kind: String,
    pub channel: String,
    pub urgency: String,
    pub category: Option<i64>,
    pub lead_unit: Option<i64>,
    pub area: Option<i64>,
    /// The first 80 characters of the content.
    pub summary: String,
    /// The worst band among running clocks; none when no clock runs.
    pub band: Option<String>,
    /// The nearest deadline among running clocks.
    pub due_at: Option<DateTime<Utc>>,
    /// The highest ladder step taken on a running clock (`remind`, `urge`, `supervise`,
    /// `hold_accountable`); none when no step was taken.
    pub step: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, Serialize, IntoParams, ToSchema, Default)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    pub state: Option<String>,
    /// Current handling (lead) unit.
    pub unit: Option<i64>,
    pub category: Option<i64>,
    pub kind: Option<String>,
    /// Only requests whose worst running clock shows this band: `blue|yellow|orange|red`.
    pub band: Option<String>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ActorOut {
    pub user: Option<i64>,
    pub username: Option<String>,
    pub unit: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventOut {
    pub seq: i64,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub actor: ActorOut,
    pub from: Option<String>,
    pub to: String,
    pub reason: Option<String>,
    pub detail: BTreeMap<String, String>,
    /// SHA-256 over the previous event's hash and this event's canonical text.
    pub hash: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttachmentOut {
    pub id: i64,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

/// Body of `POST /api/v1/requests/{serial}/{action}`; which fields each action needs:
/// `dispatch` unit (+assisting); `return` reason; `transfer` unit (+reason); `assign_down`
/// unit; `assist_report` unit, note; `coordinate` units, reason; `request_extension`
/// working_days, reason; `refuse_extension` reason; `suspend` reason; `resolve` outcome,
/// reply (+proper_owner); `callback` rating, resolved (+note); `reopen`, `close` reason;
/// `cancel` reason (a code from `/api/v1/cancel-reasons`) (+note); `merge` parent;
/// `transfer_out` platform (`110`, `12345`, `other`), reason; `answer` reply; `contact` note.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    #[serde(default)]
    pub unit: Option<i64>,
    #[serde(default)]
    pub assisting: Option<Vec<i64>>,
    #[serde(default)]
    pub units: Option<Vec<i64>>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub reply: Option<String>,
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub proper_owner: Option<String>,
    #[serde(default)]
    pub rating: Option<String>,
    #[serde(default)]
    pub resolved: Option<bool>,
    #[serde(default)]
    pub working_days: Option<u32>,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub platform: Option<String>,
    /// `dispatch`: mark the request complex (a longer window to return it).
    #[serde(default)]
    pub complex: Option<bool>,
    /// `dispatch`: mark the request important (its reply needs a unit head's signature).
    #[serde(default)]
    pub important: Option<bool>,
    /// `callback_impossible`: `no_contact` or `unreachable`.
    #[serde(default)]
    pub cause: Option<String>,
    /// `quality_callback`: the citizen says the recorded callback never took place.
    #[serde(default)]
    pub falsified: Option<bool>,
    /// `appeal`: `malicious_caller`, `outside_duty` or `wrong_rating`.
    #[serde(default)]
    pub ground: Option<String>,
    /// `answer_coordination`: the participant's opinion on the question.
    #[serde(default)]
    pub opinion: Option<String>,
    /// `answer_coordination`: what the participant can do about it.
    #[serde(default)]
    pub capacity: Option<String>,
    /// `answer_coordination`: whether the participant says the matter is its own.
    #[serde(default)]
    pub owns: Option<bool>,
    /// `agree`, `settle`: the record of the coordination meeting.
    #[serde(default)]
    pub minutes: Option<String>,
    /// `settle`: the unit the coordination found responsible (its id).
    #[serde(default)]
    pub owner: Option<i64>,
    /// `agree`, `settle`: make the finding a routing rule (basis `agreement`) for the
    /// request's category in its street.
    #[serde(default)]
    pub rule: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub database: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChainReport {
    pub requests_checked: i64,
    pub events_checked: i64,
    pub broken: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct TrackQuery {
    /// The serial number read to the citizen at intake.
    pub serial: String,
    /// The six-digit verification code given with it.
    pub code: String,
}

/// One step of a request's life as a citizen sees it: what happened and when, never who.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrackStep {
    pub kind: String,
    pub at: DateTime<Utc>,
    pub state: String,
}

/// A request as the citizen who raised it may see it: no staff names, no personal data.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrackOut {
    pub serial: String,
    pub state: String,
    pub kind: String,
    pub category: Option<String>,
    pub handling_unit: Option<String>,
    pub outcome: Option<String>,
    pub reply: Option<String>,
    pub rating: Option<String>,
    /// For a merged duplicate: the case that answers it, with its progress.
    pub parent: Option<ParentOut>,
    pub timeline: Vec<TrackStep>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, Serialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct DeadlineQuery {
    /// Start instant, RFC 3339 (e.g. `2025-09-30T16:00:00+08:00`).
    pub from: String,
    /// End of the N-th working day after the day of `from`.
    pub working_days: Option<u32>,
    /// N working hours after `from`.
    pub working_hours: Option<u32>,
    /// Use this unit's calendar (the hub and utility stations work round the clock).
    pub unit: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeadlineOut {
    pub deadline: DateTime<Utc>,
    /// `official` or `round_the_clock`.
    pub calendar: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LimitIn {
    pub amount: i64,
    /// `minutes`, `working_minutes`, `natural_hours`, `working_hours` or `working_days`.
    pub unit: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PolicyMatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Category id or code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<String>,
    /// The intake channel (`hotline`, `web`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PolicyLimits {
    /// The hub's time from intake (or a return) to dispatch, against the hub.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatch: Option<LimitIn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept: Option<LimitIn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respond: Option<LimitIn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolve: Option<LimitIn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<LimitIn>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BandsIn {
    pub yellow: f64,
    pub orange: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePolicy {
    pub name: String,
    #[serde(default, rename = "match")]
    pub matches: PolicyMatch,
    pub limits: PolicyLimits,
    /// Default: yellow 0.6, orange 0.85.
    #[serde(default)]
    pub bands: Option<BandsIn>,
    /// Working days overdue before the unit is held accountable (default 3).
    #[serde(default)]
    pub accountable_after_working_days: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PolicyOut {
    pub id: i64,
    pub name: String,
    #[serde(rename = "match")]
    pub matches: PolicyMatch,
    pub limits: PolicyLimits,
    pub bands: BandsIn,
    pub accountable_after_working_days: u32,
}

/// The service index at `/`: where the API and its description live.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ServiceIndex {
    pub name: String,
    pub version: String,
    pub api: String,
    pub openapi: String,
    pub health: String,
    pub login: String,
    pub track: String,
}
