//! Reading one request as a given person may see it: visibility (404, not 403, for what
//! they may not read), masking and auditing personal data, the event history, the actions
//! this person may take, and a caller's earlier requests.

use civicgrid_api::ErrorCode;
use civicgrid_domain::Instant;
use civicgrid_domain::lifecycle::{self, Action, Scope, Want};
use civicgrid_domain::org::Principal;
use civicgrid_domain::request::{State, mask_name};
use civicgrid_domain::routing::Proposal;
use civicgrid_store::{Attachment, EventRow, ListFilter, Loaded, NoticeRow, PoolRow, Visibility};

use crate::error::{ApiError, ApiResult};
use crate::services::audit::record_reads;
use crate::services::cases::Listing;
use crate::services::cases::propose;
use crate::state::AppState;

/// The parent case of a merged duplicate, whose progress answers the duplicate's caller.
pub(crate) async fn parent_of(
    state: &AppState,
    case: &civicgrid_domain::lifecycle::Case,
) -> ApiResult<Option<Loaded>> {
    let Some(parent_id) = case.parent else {
        return Ok(None);
    };
    Ok(state.store.get_request_by_id(parent_id).await?)
}

/// The units a stored request is tied to, for authorisation.
pub fn scope_of(loaded: &Loaded) -> Scope {
    let row = &loaded.row;
    let mut handlers = loaded.handlers.clone();
    handlers.extend(row.case.coordination.iter().copied());
    Scope {
        lead: row.case.lead,
        assisting: row.case.assisting.clone(),
        handlers,
        places: row.area.into_iter().chain(row.intake_unit).collect(),
        line: row.line.clone(),
        convenor: row
            .case
            .convenor
            .filter(|_| !row.case.coordination.is_empty()),
        participants: row.case.coordination.clone(),
        summoned: row
            .case
            .summoned
            .iter()
            .filter(|u| !row.case.reported.contains(u))
            .copied()
            .collect(),
        instructed: row.case.instructed(),
        confidential: row.caller_confidential,
    }
}

/// Loads a request the principal may read; a request they may not see is "not found".
pub async fn load_visible(
    state: &AppState,
    principal: &Principal,
    serial: &str,
) -> ApiResult<Loaded> {
    let serial = civicgrid_domain::serial::parse(serial)
        .map_err(|_| ApiError::new(ErrorCode::RequestNotFound))?;
    let loaded = state
        .store
        .get_request(&serial)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::RequestNotFound))?;
    let org = state.org();
    lifecycle::authorize(principal, Want::Read, &scope_of(&loaded), &org)
        .map_err(|_| ApiError::new(ErrorCode::RequestNotFound))?;
    Ok(loaded)
}

/// What of the caller a person sees: in clear, or masked for roles without the right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerSeen {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub masked: bool,
    pub confidential: bool,
}

/// A request as one person may see it: the stored request, what they see of its caller,
/// and what its detail shows besides (the parent of a duplicate, the duplicates merged
/// into it, photos, its place in the supervision pool, notices, the routing proposal).
#[derive(Debug, Clone)]
pub struct CaseView {
    pub loaded: Loaded,
    pub caller: Option<CallerSeen>,
    /// Whether the reader may read this request's personal data (and its raw intake).
    pub reads_personal: bool,
    pub parent: Option<Loaded>,
    pub children: Vec<String>,
    /// Other requests split from the same intake.
    pub siblings: Vec<String>,
    pub attachments: Vec<Attachment>,
    pub supervision: Option<PoolRow>,
    pub notices: Vec<NoticeRow>,
    /// The routing table's proposal, for a request waiting to be dispatched.
    pub proposal: Option<Proposal>,
    /// Until when its unit may return it, while it may (dispatched or accepted).
    pub return_until: Option<Instant>,
    /// Why the last reviewer sent the reply back, while the unit works on it again.
    pub sent_back: Option<String>,
    /// The latest coordination order, for a request that has been coordinated.
    pub coordination: Option<super::Coordination>,
    /// Leaders' instructions on it, in the order given.
    pub instructions: Vec<civicgrid_store::InstructionRow>,
    /// The instant the view was taken; bands are shown as of it.
    pub now: Instant,
}

