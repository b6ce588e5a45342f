//! Request and response bodies of `/api/v1`. Field names are the contract with outside
//! clients; enums travel as the snake_case words the domain defines.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::refs::UnitRef;

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
    /// Required (and then set) when an administrator reset the password.
    #[serde(default)]
    pub new_password: Option<String>,
}

/// A temporary password an administrator sets; the user chooses a new one at sign-in.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPassword {
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
    /// Disabled by an administrator: it cannot sign in.
    pub disabled: bool,
}

/// A change to an account (administrators only); fields left out stay as they are.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    /// `true` stops the user signing in and ends its sessions at once; `false` restores it.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// A new unit for the user's roles (default: the current one).
    #[serde(default)]
    pub unit: Option<i64>,
    /// The user's roles from now on, replacing the current ones (at least one).
    #[serde(default)]
    pub roles: Option<Vec<String>>,
    /// Business lines the roles are limited to (empty: all); with `roles` or `unit`.
    #[serde(default)]
    pub lines: Option<Vec<String>>,
}

/// What an unlock did: whether the user's sign-in was locked by failed attempts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnlockOut {
    pub was_locked: bool,
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
    /// Polygon as GeoJSON geometry (streets, communities, grids, subgrids), when asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geometry: Option<serde_json::Value>,
    /// Disabled by an administrator: no new work is sent to it; its history stays.
    pub disabled: bool,
    /// National place code (GB/T 30428: 9 digits street, 12 community, 15 grid).
    pub code: Option<String>,
    /// The grid layer of its polygon.
    pub layer: Option<String>,
}

/// A change to a unit (administrators): any of a new name, a new parent, disabled or not.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUnit {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub parent: Option<i64>,
    #[serde(default)]
    pub disabled: Option<bool>,
    /// A new national place code (digits of the unit's level, under its parent's code).
    #[serde(default)]
    pub code: Option<String>,
}

/// A change to a category (administrators): a new name, retired or not.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategory {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub retired: Option<bool>,
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
    /// GeoJSON Polygon or MultiPolygon geometry (streets, communities, grids, subgrids).
    #[serde(default)]
    pub geometry: Option<serde_json::Value>,
    /// National place code of the unit's level, under its parent's code.
    #[serde(default)]
    pub code: Option<String>,
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
    /// Retired by an administrator: not offered for new requests; history keeps it.
    pub retired: bool,
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
    /// What the reason says (`name` repeats it, the spelling `POST` takes).
    pub label: String,
    pub name: String,
}

/// A new non-acceptance (cancel) reason: a snake_case code and what it says.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCancelReason {
    pub code: String,
    pub name: String,
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
    /// The caller asks to stay unknown to the units (保密): only the hub's operators and
    /// supervisors then read name and phone in clear; the units call back through the hub.
    #[serde(default)]
    pub confidential: Option<bool>,
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
    /// The caller asked to stay unknown to the units.
    pub confidential: bool,
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
    /// Where its reply waits while under review: `sign` (the unit head) or `check` (the hub).
    pub review: Option<String>,
    /// The policy document the reply rests on, when it cites one.
    pub cites: Option<String>,
    /// Why the last reviewer sent the reply back, while the unit works on it again.
    pub sent_back: Option<String>,
    /// Departments the street summoned to the site (吹哨报到), with whether each reported
    /// and whether the street has rated its response.
    pub summons: Vec<SummonOut>,
    /// Leaders' instructions (批示) on the request, in the order given.
    pub instructions: Vec<crate::instructions::InstructionOut>,
    /// The latest coordination order (协调), for a request that has been coordinated.
    pub coordination: Option<CoordinationOut>,
    /// Set on a merged duplicate: the parent case whose progress answers this caller too.
    pub parent: Option<ParentOut>,
    pub children: Vec<String>,
    /// The raw intake record it was registered from (`GET /api/v1/intakes/{id}`).
    pub intake: Option<i64>,
    /// Other requests split from the same intake (one call, several problems).
    pub siblings: Vec<String>,
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

/// A department a street summoned to the site.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SummonOut {
    pub unit: UnitRef,
    pub reported: bool,
    pub rated: bool,
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
    /// `dispatch`, `accept`, `respond`, `resolve`, `review`, `callback`, `coordinate`,
    /// `answer` (a coordination participant's) or `report` (a summoned department's).
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

/// The answer to a successful intake: the serial to read back and the code for tracking.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedRequest {
    pub serial: String,
    pub verification_code: String,
    pub state: String,
    pub proposal: Option<ProposalOut>,
    pub created_at: DateTime<Utc>,
}

