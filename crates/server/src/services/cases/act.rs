//! Lifecycle actions: a move on a request (a domain command, a cancellation by reason code,
//! or a merge into a parent) decided inside the store's write transaction with its clock
//! effects. Every front door (API, pages, later exchange and Open311) enters here with a
//! `Move`, never with a wire body.

use std::sync::Arc;

use civicgrid_api::ErrorCode;
use civicgrid_domain::clocks::{self};
use civicgrid_domain::deadline::Subject;
use civicgrid_domain::lifecycle::{self, Action, Command, Ctx, Decision, Want};
use civicgrid_domain::org::Actor;
use civicgrid_domain::org::Principal;
use civicgrid_domain::request::{Channel, Kind, Rating, Urgency};
use civicgrid_domain::{CategoryId, Refusal};
use civicgrid_store::{Loaded, StoreError};

use crate::error::{ApiError, ApiResult};
use crate::services::cases::propose;
use crate::services::cases::scope_of;
use crate::state::{AppState, Reference};

/// Adds to `decision` what it does to the request's clocks and supervision records, under
/// the policies and calendar this instance holds.
pub fn plan_effects(reference: &Reference, loaded: &Loaded, decision: &mut Decision) {
    let row = &loaded.row;
    let categories = reference.category_chain(row.category);
    let env = clock_env(
        reference,
        &row.serial,
        (row.kind, row.urgency, row.channel),
        &categories,
        row.created_at,
    );
    clocks::plan(&row.case, decision, &loaded.running_clocks(), &env);
}

/// What the clock rules need to know of a request, under this instance's reference data.
pub(crate) fn clock_env<'a>(
    reference: &'a Reference,
    serial: &'a str,
    (kind, urgency, channel): (Kind, Urgency, Channel),
    categories: &'a [CategoryId],
    received_at: civicgrid_domain::Instant,
) -> clocks::Env<'a> {
    let rules = &reference.case_rules;
    let official = &reference.calendars.official;
    clocks::Env {
        policies: &reference.policies,
        calendars: &reference.calendars,
        org: &reference.org,
        subject: Subject {
            kind,
            categories,
            urgency,
            channel,
        },
        sample_per_mille: reference.appraisal.sample_per_mille,
        sample_salt: &reference.sample_salt,
        serial,
        rated: reference.appraisal.rates_satisfaction(categories),
        targets: Some((
            official.add_working_days(received_at, rules.target_response_days),
            official.add_working_days(received_at, rules.target_resolution_days),
        )),
    }
}

pub(crate) fn refusal_to_error(error: StoreError) -> ApiError {
    match error {
        StoreError::Refused(Refusal::Forbidden { action: "read" }) => {
            ApiError::new(ErrorCode::RequestNotFound)
        }
        other => other.into(),
    }
}

/// What a person asks of one request: a lifecycle command; a cancellation under one of
/// the district's non-acceptance reasons (looked up here, by its code); or a merge of the
/// request, as a duplicate, into the `parent` request.
#[derive(Debug, Clone, PartialEq)]
pub enum Move {
    Command(Command),
    Cancel {
        code: String,
        note: Option<String>,
    },
    Merge {
        parent: String,
    },
    /// The request repeats the answered request `parent` with no new facts.
    Repeat {
        parent: String,
    },
    /// A supervisor's quality callback; `falsified`: the citizen says the recorded callback
    /// never took place (whoever recorded it is looked up here, from the history).
    QualityCheck {
        rating: Rating,
        resolved: bool,
        note: Option<String>,
        falsified: bool,
    },
    /// The hub places the request: by the place code of its grid, or by a point (placed
    /// in the most specific polygon containing it).
    Place {
        grid: Option<String>,
        location: Option<civicgrid_domain::request::Location>,
        address: Option<String>,
    },
}

impl Move {
    /// The action this move performs.
    pub fn action(&self) -> Action {
        match self {
            Move::Command(command) => command.action(),
            Move::Cancel { .. } => Action::Cancel,
            Move::Merge { .. } => Action::Merge,
            Move::Repeat { .. } => Action::Repeat,
            Move::QualityCheck { .. } => Action::QualityCallback,
            Move::Place { .. } => Action::Place,
        }
    }
}

