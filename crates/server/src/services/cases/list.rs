//! Lists of requests: the reader's visibility as a store filter, and each listed request
//! with its running clocks.

use std::collections::HashMap;

use civicgrid_domain::RequestId;
use civicgrid_domain::clocks::Clock;
use civicgrid_domain::lifecycle;
use civicgrid_domain::org::{OrgTree, Principal, Role};
use civicgrid_store::{ListFilter, RequestRow, Visibility};

use crate::error::ApiResult;
use crate::state::AppState;

/// Roles that reach only the cases their unit handles (its handlers and its unit head).
fn handles(role: Role) -> bool {
    matches!(role, Role::Handler | Role::UnitHead)
}

/// Which requests `principal` may list; mirrors `authorize(Want::Read)`.
pub fn visibility(principal: &Principal, org: &OrgTree) -> Visibility {
    let root = org.root();
    let unlimited = principal.grants.iter().any(|g| {
        g.role == Role::Admin
            || (!handles(g.role)
                && g.role != Role::DataProtection
                && Some(g.unit) == root
                && g.lines.is_empty())
    });
    if unlimited {
        return Visibility::All;
    }
    let mut any = Vec::new();
    let mut handling = Vec::new();
    let mut lines = Vec::new();
    let mut unlimited_lines = false;
    for grant in principal
        .grants
        .iter()
        .filter(|g| g.role != Role::DataProtection)
    {
        let subtree = org.subtree(grant.unit);
        if handles(grant.role) {
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

/// One request in a list, with its running clocks (for its band and next deadline).
#[derive(Debug, Clone)]
pub struct Listing {
    pub row: RequestRow,
    pub running: Vec<Clock>,
}

/// One page of a list, and how many requests match in all.
#[derive(Debug, Clone)]
pub struct Listed {
    pub items: Vec<Listing>,
    /// Matches in all, or the filter's `count_cap` when there are more.
    pub total: i64,
    /// Whether `total` is the exact count (false: at least that many).
    pub exact: bool,
}

/// The requests `principal` may see that match `filter`, one page of them.
pub async fn list(
    state: &AppState,
    principal: &Principal,
    filter: &ListFilter,
) -> ApiResult<Listed> {
    let org = state.org();
    let mut filter = filter.clone();
    if let Some(phone) = &filter.caller_phone {
        // Searching by a caller's phone is a read of personal data: for the hub's roles
        // that look callers up, recorded, and blind to callers who asked to stay unknown
        // unless the reader may read them.
        crate::access::require_caller_lookup(principal)?;
        filter.exclude_confidential = !lifecycle::reads_confidential(principal, &org);
        let masked = civicgrid_domain::request::Phone::parse(phone)
            .map(|p| p.masked())
            .unwrap_or_default();
        let target = [format!("caller:{masked}")];
        let detail = "requests searched by caller phone";
        crate::services::audit::record_reads(state, principal, target, detail).await?;
    }
    let filter = &filter;
    let (rows, total) = state
        .store
        .list_requests(filter, &visibility(principal, &org))
        .await?;
    // The store counts up to the cap plus one, so "more than the cap" is known.
    Ok(Listed {
        items: with_clocks(state, rows).await?,
        total: filter.count_cap.map_or(total, |cap| total.min(cap)),
        exact: filter.count_cap.is_none_or(|cap| total <= cap),
    })
}

/// List rows with their running clocks: one query fetches the clocks of the whole page.
pub async fn with_clocks(state: &AppState, rows: Vec<RequestRow>) -> ApiResult<Vec<Listing>> {
    let ids: Vec<_> = rows.iter().map(|r| r.id).collect();
    let mut by_request: HashMap<RequestId, Vec<Clock>> = HashMap::new();
    for (id, clock) in state.store.running_clocks(&ids).await? {
        by_request.entry(id).or_default().push(clock);
    }
    Ok(rows
        .into_iter()
        .map(|row| Listing {
            // A request may be listed twice (its pool entries over time): cloned, not moved.
            running: by_request.get(&row.id).cloned().unwrap_or_default(),
            row,
        })
        .collect())
}
