//! Operations: the API index, the OpenAPI document, health, metrics, and the hash-chain
//! check.
//!
//! Handlers translate between the wire and the services: no SQL and no rules here.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use civicgrid_api::{ChainReport, ErrorBody, ErrorCode, Health, ServiceIndex};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppStateRef;

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(index))
        .route("/api/openapi.json", axum::routing::get(openapi_json))
        .routes(routes!(healthz))
        .routes(routes!(metrics_text))
        .routes(routes!(verify_chain))
}

/// Where things are (the public portal has `/`).
#[utoipa::path(get, path = "/api", responses((status = 200, body = ServiceIndex)))]
async fn index() -> Json<ServiceIndex> {
    Json(ServiceIndex {
        name: "civicgrid".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        api: "/api/v1".into(),
        openapi: "/api/openapi.json".into(),
        health: "/healthz".into(),
        login: "POST /api/v1/auth/login".into(),
        track: "/api/v1/track?serial=&code=".into(),
    })
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(super::openapi().clone())
}

#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health), (status = 503, body = ErrorBody)))]
async fn healthz(State(state): AppStateRef) -> ApiResult<Json<Health>> {
    state.store.ping().await.map_err(|e| {
        tracing::error!(error = %e, "health check failed");
        ApiError::new(ErrorCode::Unavailable)
    })?;
    Ok(Json(Health {
        status: "ok".into(),
        database: state.store.backend().name().into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}

#[utoipa::path(get, path = "/metrics", responses((status = 200, content_type = "text/plain")))]
async fn metrics_text() -> Response {
    match crate::telemetry::metrics_handle() {
        Some(handle) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            handle.render(),
        )
            .into_response(),
        None => (StatusCode::OK, "").into_response(),
    }
}

#[utoipa::path(get, path = "/api/v1/admin/verify-chain", security(("bearer" = [])),
    responses((status = 200, body = ChainReport), (status = 403, body = ErrorBody)))]
async fn verify_chain(
    State(state): AppStateRef,
    Auth(principal): Auth,
) -> ApiResult<Json<ChainReport>> {
    crate::access::require_admin(&principal)?;
    let check = state.store.verify_chains().await?;
    Ok(Json(ChainReport {
        requests_checked: check.requests,
        events_checked: check.events,
        broken: check.broken,
    }))
}
