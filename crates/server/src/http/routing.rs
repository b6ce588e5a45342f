//! The routing reference data: categories, routing rules and the reasons a request may be
//! cancelled for.
//!
//! Handlers translate between the wire and the services: no SQL and no rules here.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use civicgrid_api::{
    CancelReasonOut, CategoryOut, CreateCancelReason, CreateCategory, CreateRoutingRule, ErrorBody,
    Page, RoutingRuleOut, UpdateCategory,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{AppStateRef, whole_page};

use crate::auth::Auth;
use crate::error::{ApiJson, ApiPath, ApiResult};
use crate::state::AppState;
use crate::wire::org::category_out;
use crate::wire::org::rule_out;

pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(list_categories, create_category))
        .routes(routes!(update_category))
        .routes(routes!(list_routing_rules, create_routing_rule))
        .routes(routes!(update_routing_rule, delete_routing_rule))
        .routes(routes!(list_cancel_reasons, add_cancel_reason))
        .routes(routes!(retire_cancel_reason))
}

#[utoipa::path(get, path = "/api/v1/categories", security(("bearer" = [])),
    responses((status = 200, body = Page<CategoryOut>), (status = 401, body = ErrorBody)))]
async fn list_categories(
    State(state): AppStateRef,
    Auth(_): Auth,
) -> ApiResult<Json<Page<CategoryOut>>> {
    let items: Vec<CategoryOut> = state
        .reference()
        .categories
        .iter()
        .map(category_out)
        .collect();
    Ok(Json(whole_page(items)))
}

#[utoipa::path(post, path = "/api/v1/categories", request_body = CreateCategory, security(("bearer" = [])),
    responses((status = 201, body = CategoryOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_category(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiJson(body): ApiJson<CreateCategory>,
) -> ApiResult<(StatusCode, Json<CategoryOut>)> {
    crate::access::require_admin(&principal)?;
    let new = crate::wire::org::category_in(&body)?;
    let row = crate::services::admin::create_category(&state, &principal, new).await?;
    Ok((StatusCode::CREATED, Json(category_out(&row))))
}

#[utoipa::path(get, path = "/api/v1/routing-rules", security(("bearer" = [])),
    responses((status = 200, body = Page<RoutingRuleOut>), (status = 401, body = ErrorBody)))]
async fn list_routing_rules(
    State(state): AppStateRef,
    Auth(_): Auth,
) -> ApiResult<Json<Page<RoutingRuleOut>>> {
    let items: Vec<RoutingRuleOut> = state.reference().rules.iter().map(rule_out).collect();
    Ok(Json(whole_page(items)))
}

#[utoipa::path(post, path = "/api/v1/routing-rules", request_body = CreateRoutingRule, security(("bearer" = [])),
    responses((status = 201, body = RoutingRuleOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_routing_rule(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiJson(body): ApiJson<CreateRoutingRule>,
) -> ApiResult<(StatusCode, Json<RoutingRuleOut>)> {
    crate::access::require_admin(&principal)?;
    let new = crate::wire::org::rule_in(&body)?;
    let rule = crate::services::admin::create_routing_rule(&state, &principal, new).await?;
    Ok((StatusCode::CREATED, Json(rule_out(&rule))))
}

/// Changes a rule (same body as a new one).
#[utoipa::path(put, path = "/api/v1/routing-rules/{id}", params(("id" = i64, Path)), request_body = CreateRoutingRule, security(("bearer" = [])),
    responses((status = 200, body = RoutingRuleOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_routing_rule(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CreateRoutingRule>,
) -> ApiResult<Json<RoutingRuleOut>> {
    crate::access::require_admin(&principal)?;
    let new = crate::wire::org::rule_in(&body)?;
    let rule = crate::services::admin::update_routing_rule(&state, &principal, id, new).await?;
    Ok(Json(rule_out(&rule)))
}

/// Removes a rule: new requests fall back to the next rule or the territory.
#[utoipa::path(delete, path = "/api/v1/routing-rules/{id}", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_routing_rule(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    crate::services::admin::delete_routing_rule(&state, &principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/cancel-reasons", security(("bearer" = [])),
    responses((status = 200, body = Vec<CancelReasonOut>), (status = 401, body = ErrorBody)))]
async fn list_cancel_reasons(
    State(state): AppStateRef,
    Auth(_): Auth,
) -> ApiResult<Json<Vec<CancelReasonOut>>> {
    let reasons = state.store.list_cancel_reasons().await?;
    Ok(Json(reasons.into_iter().map(reason_out).collect()))
}

fn reason_out(r: civicgrid_store::CancelReason) -> CancelReasonOut {
    CancelReasonOut {
        code: r.code,
        name: r.label.clone(),
        label: r.label,
    }
}

#[utoipa::path(post, path = "/api/v1/cancel-reasons", request_body = CreateCancelReason, security(("bearer" = [])),
    responses((status = 201, body = CancelReasonOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_cancel_reason(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiJson(body): ApiJson<CreateCancelReason>,
) -> ApiResult<(StatusCode, Json<CancelReasonOut>)> {
    let added =
        crate::services::admin::add_cancel_reason(&state, &principal, &body.code, &body.name)
            .await?;
    Ok((StatusCode::CREATED, Json(reason_out(added))))
}

/// Retires a reason: no longer offered; the cancellations that cite it keep it.
#[utoipa::path(delete, path = "/api/v1/cancel-reasons/{code}", params(("code" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn retire_cancel_reason(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<StatusCode> {
    crate::services::admin::retire_cancel_reason(&state, &principal, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(patch, path = "/api/v1/categories/{id}", params(("id" = i64, Path)), request_body = UpdateCategory, security(("bearer" = [])),
    responses((status = 200, body = CategoryOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_category(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdateCategory>,
) -> ApiResult<Json<CategoryOut>> {
    crate::access::require_admin(&principal)?;
    let row = crate::services::admin::update_category(
        &state,
        &principal,
        civicgrid_domain::CategoryId(id),
        body.name,
        body.retired,
    )
    .await?;
    Ok(Json(category_out(&row)))
}
