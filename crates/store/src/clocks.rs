//! Deadline clocks and what the ladder produces: the sweep, notices, the supervision pool and sampled quality callbacks.
//!
//! The `ClockStore` part of the `Store` interface and the values it takes and returns; the
//! SQL lives in `sql/clocks.rs`.

use async_trait::async_trait;
use civicgrid_domain::clocks::Clock;
use civicgrid_domain::lifecycle::Decision;
use civicgrid_domain::{Instant, Refusal, RequestId, UnitId, UserId};

use crate::{Loaded, RequestRow, Result, Visibility};

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
    /// The verdict reopened the case as a redo against its unit.
    pub reopened: bool,
    /// The citizen said the recorded callback never took place.
    pub falsified: bool,
}

/// Which drawn cases a sample list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleState {
    /// Drawn, the quality callback not made yet.
    Pending,
    /// The quality callback made, with its verdict.
    Done,
    All,
}

#[async_trait]
pub trait ClockStore: Send + Sync {
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
    /// Someone of `units` opened the request: their unread word-of-work notices on it (a
    /// dispatch, a transfer, a refused return, a reopening, a coordination question, a
    /// summons) are read. Returns how many.
    async fn notices_seen(
        &self,
        request: RequestId,
        units: &[UnitId],
        by: UserId,
        now: Instant,
    ) -> Result<u64>;
    async fn supervision_pool(
        &self,
        filter: &PoolFilter,
        visibility: &Visibility,
    ) -> Result<(Vec<PoolRow>, i64)>;
    async fn samples(
        &self,
        which: SampleState,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<SampleRow>, i64)>;
}