/// A request as `principal` may see it. Personal data is shown in clear only to roles with
/// the right, and every such read is recorded in the audit log before the answer leaves.
pub async fn view(state: &AppState, principal: &Principal, loaded: Loaded) -> ApiResult<CaseView> {
    let reference = state.reference();
    let org = &reference.org;
    let row = &loaded.row;
    let clear =
        lifecycle::authorize(principal, Want::ReadPersonal, &scope_of(&loaded), org).is_ok();
    let has_personal = row.caller_name.is_some() || row.caller_phone.is_some();
    let confidential = row.caller_confidential;
    let caller = has_personal.then(|| {
        if clear {
            CallerSeen {
                name: row.caller_name.clone(),
                phone: row.caller_phone.clone(),
                masked: false,
                confidential,
            }
        } else if confidential {
            // Not even the masked head and tail: a family name and seven digits are enough
            // to find the person a complaint is about to find its author.
            CallerSeen {
                name: None,
                phone: None,
                masked: true,
                confidential,
            }
        } else {
            CallerSeen {
                name: row.caller_name.as_deref().map(mask_name),
                phone: row
                    .caller_phone
                    .as_deref()
                    .and_then(|p| civicgrid_domain::request::Phone::parse(p).ok())
                    .map(|p| p.masked()),
                masked: true,
                confidential,
            }
        }
    });
    if clear && has_personal {
        let target = [row.serial.clone()];
        record_reads(
            state,
            principal,
            target,
            "caller name and phone in request detail",
        )
        .await?;
    }
    let parent = parent_of(state, &row.case).await?;
    let children = if row.case.demand > 1 || row.case.repeats > 0 {
        state.store.children(row.id).await?
    } else {
        Vec::new()
    };
    let pool_filter = civicgrid_store::PoolFilter {
        request: Some(row.id),
        limit: 1,
        ..Default::default()
    };
    // Independent reads: the reader pool answers them side by side.
    let intake = async {
        match row.intake {
            Some(id) => state.store.get_intake(id).await,
            None => Ok(None),
        }
    };
    let instructions = async {
        if row.case.instructions.is_empty() {
            Ok(Vec::new())
        } else {
            state.store.instructions_of(row.id).await
        }
    };
    let (attachments, pool, notices, intake, instructions) = tokio::try_join!(
        state.store.attachments(row.id),
        state.store.supervision_pool(&pool_filter, &Visibility::All),
        state.store.notices_of(row.id),
        intake,
        instructions,
    )?;
    let siblings = intake
        .map(|i| i.requests)
        .unwrap_or_default()
        .into_iter()
        .filter(|s| *s != row.serial)
        .collect();
    let awaiting_dispatch = matches!(row.case.state, State::Received | State::Returned);
    let proposal = awaiting_dispatch
        .then(|| propose(&reference, row.category, row.area))
        .flatten();
    let return_until = lifecycle::allowed_in(Action::Return, row.case.state)
        .then(|| case_ctx(&reference, principal, state.now()).return_window(&row.case))
        .flatten()
        .map(|(_, closes)| closes)
        .filter(|closes| *closes >= state.now());
    // The history is read only for what it alone tells: a coordination order, or the
    // reason a reply under rework was sent back.
    let rework = row.case.reply.is_some() && row.case.state.is_with_unit();
    let history = if row.case.convenor.is_some() || rework {
        state.store.events(row.id).await?
    } else {
        Vec::new()
    };
    let coordination = super::coordination_of(&history);
    let sent_back = rework
        .then(|| {
            history
                .iter()
                .rev()
                .take_while(|e| e.kind != Action::Resolve.as_str())
                .find(|e| e.kind == Action::SendBack.as_str())
                .and_then(|e| e.reason.clone())
        })
        .flatten();
    Ok(CaseView {
        sent_back,
        coordination,
        instructions,
        return_until,
        caller,
        reads_personal: clear,
        parent,
        children,
        siblings,
        attachments,
        supervision: pool.0.into_iter().next(),
        notices,
        proposal,
        now: state.now(),
        loaded,
    })
}

/// The events of a request `principal` may read, oldest first.
pub async fn events(
    state: &AppState,
    principal: &Principal,
    serial: &str,
) -> ApiResult<Vec<EventRow>> {
    let loaded = load_visible(state, principal, serial).await?;
    history(state, &loaded).await
}

/// The events of a request already loaded through `load_visible` (or `view`), oldest first.
pub async fn history(state: &AppState, loaded: &Loaded) -> ApiResult<Vec<EventRow>> {
    Ok(state.store.events(loaded.row.id).await?)
}

/// The actions `principal` may take on the request now: allowed in its state and by their
/// roles and units. Pages show exactly these buttons.
/// The numbers of the instructions waiting for `action` (an acknowledgement or a report)
/// that `principal` may answer: those for a unit they answer for.
pub fn instructions_for<'a>(
    principal: &'a Principal,
    action: Action,
    scope: &'a Scope,
    loaded: &'a Loaded,
    org: &'a civicgrid_domain::org::OrgTree,
) -> impl Iterator<Item = u32> + 'a {
    let waits = move |s: lifecycle::InstructionState| match action {
        Action::AcknowledgeInstruction => s == lifecycle::InstructionState::Open,
        _ => s != lifecycle::InstructionState::Reported,
    };
    loaded
        .row
        .case
        .instructions
        .iter()
        .enumerate()
        .filter(move |_| {
            matches!(
                action,
                Action::AcknowledgeInstruction | Action::ReportInstruction
            )
        })
        .filter(move |(_, i)| waits(i.state))
        .filter(move |(_, i)| {
            let one = Scope {
                instructed: vec![i.unit],
                ..scope.clone()
            };
            lifecycle::authorize(principal, Want::Act(action), &one, org).is_ok()
        })
        .map(|(index, _)| index as u32 + 1)
}

