//! HTTP handlers of `/api/v1`, `/healthz` and `/metrics`, and the router that mounts them.
//! Handlers only translate between the wire and the services: no SQL and no rules here.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use civicgrid_api::{
    ActionBody, AttachmentOut, CancelReasonOut, CategoryOut, ChainReport, CreateCategory,
    CreatePolicy, CreateRequest, CreateRoutingRule, CreateUnit, CreateUser, CreatedRequest,
    DeadlineOut, DeadlineQuery, ErrorBody, ErrorCode, EventOut, Health, LoginRequest,
    LoginResponse, Page, PolicyOut, RequestOut, RequestQuery, RequestSummary, RoutingRuleOut,
    ServiceIndex, TrackOut, TrackQuery, UnitOut, UnitQuery, UserOut,
};
use civicgrid_api::{
    AddOfficialDays, AddedOfficialDays, AppraisalConfig, DrillQuery, NoticeOut, NoticeQuery,
    OfficialDayOut, OfficialDayQuery, OverviewOut, OverviewQuery, PoolItemOut, PoolQuery,
    SampleOut, SampleQuery, StatsOut, StatsQuery,
};
use civicgrid_domain::UnitId;
use civicgrid_domain::lifecycle::Action;
use civicgrid_domain::org::{Role, UnitKind};
use civicgrid_domain::request::parse_word;
use metrics_exporter_prometheus::PrometheusHandle;
use sha2::{Digest, Sha256};
use utoipa::OpenApi;

use crate::auth::{self, Auth};
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult, RawBody, parse_json};
use crate::services::calendar::WorkingTime;
use crate::state::AppState;
use crate::wire::org::category_out;
use crate::wire::org::rule_out;
use crate::wire::org::user_out;
use crate::wire::policies::parse_policy;
use crate::wire::policies::policy_out;

type AppStateRef = State<Arc<AppState>>;

#[derive(OpenApi)]
#[openapi(
    info(title = "civicgrid API", description = "Citizen requests from intake to callback."),
    paths(
        login, list_units, create_unit, list_categories, create_category, list_routing_rules, create_routing_rule,
        list_cancel_reasons, list_users, create_user, me, create_request, list_requests, get_request, request_events,
        request_action, upload_attachment, get_attachment, track, calendar_deadline, list_policies, create_policy, update_policy, index, verify_chain, healthz, metrics_text,
        supervision_pool, supervision_samples, list_notices, read_notice, unit_stats, unit_stats_cases, stats_overview, get_appraisal, put_appraisal,
        official_days, add_official_days
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every route of the API. `tests/it/openapi.rs` checks this list against the OpenAPI
/// document, so a route cannot be added without documenting it.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/units"),
    ("POST", "/api/v1/units"),
    ("GET", "/api/v1/categories"),
    ("POST", "/api/v1/categories"),
    ("GET", "/api/v1/routing-rules"),
    ("POST", "/api/v1/routing-rules"),
    ("GET", "/api/v1/cancel-reasons"),
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"),
    ("GET", "/api/v1/me"),
    ("POST", "/api/v1/requests"),
    ("GET", "/api/v1/requests"),
    ("GET", "/api/v1/requests/{serial}"),
    ("GET", "/api/v1/requests/{serial}/events"),
    ("POST", "/api/v1/requests/{serial}/{action}"),
    ("POST", "/api/v1/requests/{serial}/attachments"),
    ("GET", "/api/v1/requests/{serial}/attachments/{id}"),
    ("GET", "/api/v1/track"),
    ("GET", "/api/v1/calendar/deadline"),
    ("GET", "/api/v1/policies"),
    ("POST", "/api/v1/policies"),
    ("PUT", "/api/v1/policies/{id}"),
    ("GET", "/api/v1/admin/verify-chain"),
    ("GET", "/api/v1/supervision/pool"),
    ("GET", "/api/v1/supervision/samples"),
    ("GET", "/api/v1/notices"),
    ("POST", "/api/v1/notices/{id}/read"),
    ("GET", "/api/v1/stats/units"),
    ("GET", "/api/v1/stats/units/{unit}/cases"),
    ("GET", "/api/v1/stats/overview"),
    ("GET", "/api/v1/settings/appraisal"),
    ("PUT", "/api/v1/settings/appraisal"),
    ("GET", "/api/v1/calendar/official-days"),
    ("POST", "/api/v1/calendar/official-days"),
    ("GET", "/healthz"),
    ("GET", "/metrics"),
];

