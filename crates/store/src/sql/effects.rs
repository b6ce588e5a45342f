//! Writing what a decision does beyond the request row: clock rows, notices, the
//! supervision pool, samples and the daily counters, as rows for the bulk statements.

use std::collections::BTreeMap;

use civicgrid_domain::clocks::PoolChange;
use civicgrid_domain::clocks::{Clock, Effects, InstructionChange, NoticeKind};
use civicgrid_domain::lifecycle::{Case, Event};
use civicgrid_domain::request::State;
use civicgrid_domain::{Instant, RequestId, UnitId, UserId};
use sqlx::{Any, Row, Transaction};

use super::dialect::{Sql, Val, insert_rows};
use super::rows::{join_ids, join_instructions, ms};

use crate::{Backend, Result};

/// What a case's pool changes leave behind, for a bulk insert: the last entry's owner and
/// reasons, since when it has been open (or when it closed), and how often it entered.
pub(super) struct PoolFinal {
    pub(super) owner: Option<UserId>,
    pub(super) stage: Option<String>,
    pub(super) unit: Option<UnitId>,
    pub(super) reason: Option<String>,
    pub(super) since: Instant,
    pub(super) closed_at: Option<Instant>,
    pub(super) times: i64,
}

pub(super) fn final_pool(changes: &[PoolChange]) -> Option<PoolFinal> {
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
pub(super) struct EffectRows {
    pub(super) clock_inserts: Vec<Vec<Val>>,
    pub(super) notices: Vec<Vec<Val>>,
    pub(super) facts: Vec<Vec<Val>>,
    pub(super) pools: Vec<Vec<Val>>,
    pub(super) samples: Vec<Vec<Val>>,
    pub(super) instructions: Vec<Vec<Val>>,
    /// Acknowledgements and reports of instructions given by an earlier move.
    pub(super) instruction_updates: Vec<(i64, InstructionChange)>,
    /// Requests with an instruction acknowledged or reported on: the notices that told
    /// their units are read with it.
    pub(super) instructions_answered: Vec<i64>,
    /// A unit took up the work it was told of on a request (`Effects::notices_read`).
    pub(super) notices_read: Vec<(i64, civicgrid_domain::clocks::NoticesRead)>,
}

pub(super) const INSTRUCTION_COLUMNS: &[&str] = &[
    "request_id",
    "number",
    "unit_id",
    "leader_id",
    "text",
    "working_days",
    "deadline_at",
    "given_at",
    "acknowledged_at",
    "acknowledged_by",
    "report",
    "reported_at",
    "reported_by",
];

pub(super) const NOTICE_COLUMNS: &[&str] = &[
    "request_id",
    "kind",
    "unit_id",
    "stage",
    "at",
    "due_at",
    "by_user",
    "text",
    "read_at",
    "read_by",
];
pub(super) const POOL_COLUMNS: &[&str] = &[
    "request_id",
    "owner_id",
    "stage",
    "unit_id",
    "reason",
    "since",
    "closed_at",
    "times",
];
pub(super) const SAMPLE_COLUMNS: &[&str] = &[
    "request_id",
    "drawn_at",
    "done_at",
    "done_by",
    "rating",
    "citizen_resolved",
    "note",
    "reopened",
    "falsified",
];

impl EffectRows {
    /// Adds the rows that are plain inserts: new clocks (all of them for a `whole` case,
    /// written at once: intake or a history import), notices and facts (with their rollup
    /// counters).
    pub(super) fn add_inserts(
        &mut self,
        request: i64,
        effects: &Effects,
        whole: bool,
        counts: &mut Counts,
        day: &dyn Fn(Instant) -> String,
    ) {
        for clock in &effects.clocks {
            if whole || clock.id == 0 {
                self.clock_inserts.push(clock_values(request, clock));
            }
        }
        for n in &effects.notices {
            // Read already when the same effects take the work up (an imported history).
            let read = effects
                .notices_read
                .iter()
                .find(|r| n.kind.is_word_of_work() && n.unit == Some(r.unit) && n.at <= r.at);
            self.notices.push(vec![
                Val::I(Some(request)),
                Val::S(Some(n.kind.as_str().into())),
                Val::I(n.unit.map(|u| u.0)),
                Val::S(n.stage.map(|s| s.as_str().into())),
                Val::I(Some(ms(n.at))),
                Val::I(Some(ms(n.due_at))),
                Val::I(n.by.map(|u| u.0)),
                Val::S(n.text.clone()),
                Val::I(read.map(|r| ms(r.at))),
                Val::I(read.and_then(|r| r.by.map(|u| u.0))),
            ]);
        }
        self.add_instructions(request, &effects.instructions);
        // A whole case's notices are all in its own effects (folded in above); a move's
        // reads also reach notices earlier moves wrote.
        if !whole {
            self.notices_read
                .extend(effects.notices_read.iter().map(|r| (request, *r)));
        }
        for f in &effects.facts {
            self.facts.push(vec![
                Val::I(Some(f.unit.0)),
                Val::S(Some(f.metric.clone())),
                Val::I(Some(ms(f.at))),
                Val::I(Some(request)),
            ]);
            counts.add(&day(f.at), "appraisal", f.unit.0, &f.metric);
            // The 12345 targets have their own small rollup, read month by month.
            if f.metric.starts_with("target_") {
                counts.add(&day(f.at), "targets", f.unit.0, &f.metric);
            }
        }
    }

    /// Instructions given by these effects become rows, with their acknowledgement and
    /// report when the same effects carry them (an imported history); the others update
    /// rows written by an earlier move.
    fn add_instructions(&mut self, request: i64, changes: &[InstructionChange]) {
        if changes
            .iter()
            .any(|c| !matches!(c, InstructionChange::Given { .. }))
        {
            self.instructions_answered.push(request);
        }
        let mut given: Vec<(u32, Vec<Val>)> = Vec::new();
        for change in changes {
            match change {
                InstructionChange::Given {
                    number,
                    unit,
                    by,
                    text,
                    working_days,
                    deadline,
                    at,
                } => given.push((
                    *number,
                    vec![
                        Val::I(Some(request)),
                        Val::I(Some(i64::from(*number))),
                        Val::I(Some(unit.0)),
                        Val::I(by.map(|u| u.0)),
                        Val::S(Some(text.clone())),
                        Val::I(working_days.map(i64::from)),
                        Val::I(deadline.map(ms)),
                        Val::I(Some(ms(*at))),
                        Val::I(None),
                        Val::I(None),
                        Val::S(None),
                        Val::I(None),
                        Val::I(None),
                    ],
                )),
                InstructionChange::Acknowledged { number, by, at } => {
                    match given.iter_mut().find(|(n, _)| n == number) {
                        Some((_, row)) => {
                            row[8] = Val::I(Some(ms(*at)));
                            row[9] = Val::I(by.map(|u| u.0));
                        }
                        None => self.instruction_updates.push((request, change.clone())),
                    }
                }
                InstructionChange::Reported {
                    number,
                    by,
                    report,
                    at,
                } => match given.iter_mut().find(|(n, _)| n == number) {
                    Some((_, row)) => {
                        row[10] = Val::S(Some(report.clone()));
                        row[11] = Val::I(Some(ms(*at)));
                        row[12] = Val::I(by.map(|u| u.0));
                    }
                    None => self.instruction_updates.push((request, change.clone())),
                },
            }
        }
        self.instructions
            .extend(given.into_iter().map(|(_, row)| row));
    }

    /// For bulk import: the pool and sample rows are inserted whole.
    pub(super) fn add_history(&mut self, request: i64, effects: &Effects) {
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
                Val::I(Some(done.map_or(0, |d| i64::from(d.reopened)))),
                Val::I(Some(done.map_or(0, |d| i64::from(d.falsified)))),
            ]);
        }
    }

    pub(super) async fn write(self, tx: &mut Transaction<'_, Any>, backend: Backend) -> Result<()> {
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
        insert_rows(
            tx,
            backend,
            "instructions",
            INSTRUCTION_COLUMNS,
            self.instructions,
            None,
        )
        .await?;
        for (request, change) in self.instruction_updates {
            update_instruction(tx, request, &change).await?;
        }
        // After the inserts, so an imported history reads the notices it wrote.
        for (request, read) in self.notices_read {
            let mut sql = Sql::new(backend, "UPDATE notices SET read_at = ");
            sql.value(ms(read.at))
                .push(", read_by = ")
                .value(read.by.map(|u| u.0))
                .push(" WHERE request_id = ")
                .value(request)
                .push(" AND unit_id = ")
                .value(read.unit.0)
                .push(" AND read_at IS NULL AND at <= ")
                .value(ms(read.at))
                .push(" AND kind IN ");
            word_of_work(&mut sql).query().execute(&mut **tx).await?;
        }
        if !self.instructions_answered.is_empty() {
            // Each instruction's notice (same request, unit and instant) is read when the
            // unit first acknowledged or reported, by whoever did.
            let answered = "FROM instructions i WHERE i.request_id = notices.request_id \
                AND i.unit_id = notices.unit_id AND i.given_at = notices.at";
            let mut sql = Sql::new(
                backend,
                "UPDATE notices SET read_at = (SELECT COALESCE(i.acknowledged_at, i.reported_at) ",
            );
            sql.push(answered)
                .push("), read_by = (SELECT COALESCE(i.acknowledged_by, i.reported_by) ")
                .push(answered)
                .push(") WHERE kind = 'instruct' AND read_at IS NULL AND request_id IN ")
                .list(self.instructions_answered)
                .push(" AND EXISTS (SELECT 1 ")
                .push(answered)
                .push(" AND (i.acknowledged_at IS NOT NULL OR i.reported_at IS NOT NULL))");
            sql.query().execute(&mut **tx).await?;
        }
        Ok(())
    }
}

