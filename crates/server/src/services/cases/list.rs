//! Lists of requests: the reader's visibility as a store filter, the list filters, and
//! summaries with their clocks' bands.

use civicgrid_api::{Page, RequestQuery, RequestSummary};
use civicgrid_domain::clocks::Clock;
use civicgrid_domain::deadline::Band;
use civicgrid_domain::org::{OrgTree, Principal, Role};
use civicgrid_domain::request::{Kind, State, parse_word};
use civicgrid_domain::{CategoryId, Instant, UnitId};
use civicgrid_store::{ListFilter, RequestRow, Visibility};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::COUNT_CAP;
use crate::wire::cases::summary;
use crate::wire::paging;

/// Which requests `principal` may list; mirrors `authorize(Want::Read)`.
pub fn visibility(principal: &Principal, org: &OrgTree) -> Visibility {
    let root = org.root();
    let unlimited = principal.grants.iter().any(|g| {
        g.role == Role::Admin
            || (g.role != Role::Handler && Some(g.unit) == root && g.lines.is_empty())
    });
    if unlimited {
        return Visibility::All;
    }
    let mut any = Vec::new();
    let mut handling = Vec::new();
    let mut lines = Vec::new();
    let mut unlimited_lines = false;
    for grant in &principal.grants {
        let subtree = org.subtree(grant.unit);
        if grant.role == Role::Handler {
            handling.extend(subtree);
        } else {
            any.extend(subtree);
        }
        if grant.lines.is_empty() {
            unlimited_lines = true;
        } else {
            lines.extend(grant.lines.iter().cloned());
        }
    }
    any.sort();
    any.dedup();
    handling.sort();
    handling.dedup();
    if unlimited_lines {
        lines.clear();
    }
    Visibility::Units {
        any,
        handling,
        lines,
    }
}

pub async fn list(
    state: &AppState,
    principal: &Principal,
    query: &RequestQuery,
) -> ApiResult<Page<RequestSummary>> {
    let (page, page_size, offset, limit) = paging(query.page, query.page_size)?;
    let state_wanted = query
        .state
        .as_deref()
        .map(|s| {
            parse_word("state", s, State::parse, State::words)
                .map_err(|e| ApiError::query(e.field, e.message))
        })
        .transpose()?;
    let kind = query
        .kind
        .as_deref()
        .map(|k| {
            parse_word("kind", k, Kind::parse, Kind::words)
                .map_err(|e| ApiError::query(e.field, e.message))
        })
        .transpose()?;
    let now = state.now();
    let band = query
        .band
        .as_deref()
        .map(|b| {
            parse_word("band", b, Band::parse, Band::words)
                .map_err(|e| ApiError::query(e.field, e.message))
        })
        .transpose()?;
    let filter = ListFilter {
        state: state_wanted,
        lead_unit: query.unit.map(UnitId),
        category: query.category.map(CategoryId),
        kind,
        caller_phone: None,
        band: band.map(|b| (b, now)),
        // Clocks run only on requests still being worked (or awaiting their callback):
        // naming those states lets the state index narrow a band search to open work.
        states: if band.is_some() && state_wanted.is_none() {
            State::ALL
                .iter()
                .copied()
                .filter(|s| !s.is_final())
                .collect()
        } else {
            Vec::new()
        },
        offset,
        limit,
        count_cap: Some(COUNT_CAP),
        ..Default::default()
    };
    list_filtered(state, principal, &filter, page, page_size).await
}

/// One page of the requests `principal` may see that match `filter`.
pub async fn list_filtered(
    state: &AppState,
    principal: &Principal,
    filter: &ListFilter,
    page: u32,
    page_size: u32,
) -> ApiResult<Page<RequestSummary>> {
    let now = state.now();
    let (rows, total) = state
        .store
        .list_requests(filter, &visibility(principal, &state.org()))
        .await?;
    Ok(Page {
        items: summaries(state, &rows, now).await?,
        total: total.min(COUNT_CAP),
        total_exact: total <= COUNT_CAP,
        page,
        page_size,
    })
}

/// List rows with their bands: one query fetches the running clocks of the whole page.
pub async fn summaries(
    state: &AppState,
    rows: &[RequestRow],
    now: Instant,
) -> ApiResult<Vec<RequestSummary>> {
    let ids: Vec<_> = rows.iter().map(|r| r.id).collect();
    let running = state.store.running_clocks(&ids).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let mine: Vec<Clock> = running
                .iter()
                .filter(|(id, _)| *id == row.id)
                .map(|(_, c)| c.clone())
                .collect();
            summary(row, &mine, now)
        })
        .collect())
}
