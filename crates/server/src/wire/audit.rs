//! The personal-data audit between the wire and the service.

use civicgrid_api::{AuditQueryIn, AuditRecordOut};
use civicgrid_store::AuditRow;

use crate::services::audit::AuditQuery;

/// The API's (and the page's) query as the service takes it; blank fields are absent.
pub fn query(query: &AuditQueryIn, offset: i64, limit: i64) -> AuditQuery {
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    AuditQuery {
        request: text(&query.request),
        user: text(&query.user),
        from: query.from,
        to: query.to,
        offset,
        limit,
    }
}

pub fn record_out(row: &AuditRow) -> AuditRecordOut {
    AuditRecordOut {
        at: row.entry.at,
        user: row.entry.user.map(|u| u.0),
        username: row.username.clone(),
        action: row.entry.action.clone(),
        target: row.entry.target.clone(),
        detail: row.entry.detail.clone(),
    }
}
