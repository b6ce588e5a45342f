//! civicgrid's storage: the one `Store` interface every other crate talks to, and its
//! implementation for SQLite (embedded default, WAL, one file) and PostgreSQL (production),
//! chosen by the database URL's scheme.
//!
//! This crate knows SQL and the domain's values; it must not know HTTP, JSON wire shapes or
//! the wall clock (every write takes its `now` from the caller). A state change, its events,
//! its unit links and its rollup counters always commit in one transaction, and a write is
//! acknowledged only after its commit is durable.

mod migrate;
mod sql;
pub mod testing;
mod writer;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use civicgrid_domain::lifecycle::{Case, Decision, Event};
use civicgrid_domain::org::{Grant, UnitKind};
use civicgrid_domain::request::{Channel, Kind, Location, Urgency};
use civicgrid_domain::routing::RoutingRule;
use civicgrid_domain::{CategoryId, Instant, Refusal, RequestId, UnitId, UserId};

pub use migrate::MIGRATION_NAMES;

/// Which database a store speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL must start with sqlite: or postgres:// (got `{0}`)")]
    BadUrl(String),
    #[error("not found")]
    NotFound,
    #[error("username `{0}` is taken")]
    UsernameTaken(String),
    #[error("`{0}` already exists")]
    Duplicate(String),
    #[error("{0}")]
    Refused(Refusal),
    #[error("the daily serial sequence is exhausted for {0}")]
    SerialsExhausted(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("the write queue is closed")]
    WriterGone,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub id: UnitId,
    pub name: String,
    pub kind: UnitKind,
    pub parent: Option<UnitId>,
    pub lines: Vec<String>,
    /// GeoJSON geometry text, for grids and subgrids.
    pub geometry: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewUnit {
    pub name: String,
    pub kind: UnitKind,
    pub parent: Option<UnitId>,
    pub lines: Vec<String>,
    pub geometry: Option<String>,
}

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub unit: UnitId,
    pub grants: Vec<Grant>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub unit: UnitId,
    pub grants: Vec<Grant>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryRow {
    pub id: CategoryId,
    pub code: String,
    pub name: String,
    pub parent: Option<CategoryId>,
    pub line: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewCategory {
    pub code: String,
    pub name: String,
    pub parent: Option<CategoryId>,
    pub line: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewRoutingRule {
    pub category: CategoryId,
    pub area: Option<UnitId>,
    pub unit: UnitId,
    pub basis: civicgrid_domain::lifecycle::Basis,
}

/// A policy to store; the id comes from the database.
#[derive(Debug, Clone)]
pub struct NewPolicy {
    pub name: String,
    pub matches: civicgrid_domain::deadline::Match,
    pub limits: Vec<(
        civicgrid_domain::deadline::Stage,
        civicgrid_domain::deadline::Limit,
    )>,
    pub thresholds: civicgrid_domain::deadline::Thresholds,
    pub accountable_after: u32,
    pub created_by: Option<UserId>,
}

pub use civicgrid_domain::clocks::{Clock, Effects};
pub use civicgrid_domain::deadline::Policy;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelReason {
    pub code: String,
    pub label: String,
}

/// A request as stored: its intake values plus the lifecycle values in `case`.
#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: RequestId,
    pub serial: String,
    pub verify_code: String,
    pub channel: Channel,
    pub kind: Kind,
    pub urgency: Urgency,
    pub category: Option<CategoryId>,
    pub line: Option<String>,
    pub content: String,
    pub address: Option<String>,
    pub location: Option<Location>,
    pub caller_name: Option<String>,
    pub caller_phone: Option<String>,
    pub area: Option<UnitId>,
    pub intake_unit: Option<UnitId>,
    pub created_by: Option<UserId>,
    pub case: Case,
    pub event_count: i64,
    pub last_hash: String,
    pub created_at: Instant,
    pub updated_at: Instant,
}

/// A row of the event history.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub request: RequestId,
    pub seq: i64,
    pub kind: String,
    pub at: Instant,
    pub actor_user: Option<UserId>,
    pub actor_username: Option<String>,
    pub actor_unit: Option<UnitId>,
    pub from: Option<String>,
    pub to: String,
    pub reason: Option<String>,
    pub detail: Vec<(String, String)>,
    pub hash: String,
}

