//! The audit trails, readable: who viewed, exported or printed which request's personal
//! data, when and from where (for administrators and the data-protection role); and every
//! administrative change, who made it, when, and what it was before and after (for
//! administrators).

use chrono::NaiveDate;
use civicgrid_domain::org::{Principal, Role};
use civicgrid_store::{AuditFilter, AuditRow};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The action every read of personal data is recorded under.
pub const READ_PERSONAL_DATA: &str = "read_personal_data";

/// Records that `principal` read personal data in clear: of each of `targets` (a request's
/// serial, or `caller:` and a masked phone), from `detail` (where). Durable before the
/// answer leaves: callers await it before showing the data.
pub async fn record_reads(
    state: &AppState,
    principal: &Principal,
    targets: impl IntoIterator<Item = String>,
    detail: &str,
) -> ApiResult<()> {
    let at = state.now();
    let entries = targets
        .into_iter()
        .map(|target| civicgrid_store::AuditEntry {
            at,
            user: Some(principal.user),
            action: READ_PERSONAL_DATA.into(),
            target,
            detail: detail.to_owned(),
        })
        .collect();
    Ok(state.store.audit(entries).await?)
}

/// What a reader of the audit asks for: a request's serial, a username, a date range
/// (district days, both ends included).
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub request: Option<String>,
    pub user: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub offset: i64,
    pub limit: i64,
}

/// The records of personal-data reads matching `query`, newest first, with their count.
/// An unknown username matches nothing (it is not an error: users are removed, records stay).
pub async fn personal_data(
    state: &AppState,
    principal: &Principal,
    query: &AuditQuery,
) -> ApiResult<(Vec<AuditRow>, i64)> {
    crate::access::require_role(
        principal,
        &[Role::DataProtection],
        "the personal-data audit",
    )?;
    let Some(mut filter) = base_filter(state, query).await? else {
        return Ok((Vec::new(), 0));
    };
    let request = query
        .request
        .as_deref()
        .map(civicgrid_domain::serial::parse)
        .transpose()
        .map_err(|e| ApiError::query("request", e.message))?;
    filter.action = Some(READ_PERSONAL_DATA.into());
    filter.target = request;
    Ok(state.store.audit_search(&filter).await?)
}

/// The filter both trails share: dates and user (`None`: an unknown user, nothing matches).
async fn base_filter(state: &AppState, query: &AuditQuery) -> ApiResult<Option<AuditFilter>> {
    let (from, until) = crate::services::stats::day_range(query.from, query.to, state.time_zone)?;
    let user = match &query.user {
        Some(name) => match state.store.find_user(name).await? {
            Some(found) => Some(found.id),
            None => return Ok(None),
        },
        None => None,
    };
    Ok(Some(AuditFilter {
        user,
        from,
        until,
        offset: query.offset,
        limit: query.limit,
        ..Default::default()
    }))
}

/// What every administrative change is recorded under: `admin.` and what changed.
pub const ADMIN_PREFIX: &str = "admin.";

/// Records an administrative change: who, when, what (`admin.{what}`), on which target,
/// and the values before and after (none for a creation or a removal respectively).
/// Never a password or any other secret.
pub async fn admin_change(
    state: &AppState,
    principal: &Principal,
    what: &str,
    target: impl Into<String>,
    before: Option<String>,
    after: Option<String>,
) -> ApiResult<()> {
    admin_change_by(state, Some(principal.user), what, target, before, after).await
}

/// `admin_change` for a change made on behalf of `user` (the calendar service is given the
/// user, not the principal).
pub async fn admin_change_by(
    state: &AppState,
    user: Option<civicgrid_domain::UserId>,
    what: &str,
    target: impl Into<String>,
    before: Option<String>,
    after: Option<String>,
) -> ApiResult<()> {
    let detail = serde_json::json!({ "before": before, "after": after }).to_string();
    state
        .store
        .audit(vec![civicgrid_store::AuditEntry {
            at: state.now(),
            user,
            action: format!("{ADMIN_PREFIX}{what}"),
            target: target.into(),
            detail,
        }])
        .await?;
    Ok(())
}

/// The administrative changes matching `query` (`user`, `from`, `to`; `request` is not
/// used), newest first, with their count. Administrators only.
pub async fn admin_changes(
    state: &AppState,
    principal: &Principal,
    query: &AuditQuery,
) -> ApiResult<(Vec<AuditRow>, i64)> {
    crate::access::require_admin(principal)?;
    let mut filter = base_filter(state, query).await?;
    let Some(filter) = filter.as_mut() else {
        return Ok((Vec::new(), 0));
    };
    filter.action_prefix = Some(ADMIN_PREFIX.into());
    Ok(state.store.audit_search(filter).await?)
}

/// The before and after of an administrative change's record.
pub fn change_of(detail: &str) -> (Option<String>, Option<String>) {
    let value: serde_json::Value = serde_json::from_str(detail).unwrap_or_default();
    let text = |k: &str| value.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    (text("before"), text("after"))
}
