//! `CaseStore` on SQL: intake, reads, filtered lists, transitions, merges, photos, bulk
//! import, chain verification.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use civicgrid_domain::chain;
use civicgrid_domain::deadline::Band;
use civicgrid_domain::{Instant, RequestId};
use sqlx::Row;
use tokio::sync::oneshot;

use super::SqlStore;
use super::dialect::Sql;
use super::rows::{REQUEST_COLUMNS, event_from_row, event_of_row, instant, ms, request_from_row};
use super::write::{CaseRows, clocks_of, handlers_of};

use crate::writer::Job;
use crate::{
    Attachment, CaseStore, ChainCheck, Created, Decide, DecideMerge, EventRow, HistoricCase,
    IntakeRow, ListFilter, Loaded, NewCase, RequestRow, Result, StoreError, Visibility,
};

/// Adds the condition "the reader may see request `r`" (mirrors `domain::lifecycle::authorize`
/// for reading), every unit id and business line bound.
pub(super) fn visible(sql: &mut Sql, visibility: &Visibility) {
    let Visibility::Units {
        any,
        handling,
        lines,
    } = visibility
    else {
        return;
    };
    sql.and();
    if any.is_empty() && handling.is_empty() {
        sql.push("1 = 0");
        return;
    }
    sql.push("EXISTS (SELECT 1 FROM request_units ru WHERE ru.request_id = r.id AND (");
    if !any.is_empty() {
        sql.push("ru.unit_id IN ").list(any.iter().map(|u| u.0));
    }
    if !handling.is_empty() {
        if !any.is_empty() {
            sql.push(" OR ");
        }
        sql.push("(ru.role = 'handler' AND ru.unit_id IN ")
            .list(handling.iter().map(|u| u.0))
            .push(")");
    }
    sql.push("))");
    if !lines.is_empty() {
        sql.push(" AND (r.line IS NULL OR r.line IN ")
            .list(lines.iter())
            .push(")");
    }
}

/// Adds the condition "the worst band among the request's running clocks at `now` is
/// `band`", the band its list row shows.
pub(super) fn in_band(sql: &mut Sql, band: Band, now: Instant) {
    // A clock is at least yellow from its yellow instant, and so on; red is strictly late.
    fn at_least(sql: &mut Sql, band: Band, now: Instant) {
        sql.push(
            "EXISTS (SELECT 1 FROM clocks c WHERE c.request_id = r.id AND c.stopped_at IS NULL AND ",
        );
        match band {
            Band::Blue => sql.push("1 = 1"),
            band => {
                sql.push("COALESCE(c.paused_at, ").value(ms(now));
                sql.push(match band {
                    Band::Red => ") > c.deadline_at",
                    Band::Orange => ") >= c.orange_at",
                    _ => ") >= c.yellow_at",
                })
            }
        };
        sql.push(")");
    }
    let worse = match band {
        Band::Blue => Some(Band::Yellow),
        Band::Yellow => Some(Band::Orange),
        Band::Orange => Some(Band::Red),
        Band::Red => None,
    };
    sql.and();
    at_least(sql, band, now);
    if let Some(worse) = worse {
        sql.push(" AND NOT ");
        at_least(sql, worse, now);
    }
}

/// The filter of a request list, applied to a statement over `requests r`.
fn filtered(sql: &mut Sql, filter: &ListFilter, visibility: &Visibility) {
    if let Some(state) = filter.state {
        sql.and().push("r.state = ").value(state.as_str());
    }
    if !filter.states.is_empty() {
        sql.and()
            .push("r.state IN ")
            .list(filter.states.iter().map(|s| s.as_str()));
    }
    if filter.merged_callbacks {
        sql.and().push(
            "r.state = 'merged' AND r.rating IS NULL AND EXISTS (SELECT 1 FROM requests p \
             WHERE p.id = r.parent_id AND p.state IN ('resolved', 'closed'))",
        );
    }
    if filter.pending_appeal {
        sql.and().push("r.appeal_state = 'pending'");
    }
    if filter.pending_extension {
        sql.and().push("r.pending_extension IS NOT NULL");
    }
    if let Some(kind) = filter.kind {
        sql.and().push("r.kind = ").value(kind.as_str());
    }
    if let Some(phone) = &filter.caller_phone {
        sql.and().push("r.caller_phone = ").value(phone);
    }
    if filter.exclude_confidential {
        sql.and().push("r.caller_confidential = 0");
    }
    if let Some(channel) = filter.channel {
        sql.and().push("r.channel = ").value(channel.as_str());
    }
    if let Some(address) = &filter.address {
        sql.and().contains("r.address", address);
    }
    if let Some(from) = filter.created_from {
        sql.and().push("r.created_at >= ").value(ms(from));
    }
    if let Some(until) = filter.created_until {
        sql.and().push("r.created_at < ").value(ms(until));
    }
    if filter.instructed {
        sql.and().push("r.instructions <> ''");
    }
    if filter.place_unknown {
        sql.and().push("r.area_id IS NULL");
    }
    if let Some(demand) = filter.min_demand {
        sql.and().push("r.demand >= ").value(i64::from(demand));
    }
    if let Some(unit) = filter.lead_unit {
        sql.and().push("r.lead_unit_id = ").value(unit.0);
    }
    if let Some(category) = filter.category {
        sql.and().push("r.category_id = ").value(category.0);
    }
    visible(sql, visibility);
    if let Some((band, now)) = filter.band {
        in_band(sql, band, now);
    }
}