/// A request to register: validated values, its first events, and the raw intake record.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub channel: Channel,
    pub kind: Kind,
    pub urgency: Urgency,
    pub category: Option<CategoryId>,
    pub line: Option<String>,
    pub content: String,
    pub address: Option<String>,
    pub location: Option<Location>,
    pub caller_name: Option<String>,
    pub caller_phone: Option<String>,
    pub area: Option<UnitId>,
    pub intake_unit: Option<UnitId>,
    pub created_by: Option<UserId>,
    pub verify_code: String,
    /// The body exactly as received, kept unchanged and linked to the request.
    pub raw_intake: String,
    /// The local date the serial number carries.
    pub local_date: NaiveDate,
    pub now: Instant,
    /// The case after its first events (received, and answered-on-the-spot if so).
    pub case: Case,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub id: RequestId,
    pub serial: String,
}

/// Which requests a reader may see. Mirrors `domain::lifecycle::authorize` for `Read`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    All,
    Units {
        /// Requests tied to any of these units in any way (area, intake, handler).
        any: Vec<UnitId>,
        /// Requests these units handle or handled.
        handling: Vec<UnitId>,
        /// Business lines the reader is limited to (empty: all).
        lines: Vec<String>,
    },
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub state: Option<String>,
    /// Any of these states (with `state`, both must hold).
    pub states: Vec<String>,
    /// Only requests with an extension awaiting the dispatcher's decision.
    pub pending_extension: bool,
    /// Order by the nearest deadline of a running clock (soonest first, requests without a
    /// running clock last) instead of newest first: a unit's inbox.
    pub by_deadline: bool,
    pub lead_unit: Option<UnitId>,
    pub category: Option<CategoryId>,
    pub kind: Option<String>,
    pub caller_phone: Option<String>,
    /// Only requests whose worst running clock is in this band at `now`.
    pub band: Option<(civicgrid_domain::deadline::Band, Instant)>,
    pub offset: i64,
    pub limit: i64,
    /// Count matches only up to this many plus one (`None`: count them all).
    pub count_cap: Option<i64>,
}

/// What a transition's closure sees: the stored request, the units tied to it and its
/// deadline clocks.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub row: RequestRow,
    /// Every unit that has handled it (current and former).
    pub handlers: Vec<UnitId>,
    /// Every clock, running, paused and stopped, oldest first.
    pub clocks: Vec<Clock>,
}

impl Loaded {
    /// The clocks not stopped yet (running or paused).
    pub fn running_clocks(&self) -> Vec<Clock> {
        self.clocks
            .iter()
            .filter(|c| c.is_running())
            .cloned()
            .collect()
    }
}

/// The decision a transition closure returns; the store persists it atomically.
pub type Decide = Box<dyn FnOnce(&Loaded) -> std::result::Result<Decision, Refusal> + Send>;
pub type DecideMerge =
    Box<dyn FnOnce(&Loaded, &Loaded) -> std::result::Result<(Decision, Decision), Refusal> + Send>;
/// The sweeper's closure: given a request, its clocks that are due, and the supervisors
/// with their open pool counts, the ladder's decision for that request.
pub type Escalate = Box<
    dyn FnMut(&Loaded, &[Clock], &mut [(UserId, i64)]) -> std::result::Result<Decision, Refusal>
        + Send,
>;

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Requests whose due clocks were handled.
    pub requests: usize,
    /// Ladder events written.
    pub events: usize,
    /// Requests skipped because another instance held them (PostgreSQL only).
    pub skipped: usize,
}

