//! The staff pages of a request's life: sign-in, the operator console, the dispatch board,
//! the unit inbox, the case list, the request detail with its actions, and the supervision
//! pool. Every write goes through `crate::services::cases::intake` or `crate::services::cases::act`, as the API's do.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use civicgrid_api::{
    ActionBody, AnswerIn, CallerIn, CreateRequest, LocationIn, NoticeOut, PoolItemOut, RequestOut,
    RequestSummary, SampleOut,
};
use civicgrid_domain::lifecycle::Action;
use civicgrid_domain::org::Role;
use civicgrid_domain::request::State as RequestState;
use civicgrid_domain::request::{Channel, Kind, Urgency};
use civicgrid_domain::{CategoryId, UnitId};
use civicgrid_store::ListFilter;
use serde::Deserialize;

use super::portal::{Choice, category_choices};
use super::{
    Browser, CsrfForm, Ctx, FormErrors, FormValues, PageError, PageResult, SESSION_COOKIE, Staff,
    Tr, form_failure, html, html_status, nav_for, require, see_other, set_cookie,
};
use crate::error::ApiError;
use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/work", get(work))
        .route("/console", get(console).post(register))
        .route("/dispatch", get(dispatch_board).post(bulk_dispatch))
        .route("/inbox", get(inbox))
        .route("/notices/{id}/read", post(read_notice))
        .route("/cases", get(cases))
        .route("/cases/{serial}", get(detail))
        .route("/cases/{serial}/attachments/{id}", get(attachment))
        .route("/cases/{serial}/{action}", post(act))
        .route("/supervision", get(supervision))
}

type AppStateRef = State<Arc<AppState>>;

/// A list row with names instead of ids.
pub struct Row {
    pub serial: String,
    pub state: String,
    pub kind: String,
    pub category: String,
    pub summary: String,
    pub unit: String,
    pub band: Option<String>,
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

pub fn rows(state: &AppState, items: &[RequestSummary]) -> Vec<Row> {
    let reference = state.reference();
    items
        .iter()
        .map(|s| Row {
            serial: s.serial.clone(),
            state: s.state.clone(),
            kind: s.kind.clone(),
            category: s
                .category
                .and_then(|c| reference.category(CategoryId(c)))
                .map(|c| c.name.clone())
                .unwrap_or_else(|| "—".into()),
            summary: s.summary.clone(),
            unit: s
                .lead_unit
                .and_then(|u| reference.org.get(UnitId(u)))
                .map(|u| u.name.clone())
                .unwrap_or_else(|| "—".into()),
            band: s.band.clone(),
            due_at: s.due_at,
            created_at: s.created_at,
        })
        .collect()
}

/// Page links for a list.
pub struct Pager {
    pub page: u32,
    pub pages: u32,
    pub total: i64,
    pub base: String,
}

impl Pager {
    pub fn new(page: u32, page_size: u32, total: i64, base: String) -> Pager {
        let pages = ((total.max(0) as u64).div_ceil(u64::from(page_size.max(1)))) as u32;
        Pager {
            page,
            pages,
            total,
            base,
        }
    }

    pub fn href(&self, page: u32) -> String {
        let sep = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{sep}page={page}", self.base)
    }
}

// ---------------------------------------------------------------- sign-in

#[derive(Deserialize, Default)]
struct LoginParams {
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    username: String,
    next: String,
    failed: bool,
    message: Option<String>,
}

/// Only local paths are followed after sign-in (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => {
            n.to_owned()
        }
        _ => "/work".to_owned(),
    }
}

