//! Deadline policies (`/api/v1/policies`).
//!
//! Handlers translate between the wire and the services: no SQL and no rules here.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use civicgrid_api::{CreatePolicy, ErrorBody, InstallPresets, Page, PolicyOut};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{AppStateRef, whole_page};

use crate::auth::Auth;
use crate::error::{ApiJson, ApiPath, ApiResult};
use crate::state::AppState;
use crate::wire::policies::policy_out;

pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(list_policies, create_policy))
        .routes(routes!(update_policy))
        .routes(routes!(install_presets))
}

#[utoipa::path(get, path = "/api/v1/policies", security(("bearer" = [])),
    responses((status = 200, body = Page<PolicyOut>), (status = 401, body = ErrorBody)))]
async fn list_policies(
    State(state): AppStateRef,
    Auth(_): Auth,
) -> ApiResult<Json<Page<PolicyOut>>> {
    let reference = state.reference();
    let items = state
        .store
        .list_policies()
        .await?
        .iter()
        .map(|p| policy_out(p, &reference))
        .collect();
    Ok(Json(whole_page(items)))
}

#[utoipa::path(post, path = "/api/v1/policies", request_body = CreatePolicy, security(("bearer" = [])),
    responses((status = 201, body = PolicyOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_policy(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiJson(body): ApiJson<CreatePolicy>,
) -> ApiResult<(StatusCode, Json<PolicyOut>)> {
    crate::access::require_admin(&principal)?;
    let new = crate::wire::policies::parse_policy(&state, &principal, body)?;
    let policy = crate::services::admin::create_policy(&state, &principal, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(policy_out(&policy, &state.reference())),
    ))
}

/// Installs the national and local preset limits as editable policies (those not in force
/// yet): acceptance 1 working day, 15 minutes for emergencies and 30 for the outage
/// categories named; resolution by kind (consultation 2, help and suggestion 10, complaint
/// and report 15 working days).
#[utoipa::path(post, path = "/api/v1/policies/presets", request_body = InstallPresets, security(("bearer" = [])),
    responses((status = 201, body = Page<PolicyOut>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn install_presets(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiJson(body): ApiJson<InstallPresets>,
) -> ApiResult<(StatusCode, Json<Page<PolicyOut>>)> {
    crate::access::require_admin(&principal)?;
    let reference = state.reference();
    let mut outages = Vec::new();
    for (index, category) in body.outage_categories.iter().enumerate() {
        let found = crate::wire::org::resolve_category(&reference, Some(category))
            .ok()
            .flatten()
            .ok_or_else(|| {
                crate::error::ApiError::field(
                    format!("outage_categories[{index}]"),
                    "no such category",
                )
            })?;
        outages.push(found);
    }
    let added = crate::services::admin::install_presets(&state, &principal, &outages).await?;
    let reference = state.reference();
    let items = added.iter().map(|p| policy_out(p, &reference)).collect();
    Ok((StatusCode::CREATED, Json(whole_page(items))))
}

/// Edits a policy: a new version replaces it for clocks started from now on.
#[utoipa::path(put, path = "/api/v1/policies/{id}", params(("id" = i64, Path)), request_body = CreatePolicy, security(("bearer" = [])),
    responses((status = 200, body = PolicyOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_policy(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CreatePolicy>,
) -> ApiResult<Json<PolicyOut>> {
    crate::access::require_admin(&principal)?;
    let new = crate::wire::policies::parse_policy(&state, &principal, body)?;
    let policy = crate::services::admin::update_policy(&state, &principal, id, new).await?;
    Ok(Json(policy_out(&policy, &state.reference())))
}
