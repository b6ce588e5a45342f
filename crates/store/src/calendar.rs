//! Deadline policies (versioned) and the official days added after the release.
//!
//! The `CalendarStore` part of the `Store` interface and the values it takes and returns; the
//! SQL lives in `sql/calendar.rs`.

use async_trait::async_trait;
use chrono::NaiveDate;
use civicgrid_domain::deadline::Policy;
use civicgrid_domain::{Instant, UserId};

use crate::Result;

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

/// An official day added by an administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialDayRow {
    pub day: NaiveDate,
    /// `off` (holiday on a weekday) or `work` (make-up working day on a weekend).
    pub kind: String,
    pub name: String,
}

#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// Stores a new deadline policy (policies are never edited; see `supersede`).
    async fn create_policy(&self, policy: NewPolicy, now: Instant) -> Result<Policy>;
    /// Replaces policy `id` (which must be in force) with a new version: the new row gets
    /// a new id and the old one is marked superseded by it, so clocks keep naming the
    /// version they ran under.
    async fn supersede_policy(&self, id: i64, policy: NewPolicy, now: Instant) -> Result<Policy>;
    /// The policies in force (not superseded), oldest first.
    async fn list_policies(&self) -> Result<Vec<Policy>>;
    async fn official_days(&self) -> Result<Vec<OfficialDayRow>>;
    /// Adds (or replaces) official days, all or nothing.
    async fn add_official_days(
        &self,
        days: Vec<OfficialDayRow>,
        by: Option<UserId>,
        now: Instant,
    ) -> Result<()>;
}
