//! The operator console: registering a call by keyboard, the caller's earlier requests, an
//! answer on the spot, the serial and code to read back, and the callbacks due.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use civicgrid_api::{AnswerIn, CallerIn, CreateRequest, LocationIn};
use civicgrid_domain::org::Role;
use civicgrid_domain::request::State as RequestState;
use civicgrid_domain::request::{Channel, Kind, Urgency};
use serde::Deserialize;

use super::lists::{AppStateRef, Row, filter, opt, rows};
use super::portal::{Choice, category_choices};
use super::{
    Browser, CsrfForm, Ctx, FormErrors, PageError, PageResult, Staff, form_failure, html,
    html_status, require, see_other,
};

use crate::error::ApiError;
use crate::pages::PageQuery;
use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/console", get(console).post(register))
}

// ---------------------------------------------------------------- console

/// The console form's values, kept when it is shown again (errors, caller look-up).
#[derive(Deserialize, Default)]
pub(super) struct ConsoleForm {
    #[serde(default)]
    channel: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lng: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    caller_name: String,
    #[serde(default)]
    caller_phone: String,
    #[serde(default)]
    answered: Option<String>,
    #[serde(default)]
    answer_reply: String,
    // After a registration: what to read back to the caller.
    #[serde(default)]
    serial: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    proposal: Option<String>,
}

#[derive(Template)]
#[template(path = "console.html")]
pub(super) struct ConsolePage {
    ctx: Ctx,
    form: ConsoleForm,
    channels: Vec<&'static str>,
    kinds: Vec<&'static str>,
    urgencies: Vec<&'static str>,
    categories: Vec<Choice>,
    history: Option<Vec<super::lists::Row>>,
    /// Resolved requests waiting for the hub's callback, soonest deadline first.
    callbacks: Vec<Row>,
    /// Merged duplicates' callers to call back now that their request is resolved.
    merged_callbacks: Vec<Row>,
    errors: FormErrors,
}

async fn console_page(
    state: &AppState,
    browser: &Browser,
    staff: &Staff,
    mut form: ConsoleForm,
    mut errors: FormErrors,
) -> Result<ConsolePage, PageError> {
    if form.channel.is_empty() {
        form.channel = "hotline".into();
    }
    if form.kind.is_empty() {
        form.kind = "complaint".into();
    }
    if form.urgency.is_empty() {
        form.urgency = "normal".into();
    }
    let history = match opt(&form.caller_phone) {
        Some(phone) => {
            match crate::services::cases::caller_history(state, &staff.principal, &phone).await {
                Ok(items) => Some(rows(
                    state,
                    &crate::wire::cases::summaries(&items, state.now()),
                )),
                Err(error) => {
                    let more = form_failure(error)?;
                    errors.fields.extend(more.fields);
                    None
                }
            }
        }
        None => None,
    };
    let mut due = filter(&[RequestState::Resolved]);
    due.by_deadline = true;
    due.limit = 20;
    let callbacks = super::lists::page_of(state, &staff.principal, &due, 1, 20).await?;
    let mut merged = filter(&[]);
    merged.merged_callbacks = true;
    merged.limit = 20;
    let merged = super::lists::page_of(state, &staff.principal, &merged, 1, 20).await?;
    Ok(ConsolePage {
        callbacks: rows(state, &callbacks.items),
        merged_callbacks: rows(state, &merged.items),
        ctx: Ctx::staff(browser, staff, state),
        form,
        channels: Channel::words(),
        kinds: Kind::words(),
        urgencies: Urgency::words(),
        categories: category_choices(state),
        history,
        errors,
    })
}

async fn console(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PageQuery(form): PageQuery<ConsoleForm>,
) -> PageResult {
    require(&staff, &[Role::Operator])?;
    html(console_page(&state, &browser, &staff, form, FormErrors::default()).await?)
}

pub(super) fn number(field: &str, raw: &str) -> Result<Option<f64>, ApiError> {
    match opt(raw) {
        None => Ok(None),
        Some(t) => t
            .parse::<f64>()
            .map(Some)
            .map_err(|_| ApiError::field(field, "must be a number")),
    }
}

async fn register(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    CsrfForm(form): CsrfForm<ConsoleForm>,
) -> PageResult {
    require(&staff, &[Role::Operator])?;
    let location = match (number("lat", &form.lat), number("lng", &form.lng)) {
        (Ok(Some(lat)), Ok(Some(lng))) => Ok(Some(LocationIn { lat, lng })),
        (Ok(None), Ok(None)) => Ok(None),
        (Err(e), _) | (_, Err(e)) => Err(e),
        _ => Err(ApiError::field("lat", "give both latitude and longitude")),
    };
    let result = match location {
        Err(e) => Err(e),
        Ok(location) => {
            let body = CreateRequest {
                channel: form.channel.clone(),
                kind: form.kind.clone(),
                content: form.content.clone(),
                category: opt(&form.category).map(|c| match c.parse::<i64>() {
                    Ok(id) => serde_json::Value::from(id),
                    Err(_) => serde_json::Value::String(c),
                }),
                urgency: opt(&form.urgency),
                address: opt(&form.address),
                location,
                caller: (opt(&form.caller_name).is_some() || opt(&form.caller_phone).is_some())
                    .then(|| CallerIn {
                        name: opt(&form.caller_name),
                        phone: opt(&form.caller_phone),
                    }),
                answer: form.answered.is_some().then(|| AnswerIn {
                    reply: form.answer_reply.clone(),
                }),
            };
            let raw = serde_json::to_string(&body).map_err(ApiError::internal)?;
            match crate::wire::cases::submission(&state.reference(), &body, raw) {
                Ok(submission) => {
                    crate::services::cases::intake(&state, &staff.principal, submission)
                        .await
                        .map(|r| crate::wire::cases::created_out(&state.org(), &r))
                }
                Err(error) => Err(error),
            }
        }
    };
    match result {
        Ok(created) => {
            let mut q = form_urlencoded::Serializer::new(String::new());
            q.append_pair("serial", &created.serial)
                .append_pair("code", &created.verification_code);
            if let Some(p) = &created.proposal {
                q.append_pair("proposal", &p.unit.name);
            }
            Ok(see_other(&format!("/console?{}", q.finish()), None))
        }
        Err(error) => {
            let errors = form_failure(error)?;
            let page = console_page(&state, &browser, &staff, form, errors).await?;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}
