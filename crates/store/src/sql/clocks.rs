//! `ClockStore` on SQL: running clocks, the sweep, notices, the supervision pool and
//! samples.

use async_trait::async_trait;
use civicgrid_domain::clocks::Clock;
use civicgrid_domain::{Instant, RequestId, UnitId, UserId};
use sqlx::Row;

use super::SqlStore;
use super::cases::visible;
use super::dialect::Sql;
use super::effects::supervisor_loads;
use super::rows::{
    CLOCK_COLUMNS, NOTICE_SELECT, REQUEST_COLUMNS, clock_from_row, instant, ms, notice_from_row,
    request_from_row,
};

use crate::{
    Backend, ClockStore, Escalate, Loaded, NoticeFilter, NoticeRow, PoolFilter, PoolRow, Result,
    SampleRow, SampleState, StoreError, SweepReport, Visibility,
};

#[async_trait]
impl ClockStore for SqlStore {
    async fn running_clocks(&self, ids: &[RequestId]) -> Result<Vec<(RequestId, Clock)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut rows = Sql::new(self.inner.backend, "SELECT ");
        rows.push(CLOCK_COLUMNS)
            .push(" FROM clocks c WHERE c.request_id IN ")
            .list(ids.iter().map(|i| i.0))
            .push(" AND c.stopped_at IS NULL ORDER BY c.id");
        let rows = rows.query().fetch_all(&self.inner.read).await?;
        rows.iter()
            .map(|r| Ok((RequestId(r.try_get("request_id")?), clock_from_row(r)?)))
            .collect()
    }

    async fn escalate_due(
        &self,
        now: Instant,
        batch: i64,
        mut decide: Escalate,
    ) -> Result<SweepReport> {
        let inner = &self.inner;
        let mut report = SweepReport::default();
        loop {
            let mut tx = inner.write.begin().await?;
            let candidates: Vec<i64> = sqlx::query_scalar(
                "SELECT request_id FROM clocks WHERE next_due_at IS NOT NULL AND next_due_at <= $1 \
                 ORDER BY next_due_at LIMIT $2",
            )
            .bind(ms(now))
            .bind(batch)
            .fetch_all(&mut *tx)
            .await?;
            let exhausted = (candidates.len() as i64) < batch;
            let mut ids: Vec<i64> = Vec::with_capacity(candidates.len());
            for id in candidates {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            if ids.is_empty() {
                tx.commit().await?;
                break;
            }
            let locked: Vec<i64> = match inner.backend {
                // The single writer connection already serialises every write.
                Backend::Sqlite => ids.clone(),
                Backend::Postgres => {
                    let mut locking =
                        Sql::new(self.inner.backend, "SELECT id FROM requests WHERE id IN ");
                    locking
                        .list(ids.iter().copied())
                        .push(" ORDER BY id FOR UPDATE SKIP LOCKED");
                    locking.scalar().fetch_all(&mut *tx).await?
                }
            };
            report.skipped += ids.len() - locked.len();
            let mut loads = supervisor_loads(&mut tx).await?;
            // Read again under the row locks: another instance may have fired them.
            let loaded = inner.load_many(&mut tx, &locked).await?;
            let mut decided = Vec::with_capacity(loaded.len());
            for request in &loaded {
                let due: Vec<Clock> = request
                    .clocks
                    .iter()
                    .filter(|c| c.next_due().is_some_and(|d| d <= now))
                    .cloned()
                    .collect();
                if due.is_empty() {
                    continue;
                }
                match decide(request, &due, &mut loads) {
                    Ok(decision) if !decision.events.is_empty() => {
                        report.events += decision.events.len();
                        decided.push((request, decision));
                    }
                    Ok(_) => {}
                    Err(refusal) => {
                        tracing::warn!(serial = %request.row.serial, %refusal, "ladder step refused");
                    }
                }
            }
            let handled = decided.len();
            let items: Vec<(&Loaded, &civicgrid_domain::lifecycle::Decision)> =
                decided.iter().map(|(l, d)| (*l, d)).collect();
            inner.persist_many(&mut tx, &items, now).await?;
            tx.commit().await?;
            report.requests += handled;
            if exhausted || handled == 0 {
                break;
            }
        }
        Ok(report)
    }

    async fn count_due(&self, now: Instant) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM clocks WHERE next_due_at IS NOT NULL AND next_due_at <= $1",
        )
        .bind(ms(now))
        .fetch_one(&self.inner.read)
        .await?)
    }

    async fn notices(&self, filter: &NoticeFilter) -> Result<(Vec<NoticeRow>, i64)> {
        if filter.units.as_ref().is_some_and(Vec::is_empty) {
            return Ok((Vec::new(), 0));
        }
        let filtered = |sql: &mut Sql| {
            if let Some(units) = &filter.units {
                sql.and()
                    .push("n.unit_id IN ")
                    .list(units.iter().map(|u| u.0));
            }
            if let Some(kind) = &filter.kind {
                sql.and().push("n.kind = ").value(kind);
            }
            if filter.unread {
                sql.and().push("n.read_at IS NULL");
            }
        };
        let backend = self.inner.backend;
        let mut count = Sql::new(backend, "SELECT COUNT(*) FROM notices n");
        filtered(&mut count);
        let mut list = Sql::new(backend, NOTICE_SELECT);
        filtered(&mut list);
        list.push(" ORDER BY n.at DESC, n.id DESC LIMIT ")
            .value(filter.limit)
            .push(" OFFSET ")
            .value(filter.offset);
        let total = count.scalar().fetch_one(&self.inner.read).await?;
        if filter.limit == 0 {
            // A count alone (the header's unread count): no page to read.
            return Ok((Vec::new(), total));
        }
        let rows = list.query().fetch_all(&self.inner.read).await?;
        let rows = rows.iter().map(notice_from_row).collect::<Result<_>>()?;
        Ok((rows, total))
    }

    async fn notices_of(&self, id: RequestId) -> Result<Vec<NoticeRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{NOTICE_SELECT} WHERE n.request_id = $1 ORDER BY n.at, n.id"
        )))
        .bind(id.0)
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter().map(notice_from_row).collect()
    }

    async fn notice(&self, id: i64) -> Result<Option<NoticeRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{NOTICE_SELECT} WHERE n.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.inner.read)
        .await?;
        row.as_ref().map(notice_from_row).transpose()
    }

    async fn acknowledge_notice(&self, id: i64, by: UserId, now: Instant) -> Result<NoticeRow> {
        sqlx::query(
            "UPDATE notices SET read_at = $1, read_by = $2 WHERE id = $3 AND read_at IS NULL",
        )
        .bind(ms(now))
        .bind(by.0)
        .bind(id)
        .execute(&self.inner.write)
        .await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{NOTICE_SELECT} WHERE n.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.inner.write)
        .await?
        .ok_or(StoreError::NotFound("notice"))?;
        notice_from_row(&row)
    }

    async fn notices_seen(
        &self,
        request: RequestId,
        units: &[UnitId],
        by: UserId,
        now: Instant,
    ) -> Result<u64> {
        if units.is_empty() {
            return Ok(0);
        }
        let mut sql = Sql::new(self.inner.backend, "UPDATE notices SET read_at = ");
        sql.value(ms(now))
            .push(", read_by = ")
            .value(by.0)
            .push(" WHERE request_id = ")
            .value(request.0)
            .push(" AND read_at IS NULL AND unit_id IN ")
            .list(units.iter().map(|u| u.0))
            .push(" AND kind IN ");
        let sql = super::effects::word_of_work(&mut sql);
        Ok(sql
            .query()
            .execute(&self.inner.write)
            .await?
            .rows_affected())
    }

    async fn supervision_pool(
        &self,
        filter: &PoolFilter,
        visibility: &Visibility,
    ) -> Result<(Vec<PoolRow>, i64)> {
        let filtered = |sql: &mut Sql| {
            if !filter.include_closed {
                sql.and().push("s.closed_at IS NULL");
            }
            if let Some(owner) = filter.owner {
                sql.and().push("s.owner_id = ").value(owner.0);
            }
            if let Some(request) = filter.request {
                sql.and().push("s.request_id = ").value(request.0);
            }
            visible(sql, visibility);
        };
        let backend = self.inner.backend;
        // One request's entry (a detail view) needs no count.
        let total: i64 = if filter.request.is_some() {
            -1
        } else {
            let mut count = Sql::new(
                backend,
                "SELECT COUNT(*) FROM supervision s JOIN requests r ON r.id = s.request_id",
            );
            filtered(&mut count);
            count.scalar().fetch_one(&self.inner.read).await?
        };
        let mut list = Sql::new(backend, "SELECT ");
        list.push(REQUEST_COLUMNS)
            .push(
                ", s.owner_id, u.username AS owner_username, s.stage AS pool_stage, \
                 s.unit_id AS pool_unit, s.reason AS pool_reason, s.since, s.closed_at, s.times \
                 FROM supervision s JOIN requests r ON r.id = s.request_id LEFT JOIN users u ON u.id = s.owner_id",
            );
        filtered(&mut list);
        list.push(" ORDER BY s.since, s.request_id LIMIT ")
            .value(filter.limit)
            .push(" OFFSET ")
            .value(filter.offset);
        let rows = list.query().fetch_all(&self.inner.read).await?;
        let rows = rows
            .iter()
            .map(|r| {
                Ok(PoolRow {
                    request: request_from_row(r)?,
                    owner: r.try_get::<Option<i64>, _>("owner_id")?.map(UserId),
                    owner_username: r.try_get("owner_username")?,
                    stage: r.try_get("pool_stage")?,
                    unit: r.try_get::<Option<i64>, _>("pool_unit")?.map(UnitId),
                    reason: r.try_get("pool_reason")?,
                    since: instant(r.try_get("since")?)?,
                    closed_at: r
                        .try_get::<Option<i64>, _>("closed_at")?
                        .map(instant)
                        .transpose()?,
                    times: r.try_get("times")?,
                })
            })
            .collect::<Result<Vec<PoolRow>>>()?;
        let total = if total < 0 { rows.len() as i64 } else { total };
        Ok((rows, total))
    }

    async fn samples(
        &self,
        which: SampleState,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<SampleRow>, i64)> {
        let where_sql = match which {
            SampleState::Pending => " WHERE m.done_at IS NULL",
            SampleState::Done => " WHERE m.done_at IS NOT NULL",
            SampleState::All => "",
        };
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM samples m{where_sql}"
        )))
        .fetch_one(&self.inner.read)
        .await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS}, m.drawn_at, m.done_at, m.done_by, m.rating AS sample_rating, \
             m.citizen_resolved AS sample_resolved, m.note AS sample_note, \
             m.reopened AS sample_reopened, m.falsified AS sample_falsified \
             FROM samples m JOIN requests r ON r.id = m.request_id{where_sql} \
             ORDER BY m.drawn_at DESC, m.request_id DESC LIMIT $1 OFFSET $2"
        )))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.inner.read)
        .await?;
        let rows = rows
            .iter()
            .map(|r| {
                Ok(SampleRow {
                    request: request_from_row(r)?,
                    drawn_at: instant(r.try_get("drawn_at")?)?,
                    done_at: r
                        .try_get::<Option<i64>, _>("done_at")?
                        .map(instant)
                        .transpose()?,
                    done_by: r.try_get::<Option<i64>, _>("done_by")?.map(UserId),
                    rating: r.try_get("sample_rating")?,
                    citizen_resolved: r
                        .try_get::<Option<i64>, _>("sample_resolved")?
                        .map(|v| v != 0),
                    note: r.try_get("sample_note")?,
                    reopened: r.try_get::<i64, _>("sample_reopened")? != 0,
                    falsified: r.try_get::<i64, _>("sample_falsified")? != 0,
                })
            })
            .collect::<Result<_>>()?;
        Ok((rows, total))
    }
}
