//! Places (`/api/v1/grids`, `/api/v1/layers`): which grids contain a point, one grid's
//! polygon as GeoJSON, the layers and a layer's export. Public: boundaries are no one's
//! personal data, and the citizens' portal picks places on the same map.
//!
//! Handlers translate between the wire and the services: no SQL and no rules here.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use civicgrid_api::{ErrorBody, GridOut, GridQuery, LayerOut, PlaceOut, PlaceQuery};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppStateRef;

use crate::error::{ApiPath, ApiQuery, ApiResult};
use crate::services::places;
use crate::state::AppState;
use crate::wire::places::{collection, feature, grid_out, lat_lng, layer_out};

pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(grids))
        .routes(routes!(grid))
        .routes(routes!(layers))
        .routes(routes!(layer_geojson))
        .routes(routes!(search_places))
}

/// Public. Gazetteer entries matching the typed text (Chinese, or pinyin initials; a
/// trailing house number keeps the roads whose range holds it), best first, each with its
/// point and the grid it lies in.
#[utoipa::path(get, path = "/api/v1/places", params(PlaceQuery),
    responses((status = 200, body = Vec<PlaceOut>), (status = 400, body = ErrorBody)))]
async fn search_places(
    State(state): AppStateRef,
    ApiQuery(query): ApiQuery<PlaceQuery>,
) -> ApiResult<Json<Vec<PlaceOut>>> {
    let limit = match query.limit {
        None => 10,
        Some(n @ 1..=50) => n as usize,
        Some(_) => {
            return Err(crate::error::ApiError::query(
                "limit",
                "must be between 1 and 50",
            ));
        }
    };
    if query.q.chars().count() > 60 {
        return Err(crate::error::ApiError::query(
            "q",
            "must be at most 60 characters",
        ));
    }
    let reference = state.reference();
    Ok(Json(
        reference
            .gazetteer
            .search(&query.q, limit)
            .iter()
            .map(|found| crate::wire::places::place_out(&reference, found))
            .collect(),
    ))
}

/// Public. With `contains=LAT,LNG`: the polygon of every layer containing the point, the
/// most specific first (empty: the place is outside every grid). Without: every polygon.
#[utoipa::path(get, path = "/api/v1/grids", params(GridQuery),
    responses((status = 200, body = Vec<GridOut>), (status = 400, body = ErrorBody)))]
async fn grids(
    State(state): AppStateRef,
    ApiQuery(query): ApiQuery<GridQuery>,
) -> ApiResult<Json<Vec<GridOut>>> {
    let reference = state.reference();
    let layer = query.layer.as_deref();
    let spots = match query.contains.as_deref() {
        Some(raw) => {
            let (lat, lng) = lat_lng("contains", raw)?;
            places::containing(&reference, lat, lng)
        }
        None => places::all(&reference, layer)
            .into_iter()
            .map(|(spot, _)| spot)
            .collect(),
    };
    Ok(Json(
        spots
            .iter()
            .filter(|s| layer.is_none_or(|l| s.layer.code == l))
            .map(|s| grid_out(&reference.org, s))
            .collect(),
    ))
}

/// Public. One polygon by its unit's place code, as a GeoJSON Feature whose properties
/// are the lookup's fields.
#[utoipa::path(get, path = "/api/v1/grids/{code}", params(("code" = String, Path)),
    responses((status = 200, body = serde_json::Value), (status = 404, body = ErrorBody)))]
async fn grid(
    State(state): AppStateRef,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let reference = state.reference();
    let (spot, shape) = places::by_code(&reference, &code)?;
    Ok(Json(feature(&grid_out(&reference.org, &spot), shape)))
}

/// Public. The grid layers and how many polygons each holds.
#[utoipa::path(get, path = "/api/v1/layers",
    responses((status = 200, body = Vec<LayerOut>)))]
async fn layers(State(state): AppStateRef) -> ApiResult<Json<Vec<LayerOut>>> {
    let reference = state.reference();
    Ok(Json(
        reference
            .places
            .layers()
            .iter()
            .map(|l| layer_out(l, &reference.places))
            .collect(),
    ))
}

/// Public. A layer's polygons as a GeoJSON FeatureCollection (WGS84), ready for a GIS.
#[utoipa::path(get, path = "/api/v1/layers/{code}/geojson", params(("code" = String, Path)),
    responses((status = 200, body = serde_json::Value), (status = 404, body = ErrorBody)))]
async fn layer_geojson(
    State(state): AppStateRef,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let reference = state.reference();
    let polygons = places::layer(&reference, &code)?;
    Ok(Json(collection(&reference.org, &polygons)))
}
