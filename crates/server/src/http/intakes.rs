//! Intakes: one call with several problems registered as one raw record split into
//! requests, and the raw record read back (`/api/v1/intakes…`).
//!
//! Handlers translate between the wire and the services: no SQL and no rules here.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use civicgrid_api::{CreateIntake, ErrorBody, IntakeCreated, IntakeOut};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppStateRef;

use crate::auth::Auth;
use crate::error::{ApiError, ApiPath, ApiResult, RawBody, parse_json};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(create_intake))
        .routes(routes!(get_intake))
}

#[utoipa::path(post, path = "/api/v1/intakes", request_body = CreateIntake, security(("bearer" = [])),
    responses((status = 201, body = IntakeCreated), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_intake(
    State(state): AppStateRef,
    Auth(principal): Auth,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<(StatusCode, Json<IntakeCreated>)> {
    crate::access::require_register(&principal)?;
    let parsed: CreateIntake = parse_json(&headers, &body)?;
    // The record kept is the body exactly as it arrived: transcript, caller and the split.
    let raw = String::from_utf8_lossy(&body).into_owned();
    let submissions = crate::wire::cases::intake_submissions(&state.reference(), &parsed)?;
    let registered =
        crate::services::cases::intake_split(&state, &principal, submissions, raw).await?;
    let first = registered
        .first()
        .ok_or_else(|| ApiError::field("requests", "must hold at least one request"))?;
    let serial = civicgrid_domain::serial::parse(&first.serial)?;
    let intake = crate::services::cases::load_visible(&state, &principal, &serial)
        .await?
        .row
        .intake
        .ok_or_else(|| ApiError::internal("a split intake without its record"))?;
    let org = state.org();
    Ok((
        StatusCode::CREATED,
        Json(IntakeCreated {
            intake,
            requests: registered
                .iter()
                .map(|r| crate::wire::cases::created_out(&org, r))
                .collect(),
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/intakes/{id}", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = IntakeOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_intake(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<IntakeOut>> {
    let intake = crate::services::cases::read_intake(&state, &principal, id).await?;
    Ok(Json(crate::wire::cases::intake_out(&intake)))
}
