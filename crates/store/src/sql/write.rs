//! The write paths shared by intake, transitions, merges, the sweep and bulk import: the
//! group commit of intakes, inserting whole cases, and persisting decisions under the
//! request's row lock.

use std::collections::{BTreeMap, HashMap};

use civicgrid_domain::chain;
use civicgrid_domain::clocks::PoolChange;
use civicgrid_domain::clocks::{Clock, Effects};
use civicgrid_domain::lifecycle::{Case, Event};
use civicgrid_domain::{Instant, RequestId, UnitId};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::Inner;
use super::dialect::Sql;
use super::dialect::{Val, insert_rows, insert_rows_then, update_rows};
use super::effects::{
    CASE_COLUMNS, CLOCK_UPDATE_COLUMNS, Counts, EffectRows, POOL_UPSERT, POOL_UPSERT_COLUMNS,
    case_values, clock_update_values, pool_values,
};
use super::rows::{
    CLOCK_COLUMNS, REQUEST_COLUMNS, clock_from_row, detail_json, ms, request_from_row,
};

use crate::writer::{Commit, Done, Job};
use crate::{Backend, Created, Loaded, NewCase, Result, StoreError};

impl Inner {
    pub(super) fn day(&self, at: Instant) -> String {
        crate::local_day(at, self.offset)
    }

