//! Reading one request as a given person may see it: visibility (404, not 403, for what
//! they may not read), masking and auditing personal data, the event history, the actions
//! this person may take, and a caller's earlier requests.

use std::collections::BTreeMap;

use civicgrid_api::{
    ActorOut, AttachmentOut, CallerOut, CategoryOut, ErrorCode, EventOut, LocationIn, ParentOut,
    RequestOut, RequestSummary, SupervisionOut,
};
use civicgrid_domain::clocks::{self};
use civicgrid_domain::lifecycle::{self, Action, Scope, Want};
use civicgrid_domain::org::Principal;
use civicgrid_domain::request::{State, mask_name};
use civicgrid_store::{AuditEntry, ListFilter, Loaded, Visibility};

use crate::error::{ApiError, ApiResult};
use crate::services::cases::propose;
use crate::services::cases::summaries;
use crate::services::cases::visibility;
use crate::state::AppState;
use crate::wire::cases::clock_out;
use crate::wire::cases::notice_out;
use crate::wire::cases::proposal_out;
use crate::wire::cases::unit_ref;

/// The parent case of a merged duplicate, whose progress answers the duplicate's caller.
pub(crate) async fn parent_of(
    state: &AppState,
    case: &civicgrid_domain::lifecycle::Case,
) -> ApiResult<Option<ParentOut>> {
    let Some(parent_id) = case.parent else {
        return Ok(None);
    };
    Ok(state
        .store
        .get_request_by_id(parent_id)
        .await?
        .map(|p| ParentOut {
            serial: p.row.serial,
            state: p.row.case.state.as_str().into(),
            outcome: p.row.case.outcome.map(|o| o.as_str().into()),
            reply: p.row.case.reply,
        }))
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

/// A request as `principal` may see it. Personal data is shown in clear only to roles with
/// the right, and every such read is recorded in the audit log before the answer leaves.
pub async fn view(
    state: &AppState,
    principal: &Principal,
    loaded: &Loaded,
) -> ApiResult<RequestOut> {
    let reference = state.reference();
    let org = &reference.org;
    let row = &loaded.row;
    let clear = lifecycle::authorize(principal, Want::ReadPersonal, &scope_of(loaded), org).is_ok();
    let has_personal = row.caller_name.is_some() || row.caller_phone.is_some();
    let caller = has_personal.then(|| {
        if clear {
            CallerOut {
                name: row.caller_name.clone(),
                phone: row.caller_phone.clone(),
                masked: false,
            }
        } else {
            CallerOut {
                name: row.caller_name.as_deref().map(mask_name),
                phone: row
                    .caller_phone
                    .as_deref()
                    .and_then(|p| civicgrid_domain::request::Phone::parse(p).ok())
                    .map(|p| p.masked()),
                masked: true,
            }
        }
    });
    if clear && has_personal {
        let entry = AuditEntry {
            at: state.now(),
            user: Some(principal.user),
            action: "read_personal_data".into(),
            target: row.serial.clone(),
            detail: "caller name and phone in request detail".into(),
        };
        state.store.audit(vec![entry]).await?;
    }
    let parent = parent_of(state, &row.case).await?;
    let children = if row.case.demand > 1 {
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
    let (attachments, pool, notices) = tokio::try_join!(
        state.store.attachments(row.id),
        state.store.supervision_pool(&pool_filter, &Visibility::All),
        state.store.notices_of(row.id),
    )?;
    let all_clocks = &loaded.clocks;
    let attachments = attachments
        .into_iter()
        .map(|a| AttachmentOut {
            id: a.id,
            content_type: a.content_type,
            size: a.size,
            sha256: a.sha256,
        })
        .collect();
    let now = state.now();
    let band = clocks::worst_band(all_clocks, now).map(|b| b.as_str().to_owned());
    let clocks_out = all_clocks
        .iter()
        .map(|c| clock_out(&reference, c, now))
        .collect();
    let supervision = pool.0.into_iter().next().map(|p| SupervisionOut {
        owner: p.owner_username,
        since: p.since,
        stage: p.stage,
        times: p.times,
    });
    let notices = notices.iter().map(|n| notice_out(org, n)).collect();
    let awaiting_dispatch = matches!(row.case.state, State::Received | State::Returned);
    let proposal = awaiting_dispatch
        .then(|| propose(&reference, row.category, row.area))
        .flatten();
    Ok(RequestOut {
        serial: row.serial.clone(),
        state: row.case.state.as_str().into(),
        channel: row.channel.as_str().into(),
        kind: row.kind.as_str().into(),
        urgency: row.urgency.as_str().into(),
        category: row
            .category
            .and_then(|c| reference.category(c))
            .map(|c| CategoryOut {
                id: c.id.0,
                code: c.code.clone(),
                name: c.name.clone(),
                parent: c.parent.map(|p| p.0),
                line: c.line.clone(),
            }),
        content: row.content.clone(),
        address: row.address.clone(),
        location: row.location.map(|l| LocationIn {
            lat: l.lat,
            lng: l.lng,
        }),
        caller,
        area: row.area.map(|a| unit_ref(org, a)),
        lead_unit: row.case.lead.map(|u| unit_ref(org, u)),
        assisting_units: row
            .case
            .assisting
            .iter()
            .map(|u| unit_ref(org, *u))
            .collect(),
        coordination_units: row
            .case
            .coordination
            .iter()
            .map(|u| unit_ref(org, *u))
            .collect(),
        outcome: row.case.outcome.map(|o| o.as_str().into()),
        reply: row.case.reply.clone(),
        proper_owner: row.case.proper_owner.clone(),
        rating: row.case.rating.map(|r| r.as_str().into()),
        citizen_says_resolved: row.case.citizen_says_resolved,
        pending_extension_days: row.case.pending_extension,
        extension_days: row.case.extension_days,
        demand: row.case.demand,
        redo_count: row.case.redo_count,
        return_count: row.case.return_count,
        parent,
        children,
        proposal: proposal.as_ref().map(|p| proposal_out(org, p)),
        attachments,
        clocks: clocks_out,
        band,
        supervision,
        notices,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

pub async fn events(
    state: &AppState,
    principal: &Principal,
    serial: &str,
) -> ApiResult<Vec<EventOut>> {
    let loaded = load_visible(state, principal, serial).await?;
    let rows = state.store.events(loaded.row.id).await?;
    Ok(rows
        .into_iter()
        .map(|e| EventOut {
            seq: e.seq,
            kind: e.kind,
            at: e.at,
            actor: ActorOut {
                user: e.actor_user.map(|u| u.0),
                username: e.actor_username,
                unit: e.actor_unit.map(|u| u.0),
            },
            from: e.from,
            to: e.to,
            reason: e.reason,
            detail: e.detail.into_iter().collect::<BTreeMap<_, _>>(),
            hash: e.hash,
        })
        .collect())
}

/// The actions `principal` may take on the request now: allowed in its state and by their
/// roles and units. Pages show exactly these buttons.
pub fn available_actions(state: &AppState, principal: &Principal, loaded: &Loaded) -> Vec<Action> {
    let org = state.org();
    let scope = scope_of(loaded);
    let case_state = loaded.row.case.state;
    Action::ALL
        .iter()
        .copied()
        .filter(|a| lifecycle::allowed_in(*a, case_state))
        .filter(|a| lifecycle::authorize(principal, Want::Act(*a), &scope, &org).is_ok())
        .filter(|a| match a {
            Action::ApproveExtension | Action::RefuseExtension => {
                loaded.row.case.pending_extension.is_some()
            }
            Action::RequestExtension => loaded.row.case.pending_extension.is_none(),
            _ => true,
        })
        .collect()
}

/// A caller's earlier requests by phone number, newest first, for the operator who has
/// them on the line. Only roles that see personal data may look; each look is audited.
pub async fn caller_history(
    state: &AppState,
    principal: &Principal,
    phone: &str,
) -> ApiResult<Vec<RequestSummary>> {
    crate::access::require_caller_lookup(principal)?;
    let phone = civicgrid_domain::request::Phone::parse(phone)
        .map_err(|e| ApiError::field("caller.phone", e.message))?;
    let filter = ListFilter {
        caller_phone: Some(phone.as_str().to_owned()),
        offset: 0,
        limit: 20,
        count_cap: Some(20),
        ..Default::default()
    };
    let now = state.now();
    let (rows, _) = state
        .store
        .list_requests(&filter, &visibility(principal, &state.org()))
        .await?;
    state
        .store
        .audit(vec![AuditEntry {
            at: now,
            user: Some(principal.user),
            action: "read_personal_data".into(),
            target: format!("caller:{}", phone.masked()),
            detail: format!("caller history, {} requests", rows.len()),
        }])
        .await?;
    summaries(state, &rows, now).await
}
