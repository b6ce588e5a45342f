//! Public tracking by serial and verification code (`/api/v1/track`).
//!
//! Handlers translate between the wire and the services: no SQL and no rules here.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use civicgrid_api::{ErrorBody, TrackOut, TrackQuery};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppStateRef;

use crate::error::{ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new().routes(routes!(track))
}

/// Public: no sign-in. What a citizen sees of their own request.
#[utoipa::path(get, path = "/api/v1/track", params(TrackQuery),
    responses((status = 200, body = TrackOut), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn track(
    State(state): AppStateRef,
    extensions: axum::http::Extensions,
    ApiQuery(query): ApiQuery<TrackQuery>,
) -> ApiResult<Json<TrackOut>> {
    let client = crate::throttle::client_key(&extensions);
    let tracked =
        crate::services::cases::track_guarded(&state, &client, &query.serial, &query.code).await?;
    Ok(Json(crate::wire::cases::track_out(
        &state.reference(),
        &tracked,
    )))
}
