//! The `Store` implementation for both backends. One body of SQL serves SQLite and
//! PostgreSQL through sqlx's `Any` driver: every column is an integer, a float, text or a
//! blob (times are epoch milliseconds), which `Any` carries faithfully, and the few places
//! where the dialects differ branch on `Backend`. The alternative, two concrete
//! implementations, would have doubled this file for no difference in behaviour.
//!
//! SQLite gets two pools: a single-connection writer (SQLite has one writer anyway, and a
//! single connection never meets SQLITE_BUSY from its own process) and a reader pool that
//! WAL lets run beside it. PostgreSQL uses one pool; write transactions lock the rows they
//! change with `SELECT … FOR UPDATE`.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset, Utc};
use civicgrid_domain::chain;
use civicgrid_domain::lifecycle::{Basis, Case, Event, EventKind};
use civicgrid_domain::org::{Actor, Grant, Role, UnitKind};
use civicgrid_domain::request::{Channel, Kind, Location, Outcome, Rating, State, Urgency};
use civicgrid_domain::routing::RoutingRule;
use civicgrid_domain::{CategoryId, Instant, RequestId, UnitId, UserId};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Row, Transaction};
use tokio::sync::{mpsc, oneshot};

use crate::writer::{self, Done, Job};
use crate::{
    Attachment, AuditEntry, Backend, CancelReason, CategoryRow, ChainCheck, Clock, Created,
    DailyCount, Decide, DecideMerge, Effects, Escalate, EventRow, HistoricCase, ListFilter, Loaded,
    NewCase, NewCategory, NewPolicy, NewRoutingRule, NewUnit, NewUser, NoticeFilter, NoticeRow,
    OfficialDayRow, Policy, PoolFilter, PoolRow, RequestRow, Result, SampleRow, Store, StoreError,
    SweepReport, UnitRow, UserRow, Visibility, migrate,
};
use civicgrid_domain::clocks::{ClockEnd, PoolChange, Step};
use civicgrid_domain::deadline::{Band, Limit, Stage, TimeUnit};

/// The district's offset from UTC: serial dates and daily rollups use local days.
const DISTRICT_OFFSET_SECONDS: i32 = 8 * 3600;

pub(crate) struct Inner {
    backend: Backend,
    read: AnyPool,
    write: AnyPool,
    offset: FixedOffset,
}

pub struct SqlStore {
    inner: Arc<Inner>,
    writer: mpsc::Sender<Job>,
}

fn ms(at: Instant) -> i64 {
    at.timestamp_millis()
}

fn instant(ms: i64) -> Result<Instant> {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Corrupt(format!("bad time {ms}")))
}

fn word<T>(column: &str, raw: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    parse(raw).ok_or_else(|| StoreError::Corrupt(format!("{column} has unknown value `{raw}`")))
}

fn join_ids(ids: &[UnitId]) -> String {
    ids.iter()
        .map(|u| u.0.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn split_ids(raw: &str) -> Result<Vec<UnitId>> {
    raw.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            i64::from_str(s)
                .map(UnitId)
                .map_err(|_| StoreError::Corrupt(format!("bad unit list `{raw}`")))
        })
        .collect()
}

fn split_words(raw: &str) -> Vec<String> {
    raw.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn detail_json(detail: &[(String, String)]) -> String {
    // An array of pairs keeps the order the hash chain was computed over.
    let pairs: Vec<serde_json::Value> = detail
        .iter()
        .map(|(k, v)| serde_json::json!([k, v]))
        .collect();
    serde_json::Value::Array(pairs).to_string()
}

fn parse_detail(raw: &str) -> Result<Vec<(String, String)>> {
    let value: Vec<(String, String)> =
        serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("event detail: {e}")))?;
    Ok(value)
}

