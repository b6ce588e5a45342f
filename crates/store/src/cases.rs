//! Requests: intake, reads, lists, transitions and merges, their event history, photos, bulk import and the hash chains.
//!
//! The `CaseStore` part of the `Store` interface and the values it takes and returns; the
//! SQL lives in `sql/cases.rs`.

use async_trait::async_trait;
use chrono::NaiveDate;
use civicgrid_domain::clocks::{Clock, Effects};
use civicgrid_domain::lifecycle::{Case, Decision, Event};
use civicgrid_domain::request::{Channel, Kind, Location, State, Urgency};
use civicgrid_domain::{CategoryId, Instant, Refusal, RequestId, UnitId, UserId};

use crate::Result;

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
    /// The caller asked to stay unknown to the units.
    pub caller_confidential: bool,
    /// The raw intake record it came from (shared by requests split from one call).
    pub intake: Option<i64>,
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
    pub caller_confidential: bool,
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
    /// The clocks and records those events start (the hub's dispatch clock), written in
    /// the same transaction as the request.
    pub effects: Effects,
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
    pub state: Option<State>,
    /// Any of these states (with `state`, both must hold).
    pub states: Vec<State>,
    /// Only requests with an extension awaiting the dispatcher's decision.
    pub pending_extension: bool,
    /// Only requests with a unit's appeal awaiting the hub's decision.
    pub pending_appeal: bool,
    /// Only merged duplicates whose caller awaits a callback: the request they were merged
    /// into is resolved or closed, and they have no rating yet.
    pub merged_callbacks: bool,
    /// Order by the nearest deadline of a running clock (soonest first, requests without a
    /// running clock last) instead of newest first: a unit's inbox.
    pub by_deadline: bool,
    pub lead_unit: Option<UnitId>,
    pub category: Option<CategoryId>,
    pub kind: Option<Kind>,
    pub caller_phone: Option<String>,
    /// Leave out requests whose caller asked to stay unknown (a reader who may not read
    /// them searching by phone).
    pub exclude_confidential: bool,
    pub channel: Option<Channel>,
    /// Requests whose address contains this text.
    pub address: Option<String>,
    /// Registered at or after / before these instants.
    pub created_from: Option<Instant>,
    pub created_until: Option<Instant>,
    /// At least this many callers (demand).
    pub min_demand: Option<u32>,
    /// Only requests with a leader's instruction (批示).
    pub instructed: bool,
    /// Only requests in no area (place unknown).
    pub place_unknown: bool,
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
    /// The serial of the first request of the same call, for a request split from one
    /// intake; that request must come earlier in the same import.
    pub intake_of: Option<String>,
}

/// The raw record of one intake (a call, a form, a letter) as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeRow {
    pub id: i64,
    pub channel: Channel,
    pub received_at: Instant,
    /// The username of the staff member who registered it (none for the public portal).
    pub received_by: Option<String>,
    /// The record exactly as received: the API body, the form, the transcript.
    pub raw: String,
    /// The serials of the requests registered from it, in order.
    pub requests: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChainCheck {
    pub requests: i64,
    pub events: i64,
    /// Serials whose chain does not verify.
    pub broken: Vec<String>,
}

#[async_trait]
pub trait CaseStore: Send + Sync {
    /// Registers a request. Concurrent calls share commits (group commit); each returns
    /// only after the commit holding its request is durable.
    async fn create_request(&self, case: NewCase) -> Result<Created>;
    /// Registers the requests one intake was split into, sharing one raw intake record (the
    /// first case's `raw_intake`), in one commit: all of them or none. Serials in order.
    async fn create_intake(&self, cases: Vec<NewCase>) -> Result<Vec<Created>>;
    async fn get_request(&self, serial: &str) -> Result<Option<Loaded>>;
    async fn get_request_by_id(&self, id: RequestId) -> Result<Option<Loaded>>;
    async fn list_requests(
        &self,
        filter: &ListFilter,
        visibility: &Visibility,
    ) -> Result<(Vec<RequestRow>, i64)>;
    async fn events(&self, id: RequestId) -> Result<Vec<EventRow>>;
    async fn children(&self, id: RequestId) -> Result<Vec<String>>;
    /// A raw intake record and the serials of the requests it was split into, in order.
    async fn get_intake(&self, id: i64) -> Result<Option<IntakeRow>>;
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
    async fn count_requests(&self) -> Result<i64>;
    async fn import_history(&self, cases: Vec<HistoricCase>) -> Result<usize>;
    /// Recomputes every request's hash chain and reports the ones that do not verify.
    async fn verify_chains(&self) -> Result<ChainCheck>;
}