    pub(super) fn lock_suffix(&self) -> &'static str {
        super::dialect::lock_suffix(self.backend)
    }

    /// Adds the counters with one multi-row upsert per chunk: a bulk import touches tens of
    /// thousands of (day, unit, fact) cells, and one statement each was most of its time.
    /// The keys of `counts` are unique, so no statement updates a row twice.
    pub(super) async fn write_counts(
        &self,
        tx: &mut Transaction<'_, Any>,
        counts: Counts,
    ) -> Result<()> {
        let rows: Vec<Vec<Val>> = counts
            .0
            .into_iter()
            .map(|((day, dim, key, metric), n)| {
                vec![
                    Val::S(Some(day)),
                    Val::S(Some(dim.to_owned())),
                    Val::I(Some(key)),
                    Val::S(Some(metric)),
                    Val::I(Some(n)),
                ]
            })
            .collect();
        insert_rows_then(
            tx,
            self.backend,
            "daily_counts",
            &["day", "dim", "key", "metric", "n"],
            rows,
            " ON CONFLICT (day, dim, key, metric) DO UPDATE SET n = daily_counts.n + excluded.n",
        )
        .await?;
        Ok(())
    }

    /// Takes `n` serial numbers of `day` (YYYYMMDD); returns the first sequence number.
    pub(super) async fn take_serials(
        &self,
        tx: &mut Transaction<'_, Any>,
        day: &str,
        n: i64,
    ) -> Result<i64> {
        let last: i64 = sqlx::query_scalar(
            "INSERT INTO serial_days (day, last) VALUES ($1, $2) \
             ON CONFLICT (day) DO UPDATE SET last = serial_days.last + excluded.last RETURNING last",
        )
        .bind(day)
        .bind(n)
        .fetch_one(&mut **tx)
        .await?;
        if last > i64::from(civicgrid_domain::serial::MAX_DAILY_SEQUENCE) {
            return Err(StoreError::SerialsExhausted(day.to_owned()));
        }
        Ok(last - n + 1)
    }

    /// Commits a batch of queued writes in one transaction, with one multi-row statement
    /// per table rather than one per request: the writer's time per request is what
    /// bounds intake on a single SQLite file.
    pub(super) async fn commit_batch(&self, jobs: &[&Job]) -> Result<Vec<Done>> {
        let mut tx = self.write.begin().await?;
        let mut per_day: BTreeMap<String, i64> = BTreeMap::new();
        for job in jobs {
            if let Job::Intake(news, _) = job {
                for new in news {
                    *per_day
                        .entry(new.local_date.format("%Y%m%d").to_string())
                        .or_default() += 1;
                }
            }
        }
        let mut next_serial: HashMap<String, i64> = HashMap::new();
        for (day, n) in &per_day {
            let first = self.take_serials(&mut tx, day, *n).await?;
            next_serial.insert(day.clone(), first);
        }
        // Per job: the serials it was given (none for an audit).
        let mut serials: Vec<Option<Vec<String>>> = Vec::with_capacity(jobs.len());
        let mut intakes: Vec<(&NewCase, String, usize)> = Vec::new();
        let mut audits = Vec::new();
        for job in jobs {
            match job {
                Job::Intake(news, _) => {
                    let mut given = Vec::with_capacity(news.len());
                    let head = intakes.len();
                    for new in news {
                        let day = new.local_date.format("%Y%m%d").to_string();
                        let seq = next_serial
                            .get_mut(&day)
                            .ok_or_else(|| StoreError::Corrupt("serial day".into()))?;
                        let serial = civicgrid_domain::serial::format(new.local_date, *seq as u32);
                        *seq += 1;
                        given.push(serial.clone());
                        intakes.push((new, serial, head));
                    }
                    serials.push(Some(given));
                }
                Job::Audit(entries, _) => {
                    serials.push(None);
                    for entry in entries {
                        audits.push(vec![
                            Val::I(Some(ms(entry.at))),
                            Val::I(entry.user.map(|u| u.0)),
                            Val::S(Some(entry.action.clone())),
                            Val::S(Some(entry.target.clone())),
                            Val::S(Some(entry.detail.clone())),
                        ]);
                    }
                }
            }
        }
        let ids = if intakes.is_empty() {
            HashMap::new()
        } else {
            let cases: Vec<CaseRows<'_>> = intakes
                .iter()
                .map(|(new, serial, head)| CaseRows {
                    new,
                    serial,
                    head: &intakes[*head].1,
                    case: &new.case,
                    events: &new.events,
                    effects: Some(&new.effects),
                    updated_at: new.now,
                })
                .collect();
            self.insert_cases(&mut tx, &cases, None).await?
        };
        if !audits.is_empty() {
            insert_rows(
                &mut tx,
                self.backend,
                "audit_log",
                &["at", "user_id", "action", "target", "detail"],
                audits,
                None,
            )
            .await?;
        }
        tx.commit().await?;
        serials
            .into_iter()
            .map(|given| match given {
                Some(given) => given
                    .into_iter()
                    .map(|serial| {
                        let id = ids
                            .get(&serial)
                            .copied()
                            .ok_or_else(|| StoreError::Corrupt(format!("no id for {serial}")))?;
                        Ok(Created {
                            id: RequestId(id),
                            serial,
                        })
                    })
                    .collect::<Result<Vec<_>>>()
                    .map(Done::Intake),
                None => Ok(Done::Audit),
            })
            .collect()
    }

    /// Inserts whole cases (intake record, request, events, unit links, counters) with one
    /// statement per table. `first_id` gives explicit request and intake ids (bulk import);
    /// otherwise the database assigns them. Returns serial → request id.
    pub(super) async fn insert_cases(
        &self,
        tx: &mut Transaction<'_, Any>,
        cases: &[CaseRows<'_>],
        first_id: Option<(i64, i64)>,
    ) -> Result<HashMap<String, i64>> {
        let backend = self.backend;
        // One intake row per intake: a request split from a call shares its head's row.
        let mut intake_rows = Vec::with_capacity(cases.len());
        for c in cases.iter().filter(|c| c.serial == c.head) {
            let mut row = vec![
                Val::S(Some(c.new.channel.as_str().into())),
                Val::I(Some(ms(c.new.now))),
                Val::I(c.new.created_by.map(|u| u.0)),
                Val::S(Some(c.new.raw_intake.clone())),
                Val::S(Some(c.serial.to_owned())),
            ];
            if let Some((_, first_intake)) = first_id {
                row.insert(0, Val::I(Some(first_intake + intake_rows.len() as i64)));
            }
            intake_rows.push(row);
        }
        let intake_columns: &[&str] = if first_id.is_some() {
            &[
                "id",
                "channel",
                "received_at",
                "received_by",
                "raw",
                "first_serial",
            ]
        } else {
            &[
                "channel",
                "received_at",
                "received_by",
                "raw",
                "first_serial",
            ]
        };
        let returned = insert_rows(
            tx,
            backend,
            "intakes",
            intake_columns,
            intake_rows,
            Some("id, first_serial"),
        )
        .await?;
        let mut intake_ids: HashMap<String, i64> = HashMap::with_capacity(cases.len());
        for row in returned {
            intake_ids.insert(row.try_get("first_serial")?, row.try_get("id")?);
        }

        let mut request_rows = Vec::with_capacity(cases.len());
        let mut counts = Counts::default();
        let mut chains = Vec::with_capacity(cases.len());
        for (index, c) in cases.iter().enumerate() {
            let intake_id = intake_ids.get(c.head).copied();
            let (events, last_hash) = chain_rows(c.serial, 0, String::new(), c.events);
            let mut row = request_values(c, intake_id, c.events.len() as i64, &last_hash);
            if let Some((first_request, _)) = first_id {
                row.insert(0, Val::I(Some(first_request + index as i64)));
            }
            request_rows.push(row);
            chains.push(events);
            let day = self.day(c.new.now);
            counts.add(
                &day,
                "category",
                c.new.category.map_or(0, |x| x.0),
                "received",
            );
            // The `received` event counts the request per place (dimension `area`).
            for event in c.events {
                counts.event(&self.day(event.at), event, c.case.lead, c.new.area);
            }
        }
        let mut columns: Vec<&str> =
            Vec::with_capacity(INTAKE_COLUMNS.len() + CASE_COLUMNS.len() + 1);
        if first_id.is_some() {
            columns.push("id");
        }
        columns.extend_from_slice(INTAKE_COLUMNS);
        columns.extend_from_slice(CASE_COLUMNS);
        let returned = insert_rows(
            tx,
            backend,
            "requests",
            &columns,
            request_rows,
            Some("id, serial"),
        )
        .await?;
        let mut ids: HashMap<String, i64> = HashMap::with_capacity(cases.len());
        for row in returned {
            ids.insert(row.try_get("serial")?, row.try_get("id")?);
        }

        let mut event_rows = Vec::new();
        let mut link_rows = Vec::new();
        let mut effect_rows = EffectRows::default();
        for (c, chain) in cases.iter().zip(chains) {
            let id = ids
                .get(c.serial)
                .copied()
                .ok_or_else(|| StoreError::Corrupt(format!("no id for {}", c.serial)))?;
            if let Some(effects) = c.effects {
                effect_rows.add_inserts(id, effects, true, &mut counts, &|at| self.day(at));
                effect_rows.add_history(id, effects);
            }
            for mut row in chain {
                row.insert(0, Val::I(Some(id)));
                event_rows.push(row);
            }
            for (unit, role) in case_links(c) {
                link_rows.push(vec![
                    Val::I(Some(id)),
                    Val::I(Some(unit.0)),
                    Val::S(Some(role.into())),
                ]);
            }
        }
        insert_rows(tx, backend, "events", EVENT_COLUMNS, event_rows, None).await?;
        insert_rows(
            tx,
            backend,
            "request_units",
            &["request_id", "unit_id", "role"],
            link_rows,
            None,
        )
        .await?;
        effect_rows.write(tx, backend).await?;
        // Findings made in an imported history (designations) become routing rules too.
        for c in cases {
            if let Some(finding) = c.effects.and_then(|e| e.routing.as_ref()) {
                super::routing::record_finding(tx, finding).await?;
            }
        }
        self.write_counts(tx, counts).await?;
        Ok(ids)
    }

    pub(super) async fn load(
        &self,
        tx: &mut Transaction<'_, Any>,
        serial: &str,
    ) -> Result<Option<Loaded>> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM requests r WHERE r.serial = $1{}",
            self.lock_suffix()
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(serial)
            .fetch_optional(&mut **tx)
            .await?;
        self.loaded(tx, row).await
    }

    pub(super) async fn loaded(
        &self,
        tx: &mut Transaction<'_, Any>,
        row: Option<AnyRow>,
    ) -> Result<Option<Loaded>> {
        let Some(row) = row else {
            return Ok(None);
        };
        let row = request_from_row(&row)?;
        let handlers = handlers_of(&mut **tx, row.id).await?;
        let clocks = clocks_of(&mut **tx, row.id).await?;
        Ok(Some(Loaded {
            row,
            handlers,
            clocks,
        }))
    }

    /// Persists a decision on a loaded request: new values, events, links, counters.
    pub(super) async fn persist(
        &self,
        tx: &mut Transaction<'_, Any>,
        loaded: &Loaded,
        decision: &civicgrid_domain::lifecycle::Decision,
        now: Instant,
    ) -> Result<Loaded> {
        self.persist_many(tx, &[(loaded, decision)], now)
            .await?
            .pop()
            .ok_or_else(|| StoreError::Corrupt("nothing persisted".into()))
    }

    /// Persists decisions on several loaded requests with one statement per table where the
    /// rows are new (events, links, notices, facts, counters) and one per changed row
    /// otherwise: the sweeper's batches would spend most of their time on round trips.
    pub(super) async fn persist_many(
        &self,
        tx: &mut Transaction<'_, Any>,
        items: &[(&Loaded, &civicgrid_domain::lifecycle::Decision)],
        now: Instant,
    ) -> Result<Vec<Loaded>> {
        let mut event_rows = Vec::new();
        let mut link_rows = Vec::new();
        let mut counts = Counts::default();
        let mut rows = EffectRows::default();
        let mut heads = Vec::with_capacity(items.len());
        for (loaded, decision) in items {
            let row = &loaded.row;
            let (chain, last) = chain_rows(
                &row.serial,
                row.event_count,
                row.last_hash.clone(),
                &decision.events,
            );
            for mut event in chain {
                event.insert(0, Val::I(Some(row.id.0)));
                event_rows.push(event);
            }
            let count = row.event_count + decision.events.len() as i64;
            heads.push((count, last));
            // Only new handlers need a link row (links are never removed).
            for (unit, role) in handler_links(&decision.case) {
                if !loaded.handlers.contains(&unit) {
                    link_rows.push(vec![
                        Val::I(Some(row.id.0)),
                        Val::I(Some(unit.0)),
                        Val::S(Some(role.into())),
                    ]);
                }
            }
            for event in &decision.events {
                counts.event(
                    &self.day(event.at),
                    event,
                    decision.case.lead.or(row.case.lead),
                    row.area,
                );
            }
            rows.add_inserts(row.id.0, &decision.effects, false, &mut counts, &|at| {
                self.day(at)
            });
        }
        insert_rows(tx, self.backend, "events", EVENT_COLUMNS, event_rows, None).await?;
        insert_rows_then(
            tx,
            self.backend,
            "request_units",
            &["request_id", "unit_id", "role"],
            link_rows,
            " ON CONFLICT DO NOTHING",
        )
        .await?;
        rows.write(tx, self.backend).await?;
        self.write_counts(tx, counts).await?;
        let mut case_rows = Vec::with_capacity(items.len());
        let mut clock_rows = Vec::new();
        let mut pool_rows = Vec::new();
        for ((loaded, decision), (count, last)) in items.iter().zip(&heads) {
            let row = &loaded.row;
            let mut values = case_values(&decision.case, *count, last, now);
            values.insert(0, Val::I(Some(row.id.0)));
            case_rows.push(values);
            for clock in decision.effects.clocks.iter().filter(|c| c.id != 0) {
                clock_rows.push(clock_update_values(clock));
            }
            // A lone entry joins one multi-row upsert; anything else goes one by one.
            match decision.effects.pool.as_slice() {
                [] => {}
                [enter @ PoolChange::Enter { .. }] => pool_rows.push(pool_values(row.id, enter)),
                changes => {
                    for change in changes {
                        self.pool_change(tx, row.id, change).await?;
                    }
                }
            }
            self.sample_effects(tx, row.id, decision).await?;
            if let Some(finding) = &decision.effects.routing {
                super::routing::record_finding(tx, finding).await?;
            }
            if let Some(unit) = decision.effects.exempt {
                self.exempt_facts(tx, row.id, unit, now).await?;
            }
            if let Some(placement) = &decision.effects.placed {
                place(tx, row.id, placement).await?;
            }
        }
        update_rows(tx, self.backend, "requests", "id", CASE_COLUMNS, case_rows).await?;
        update_rows(
            tx,
            self.backend,
            "clocks",
            "id",
            CLOCK_UPDATE_COLUMNS,
            clock_rows,
        )
        .await?;
        insert_rows_then(
            tx,
            self.backend,
            "supervision",
            POOL_UPSERT_COLUMNS,
            pool_rows,
            POOL_UPSERT,
        )
        .await?;
        let mut out = Vec::with_capacity(items.len());
        for ((loaded, decision), (count, last)) in items.iter().zip(heads) {
            let row = &loaded.row;
            let effects = &decision.effects;
            let mut handlers = loaded.handlers.clone();
            for (unit, _) in handler_links(&decision.case) {
                if !handlers.contains(&unit) {
                    handlers.push(unit);
                }
            }
            let mut next = row.clone();
            next.case = decision.case.clone();
            next.event_count = count;
            next.last_hash = last;
            next.updated_at = now;
            if let Some(placement) = &effects.placed {
                next.area = Some(placement.area);
                next.location = placement.location.or(next.location);
                next.address = placement.address.clone().or(next.address);
            }
            let clocks: Vec<Clock> = loaded
                .clocks
                .iter()
                .map(|c| {
                    effects
                        .clocks
                        .iter()
                        .find(|x| x.id == c.id)
                        .cloned()
                        .unwrap_or_else(|| c.clone())
                })
                .chain(effects.clocks.iter().filter(|c| c.id == 0).cloned())
                .collect();
            out.push(Loaded {
                row: next,
                handlers,
                clocks,
            });
        }
        Ok(out)
    }

    /// An approved appeal (核减): the facts `request` counted for `unit` are marked exempt
    /// and taken out of the rollups the rates are read from.
    pub(super) async fn exempt_facts(
        &self,
        tx: &mut Transaction<'_, Any>,
        request: RequestId,
        unit: UnitId,
        now: Instant,
    ) -> Result<()> {
        let rows = sqlx::query(
            "SELECT metric, at FROM facts WHERE request_id = $1 AND unit_id = $2 AND exempt_at IS NULL",
        )
        .bind(request.0)
        .bind(unit.0)
        .fetch_all(&mut **tx)
        .await?;
        let mut counts = Counts::default();
        for row in &rows {
            let metric: String = row.try_get("metric")?;
            let at = super::rows::instant(row.try_get("at")?)?;
            counts.sub(&self.day(at), "appraisal", unit.0, &metric);
            if metric.starts_with("target_") {
                counts.sub(&self.day(at), "targets", unit.0, &metric);
            }
        }
        sqlx::query(
            "UPDATE facts SET exempt_at = $1 WHERE request_id = $2 AND unit_id = $3 AND exempt_at IS NULL",
        )
        .bind(ms(now))
        .bind(request.0)
        .bind(unit.0)
        .execute(&mut **tx)
        .await?;
        self.write_counts(tx, counts).await
    }

    /// A closed case drawn for sampling, or a quality callback made on one.
    pub(super) async fn sample_effects(
        &self,
        tx: &mut Transaction<'_, Any>,
        request: RequestId,
        decision: &civicgrid_domain::lifecycle::Decision,
    ) -> Result<()> {
        let effects = &decision.effects;
        if let Some(drawn) = effects.sample_drawn {
            sqlx::query(
                "INSERT INTO samples (request_id, drawn_at) VALUES ($1, $2) ON CONFLICT (request_id) DO NOTHING",
            )
            .bind(request.0)
            .bind(ms(drawn))
            .execute(&mut **tx)
            .await?;
        }
        if let Some(check) = &effects.sample_done {
            let done = sqlx::query(
                "UPDATE samples SET done_at = $1, done_by = $2, rating = $3, citizen_resolved = $4, note = $5, \
                 reopened = $6, falsified = $7 WHERE request_id = $8 AND done_at IS NULL",
            )
            .bind(ms(check.at))
            .bind(check.by.map(|u| u.0))
            .bind(check.rating.as_str())
            .bind(i64::from(check.resolved))
            .bind(check.note.clone())
            .bind(i64::from(check.reopened))
            .bind(i64::from(check.falsified))
            .bind(request.0)
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Refused(civicgrid_domain::Refusal::Invalid(
                    civicgrid_domain::Invalid::new(
                        "serial",
                        "the request is not drawn for a quality callback, or it was made already",
                    ),
                )));
            }
        }
        Ok(())
    }

    /// Loads several requests in one query per table (their rows already locked).
    pub(super) async fn load_many(
        &self,
        tx: &mut Transaction<'_, Any>,
        ids: &[i64],
    ) -> Result<Vec<Loaded>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let backend = self.backend;
        let mut rows = Sql::new(backend, "SELECT ");
        rows.push(REQUEST_COLUMNS)
            .push(" FROM requests r WHERE r.id IN ")
            .list(ids.iter().copied())
            .push(" ORDER BY r.id");
        let rows = rows.query().fetch_all(&mut **tx).await?;
        let mut links = Sql::new(
            backend,
            "SELECT request_id, unit_id FROM request_units WHERE request_id IN ",
        );
        links
            .list(ids.iter().copied())
            .push(" AND role = 'handler' ORDER BY unit_id");
        let links = links.query().fetch_all(&mut **tx).await?;
        let mut clock_rows = Sql::new(backend, "SELECT ");
        clock_rows
            .push(CLOCK_COLUMNS)
            .push(" FROM clocks c WHERE c.request_id IN ")
            .list(ids.iter().copied())
            .push(" ORDER BY c.id");
        let clock_rows = clock_rows.query().fetch_all(&mut **tx).await?;
        let mut handlers: HashMap<i64, Vec<UnitId>> = HashMap::new();
        for link in &links {
            handlers
                .entry(link.try_get("request_id")?)
                .or_default()
                .push(UnitId(link.try_get("unit_id")?));
        }
        let mut clocks: HashMap<i64, Vec<Clock>> = HashMap::new();
        for row in &clock_rows {
            clocks
                .entry(row.try_get("request_id")?)
                .or_default()
                .push(clock_from_row(row)?);
        }
        rows.iter()
            .map(|r| {
                let row = request_from_row(r)?;
                Ok(Loaded {
                    handlers: handlers.remove(&row.id.0).unwrap_or_default(),
                    clocks: clocks.remove(&row.id.0).unwrap_or_default(),
                    row,
                })
            })
            .collect()
    }

    pub(super) async fn pool_change(
        &self,
        tx: &mut Transaction<'_, Any>,
        request: RequestId,
        change: &PoolChange,
    ) -> Result<()> {
        match change {
            PoolChange::Enter {
                owner,
                stage,
                unit,
                at,
                reason,
            } => {
                let sql = format!(
                    "INSERT INTO supervision (request_id, owner_id, stage, unit_id, reason, since, times) \
                     VALUES ($1, $2, $3, $4, $5, $6, 1){POOL_UPSERT}"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(request.0)
                    .bind(owner.map(|u| u.0))
                    .bind(stage.map(|s| s.as_str()))
                    .bind(unit.map(|u| u.0))
                    .bind(reason.clone())
                    .bind(ms(*at))
                    .execute(&mut **tx)
                    .await?;
            }
            PoolChange::Leave { at } => {
                sqlx::query(
                    "UPDATE supervision SET closed_at = $1 WHERE request_id = $2 AND closed_at IS NULL",
                )
                .bind(ms(*at))
                .bind(request.0)
                .execute(&mut **tx)
                .await?;
            }
        }
        Ok(())
    }

    /// Reserves `n` fresh ids of `table` for a bulk import.
    pub(super) async fn reserve_ids(
        &self,
        tx: &mut Transaction<'_, Any>,
        table: &'static str,
        n: i64,
    ) -> Result<i64> {
        match self.backend {
            Backend::Sqlite => {
                let max: Option<i64> =
                    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT MAX(id) FROM {table}")))
                        .fetch_one(&mut **tx)
                        .await?;
                Ok(max.unwrap_or(0) + 1)
            }
            Backend::Postgres => {
                // Advance the identity sequence past the block, so live inserts never collide.
                let last: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     GREATEST(nextval(pg_get_serial_sequence('{table}', 'id')), (SELECT COALESCE(MAX(id), 0) FROM {table})) + $1 - 1)"
                )))
                .bind(n)
                .fetch_one(&mut **tx)
                .await?;
                Ok(last - n + 1)
            }
        }
    }
}

