//! Supervision: the pool of cases that went red, sampled quality callbacks, and the notices
//! (reminders, urgings, accountability records) with their acknowledgement.

use civicgrid_api::ErrorCode;
use civicgrid_domain::UnitId;
use civicgrid_domain::clocks::NoticeKind;
use civicgrid_domain::org::{OrgTree, Principal};
use civicgrid_store::{NoticeRow, PoolRow, SampleRow, Visibility};

use crate::error::{ApiError, ApiResult};
use crate::services::cases::{Listing, visibility, with_clocks};
use crate::state::AppState;

/// One page of the supervision pool with each case's list row.
pub async fn pool(
    state: &AppState,
    principal: &Principal,
    owner: Option<civicgrid_domain::UserId>,
    include_closed: bool,
    (offset, limit): (i64, i64),
) -> ApiResult<(Vec<(PoolRow, Listing)>, i64)> {
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
    let listed = with_clocks(state, requests).await?;
    Ok((rows.into_iter().zip(listed).collect(), total))
}

/// One page of the closed cases drawn for quality callbacks.
pub async fn samples(
    state: &AppState,
    which: civicgrid_store::SampleState,
    (offset, limit): (i64, i64),
) -> ApiResult<(Vec<(SampleRow, Listing)>, i64)> {
    let (rows, total) = state.store.samples(which, offset, limit).await?;
    let requests: Vec<_> = rows.iter().map(|p| p.request.clone()).collect();
    let listed = with_clocks(state, requests).await?;
    Ok((rows.into_iter().zip(listed).collect(), total))
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
    kind: Option<NoticeKind>,
    unread: bool,
    (offset, limit): (i64, i64),
) -> ApiResult<(Vec<NoticeRow>, i64)> {
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
        kind: kind.map(|k| k.as_str().to_owned()),
        unread,
        offset,
        limit,
    };
    Ok(state.store.notices(&filter).await?)
}

/// How many notices addressed to `principal`'s units nobody has acknowledged yet, for
/// those who work a unit's inbox (handlers, unit heads); `None` for everyone else.
pub async fn unread_count(state: &AppState, principal: &Principal) -> ApiResult<Option<i64>> {
    use civicgrid_domain::org::Role;
    if !crate::access::holds(principal, &[Role::Handler, Role::UnitHead]) {
        return Ok(None);
    }
    let org = state.org();
    let Some(units) = notice_units(principal, &org) else {
        return Ok(None);
    };
    let filter = civicgrid_store::NoticeFilter {
        units: Some(units),
        unread: true,
        limit: 0,
        ..Default::default()
    };
    Ok(Some(state.store.notices(&filter).await?.1))
}

/// `principal` opened a request: the word of new work on it addressed to their units (a
/// dispatch, a transfer, a refused return, a reopening, a coordination question, a summons)
/// has been seen. Urgings, accountability records and instructions wait for their own
/// acknowledgement.
pub async fn seen(
    state: &AppState,
    principal: &Principal,
    request: civicgrid_domain::RequestId,
) -> ApiResult<()> {
    let org = state.org();
    if let Some(units) = notice_units(principal, &org) {
        state
            .store
            .notices_seen(request, &units, principal.user, state.now())
            .await?;
    }
    Ok(())
}

/// Acknowledges a notice on behalf of the unit it is addressed to. Only someone who sees
/// the unit's notices may; the first acknowledgement stays.
pub async fn read_notice(state: &AppState, principal: &Principal, id: i64) -> ApiResult<NoticeRow> {
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
    if notice.kind == NoticeKind::Instruct.as_str() {
        // One acknowledgement of an instruction, on its case, where the leader sees it.
        return Err(ApiError::with_message(
            ErrorCode::Conflict,
            format!(
                "a leader's instruction is acknowledged on its request: POST /api/v1/requests/{}/acknowledge_instruction",
                notice.serial
            ),
        ));
    }
    Ok(state
        .store
        .acknowledge_notice(id, principal.user, state.now())
        .await?)
}