/// `(…)` of the notice kinds that are word of new work (`NoticeKind::is_word_of_work`).
pub(super) fn word_of_work(sql: &mut Sql) -> &mut Sql {
    sql.list(
        NoticeKind::ALL
            .iter()
            .filter(|k| k.is_word_of_work())
            .map(|k| k.as_str()),
    )
}

/// An acknowledgement (the first stays) or a report on an instruction already stored.
async fn update_instruction(
    tx: &mut Transaction<'_, Any>,
    request: i64,
    change: &InstructionChange,
) -> Result<()> {
    let query = match change {
        InstructionChange::Given { .. } => return Ok(()),
        InstructionChange::Acknowledged { number, by, at } => sqlx::query(
            "UPDATE instructions SET acknowledged_at = $1, acknowledged_by = $2 \
             WHERE request_id = $3 AND number = $4 AND acknowledged_at IS NULL",
        )
        .bind(ms(*at))
        .bind(by.map(|u| u.0))
        .bind(request)
        .bind(i64::from(*number)),
        InstructionChange::Reported {
            number,
            by,
            report,
            at,
        } => sqlx::query(
            "UPDATE instructions SET report = $1, reported_at = $2, reported_by = $3 \
             WHERE request_id = $4 AND number = $5",
        )
        .bind(report.clone())
        .bind(ms(*at))
        .bind(by.map(|u| u.0))
        .bind(request)
        .bind(i64::from(*number)),
    };
    query.execute(&mut **tx).await?;
    Ok(())
}

