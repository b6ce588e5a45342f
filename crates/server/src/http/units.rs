//! Units of the organisation tree (`/api/v1/units`).
//!
//! Handlers translate between the wire and the services: no SQL and no rules here.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use civicgrid_api::{CreateUnit, ErrorBody, Page, UnitOut, UnitQuery, UpdateUnit};
use civicgrid_domain::UnitId;
use civicgrid_domain::org::UnitKind;
use civicgrid_domain::request::parse_word;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppStateRef;

use crate::auth::Auth;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(list_units, create_unit))
        .routes(routes!(update_unit))
}

#[utoipa::path(get, path = "/api/v1/units", params(UnitQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<UnitOut>), (status = 401, body = ErrorBody)))]
async fn list_units(
    State(state): AppStateRef,
    Auth(_): Auth,
    ApiQuery(query): ApiQuery<UnitQuery>,
) -> ApiResult<Json<Page<UnitOut>>> {
    let (page, page_size, offset, limit) = crate::wire::paging(query.page, query.page_size)?;
    let kind = query
        .kind
        .as_deref()
        .map(|k| {
            parse_word("kind", k, UnitKind::parse, UnitKind::words)
                .map_err(|e| ApiError::query(e.field, e.message))
        })
        .transpose()?;
    let with_geometry = query.geometry.unwrap_or(false);
    let units = state.store.list_units(with_geometry).await?;
    let matching: Vec<_> = units
        .into_iter()
        .filter(|u| kind.is_none_or(|k| u.kind == k))
        .filter(|u| query.parent.is_none_or(|p| u.parent == Some(UnitId(p))))
        .collect();
    let total = matching.len() as i64;
    let items = matching
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(crate::wire::org::unit_out)
        .collect();
    Ok(Json(Page {
        items,
        total,
        total_exact: true,
        page,
        page_size,
    }))
}

#[utoipa::path(post, path = "/api/v1/units", request_body = CreateUnit, security(("bearer" = [])),
    responses((status = 201, body = UnitOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_unit(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiJson(body): ApiJson<CreateUnit>,
) -> ApiResult<(StatusCode, Json<UnitOut>)> {
    // The role first: someone who may not create units learns nothing from the body.
    crate::access::require_admin(&principal)?;
    let new = crate::wire::org::unit_in(&body)?;
    let row = crate::services::admin::create_unit(&state, &principal, new).await?;
    Ok((StatusCode::CREATED, Json(crate::wire::org::unit_out(row))))
}

#[utoipa::path(patch, path = "/api/v1/units/{id}", params(("id" = i64, Path)), request_body = UpdateUnit, security(("bearer" = [])),
    responses((status = 200, body = UnitOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_unit(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdateUnit>,
) -> ApiResult<Json<UnitOut>> {
    crate::access::require_admin(&principal)?;
    let row = crate::services::admin::update_unit(
        &state,
        &principal,
        UnitId(id),
        body.name,
        body.parent.map(UnitId),
        body.disabled,
        body.code,
    )
    .await?;
    Ok(Json(crate::wire::org::unit_out(row)))
}