pub fn available_actions(state: &AppState, principal: &Principal, loaded: &Loaded) -> Vec<Action> {
    let reference = state.reference();
    let org = &reference.org;
    let scope = scope_of(loaded);
    let case_state = loaded.row.case.state;
    Action::ALL
        .iter()
        .copied()
        .filter(|a| lifecycle::allowed_in(*a, case_state))
        .filter(|a| lifecycle::authorize(principal, Want::Act(*a), &scope, org).is_ok())
        .filter(|a| match a {
            Action::ApproveExtension | Action::RefuseExtension => {
                loaded.row.case.pending_extension.is_some()
            }
            Action::RequestExtension => loaded.row.case.pending_extension.is_none(),
            Action::Appeal => loaded.row.case.appeal.is_none(),
            Action::SignReply => loaded.row.case.review == Some(lifecycle::ReviewStep::Sign),
            Action::ApproveReply => loaded.row.case.review == Some(lifecycle::ReviewStep::Check),
            Action::ReportOnSite => loaded
                .row
                .case
                .summoned
                .iter()
                .any(|u| !loaded.row.case.reported.contains(u)),
            // Only for an instruction waiting on a unit this person answers for.
            Action::AcknowledgeInstruction | Action::ReportInstruction => {
                instructions_for(principal, *a, &scope, loaded, org)
                    .next()
                    .is_some()
            }
            Action::RateResponse => loaded
                .row
                .case
                .summoned
                .iter()
                .any(|u| !loaded.row.case.rated_units.contains(u)),
            // A participant answers once.
            Action::AnswerCoordination => loaded
                .row
                .case
                .coordination
                .iter()
                .any(|u| !loaded.row.case.answered.contains(u)),
            Action::ApproveAppeal | Action::RefuseAppeal => matches!(
                loaded.row.case.appeal,
                Some((_, _, lifecycle::AppealState::Pending))
            ),
            // Past its window a unit cannot return the case; it asks for coordination.
            Action::Return => case_ctx(&reference, principal, state.now())
                .return_window(&loaded.row.case)
                .is_none_or(|(_, closes)| state.now() <= closes),
            _ => true,
        })
        .collect()
}

/// The rules' context for `principal` acting now.
pub(crate) fn case_ctx<'a>(
    reference: &'a crate::state::Reference,
    principal: &Principal,
    now: Instant,
) -> lifecycle::Ctx<'a> {
    lifecycle::Ctx {
        org: &reference.org,
        calendars: &reference.calendars,
        rules: &reference.case_rules,
        actor: principal.actor(),
        now,
    }
}

/// A raw intake record (the call as received, with its caller), for a reader who may read
/// the personal data of every request registered from it. Each read is audited, once per
/// request, so the personal-data audit of any of them shows it.
pub async fn read_intake(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> ApiResult<civicgrid_store::IntakeRow> {
    let not_found = || ApiError::with_message(ErrorCode::NotFound, "no such intake");
    let intake = state.store.get_intake(id).await?.ok_or_else(not_found)?;
    let org = state.org();
    for serial in &intake.requests {
        let loaded = state
            .store
            .get_request(serial)
            .await?
            .ok_or_else(not_found)?;
        let scope = scope_of(&loaded);
        if lifecycle::authorize(principal, Want::Read, &scope, &org).is_err() {
            return Err(not_found());
        }
        lifecycle::authorize(principal, Want::ReadPersonal, &scope, &org).map_err(|_| {
            ApiError::with_message(
                ErrorCode::Forbidden,
                "the raw intake holds the caller's personal data, which your roles do not read",
            )
        })?;
    }
    let detail = format!("raw intake record {id}");
    record_reads(state, principal, intake.requests.clone(), &detail).await?;
    Ok(intake)
}

/// A caller's earlier requests by phone number, newest first, for the operator who has
/// them on the line. Only roles that see personal data may look; each look is audited.
pub async fn caller_history(
    state: &AppState,
    principal: &Principal,
    phone: &str,
    rows: usize,
) -> ApiResult<Vec<Listing>> {
    let phone = civicgrid_domain::request::Phone::parse(phone)
        .map_err(|e| ApiError::field("caller.phone", e.message))?;
    // The list searched by phone: its service checks who may look callers up, records the
    // look-up and leaves out callers who asked to stay unknown from those who may not read
    // them (in the query, so the page is full).
    let filter = ListFilter {
        caller_phone: Some(phone.as_str().to_owned()),
        offset: 0,
        limit: rows as i64,
        count_cap: Some(rows as i64),
        ..Default::default()
    };
    Ok(crate::services::cases::list(state, principal, &filter)
        .await?
        .items)
}
