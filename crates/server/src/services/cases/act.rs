//! Lifecycle actions: an action and its arguments become a domain command, decided inside
//! the store's write transaction with its clock effects.

use std::sync::Arc;

use civicgrid_api::{ActionBody, ErrorCode, RequestOut};
use civicgrid_domain::clocks::{self};
use civicgrid_domain::lifecycle::{self, Action, Basis, Command, Ctx, Decision, Want};
use civicgrid_domain::org::Principal;
use civicgrid_domain::request::{Outcome, Platform, Rating, parse_word};
use civicgrid_domain::{Refusal, UnitId};
use civicgrid_store::{Loaded, StoreError};

use crate::error::{ApiError, ApiResult};
use crate::services::cases::propose;
use crate::services::cases::scope_of;
use crate::services::cases::view;
use crate::state::{AppState, Reference};

/// Adds to `decision` what it does to the request's clocks and supervision records, under
/// the policies and calendar this instance holds.
pub fn plan_effects(reference: &Reference, loaded: &Loaded, decision: &mut Decision) {
    let row = &loaded.row;
    let categories = reference.category_chain(row.category);
    let env = clocks::Env {
        policies: &reference.policies,
        calendars: &reference.calendars,
        org: &reference.org,
        kind: row.kind,
        categories: &categories,
        urgency: row.urgency,
        sample_per_mille: reference.appraisal.sample_per_mille,
        sample_salt: &reference.sample_salt,
        serial: &row.serial,
    };
    clocks::plan(&row.case, decision, &loaded.running_clocks(), &env);
}

pub(crate) fn need<'a, T>(value: &'a Option<T>, field: &str) -> ApiResult<&'a T> {
    value
        .as_ref()
        .ok_or_else(|| ApiError::field(field, "is required for this action"))
}

pub(crate) fn need_text(
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

/// Turns an action body into a domain command, naming missing or bad fields.
pub async fn command_for(
    state: &AppState,
    action: Action,
    body: &ActionBody,
) -> ApiResult<Command> {
    Ok(match action {
        Action::Answer => Command::Answer {
            reply: need_text(&body.reply, "reply", lifecycle::reply)?,
        },
        Action::Dispatch => Command::Dispatch {
            unit: UnitId(*need(&body.unit, "unit")?),
            assisting: body
                .assisting
                .clone()
                .unwrap_or_default()
                .into_iter()
                .map(UnitId)
                .collect(),
            basis: Basis::Manual,
        },
        Action::Accept => Command::Accept,
        Action::Contact => Command::Contact {
            note: lifecycle::note("note", body.note.as_deref())?,
        },
        Action::Return => Command::Return {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
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
        Action::Close => Command::Close {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::Cancel => {
            let code = need(&body.reason, "reason")?;
            let reasons = state.store.list_cancel_reasons().await?;
            let Some(known) = reasons.iter().find(|r| &r.code == code) else {
                let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
                return Err(ApiError::field(
                    "reason",
                    format!("must be one of: {}", codes.join(", ")),
                ));
            };
            let note = lifecycle::note("note", body.note.as_deref())?;
            let text = match note {
                Some(note) => format!("{}: {} — {note}", known.code, known.label),
                None => format!("{}: {}", known.code, known.label),
            };
            Command::Cancel { reason: text }
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
        Action::QualityCallback => {
            let (rating, resolved, note) = rating_args(body)?;
            Command::QualityCallback {
                rating,
                resolved,
                note,
            }
        }
        Action::Merge => return Err(ApiError::internal("merge is not a single-case command")),
    })
}

pub(crate) fn refusal_to_error(error: StoreError) -> ApiError {
    match error {
        StoreError::Refused(Refusal::Forbidden { action: "read" }) => {
            ApiError::new(ErrorCode::RequestNotFound)
        }
        other => other.into(),
    }
}

/// Performs `action` on the request `serial` as `principal`. Authorisation and the state
/// check both run inside the write transaction, on the values being changed.
pub async fn act(
    state: &Arc<AppState>,
    principal: &Principal,
    serial: &str,
    action: Action,
    body: ActionBody,
) -> ApiResult<RequestOut> {
    let serial = civicgrid_domain::serial::parse(serial)
        .map_err(|_| ApiError::new(ErrorCode::RequestNotFound))?;
    let now = state.now();
    if action == Action::Merge {
        let parent_raw = need(&body.parent, "parent")?;
        let parent = civicgrid_domain::serial::parse(parent_raw)?;
        let reference = state.reference();
        let org = reference.org.clone();
        let who = principal.clone();
        let decide: civicgrid_store::DecideMerge = Box::new(move |child, parent| {
            lifecycle::authorize(&who, Want::Read, &scope_of(child), &org)
                .map_err(|_| Refusal::Forbidden { action: "read" })?;
            lifecycle::authorize(&who, Want::Act(Action::Merge), &scope_of(child), &org)?;
            lifecycle::authorize(&who, Want::Read, &scope_of(parent), &org).map_err(|_| {
                Refusal::Invalid(civicgrid_domain::Invalid::new("parent", "no such request"))
            })?;
            let ctx = Ctx {
                org: &org,
                actor: who.actor(),
                now,
            };
            let (mut on_child, mut on_parent) = lifecycle::decide_merge(
                child.row.id,
                &child.row.case,
                parent.row.id,
                &parent.row.case,
                &ctx,
            )?;
            plan_effects(&reference, child, &mut on_child);
            plan_effects(&reference, parent, &mut on_parent);
            Ok((on_child, on_parent))
        });
        let loaded = state
            .store
            .merge(&serial, &parent, now, decide)
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => ApiError::field("parent", "no such request"),
                other => refusal_to_error(other),
            })?;
        return view(state, principal, &loaded).await;
    }
    let mut command = command_for(state, action, &body).await?;
    if let Command::Dispatch { unit, basis, .. } = &mut command {
        // Record whether the dispatcher followed the routing table or overrode it.
        let current = state.store.get_request(&serial).await?;
        if let Some(current) = current {
            let reference = state.reference();
            if let Some(p) = propose(&reference, current.row.category, current.row.area)
                && p.unit == *unit
            {
                *basis = p.basis;
            }
        }
    }
    let reference = state.reference();
    let who = principal.clone();
    let decide: civicgrid_store::Decide = Box::new(move |loaded| {
        let org = &reference.org;
        let scope = scope_of(loaded);
        lifecycle::authorize(&who, Want::Read, &scope, org)
            .map_err(|_| Refusal::Forbidden { action: "read" })?;
        lifecycle::authorize(&who, Want::Act(action), &scope, org)?;
        let ctx = Ctx {
            org,
            actor: who.actor(),
            now,
        };
        let mut decision = lifecycle::decide(&loaded.row.case, &command, &ctx)?;
        plan_effects(&reference, loaded, &mut decision);
        Ok(decision)
    });
    let loaded = state
        .store
        .apply(&serial, now, decide)
        .await
        .map_err(refusal_to_error)?;
    metrics::counter!("civicgrid_actions_total", "action" => action.as_str()).increment(1);
    view(state, principal, &loaded).await
}
