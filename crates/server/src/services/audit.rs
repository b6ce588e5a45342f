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
    if let (Some(from), Some(to)) = (query.from, query.to)
        && from > to
    {
        return Err(ApiError::query("from", "must not be after `to`"));
    }
    let user = match &query.user {
        Some(name) => match state.store.find_user(name).await? {
            Some(found) => Some(found.id),
            None => return Ok(None),
        },
        None => None,
    };
    let zone = state.time_zone;
    let start = |day: NaiveDate| {
        day.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(zone).single())
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    Ok(Some(AuditFilter {
        user,
        from: query.from.and_then(start),
        until: query.to.and_then(|d| start(d + chrono::Duration::days(1))),
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
    let detail = serde_json::json!({ "before": before, "after": after }).to_string();
    state
        .store
        .audit(vec![civicgrid_store::AuditEntry {
            at: state.now(),
            user: Some(principal.user),
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
