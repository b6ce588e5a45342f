//! civicgrid's storage: the one `Store` interface every other crate talks to, and its
//! implementation for SQLite (embedded default, WAL, one file) and PostgreSQL (production),
//! chosen by the database URL's scheme.
//!
//! This crate knows SQL and the domain's values; it must not know HTTP, JSON wire shapes or
//! the wall clock (every write takes its `now` from the caller). A state change, its events,
//! its unit links and its rollup counters always commit in one transaction, and a write is
//! acknowledged only after its commit is durable.

mod calendar;
mod cases;
mod clocks;
mod instructions;
mod migrate;
mod org;
mod places;
mod routing;
mod settings;
mod sql;
mod stats;
pub mod testing;
mod writer;

use std::sync::Arc;

use async_trait::async_trait;
use civicgrid_domain::{Instant, Refusal};

pub use calendar::{CalendarStore, NewPolicy, OfficialDayRow};
pub use cases::{
    Attachment, CaseStore, ChainCheck, Created, Decide, DecideMerge, EventRow, HistoricCase,
    IntakeRow, ListFilter, Loaded, NewCase, RequestRow, Visibility,
};
pub use civicgrid_domain::clocks::{Clock, Effects};
pub use civicgrid_domain::deadline::Policy;
pub use clocks::{
    ClockStore, Escalate, NoticeFilter, NoticeRow, PoolFilter, PoolRow, SampleRow, SampleState,
    SweepReport,
};
pub use instructions::{InstructionFilter, InstructionRow, InstructionStore};
pub use migrate::MIGRATION_NAMES;
pub use org::{NewUnit, NewUser, OrgStore, UnitRow, UserRow, default_layer};
pub use places::{GazetteerImport, ImportCount, PlaceImport, PlaceStore};
pub use routing::{CancelReason, CategoryRow, NewCategory, NewRoutingRule, RoutingStore};
pub use settings::{AuditEntry, AuditFilter, AuditRow, Generations, SettingsStore};
pub use stats::{DailyCount, StatsStore};

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
    /// What was looked for and not found (`request`, `policy`, `notice` …).
    #[error("no such {0}")]
    NotFound(&'static str),
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

/// Everything civicgrid stores, behind one interface with two implementations: the sum of
/// one trait per concern, so a capability adds its own trait (and its own file under
/// `sql/`) and one line here, instead of growing a single trait.
#[async_trait]
pub trait Store:
    OrgStore
    + PlaceStore
    + RoutingStore
    + CaseStore
    + ClockStore
    + InstructionStore
    + StatsStore
    + CalendarStore
    + SettingsStore
    + Send
    + Sync
{
    fn backend(&self) -> Backend;
    async fn ping(&self) -> Result<()>;
    /// Refreshes the planner's statistics after a bulk import (on PostgreSQL also the
    /// visibility map, which index-only scans and capped counts rely on).
    async fn optimize(&self) -> Result<()>;
}

/// Opens the database named by `url` (`sqlite:PATH` or `postgres://…`), creating a SQLite
/// file on first use, and brings its schema up to date.
///
/// `zone` is the district's UTC offset: serial numbers carry its local date and the daily
/// rollups count by its local days.
pub async fn open(url: &str, now: Instant, zone: chrono::FixedOffset) -> Result<Arc<dyn Store>> {
    let store = sql::SqlStore::open(url, now, zone).await?;
    Ok(Arc::new(store))
}

/// The local day (district time) an instant falls on, as `YYYY-MM-DD`; rollups count by it.
pub fn local_day(at: Instant, offset: chrono::FixedOffset) -> String {
    at.with_timezone(&offset).format("%Y-%m-%d").to_string()
}
