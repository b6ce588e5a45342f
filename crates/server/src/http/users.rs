//! Staff accounts (`/api/v1/users`).
//!
//! Handlers translate between the wire and the services: no SQL and no rules here.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use civicgrid_api::{CreateUser, ErrorBody, Page, ResetPassword, UpdateUser, UserOut};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppStateRef;

use crate::auth::Auth;
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;
use crate::wire::org::user_out;

pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(update_user))
        .routes(routes!(reset_password))
        .routes(routes!(unlock_user))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PageQuery {
    /// Only users whose username or display name contains this text.
    q: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/users", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<UserOut>), (status = 403, body = ErrorBody)))]
async fn list_users(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<UserOut>>> {
    crate::access::require_admin(&principal)?;
    let (page, page_size, offset, limit) = crate::wire::paging(query.page, query.page_size)?;
    let (users, total) = state
        .store
        .list_users(query.q.as_deref(), offset, limit)
        .await?;
    Ok(Json(Page {
        items: users.iter().map(user_out).collect(),
        total,
        total_exact: true,
        page,
        page_size,
    }))
}

#[utoipa::path(post, path = "/api/v1/users", request_body = CreateUser, security(("bearer" = [])),
    responses((status = 201, body = UserOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_user(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiJson(body): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<UserOut>)> {
    crate::access::require_admin(&principal)?;
    let new = crate::wire::org::account_in(body)?;
    let user = crate::services::admin::create_user(&state, &principal, new).await?;
    Ok((StatusCode::CREATED, Json(user_out(&user))))
}

/// Changes an account: `{"disabled": true}` stops it signing in and ends its sessions at
/// once (API and pages, every instance); `{"disabled": false}` restores it.
#[utoipa::path(patch, path = "/api/v1/users/{id}", params(("id" = i64, Path)), request_body = UpdateUser, security(("bearer" = [])),
    responses((status = 200, body = UserOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_user(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdateUser>,
) -> ApiResult<Json<UserOut>> {
    crate::access::require_admin(&principal)?;
    let id = civicgrid_domain::UserId(id);
    let mut user = state
        .store
        .get_user(id)
        .await?
        .ok_or(civicgrid_store::StoreError::NotFound("user"))?;
    if body.roles.is_some() || body.unit.is_some() || body.lines.is_some() {
        let current_roles: Vec<String> = user
            .grants
            .iter()
            .map(|g| g.role.as_str().to_owned())
            .collect();
        let current_lines = user
            .grants
            .first()
            .map(|g| g.lines.clone())
            .unwrap_or_default();
        let (roles, lines) = crate::wire::org::roles_in(
            body.roles.as_deref().unwrap_or(&current_roles),
            body.lines.as_deref().unwrap_or(&current_lines),
        )?;
        let unit = body.unit.map_or(user.unit, civicgrid_domain::UnitId);
        user =
            crate::services::admin::set_grants(&state, &principal, id, unit, roles, lines).await?;
    }
    if let Some(disabled) = body.disabled {
        user = crate::services::admin::set_user_disabled(&state, &principal, id, disabled).await?;
    }
    Ok(Json(user_out(&user)))
}

/// Resets a password to a temporary one: the user's sessions end, and the next sign-in
/// (with the temporary password) must choose a new one (`new_password` on the login).
#[utoipa::path(post, path = "/api/v1/users/{id}/password", params(("id" = i64, Path)), request_body = ResetPassword, security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reset_password(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ResetPassword>,
) -> ApiResult<StatusCode> {
    crate::access::require_admin(&principal)?;
    crate::services::admin::reset_password(
        &state,
        &principal,
        civicgrid_domain::UserId(id),
        body.password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lifts the sign-in lock that failed attempts put on an account (on the answering
/// instance; elsewhere it ends with its window).
#[utoipa::path(post, path = "/api/v1/users/{id}/unlock", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = civicgrid_api::UnlockOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unlock_user(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<civicgrid_api::UnlockOut>> {
    let was_locked =
        crate::services::admin::unlock_sign_in(&state, &principal, civicgrid_domain::UserId(id))
            .await?;
    Ok(Json(civicgrid_api::UnlockOut { was_locked }))
}
