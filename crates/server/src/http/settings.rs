//! Deployment settings: the appraisal configuration and the hub's rules.
//!
//! Handlers translate between the wire and the services: no SQL and no rules here.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use civicgrid_api::ErrorBody;
use civicgrid_api::{AppraisalConfig, RulesConfig};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppStateRef;

use crate::auth::Auth;
use crate::error::{ApiJson, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(get_appraisal, put_appraisal))
        .routes(routes!(get_rules, put_rules))
}

#[utoipa::path(get, path = "/api/v1/settings/rules", security(("bearer" = [])),
    responses((status = 200, body = RulesConfig)))]
async fn get_rules(State(state): AppStateRef, Auth(_): Auth) -> Json<RulesConfig> {
    Json(crate::state::rules_record(&state.reference().case_rules))
}

#[utoipa::path(put, path = "/api/v1/settings/rules", request_body = RulesConfig, security(("bearer" = [])),
    responses((status = 200, body = RulesConfig), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_rules(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiJson(body): ApiJson<RulesConfig>,
) -> ApiResult<Json<RulesConfig>> {
    crate::access::require_admin(&principal)?;
    let rules = crate::state::rules_from_record(&body)?;
    let stored = crate::services::admin::set_rules(&state, &principal, rules).await?;
    Ok(Json(crate::state::rules_record(&stored)))
}

#[utoipa::path(get, path = "/api/v1/settings/appraisal", security(("bearer" = [])),
    responses((status = 200, body = AppraisalConfig)))]
async fn get_appraisal(State(state): AppStateRef, Auth(_): Auth) -> Json<AppraisalConfig> {
    Json(crate::wire::stats::config_out(&state.reference().appraisal))
}

#[utoipa::path(put, path = "/api/v1/settings/appraisal", request_body = AppraisalConfig, security(("bearer" = [])),
    responses((status = 200, body = AppraisalConfig), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_appraisal(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiJson(body): ApiJson<AppraisalConfig>,
) -> ApiResult<Json<AppraisalConfig>> {
    crate::access::require_admin(&principal)?;
    let config = crate::wire::stats::config_in(&body, &state.reference())?;
    let stored = crate::services::admin::set_appraisal(&state, &principal, config).await?;
    Ok(Json(crate::wire::stats::config_out(&stored)))
}
