//! Key-value settings (users' languages, appraisal weights, first-start values) and the audit log of personal-data reads.
//!
//! The `SettingsStore` part of the `Store` interface and the values it takes and returns; the
//! SQL lives in `sql/settings.rs`.

use async_trait::async_trait;
use civicgrid_domain::{Instant, UserId};

use crate::Result;

/// A personal-data read to record.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub at: Instant,
    pub user: Option<UserId>,
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// Which audit records to list (every field narrows; none lists all), newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    /// Actions starting with this text (`admin.`: every administrative change).
    pub action_prefix: Option<String>,
    /// The request's serial (or another target) exactly.
    pub target: Option<String>,
    pub user: Option<UserId>,
    pub from: Option<Instant>,
    pub until: Option<Instant>,
    pub offset: i64,
    pub limit: i64,
}

/// A stored audit record with the username of who acted.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub entry: AuditEntry,
    pub username: Option<String>,
}

/// The change counters of what server instances keep in memory: an instance whose copy was
/// loaded at other counters reloads it before it answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Generations {
    /// Units, categories, routing rules, policies, official days and settings.
    pub reference: i64,
    /// Sessions, users and grants.
    pub sessions: i64,
}

#[async_trait]
pub trait SettingsStore: Send + Sync {
    async fn get_setting(&self, key: &str) -> Result<Option<String>>;
    async fn set_setting(&self, key: &str, value: &str) -> Result<()>;
    /// The change counters (one cheap read; every request of every instance makes it).
    async fn generations(&self) -> Result<Generations>;
    /// Stores `value` under `key` unless a value is there already; returns the value that
    /// is stored (the first writer wins, also between instances starting together).
    async fn init_setting(&self, key: &str, value: &str) -> Result<String>;
    /// Records personal-data reads; durable before it returns (shares commits with intake).
    async fn audit(&self, entries: Vec<AuditEntry>) -> Result<()>;
    async fn audit_log(&self, offset: i64, limit: i64) -> Result<(Vec<AuditEntry>, i64)>;
    /// The audit records matching `filter`, newest first, with the number of matches.
    async fn audit_search(&self, filter: &AuditFilter) -> Result<(Vec<AuditRow>, i64)>;
}
