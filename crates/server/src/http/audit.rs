//! The audit trails: personal-data reads (`/api/v1/audit/personal-data`, for administrators
//! and the data-protection role) and administrative changes (`/api/v1/audit/admin`, for
//! administrators).
//!
//! Handlers translate between the wire and the services: no SQL and no rules here.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use civicgrid_api::{
    AdminAuditQueryIn, AdminChangeOut, AuditQueryIn, AuditRecordOut, ErrorBody, Page,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppStateRef;

use crate::auth::Auth;
use crate::error::{ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(personal_data))
        .routes(routes!(admin_changes))
}

#[utoipa::path(get, path = "/api/v1/audit/personal-data", params(AuditQueryIn), security(("bearer" = [])),
    responses((status = 200, body = Page<AuditRecordOut>), (status = 403, body = ErrorBody)))]
async fn personal_data(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiQuery(query): ApiQuery<AuditQueryIn>,
) -> ApiResult<Json<Page<AuditRecordOut>>> {
    let (page, page_size, offset, limit) = crate::wire::paging(query.page, query.page_size)?;
    let query = crate::wire::audit::query(&query, offset, limit);
    let (rows, total) = crate::services::audit::personal_data(&state, &principal, &query).await?;
    Ok(Json(Page {
        items: rows.iter().map(crate::wire::audit::record_out).collect(),
        total,
        total_exact: true,
        page,
        page_size,
    }))
}

#[utoipa::path(get, path = "/api/v1/audit/admin", params(AdminAuditQueryIn), security(("bearer" = [])),
    responses((status = 200, body = Page<AdminChangeOut>), (status = 403, body = ErrorBody)))]
async fn admin_changes(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiQuery(query): ApiQuery<AdminAuditQueryIn>,
) -> ApiResult<Json<Page<AdminChangeOut>>> {
    let (page, page_size, offset, limit) = crate::wire::paging(query.page, query.page_size)?;
    let query = crate::wire::audit::admin_query(&query, offset, limit);
    let (rows, total) = crate::services::audit::admin_changes(&state, &principal, &query).await?;
    Ok(Json(Page {
        items: rows.iter().map(crate::wire::audit::change_out).collect(),
        total,
        total_exact: true,
        page,
        page_size,
    }))
}