/// One case to insert: its intake values, serial, lifecycle values and events.
pub(super) struct CaseRows<'a> {
    pub(super) new: &'a NewCase,
    pub(super) serial: &'a str,
    /// The serial of the first request of its intake (its own, unless split from a call).
    pub(super) head: &'a str,
    pub(super) case: &'a Case,
    pub(super) events: &'a [Event],
    pub(super) effects: Option<&'a Effects>,
    pub(super) updated_at: Instant,
}

/// The intake columns of a new `requests` row (the id comes from the database or the
/// import); the lifecycle columns that follow are `CASE_COLUMNS`.
pub(super) const INTAKE_COLUMNS: &[&str] = &[
    "serial",
    "verify_code",
    "intake_id",
    "channel",
    "kind",
    "urgency",
    "category_id",
    "line",
    "content",
    "address",
    "lat",
    "lng",
    "caller_name",
    "caller_phone",
    "caller_confidential",
    "area_id",
    "intake_unit_id",
    "created_by",
    "created_at",
];

pub(super) const EVENT_COLUMNS: &[&str] = &[
    "request_id",
    "seq",
    "kind",
    "at",
    "actor_user",
    "actor_unit",
    "from_state",
    "to_state",
    "reason",
    "detail",
    "hash",
];

pub(super) fn request_values(
    c: &CaseRows<'_>,
    intake_id: Option<i64>,
    event_count: i64,
    last_hash: &str,
) -> Vec<Val> {
    let new = c.new;
    let mut values = vec![
        Val::S(Some(c.serial.to_owned())),
        Val::S(Some(new.verify_code.clone())),
        Val::I(intake_id),
        Val::S(Some(new.channel.as_str().into())),
        Val::S(Some(new.kind.as_str().into())),
        Val::S(Some(new.urgency.as_str().into())),
        Val::I(new.category.map(|x| x.0)),
        Val::S(new.line.clone()),
        Val::S(Some(new.content.clone())),
        Val::S(new.address.clone()),
        Val::F(new.location.map(|l| l.lat)),
        Val::F(new.location.map(|l| l.lng)),
        Val::S(new.caller_name.clone()),
        Val::S(new.caller_phone.clone()),
        Val::I(Some(i64::from(new.caller_confidential))),
        Val::I(new.area.map(|u| u.0)),
        Val::I(new.intake_unit.map(|u| u.0)),
        Val::I(new.created_by.map(|u| u.0)),
        Val::I(Some(ms(new.now))),
    ];
    values.extend(case_values(c.case, event_count, last_hash, c.updated_at));
    values
}

