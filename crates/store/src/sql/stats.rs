//! `StatsStore` on SQL: the daily rollups and the drill-down rows.

use async_trait::async_trait;
use civicgrid_domain::{Instant, UnitId};
use sqlx::Row;

use super::SqlStore;
use super::rows::{REQUEST_COLUMNS, daily_count, ms, request_from_row};

use crate::{DailyCount, RequestRow, Result, StatsStore};

/// Clocks overdue within `[$1, $2)` and still open at `$2`: the deadline passed in the
/// window, the clock had not stopped by then, and it was not paused before its deadline.
pub(super) const OVERDUE_AT_END: &str = "c.unit_id IS NOT NULL AND c.deadline_at >= $1 AND c.deadline_at < $2 \
    AND (c.stopped_at IS NULL OR c.stopped_at > $2) AND (c.paused_at IS NULL OR c.paused_at > c.deadline_at)";

#[async_trait]
impl StatsStore for SqlStore {
    async fn fact_requests(
        &self,
        unit: UnitId,
        metric: &str,
        from: Instant,
        to: Instant,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<RequestRow>, i64)> {
        let facts = "SELECT f.request_id FROM facts f WHERE f.unit_id = $1 AND f.metric = $2 AND f.at >= $3 AND f.at < $4 AND f.exempt_at IS NULL";
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(DISTINCT request_id) FROM ({facts}) matched"
        )))
        .bind(unit.0)
        .bind(metric)
        .bind(ms(from))
        .bind(ms(to))
        .fetch_one(&self.inner.read)
        .await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM requests r WHERE r.id IN ({facts}) \
             ORDER BY r.created_at DESC, r.id DESC LIMIT $5 OFFSET $6"
        )))
        .bind(unit.0)
        .bind(metric)
        .bind(ms(from))
        .bind(ms(to))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.inner.read)
        .await?;
        let rows = rows.iter().map(request_from_row).collect::<Result<_>>()?;
        Ok((rows, total))
    }

    async fn overdue_counts(
        &self,
        from: Instant,
        until: Instant,
    ) -> Result<Vec<(UnitId, String, i64)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT c.unit_id, c.stage, COUNT(*) AS n FROM clocks c WHERE {OVERDUE_AT_END} \
             GROUP BY c.unit_id, c.stage ORDER BY c.unit_id, c.stage"
        )))
        .bind(ms(from))
        .bind(ms(until))
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    UnitId(r.try_get("unit_id")?),
                    r.try_get("stage")?,
                    r.try_get("n")?,
                ))
            })
            .collect()
    }

    async fn overdue_requests(
        &self,
        unit: UnitId,
        stage: &str,
        from: Instant,
        until: Instant,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<RequestRow>, i64)> {
        let matched = format!(
            "SELECT c.request_id FROM clocks c WHERE {OVERDUE_AT_END} AND c.unit_id = $3 AND c.stage = $4"
        );
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(DISTINCT request_id) FROM ({matched}) m"
        )))
        .bind(ms(from))
        .bind(ms(until))
        .bind(unit.0)
        .bind(stage)
        .fetch_one(&self.inner.read)
        .await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM requests r WHERE r.id IN ({matched}) \
             ORDER BY r.created_at DESC, r.id DESC LIMIT $5 OFFSET $6"
        )))
        .bind(ms(from))
        .bind(ms(until))
        .bind(unit.0)
        .bind(stage)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.inner.read)
        .await?;
        let rows = rows.iter().map(request_from_row).collect::<Result<_>>()?;
        Ok((rows, total))
    }

    async fn daily_counts(
        &self,
        dim: &str,
        from_day: &str,
        to_day: &str,
    ) -> Result<Vec<DailyCount>> {
        let rows = sqlx::query(
            "SELECT day, dim, key, metric, n FROM daily_counts WHERE dim = $1 AND day >= $2 AND day <= $3 ORDER BY day, key, metric",
        )
        .bind(dim)
        .bind(from_day)
        .bind(to_day)
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter()
            .map(|r| daily_count(r, dim, r.try_get("day")?))
            .collect()
    }

    async fn period_counts(
        &self,
        dim: &str,
        from_day: &str,
        to_day: &str,
    ) -> Result<Vec<DailyCount>> {
        // Summed in the database: a month of one dimension is a hundred thousand daily
        // rows but a few thousand (key, metric) sums.
        let rows = sqlx::query(
            "SELECT key, metric, CAST(SUM(n) AS BIGINT) AS n FROM daily_counts WHERE dim = $1 AND day >= $2 AND day <= $3 \
             GROUP BY key, metric ORDER BY key, metric",
        )
        .bind(dim)
        .bind(from_day)
        .bind(to_day)
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter()
            .map(|r| daily_count(r, dim, String::new()))
            .collect()
    }
}