pub fn router(state: Arc<AppState>, metrics: Option<PrometheusHandle>) -> Router {
    let api = Router::new()
        .route("/auth/login", post(login))
        .route("/units", get(list_units).post(create_unit))
        .route("/categories", get(list_categories).post(create_category))
        .route(
            "/routing-rules",
            get(list_routing_rules).post(create_routing_rule),
        )
        .route("/cancel-reasons", get(list_cancel_reasons))
        .route("/users", get(list_users).post(create_user))
        .route("/me", get(me))
        .route("/requests", post(create_request).get(list_requests))
        .route("/requests/{serial}", get(get_request))
        .route("/requests/{serial}/events", get(request_events))
        .route("/requests/{serial}/attachments", post(upload_attachment))
        .route("/requests/{serial}/attachments/{id}", get(get_attachment))
        .route("/requests/{serial}/{action}", post(request_action))
        .route("/track", get(track))
        .route("/calendar/deadline", get(calendar_deadline))
        .route("/policies", get(list_policies).post(create_policy))
        .route("/policies/{id}", axum::routing::put(update_policy))
        .route("/admin/verify-chain", get(verify_chain))
        .route("/supervision/pool", get(supervision_pool))
        .route("/supervision/samples", get(supervision_samples))
        .route("/notices", get(list_notices))
        .route("/notices/{id}/read", post(read_notice))
        .route("/stats/units", get(unit_stats))
        .route("/stats/units/{unit}/cases", get(unit_stats_cases))
        .route("/stats/overview", get(stats_overview))
        .route("/settings/appraisal", get(get_appraisal).put(put_appraisal))
        .route(
            "/calendar/official-days",
            get(official_days).post(add_official_days),
        )
        .fallback(api_not_found);
    Router::new()
        .nest("/api/v1", api)
        .route("/api", get(index))
        .merge(crate::pages::router())
        .route("/api/openapi.json", get(openapi_json))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text).with_state(metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(6 * 1024 * 1024))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            coherent,
        ))
        .layer(axum::middleware::from_fn(crate::telemetry::track))
        .with_state(state)
}

/// Brings this instance's in-memory copies up to date before the request is handled, so a
/// change made through another instance holds here at once (see `state`).
async fn coherent(
    State(state): AppStateRef,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if let Err(error) = state.refresh().await {
        return error.into_response();
    }
    next.run(request).await
}

async fn api_not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound)
}

/// Outside the API a browser gets a page; everything else the JSON error.
async fn not_found(uri: axum::http::Uri, headers: HeaderMap) -> Response {
    crate::pages::not_found_page(&headers, uri.path())
        .unwrap_or_else(|| ApiError::new(ErrorCode::NotFound).into_response())
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(ErrorCode::MethodNotAllowed)
}

