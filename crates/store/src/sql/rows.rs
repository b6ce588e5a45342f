//! Reading rows: each table's column list and its mapping to the store's values, and the
//! conversions (instants as epoch milliseconds, id lists).

use std::str::FromStr;

use chrono::{DateTime, Utc};
use civicgrid_domain::clocks::Clock;
use civicgrid_domain::clocks::{ClockEnd, Step};
use civicgrid_domain::deadline::Policy;
use civicgrid_domain::deadline::{Limit, Stage, TimeUnit};
use civicgrid_domain::lifecycle::{
    AppealGround, AppealState, Case, Event, EventKind, Instruction, InstructionState, ReviewStep,
};
use civicgrid_domain::org::{Actor, UnitKind};
use civicgrid_domain::request::{Channel, Kind, Location, Outcome, Rating, State, Urgency};
use civicgrid_domain::{CategoryId, Instant, RequestId, UnitId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{DailyCount, EventRow, NoticeRow, RequestRow, Result, StoreError, UnitRow};

pub(super) fn ms(at: Instant) -> i64 {
    at.timestamp_millis()
}

pub(super) fn instant(ms: i64) -> Result<Instant> {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Corrupt(format!("bad time {ms}")))
}

pub(super) fn word<T>(column: &str, raw: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    parse(raw).ok_or_else(|| StoreError::Corrupt(format!("{column} has unknown value `{raw}`")))
}

pub(super) fn join_ids(ids: &[UnitId]) -> String {
    ids.iter()
        .map(|u| u.0.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

pub(super) fn split_ids(raw: &str) -> Result<Vec<UnitId>> {
    raw.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            i64::from_str(s)
                .map(UnitId)
                .map_err(|_| StoreError::Corrupt(format!("bad unit list `{raw}`")))
        })
        .collect()
}

/// A case's instructions as the request row keeps them: `unit:state`, in the order given.
pub(super) fn join_instructions(instructions: &[Instruction]) -> String {
    instructions
        .iter()
        .map(|i| format!("{}:{}", i.unit.0, i.state))
        .collect::<Vec<_>>()
        .join(",")
}

pub(super) fn split_instructions(raw: &str) -> Result<Vec<Instruction>> {
    raw.split(',')
        .filter(|s| !s.is_empty())
        .map(|item| {
            let (unit, state) = item.split_once(':').unwrap_or((item, ""));
            Ok(Instruction {
                unit: i64::from_str(unit)
                    .map(UnitId)
                    .map_err(|_| StoreError::Corrupt(format!("bad instruction list `{raw}`")))?,
                state: word("instructions", state, InstructionState::parse)?,
            })
        })
        .collect()
}

pub(super) fn split_words(raw: &str) -> Vec<String> {
    raw.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(super) fn detail_json(detail: &[(String, String)]) -> String {
    // An array of pairs keeps the order the hash chain was computed over.
    let pairs: Vec<serde_json::Value> = detail
        .iter()
        .map(|(k, v)| serde_json::json!([k, v]))
        .collect();
    serde_json::Value::Array(pairs).to_string()
}

pub(super) fn parse_detail(raw: &str) -> Result<Vec<(String, String)>> {
    let value: Vec<(String, String)> =
        serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("event detail: {e}")))?;
    Ok(value)
}

pub(super) const REQUEST_COLUMNS: &str = "r.id, r.serial, r.verify_code, r.channel, r.kind, r.urgency, r.category_id, r.line, \
    r.content, r.address, r.lat, r.lng, r.caller_name, r.caller_phone, r.caller_confidential, r.intake_id, r.area_id, r.intake_unit_id, r.created_by, \
    r.state, r.lead_unit_id, r.assisting, r.coordination, r.convenor_id, r.answered, r.pending_extension, r.extension_days, r.suspended_from, \
    r.parent_id, r.outcome, r.reply, r.proper_owner, r.rating, r.citizen_resolved, r.demand, r.redo_count, \
    r.return_count, r.first_responder_id, r.assigned_at, r.dispatch_count, r.complex, r.important, \
    r.callback_attempts, r.last_callback_attempt_at, r.returned_by_id, r.returned_from, r.designated, \
    r.appeal_unit_id, r.appeal_ground, r.appeal_state, r.repeats, r.review_step, r.cites, r.summoned, r.reported, r.rated_units, r.instructions, r.event_count, r.last_hash, r.created_at, r.updated_at";

