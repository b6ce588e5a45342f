//! Supervision: the pool of cases that went red, sampled quality callbacks, and the notices
//! (reminders, urgings, accountability records) with their acknowledgement.

use civicgrid_api::{ErrorCode, NoticeOut};
use civicgrid_domain::UnitId;
use civicgrid_domain::org::{OrgTree, Principal};
use civicgrid_store::Visibility;

use crate::error::{ApiError, ApiResult};
use crate::services::cases::summaries;
use crate::services::cases::visibility;
use crate::state::AppState;
use crate::wire::cases::notice_out;
use crate::wire::cases::unit_ref;

/// One page of the supervision pool with each case's list row.
pub async fn pool(
    state: &AppState,
    principal: &Principal,
    owner: Option<civicgrid_domain::UserId>,
    include_closed: bool,
    (offset, limit): (i64, i64),
) -> ApiResult<(Vec<civicgrid_api::PoolItemOut>, i64)> {
    let filter = civicgrid_store::PoolFilter {
        request: None,
        owner,
        include_closed,
        offset,
        limit,
    };
    let org = state.org();
    let (rows, total) = state
        .store
        .supervision_pool(&filter, &visibility(principal, &org))
        .await?;
    let requests: Vec<_> = rows.iter().map(|p| p.request.clone()).collect();
    let summaries = summaries(state, &requests, state.now()).await?;
    let items = rows
        .into_iter()
        .zip(summaries)
        .map(|(p, request)| civicgrid_api::PoolItemOut {
            request,
            owner: p.owner_username,
            stage: p.stage,
            unit: p.unit.map(|u| unit_ref(&org, u)),
            reason: p.reason,
            since: p.since,
            closed_at: p.closed_at,
            times: p.times,
        })
        .collect();
    Ok((items, total))
}

/// One page of the closed cases drawn for quality callbacks.
pub async fn samples(
    state: &AppState,
    open_only: bool,
    (offset, limit): (i64, i64),
) -> ApiResult<(Vec<civicgrid_api::SampleOut>, i64)> {
    let (rows, total) = state.store.samples(open_only, offset, limit).await?;
    let requests: Vec<_> = rows.iter().map(|p| p.request.clone()).collect();
    let summaries = summaries(state, &requests, state.now()).await?;
    let items = rows
        .into_iter()
        .zip(summaries)
        .map(|(m, request)| civicgrid_api::SampleOut {
            request,
            drawn_at: m.drawn_at,
            done_at: m.done_at,
            rating: m.rating,
            citizen_says_resolved: m.citizen_resolved,
            note: m.note,
        })
        .collect();
    Ok((items, total))
}

/// The units whose notices `principal` sees (`None`: every unit).
pub(crate) fn notice_units(principal: &Principal, org: &OrgTree) -> Option<Vec<UnitId>> {
    match visibility(principal, org) {
        Visibility::All => None,
        Visibility::Units { any, handling, .. } => {
            let mut all = any;
            all.extend(handling);
            Some(all)
        }
    }
}

/// Reminders, urging notices and accountability records for the units `principal` sees,
/// or for `only` of them (a unit outside them names the `unit` parameter).
pub async fn notices(
    state: &AppState,
    principal: &Principal,
    only: Option<Vec<UnitId>>,
    kind: Option<String>,
    unread: bool,
    (offset, limit): (i64, i64),
) -> ApiResult<(Vec<NoticeOut>, i64)> {
    let org = state.org();
    let mut units = notice_units(principal, &org);
    if let Some(only) = only {
        if let Some(mine) = &units
            && only.iter().any(|u| !mine.contains(u))
        {
            return Err(ApiError::query("unit", "not one of your units"));
        }
        units = Some(only);
    }
    let filter = civicgrid_store::NoticeFilter {
        units,
        kind,
        unread,
        offset,
        limit,
    };
    let (rows, total) = state.store.notices(&filter).await?;
    Ok((rows.iter().map(|n| notice_out(&org, n)).collect(), total))
}

/// Acknowledges a notice on behalf of the unit it is addressed to. Only someone who sees
/// the unit's notices may; the first acknowledgement stays.
pub async fn read_notice(state: &AppState, principal: &Principal, id: i64) -> ApiResult<NoticeOut> {
    let org = state.org();
    let not_found = || ApiError::with_message(ErrorCode::NotFound, "no such notice for your units");
    let notice = state.store.notice(id).await?.ok_or_else(not_found)?;
    let visible = match notice_units(principal, &org) {
        None => true,
        Some(units) => notice.unit.is_some_and(|u| units.contains(&u)),
    };
    if !visible {
        return Err(not_found());
    }
    let read = state
        .store
        .acknowledge_notice(id, principal.user, state.now())
        .await?;
    Ok(notice_out(&org, &read))
}