/// Where things are (the public portal has `/`).
#[utoipa::path(get, path = "/api", responses((status = 200, body = ServiceIndex)))]
async fn index() -> Json<ServiceIndex> {
    Json(ServiceIndex {
        name: "civicgrid".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        api: "/api/v1".into(),
        openapi: "/api/openapi.json".into(),
        health: "/healthz".into(),
        login: "POST /api/v1/auth/login".into(),
        track: "/api/v1/track?serial=&code=".into(),
    })
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// A short list returned whole, in the same page shape as the long ones.
fn whole_page<T>(items: Vec<T>) -> Page<T> {
    let total = items.len() as i64;
    let page_size = items.len().max(1) as u32;
    Page {
        items,
        total,
        total_exact: true,
        page: 1,
        page_size,
    }
}

#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    State(state): AppStateRef,
    extensions: axum::http::Extensions,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let client = crate::throttle::client_key(&extensions);
    let (token, expires, user) =
        auth::sign_in(&state, &client, &body.username, body.password).await?;
    Ok(Json(LoginResponse {
        token,
        expires_at: expires,
        user: user_out(&user),
    }))
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
        .map(|u| UnitOut {
            id: u.id.0,
            name: u.name,
            kind: u.kind.as_str().into(),
            parent: u.parent.map(|p| p.0),
            lines: u.lines,
            geometry: u.geometry.and_then(|g| serde_json::from_str(&g).ok()),
        })
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
    Ok((
        StatusCode::CREATED,
        Json(crate::services::admin::create_unit(&state, &principal, body).await?),
    ))
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
    Ok((
        StatusCode::CREATED,
        Json(crate::services::admin::create_category(&state, &principal, body).await?),
    ))
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
    Ok((
        StatusCode::CREATED,
        Json(crate::services::admin::create_routing_rule(&state, &principal, body).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/cancel-reasons", security(("bearer" = [])),
    responses((status = 200, body = Vec<CancelReasonOut>), (status = 401, body = ErrorBody)))]
async fn list_cancel_reasons(
    State(state): AppStateRef,
    Auth(_): Auth,
) -> ApiResult<Json<Vec<CancelReasonOut>>> {
    let reasons = state.store.list_cancel_reasons().await?;
    Ok(Json(
        reasons
            .into_iter()
            .map(|r| CancelReasonOut {
                code: r.code,
                label: r.label,
            })
            .collect(),
    ))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
struct PageQuery {
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
    let (users, total) = state.store.list_users(offset, limit).await?;
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
    Ok((
        StatusCode::CREATED,
        Json(crate::services::admin::create_user(&state, &principal, body).await?),
    ))
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

#[utoipa::path(post, path = "/api/v1/requests", request_body = CreateRequest, security(("bearer" = [])),
    responses((status = 201, body = CreatedRequest), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_request(
    State(state): AppStateRef,
    Auth(principal): Auth,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<(StatusCode, Json<CreatedRequest>)> {
    // Parsed by hand so the intake record keeps the body exactly as it arrived.
    let parsed: CreateRequest = parse_json(&headers, &body)?;
    let raw = String::from_utf8_lossy(&body).into_owned();
    let created = crate::services::cases::intake(&state, &principal, parsed, raw).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/requests", params(RequestQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<RequestSummary>), (status = 400, body = ErrorBody)))]
async fn list_requests(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiQuery(query): ApiQuery<RequestQuery>,
) -> ApiResult<Json<Page<RequestSummary>>> {
    Ok(Json(
        crate::services::cases::list(&state, &principal, &query).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/requests/{serial}", params(("serial" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = RequestOut), (status = 404, body = ErrorBody)))]
async fn get_request(
    State(state): AppStateRef,
    Auth(principal): Auth,
    Path(serial): Path<String>,
) -> ApiResult<Json<RequestOut>> {
    let loaded = crate::services::cases::load_visible(&state, &principal, &serial).await?;
    Ok(Json(
        crate::services::cases::view(&state, &principal, &loaded).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/requests/{serial}/events", params(("serial" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Page<EventOut>), (status = 404, body = ErrorBody)))]
async fn request_events(
    State(state): AppStateRef,
    Auth(principal): Auth,
    Path(serial): Path<String>,
) -> ApiResult<Json<Page<EventOut>>> {
    let items = crate::services::cases::events(&state, &principal, &serial).await?;
    Ok(Json(whole_page(items)))
}

#[utoipa::path(post, path = "/api/v1/requests/{serial}/{action}", request_body = ActionBody,
    params(("serial" = String, Path), ("action" = String, Path, description = "answer, dispatch, accept, contact, return, transfer, assign_down, assist_report, coordinate, request_extension, approve_extension, refuse_extension, suspend, resume, resolve, callback, reopen, close, cancel, merge, transfer_out, remind, urge, supervise, hold_accountable, quality_callback")),
    security(("bearer" = [])),
    responses((status = 200, body = RequestOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn request_action(
    State(state): AppStateRef,
    Auth(principal): Auth,
    Path((serial, action)): Path<(String, String)>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<Json<RequestOut>> {
    let action = Action::parse(&action).ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    // Actions without arguments may be posted with an empty body.
    let parsed = if body.iter().all(u8::is_ascii_whitespace) {
        ActionBody::default()
    } else {
        parse_json(&headers, &body)?
    };
    Ok(Json(
        crate::services::cases::act(&state, &principal, &serial, action, parsed).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/requests/{serial}/attachments", params(("serial" = String, Path)),
    request_body(content = Vec<u8>, content_type = "image/jpeg"), security(("bearer" = [])),
    responses((status = 201, body = AttachmentOut), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
async fn upload_attachment(
    State(state): AppStateRef,
    Auth(principal): Auth,
    Path(serial): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<(StatusCode, Json<AttachmentOut>)> {
    let loaded = crate::services::cases::load_visible(&state, &principal, &serial).await?;
    crate::access::require_add_photos(&principal)?;
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let content_type = crate::services::cases::check_photo(declared, &body)?;
    let sha = hex::encode(Sha256::digest(&body));
    let saved = state
        .store
        .add_attachment(
            loaded.row.id,
            content_type,
            body.to_vec(),
            &sha,
            state.now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(AttachmentOut {
            id: saved.id,
            content_type: saved.content_type,
            size: saved.size,
            sha256: saved.sha256,
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/requests/{serial}/attachments/{id}", params(("serial" = String, Path), ("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, content_type = "image/jpeg"), (status = 404, body = ErrorBody)))]
async fn get_attachment(
    State(state): AppStateRef,
    Auth(principal): Auth,
    Path((serial, id)): Path<(String, i64)>,
) -> ApiResult<Response> {
    let loaded = crate::services::cases::load_visible(&state, &principal, &serial).await?;
    let (content_type, body) = state
        .store
        .attachment_body(loaded.row.id, id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
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
    let new = parse_policy(&state, &principal, body)?;
    let policy = state.store.create_policy(new, state.now()).await?;
    state.reload().await?;
    Ok((
        StatusCode::CREATED,
        Json(policy_out(&policy, &state.reference())),
    ))
}

/// Edits a policy: a new version replaces it for clocks started from now on.
#[utoipa::path(put, path = "/api/v1/policies/{id}", params(("id" = i64, Path)), request_body = CreatePolicy, security(("bearer" = [])),
    responses((status = 200, body = PolicyOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_policy(
    State(state): AppStateRef,
    Auth(principal): Auth,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CreatePolicy>,
) -> ApiResult<Json<PolicyOut>> {
    Ok(Json(
        crate::services::admin::update_policy(&state, &principal, id, body).await?,
    ))
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

/// Public: no sign-in. What a citizen sees of their own request.
#[utoipa::path(get, path = "/api/v1/track", params(TrackQuery),
    responses((status = 200, body = TrackOut), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn track(
    State(state): AppStateRef,
    extensions: axum::http::Extensions,
    ApiQuery(query): ApiQuery<TrackQuery>,
) -> ApiResult<Json<TrackOut>> {
    let client = crate::throttle::client_key(&extensions);
    Ok(Json(
        crate::services::cases::track_guarded(&state, &client, &query.serial, &query.code).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/admin/verify-chain", security(("bearer" = [])),
    responses((status = 200, body = ChainReport), (status = 403, body = ErrorBody)))]
async fn verify_chain(
    State(state): AppStateRef,
    Auth(principal): Auth,
) -> ApiResult<Json<ChainReport>> {
    crate::access::require_admin(&principal)?;
    let check = state.store.verify_chains().await?;
    Ok(Json(ChainReport {
        requests_checked: check.requests,
        events_checked: check.events,
        broken: check.broken,
    }))
}

#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health), (status = 503, body = ErrorBody)))]
async fn healthz(State(state): AppStateRef) -> ApiResult<Json<Health>> {
    state.store.ping().await.map_err(|e| {
        tracing::error!(error = %e, "health check failed");
        ApiError::new(ErrorCode::Unavailable)
    })?;
    Ok(Json(Health {
        status: "ok".into(),
        database: state.store.backend().name().into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}

#[utoipa::path(get, path = "/metrics", responses((status = 200, content_type = "text/plain")))]
async fn metrics_text(State(handle): State<Option<PrometheusHandle>>) -> Response {
    match handle {
        Some(handle) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            handle.render(),
        )
            .into_response(),
        None => (StatusCode::OK, "").into_response(),
    }
}

/// The supervision pool: cases that went red (or that a supervisor put there), oldest first.
#[utoipa::path(get, path = "/api/v1/supervision/pool", params(PoolQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<PoolItemOut>), (status = 403, body = ErrorBody)))]
async fn supervision_pool(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiQuery(query): ApiQuery<PoolQuery>,
) -> ApiResult<Json<Page<PoolItemOut>>> {
    crate::access::require_role(
        &principal,
        &[Role::Supervisor, Role::Dispatcher, Role::Leader],
        "the supervision pool",
    )?;
    let (page, page_size, offset, limit) = crate::wire::paging(query.page, query.page_size)?;
    let owner = match query.owner.as_deref() {
        None | Some("") => None,
        Some("me") => Some(principal.user),
        Some(_) => return Err(ApiError::query("owner", "use `me` or leave it out")),
    };
    let (items, total) = crate::services::supervision::pool(
        &state,
        &principal,
        owner,
        query.all.unwrap_or(false),
        (offset, limit),
    )
    .await?;
    Ok(Json(Page {
        items,
        total,
        total_exact: true,
        page,
        page_size,
    }))
}

/// Closed cases drawn for a supervisor's quality callback (`POST …/quality_callback`).
#[utoipa::path(get, path = "/api/v1/supervision/samples", params(SampleQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<SampleOut>), (status = 403, body = ErrorBody)))]
async fn supervision_samples(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiQuery(query): ApiQuery<SampleQuery>,
) -> ApiResult<Json<Page<SampleOut>>> {
    crate::access::require_role(&principal, &[Role::Supervisor], "sampled callbacks")?;
    let (page, page_size, offset, limit) = crate::wire::paging(query.page, query.page_size)?;
    let (items, total) =
        crate::services::supervision::samples(&state, !query.all.unwrap_or(false), (offset, limit))
            .await?;
    Ok(Json(Page {
        items,
        total,
        total_exact: true,
        page,
        page_size,
    }))
}

/// Reminders, urging notices and accountability records. Hub-wide roles see all; everyone
/// else sees those addressed to the units of their grants (and below).
#[utoipa::path(get, path = "/api/v1/notices", params(NoticeQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<NoticeOut>), (status = 400, body = ErrorBody)))]
async fn list_notices(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiQuery(query): ApiQuery<NoticeQuery>,
) -> ApiResult<Json<Page<NoticeOut>>> {
    let (page, page_size, offset, limit) = crate::wire::paging(query.page, query.page_size)?;
    if let Some(kind) = &query.kind
        && !["remind", "urge", "hold_accountable"].contains(&kind.as_str())
    {
        return Err(ApiError::query(
            "kind",
            "must be one of: remind, urge, hold_accountable",
        ));
    }
    let (items, total) = crate::services::supervision::notices(
        &state,
        &principal,
        query.unit.map(|u| vec![UnitId(u)]),
        query.kind.clone(),
        query.unread.unwrap_or(false),
        (offset, limit),
    )
    .await?;
    Ok(Json(Page {
        items,
        total,
        total_exact: true,
        page,
        page_size,
    }))
}

/// Acknowledges a notice on behalf of the unit it is addressed to. Only someone who sees
/// the unit's notices may; the first acknowledgement stays.
#[utoipa::path(post, path = "/api/v1/notices/{id}/read", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = NoticeOut), (status = 404, body = ErrorBody)))]
async fn read_notice(
    State(state): AppStateRef,
    Auth(principal): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<NoticeOut>> {
    Ok(Json(
        crate::services::supervision::read_notice(&state, &principal, id).await?,
    ))
}

/// Each unit's rates, composite score and rank over a period, from the rollups.
#[utoipa::path(get, path = "/api/v1/stats/units", params(StatsQuery), security(("bearer" = [])),
    responses((status = 200, body = StatsOut), (status = 400, body = ErrorBody)))]
async fn unit_stats(
    State(state): AppStateRef,
    Auth(_): Auth,
    ApiQuery(query): ApiQuery<StatsQuery>,
) -> ApiResult<Json<StatsOut>> {
    let (from, to) =
        crate::services::stats::period(state.now(), query.from.as_deref(), query.to.as_deref())?;
    let kind = query
        .kind
        .as_deref()
        .map(|k| {
            parse_word("kind", k, UnitKind::parse, UnitKind::words)
                .map_err(|e| ApiError::query(e.field, e.message))
        })
        .transpose()?;
    Ok(Json(
        crate::services::stats::units(&state, from, to, kind).await?,
    ))
}

/// The requests behind one number of one unit (e.g. `metric=accept_late`).
#[utoipa::path(get, path = "/api/v1/stats/units/{unit}/cases", params(("unit" = i64, Path), DrillQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<RequestSummary>), (status = 403, body = ErrorBody)))]
async fn unit_stats_cases(
    State(state): AppStateRef,
    Auth(principal): Auth,
    Path(unit): Path<i64>,
    ApiQuery(query): ApiQuery<DrillQuery>,
) -> ApiResult<Json<Page<RequestSummary>>> {
    let (from, to) =
        crate::services::stats::period(state.now(), query.from.as_deref(), query.to.as_deref())?;
    let (page, page_size, offset, limit) = crate::wire::paging(query.page, query.page_size)?;
    let unit = state
        .unit(UnitId(unit), "unit")
        .await
        .map_err(|_| ApiError::new(ErrorCode::NotFound))?;
    Ok(Json(
        crate::services::stats::cases(
            &state,
            &principal,
            unit.id,
            &query.metric,
            from,
            to,
            (page, page_size, offset, limit),
        )
        .await?,
    ))
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
    Ok(Json(
        crate::services::stats::overview(&state, &principal, query.days.unwrap_or(90)).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/settings/appraisal", security(("bearer" = [])),
    responses((status = 200, body = AppraisalConfig)))]
async fn get_appraisal(State(state): AppStateRef, Auth(_): Auth) -> Json<AppraisalConfig> {
    Json(crate::services::stats::config_out(
        &state.reference().appraisal,
    ))
}

#[utoipa::path(put, path = "/api/v1/settings/appraisal", request_body = AppraisalConfig, security(("bearer" = [])),
    responses((status = 200, body = AppraisalConfig), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_appraisal(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiJson(body): ApiJson<AppraisalConfig>,
) -> ApiResult<Json<AppraisalConfig>> {
    crate::access::require_admin(&principal)?;
    let config = civicgrid_domain::appraisal::Config::parse(
        &body.weights,
        body.min_sample,
        body.basically_satisfied_credit,
        body.accountability_penalty,
        body.sample_percent,
    )?;
    let out = crate::services::stats::config_out(&config);
    let text = serde_json::to_string(&out).map_err(ApiError::internal)?;
    state
        .store
        .set_setting(crate::state::APPRAISAL_SETTING, &text)
        .await?;
    state.reload().await?;
    Ok(Json(out))
}

/// Public: the official days the district calendar counts with.
#[utoipa::path(get, path = "/api/v1/calendar/official-days", params(OfficialDayQuery),
    responses((status = 200, body = Vec<OfficialDayOut>)))]
async fn official_days(
    State(state): AppStateRef,
    ApiQuery(query): ApiQuery<OfficialDayQuery>,
) -> ApiResult<Json<Vec<OfficialDayOut>>> {
    Ok(Json(
        crate::services::calendar::official_days(&state, query.year).await?,
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
    let added =
        crate::services::calendar::add_official_days(&state, &body.text, Some(principal.user))
            .await?;
    Ok((StatusCode::CREATED, Json(added)))
}