/// A notice (reminder, urging, accountability record) as stored.
#[derive(Debug, Clone)]
pub struct NoticeRow {
    pub id: i64,
    pub serial: String,
    pub kind: String,
    pub unit: Option<UnitId>,
    pub stage: Option<String>,
    pub at: Instant,
    pub due_at: Instant,
    pub by_user: Option<UserId>,
    pub by_username: Option<String>,
    pub text: Option<String>,
    /// When someone of the unit acknowledged it, and who.
    pub read_at: Option<Instant>,
    pub read_by_username: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct NoticeFilter {
    /// Only notices addressed to these units (`None`: all).
    pub units: Option<Vec<UnitId>>,
    pub kind: Option<String>,
    /// Only notices nobody has acknowledged yet.
    pub unread: bool,
    pub offset: i64,
    pub limit: i64,
}

/// A case in the supervision pool.
#[derive(Debug, Clone)]
pub struct PoolRow {
    pub request: RequestRow,
    pub owner: Option<UserId>,
    pub owner_username: Option<String>,
    pub stage: Option<String>,
    pub unit: Option<UnitId>,
    pub reason: Option<String>,
    pub since: Instant,
    pub closed_at: Option<Instant>,
    /// How many times the case was put under supervision.
    pub times: i64,
}

#[derive(Debug, Clone, Default)]
pub struct PoolFilter {
    /// Only this request's entry.
    pub request: Option<RequestId>,
    pub owner: Option<UserId>,
    /// Include cases that have left the pool.
    pub include_closed: bool,
    pub offset: i64,
    pub limit: i64,
}

/// A closed case drawn for a quality callback.
#[derive(Debug, Clone)]
pub struct SampleRow {
    pub request: RequestRow,
    pub drawn_at: Instant,
    pub done_at: Option<Instant>,
    pub done_by: Option<UserId>,
    pub rating: Option<String>,
    pub citizen_resolved: Option<bool>,
    pub note: Option<String>,
}

/// An official day added by an administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialDayRow {
    pub day: NaiveDate,
    /// `off` (holiday on a weekday) or `work` (make-up working day on a weekend).
    pub kind: String,
    pub name: String,
}

/// A personal-data read to record.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub at: Instant,
    pub user: Option<UserId>,
    pub action: String,
    pub target: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

/// A finished or in-flight request with its whole history, for bulk import (the demo
/// generator, benchmarks). Events must already be decided by the domain.
#[derive(Debug, Clone)]
pub struct HistoricCase {
    pub new: NewCase,
    pub serial: String,
    pub case: Case,
    pub events: Vec<Event>,
    /// Every clock of its history (final values) and the records its ladder produced.
    pub effects: Effects,
    pub updated_at: Instant,
}

/// One day's count of one metric for one key of one dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyCount {
    pub day: String,
    pub dim: String,
    pub key: i64,
    pub metric: String,
    pub n: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChainCheck {
    pub requests: i64,
    pub events: i64,
    /// Serials whose chain does not verify.
    pub broken: Vec<String>,
}

/// Everything civicgrid stores, behind one interface with two implementations.
#[async_trait]
pub trait Store: Send + Sync {
    fn backend(&self) -> Backend;
    async fn ping(&self) -> Result<()>;

    async fn create_unit(&self, unit: NewUnit, now: Instant) -> Result<UnitRow>;
    /// Creates many units in one transaction, parents before children (index references
    /// into the same batch are not supported: callers pass known parent ids).
    async fn create_units(&self, units: Vec<NewUnit>, now: Instant) -> Result<Vec<UnitRow>>;
    async fn list_units(&self, with_geometry: bool) -> Result<Vec<UnitRow>>;

