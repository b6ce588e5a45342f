//! The personal-data audit between the wire and the service.

use civicgrid_api::{AdminAuditQueryIn, AdminChangeOut, AuditQueryIn, AuditRecordOut};
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

/// The admin trail's query as the service takes it.
pub fn admin_query(query: &AdminAuditQueryIn, offset: i64, limit: i64) -> AuditQuery {
    AuditQuery {
        request: None,
        user: query
            .user
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
        from: query.from,
        to: query.to,
        offset,
        limit,
    }
}

pub fn change_out(row: &AuditRow) -> AdminChangeOut {
    let (before, after) = crate::services::audit::change_of(&row.entry.detail);
    AdminChangeOut {
        at: row.entry.at,
        user: row.entry.user.map(|u| u.0),
        username: row.username.clone(),
        change: row
            .entry
            .action
            .strip_prefix(crate::services::audit::ADMIN_PREFIX)
            .unwrap_or(&row.entry.action)
            .to_owned(),
        target: row.entry.target.clone(),
        before,
        after,
    }
}