async fn login_page(browser: Browser, Query(params): Query<LoginParams>) -> PageResult {
    html(LoginPage {
        ctx: Ctx::public(&browser),
        username: String::new(),
        next: safe_next(params.next.as_deref()),
        failed: false,
        message: None,
    })
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

async fn login(
    State(state): AppStateRef,
    browser: Browser,
    extensions: axum::http::Extensions,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> PageResult {
    let client = crate::throttle::client_key(&extensions);
    match crate::auth::sign_in(&state, &client, &form.username, form.password).await {
        Ok((token, _, user)) => {
            let mut response = see_other(&safe_next(form.next.as_deref()), None);
            let mut cookies = vec![set_cookie(
                SESSION_COOKIE,
                &token,
                browser.secure,
                true,
                None,
            )];
            // The user's own language, chosen on any browser before, comes with them.
            let key = super::lang_setting(&crate::auth::principal_of(&user));
            if let Some(lang) = state.store.get_setting(&key).await?
                && super::Lang::parse(&lang).is_some()
            {
                cookies.push(set_cookie(
                    super::LANG_COOKIE,
                    &lang,
                    browser.secure,
                    false,
                    Some(365),
                ));
            }
            for cookie in cookies {
                if let Ok(v) = HeaderValue::from_str(&cookie) {
                    response.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            Ok(response)
        }
        Err(error) => {
            let failed = error.code == civicgrid_api::ErrorCode::InvalidCredentials;
            if !failed && error.code.status() >= 500 {
                return Err(error.into());
            }
            html_status(
                StatusCode::from_u16(error.code.status()).unwrap_or(StatusCode::UNAUTHORIZED),
                LoginPage {
                    ctx: Ctx::public(&browser),
                    username: form.username,
                    next: safe_next(form.next.as_deref()),
                    failed,
                    message: (!failed).then_some(error.message),
                },
            )
        }
    }
}

#[derive(Deserialize)]
struct NoFields {}

async fn logout(
    State(state): AppStateRef,
    browser: Browser,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> PageResult {
    if let Some(token) = &browser.session {
        crate::auth::sign_out(&state, token).await?;
    }
    let mut response = see_other("/login", None);
    let cookie = set_cookie(SESSION_COOKIE, "", browser.secure, true, Some(0));
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// Each role's first page.
async fn work(staff: Staff) -> PageResult {
    let nav = nav_for(&staff.principal);
    let first = if crate::access::holds(&staff.principal, &[Role::Leader]) {
        "/dashboard"
    } else if crate::access::holds(&staff.principal, &[Role::Supervisor]) {
        "/supervision"
    } else {
        nav.first().map_or("/cases", |(href, _)| href)
    };
    Ok(see_other(first, None))
}

// ---------------------------------------------------------------- console

/// The console form's values, kept when it is shown again (errors, caller look-up).
#[derive(Deserialize, Default)]
struct ConsoleForm {
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
struct ConsolePage {
    ctx: Ctx,
    form: ConsoleForm,
    channels: Vec<&'static str>,
    kinds: Vec<&'static str>,
    urgencies: Vec<&'static str>,
    categories: Vec<Choice>,
    history: Option<Vec<super::work::Row>>,
    /// Resolved requests waiting for the hub's callback, soonest deadline first.
    callbacks: Vec<Row>,
    errors: FormErrors,
}

fn opt(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
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
                Ok(items) => Some(rows(state, &items)),
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
    let callbacks =
        crate::services::cases::list_filtered(state, &staff.principal, &due, 1, 20).await?;
    Ok(ConsolePage {
        callbacks: rows(state, &callbacks.items),
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
    Query(form): Query<ConsoleForm>,
) -> PageResult {
    require(&staff, &[Role::Operator])?;
    html(console_page(&state, &browser, &staff, form, FormErrors::default()).await?)
}

fn number(field: &str, raw: &str) -> Result<Option<f64>, ApiError> {
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
            crate::services::cases::intake(&state, &staff.principal, body, raw).await
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

// ---------------------------------------------------------------- dispatch board

/// A request awaiting dispatch, with the routing table's proposal and why.
pub struct QueueRow {
    pub row: Row,
    pub proposed: Option<(i64, String)>,
    pub basis: Option<String>,
    pub reason: Option<String>,
    pub pending_days: Option<u32>,
}

#[derive(Template)]
#[template(path = "dispatch.html")]
struct DispatchPage {
    ctx: Ctx,
    queue: Vec<QueueRow>,
    returned: Vec<QueueRow>,
    coordinating: Vec<Row>,
    extensions: Vec<QueueRow>,
    units: Vec<Choice>,
    queue_total: i64,
}

fn unit_choices(state: &AppState) -> Vec<Choice> {
    use civicgrid_domain::org::UnitKind;
    let org = state.org();
    let mut units: Vec<_> = org
        .units()
        .filter(|u| {
            matches!(
                u.kind,
                UnitKind::Department | UnitKind::Utility | UnitKind::Street | UnitKind::Centre
            )
        })
        .map(|u| Choice {
            value: u.id.0.to_string(),
            label: u.name.clone(),
        })
        .collect();
    units.sort_by(|a, b| a.label.cmp(&b.label));
    units
}

async fn queue_rows(
    state: &AppState,
    staff: &Staff,
    items: &[RequestSummary],
    with_reason: Option<&str>,
) -> Result<Vec<QueueRow>, PageError> {
    let reference = state.reference();
    let mut out = Vec::new();
    for (item, row) in items.iter().zip(rows(state, items)) {
        let proposal = crate::services::cases::propose(
            &reference,
            item.category.map(CategoryId),
            item.area.map(UnitId),
        );
        let reason = match with_reason {
            Some(kind) => crate::services::cases::events(state, &staff.principal, &item.serial)
                .await?
                .into_iter()
                .rev()
                .find(|e| e.kind == kind)
                .and_then(|e| {
                    e.reason
                        .or_else(|| e.detail.get("working_days").map(|d| d.to_string()))
                }),
            None => None,
        };
        out.push(QueueRow {
            row,
            proposed: proposal.as_ref().map(|p| {
                (
                    p.unit.0,
                    crate::wire::cases::unit_ref(&reference.org, p.unit).name,
                )
            }),
            basis: proposal.map(|p| p.basis.as_str().to_owned()),
            reason,
            pending_days: None,
        });
    }
    Ok(out)
}

fn filter(states: &[RequestState]) -> ListFilter {
    ListFilter {
        states: states.to_vec(),
        offset: 0,
        limit: 100,
        count_cap: Some(crate::wire::COUNT_CAP),
        ..Default::default()
    }
}

async fn dispatch_board(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    Query(done): Query<Done>,
) -> PageResult {
    require(&staff, &[Role::Dispatcher])?;
    let p = &staff.principal;
    let mut oldest_first = filter(&[RequestState::Received]);
    oldest_first.by_deadline = true;
    let queue = crate::services::cases::list_filtered(&state, p, &oldest_first, 1, 100).await?;
    let returned = crate::services::cases::list_filtered(
        &state,
        p,
        &filter(&[RequestState::Returned]),
        1,
        100,
    )
    .await?;
    let coordinating = crate::services::cases::list_filtered(
        &state,
        p,
        &filter(&[RequestState::Coordinating]),
        1,
        100,
    )
    .await?;
    // Extensions are asked for while the work is under way (the state index narrows it).
    let mut ext = filter(&[RequestState::Accepted, RequestState::InProgress]);
    ext.pending_extension = true;
    let extensions = crate::services::cases::list_filtered(&state, p, &ext, 1, 100).await?;
    let mut extension_rows =
        queue_rows(&state, &staff, &extensions.items, Some("request_extension")).await?;
    for (row, item) in extension_rows.iter_mut().zip(&extensions.items) {
        let loaded = crate::services::cases::load_visible(&state, p, &item.serial).await?;
        row.pending_days = loaded.row.case.pending_extension;
    }
    let lang = browser.lang;
    html(DispatchPage {
        ctx: Ctx::staff(&browser, &staff, &state).with_flash(done.flash(lang)),
        queue_total: queue.total,
        queue: queue_rows(&state, &staff, &queue.items, None).await?,
        returned: queue_rows(&state, &staff, &returned.items, Some("return")).await?,
        coordinating: rows(&state, &coordinating.items),
        extensions: extension_rows,
        units: unit_choices(&state),
    })
}

/// The dispatch board's selection: the checked rows' serials.
#[derive(Deserialize)]
struct BulkForm {
    #[serde(default)]
    serial: Vec<String>,
}

/// Dispatches every selected request to its proposed unit. Each is its own transaction;
/// the page reports how many went and which could not (e.g. no proposal, or moved on).
async fn bulk_dispatch(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    CsrfForm(form): CsrfForm<BulkForm>,
) -> PageResult {
    let serials = form.serial;
    require(&staff, &[Role::Dispatcher])?;
    let reference = state.reference();
    let mut done = 0;
    let mut failed = Vec::new();
    for serial in &serials {
        let loaded = crate::services::cases::load_visible(&state, &staff.principal, serial).await?;
        let Some(proposal) =
            crate::services::cases::propose(&reference, loaded.row.category, loaded.row.area)
        else {
            failed.push(serial.clone());
            continue;
        };
        let body = ActionBody {
            unit: Some(proposal.unit.0),
            ..Default::default()
        };
        match crate::services::cases::act(&state, &staff.principal, serial, Action::Dispatch, body)
            .await
        {
            Ok(_) => done += 1,
            Err(_) => failed.push(serial.clone()),
        }
    }
    let tr = Tr(browser.lang);
    let mut flash = format!("{} {done}", tr.s("dispatch.dispatched_n"));
    if !failed.is_empty() {
        flash.push_str(&format!(
            " · {}: {}",
            tr.s("common.error"),
            failed.join(", ")
        ));
    }
    Ok(see_other("/dispatch", Some(&flash)))
}

/// A one-line message after a form (`?done=…`).
#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

impl Done {
    pub fn flash(&self, lang: super::Lang) -> Option<String> {
        self.done.as_deref().map(|d| {
            let tr = Tr(lang);
            match Action::parse(d) {
                Some(a) => format!("{} · {}", tr.w("action", a.as_str()), tr.s("common.done")),
                None => d.to_owned(),
            }
        })
    }
}

// ---------------------------------------------------------------- inbox and lists

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    ctx: Ctx,
    rows: Vec<Row>,
    pager: Pager,
    notices: Vec<NoticeOut>,
}

#[derive(Deserialize)]
struct PageParams {
    page: Option<u32>,
    done: Option<String>,
}

const OPEN_STATES: &[RequestState] = &[
    RequestState::Dispatched,
    RequestState::Accepted,
    RequestState::InProgress,
    RequestState::Suspended,
    RequestState::Reopened,
];

async fn inbox(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    Query(params): Query<PageParams>,
) -> PageResult {
    // The inbox is a unit's: administrators, who belong to no handling unit, have none.
    if !crate::access::holds(&staff.principal, &[Role::Handler]) {
        return Err(ApiError::with_message(
            civicgrid_api::ErrorCode::Forbidden,
            "the inbox belongs to handling units",
        )
        .into());
    }
    let (page, page_size, offset, limit) = crate::wire::paging(params.page, Some(50))?;
    let mut f = filter(OPEN_STATES);
    f.by_deadline = true;
    f.offset = offset;
    f.limit = limit;
    let list = crate::services::cases::list_filtered(&state, &staff.principal, &f, page, page_size)
        .await?;
    let (notices, _) =
        crate::services::supervision::notices(&state, &staff.principal, None, None, true, (0, 20))
            .await?;
    let done = Done { done: params.done };
    html(InboxPage {
        ctx: Ctx::staff(&browser, &staff, &state).with_flash(done.flash(browser.lang)),
        rows: rows(&state, &list.items),
        pager: Pager::new(page, page_size, list.total, "/inbox".into()),
        notices,
    })
}

async fn read_notice(
    State(state): AppStateRef,
    staff: Staff,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> PageResult {
    crate::services::supervision::read_notice(&state, &staff.principal, id).await?;
    Ok(see_other("/inbox", None))
}

#[derive(Deserialize)]
struct CasesParams {
    state: Option<String>,
    band: Option<String>,
    kind: Option<String>,
    unit: Option<i64>,
    q: Option<String>,
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    ctx: Ctx,
    rows: Vec<Row>,
    pager: Pager,
    states: Vec<&'static str>,
    bands: Vec<&'static str>,
    kinds: Vec<&'static str>,
    state: String,
    band: String,
    kind: String,
}

async fn cases(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    Query(params): Query<CasesParams>,
) -> PageResult {
    if let Some(q) = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        return Ok(see_other(&format!("/cases/{q}"), None));
    }
    let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let query = civicgrid_api::RequestQuery {
        state: nonempty(&params.state),
        unit: params.unit,
        category: None,
        kind: nonempty(&params.kind),
        band: nonempty(&params.band),
        page: params.page,
        page_size: Some(50),
    };
    let list = crate::services::cases::list(&state, &staff.principal, &query).await?;
    let base = {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("state", &query.state),
            ("band", &query.band),
            ("kind", &query.kind),
        ] {
            if let Some(v) = v {
                q.append_pair(k, v);
            }
        }
        if let Some(u) = query.unit {
            q.append_pair("unit", &u.to_string());
        }
        format!("/cases?{}", q.finish())
    };
    html(CasesPage {
        ctx: Ctx::staff(&browser, &staff, &state),
        rows: rows(&state, &list.items),
        pager: Pager::new(list.page, list.page_size, list.total, base),
        states: civicgrid_domain::request::State::words(),
        bands: civicgrid_domain::deadline::Band::words(),
        kinds: Kind::words(),
        state: query.state.unwrap_or_default(),
        band: query.band.unwrap_or_default(),
        kind: query.kind.unwrap_or_default(),
    })
}

// ---------------------------------------------------------------- request detail

/// An action button on the detail page and the fields its form asks for.
pub struct ActionView {
    pub name: &'static str,
    pub fields: &'static [&'static str],
    /// The form that just failed: shown open, with its errors and values.
    pub open: bool,
}

/// The fields each action's form asks for (the names of the action body).
fn action_fields(action: Action) -> &'static [&'static str] {
    use Action as A;
    match action {
        A::Answer => &["reply"],
        A::Dispatch | A::AssignDown => &["unit"],
        A::Transfer => &["unit", "reason"],
        A::AssistReport => &["unit", "note"],
        A::Coordinate => &["units", "reason"],
        A::Contact => &["note"],
        A::Return
        | A::RefuseExtension
        | A::Suspend
        | A::Reopen
        | A::Close
        | A::Remind
        | A::Urge
        | A::Supervise
        | A::HoldAccountable => &["reason"],
        A::RequestExtension => &["working_days", "reason"],
        A::Resolve => &["outcome", "reply", "proper_owner"],
        A::Callback | A::QualityCallback => &["rating", "resolved", "note"],
        A::Cancel => &["cancel_reason", "note"],
        A::Merge => &["parent"],
        A::TransferOut => &["platform", "reason"],
        A::Accept | A::ApproveExtension | A::Resume => &[],
    }
}

#[derive(Template)]
#[template(path = "detail.html")]
struct DetailPage {
    ctx: Ctx,
    r: RequestOut,
    events: Vec<civicgrid_api::EventOut>,
    actions: Vec<ActionView>,
    units: Vec<Choice>,
    cancel_reasons: Vec<Choice>,
    outcomes: Vec<&'static str>,
    platforms: Vec<&'static str>,
    errors: FormErrors,
    values: FormValues,
}

impl DetailPage {
    fn error(&self, action: &ActionView, field: &str) -> Option<&str> {
        if action.open {
            self.errors.get(field)
        } else {
            None
        }
    }
}

async fn detail_page(
    state: &Arc<AppState>,
    browser: &Browser,
    staff: &Staff,
    serial: &str,
    flash: Option<String>,
    errors: FormErrors,
    failed: Option<(Action, FormValues)>,
) -> Result<DetailPage, PageError> {
    let loaded = crate::services::cases::load_visible(state, &staff.principal, serial).await?;
    let available = crate::services::cases::available_actions(state, &staff.principal, &loaded);
    let cancel_reasons = if available.contains(&Action::Cancel) {
        state
            .store
            .list_cancel_reasons()
            .await?
            .into_iter()
            .map(|c| Choice {
                value: c.code,
                label: c.label,
            })
            .collect()
    } else {
        Vec::new()
    };
    let failed_action = failed.as_ref().map(|(a, _)| *a);
    let actions = available
        .into_iter()
        .map(|a| ActionView {
            name: a.as_str(),
            fields: action_fields(a),
            open: Some(a) == failed_action,
        })
        .collect();
    let r = crate::services::cases::view(state, &staff.principal, &loaded).await?;
    let events = crate::services::cases::events(state, &staff.principal, serial).await?;
    let org = state.org();
    let units = org
        .units()
        .map(|u| Choice {
            value: u.id.0.to_string(),
            label: u.name.clone(),
        })
        .collect();
    Ok(DetailPage {
        ctx: Ctx::staff(browser, staff, state).with_flash(flash),
        r,
        events,
        actions,
        units,
        cancel_reasons,
        outcomes: civicgrid_domain::request::Outcome::words(),
        platforms: civicgrid_domain::request::Platform::words(),
        errors,
        values: failed.map(|(_, v)| v).unwrap_or_default(),
    })
}

async fn detail(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    Path(serial): Path<String>,
    Query(done): Query<Done>,
) -> PageResult {
    let flash = done.flash(browser.lang);
    html(
        detail_page(
            &state,
            &browser,
            &staff,
            &serial,
            flash,
            FormErrors::default(),
            None,
        )
        .await?,
    )
}

async fn attachment(
    State(state): AppStateRef,
    staff: Staff,
    Path((serial, id)): Path<(String, i64)>,
) -> PageResult {
    let loaded = crate::services::cases::load_visible(&state, &staff.principal, &serial).await?;
    let (content_type, body) = state
        .store
        .attachment_body(loaded.row.id, id)
        .await?
        .ok_or_else(|| ApiError::new(civicgrid_api::ErrorCode::NotFound))?;
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

/// Any action's form: the same fields as the API's action body.
#[derive(Deserialize, Default)]
struct ActionForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    units: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    reply: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    proper_owner: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    resolved: String,
    #[serde(default)]
    working_days: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    platform: String,
    /// Where to go after success (a list page), else the request's own page.
    #[serde(default)]
    back: String,
}

impl ActionForm {
    /// What was typed, to show the form again after a failure.
    fn values(&self) -> FormValues {
        FormValues::of([
            ("unit", self.unit.clone()),
            ("units", self.units.clone()),
            ("reason", self.reason.clone()),
            ("cancel_reason", self.reason.clone()),
            ("note", self.note.clone()),
            ("reply", self.reply.clone()),
            ("outcome", self.outcome.clone()),
            ("proper_owner", self.proper_owner.clone()),
            ("rating", self.rating.clone()),
            ("resolved", self.resolved.clone()),
            ("working_days", self.working_days.clone()),
            ("parent", self.parent.clone()),
            ("platform", self.platform.clone()),
        ])
    }

    fn body(&self) -> Result<ActionBody, ApiError> {
        let int = |field: &str, raw: &str| -> Result<Option<i64>, ApiError> {
            opt(raw)
                .map(|t| {
                    t.parse::<i64>()
                        .map_err(|_| ApiError::field(field, "must be a number"))
                })
                .transpose()
        };
        let units = opt(&self.units)
            .map(|t| {
                t.split([',', ',', ' '])
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        s.parse::<i64>()
                            .map_err(|_| ApiError::field("units", "unit ids, comma separated"))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        Ok(ActionBody {
            unit: int("unit", &self.unit)?,
            assisting: None,
            units,
            reason: opt(&self.reason),
            note: opt(&self.note),
            reply: opt(&self.reply),
            outcome: opt(&self.outcome),
            proper_owner: opt(&self.proper_owner),
            rating: opt(&self.rating),
            resolved: match self.resolved.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
            working_days: int("working_days", &self.working_days)?
                .map(|d| u32::try_from(d).map_err(|_| ApiError::field("working_days", "too large")))
                .transpose()?,
            parent: opt(&self.parent),
            platform: opt(&self.platform),
        })
    }
}

async fn act(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    Path((serial, action)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> PageResult {
    let action =
        Action::parse(&action).ok_or_else(|| ApiError::new(civicgrid_api::ErrorCode::NotFound))?;
    let values = form.values();
    let result = match form.body() {
        Ok(body) => crate::services::cases::act(&state, &staff.principal, &serial, action, body)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            let back = if form.back.starts_with('/') && !form.back.starts_with("//") {
                form.back.clone()
            } else {
                format!("/cases/{serial}")
            };
            Ok(see_other(&back, Some(action.as_str())))
        }
        Err(error) => {
            let errors = form_failure(error)?;
            let page = detail_page(
                &state,
                &browser,
                &staff,
                &serial,
                None,
                errors,
                Some((action, values)),
            )
            .await?;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}

// ---------------------------------------------------------------- supervision pool

#[derive(Template)]
#[template(path = "supervision.html")]
struct SupervisionPage {
    ctx: Ctx,
    pool: Vec<PoolItemOut>,
    orange: Vec<Row>,
    samples: Vec<SampleOut>,
    pager: Pager,
    mine: bool,
    is_supervisor: bool,
}

#[derive(Deserialize)]
struct PoolParams {
    page: Option<u32>,
    mine: Option<String>,
    done: Option<String>,
}

async fn supervision(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    Query(params): Query<PoolParams>,
) -> PageResult {
    require(&staff, &[Role::Supervisor, Role::Dispatcher, Role::Leader])?;
    let (page, page_size, offset, limit) = crate::wire::paging(params.page, Some(50))?;
    let mine = params.mine.is_some();
    let owner = mine.then_some(staff.principal.user);
    let (pool, total) =
        crate::services::supervision::pool(&state, &staff.principal, owner, false, (offset, limit))
            .await?;
    let orange = civicgrid_api::RequestQuery {
        state: None,
        unit: None,
        category: None,
        kind: None,
        band: Some("orange".into()),
        page: Some(1),
        page_size: Some(20),
    };
    let orange = crate::services::cases::list(&state, &staff.principal, &orange).await?;
    let is_supervisor = crate::access::holds(&staff.principal, &[Role::Supervisor]);
    let samples = if is_supervisor {
        crate::services::supervision::samples(&state, true, (0, 20))
            .await?
            .0
    } else {
        Vec::new()
    };
    let done = Done { done: params.done };
    html(SupervisionPage {
        ctx: Ctx::staff(&browser, &staff, &state).with_flash(done.flash(browser.lang)),
        pool,
        orange: rows(&state, &orange.items),
        samples,
        pager: Pager::new(
            page,
            page_size,
            total,
            if mine {
                "/supervision?mine=1".into()
            } else {
                "/supervision".into()
            },
        ),
        mine,
        is_supervisor,
    })
}