    async fn create_user(&self, user: NewUser, now: Instant) -> Result<UserRow>;
    async fn create_users(&self, users: Vec<NewUser>, now: Instant) -> Result<usize>;
    async fn find_user(&self, username: &str) -> Result<Option<UserRow>>;
    async fn get_user(&self, id: UserId) -> Result<Option<UserRow>>;
    async fn list_users(&self, offset: i64, limit: i64) -> Result<(Vec<UserRow>, i64)>;
    async fn count_admins(&self) -> Result<i64>;
    async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: Instant,
        expires: Instant,
    ) -> Result<()>;
    /// Ends a session (sign-out): its token stops working at once.
    async fn end_session(&self, token_hash: &str) -> Result<()>;
    /// The user of an unexpired session, with the session's expiry.
    async fn session_user(
        &self,
        token_hash: &str,
        now: Instant,
    ) -> Result<Option<(UserRow, Instant)>>;

    async fn create_category(&self, category: NewCategory) -> Result<CategoryRow>;
    async fn list_categories(&self) -> Result<Vec<CategoryRow>>;
    async fn create_routing_rule(&self, rule: NewRoutingRule) -> Result<RoutingRule>;
    async fn list_routing_rules(&self) -> Result<Vec<RoutingRule>>;
    async fn set_cancel_reasons(&self, reasons: Vec<CancelReason>) -> Result<()>;
    /// Stores a new deadline policy (policies are never edited; see `supersede`).
    async fn create_policy(&self, policy: NewPolicy, now: Instant) -> Result<Policy>;
    /// Replaces policy `id` (which must be in force) with a new version: the new row gets
    /// a new id and the old one is marked superseded by it, so clocks keep naming the
    /// version they ran under.
    async fn supersede_policy(&self, id: i64, policy: NewPolicy, now: Instant) -> Result<Policy>;
    /// The policies in force (not superseded), oldest first.
    async fn list_policies(&self) -> Result<Vec<Policy>>;
    async fn list_cancel_reasons(&self) -> Result<Vec<CancelReason>>;

    /// Registers a request. Concurrent calls share commits (group commit); each returns
    /// only after the commit holding its request is durable.
    async fn create_request(&self, case: NewCase) -> Result<Created>;
    async fn get_request(&self, serial: &str) -> Result<Option<Loaded>>;
    async fn get_request_by_id(&self, id: RequestId) -> Result<Option<Loaded>>;
    async fn list_requests(
        &self,
        filter: &ListFilter,
        visibility: &Visibility,
    ) -> Result<(Vec<RequestRow>, i64)>;
    async fn events(&self, id: RequestId) -> Result<Vec<EventRow>>;
    async fn children(&self, id: RequestId) -> Result<Vec<String>>;
    /// Runs `decide` on the current stored values inside a write transaction and commits the
    /// new values, the events, the unit links and the counters together.
    async fn apply(&self, serial: &str, now: Instant, decide: Decide) -> Result<Loaded>;
    /// Merges `child` into `parent` atomically.
    async fn merge(
        &self,
        child: &str,
        parent: &str,
        now: Instant,
        decide: DecideMerge,
    ) -> Result<Loaded>;

    async fn add_attachment(
        &self,
        id: RequestId,
        content_type: &str,
        body: Vec<u8>,
        sha256: &str,
        now: Instant,
    ) -> Result<Attachment>;
    async fn attachments(&self, id: RequestId) -> Result<Vec<Attachment>>;
    async fn attachment_body(
        &self,
        id: RequestId,
        attachment: i64,
    ) -> Result<Option<(String, Vec<u8>)>>;

    /// Records personal-data reads; durable before it returns (shares commits with intake).
    async fn audit(&self, entries: Vec<AuditEntry>) -> Result<()>;
    async fn audit_log(&self, offset: i64, limit: i64) -> Result<(Vec<AuditEntry>, i64)>;

    /// The running clocks of several requests (for list pages).
    async fn running_clocks(&self, ids: &[RequestId]) -> Result<Vec<(RequestId, Clock)>>;
    /// Handles every clock due by `now`: per request, inside one write transaction that
    /// holds the request's row, the due clocks are read again and passed to `decide`, whose
    /// events, clock steps and records commit together. Requests are taken `batch` at a
    /// time; on PostgreSQL rows another instance holds are skipped (`SKIP LOCKED`) and left
    /// to it, so each step fires exactly once across instances.
    async fn escalate_due(&self, now: Instant, batch: i64, decide: Escalate)
    -> Result<SweepReport>;
    /// How many clocks are due by `now` (cheap: reads the due index).
    async fn count_due(&self, now: Instant) -> Result<i64>;
    async fn notices(&self, filter: &NoticeFilter) -> Result<(Vec<NoticeRow>, i64)>;
    async fn notices_of(&self, id: RequestId) -> Result<Vec<NoticeRow>>;
    async fn notice(&self, id: i64) -> Result<Option<NoticeRow>>;
    /// Acknowledges a notice (the first acknowledgement stays); returns it as stored.
    async fn acknowledge_notice(&self, id: i64, by: UserId, now: Instant) -> Result<NoticeRow>;
    async fn supervision_pool(
        &self,
        filter: &PoolFilter,
        visibility: &Visibility,
    ) -> Result<(Vec<PoolRow>, i64)>;
    async fn samples(
        &self,
        pending_only: bool,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<SampleRow>, i64)>;
    /// The requests behind one unit's fact (e.g. `accept_late`) between two instants.
    async fn fact_requests(
        &self,
        unit: UnitId,
        metric: &str,
        from: Instant,
        to: Instant,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<RequestRow>, i64)>;
    /// Per unit and stage, the clocks that fell overdue in `[from, until)` and were still
    /// open at `until` (not stopped, not paused before their deadline).
    async fn overdue_counts(
        &self,
        from: Instant,
        until: Instant,
    ) -> Result<Vec<(UnitId, String, i64)>>;
    /// The requests behind one unit's overdue count for one stage.
    async fn overdue_requests(
        &self,
        unit: UnitId,
        stage: &str,
        from: Instant,
        until: Instant,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<RequestRow>, i64)>;
    async fn official_days(&self) -> Result<Vec<OfficialDayRow>>;
    /// Adds (or replaces) official days, all or nothing.
    async fn add_official_days(
        &self,
        days: Vec<OfficialDayRow>,
        by: Option<UserId>,
        now: Instant,
    ) -> Result<()>;

    async fn daily_counts(
        &self,
        dim: &str,
        from_day: &str,
        to_day: &str,
    ) -> Result<Vec<DailyCount>>;
    /// The rollup's counters of one dimension summed over a period of days, one row per
    /// (key, metric); `day` is left empty.
    async fn period_counts(
        &self,
        dim: &str,
        from_day: &str,
        to_day: &str,
    ) -> Result<Vec<DailyCount>>;
    async fn count_requests(&self) -> Result<i64>;
    async fn import_history(&self, cases: Vec<HistoricCase>) -> Result<usize>;
    /// Refreshes the planner's statistics after a bulk import (on PostgreSQL also the
    /// visibility map, which index-only scans and capped counts rely on).
    async fn optimize(&self) -> Result<()>;
    /// Recomputes every request's hash chain and reports the ones that do not verify.
    async fn verify_chains(&self) -> Result<ChainCheck>;
    async fn get_setting(&self, key: &str) -> Result<Option<String>>;
    async fn set_setting(&self, key: &str, value: &str) -> Result<()>;
    /// Stores `value` under `key` unless a value is there already; returns the value that
    /// is stored (the first writer wins, also between instances starting together).
    async fn init_setting(&self, key: &str, value: &str) -> Result<String>;
}

/// Opens the database named by `url` (`sqlite:PATH` or `postgres://…`), creating a SQLite
/// file on first use, and brings its schema up to date.
pub async fn open(url: &str, now: Instant) -> Result<Arc<dyn Store>> {
    let store = sql::SqlStore::open(url, now).await?;
    Ok(Arc::new(store))
}

/// The local day (district time) an instant falls on, as `YYYY-MM-DD`; rollups count by it.
pub fn local_day(at: Instant, offset: chrono::FixedOffset) -> String {
    at.with_timezone(&offset).format("%Y-%m-%d").to_string()
}