pub(super) fn request_from_row(row: &AnyRow) -> Result<RequestRow> {
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
        convenor: opt_i64("convenor_id")?.map(UnitId),
        answered: split_ids(&text("answered")?)?,
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
        first_responder: opt_i64("first_responder_id")?.map(UnitId),
        assigned_at: opt_i64("assigned_at")?.map(instant).transpose()?,
        dispatch_count: row.try_get::<i64, _>("dispatch_count")? as u32,
        complex: row.try_get::<i64, _>("complex")? != 0,
        important: row.try_get::<i64, _>("important")? != 0,
        contact: opt_text("caller_phone")?.is_some(),
        callback_attempts: row.try_get::<i64, _>("callback_attempts")? as u32,
        last_callback_attempt: opt_i64("last_callback_attempt_at")?
            .map(instant)
            .transpose()?,
        returned_by: opt_i64("returned_by_id")?.map(UnitId),
        returned_from: opt_text("returned_from")?
            .map(|s| word("returned_from", &s, State::parse))
            .transpose()?,
        designated: row.try_get::<i64, _>("designated")? != 0,
        appeal: match (
            opt_i64("appeal_unit_id")?,
            opt_text("appeal_ground")?,
            opt_text("appeal_state")?,
        ) {
            (Some(unit), Some(ground), Some(state)) => Some((
                UnitId(unit),
                word("appeal_ground", &ground, AppealGround::parse)?,
                word("appeal_state", &state, AppealState::parse)?,
            )),
            _ => None,
        },
        repeats: row.try_get::<i64, _>("repeats")? as u32,
        review: opt_text("review_step")?
            .map(|s| word("review_step", &s, ReviewStep::parse))
            .transpose()?,
        cites: opt_text("cites")?,
        summoned: split_ids(&text("summoned")?)?,
        reported: split_ids(&text("reported")?)?,
        rated_units: split_ids(&text("rated_units")?)?,
        instructions: split_instructions(&text("instructions")?)?,
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
        caller_confidential: row.try_get::<i64, _>("caller_confidential")? != 0,
        intake: opt_i64("intake_id")?,
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

pub(super) fn policy_from_row(row: &AnyRow) -> Result<Policy> {
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
            channel: row
                .try_get::<Option<String>, _>("match_channel")?
                .map(|c| word("match_channel", &c, Channel::parse))
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

pub(super) const CLOCK_COLUMNS: &str = "c.id, c.request_id, c.stage, c.unit_id, c.policy_id, c.calendar, c.limit_amount, c.limit_unit, \
    c.redo, c.started_at, c.deadline_at, c.yellow_at, c.orange_at, c.accountable_at, c.paused_at, c.stopped_at, \
    c.outcome, c.step";

pub(super) fn clock_from_row(row: &AnyRow) -> Result<Clock> {
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

pub(super) fn notice_from_row(row: &AnyRow) -> Result<NoticeRow> {
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
pub(super) const NOTICE_SELECT: &str = "SELECT n.id, r.serial, n.kind, n.unit_id, n.stage, n.at, n.due_at, n.by_user, u.username, \
    n.text, n.read_at, v.username AS reader FROM notices n JOIN requests r ON r.id = n.request_id \
    LEFT JOIN users u ON u.id = n.by_user LEFT JOIN users v ON v.id = n.read_by";

pub(super) fn unit_from_row(row: &AnyRow, with_geometry: bool) -> Result<UnitRow> {
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
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        code: row.try_get("code")?,
        layer: row.try_get("layer")?,
    })
}

pub(super) fn event_from_row(row: &AnyRow) -> Result<EventRow> {
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
pub(super) fn event_of_row(row: &EventRow) -> Result<Event> {
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

pub(super) fn is_unique_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => {
            db.code()
                .is_some_and(|c| c == "23505" || c == "2067" || c == "1555")
                || db.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

pub(super) fn daily_count(row: &AnyRow, dim: &str, day: String) -> Result<DailyCount> {
    Ok(DailyCount {
        day,
        dim: dim.to_owned(),
        key: row.try_get("key")?,
        metric: row.try_get("metric")?,
        n: row.try_get("n")?,
    })
}
