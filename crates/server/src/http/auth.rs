//! Signing in (`/api/v1/auth/login`) and who am I (`/api/v1/me`).
//!
//! Handlers translate between the wire and the services: no SQL and no rules here.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use civicgrid_api::{ErrorBody, ErrorCode, LoginRequest, LoginResponse, UserOut};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppStateRef;

use crate::auth::{self, Auth};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::state::AppState;
use crate::wire::org::user_out;

pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(me))
}

#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    State(state): AppStateRef,
    extensions: axum::http::Extensions,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let client = crate::throttle::client_key(&extensions);
    let (token, expires, user) = auth::sign_in(
        &state,
        &client,
        &body.username,
        body.password,
        body.new_password,
    )
    .await?;
    Ok(Json(LoginResponse {
        token,
        expires_at: expires,
        user: user_out(&user),
    }))
}

#[utoipa::path(get, path = "/api/v1/me", security(("bearer" = [])),
    responses((status = 200, body = UserOut), (status = 401, body = ErrorBody)))]
async fn me(State(state): AppStateRef, Auth(principal): Auth) -> ApiResult<Json<UserOut>> {
    let user = state
        .store
        .get_user(principal.user)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))?;
    Ok(Json(user_out(&user)))
}