/// One call with several problems: the raw record as received and the requests it is
/// split into, each with its own serial, routing and clocks. All are registered or none.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIntake {
    /// The channel the intake came by; each request takes it unless it names its own.
    pub channel: String,
    /// The caller, shared by every request unless one names its own.
    #[serde(default)]
    pub caller: Option<CallerIn>,
    /// The record as received: the call's transcript, the letter, the form.
    pub raw: String,
    pub requests: Vec<IntakeItem>,
}

/// One request of a split intake: the fields of a new request; `channel` and `caller`
/// default to the intake's.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeItem {
    #[serde(default)]
    pub channel: Option<String>,
    pub kind: String,
    pub content: String,
    #[serde(default)]
    pub category: Option<serde_json::Value>,
    #[serde(default)]
    pub urgency: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub location: Option<LocationIn>,
    #[serde(default)]
    pub caller: Option<CallerIn>,
    #[serde(default)]
    pub answer: Option<AnswerIn>,
}

/// The answer to a split intake: the intake record's id and each request, in order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IntakeCreated {
    pub intake: i64,
    pub requests: Vec<CreatedRequest>,
}

/// A raw intake record, for roles that read personal data (each read is audited).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IntakeOut {
    pub id: i64,
    pub channel: String,
    pub received_at: DateTime<Utc>,
    /// The username of the staff member who registered it (none for the public portal).
    pub received_by: Option<String>,
    /// The record exactly as received.
    pub raw: String,
    /// The serials of the requests registered from it, in order.
    pub requests: Vec<String>,
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
    /// A leader's instruction (批示) waits for its unit's report.
    pub instructed: bool,
    /// No grid holds it (no point, or one outside every grid, and no place named): the
    /// dispatcher places it (`place`) before routing by place can work.
    pub place_unknown: bool,
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
    pub channel: Option<String>,
    /// Requests whose address contains this text.
    pub address: Option<String>,
    /// Registered on or after this day (`YYYY-MM-DD`, district time).
    pub from: Option<chrono::NaiveDate>,
    /// Registered on or before this day.
    pub to: Option<chrono::NaiveDate>,
    /// At least this many callers (1 plus merged duplicates).
    pub min_demand: Option<u32>,
    /// The caller's phone, exactly: for the hub's roles that look callers up; audited.
    pub phone: Option<String>,
    /// Only requests with a leader's instruction (批示).
    pub instructed: Option<bool>,
    /// Only requests no grid holds (`true`), waiting to be placed.
    pub place_unknown: Option<bool>,
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
/// `transfer_out` platform (`110`, `12345`, `other`), reason; `answer` reply; `contact` note;
/// `instruct` text (+unit, +working_days); `acknowledge_instruction` (+instruction, +note);
/// `report_instruction` report (+instruction).
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
    /// `resolve`: the policy document the reply rests on (name and number), required when
    /// the reply cites a rule without naming it in 《》.
    #[serde(default)]
    pub cites: Option<String>,
    /// `agree`, `settle`: make the finding a routing rule (basis `agreement`) for the
    /// request's category in its street.
    #[serde(default)]
    pub rule: Option<bool>,
    /// `instruct`: the leader's instruction.
    #[serde(default)]
    pub text: Option<String>,
    /// `acknowledge_instruction`, `report_instruction`: the instruction's number on the
    /// request (may be left out when only one waits).
    #[serde(default)]
    pub instruction: Option<u32>,
    /// `report_instruction`: the unit's report to the leader.
    #[serde(default)]
    pub report: Option<String>,
    /// `place`: the place code of the grid (or community, street) the request lies in.
    #[serde(default)]
    pub grid: Option<String>,
    /// `place`: the point it lies at (placed in the grid containing it).
    #[serde(default)]
    pub location: Option<LocationIn>,
    /// `place`: the address as the hub found it.
    #[serde(default)]
    pub address: Option<String>,
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
    /// A coordination participant's answer, against the participant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<LimitIn>,
    /// A reply's review, against the unit head and then the hub.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<LimitIn>,
    /// A summoned department's arrival on site, against the department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<LimitIn>,
}

/// What the preset installer needs to know of the district: its water, power, gas and
/// heating outage categories (ids or codes), whose acceptance limit is 30 minutes.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallPresets {
    #[serde(default)]
    pub outage_categories: Vec<serde_json::Value>,
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
