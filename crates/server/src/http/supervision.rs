//! The supervision pool and sampled quality callbacks (`/api/v1/supervision/…`).
//!
//! Handlers translate between the wire and the services: no SQL and no rules here.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use civicgrid_api::{ErrorBody, Page};
use civicgrid_api::{PoolItemOut, PoolQuery, SampleOut, SampleQuery};
use civicgrid_domain::org::Role;
use civicgrid_store::SampleState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppStateRef;

use crate::auth::Auth;
use crate::error::{ApiError, ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(supervision_pool))
        .routes(routes!(supervision_samples))
}

/// The supervision pool: cases that went red (or that a supervisor put there), oldest first.
#[utoipa::path(get, path = "/api/v1/supervision/pool", params(PoolQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<PoolItemOut>), (status = 403, body = ErrorBody)))]
async fn supervision_pool(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiQuery(query): ApiQuery<PoolQuery>,
) -> ApiResult<Json<Page<PoolItemOut>>> {
    crate::access::require_role(
        &principal,
        &[Role::Supervisor, Role::Dispatcher, Role::Leader],
        "the supervision pool",
    )?;
    let (page, page_size, offset, limit) = crate::wire::paging(query.page, query.page_size)?;
    let owner = match query.owner.as_deref() {
        None | Some("") => None,
        Some("me") => Some(principal.user),
        Some(_) => return Err(ApiError::query("owner", "use `me` or leave it out")),
    };
    let (rows, total) = crate::services::supervision::pool(
        &state,
        &principal,
        owner,
        query.all.unwrap_or(false),
        (offset, limit),
    )
    .await?;
    let (org, now) = (state.org(), state.now());
    Ok(Json(Page {
        items: rows
            .into_iter()
            .map(|row| crate::wire::supervision::pool_item_out(&org, row, now))
            .collect(),
        total,
        total_exact: true,
        page,
        page_size,
    }))
}

/// Closed cases drawn for a supervisor's quality callback (`POST …/quality_callback`).
#[utoipa::path(get, path = "/api/v1/supervision/samples", params(SampleQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<SampleOut>), (status = 403, body = ErrorBody)))]
async fn supervision_samples(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiQuery(query): ApiQuery<SampleQuery>,
) -> ApiResult<Json<Page<SampleOut>>> {
    crate::access::require_role(&principal, &[Role::Supervisor], "sampled callbacks")?;
    let (page, page_size, offset, limit) = crate::wire::paging(query.page, query.page_size)?;
    let which = match (query.state.as_deref(), query.all) {
        (Some("pending"), _) | (None, None | Some(false)) => SampleState::Pending,
        (Some("done"), _) => SampleState::Done,
        (Some("all"), _) | (None, Some(true)) => SampleState::All,
        (Some(_), _) => {
            return Err(crate::error::ApiError::query(
                "state",
                "must be one of: pending, done, all",
            ));
        }
    };
    let (rows, total) =
        crate::services::supervision::samples(&state, which, (offset, limit)).await?;
    let now = state.now();
    Ok(Json(Page {
        items: rows
            .into_iter()
            .map(|row| crate::wire::supervision::sample_out(row, now))
            .collect(),
        total,
        total_exact: true,
        page,
        page_size,
    }))
}
