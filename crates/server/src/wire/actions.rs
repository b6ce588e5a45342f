//! Lifecycle actions on the wire: an action word and its body become the move the
//! services perform, naming a missing or bad field. The page's action form fills the same
//! body, so both front doors spell an action's arguments one way.

use civicgrid_api::ActionBody;
use civicgrid_api::ErrorCode;
use civicgrid_domain::UnitId;
use civicgrid_domain::lifecycle::{self, Action, AppealGround, Basis, Command, NoCallback};
use civicgrid_domain::request::{Outcome, Platform, Rating, parse_word};

use crate::error::{ApiError, ApiResult};
use crate::services::cases::Move;

fn need<'a, T>(value: &'a Option<T>, field: &str) -> ApiResult<&'a T> {
    value
        .as_ref()
        .ok_or_else(|| ApiError::field(field, "is required for this action"))
}

fn need_text(
    value: &Option<String>,
    field: &str,
    parse: fn(&str, &str) -> Result<String, civicgrid_domain::Invalid>,
) -> ApiResult<String> {
    Ok(parse(field, need(value, field)?)?)
}

/// What a callback (the hub's or a supervisor's quality check) records: the citizen's
/// rating, their word on whether it is resolved, and a note.
pub(crate) fn rating_args(body: &ActionBody) -> ApiResult<(Rating, bool, Option<String>)> {
    Ok((
        parse_word(
            "rating",
            need(&body.rating, "rating")?,
            Rating::parse,
            Rating::words,
        )?,
        *need(&body.resolved, "resolved")?,
        lifecycle::note("note", body.note.as_deref())?,
    ))
}

fn units_of(ids: Option<&Vec<i64>>) -> Vec<UnitId> {
    ids.into_iter().flatten().copied().map(UnitId).collect()
}