#[async_trait]
impl CaseStore for SqlStore {
    async fn create_request(&self, case: NewCase) -> Result<Created> {
        self.create_intake(vec![case])
            .await?
            .pop()
            .ok_or_else(|| StoreError::Corrupt("an intake without its request".into()))
    }

    async fn create_intake(&self, cases: Vec<NewCase>) -> Result<Vec<Created>> {
        let (tx, rx) = oneshot::channel();
        self.writer
            .send(Job::Intake(cases, tx))
            .await
            .map_err(|_| StoreError::WriterGone)?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    async fn get_request(&self, serial: &str) -> Result<Option<Loaded>> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM requests r WHERE r.serial = $1");
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(serial)
            .fetch_optional(&self.inner.read)
            .await?
        else {
            return Ok(None);
        };
        let row = request_from_row(&row)?;
        let (handlers, clocks) = tokio::try_join!(
            handlers_of(&self.inner.read, row.id),
            clocks_of(&self.inner.read, row.id)
        )?;
        Ok(Some(Loaded {
            row,
            handlers,
            clocks,
        }))
    }

    async fn get_request_by_id(&self, id: RequestId) -> Result<Option<Loaded>> {
        let serial: Option<String> =
            sqlx::query_scalar("SELECT serial FROM requests WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&self.inner.read)
                .await?;
        match serial {
            Some(serial) => self.get_request(&serial).await,
            None => Ok(None),
        }
    }

    async fn list_requests(
        &self,
        filter: &ListFilter,
        visibility: &Visibility,
    ) -> Result<(Vec<RequestRow>, i64)> {
        let backend = self.inner.backend;
        // Counting a million matches costs more than the page itself; past the cap the
        // caller reports a lower bound.
        let mut count = match filter.count_cap {
            Some(_) => Sql::new(backend, "SELECT COUNT(*) FROM (SELECT 1 FROM requests r"),
            None => Sql::new(backend, "SELECT COUNT(*) FROM requests r"),
        };
        filtered(&mut count, filter, visibility);
        if let Some(cap) = filter.count_cap {
            count.push(" LIMIT ").value(cap + 1).push(") capped");
        }
        let mut list = Sql::new(backend, "SELECT ");
        list.push(REQUEST_COLUMNS).push(" FROM requests r");
        filtered(&mut list, filter, visibility);
        list.push(if filter.by_deadline {
            " ORDER BY COALESCE((SELECT MIN(c.deadline_at) FROM clocks c WHERE c.request_id = r.id AND c.stopped_at IS NULL), 9223372036854775807), r.id"
        } else {
            " ORDER BY r.created_at DESC, r.id DESC"
        });
        list.push(" LIMIT ")
            .value(filter.limit)
            .push(" OFFSET ")
            .value(filter.offset);
        // Not prepared: a cached generic plan would estimate `state = $1` as an average
        // state, while one state (closed) holds most rows, and pick a full bitmap scan.
        let count = count.scalar::<i64>().persistent(false);
        let list = list.query().persistent(false);
        let total = count.fetch_one(&self.inner.read).await?;
        let rows = list.fetch_all(&self.inner.read).await?;
        let rows = rows
            .iter()
            .map(request_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok((rows, total))
    }

    async fn events(&self, id: RequestId) -> Result<Vec<EventRow>> {
        let rows = sqlx::query(
            "SELECT e.request_id, e.seq, e.kind, e.at, e.actor_user, u.username, e.actor_unit, e.from_state, e.to_state, \
             e.reason, e.detail, e.hash FROM events e LEFT JOIN users u ON u.id = e.actor_user \
             WHERE e.request_id = $1 ORDER BY e.seq",
        )
        .bind(id.0)
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    async fn children(&self, id: RequestId) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT serial FROM requests WHERE parent_id = $1 ORDER BY id")
                .bind(id.0)
                .fetch_all(&self.inner.read)
                .await?,
        )
    }

    async fn get_intake(&self, id: i64) -> Result<Option<IntakeRow>> {
        let read = &self.inner.read;
        let Some(row) = sqlx::query(
            "SELECT i.id, i.channel, i.received_at, u.username, i.raw \
             FROM intakes i LEFT JOIN users u ON u.id = i.received_by WHERE i.id = $1",
        )
        .bind(id)
        .fetch_optional(read)
        .await?
        else {
            return Ok(None);
        };
        let requests: Vec<String> =
            sqlx::query_scalar("SELECT serial FROM requests WHERE intake_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(read)
                .await?;
        let channel: String = row.try_get("channel")?;
        Ok(Some(IntakeRow {
            id: row.try_get("id")?,
            channel: civicgrid_domain::request::Channel::parse(&channel)
                .ok_or_else(|| StoreError::Corrupt(format!("intake channel {channel}")))?,
            received_at: instant(row.try_get("received_at")?)?,
            received_by: row.try_get("username")?,
            raw: row.try_get("raw")?,
            requests,
        }))
    }

    async fn apply(&self, serial: &str, now: Instant, decide: Decide) -> Result<Loaded> {
        let mut tx = self.inner.write.begin().await?;
        let loaded = self
            .inner
            .load(&mut tx, serial)
            .await?
            .ok_or(StoreError::NotFound("request"))?;
        let decision = decide(&loaded).map_err(StoreError::Refused)?;
        let next = self.inner.persist(&mut tx, &loaded, &decision, now).await?;
        tx.commit().await?;
        Ok(next)
    }

    async fn merge(
        &self,
        child: &str,
        parent: &str,
        now: Instant,
        decide: DecideMerge,
    ) -> Result<Loaded> {
        let mut tx = self.inner.write.begin().await?;
        // Lock in serial order so two opposite merges cannot deadlock on PostgreSQL.
        let (first, second) = if child <= parent {
            (child, parent)
        } else {
            (parent, child)
        };
        let a = self
            .inner
            .load(&mut tx, first)
            .await?
            .ok_or(StoreError::NotFound("request"))?;
        let b = self
            .inner
            .load(&mut tx, second)
            .await?
            .ok_or(StoreError::NotFound("request"))?;
        let (child_loaded, parent_loaded) = if child <= parent { (a, b) } else { (b, a) };
        let (child_decision, parent_decision) =
            decide(&child_loaded, &parent_loaded).map_err(StoreError::Refused)?;
        let next = self
            .inner
            .persist(&mut tx, &child_loaded, &child_decision, now)
            .await?;
        self.inner
            .persist(&mut tx, &parent_loaded, &parent_decision, now)
            .await?;
        tx.commit().await?;
        Ok(next)
    }

    async fn add_attachment(
        &self,
        id: RequestId,
        content_type: &str,
        body: Vec<u8>,
        sha256: &str,
        now: Instant,
    ) -> Result<Attachment> {
        let size = body.len() as i64;
        let attachment_id: i64 = sqlx::query_scalar(
            "INSERT INTO attachments (request_id, content_type, size, sha256, body, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(id.0)
        .bind(content_type)
        .bind(size)
        .bind(sha256)
        .bind(body)
        .bind(ms(now))
        .fetch_one(&self.inner.write)
        .await?;
        Ok(Attachment {
            id: attachment_id,
            content_type: content_type.to_owned(),
            size,
            sha256: sha256.to_owned(),
        })
    }

    async fn attachments(&self, id: RequestId) -> Result<Vec<Attachment>> {
        let rows = sqlx::query("SELECT id, content_type, size, sha256 FROM attachments WHERE request_id = $1 ORDER BY id")
            .bind(id.0)
            .fetch_all(&self.inner.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Attachment {
                    id: r.try_get("id")?,
                    content_type: r.try_get("content_type")?,
                    size: r.try_get("size")?,
                    sha256: r.try_get("sha256")?,
                })
            })
            .collect()
    }

    async fn attachment_body(
        &self,
        id: RequestId,
        attachment: i64,
    ) -> Result<Option<(String, Vec<u8>)>> {
        let row = sqlx::query(
            "SELECT content_type, body FROM attachments WHERE request_id = $1 AND id = $2",
        )
        .bind(id.0)
        .bind(attachment)
        .fetch_optional(&self.inner.read)
        .await?;
        row.map(|r| Ok((r.try_get("content_type")?, r.try_get("body")?)))
            .transpose()
    }

    async fn count_requests(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM requests")
            .fetch_one(&self.inner.read)
            .await?)
    }