/// Who recorded the callback (or the "callback not possible") that closed the request.
async fn callback_recorder(state: &AppState, serial: &str) -> ApiResult<Actor> {
    let loaded = state
        .store
        .get_request(serial)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::RequestNotFound))?;
    let events = state.store.events(loaded.row.id).await?;
    events
        .iter()
        .rev()
        .find(|e| {
            e.kind == Action::Callback.as_str() || e.kind == Action::CallbackImpossible.as_str()
        })
        .map(|e| Actor {
            user: e.actor_user,
            unit: e.actor_unit,
        })
        .ok_or_else(|| {
            ApiError::field(
                "falsified",
                "no callback was recorded on this request to be found false",
            )
        })
}

/// The cancel command for a reason `code` of the district's list, with its label.
async fn cancellation(state: &AppState, code: &str, note: Option<String>) -> ApiResult<Command> {
    let reasons = state.store.list_cancel_reasons().await?;
    let Some(known) = reasons.iter().find(|r| r.code == code) else {
        let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
        return Err(ApiError::field(
            "reason",
            format!("must be one of: {}", codes.join(", ")),
        ));
    };
    let reason = match note {
        Some(note) => format!("{}: {} — {note}", known.code, known.label),
        None => format!("{}: {}", known.code, known.label),
    };
    Ok(Command::Cancel { reason })
}

/// Fills in what a command takes from the request itself, as loaded inside the write
/// transaction: the routing key a finding (a designation; an agreement when asked for)
/// becomes a rule for — the request's category in its street, none without a street, so a
/// finding never becomes a district-wide rule by accident — and whether a dispatch
/// followed the routing table's proposal or overrode it.
fn complete_from_request(command: &mut Command, loaded: &Loaded, reference: &Reference) {
    let row = &loaded.row;
    let key = || {
        let street = row.area.and_then(|a| {
            reference
                .org
                .enclosing(a, civicgrid_domain::org::UnitKind::Street)
        });
        row.category.zip(street).map(|(c, s)| (c, Some(s)))
    };
    match command {
        Command::Designate { rule, .. }
        | Command::Agree {
            rule,
            make_rule: true,
            ..
        }
        | Command::Settle {
            rule,
            make_rule: true,
            ..
        } => *rule = key(),
        Command::Dispatch { unit, basis, .. } => {
            if let Some(p) = propose(reference, row.category, row.area)
                && p.unit == *unit
            {
                *basis = p.basis;
            }
        }
        _ => {}
    }
}

/// The unit a `place` names: the one with the place code, else the most specific polygon
/// containing the point (a point outside every polygon is refused, named).
fn placed_area(
    reference: &crate::state::Reference,
    grid: Option<&str>,
    location: Option<civicgrid_domain::request::Location>,
) -> ApiResult<civicgrid_domain::UnitId> {
    if let Some(code) = grid {
        return reference
            .codes
            .unit(code)
            .ok_or_else(|| ApiError::field("grid", format!("no unit has the place code {code}")));
    }
    let at = location.ok_or_else(|| ApiError::field("location", "is required"))?;
    reference
        .places
        .place(at.lat, at.lng)
        .ok_or_else(|| ApiError::field("location", "lies outside every grid of the district"))
}

