//! Requests: intake, lists, one request, its events, lifecycle actions and photos
//! (`/api/v1/requests…`).
//!
//! Handlers translate between the wire and the services: no SQL and no rules here.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use civicgrid_api::{
    ActionBody, AttachmentOut, CreateRequest, CreatedRequest, ErrorBody, ErrorCode, EventOut, Page,
    RequestOut, RequestQuery, RequestSummary,
};
use civicgrid_domain::lifecycle::Action;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{AppStateRef, whole_page};

use crate::auth::Auth;
use crate::error::{ApiError, ApiPath, ApiQuery, ApiResult, RawBody, parse_json};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(create_request, list_requests))
        .routes(routes!(get_request))
        .routes(routes!(request_events))
        .routes(routes!(request_action))
        .routes(routes!(upload_attachment))
        .routes(routes!(get_attachment))
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
    // The role is checked before the body, so a caller who may not register learns no more.
    crate::access::require_register(&principal)?;
    let parsed: CreateRequest = parse_json(&headers, &body)?;
    let raw = String::from_utf8_lossy(&body).into_owned();
    let submission = crate::wire::cases::submission(&state.reference(), &parsed, raw)?;
    let registered = crate::services::cases::intake(&state, &principal, submission).await?;
    Ok((
        StatusCode::CREATED,
        Json(crate::wire::cases::created_out(&state.org(), &registered)),
    ))
}

#[utoipa::path(get, path = "/api/v1/requests", params(RequestQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<RequestSummary>), (status = 400, body = ErrorBody)))]
async fn list_requests(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiQuery(query): ApiQuery<RequestQuery>,
) -> ApiResult<Json<Page<RequestSummary>>> {
    let now = state.now();
    let (filter, page, page_size) = crate::wire::cases::list_filter(&query, now, state.time_zone)?;
    let listed = crate::services::cases::list(&state, &principal, &filter).await?;
    Ok(Json(crate::wire::cases::page_out(
        &listed, page, page_size, now,
    )))
}

#[utoipa::path(get, path = "/api/v1/requests/{serial}", params(("serial" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = RequestOut), (status = 404, body = ErrorBody)))]
async fn get_request(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiPath(serial): ApiPath<String>,
) -> ApiResult<Json<RequestOut>> {
    let loaded = crate::services::cases::load_visible(&state, &principal, &serial).await?;
    Ok(Json(shown(&state, &principal, loaded).await?))
}

#[utoipa::path(get, path = "/api/v1/requests/{serial}/events", params(("serial" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Page<EventOut>), (status = 404, body = ErrorBody)))]
async fn request_events(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiPath(serial): ApiPath<String>,
) -> ApiResult<Json<Page<EventOut>>> {
    let events = crate::services::cases::events(&state, &principal, &serial).await?;
    Ok(Json(whole_page(
        events
            .into_iter()
            .map(crate::wire::cases::event_out)
            .collect(),
    )))
}

#[utoipa::path(post, path = "/api/v1/requests/{serial}/{action}", request_body = ActionBody,
    params(("serial" = String, Path), ("action" = String, Path, description = "answer, place, dispatch, accept, contact, return, transfer, assign_down, assist_report, coordinate, answer_coordination, agree, settle, request_extension, approve_extension, refuse_extension, suspend, resume, resolve, summon, report_on_site, rate_response, instruct, acknowledge_instruction, report_instruction, sign_reply, approve_reply, send_back, callback, callback_failed, callback_impossible, reopen, close (retired: refused), cancel, merge, repeat, reject_return, designate, appeal, approve_appeal, refuse_appeal, transfer_out, remind, urge, supervise, hold_accountable, quality_callback")),
    security(("bearer" = [])),
    responses((status = 200, body = RequestOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn request_action(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiPath((serial, action)): ApiPath<(String, String)>,
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
    let wanted = crate::wire::actions::move_for(action, &parsed)?;
    let loaded = crate::services::cases::act(&state, &principal, &serial, wanted).await?;
    Ok(Json(shown(&state, &principal, loaded).await?))
}

#[utoipa::path(post, path = "/api/v1/requests/{serial}/attachments", params(("serial" = String, Path)),
    request_body(content = Vec<u8>, content_type = "image/jpeg"), security(("bearer" = [])),
    responses((status = 201, body = AttachmentOut), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
async fn upload_attachment(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiPath(serial): ApiPath<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<(StatusCode, Json<AttachmentOut>)> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let saved =
        crate::services::cases::attach_photo(&state, &principal, &serial, declared, body.to_vec())
            .await?;
    Ok((
        StatusCode::CREATED,
        Json(crate::wire::cases::attachment_out(&saved)),
    ))
}

#[utoipa::path(get, path = "/api/v1/requests/{serial}/attachments/{id}", params(("serial" = String, Path), ("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, content_type = "image/jpeg"), (status = 404, body = ErrorBody)))]
async fn get_attachment(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiPath((serial, id)): ApiPath<(String, i64)>,
) -> ApiResult<Response> {
    let (content_type, body) =
        crate::services::cases::photo(&state, &principal, &serial, id).await?;
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

/// A stored request as `principal` sees it, on the wire.
async fn shown(
    state: &AppState,
    principal: &civicgrid_domain::org::Principal,
    loaded: civicgrid_store::Loaded,
) -> ApiResult<RequestOut> {
    let view = crate::services::cases::view(state, principal, loaded).await?;
    Ok(crate::wire::cases::request_out(&state.reference(), &view))
}