/// Counters to add to `daily_counts`, summed before writing so a batch touches each row once.
#[derive(Default)]
pub(super) struct Counts(pub(super) BTreeMap<(String, &'static str, i64, String), i64>);

impl Counts {
    pub(super) fn add(&mut self, day: &str, dim: &'static str, key: i64, metric: &str) {
        *self
            .0
            .entry((day.to_owned(), dim, key, metric.to_owned()))
            .or_default() += 1;
    }

    /// Takes one away (a fact exempted by an approved appeal).
    pub(super) fn sub(&mut self, day: &str, dim: &'static str, key: i64, metric: &str) {
        *self
            .0
            .entry((day.to_owned(), dim, key, metric.to_owned()))
            .or_default() -= 1;
    }

    /// What an event adds: every event per day, per day and place (`area`: the grid or
    /// community the request lies in, 0 for none) and per day and handling unit; and when a
    /// request leaves the open backlog (`finish`: closed, cancelled, merged or transferred
    /// out) or comes back to it (`unfinish`), district-wide, per place and per lead unit, so
    /// the backlog of any past day, of the district or of a street, is a sum over the rollup.
    pub(super) fn event(
        &mut self,
        day: &str,
        event: &Event,
        lead: Option<UnitId>,
        area: Option<UnitId>,
    ) {
        let area = area.map_or(0, |u| u.0);
        let kind = event.kind.as_str();
        self.add(day, "all", 0, kind);
        self.add(day, "area", area, kind);
        let done = |s: State| s.is_final();
        let flow = match (event.from.map(done), done(event.to)) {
            (Some(false) | None, true) => Some("finish"),
            (Some(true), false) => Some("unfinish"),
            _ => None,
        };
        if let Some(flow) = flow {
            self.add(day, "all", 0, flow);
            self.add(day, "area", area, flow);
        }
        if let Some(unit) = lead.or(event.actor.unit) {
            self.add(day, "unit", unit.0, kind);
            if let Some(flow) = flow {
                self.add(day, "unit", unit.0, flow);
            }
        }
    }
}

/// The lifecycle columns of a request: written at insert after `INTAKE_COLUMNS`, and all
/// that `persist_many` changes afterwards.
pub(super) const CASE_COLUMNS: &[&str] = &[
    "state",
    "lead_unit_id",
    "assisting",
    "coordination",
    "convenor_id",
    "answered",
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
    "first_responder_id",
    "assigned_at",
    "dispatch_count",
    "complex",
    "important",
    "callback_attempts",
    "last_callback_attempt_at",
    "returned_by_id",
    "returned_from",
    "designated",
    "appeal_unit_id",
    "appeal_ground",
    "appeal_state",
    "repeats",
    "review_step",
    "cites",
    "summoned",
    "reported",
    "rated_units",
    "instructions",
    "event_count",
    "last_hash",
    "updated_at",
];

pub(super) fn case_values(
    case: &Case,
    event_count: i64,
    last_hash: &str,
    now: Instant,
) -> Vec<Val> {
    vec![
        Val::S(Some(case.state.as_str().into())),
        Val::I(case.lead.map(|u| u.0)),
        Val::S(Some(join_ids(&case.assisting))),
        Val::S(Some(join_ids(&case.coordination))),
        Val::I(case.convenor.map(|u| u.0)),
        Val::S(Some(join_ids(&case.answered))),
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
        Val::I(case.first_responder.map(|u| u.0)),
        Val::I(case.assigned_at.map(ms)),
        Val::I(Some(i64::from(case.dispatch_count))),
        Val::I(Some(i64::from(case.complex))),
        Val::I(Some(i64::from(case.important))),
        Val::I(Some(i64::from(case.callback_attempts))),
        Val::I(case.last_callback_attempt.map(ms)),
        Val::I(case.returned_by.map(|u| u.0)),
        Val::S(case.returned_from.map(|s| s.as_str().into())),
        Val::I(Some(i64::from(case.designated))),
        Val::I(case.appeal.map(|(u, _, _)| u.0)),
        Val::S(case.appeal.map(|(_, g, _)| g.as_str().into())),
        Val::S(case.appeal.map(|(_, _, s)| s.as_str().into())),
        Val::I(Some(i64::from(case.repeats))),
        Val::S(case.review.map(|s| s.as_str().into())),
        Val::S(case.cites.clone()),
        Val::S(Some(join_ids(&case.summoned))),
        Val::S(Some(join_ids(&case.reported))),
        Val::S(Some(join_ids(&case.rated_units))),
        Val::S(Some(join_instructions(&case.instructions))),
        Val::I(Some(event_count)),
        Val::S(Some(last_hash.to_owned())),
        Val::I(Some(ms(now))),
    ]
}

/// The columns of a clock that change after it starts.
pub(super) const CLOCK_UPDATE_COLUMNS: &[&str] = &[
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

pub(super) fn clock_update_values(clock: &Clock) -> Vec<Val> {
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

pub(super) const POOL_UPSERT_COLUMNS: &[&str] = &[
    "request_id",
    "owner_id",
    "stage",
    "unit_id",
    "reason",
    "since",
    "times",
];

/// An open entry keeps its owner, start and first cause; a closed one opens anew.
pub(super) const POOL_UPSERT: &str = " ON CONFLICT (request_id) DO UPDATE SET \
     owner_id = CASE WHEN supervision.closed_at IS NULL THEN COALESCE(supervision.owner_id, excluded.owner_id) ELSE excluded.owner_id END, \
     since = CASE WHEN supervision.closed_at IS NULL THEN supervision.since ELSE excluded.since END, \
     stage = CASE WHEN supervision.closed_at IS NULL THEN COALESCE(supervision.stage, excluded.stage) ELSE excluded.stage END, \
     unit_id = CASE WHEN supervision.closed_at IS NULL THEN COALESCE(supervision.unit_id, excluded.unit_id) ELSE excluded.unit_id END, \
     reason = CASE WHEN supervision.closed_at IS NULL THEN COALESCE(supervision.reason, excluded.reason) ELSE excluded.reason END, \
     closed_at = NULL, times = supervision.times + 1";

pub(super) fn pool_values(request: RequestId, enter: &PoolChange) -> Vec<Val> {
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

/// The supervisors and how many open pool cases each owns, for picking an owner.
pub(super) async fn supervisor_loads(tx: &mut Transaction<'_, Any>) -> Result<Vec<(UserId, i64)>> {
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

/// The columns a clock is born with; the columns that change later follow, as
/// `CLOCK_UPDATE_COLUMNS`.
pub(super) const CLOCK_FIXED_COLUMNS: &[&str] = &[
    "request_id",
    "stage",
    "policy_id",
    "calendar",
    "limit_amount",
    "limit_unit",
    "redo",
    "started_at",
];

pub(super) fn clock_values(request: i64, c: &Clock) -> Vec<Val> {
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
