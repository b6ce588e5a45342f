//! The personal-data audit, readable: who viewed, exported or printed which request's
//! personal data, when, and from where — for administrators and the data-protection role.

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
    if let (Some(from), Some(to)) = (query.from, query.to)
        && from > to
    {
        return Err(ApiError::query("from", "must not be after `to`"));
    }
    let request = query
        .request
        .as_deref()
        .map(civicgrid_domain::serial::parse)
        .transpose()
        .map_err(|e| ApiError::query("request", e.message))?;
    let user = match &query.user {
        Some(name) => match state.store.find_user(name).await? {
            Some(found) => Some(found.id),
            None => return Ok((Vec::new(), 0)),
        },
        None => None,
    };
    let zone = state.time_zone;
    let start = |day: NaiveDate| {
        day.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(zone).single())
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    let filter = AuditFilter {
        action: Some(READ_PERSONAL_DATA.into()),
        target: request,
        user,
        from: query.from.and_then(start),
        until: query.to.and_then(|d| start(d + chrono::Duration::days(1))),
        offset: query.offset,
        limit: query.limit,
    };
    Ok(state.store.audit_search(&filter).await?)
}
