//! Notices — reminders, urgings, accountability records — and their acknowledgement.
//!
//! Handlers translate between the wire and the services: no SQL and no rules here.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use civicgrid_api::{ErrorBody, Page};
use civicgrid_api::{NoticeOut, NoticeQuery};
use civicgrid_domain::UnitId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppStateRef;

use crate::auth::Auth;
use crate::error::{ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(list_notices))
        .routes(routes!(read_notice))
}

/// Reminders, urging notices and accountability records. Hub-wide roles see all; everyone
/// else sees those addressed to the units of their grants (and below).
#[utoipa::path(get, path = "/api/v1/notices", params(NoticeQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<NoticeOut>), (status = 400, body = ErrorBody)))]
async fn list_notices(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiQuery(query): ApiQuery<NoticeQuery>,
) -> ApiResult<Json<Page<NoticeOut>>> {
    let (page, page_size, offset, limit) = crate::wire::paging(query.page, query.page_size)?;
    let kind = crate::wire::supervision::notice_kind(query.kind.as_deref())?;
    let (rows, total) = crate::services::supervision::notices(
        &state,
        &principal,
        query.unit.map(|u| vec![UnitId(u)]),
        kind,
        query.unread.unwrap_or(false),
        (offset, limit),
    )
    .await?;
    let org = state.org();
    Ok(Json(Page {
        items: rows
            .iter()
            .map(|n| crate::wire::cases::notice_out(&org, n))
            .collect(),
        total,
        total_exact: true,
        page,
        page_size,
    }))
}

/// Acknowledges a notice on behalf of the unit it is addressed to. Only someone who sees
/// the unit's notices may; the first acknowledgement stays.
#[utoipa::path(post, path = "/api/v1/notices/{id}/read", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = NoticeOut), (status = 404, body = ErrorBody)))]
async fn read_notice(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<NoticeOut>> {
    let read = crate::services::supervision::read_notice(&state, &principal, id).await?;
    Ok(Json(crate::wire::cases::notice_out(&state.org(), &read)))
}