    async fn import_history(&self, cases: Vec<HistoricCase>) -> Result<usize> {
        let inner = &self.inner;
        let mut tx = inner.write.begin().await?;
        let n = cases.len() as i64;
        let first_request = inner.reserve_ids(&mut tx, "requests", n).await?;
        let first_intake = inner.reserve_ids(&mut tx, "intakes", n).await?;
        let rows: Vec<CaseRows<'_>> = cases
            .iter()
            .map(|h| CaseRows {
                new: &h.new,
                serial: &h.serial,
                head: h.intake_of.as_deref().unwrap_or(&h.serial),
                case: &h.case,
                events: &h.events,
                effects: Some(&h.effects),
                updated_at: h.updated_at,
            })
            .collect();
        inner
            .insert_cases(&mut tx, &rows, Some((first_request, first_intake)))
            .await?;
        let mut last_serial: BTreeMap<String, i64> = BTreeMap::new();
        for h in &cases {
            let day = h.serial.get(..8).unwrap_or_default().to_owned();
            let sequence: i64 = h.serial.get(8..).and_then(|s| s.parse().ok()).unwrap_or(0);
            let entry = last_serial.entry(day).or_default();
            *entry = (*entry).max(sequence);
        }
        for (day, last) in last_serial {
            sqlx::query(
                "INSERT INTO serial_days (day, last) VALUES ($1, $2) \
                 ON CONFLICT (day) DO UPDATE SET last = CASE WHEN serial_days.last > excluded.last THEN serial_days.last ELSE excluded.last END",
            )
            .bind(day)
            .bind(last)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(cases.len())
    }

    async fn verify_chains(&self) -> Result<ChainCheck> {
        let mut check = ChainCheck::default();
        let mut after = 0i64;
        loop {
            let rows = sqlx::query("SELECT id, serial, last_hash, event_count FROM requests WHERE id > $1 ORDER BY id LIMIT 2000")
                .bind(after)
                .fetch_all(&self.inner.read)
                .await?;
            let Some(last) = rows.last() else { break };
            let last_id: i64 = last.try_get("id")?;
            let first_id: i64 = rows[0].try_get("id")?;
            let event_rows = sqlx::query(
                "SELECT e.request_id, e.seq, e.kind, e.at, e.actor_user, NULL AS username, e.actor_unit, e.from_state, \
                 e.to_state, e.reason, e.detail, e.hash FROM events e WHERE e.request_id >= $1 AND e.request_id <= $2 \
                 ORDER BY e.request_id, e.seq",
            )
            .bind(first_id)
            .bind(last_id)
            .fetch_all(&self.inner.read)
            .await?;
            let mut by_request: HashMap<i64, Vec<EventRow>> = HashMap::new();
            for row in &event_rows {
                let event = event_from_row(row)?;
                by_request.entry(event.request.0).or_default().push(event);
            }
            for row in &rows {
                let id: i64 = row.try_get("id")?;
                let serial: String = row.try_get("serial")?;
                let stored_last: String = row.try_get("last_hash")?;
                let stored_count: i64 = row.try_get("event_count")?;
                let events = by_request.remove(&id).unwrap_or_default();
                check.requests += 1;
                check.events += events.len() as i64;
                let mut ok = events.len() as i64 == stored_count;
                let mut texts = Vec::with_capacity(events.len());
                for (seq, event) in events.iter().enumerate() {
                    ok &= event.seq == seq as i64;
                    texts.push((
                        chain::canonical(&serial, event.seq, &event_of_row(event)?),
                        event.hash.as_str(),
                    ));
                }
                ok &= chain::first_break(texts).is_none();
                ok &= events
                    .last()
                    .map_or(stored_last.is_empty(), |e| e.hash == stored_last);
                if !ok {
                    check.broken.push(serial);
                }
            }
            after = last_id;
        }
        Ok(check)
    }
}