fn quote_list(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("'{}'", w.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(",")
}

const REQUEST_COLUMNS: &str = "r.id, r.serial, r.verify_code, r.channel, r.kind, r.urgency, r.category_id, r.line, \
    r.content, r.address, r.lat, r.lng, r.caller_name, r.caller_phone, r.area_id, r.intake_unit_id, r.created_by, \
    r.state, r.lead_unit_id, r.assisting, r.coordination, r.pending_extension, r.extension_days, r.suspended_from, \
    r.parent_id, r.outcome, r.reply, r.proper_owner, r.rating, r.citizen_resolved, r.demand, r.redo_count, \
    r.return_count, r.event_count, r.last_hash, r.created_at, r.updated_at";

fn request_from_row(row: &AnyRow) -> Result<RequestRow> {
    let opt_i64 = |name: &str| -> Result<Option<i64>> { Ok(row.try_get::<Option<i64>, _>(name)?) };
    let text = |name: &str| -> Result<String> { Ok(row.try_get::<String, _>(name)?) };
    let opt_text =
        |name: &str| -> Result<Option<String>> { Ok(row.try_get::<Option<String>, _>(name)?) };
    let lat: Option<f64> = row.try_get("lat")?;
    let lng: Option<f64> = row.try_get("lng")?;
    let case = Case {
        kind: word("kind", &text("kind")?, Kind::parse)?,
        state: word("state", &text("state")?, State::parse)?,
        lead: opt_i64("lead_unit_id")?.map(UnitId),
        assisting: split_ids(&text("assisting")?)?,
        coordination: split_ids(&text("coordination")?)?,
        pending_extension: opt_i64("pending_extension")?.map(|d| d as u32),
        extension_days: row.try_get::<i64, _>("extension_days")? as u32,
        suspended_from: opt_text("suspended_from")?
            .map(|s| word("suspended_from", &s, State::parse))
            .transpose()?,
        parent: opt_i64("parent_id")?.map(RequestId),
        outcome: opt_text("outcome")?
            .map(|s| word("outcome", &s, Outcome::parse))
            .transpose()?,
        reply: opt_text("reply")?,
        proper_owner: opt_text("proper_owner")?,
        rating: opt_text("rating")?
            .map(|s| word("rating", &s, Rating::parse))
            .transpose()?,
        citizen_says_resolved: opt_i64("citizen_resolved")?.map(|v| v != 0),
        demand: row.try_get::<i64, _>("demand")? as u32,
        redo_count: row.try_get::<i64, _>("redo_count")? as u32,
        return_count: row.try_get::<i64, _>("return_count")? as u32,
    };
    Ok(RequestRow {
        id: RequestId(row.try_get("id")?),
        serial: text("serial")?,
        verify_code: text("verify_code")?,
        channel: word("channel", &text("channel")?, Channel::parse)?,
        kind: case.kind,
        urgency: word("urgency", &text("urgency")?, Urgency::parse)?,
        category: opt_i64("category_id")?.map(CategoryId),
        line: opt_text("line")?,
        content: text("content")?,
        address: opt_text("address")?,
        location: match (lat, lng) {
            (Some(lat), Some(lng)) => Some(Location { lat, lng }),
            _ => None,
        },
        caller_name: opt_text("caller_name")?,
        caller_phone: opt_text("caller_phone")?,
        area: opt_i64("area_id")?.map(UnitId),
        intake_unit: opt_i64("intake_unit_id")?.map(UnitId),
        created_by: opt_i64("created_by")?.map(UserId),
        case,
        event_count: row.try_get("event_count")?,
        last_hash: text("last_hash")?,
        created_at: instant(row.try_get("created_at")?)?,
        updated_at: instant(row.try_get("updated_at")?)?,
    })
}

fn policy_from_row(row: &AnyRow) -> Result<Policy> {
    use civicgrid_domain::deadline::{Limit, Match, Stage, Thresholds, TimeUnit};
    let limits_text: String = row.try_get("limits")?;
    let raw: Vec<(String, u32, String)> = serde_json::from_str(&limits_text)
        .map_err(|e| StoreError::Corrupt(format!("policy limits: {e}")))?;
    let limits = raw
        .into_iter()
        .map(|(stage, amount, unit)| {
            Ok((
                word("stage", &stage, Stage::parse)?,
                Limit {
                    amount,
                    unit: word("unit", &unit, TimeUnit::parse)?,
                },
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Policy {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        matches: Match {
            kind: row
                .try_get::<Option<String>, _>("match_kind")?
                .map(|k| word("match_kind", &k, Kind::parse))
                .transpose()?,
            category: row
                .try_get::<Option<i64>, _>("match_category")?
                .map(CategoryId),
            urgency: row
                .try_get::<Option<String>, _>("match_urgency")?
                .map(|u| word("match_urgency", &u, Urgency::parse))
                .transpose()?,
        },
        limits,
        thresholds: Thresholds {
            yellow: row.try_get("yellow")?,
            orange: row.try_get("orange")?,
        },
        accountable_after: row.try_get::<i64, _>("accountable_days")? as u32,
    })
}

const CLOCK_COLUMNS: &str = "c.id, c.request_id, c.stage, c.unit_id, c.policy_id, c.calendar, c.limit_amount, c.limit_unit, \
    c.redo, c.started_at, c.deadline_at, c.yellow_at, c.orange_at, c.accountable_at, c.paused_at, c.stopped_at, \
    c.outcome, c.step";

fn clock_from_row(row: &AnyRow) -> Result<Clock> {
    let opt_time = |name: &str| -> Result<Option<Instant>> {
        row.try_get::<Option<i64>, _>(name)?
            .map(instant)
            .transpose()
    };
    let text = |name: &str| -> Result<String> { Ok(row.try_get::<String, _>(name)?) };
    Ok(Clock {
        id: row.try_get("id")?,
        stage: word("stage", &text("stage")?, Stage::parse)?,
        unit: row.try_get::<Option<i64>, _>("unit_id")?.map(UnitId),
        policy: row.try_get("policy_id")?,
        calendar: text("calendar")?,
        limit: Limit {
            amount: row.try_get::<i64, _>("limit_amount")? as u32,
            unit: word("limit_unit", &text("limit_unit")?, TimeUnit::parse)?,
        },
        redo: row.try_get::<i64, _>("redo")? != 0,
        started_at: instant(row.try_get("started_at")?)?,
        deadline: instant(row.try_get("deadline_at")?)?,
        yellow_at: instant(row.try_get("yellow_at")?)?,
        orange_at: instant(row.try_get("orange_at")?)?,
        accountable_at: instant(row.try_get("accountable_at")?)?,
        paused_at: opt_time("paused_at")?,
        stopped_at: opt_time("stopped_at")?,
        end: row
            .try_get::<Option<String>, _>("outcome")?
            .map(|o| word("outcome", &o, ClockEnd::parse))
            .transpose()?,
        step: word("step", &text("step")?, Step::parse)?,
    })
}

/// The columns a clock is born with; the columns that change later follow, as
/// `CLOCK_UPDATE_COLUMNS`.
const CLOCK_FIXED_COLUMNS: &[&str] = &[
    "request_id",
    "stage",
    "policy_id",
    "calendar",
    "limit_amount",
    "limit_unit",
    "redo",
    "started_at",
];

fn clock_values(request: i64, c: &Clock) -> Vec<Val> {
    let mut values = vec![
        Val::I(Some(request)),
        Val::S(Some(c.stage.as_str().into())),
        Val::I(Some(c.policy)),
        Val::S(Some(c.calendar.clone())),
        Val::I(Some(i64::from(c.limit.amount))),
        Val::S(Some(c.limit.unit.as_str().into())),
        Val::I(Some(i64::from(c.redo))),
        Val::I(Some(ms(c.started_at))),
    ];
    // The update row starts with the id, which an insert leaves to the database.
    values.extend(clock_update_values(c).into_iter().skip(1));
    values
}

/// What a case's pool changes leave behind, for a bulk insert: the last entry's owner and
/// reasons, since when it has been open (or when it closed), and how often it entered.
struct PoolFinal {
    owner: Option<UserId>,
    stage: Option<String>,
    unit: Option<UnitId>,
    reason: Option<String>,
    since: Instant,
    closed_at: Option<Instant>,
    times: i64,
}

fn final_pool(changes: &[PoolChange]) -> Option<PoolFinal> {
    let mut out: Option<PoolFinal> = None;
    for change in changes {
        match change {
            PoolChange::Enter {
                owner,
                stage,
                unit,
                at,
                reason,
            } => match &mut out {
                Some(open) if open.closed_at.is_none() => open.times += 1,
                _ => {
                    let times = out.as_ref().map_or(0, |o| o.times) + 1;
                    out = Some(PoolFinal {
                        owner: *owner,
                        stage: stage.map(|s| s.as_str().to_owned()),
                        unit: *unit,
                        reason: reason.clone(),
                        since: *at,
                        closed_at: None,
                        times,
                    });
                }
            },
            PoolChange::Leave { at } => {
                if let Some(open) = &mut out
                    && open.closed_at.is_none()
                {
                    open.closed_at = Some(*at);
                }
            }
        }
    }
    out
}

/// Rows for the effects of many cases, written with one statement per table.
#[derive(Default)]
struct EffectRows {
    clock_inserts: Vec<Vec<Val>>,
    notices: Vec<Vec<Val>>,
    facts: Vec<Vec<Val>>,
    pools: Vec<Vec<Val>>,
    samples: Vec<Vec<Val>>,
}

const NOTICE_COLUMNS: &[&str] = &[
    "request_id",
    "kind",
    "unit_id",
    "stage",
    "at",
    "due_at",
    "by_user",
    "text",
];
const POOL_COLUMNS: &[&str] = &[
    "request_id",
    "owner_id",
    "stage",
    "unit_id",
    "reason",
    "since",
    "closed_at",
    "times",
];
const SAMPLE_COLUMNS: &[&str] = &[
    "request_id",
    "drawn_at",
    "done_at",
    "done_by",
    "rating",
    "citizen_resolved",
    "note",
];

impl EffectRows {
    /// Adds the rows that are plain inserts: new clocks (all clocks when `all_clocks`),
    /// notices and facts (with their rollup counters).
    fn add_inserts(
        &mut self,
        request: i64,
        effects: &Effects,
        all_clocks: bool,
        counts: &mut Counts,
        day: &dyn Fn(Instant) -> String,
    ) {
        for clock in &effects.clocks {
            if all_clocks || clock.id == 0 {
                self.clock_inserts.push(clock_values(request, clock));
            }
        }
        for n in &effects.notices {
            self.notices.push(vec![
                Val::I(Some(request)),
                Val::S(Some(n.kind.as_str().into())),
                Val::I(n.unit.map(|u| u.0)),
                Val::S(n.stage.map(|s| s.as_str().into())),
                Val::I(Some(ms(n.at))),
                Val::I(Some(ms(n.due_at))),
                Val::I(n.by.map(|u| u.0)),
                Val::S(n.text.clone()),
            ]);
        }
        for f in &effects.facts {
            self.facts.push(vec![
                Val::I(Some(f.unit.0)),
                Val::S(Some(f.metric.clone())),
                Val::I(Some(ms(f.at))),
                Val::I(Some(request)),
            ]);
            counts.add(&day(f.at), "appraisal", f.unit.0, &f.metric);
        }
    }

    /// For bulk import: the pool and sample rows are inserted whole.
    fn add_history(&mut self, request: i64, effects: &Effects) {
        if let Some(pool) = final_pool(&effects.pool) {
            self.pools.push(vec![
                Val::I(Some(request)),
                Val::I(pool.owner.map(|u| u.0)),
                Val::S(pool.stage),
                Val::I(pool.unit.map(|u| u.0)),
                Val::S(pool.reason),
                Val::I(Some(ms(pool.since))),
                Val::I(pool.closed_at.map(ms)),
                Val::I(Some(pool.times)),
            ]);
        }
        if let Some(drawn) = effects.sample_drawn {
            let done = effects.sample_done.as_ref();
            self.samples.push(vec![
                Val::I(Some(request)),
                Val::I(Some(ms(drawn))),
                Val::I(done.map(|d| ms(d.at))),
                Val::I(done.and_then(|d| d.by.map(|u| u.0))),
                Val::S(done.map(|d| d.rating.as_str().into())),
                Val::I(done.map(|d| i64::from(d.resolved))),
                Val::S(done.and_then(|d| d.note.clone())),
            ]);
        }
    }

    async fn write(self, tx: &mut Transaction<'_, Any>, backend: Backend) -> Result<()> {
        insert_rows(
            tx,
            backend,
            "clocks",
            &[CLOCK_FIXED_COLUMNS, CLOCK_UPDATE_COLUMNS].concat(),
            self.clock_inserts,
            None,
        )
        .await?;
        insert_rows(tx, backend, "notices", NOTICE_COLUMNS, self.notices, None).await?;
        insert_rows(
            tx,
            backend,
            "facts",
            &["unit_id", "metric", "at", "request_id"],
            self.facts,
            None,
        )
        .await?;
        insert_rows(tx, backend, "supervision", POOL_COLUMNS, self.pools, None).await?;
        insert_rows(tx, backend, "samples", SAMPLE_COLUMNS, self.samples, None).await?;
        Ok(())
    }
}

fn notice_from_row(row: &AnyRow) -> Result<NoticeRow> {
    Ok(NoticeRow {
        id: row.try_get("id")?,
        serial: row.try_get("serial")?,
        kind: row.try_get("kind")?,
        unit: row.try_get::<Option<i64>, _>("unit_id")?.map(UnitId),
        stage: row.try_get("stage")?,
        at: instant(row.try_get("at")?)?,
        due_at: instant(row.try_get("due_at")?)?,
        by_user: row.try_get::<Option<i64>, _>("by_user")?.map(UserId),
        by_username: row.try_get("username")?,
        text: row.try_get("text")?,
        read_at: row
            .try_get::<Option<i64>, _>("read_at")?
            .map(instant)
            .transpose()?,
        read_by_username: row.try_get("reader")?,
    })
}

/// The columns and joins every notice query reads.
const NOTICE_SELECT: &str = "SELECT n.id, r.serial, n.kind, n.unit_id, n.stage, n.at, n.due_at, n.by_user, u.username, \
    n.text, n.read_at, v.username AS reader FROM notices n JOIN requests r ON r.id = n.request_id \
    LEFT JOIN users u ON u.id = n.by_user LEFT JOIN users v ON v.id = n.read_by";

fn unit_from_row(row: &AnyRow, with_geometry: bool) -> Result<UnitRow> {
    let kind: String = row.try_get("kind")?;
    Ok(UnitRow {
        id: UnitId(row.try_get("id")?),
        name: row.try_get("name")?,
        kind: word("kind", &kind, UnitKind::parse)?,
        parent: row.try_get::<Option<i64>, _>("parent_id")?.map(UnitId),
        lines: split_words(&row.try_get::<String, _>("lines")?),
        geometry: if with_geometry {
            row.try_get("geometry")?
        } else {
            None
        },
    })
}

fn event_from_row(row: &AnyRow) -> Result<EventRow> {
    Ok(EventRow {
        request: RequestId(row.try_get("request_id")?),
        seq: row.try_get("seq")?,
        kind: row.try_get("kind")?,
        at: instant(row.try_get("at")?)?,
        actor_user: row.try_get::<Option<i64>, _>("actor_user")?.map(UserId),
        actor_username: row.try_get("username")?,
        actor_unit: row.try_get::<Option<i64>, _>("actor_unit")?.map(UnitId),
        from: row.try_get("from_state")?,
        to: row.try_get("to_state")?,
        reason: row.try_get("reason")?,
        detail: parse_detail(&row.try_get::<String, _>("detail")?)?,
        hash: row.try_get("hash")?,
    })
}

/// Rebuilds the domain event from a stored row, to recompute its hash.
fn event_of_row(row: &EventRow) -> Result<Event> {
    Ok(Event {
        kind: word("kind", &row.kind, EventKind::parse)?,
        at: row.at,
        actor: Actor {
            user: row.actor_user,
            unit: row.actor_unit,
        },
        from: row
            .from
            .as_deref()
            .map(|s| word("from_state", s, State::parse))
            .transpose()?,
        to: word("to_state", &row.to, State::parse)?,
        reason: row.reason.clone(),
        detail: row.detail.clone(),
    })
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => {
            db.code()
                .is_some_and(|c| c == "23505" || c == "2067" || c == "1555")
                || db.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

fn daily_count(row: &AnyRow, dim: &str, day: String) -> Result<DailyCount> {
    Ok(DailyCount {
        day,
        dim: dim.to_owned(),
        key: row.try_get("key")?,
        metric: row.try_get("metric")?,
        n: row.try_get("n")?,
    })
}

/// Counters to add to `daily_counts`, summed before writing so a batch touches each row once.
#[derive(Default)]
struct Counts(BTreeMap<(String, &'static str, i64, String), i64>);

impl Counts {
    fn add(&mut self, day: &str, dim: &'static str, key: i64, metric: &str) {
        *self
            .0
            .entry((day.to_owned(), dim, key, metric.to_owned()))
            .or_default() += 1;
    }

    /// What an event adds: every event per day, and per day and handling unit; and when a
    /// request leaves the open backlog (`finish`: closed, cancelled, merged or transferred out) or comes back to it
    /// (`unfinish`), so the backlog of any past day is a sum over the rollup.
    fn event(&mut self, day: &str, event: &Event, lead: Option<UnitId>) {
        self.add(day, "all", 0, event.kind.as_str());
        let done = |s: State| s.is_final();
        match (event.from.map(done), done(event.to)) {
            (Some(false) | None, true) => self.add(day, "all", 0, "finish"),
            (Some(true), false) => self.add(day, "all", 0, "unfinish"),
            _ => {}
        }
        if let Some(unit) = lead.or(event.actor.unit) {
            self.add(day, "unit", unit.0, event.kind.as_str());
        }
    }
}

impl Inner {
    fn day(&self, at: Instant) -> String {
        crate::local_day(at, self.offset)
    }

    fn lock_suffix(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// Adds the counters with one multi-row upsert per chunk: a bulk import touches tens of
    /// thousands of (day, unit, fact) cells, and one statement each was most of its time.
    /// The keys of `counts` are unique, so no statement updates a row twice.
    async fn write_counts(&self, tx: &mut Transaction<'_, Any>, counts: Counts) -> Result<()> {
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
    async fn take_serials(&self, tx: &mut Transaction<'_, Any>, day: &str, n: i64) -> Result<i64> {
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
    pub(crate) async fn commit_jobs(&self, jobs: &[&Job]) -> Result<Vec<Done>> {
        let mut tx = self.write.begin().await?;
        let mut per_day: BTreeMap<String, i64> = BTreeMap::new();
        for job in jobs {
            if let Job::Intake(new, _) = job {
                *per_day
                    .entry(new.local_date.format("%Y%m%d").to_string())
                    .or_default() += 1;
            }
        }
        let mut next_serial: HashMap<String, i64> = HashMap::new();
        for (day, n) in &per_day {
            let first = self.take_serials(&mut tx, day, *n).await?;
            next_serial.insert(day.clone(), first);
        }
        let mut serials: Vec<Option<String>> = Vec::with_capacity(jobs.len());
        let mut intakes: Vec<(&NewCase, String)> = Vec::new();
        let mut audits = Vec::new();
        for job in jobs {
            match job {
                Job::Intake(new, _) => {
                    let day = new.local_date.format("%Y%m%d").to_string();
                    let seq = next_serial
                        .get_mut(&day)
                        .ok_or_else(|| StoreError::Corrupt("serial day".into()))?;
                    let serial = civicgrid_domain::serial::format(new.local_date, *seq as u32);
                    *seq += 1;
                    serials.push(Some(serial.clone()));
                    intakes.push((new, serial));
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
                .map(|(new, serial)| CaseRows {
                    new,
                    serial,
                    case: &new.case,
                    events: &new.events,
                    effects: None,
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
            .map(|serial| match serial {
                Some(serial) => {
                    let id = ids
                        .get(&serial)
                        .copied()
                        .ok_or_else(|| StoreError::Corrupt(format!("no id for {serial}")))?;
                    Ok(Done::Intake(Created {
                        id: RequestId(id),
                        serial,
                    }))
                }
                None => Ok(Done::Audit),
            })
            .collect()
    }

    /// Inserts whole cases (intake record, request, events, unit links, counters) with one
    /// statement per table. `first_id` gives explicit request and intake ids (bulk import);
    /// otherwise the database assigns them. Returns serial → request id.
    async fn insert_cases(
        &self,
        tx: &mut Transaction<'_, Any>,
        cases: &[CaseRows<'_>],
        first_id: Option<(i64, i64)>,
    ) -> Result<HashMap<String, i64>> {
        let backend = self.backend;
        let mut intake_rows = Vec::with_capacity(cases.len());
        for (index, c) in cases.iter().enumerate() {
            let mut row = vec![
                Val::S(Some(c.new.channel.as_str().into())),
                Val::I(Some(ms(c.new.now))),
                Val::I(c.new.created_by.map(|u| u.0)),
                Val::S(Some(c.new.raw_intake.clone())),
                Val::S(Some(c.serial.to_owned())),
            ];
            if let Some((_, first_intake)) = first_id {
                row.insert(0, Val::I(Some(first_intake + index as i64)));
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
            let intake_id = intake_ids.get(c.serial).copied();
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
            counts.add(&day, "area", c.new.area.map_or(0, |u| u.0), "received");
            for event in c.events {
                counts.event(&self.day(event.at), event, c.case.lead);
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
        self.write_counts(tx, counts).await?;
        Ok(ids)
    }

    async fn load(&self, tx: &mut Transaction<'_, Any>, serial: &str) -> Result<Option<Loaded>> {
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

    async fn loaded(
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
    async fn persist(
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
    async fn persist_many(
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

    /// A closed case drawn for sampling, or a quality callback made on one.
    async fn sample_effects(
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
                "UPDATE samples SET done_at = $1, done_by = $2, rating = $3, citizen_resolved = $4, note = $5 \
                 WHERE request_id = $6 AND done_at IS NULL",
            )
            .bind(ms(check.at))
            .bind(check.by.map(|u| u.0))
            .bind(check.rating.as_str())
            .bind(i64::from(check.resolved))
            .bind(check.note.clone())
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
    async fn load_many(&self, tx: &mut Transaction<'_, Any>, ids: &[i64]) -> Result<Vec<Loaded>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM requests r WHERE r.id IN ({list}) ORDER BY r.id"
        )))
        .fetch_all(&mut **tx)
        .await?;
        let links = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT request_id, unit_id FROM request_units WHERE request_id IN ({list}) AND role = 'handler' ORDER BY unit_id"
        )))
        .fetch_all(&mut **tx)
        .await?;
        let clock_rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CLOCK_COLUMNS} FROM clocks c WHERE c.request_id IN ({list}) ORDER BY c.id"
        )))
        .fetch_all(&mut **tx)
        .await?;
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

    async fn pool_change(
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
    async fn reserve_ids(&self, tx: &mut Transaction<'_, Any>, table: &str, n: i64) -> Result<i64> {
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
pub(crate) struct CaseRows<'a> {
    new: &'a NewCase,
    serial: &'a str,
    case: &'a Case,
    events: &'a [Event],
    effects: Option<&'a Effects>,
    updated_at: Instant,
}

/// The columns of a new `requests` row (the id comes from the database or the import).
/// The intake columns of a new `requests` row (the id comes from the database or the
/// import); the lifecycle columns that follow are `CASE_COLUMNS`.
const INTAKE_COLUMNS: &[&str] = &[
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
    "area_id",
    "intake_unit_id",
    "created_by",
    "created_at",
];

const EVENT_COLUMNS: &[&str] = &[
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

fn request_values(
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
        Val::I(new.area.map(|u| u.0)),
        Val::I(new.intake_unit.map(|u| u.0)),
        Val::I(new.created_by.map(|u| u.0)),
        Val::I(Some(ms(new.now))),
    ];
    values.extend(case_values(c.case, event_count, last_hash, c.updated_at));
    values
}

/// Event rows (without the request id, which the caller prepends) continuing a chain.
fn chain_rows(
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

/// The units a new case is tied to: where it lies, where it was taken in, and every unit
/// its history names as handling it.
fn case_links(c: &CaseRows<'_>) -> Vec<(UnitId, &'static str)> {
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
fn handler_links(case: &Case) -> Vec<(UnitId, &'static str)> {
    case.lead
        .iter()
        .chain(case.assisting.iter())
        .chain(case.coordination.iter())
        .map(|u| (*u, "handler"))
        .collect()
}

async fn handlers_of<'e, E>(executor: E, id: RequestId) -> Result<Vec<UnitId>>
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
async fn clocks_of<'e, E>(executor: E, id: RequestId) -> Result<Vec<Clock>>
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

/// The lifecycle columns of a request: written at insert after `INTAKE_COLUMNS`, and all
/// that `persist_many` changes afterwards.
const CASE_COLUMNS: &[&str] = &[
    "state",
    "lead_unit_id",
    "assisting",
    "coordination",
    "pending_extension",
    "extension_days",
    "suspended_from",
    "parent_id",
    "outcome",
    "reply",
    "proper_owner",
    "rating",
    "citizen_resolved",
    "demand",
    "redo_count",
    "return_count",
    "event_count",
    "last_hash",
    "updated_at",
];

fn case_values(case: &Case, event_count: i64, last_hash: &str, now: Instant) -> Vec<Val> {
    vec![
        Val::S(Some(case.state.as_str().into())),
        Val::I(case.lead.map(|u| u.0)),
        Val::S(Some(join_ids(&case.assisting))),
        Val::S(Some(join_ids(&case.coordination))),
        Val::I(case.pending_extension.map(i64::from)),
        Val::I(Some(i64::from(case.extension_days))),
        Val::S(case.suspended_from.map(|s| s.as_str().into())),
        Val::I(case.parent.map(|p| p.0)),
        Val::S(case.outcome.map(|o| o.as_str().into())),
        Val::S(case.reply.clone()),
        Val::S(case.proper_owner.clone()),
        Val::S(case.rating.map(|r| r.as_str().into())),
        Val::I(case.citizen_says_resolved.map(i64::from)),
        Val::I(Some(i64::from(case.demand))),
        Val::I(Some(i64::from(case.redo_count))),
        Val::I(Some(i64::from(case.return_count))),
        Val::I(Some(event_count)),
        Val::S(Some(last_hash.to_owned())),
        Val::I(Some(ms(now))),
    ]
}

/// The columns of a clock that change after it starts.
const CLOCK_UPDATE_COLUMNS: &[&str] = &[
    "unit_id",
    "deadline_at",
    "yellow_at",
    "orange_at",
    "accountable_at",
    "paused_at",
    "stopped_at",
    "outcome",
    "step",
    "next_due_at",
];

fn clock_update_values(clock: &Clock) -> Vec<Val> {
    vec![
        Val::I(Some(clock.id)),
        Val::I(clock.unit.map(|u| u.0)),
        Val::I(Some(ms(clock.deadline))),
        Val::I(Some(ms(clock.yellow_at))),
        Val::I(Some(ms(clock.orange_at))),
        Val::I(Some(ms(clock.accountable_at))),
        Val::I(clock.paused_at.map(ms)),
        Val::I(clock.stopped_at.map(ms)),
        Val::S(clock.end.map(|e| e.as_str().into())),
        Val::S(Some(clock.step.as_str().into())),
        Val::I(clock.next_due().map(ms)),
    ]
}

const POOL_UPSERT_COLUMNS: &[&str] = &[
    "request_id",
    "owner_id",
    "stage",
    "unit_id",
    "reason",
    "since",
    "times",
];

/// An open entry keeps its owner, start and first cause; a closed one opens anew.
const POOL_UPSERT: &str = " ON CONFLICT (request_id) DO UPDATE SET \
     owner_id = CASE WHEN supervision.closed_at IS NULL THEN COALESCE(supervision.owner_id, excluded.owner_id) ELSE excluded.owner_id END, \
     since = CASE WHEN supervision.closed_at IS NULL THEN supervision.since ELSE excluded.since END, \
     stage = CASE WHEN supervision.closed_at IS NULL THEN COALESCE(supervision.stage, excluded.stage) ELSE excluded.stage END, \
     unit_id = CASE WHEN supervision.closed_at IS NULL THEN COALESCE(supervision.unit_id, excluded.unit_id) ELSE excluded.unit_id END, \
     reason = CASE WHEN supervision.closed_at IS NULL THEN COALESCE(supervision.reason, excluded.reason) ELSE excluded.reason END, \
     closed_at = NULL, times = supervision.times + 1";

fn pool_values(request: RequestId, enter: &PoolChange) -> Vec<Val> {
    let PoolChange::Enter {
        owner,
        stage,
        unit,
        at,
        reason,
    } = enter
    else {
        return Vec::new();
    };
    vec![
        Val::I(Some(request.0)),
        Val::I(owner.map(|u| u.0)),
        Val::S(stage.map(|s| s.as_str().into())),
        Val::I(unit.map(|u| u.0)),
        Val::S(reason.clone()),
        Val::I(Some(ms(*at))),
        Val::I(Some(1)),
    ]
}

/// The SQL condition "the worst band among the request's running clocks at `now` is
/// `band`", the band its list row shows (`now` is spliced as an integer, never text).
fn band_sql(band: Band, now: Instant) -> String {
    let t = format!("COALESCE(c.paused_at, {})", ms(now));
    // A clock is at least yellow from its yellow instant, and so on; red is strictly late.
    let at_least = |band: Band| match band {
        Band::Red => format!("{t} > c.deadline_at"),
        Band::Orange => format!("{t} >= c.orange_at"),
        Band::Yellow => format!("{t} >= c.yellow_at"),
        Band::Blue => "1 = 1".to_owned(),
    };
    let any = |condition: String| {
        format!(
            "EXISTS (SELECT 1 FROM clocks c WHERE c.request_id = r.id AND c.stopped_at IS NULL AND {condition})"
        )
    };
    let worse = match band {
        Band::Blue => Some(Band::Yellow),
        Band::Yellow => Some(Band::Orange),
        Band::Orange => Some(Band::Red),
        Band::Red => None,
    };
    match worse {
        Some(worse) => format!("{} AND NOT {}", any(at_least(band)), any(at_least(worse))),
        None => any(at_least(band)),
    }
}

async fn insert_policy(
    tx: &mut Transaction<'_, Any>,
    policy: NewPolicy,
    now: Instant,
) -> Result<Policy> {
    let limits: Vec<serde_json::Value> = policy
        .limits
        .iter()
        .map(|(stage, limit)| {
            serde_json::json!([stage.as_str(), limit.amount, limit.unit.as_str()])
        })
        .collect();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO policies (name, match_kind, match_category, match_urgency, limits, yellow, orange, accountable_days, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(&policy.name)
    .bind(policy.matches.kind.map(|k| k.as_str()))
    .bind(policy.matches.category.map(|c| c.0))
    .bind(policy.matches.urgency.map(|u| u.as_str()))
    .bind(serde_json::Value::Array(limits).to_string())
    .bind(policy.thresholds.yellow)
    .bind(policy.thresholds.orange)
    .bind(i64::from(policy.accountable_after))
    .bind(policy.created_by.map(|u| u.0))
    .bind(ms(now))
    .fetch_one(&mut **tx)
    .await?;
    Ok(Policy {
        id,
        name: policy.name,
        matches: policy.matches,
        limits: policy.limits,
        thresholds: policy.thresholds,
        accountable_after: policy.accountable_after,
    })
}

/// Clocks overdue within `[$1, $2)` and still open at `$2`: the deadline passed in the
/// window, the clock had not stopped by then, and it was not paused before its deadline.
const OVERDUE_AT_END: &str = "c.unit_id IS NOT NULL AND c.deadline_at >= $1 AND c.deadline_at < $2 \
    AND (c.stopped_at IS NULL OR c.stopped_at > $2) AND (c.paused_at IS NULL OR c.paused_at > c.deadline_at)";

/// The supervisors and how many open pool cases each owns, for picking an owner.
async fn supervisor_loads(tx: &mut Transaction<'_, Any>) -> Result<Vec<(UserId, i64)>> {
    let rows = sqlx::query(
        "SELECT DISTINCT g.user_id, (SELECT COUNT(*) FROM supervision s WHERE s.owner_id = g.user_id \
         AND s.closed_at IS NULL) AS n FROM grants g WHERE g.role = 'supervisor' ORDER BY g.user_id",
    )
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| Ok((UserId(r.try_get("user_id")?), r.try_get("n")?)))
        .collect()
}

/// One multi-row INSERT per chunk; values are bound, never spliced.
enum Val {
    I(Option<i64>),
    F(Option<f64>),
    S(Option<String>),
}

/// SQLite looks `$N` names up linearly while preparing a statement, which makes a
/// 30,000-parameter insert quadratic; anonymous `?` placeholders are bound by position.
async fn insert_rows(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Val>>,
    returning: Option<&str>,
) -> Result<Vec<AnyRow>> {
    let tail = returning.map(|r| format!(" RETURNING {r}"));
    insert_rows_tail(
        tx,
        backend,
        table,
        columns,
        rows,
        tail.as_deref(),
        returning.is_some(),
    )
    .await
}

/// Updates many rows with one statement per chunk: `rows[i][0]` is the key, the rest the
/// new values of `columns`. Both engines name a VALUES list's columns `column1…N`.
async fn update_rows(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    table: &str,
    key: &str,
    columns: &[&str],
    rows: Vec<Vec<Val>>,
) -> Result<()> {
    let width = columns.len() + 1;
    let per_chunk = (30_000 / width).max(1);
    let set = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = v.column{}", i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Val>> = rows.by_ref().take(per_chunk).collect();
        let mut values = String::new();
        let mut n = 0;
        for (r, _) in chunk.iter().enumerate() {
            if r > 0 {
                values.push(',');
            }
            values.push('(');
            for c in 0..width {
                if c > 0 {
                    values.push(',');
                }
                n += 1;
                match backend {
                    Backend::Sqlite => values.push('?'),
                    Backend::Postgres => values.push_str(&format!("${n}")),
                }
            }
            values.push(')');
        }
        let sql = format!(
            "UPDATE {table} SET {set} FROM (VALUES {values}) AS v WHERE {table}.{key} = v.column1"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            for value in row {
                query = match value {
                    Val::I(v) => query.bind(v),
                    Val::F(v) => query.bind(v),
                    Val::S(v) => query.bind(v),
                };
            }
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// `insert_rows` with a conflict clause after the values.
async fn insert_rows_then(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Val>>,
    tail: &str,
) -> Result<()> {
    insert_rows_tail(tx, backend, table, columns, rows, Some(tail), false).await?;
    Ok(())
}

async fn insert_rows_tail(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Val>>,
    tail: Option<&str>,
    fetch: bool,
) -> Result<Vec<AnyRow>> {
    let per_chunk = (30_000 / columns.len()).max(1);
    let mut rows = rows.into_iter().peekable();
    let mut out = Vec::new();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Val>> = rows.by_ref().take(per_chunk).collect();
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut n = 0;
        for (r, _) in chunk.iter().enumerate() {
            if r > 0 {
                sql.push(',');
            }
            sql.push('(');
            for c in 0..columns.len() {
                if c > 0 {
                    sql.push(',');
                }
                n += 1;
                match backend {
                    Backend::Sqlite => sql.push('?'),
                    Backend::Postgres => sql.push_str(&format!("${n}")),
                }
            }
            sql.push(')');
        }
        if let Some(tail) = tail {
            sql.push_str(tail);
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            for value in row {
                query = match value {
                    Val::I(v) => query.bind(v),
                    Val::F(v) => query.bind(v),
                    Val::S(v) => query.bind(v),
                };
            }
        }
        if fetch {
            out.extend(query.fetch_all(&mut **tx).await?);
        } else {
            query.execute(&mut **tx).await?;
        }
    }
    Ok(out)
}

impl SqlStore {
    pub async fn open(url: &str, now: Instant) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let offset = FixedOffset::east_opt(DISTRICT_OFFSET_SECONDS)
            .ok_or_else(|| StoreError::Corrupt("offset".into()))?;
        let (backend, read, write) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or(path);
            if path.is_empty() || path == ":memory:" {
                return Err(StoreError::BadUrl(url.to_owned()));
            }
            if let Some(parent) = std::path::Path::new(path).parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent)
                    .map_err(|e| StoreError::Corrupt(format!("{}: {e}", parent.display())))?;
            }
            let full = format!("sqlite://{path}?mode=rwc");
            let pragmas = |options: AnyPoolOptions| {
                options.after_connect(|conn, _meta| {
                    Box::pin(async move {
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            // FULL: each commit is fsynced before it returns, so an
                            // acknowledged write survives power loss, not only kill -9.
                            "PRAGMA synchronous = FULL",
                            "PRAGMA busy_timeout = 10000",
                            "PRAGMA foreign_keys = ON",
                            "PRAGMA cache_size = -65536",
                        ] {
                            sqlx::query(pragma).execute(&mut *conn).await?;
                        }
                        Ok(())
                    })
                })
            };
            let write = pragmas(AnyPoolOptions::new().max_connections(1))
                .connect(&full)
                .await?;
            let read = pragmas(AnyPoolOptions::new().max_connections(4))
                .connect(&full)
                .await?;
            (Backend::Sqlite, read, write)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .connect(url)
                .await?;
            (Backend::Postgres, pool.clone(), pool)
        } else {
            return Err(StoreError::BadUrl(url.to_owned()));
        };
        migrate::run(&write, backend, ms(now)).await?;
        let inner = Arc::new(Inner {
            backend,
            read,
            write,
            offset,
        });
        let writer = writer::spawn(inner.clone());
        Ok(SqlStore { inner, writer })
    }

    async fn user_rows(&self, rows: Vec<AnyRow>) -> Result<Vec<UserRow>> {
        let mut users = Vec::with_capacity(rows.len());
        for row in rows {
            let id = UserId(row.try_get("id")?);
            let grant_rows = sqlx::query(
                "SELECT role, unit_id, lines FROM grants WHERE user_id = $1 ORDER BY role, unit_id",
            )
            .bind(id.0)
            .fetch_all(&self.inner.read)
            .await?;
            let mut grants = Vec::new();
            for g in grant_rows {
                let role: String = g.try_get("role")?;
                grants.push(Grant {
                    role: word("role", &role, Role::parse)?,
                    unit: UnitId(g.try_get("unit_id")?),
                    lines: split_words(&g.try_get::<String, _>("lines")?),
                });
            }
            users.push(UserRow {
                id,
                username: row.try_get("username")?,
                display_name: row.try_get("display_name")?,
                password_hash: row.try_get("password_hash")?,
                unit: UnitId(row.try_get("unit_id")?),
                grants,
            });
        }
        Ok(users)
    }

    async fn insert_user(
        &self,
        tx: &mut Transaction<'_, Any>,
        user: &NewUser,
        now: Instant,
    ) -> Result<UserId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, password_hash, unit_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(&user.password_hash)
        .bind(user.unit.0)
        .bind(ms(now))
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| if is_unique_violation(&e) { StoreError::UsernameTaken(user.username.clone()) } else { e.into() })?;
        for grant in &user.grants {
            sqlx::query("INSERT INTO grants (user_id, role, unit_id, lines) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(grant.role.as_str())
                .bind(grant.unit.0)
                .bind(grant.lines.join(","))
                .execute(&mut **tx)
                .await?;
        }
        Ok(UserId(id))
    }

    async fn insert_unit(
        &self,
        tx: &mut Transaction<'_, Any>,
        unit: &NewUnit,
        now: Instant,
    ) -> Result<UnitRow> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO units (name, kind, parent_id, lines, geometry, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&unit.name)
        .bind(unit.kind.as_str())
        .bind(unit.parent.map(|p| p.0))
        .bind(unit.lines.join(","))
        .bind(unit.geometry.clone())
        .bind(ms(now))
        .fetch_one(&mut **tx)
        .await?;
        Ok(UnitRow {
            id: UnitId(id),
            name: unit.name.clone(),
            kind: unit.kind,
            parent: unit.parent,
            lines: unit.lines.clone(),
            geometry: unit.geometry.clone(),
        })
    }
}

fn visibility_sql(visibility: &Visibility) -> Option<String> {
    match visibility {
        Visibility::All => None,
        Visibility::Units {
            any,
            handling,
            lines,
        } => {
            let mut alternatives = Vec::new();
            if !any.is_empty() {
                alternatives.push(format!("ru.unit_id IN ({})", join_ids(any)));
            }
            if !handling.is_empty() {
                alternatives.push(format!(
                    "(ru.role = 'handler' AND ru.unit_id IN ({}))",
                    join_ids(handling)
                ));
            }
            if alternatives.is_empty() {
                return Some("1 = 0".into());
            }
            let mut clause = format!(
                "EXISTS (SELECT 1 FROM request_units ru WHERE ru.request_id = r.id AND ({}))",
                alternatives.join(" OR ")
            );
            if !lines.is_empty() {
                clause.push_str(&format!(
                    " AND (r.line IS NULL OR r.line IN ({}))",
                    quote_list(lines)
                ));
            }
            Some(clause)
        }
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.inner.backend
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.inner.read).await?;
        Ok(())
    }

    async fn create_unit(&self, unit: NewUnit, now: Instant) -> Result<UnitRow> {
        let mut tx = self.inner.write.begin().await?;
        let row = self.insert_unit(&mut tx, &unit, now).await?;
        tx.commit().await?;
        Ok(row)
    }

    async fn create_units(&self, units: Vec<NewUnit>, now: Instant) -> Result<Vec<UnitRow>> {
        let mut tx = self.inner.write.begin().await?;
        let mut rows = Vec::with_capacity(units.len());
        for unit in &units {
            rows.push(self.insert_unit(&mut tx, unit, now).await?);
        }
        tx.commit().await?;
        Ok(rows)
    }

    async fn list_units(&self, with_geometry: bool) -> Result<Vec<UnitRow>> {
        let columns = if with_geometry {
            "id, name, kind, parent_id, lines, geometry"
        } else {
            "id, name, kind, parent_id, lines"
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {columns} FROM units ORDER BY id"
        )))
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter()
            .map(|r| unit_from_row(r, with_geometry))
            .collect()
    }

    async fn create_user(&self, user: NewUser, now: Instant) -> Result<UserRow> {
        let mut tx = self.inner.write.begin().await?;
        let id = self.insert_user(&mut tx, &user, now).await?;
        tx.commit().await?;
        Ok(UserRow {
            id,
            username: user.username,
            display_name: user.display_name,
            password_hash: user.password_hash,
            unit: user.unit,
            grants: user.grants,
        })
    }

    async fn create_users(&self, users: Vec<NewUser>, now: Instant) -> Result<usize> {
        let mut tx = self.inner.write.begin().await?;
        for user in &users {
            self.insert_user(&mut tx, user, now).await?;
        }
        tx.commit().await?;
        Ok(users.len())
    }

    async fn find_user(&self, username: &str) -> Result<Option<UserRow>> {
        let rows = sqlx::query("SELECT id, username, display_name, password_hash, unit_id FROM users WHERE username = $1")
            .bind(username)
            .fetch_all(&self.inner.read)
            .await?;
        Ok(self.user_rows(rows).await?.pop())
    }

    async fn get_user(&self, id: UserId) -> Result<Option<UserRow>> {
        let rows = sqlx::query(
            "SELECT id, username, display_name, password_hash, unit_id FROM users WHERE id = $1",
        )
        .bind(id.0)
        .fetch_all(&self.inner.read)
        .await?;
        Ok(self.user_rows(rows).await?.pop())
    }

    async fn list_users(&self, offset: i64, limit: i64) -> Result<(Vec<UserRow>, i64)> {
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.inner.read)
            .await?;
        let rows = sqlx::query(
            "SELECT id, username, display_name, password_hash, unit_id FROM users ORDER BY id LIMIT $1 OFFSET $2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.inner.read)
        .await?;
        Ok((self.user_rows(rows).await?, total))
    }

    async fn count_admins(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(DISTINCT user_id) FROM grants WHERE role = 'admin'")
                .fetch_one(&self.inner.read)
                .await?,
        )
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: Instant,
        expires: Instant,
    ) -> Result<()> {
        let mut tx = self.inner.write.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(ms(now))
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(user.0)
            .bind(ms(now))
            .bind(ms(expires))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn end_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.inner.write)
            .await?;
        Ok(())
    }

    async fn session_user(
        &self,
        token_hash: &str,
        now: Instant,
    ) -> Result<Option<(UserRow, Instant)>> {
        let rows = sqlx::query(
            "SELECT u.id, u.username, u.display_name, u.password_hash, u.unit_id, s.expires_at FROM sessions s \
             JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(ms(now))
        .fetch_all(&self.inner.read)
        .await?;
        let Some(expires) = rows
            .first()
            .map(|r| r.try_get::<i64, _>("expires_at"))
            .transpose()?
        else {
            return Ok(None);
        };
        Ok(self
            .user_rows(rows)
            .await?
            .pop()
            .map(|u| Ok::<_, StoreError>((u, instant(expires)?)))
            .transpose()?)
    }

    async fn create_category(&self, category: NewCategory) -> Result<CategoryRow> {
        let id: i64 =
            sqlx::query_scalar("INSERT INTO categories (code, name, parent_id, line) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(&category.code)
                .bind(&category.name)
                .bind(category.parent.map(|p| p.0))
                .bind(category.line.clone())
                .fetch_one(&self.inner.write)
                .await
                .map_err(|e| if is_unique_violation(&e) { StoreError::Duplicate(category.code.clone()) } else { e.into() })?;
        Ok(CategoryRow {
            id: CategoryId(id),
            code: category.code,
            name: category.name,
            parent: category.parent,
            line: category.line,
        })
    }

    async fn list_categories(&self) -> Result<Vec<CategoryRow>> {
        let rows =
            sqlx::query("SELECT id, code, name, parent_id, line FROM categories ORDER BY id")
                .fetch_all(&self.inner.read)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(CategoryRow {
                    id: CategoryId(r.try_get("id")?),
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    parent: r.try_get::<Option<i64>, _>("parent_id")?.map(CategoryId),
                    line: r.try_get("line")?,
                })
            })
            .collect()
    }

    async fn create_routing_rule(&self, rule: NewRoutingRule) -> Result<RoutingRule> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO routing_rules (category_id, area_id, unit_id, basis) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(rule.category.0)
        .bind(rule.area.map(|a| a.0))
        .bind(rule.unit.0)
        .bind(rule.basis.as_str())
        .fetch_one(&self.inner.write)
        .await?;
        Ok(RoutingRule {
            id,
            category: rule.category,
            area: rule.area,
            unit: rule.unit,
            basis: rule.basis,
        })
    }

    async fn list_routing_rules(&self) -> Result<Vec<RoutingRule>> {
        let rows = sqlx::query(
            "SELECT id, category_id, area_id, unit_id, basis FROM routing_rules ORDER BY id",
        )
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter()
            .map(|r| {
                let basis: String = r.try_get("basis")?;
                Ok(RoutingRule {
                    id: r.try_get("id")?,
                    category: CategoryId(r.try_get("category_id")?),
                    area: r.try_get::<Option<i64>, _>("area_id")?.map(UnitId),
                    unit: UnitId(r.try_get("unit_id")?),
                    basis: word("basis", &basis, Basis::parse)?,
                })
            })
            .collect()
    }

    async fn set_cancel_reasons(&self, reasons: Vec<CancelReason>) -> Result<()> {
        let mut tx = self.inner.write.begin().await?;
        sqlx::query("DELETE FROM cancel_reasons")
            .execute(&mut *tx)
            .await?;
        for reason in reasons {
            sqlx::query("INSERT INTO cancel_reasons (code, label) VALUES ($1, $2)")
                .bind(reason.code)
                .bind(reason.label)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn create_policy(&self, policy: NewPolicy, now: Instant) -> Result<Policy> {
        let mut tx = self.inner.write.begin().await?;
        let created = insert_policy(&mut tx, policy, now).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn supersede_policy(&self, id: i64, policy: NewPolicy, now: Instant) -> Result<Policy> {
        let mut tx = self.inner.write.begin().await?;
        let current: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM policies WHERE id = $1 AND superseded_by IS NULL{}",
            self.inner.lock_suffix()
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if current.is_none() {
            return Err(StoreError::NotFound);
        }
        let created = insert_policy(&mut tx, policy, now).await?;
        sqlx::query("UPDATE policies SET superseded_by = $1 WHERE id = $2")
            .bind(created.id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn list_policies(&self) -> Result<Vec<Policy>> {
        let rows = sqlx::query(
            "SELECT id, name, match_kind, match_category, match_urgency, limits, yellow, orange, accountable_days FROM policies \
             WHERE superseded_by IS NULL ORDER BY id",
        )
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter().map(policy_from_row).collect()
    }

    async fn list_cancel_reasons(&self) -> Result<Vec<CancelReason>> {
        let rows = sqlx::query("SELECT code, label FROM cancel_reasons ORDER BY code")
            .fetch_all(&self.inner.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(CancelReason {
                    code: r.try_get("code")?,
                    label: r.try_get("label")?,
                })
            })
            .collect()
    }

    async fn create_request(&self, case: NewCase) -> Result<Created> {
        let (tx, rx) = oneshot::channel();
        self.writer
            .send(Job::Intake(Box::new(case), tx))
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
        let mut clauses: Vec<String> = Vec::new();
        let mut texts: Vec<String> = Vec::new();
        let mut ints: Vec<i64> = Vec::new();
        // Text binds first ($1…), then integer binds, then limit and offset.
        if let Some(state) = &filter.state {
            texts.push(state.clone());
            clauses.push(format!("r.state = ${}", texts.len()));
        }
        if !filter.states.is_empty() {
            let mut marks = Vec::new();
            for state in &filter.states {
                texts.push(state.clone());
                marks.push(format!("${}", texts.len()));
            }
            clauses.push(format!("r.state IN ({})", marks.join(", ")));
        }
        if filter.pending_extension {
            clauses.push("r.pending_extension IS NOT NULL".to_owned());
        }
        if let Some(kind) = &filter.kind {
            texts.push(kind.clone());
            clauses.push(format!("r.kind = ${}", texts.len()));
        }
        if let Some(phone) = &filter.caller_phone {
            texts.push(phone.clone());
            clauses.push(format!("r.caller_phone = ${}", texts.len()));
        }
        let mut int_clauses = Vec::new();
        if let Some(unit) = filter.lead_unit {
            ints.push(unit.0);
            int_clauses.push(("r.lead_unit_id", ints.len()));
        }
        if let Some(category) = filter.category {
            ints.push(category.0);
            int_clauses.push(("r.category_id", ints.len()));
        }
        for (column, index) in int_clauses {
            clauses.push(format!("{column} = ${}", texts.len() + index));
        }
        if let Some(v) = visibility_sql(visibility) {
            clauses.push(v);
        }
        if let Some((band, now)) = filter.band {
            clauses.push(band_sql(band, now));
        }
        let where_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        // Counting a million matches costs more than the page itself; past the cap the
        // caller reports a lower bound.
        let count_sql = match filter.count_cap {
            Some(cap) => format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM requests r{where_sql} LIMIT {}) capped",
                cap + 1
            ),
            None => format!("SELECT COUNT(*) FROM requests r{where_sql}"),
        };
        let n = texts.len() + ints.len();
        let order = if filter.by_deadline {
            "COALESCE((SELECT MIN(c.deadline_at) FROM clocks c WHERE c.request_id = r.id AND c.stopped_at IS NULL), 9223372036854775807), r.id"
        } else {
            "r.created_at DESC, r.id DESC"
        };
        let list_sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM requests r{where_sql} ORDER BY {order} LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        // Not prepared: a cached generic plan would estimate `state = $1` as an average
        // state, while one state (closed) holds most rows, and pick a full bitmap scan.
        let mut count =
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql.clone())).persistent(false);
        let mut list = sqlx::query(sqlx::AssertSqlSafe(list_sql.clone())).persistent(false);
        for t in &texts {
            count = count.bind(t.clone());
            list = list.bind(t.clone());
        }
        for i in &ints {
            count = count.bind(*i);
            list = list.bind(*i);
        }
        list = list.bind(filter.limit).bind(filter.offset);
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

    async fn apply(&self, serial: &str, now: Instant, decide: Decide) -> Result<Loaded> {
        let mut tx = self.inner.write.begin().await?;
        let loaded = self
            .inner
            .load(&mut tx, serial)
            .await?
            .ok_or(StoreError::NotFound)?;
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
            .ok_or(StoreError::NotFound)?;
        let b = self
            .inner
            .load(&mut tx, second)
            .await?
            .ok_or(StoreError::NotFound)?;
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

    async fn audit(&self, entries: Vec<AuditEntry>) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let (tx, rx) = oneshot::channel();
        self.writer
            .send(Job::Audit(entries, tx))
            .await
            .map_err(|_| StoreError::WriterGone)?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    async fn audit_log(&self, offset: i64, limit: i64) -> Result<(Vec<AuditEntry>, i64)> {
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(&self.inner.read)
            .await?;
        let rows = sqlx::query("SELECT at, user_id, action, target, detail FROM audit_log ORDER BY id DESC LIMIT $1 OFFSET $2")
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.inner.read)
            .await?;
        let entries = rows
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: instant(r.try_get("at")?)?,
                    user: r.try_get::<Option<i64>, _>("user_id")?.map(UserId),
                    action: r.try_get("action")?,
                    target: r.try_get("target")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((entries, total))
    }

    async fn running_clocks(&self, ids: &[RequestId]) -> Result<Vec<(RequestId, Clock)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = ids
            .iter()
            .map(|i| i.0.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CLOCK_COLUMNS} FROM clocks c WHERE c.request_id IN ({list}) AND c.stopped_at IS NULL ORDER BY c.id"
        )))
        .fetch_all(&self.inner.read)
        .await?;
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
                    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
                    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                        "SELECT id FROM requests WHERE id IN ({list}) ORDER BY id FOR UPDATE SKIP LOCKED"
                    )))
                    .fetch_all(&mut *tx)
                    .await?
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
        let mut clauses = Vec::new();
        if let Some(units) = &filter.units {
            if units.is_empty() {
                return Ok((Vec::new(), 0));
            }
            clauses.push(format!("n.unit_id IN ({})", join_ids(units)));
        }
        if filter.kind.is_some() {
            clauses.push("n.kind = $1".to_owned());
        }
        if filter.unread {
            clauses.push("n.read_at IS NULL".to_owned());
        }
        let where_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        let n = usize::from(filter.kind.is_some());
        let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM notices n{where_sql}"
        )));
        let mut list = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{NOTICE_SELECT}{where_sql} ORDER BY n.at DESC, n.id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        )));
        if let Some(kind) = &filter.kind {
            count = count.bind(kind.clone());
            list = list.bind(kind.clone());
        }
        let total = count.fetch_one(&self.inner.read).await?;
        let rows = list
            .bind(filter.limit)
            .bind(filter.offset)
            .fetch_all(&self.inner.read)
            .await?;
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
        .ok_or(StoreError::NotFound)?;
        notice_from_row(&row)
    }

    async fn supervision_pool(
        &self,
        filter: &PoolFilter,
        visibility: &Visibility,
    ) -> Result<(Vec<PoolRow>, i64)> {
        let mut clauses = Vec::new();
        if !filter.include_closed {
            clauses.push("s.closed_at IS NULL".to_owned());
        }
        if let Some(owner) = filter.owner {
            clauses.push(format!("s.owner_id = {}", owner.0));
        }
        if let Some(request) = filter.request {
            clauses.push(format!("s.request_id = {}", request.0));
        }
        if let Some(v) = visibility_sql(visibility) {
            clauses.push(v);
        }
        let where_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        // One request's entry (a detail view) needs no count.
        let total: i64 = if filter.request.is_some() {
            -1
        } else {
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM supervision s JOIN requests r ON r.id = s.request_id{where_sql}"
            )))
            .fetch_one(&self.inner.read)
            .await?
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS}, s.owner_id, u.username AS owner_username, s.stage AS pool_stage, \
             s.unit_id AS pool_unit, s.reason AS pool_reason, s.since, s.closed_at, s.times \
             FROM supervision s JOIN requests r ON r.id = s.request_id LEFT JOIN users u ON u.id = s.owner_id{where_sql} \
             ORDER BY s.since, s.request_id LIMIT $1 OFFSET $2"
        )))
        .bind(filter.limit)
        .bind(filter.offset)
        .fetch_all(&self.inner.read)
        .await?;
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
        pending_only: bool,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<SampleRow>, i64)> {
        let where_sql = if pending_only {
            " WHERE m.done_at IS NULL"
        } else {
            ""
        };
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM samples m{where_sql}"
        )))
        .fetch_one(&self.inner.read)
        .await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS}, m.drawn_at, m.done_at, m.done_by, m.rating AS sample_rating, \
             m.citizen_resolved AS sample_resolved, m.note AS sample_note \
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
                })
            })
            .collect::<Result<_>>()?;
        Ok((rows, total))
    }

    async fn fact_requests(
        &self,
        unit: UnitId,
        metric: &str,
        from: Instant,
        to: Instant,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<RequestRow>, i64)> {
        let facts = "SELECT f.request_id FROM facts f WHERE f.unit_id = $1 AND f.metric = $2 AND f.at >= $3 AND f.at < $4";
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

    async fn official_days(&self) -> Result<Vec<OfficialDayRow>> {
        let rows = sqlx::query("SELECT day, kind, name FROM official_days ORDER BY day")
            .fetch_all(&self.inner.read)
            .await?;
        rows.iter()
            .map(|r| {
                let day: String = r.try_get("day")?;
                Ok(OfficialDayRow {
                    day: chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                        .map_err(|_| StoreError::Corrupt(format!("official day `{day}`")))?,
                    kind: r.try_get("kind")?,
                    name: r.try_get("name")?,
                })
            })
            .collect()
    }

    async fn add_official_days(
        &self,
        days: Vec<OfficialDayRow>,
        by: Option<UserId>,
        now: Instant,
    ) -> Result<()> {
        let mut tx = self.inner.write.begin().await?;
        for day in days {
            sqlx::query(
                "INSERT INTO official_days (day, kind, name, created_by, created_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, \
                 created_by = excluded.created_by, created_at = excluded.created_at",
            )
            .bind(day.day.format("%Y-%m-%d").to_string())
            .bind(day.kind)
            .bind(day.name)
            .bind(by.map(|u| u.0))
            .bind(ms(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
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

    async fn optimize(&self) -> Result<()> {
        let statements: &[&'static str] = match self.inner.backend {
            Backend::Sqlite => &["ANALYZE", "PRAGMA optimize"],
            Backend::Postgres => &[
                "VACUUM (ANALYZE) requests",
                "VACUUM (ANALYZE) events",
                "VACUUM (ANALYZE) request_units",
                // Without statistics the sweep's multi-row updates join 3 M clocks by hash.
                "VACUUM (ANALYZE) clocks",
                "VACUUM (ANALYZE) facts",
                "VACUUM (ANALYZE) notices",
            ],
        };
        for statement in statements {
            sqlx::query(*statement).execute(&self.inner.write).await?;
        }
        Ok(())
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

    async fn get_setting(&self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.inner.read)
                .await?,
        )
    }

    async fn init_setting(&self, key: &str, value: &str) -> Result<String> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(value)
        .execute(&self.inner.write)
        .await?;
        let stored: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.inner.write)
                .await?;
        stored.ok_or_else(|| StoreError::Corrupt(format!("setting {key} vanished")))
    }

    async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&self.inner.write)
            .await?;
        Ok(())
    }
}