/// Event rows (without the request id, which the caller prepends) continuing a chain.
pub(super) fn chain_rows(
    serial: &str,
    first_seq: i64,
    mut previous: String,
    events: &[Event],
) -> (Vec<Vec<Val>>, String) {
    let mut rows = Vec::with_capacity(events.len());
    for (offset, event) in events.iter().enumerate() {
        let seq = first_seq + offset as i64;
        let hash = chain::link(&previous, &chain::canonical(serial, seq, event));
        rows.push(vec![
            Val::I(Some(seq)),
            Val::S(Some(event.kind.as_str().into())),
            Val::I(Some(ms(event.at))),
            Val::I(event.actor.user.map(|u| u.0)),
            Val::I(event.actor.unit.map(|u| u.0)),
            Val::S(event.from.map(|x| x.as_str().into())),
            Val::S(Some(event.to.as_str().into())),
            Val::S(event.reason.clone()),
            Val::S(Some(detail_json(&event.detail))),
            Val::S(Some(hash.clone())),
        ]);
        previous = hash;
    }
    (rows, previous)
}

/// The hub placed a request: its area, point and address change, and so does the unit
/// link that street- and community-level visibility reads.
async fn place(
    tx: &mut Transaction<'_, Any>,
    id: RequestId,
    placement: &civicgrid_domain::clocks::Placement,
) -> Result<()> {
    [
        Val::F(placement.location.map(|l| l.lat)),
        Val::F(placement.location.map(|l| l.lng)),
        Val::S(placement.address.clone()),
        Val::I(Some(id.0)),
    ]
    .into_iter()
    .fold(
        sqlx::query(
            "UPDATE requests SET area_id = $1, lat = COALESCE($2, lat), lng = COALESCE($3, lng), \
             address = COALESCE($4, address) WHERE id = $5",
        )
        .bind(placement.area.0),
        super::dialect::bind,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM request_units WHERE request_id = $1 AND role = 'area'")
        .bind(id.0)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO request_units (request_id, unit_id, role) VALUES ($1, $2, 'area') ON CONFLICT DO NOTHING",
    )
    .bind(id.0)
    .bind(placement.area.0)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The units a new case is tied to: where it lies, where it was taken in, and every unit
/// its history names as handling it.
pub(super) fn case_links(c: &CaseRows<'_>) -> Vec<(UnitId, &'static str)> {
    let mut links: Vec<(UnitId, &'static str)> = Vec::new();
    if let Some(area) = c.new.area {
        links.push((area, "area"));
    }
    if let Some(unit) = c.new.intake_unit {
        links.push((unit, "intake"));
    }
    for event in c.events {
        for (key, value) in &event.detail {
            if (key == "unit" || key == "from_unit")
                && let Ok(unit) = value.parse::<i64>()
            {
                links.push((UnitId(unit), "handler"));
            }
        }
    }
    links.extend(handler_links(c.case));
    links.sort();
    links.dedup();
    links
}

/// Every unit currently handling the case (lead, assisting, coordinating) is linked as a
/// handler; links are never removed, so former handlers keep read access.
pub(super) fn handler_links(case: &Case) -> Vec<(UnitId, &'static str)> {
    case.lead
        .iter()
        .chain(case.assisting.iter())
        .chain(case.coordination.iter())
        .chain(case.summoned.iter())
        .chain(case.instructions.iter().map(|i| &i.unit))
        .map(|u| (*u, "handler"))
        .collect()
}

pub(super) async fn handlers_of<'e, E>(executor: E, id: RequestId) -> Result<Vec<UnitId>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT unit_id FROM request_units WHERE request_id = $1 AND role = 'handler' ORDER BY unit_id")
            .bind(id.0)
            .fetch_all(executor)
            .await?;
    Ok(ids.into_iter().map(UnitId).collect())
}

/// Every clock of a request, running and stopped, oldest first.
pub(super) async fn clocks_of<'e, E>(executor: E, id: RequestId) -> Result<Vec<Clock>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CLOCK_COLUMNS} FROM clocks c WHERE c.request_id = $1 ORDER BY c.id"
    )))
    .bind(id.0)
    .fetch_all(executor)
    .await?;
    rows.iter().map(clock_from_row).collect()
}

impl Commit for Inner {
    async fn commit_jobs(&self, jobs: &[&Job]) -> Result<Vec<Done>> {
        self.commit_batch(jobs).await
    }
}
