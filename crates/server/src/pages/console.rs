//! The operator console: registering a call by keyboard, the caller's earlier requests, an
//! answer on the spot, the serial and code to read back, and the callbacks due.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use civicgrid_api::{AnswerIn, CallerIn, CreateIntake, CreatedRequest, IntakeItem, LocationIn};
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
    /// The caller asks to stay unknown to the units.
    #[serde(default)]
    caller_confidential: Option<String>,
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
    // The other problems of the same call (one intake split into several requests).
    #[serde(default)]
    extra_kind: Vec<String>,
    #[serde(default)]
    extra_category: Vec<String>,
    #[serde(default)]
    extra_address: Vec<String>,
    #[serde(default)]
    extra_content: Vec<String>,
    // After a split registration: the other requests' serials and codes.
    #[serde(default)]
    more_serial: Vec<String>,
    #[serde(default)]
    more_code: Vec<String>,
}

/// How many other problems of one call the console offers to register with it.
const EXTRA_SLOTS: usize = 2;

/// The caller's earlier requests the console lists.
const HISTORY_ROWS: usize = 20;

/// One other problem of the same call, as the console shows it.
pub(super) struct Extra {
    kind: String,
    category: String,
    address: String,
    content: String,
}

impl ConsoleForm {
    fn extras(&self) -> Vec<Extra> {
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        (0..EXTRA_SLOTS.max(self.extra_content.len()))
            .map(|i| Extra {
                kind: {
                    let k = at(&self.extra_kind, i);
                    if k.is_empty() { "complaint".into() } else { k }
                },
                category: at(&self.extra_category, i),
                address: at(&self.extra_address, i),
                content: at(&self.extra_content, i),
            })
            .collect()
    }

    /// The other problems the operator filled in (a slot without content is unused).
    fn filled_extras(&self) -> Vec<Extra> {
        self.extras()
            .into_iter()
            .filter(|e| !e.content.trim().is_empty())
            .collect()
    }
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
    /// Requests from this caller in the last `frequent_days` days, when at least the hub's
    /// frequent-caller count (the rules setting; the operator may then read the history
    /// before registering another).
    frequent: Option<usize>,
    frequent_days: u32,
    extras: Vec<Extra>,
    /// Whether the other problems' section starts open (one was filled in).
    split_open: bool,
    /// The other requests of a split registration: serial and code.
    more: Vec<(String, String)>,
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
    let rules = state.reference().case_rules;
    let history = match opt(&form.caller_phone) {
        Some(phone) => {
            // Newest first, enough of them to count the frequent-caller window.
            let wanted = HISTORY_ROWS.max(rules.frequent_caller_calls as usize);
            match crate::services::cases::caller_history(state, &staff.principal, &phone, wanted)
                .await
            {
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
    let since = state.now() - chrono::Duration::days(i64::from(rules.frequent_caller_days));
    let frequent = history
        .as_ref()
        .map(|rows| rows.iter().filter(|r| r.created_at >= since).count())
        .filter(|n| *n >= rules.frequent_caller_calls as usize);
    let history = history.map(|mut rows| {
        rows.truncate(HISTORY_ROWS);
        rows
    });
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
        channels: Channel::words(),
        kinds: Kind::words(),
        urgencies: Urgency::words(),
        categories: category_choices(state),
        history,
        frequent,
        frequent_days: rules.frequent_caller_days,
        extras: form.extras(),
        split_open: !form.filled_extras().is_empty(),
        more: form
            .more_serial
            .iter()
            .cloned()
            .zip(form.more_code.iter().cloned())
            .collect(),
        form,
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
    let caller =
        (opt(&form.caller_name).is_some() || opt(&form.caller_phone).is_some()).then(|| CallerIn {
            name: opt(&form.caller_name),
            phone: opt(&form.caller_phone),
            confidential: Some(form.caller_confidential.is_some()),
        });
    let extras = form.filled_extras();
    let result = match location {
        Err(e) => Err(e),
        Ok(location) => {
            let main = IntakeItem {
                channel: None,
                kind: form.kind.clone(),
                content: form.content.clone(),
                category: category_value(&form.category),
                urgency: opt(&form.urgency),
                address: opt(&form.address),
                location,
                caller: None,
                answer: form.answered.is_some().then(|| AnswerIn {
                    reply: form.answer_reply.clone(),
                }),
            };
            if extras.is_empty() {
                register_one(&state, &staff, main, &form.channel, caller).await
            } else {
                register_split(&state, &staff, main, &extras, &form.channel, caller).await
            }
        }
    };
    match result {
        Ok(created) => {
            let mut q = form_urlencoded::Serializer::new(String::new());
            if let Some(first) = created.first() {
                q.append_pair("serial", &first.serial)
                    .append_pair("code", &first.verification_code);
                if let Some(p) = &first.proposal {
                    q.append_pair("proposal", &p.unit.name);
                }
            }
            for other in created.iter().skip(1) {
                q.append_pair("more_serial", &other.serial)
                    .append_pair("more_code", &other.verification_code);
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

/// One call, one problem: a request of its own.
async fn register_one(
    state: &AppState,
    staff: &Staff,
    item: IntakeItem,
    channel: &str,
    caller: Option<CallerIn>,
) -> Result<Vec<CreatedRequest>, ApiError> {
    let body = crate::wire::cases::item_request(item, channel, caller.as_ref());
    let raw = serde_json::to_string(&body).map_err(ApiError::internal)?;
    let submission = crate::wire::cases::submission(&state.reference(), &body, raw)?;
    let registered = crate::services::cases::intake(state, &staff.principal, submission).await?;
    Ok(vec![crate::wire::cases::created_out(
        &state.org(),
        &registered,
    )])
}

/// One call, several problems: one intake record, one request per problem.
async fn register_split(
    state: &AppState,
    staff: &Staff,
    main: IntakeItem,
    extras: &[Extra],
    channel: &str,
    caller: Option<CallerIn>,
) -> Result<Vec<CreatedRequest>, ApiError> {
    let transcript = std::iter::once(main.content.trim())
        .chain(extras.iter().map(|e| e.content.trim()))
        .collect::<Vec<_>>()
        .join("\n");
    let mut requests = vec![main];
    requests.extend(extras.iter().map(|e| IntakeItem {
        channel: None,
        kind: e.kind.clone(),
        content: e.content.clone(),
        category: category_value(&e.category),
        urgency: None,
        address: opt(&e.address),
        location: None,
        caller: None,
        answer: None,
    }));
    let body = CreateIntake {
        channel: channel.to_owned(),
        caller,
        raw: transcript,
        requests,
    };
    let raw = serde_json::to_string(&body).map_err(ApiError::internal)?;
    let submissions = crate::wire::cases::intake_submissions(&state.reference(), &body)?;
    let registered =
        crate::services::cases::intake_split(state, &staff.principal, submissions, raw).await?;
    let org = state.org();
    Ok(registered
        .iter()
        .map(|r| crate::wire::cases::created_out(&org, r))
        .collect())
}

/// A category picked on the form: its id, or a code typed by hand.
fn category_value(picked: &str) -> Option<serde_json::Value> {
    opt(picked).map(|c| match c.parse::<i64>() {
        Ok(id) => serde_json::Value::from(id),
        Err(_) => serde_json::Value::String(c),
    })
}
