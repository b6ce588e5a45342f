//! The personal-data audit page: who read which request's personal data, when and from
//! where, filtered by request, user and dates, and exported as CSV with a watermark.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use civicgrid_api::{AdminAuditQueryIn, AuditQueryIn, AuditRecordOut};

use super::lists::{AppStateRef, Pager};
use super::{Browser, Ctx, PageError, PageResult, Staff, html};

use crate::pages::PageQuery;
use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/audit", get(audit))
        .route("/audit.csv", get(export))
        .route("/admin/audit", get(admin_audit))
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AdminAuditPage {
    ctx: Ctx,
    query: AdminAuditQueryIn,
    changes: Vec<civicgrid_api::AdminChangeOut>,
    pager: Pager,
}

/// Every administrative change: who, when, what, before and after.
async fn admin_audit(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PageQuery(query): PageQuery<AdminAuditQueryIn>,
) -> PageResult {
    let (page, page_size, offset, limit) =
        crate::wire::paging(query.page, Some(query.page_size.unwrap_or(PAGE_SIZE)))?;
    let wanted = crate::wire::audit::admin_query(&query, offset, limit);
    let (rows, total) =
        crate::services::audit::admin_changes(&state, &staff.principal, &wanted).await?;
    let mut q = form_urlencoded::Serializer::new(String::new());
    if let Some(user) = query.user.as_deref().filter(|u| !u.trim().is_empty()) {
        q.append_pair("user", user);
    }
    for (name, day) in [("from", query.from), ("to", query.to)] {
        if let Some(day) = day {
            q.append_pair(name, &day.to_string());
        }
    }
    html(AdminAuditPage {
        ctx: Ctx::staff(&browser, &staff, &state),
        changes: rows.iter().map(crate::wire::audit::change_out).collect(),
        pager: Pager::new(
            page,
            page_size,
            total,
            format!("/admin/audit?{}", q.finish()),
        ),
        query,
    })
}

/// The most rows one CSV export carries.
const EXPORT_LIMIT: i64 = 50_000;
const PAGE_SIZE: u32 = 50;

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    query: AuditQueryIn,
    records: Vec<AuditRecordOut>,
    pager: Pager,
    /// The same filter as a query string, for the export link and the pager.
    filter: String,
}

fn filter_string(query: &AuditQueryIn) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("request", query.request.clone()),
        ("user", query.user.clone()),
        ("from", query.from.map(|d| d.to_string())),
        ("to", query.to.map(|d| d.to_string())),
    ] {
        if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
            q.append_pair(name, &value);
        }
    }
    q.finish()
}

async fn audit(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PageQuery(query): PageQuery<AuditQueryIn>,
) -> PageResult {
    let (page, page_size, offset, limit) =
        crate::wire::paging(query.page, Some(query.page_size.unwrap_or(PAGE_SIZE)))?;
    let wanted = crate::wire::audit::query(&query, offset, limit);
    let (rows, total) =
        crate::services::audit::personal_data(&state, &staff.principal, &wanted).await?;
    let filter = filter_string(&query);
    html(AuditPage {
        ctx: Ctx::staff(&browser, &staff, &state),
        records: rows.iter().map(crate::wire::audit::record_out).collect(),
        pager: Pager::new(page, page_size, total, format!("/audit?{filter}")),
        filter,
        query,
    })
}

/// The filtered audit as CSV. Its first line names who exported it and when, so a copy
/// that travels says where it came from.
async fn export(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PageQuery(query): PageQuery<AuditQueryIn>,
) -> Result<axum::response::Response, PageError> {
    let wanted = crate::wire::audit::query(&query, 0, EXPORT_LIMIT);
    let (rows, _) =
        crate::services::audit::personal_data(&state, &staff.principal, &wanted).await?;
    let t = super::i18n::Tr::new(browser.lang).in_zone(browser.zone);
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            vec![
                t.time(&row.entry.at),
                row.username.clone().unwrap_or_else(|| "—".into()),
                row.entry.target.clone(),
                row.entry.detail.clone(),
                row.entry.action.clone(),
            ]
        })
        .collect();
    Ok(super::export::csv_download(
        &t,
        &staff.principal.username,
        &state.now(),
        ("personal-data-audit.csv", EXPORT_LIMIT),
        &[
            t.s("audit.at"),
            t.s("audit.user"),
            t.s("audit.target"),
            t.s("audit.detail"),
            t.s("audit.action"),
        ],
        &lines,
    )?)
}
