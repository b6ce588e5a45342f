//! The daily rollups and the rows behind a unit's figures (drill-down).
//!
//! The `StatsStore` part of the `Store` interface and the values it takes and returns; the
//! SQL lives in `sql/stats.rs`.

use async_trait::async_trait;
use civicgrid_domain::{Instant, UnitId};

use crate::{RequestRow, Result};

/// One day's count of one metric for one key of one dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyCount {
    pub day: String,
    pub dim: String,
    pub key: i64,
    pub metric: String,
    pub n: i64,
}

#[async_trait]
pub trait StatsStore: Send + Sync {
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
}
