//! Unit statistics, their drill-down, and the dashboard overview (`/api/v1/stats/…`).
//!
//! Handlers translate between the wire and the services: no SQL and no rules here.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use civicgrid_api::{DrillQuery, OverviewOut, OverviewQuery, StatsOut, StatsQuery, TargetsOut};
use civicgrid_api::{ErrorBody, ErrorCode, Page, RequestSummary};
use civicgrid_domain::UnitId;
use civicgrid_domain::org::{Role, Tier, UnitKind};
use civicgrid_domain::request::parse_word;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppStateRef;

use crate::auth::Auth;
use crate::error::{ApiError, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(unit_stats))
        .routes(routes!(unit_stats_cases))
        .routes(routes!(stats_overview))
        .routes(routes!(stats_targets))
}

/// The days and the units a stats query asks for.
fn period_and_units(
    state: &AppState,
    query: &StatsQuery,
) -> ApiResult<(
    chrono::NaiveDate,
    chrono::NaiveDate,
    crate::services::stats::UnitFilter,
)> {
    let (from, to) = crate::wire::stats::period(
        state.now(),
        state.time_zone,
        query.from.as_deref(),
        query.to.as_deref(),
    )?;
    Ok((from, to, unit_filter(query)?))
}

/// The units a stats query asks for: of one kind, or of one tier.
fn unit_filter(query: &StatsQuery) -> ApiResult<crate::services::stats::UnitFilter> {
    let kind = query
        .kind
        .as_deref()
        .map(|k| {
            parse_word("kind", k, UnitKind::parse, UnitKind::words)
                .map_err(|e| ApiError::query(e.field, e.message))
        })
        .transpose()?;
    let tier = query
        .tier
        .as_deref()
        .map(|t| {
            parse_word("tier", t, Tier::parse, Tier::words)
                .map_err(|e| ApiError::query(e.field, e.message))
        })
        .transpose()?;
    Ok(crate::services::stats::UnitFilter { kind, tier })
}

/// How many requests of each unit met the 12345 targets (first response, resolution; both
/// from intake), month by month over a period (default the last 30 days).
#[utoipa::path(get, path = "/api/v1/stats/targets", params(StatsQuery), security(("bearer" = [])),
    responses((status = 200, body = TargetsOut), (status = 400, body = ErrorBody)))]
async fn stats_targets(
    State(state): AppStateRef,
    Auth(_): Auth,
    ApiQuery(query): ApiQuery<StatsQuery>,
) -> ApiResult<Json<TargetsOut>> {
    let (from, to, only) = period_and_units(&state, &query)?;
    let months = crate::services::stats::targets(&state, from, to, only).await?;
    Ok(Json(crate::wire::stats::targets_out(
        &state.reference(),
        from,
        to,
        &months,
    )))
}

/// Each unit's rates, composite score and rank over a period, from the rollups: every unit
/// for hub-wide readers, the units of their subtree for the others (ranks stay the
/// district's, within each tier).
#[utoipa::path(get, path = "/api/v1/stats/units", params(StatsQuery), security(("bearer" = [])),
    responses((status = 200, body = StatsOut), (status = 400, body = ErrorBody)))]
async fn unit_stats(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiQuery(query): ApiQuery<StatsQuery>,
) -> ApiResult<Json<StatsOut>> {
    let (from, to, only) = period_and_units(&state, &query)?;
    let standings = crate::services::stats::units(&state, from, to, only).await?;
    let standings = crate::services::stats::standings_for(&state, &principal, standings);
    Ok(Json(crate::wire::stats::stats_out(
        &state.org(),
        &standings,
    )))
}

/// The requests behind one number of one unit (e.g. `metric=accept_late`).
#[utoipa::path(get, path = "/api/v1/stats/units/{unit}/cases", params(("unit" = i64, Path), DrillQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<RequestSummary>), (status = 403, body = ErrorBody)))]
async fn unit_stats_cases(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiPath(unit): ApiPath<i64>,
    ApiQuery(query): ApiQuery<DrillQuery>,
) -> ApiResult<Json<Page<RequestSummary>>> {
    let (from, to) = crate::wire::stats::period(
        state.now(),
        state.time_zone,
        query.from.as_deref(),
        query.to.as_deref(),
    )?;
    let (page, page_size, offset, limit) = crate::wire::paging(query.page, query.page_size)?;
    let unit = state
        .unit(UnitId(unit), "unit")
        .await
        .map_err(|_| ApiError::new(ErrorCode::NotFound))?;
    let listed = crate::services::stats::cases(
        &state,
        &principal,
        unit.id,
        &query.metric,
        from,
        to,
        (offset, limit),
    )
    .await?;
    Ok(Json(crate::wire::cases::page_out(
        &listed,
        page,
        page_size,
        state.now(),
    )))
}

/// The district at a glance (the leader dashboard's figures), from the daily rollups.
#[utoipa::path(get, path = "/api/v1/stats/overview", params(OverviewQuery), security(("bearer" = [])),
    responses((status = 200, body = OverviewOut), (status = 403, body = ErrorBody)))]
async fn stats_overview(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiQuery(query): ApiQuery<OverviewQuery>,
) -> ApiResult<Json<OverviewOut>> {
    if !principal.is_admin() {
        crate::access::require_role(
            &principal,
            &[Role::Leader, Role::Supervisor, Role::Dispatcher],
            "the overview",
        )?;
    }
    let overview =
        crate::services::stats::overview(&state, &principal, query.days.unwrap_or(90)).await?;
    Ok(Json(crate::wire::stats::overview_out(&overview)))
}