pub fn move_for(action: Action, body: &ActionBody) -> ApiResult<Move> {
    Ok(Move::Command(match action {
        Action::Answer => Command::Answer {
            reply: need_text(&body.reply, "reply", lifecycle::reply)?,
        },
        Action::Dispatch => Command::Dispatch {
            unit: UnitId(*need(&body.unit, "unit")?),
            assisting: units_of(body.assisting.as_ref()),
            basis: Basis::Manual,
            complex: body.complex.unwrap_or(false),
            important: body.important.unwrap_or(false),
        },
        Action::Accept => Command::Accept,
        Action::Place => {
            let location = body
                .location
                .map(|l| civicgrid_domain::request::Location::parse(l.lat, l.lng))
                .transpose()?;
            if body.grid.as_deref().is_none_or(|g| g.trim().is_empty()) && location.is_none() {
                return Err(ApiError::field(
                    "grid",
                    "give the place code of the grid, or a location inside it",
                ));
            }
            return Ok(Move::Place {
                grid: body
                    .grid
                    .as_deref()
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .map(str::to_owned),
                location,
                address: body
                    .address
                    .as_deref()
                    .map(|a| civicgrid_domain::request::parse_text("address", a, 200))
                    .transpose()?,
            });
        }
        Action::Instruct => Command::Instruct {
            unit: body.unit.map(UnitId),
            text: need_text(&body.text, "text", lifecycle::reason)?,
            working_days: body.working_days,
        },
        Action::AcknowledgeInstruction => Command::AcknowledgeInstruction {
            number: body.instruction,
            note: lifecycle::note("note", body.note.as_deref())?,
        },
        Action::ReportInstruction => Command::ReportInstruction {
            number: body.instruction,
            report: need_text(&body.report, "report", lifecycle::reply)?,
        },
        Action::Contact => Command::Contact {
            note: lifecycle::note("note", body.note.as_deref())?,
        },
        Action::Return => Command::Return {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
            proper_owner: lifecycle::note("proper_owner", body.proper_owner.as_deref())?,
        },
        Action::RejectReturn => Command::RejectReturn {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        // The routing key it becomes a rule for is the request's own (`services::cases::act`).
        Action::Designate => Command::Designate {
            unit: UnitId(*need(&body.unit, "unit")?),
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
            rule: None,
        },
        Action::Transfer => Command::Transfer {
            unit: UnitId(*need(&body.unit, "unit")?),
            reason: lifecycle::note("reason", body.reason.as_deref())?,
        },
        Action::AssignDown => Command::AssignDown {
            unit: UnitId(*need(&body.unit, "unit")?),
        },
        Action::AssistReport => Command::AssistReport {
            unit: UnitId(*need(&body.unit, "unit")?),
            note: need_text(&body.note, "note", lifecycle::reason)?,
        },
        Action::Coordinate => Command::Coordinate {
            units: need(&body.units, "units")?
                .iter()
                .copied()
                .map(UnitId)
                .collect(),
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::AnswerCoordination => Command::AnswerCoordination {
            unit: UnitId(*need(&body.unit, "unit")?),
            opinion: need_text(&body.opinion, "opinion", lifecycle::reason)?,
            capacity: lifecycle::note("capacity", body.capacity.as_deref())?,
            owns: *need(&body.owns, "owns")?,
        },
        // The routing key a finding becomes a rule for is the request's own
        // (`services::cases::act`).
        Action::Agree => Command::Agree {
            unit: UnitId(*need(&body.unit, "unit")?),
            assisting: units_of(body.assisting.as_ref()),
            minutes: need_text(&body.minutes, "minutes", lifecycle::reason)?,
            make_rule: body.rule.unwrap_or(false),
            rule: None,
        },
        Action::Settle => Command::Settle {
            reply: need_text(&body.reply, "reply", lifecycle::reply)?,
            owner: UnitId(*need(&body.owner, "owner")?),
            minutes: need_text(&body.minutes, "minutes", lifecycle::reason)?,
            make_rule: body.rule.unwrap_or(false),
            rule: None,
        },
        Action::Summon => Command::Summon {
            units: units_of(Some(need(&body.units, "units")?)),
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::ReportOnSite => Command::ReportOnSite {
            unit: UnitId(*need(&body.unit, "unit")?),
            note: need_text(&body.note, "note", lifecycle::reason)?,
        },
        Action::RateResponse => Command::RateResponse {
            unit: UnitId(*need(&body.unit, "unit")?),
            rating: parse_word(
                "rating",
                need(&body.rating, "rating")?,
                Rating::parse,
                Rating::words,
            )?,
            note: lifecycle::note("note", body.note.as_deref())?,
        },
        Action::RequestExtension => Command::RequestExtension {
            working_days: *need(&body.working_days, "working_days")?,
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::ApproveExtension => Command::ApproveExtension,
        Action::RefuseExtension => Command::RefuseExtension {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::Suspend => Command::Suspend {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::Resume => Command::Resume,
        Action::Resolve => Command::Resolve {
            outcome: parse_word(
                "outcome",
                need(&body.outcome, "outcome")?,
                Outcome::parse,
                Outcome::words,
            )?,
            reply: need_text(&body.reply, "reply", lifecycle::reply)?,
            proper_owner: lifecycle::note("proper_owner", body.proper_owner.as_deref())?,
            cites: lifecycle::note("cites", body.cites.as_deref())?,
            // Whether the unit has a unit head to sign is the services' to look up.
            unit_head: false,
        },
        Action::SignReply => Command::SignReply {
            note: lifecycle::note("note", body.note.as_deref())?,
        },
        Action::ApproveReply => Command::ApproveReply {
            note: lifecycle::note("note", body.note.as_deref())?,
        },
        Action::SendBack => Command::SendBack {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::Callback => {
            let (rating, resolved, note) = rating_args(body)?;
            Command::Callback {
                rating,
                resolved,
                note,
            }
        }
        Action::Reopen => Command::Reopen {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::CallbackFailed => Command::CallbackFailed {
            note: lifecycle::note("note", body.note.as_deref())?,
        },
        Action::CallbackImpossible => Command::CallbackImpossible {
            cause: parse_word(
                "cause",
                need(&body.cause, "cause")?,
                NoCallback::parse,
                NoCallback::words,
            )?,
            note: lifecycle::note("note", body.note.as_deref())?,
        },
        Action::Close => {
            return Err(lifecycle::retired(action).map_or_else(
                || ApiError::new(ErrorCode::IllegalTransition),
                ApiError::from,
            ));
        }
        Action::Cancel => {
            return Ok(Move::Cancel {
                code: need(&body.reason, "reason")?.clone(),
                note: lifecycle::note("note", body.note.as_deref())?,
            });
        }
        Action::TransferOut => Command::TransferOut {
            platform: parse_word(
                "platform",
                need(&body.platform, "platform")?,
                Platform::parse,
                Platform::words,
            )?,
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::Remind => Command::Remind {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::Urge => Command::Urge {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::Supervise => Command::Supervise {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::HoldAccountable => Command::HoldAccountable {
            unit: body.unit.map(UnitId),
            finding: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::Appeal => Command::Appeal {
            ground: parse_word(
                "ground",
                need(&body.ground, "ground")?,
                AppealGround::parse,
                AppealGround::words,
            )?,
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::ApproveAppeal => Command::ApproveAppeal {
            note: lifecycle::note("note", body.note.as_deref())?,
        },
        Action::RefuseAppeal => Command::RefuseAppeal {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::QualityCallback => {
            let (rating, resolved, note) = rating_args(body)?;
            return Ok(Move::QualityCheck {
                rating,
                resolved,
                note,
                falsified: body.falsified.unwrap_or(false),
            });
        }
        Action::Repeat => {
            return Ok(Move::Repeat {
                parent: need(&body.parent, "parent")?.clone(),
            });
        }
        Action::Merge => {
            return Ok(Move::Merge {
                parent: need(&body.parent, "parent")?.clone(),
            });
        }
    }))
}