/// Performs `wanted` on the request `serial` as `principal` and returns the request as
/// stored after it. Authorisation and the state check both run inside the write
/// transaction, on the values being changed.
pub async fn act(
    state: &Arc<AppState>,
    principal: &Principal,
    serial: &str,
    wanted: Move,
) -> ApiResult<Loaded> {
    let serial = civicgrid_domain::serial::parse(serial)
        .map_err(|_| ApiError::new(ErrorCode::RequestNotFound))?;
    let action = wanted.action();
    let mut command = match wanted {
        Move::Command(command) => command,
        Move::Cancel { code, note } => cancellation(state, &code, note).await?,
        Move::Merge { parent } => {
            return merge(state, principal, &serial, &parent, Action::Merge).await;
        }
        Move::Repeat { parent } => {
            return merge(state, principal, &serial, &parent, Action::Repeat).await;
        }
        Move::Place {
            grid,
            location,
            address,
        } => Command::Place {
            area: placed_area(&state.reference(), grid.as_deref(), location)?,
            location,
            address,
        },
        Move::QualityCheck {
            rating,
            resolved,
            note,
            falsified,
        } => Command::QualityCallback {
            rating,
            resolved,
            note,
            falsified_by: if falsified {
                Some(callback_recorder(state, &serial).await?)
            } else {
                None
            },
        },
    };
    if let Command::Callback { .. } = &command {
        // A merged caller is called back once the request that answered for them resolved.
        if let Some(child) = state.store.get_request(&serial).await?
            && let Some(parent) = child.row.case.parent
            && let Some(parent) = state.store.get_request_by_id(parent).await?
        {
            lifecycle::merged_callback_due(&child.row.case, &parent.row.case)?;
        }
    }
    if let Command::Resolve { unit_head, .. } = &mut command
        && let Some(current) = state.store.get_request(&serial).await?
        && let Some(lead) = current.row.case.lead
    {
        // A unit with a unit head has every reply signed before the hub checks it.
        *unit_head = state
            .store
            .unit_has_role(lead, civicgrid_domain::org::Role::UnitHead)
            .await?;
    }
    let reference = state.reference();
    let now = state.now();
    let who = principal.clone();
    // A finding may add a routing rule in the same transaction.
    let finding = matches!(
        command,
        Command::Designate { .. }
            | Command::Agree {
                make_rule: true,
                ..
            }
            | Command::Settle {
                make_rule: true,
                ..
            }
    );
    let decide: civicgrid_store::Decide = Box::new(move |loaded| {
        let mut command = command;
        complete_from_request(&mut command, loaded, &reference);
        let org = &reference.org;
        let mut scope = scope_of(loaded);
        lifecycle::authorize(&who, Want::Read, &scope, org)
            .map_err(|_| Refusal::Forbidden { action: "read" })?;
        // An instruction is answered by the unit it is for, not by another instructed one.
        if let Command::AcknowledgeInstruction { number, .. }
        | Command::ReportInstruction { number, .. } = &command
        {
            let (_, unit) = lifecycle::waiting_instruction(&loaded.row.case, action, *number)?;
            scope.instructed = vec![unit];
        }
        lifecycle::authorize(&who, Want::Act(action), &scope, org)?;
        let ctx = Ctx {
            org,
            calendars: &reference.calendars,
            rules: &reference.case_rules,
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
    if finding {
        // The routing table changed in the same transaction; this instance reloads it now.
        state.reload().await?;
    }
    Ok(loaded)
}

/// Merges the request `serial`, as a duplicate, into `parent` (`Action::Merge`), or closes
/// it as a repeat of the answered `parent` (`Action::Repeat`): both change in one
/// transaction, each authorised on its own values.
async fn merge(
    state: &Arc<AppState>,
    principal: &Principal,
    serial: &str,
    parent: &str,
    action: Action,
) -> ApiResult<Loaded> {
    let parent = civicgrid_domain::serial::parse(parent)?;
    let now = state.now();
    let reference = state.reference();
    let org = reference.org.clone();
    let who = principal.clone();
    let decide: civicgrid_store::DecideMerge = Box::new(move |child, parent| {
        lifecycle::authorize(&who, Want::Read, &scope_of(child), &org)
            .map_err(|_| Refusal::Forbidden { action: "read" })?;
        lifecycle::authorize(&who, Want::Act(action), &scope_of(child), &org)?;
        lifecycle::authorize(&who, Want::Read, &scope_of(parent), &org).map_err(|_| {
            Refusal::Invalid(civicgrid_domain::Invalid::new("parent", "no such request"))
        })?;
        let ctx = Ctx {
            org: &org,
            calendars: &reference.calendars,
            rules: &reference.case_rules,
            actor: who.actor(),
            now,
        };
        let decide_pair: lifecycle::DecidePair = if action == Action::Repeat {
            lifecycle::decide_repeat
        } else {
            lifecycle::decide_merge
        };
        let (mut on_child, mut on_parent) = decide_pair(
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
        .merge(serial, &parent, now, decide)
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => ApiError::field("parent", "no such request"),
            other => refusal_to_error(other),
        })?;
    Ok(loaded)
}
