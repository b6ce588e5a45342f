//! The district calendar: deadlines computed on it, and its official days.
//!
//! Handlers translate between the wire and the services: no SQL and no rules here.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use civicgrid_api::{AddOfficialDays, AddedOfficialDays, OfficialDayOut, OfficialDayQuery};
use civicgrid_api::{DeadlineOut, DeadlineQuery, ErrorBody};
use civicgrid_domain::UnitId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppStateRef;

use crate::auth::Auth;
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult};
use crate::services::calendar::WorkingTime;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(calendar_deadline))
        .routes(routes!(official_days, add_official_days))
}

/// Public: the official calendar is public information.
#[utoipa::path(get, path = "/api/v1/calendar/deadline", params(DeadlineQuery),
    responses((status = 200, body = DeadlineOut), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn calendar_deadline(
    State(state): AppStateRef,
    ApiQuery(query): ApiQuery<DeadlineQuery>,
) -> ApiResult<Json<DeadlineOut>> {
    let from = chrono::DateTime::parse_from_rfc3339(query.from.trim())
        .map_err(|_| {
            ApiError::query(
                "from",
                "must be an RFC 3339 instant, e.g. 2025-09-30T16:00:00+08:00",
            )
        })?
        .with_timezone(&chrono::Utc);
    if !civicgrid_domain::calendar::in_range(from.date_naive()) {
        return Err(ApiError::query(
            "from",
            civicgrid_domain::calendar::range_message(),
        ));
    }
    let amount = match (query.working_days, query.working_hours) {
        (Some(days), None) if (1..=250).contains(&days) => WorkingTime::Days(days),
        (None, Some(hours)) if (1..=2000).contains(&hours) => WorkingTime::Hours(hours),
        (Some(_), None) => {
            return Err(ApiError::query("working_days", "must be between 1 and 250"));
        }
        (None, Some(_)) => {
            return Err(ApiError::query(
                "working_hours",
                "must be between 1 and 2000",
            ));
        }
        _ => {
            return Err(ApiError::query(
                "working_days",
                "give exactly one of working_days and working_hours",
            ));
        }
    };
    let (deadline, name) =
        crate::services::calendar::deadline(&state, from, query.unit.map(UnitId), amount).await?;
    Ok(Json(DeadlineOut {
        deadline,
        calendar: name.into(),
    }))
}

/// Public: the official days the district calendar counts with.
#[utoipa::path(get, path = "/api/v1/calendar/official-days", params(OfficialDayQuery),
    responses((status = 200, body = Vec<OfficialDayOut>)))]
async fn official_days(
    State(state): AppStateRef,
    ApiQuery(query): ApiQuery<OfficialDayQuery>,
) -> ApiResult<Json<Vec<OfficialDayOut>>> {
    let days = crate::services::calendar::official_days(&state, query.year).await?;
    Ok(Json(
        days.iter()
            .map(crate::wire::calendar::official_day_out)
            .collect(),
    ))
}

/// Adds next year's official notice (`YYYY-MM-DD off|work NAME` lines); all or nothing.
#[utoipa::path(post, path = "/api/v1/calendar/official-days", request_body = AddOfficialDays, security(("bearer" = [])),
    responses((status = 201, body = AddedOfficialDays), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_official_days(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiJson(body): ApiJson<AddOfficialDays>,
) -> ApiResult<(StatusCode, Json<AddedOfficialDays>)> {
    crate::access::require_admin(&principal)?;
    let days = crate::wire::calendar::official_days_in(&body.text)?;
    let added =
        crate::services::calendar::add_official_days(&state, days, Some(principal.user)).await?;
    Ok((
        StatusCode::CREATED,
        Json(crate::wire::calendar::added_out(&added)),
    ))
}
