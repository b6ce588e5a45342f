//! The web pages: the public portal and every staff role's working page, rendered on the
//! server from compile-time-checked askama templates. Pages read and write only through
//! `service`, `stats` and `auth`, exactly as the API does; they hold no rules and no SQL.
//!
//! Browser state lives in three cookies: `cg_session` (the session token, HttpOnly), the
//! double-submit CSRF token `cg_csrf` that every form repeats in a hidden field, and the
//! language `cg_lang`. The `browser` middleware reads them once per request, sets the ones
//! a new browser lacks, adds the security headers, and renders failures as HTML pages in
//! the reader's language.

mod admin;
mod admin_edit;
mod admin_policies;
mod audit;
mod cases;
mod console;
mod dashboard;
mod dispatch;
mod export;
pub mod form;
pub mod i18n;
mod inbox;
mod instructions;
mod lists;
mod portal;
mod signin;
mod supervision;

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use civicgrid_api::ErrorCode;
use civicgrid_domain::org::{Principal, Role};

use crate::error::ApiError;
use crate::state::AppState;
pub use form::{
    CsrfForm, CsrfMultipart, FormErrors, FormValues, PagePath, PageQuery, form_failure,
};
pub use i18n::{Lang, Tr};

pub const SESSION_COOKIE: &str = "cg_session";
pub const CSRF_COOKIE: &str = "cg_csrf";
pub const LANG_COOKIE: &str = "cg_lang";

/// Every page path, for the tests that visit them all and for the route list in the docs.
pub const PAGES: &[&str] = &[
    "/",
    "/track",
    "/rankings",
    "/login",
    "/work",
    "/console",
    "/dispatch",
    "/inbox",
    "/cases",
    "/supervision",
    "/dashboard",
    "/admin/units",
    "/admin/users",
    "/admin/categories",
    "/admin/policies",
    "/admin/calendar",
];

pub fn router(state: Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .merge(portal::routes())
        .merge(signin::routes())
        .merge(console::routes())
        .merge(dispatch::routes())
        .merge(inbox::routes())
        .merge(instructions::routes())
        .merge(cases::routes())
        .merge(supervision::routes())
        .merge(dashboard::routes())
        .merge(admin::routes())
        .merge(admin_edit::routes())
        .merge(admin_policies::routes())
        .merge(audit::routes())
        .route("/assets/app.css", get(css))
        .route("/assets/app.js", get(js))
        .layer(axum::middleware::from_fn_with_state(state, browser))
}

/// What a page knows of the browser: language, CSRF token, session token, and the path
/// (for the language switch and sign-in redirects).
#[derive(Clone)]
pub struct Browser {
    pub lang: Lang,
    pub csrf: String,
    pub session: Option<String>,
    pub path: String,
    /// The language was chosen on this request (`?lang=`): a signed-in user's choice is
    /// kept as their setting.
    pub lang_chosen: bool,
    /// The district's time zone, for times shown on the page.
    pub zone: chrono::FixedOffset,
    /// Whether cookies get the `Secure` flag (the request came over HTTPS, directly or
    /// through a proxy that says so).
    pub secure: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Browser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Browser>()
            .cloned()
            .ok_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
    }
}

fn cookies(headers: &HeaderMap) -> BTreeMap<String, String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .map(|c| (c.name().to_owned(), c.value().to_owned()))
        .collect()
}

/// A `Set-Cookie` value; `max_age_days: None` makes a cookie that ends with the browser
/// session, `Some(0)` removes one.
pub fn set_cookie(
    name: &str,
    value: &str,
    secure: bool,
    http_only: bool,
    max_age_days: Option<i64>,
) -> String {
    let mut c = cookie::Cookie::new(name.to_owned(), value.to_owned());
    c.set_path("/");
    c.set_same_site(cookie::SameSite::Lax);
    c.set_http_only(http_only);
    c.set_secure(secure);
    if let Some(days) = max_age_days {
        c.set_max_age(cookie::time::Duration::days(days));
    }
    c.to_string()
}

/// Reads the cookies, sets missing ones, adds security headers and renders failures.
async fn browser(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let jar = cookies(request.headers());
    let query_lang = request.uri().query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| Lang::parse(&v))
    });
    let cookie_lang = jar.get(LANG_COOKIE).and_then(|v| Lang::parse(v));
    let lang = query_lang.or(cookie_lang).unwrap_or(Lang::Zh);
    let new_csrf = jar.get(CSRF_COOKIE).is_none_or(|c| c.len() != 64);
    let csrf = if new_csrf {
        crate::session::new_token()
    } else {
        jar.get(CSRF_COOKIE).cloned().unwrap_or_default()
    };
    let secure = request
        .headers()
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes() == b"https")
        || request.uri().scheme_str() == Some("https");
    let browser = Browser {
        lang,
        lang_chosen: query_lang.is_some(),
        csrf: csrf.clone(),
        session: jar.get(SESSION_COOKIE).cloned().filter(|s| !s.is_empty()),
        path: request
            .uri()
            .path_and_query()
            .map_or("/".into(), |p| p.as_str().to_owned()),
        secure,
        zone: state.time_zone,
    };
    request.extensions_mut().insert(browser.clone());
    let mut response = next.run(request).await;
    if let Some(failure) = response.extensions_mut().remove::<Failure>() {
        let status = response.status();
        response = error_page(&browser, status, failure);
    }
    let headers = response.headers_mut();
    let mut add = |value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.append(header::SET_COOKIE, v);
        }
    };
    if new_csrf {
        add(set_cookie(CSRF_COOKIE, &csrf, secure, true, None));
    }
    if query_lang.is_some() && query_lang != cookie_lang {
        add(set_cookie(
            LANG_COOKIE,
            lang.code(),
            secure,
            false,
            Some(365),
        ));
    }
    secure_headers(headers);
    response
}

/// The security headers every page carries.
fn secure_headers(headers: &mut HeaderMap) {
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// A browser asking for a page that does not exist gets a page saying so (in its
/// language), not the API's JSON error.
pub fn not_found_page(headers: &HeaderMap, path: &str) -> Option<Response> {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let api = ["/api", "/open311", "/healthz", "/metrics"]
        .iter()
        .any(|p| path.starts_with(p));
    if !wants_html || api {
        return None;
    }
    let jar = cookies(headers);
    let lang = jar
        .get(LANG_COOKIE)
        .and_then(|v| Lang::parse(v))
        .unwrap_or(Lang::Zh);
    let browser = Browser {
        lang,
        lang_chosen: false,
        csrf: jar.get(CSRF_COOKIE).cloned().unwrap_or_default(),
        session: None,
        path: path.to_owned(),
        secure: false,
        zone: civicgrid_domain::calendar::china_standard_time(),
    };
    let failure = Failure {
        code: ErrorCode::NotFound,
        message: Tr::new(lang).s("error.not_found").to_owned(),
    };
    let mut response = error_page(&browser, StatusCode::NOT_FOUND, failure);
    secure_headers(response.headers_mut());
    Some(response)
}

/// A failed page: the middleware renders it in the reader's language.
#[derive(Clone)]
struct Failure {
    code: ErrorCode,
    message: String,
}

/// A page handler's error: an `ApiError` (rendered as an error page with its status) or a
/// redirect (to the sign-in page when the session is missing or expired).
pub enum PageError {
    Api(ApiError),
    Redirect(String),
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        PageError::Api(error)
    }
}

impl From<civicgrid_store::StoreError> for PageError {
    fn from(error: civicgrid_store::StoreError) -> Self {
        PageError::Api(error.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Redirect(to) => Redirect::to(&to).into_response(),
            PageError::Api(error) => {
                let status = StatusCode::from_u16(error.code.status())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let mut response = status.into_response();
                response.extensions_mut().insert(Failure {
                    code: error.code,
                    message: error.message,
                });
                response
            }
        }
    }
}

pub type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: Ctx,
    status: u16,
    code: String,
    message: String,
}

fn error_page(browser: &Browser, status: StatusCode, failure: Failure) -> Response {
    let ctx = Ctx::public(browser);
    let page = ErrorPage {
        status: status.as_u16(),
        code: failure.code.code().to_owned(),
        // Internal errors stay opaque, as in the API.
        message: failure.message,
        ctx,
    };
    match page.render() {
        Ok(html) => (status, axum::response::Html(html)).into_response(),
        Err(_) => status.into_response(),
    }
}

/// A link in the staff navigation bar.
pub struct NavItem {
    pub href: &'static str,
    pub key: &'static str,
    pub active: bool,
    /// A count to show beside it (unread notices beside the inbox), when not zero.
    pub badge: Option<i64>,
}

/// The signed-in user as the layout shows them.
pub struct Who {
    pub username: String,
    pub unit: String,
}

/// What every template's layout needs.
pub struct Ctx {
    pub t: Tr,
    pub csrf: String,
    pub who: Option<Who>,
    pub nav: Vec<NavItem>,
    /// The current path with `lang=` set to the other language.
    pub switch_href: String,
    pub flash: Option<String>,
    /// On staff pages: who is reading and when, printed across every printed page so a
    /// copy that travels says whose it was.
    pub print_mark: Option<String>,
}

impl Ctx {
    pub fn public(browser: &Browser) -> Ctx {
        Ctx {
            t: Tr::new(browser.lang).in_zone(browser.zone),
            csrf: browser.csrf.clone(),
            who: None,
            nav: Vec::new(),
            switch_href: switch_href(&browser.path, browser.lang.other()),
            flash: None,
            print_mark: None,
        }
    }

    pub fn staff(browser: &Browser, staff: &Staff, state: &AppState) -> Ctx {
        let mut ctx = Ctx::public(browser);
        ctx.print_mark = Some(format!(
            "{} · {}",
            staff.principal.username,
            ctx.t.time(&state.now())
        ));
        let org = state.org();
        ctx.who = Some(Who {
            username: staff.principal.username.clone(),
            unit: org
                .get(staff.principal.unit)
                .map(|u| u.name.clone())
                .unwrap_or_default(),
        });
        let path = browser.path.split('?').next().unwrap_or("/");
        ctx.nav = nav_for(&staff.principal)
            .into_iter()
            .map(|(href, key)| NavItem {
                href,
                key,
                active: path == href || (href != "/" && path.starts_with(href)),
                badge: staff.unread.filter(|n| *n > 0 && href == "/inbox"),
            })
            .collect();
        ctx
    }

    pub fn with_flash(mut self, flash: Option<String>) -> Ctx {
        self.flash = flash;
        self
    }

    /// The unread count beside the inbox, as it stands after this page read notices.
    pub fn with_unread(mut self, unread: Option<i64>) -> Ctx {
        for item in &mut self.nav {
            if item.href == "/inbox" {
                item.badge = unread.filter(|n| *n > 0);
            }
        }
        self
    }
}

fn switch_href(path: &str, lang: Lang) -> String {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k != "lang")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.push(("lang".into(), lang.code().into()));
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{base}?{query}")
}

/// The working pages a user's roles open, in the order of a request's life.
pub fn nav_for(principal: &Principal) -> Vec<(&'static str, &'static str)> {
    let mut nav = Vec::new();
    let admin = crate::access::holds(principal, &[Role::Admin]);
    if admin || crate::access::holds(principal, &[Role::Operator]) {
        nav.push(("/console", "nav.console"));
    }
    if admin || crate::access::holds(principal, &[Role::Dispatcher]) {
        nav.push(("/dispatch", "nav.dispatch"));
    }
    if crate::access::holds(principal, &[Role::Handler, Role::UnitHead]) {
        nav.push(("/inbox", "nav.inbox"));
    }
    if admin
        || crate::access::holds(
            principal,
            &[
                Role::Leader,
                Role::Handler,
                Role::UnitHead,
                Role::Dispatcher,
                Role::Supervisor,
            ],
        )
    {
        nav.push(("/instructions", "nav.instructions"));
    }
    let reads_cases = principal
        .grants
        .iter()
        .any(|g| g.role != Role::DataProtection);
    if reads_cases {
        nav.push(("/cases", "nav.cases"));
    }
    if admin
        || crate::access::holds(
            principal,
            &[Role::Supervisor, Role::Dispatcher, Role::Leader],
        )
    {
        nav.push(("/supervision", "nav.supervision"));
    }
    if admin
        || crate::access::holds(
            principal,
            &[Role::Leader, Role::Supervisor, Role::Dispatcher],
        )
    {
        nav.push(("/dashboard", "nav.dashboard"));
    }
    if admin || crate::access::holds(principal, &[Role::DataProtection]) {
        nav.push(("/audit", "nav.audit"));
    }
    if admin {
        nav.push(("/admin/units", "nav.admin"));
    }
    nav
}

/// A signed-in staff member. Pages that need one redirect to `/login?next=…` without.
pub struct Staff {
    pub principal: Principal,
    pub token: String,
    /// Notices to the user's units nobody has acknowledged yet (handlers, unit heads): the
    /// count the header shows beside the inbox.
    pub unread: Option<i64>,
}

impl FromRequestParts<Arc<AppState>> for Staff {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let browser = Browser::from_request_parts(parts, state).await?;
        let to_login = || {
            let next = form_urlencoded::Serializer::new(String::new())
                .append_pair("next", &browser.path)
                .finish();
            Redirect::to(&format!("/login?{next}")).into_response()
        };
        let Some(token) = browser.session.clone() else {
            return Err(to_login());
        };
        match crate::auth::principal_for_token(state, &token).await {
            Ok(Some(principal)) => {
                if browser.lang_chosen
                    && let Err(error) = state
                        .store
                        .set_setting(&lang_setting(&principal), browser.lang.code())
                        .await
                {
                    return Err(PageError::from(error).into_response());
                }
                let unread = crate::services::supervision::unread_count(state, &principal)
                    .await
                    .map_err(|e| PageError::Api(e).into_response())?;
                Ok(Staff {
                    principal,
                    token,
                    unread,
                })
            }
            Ok(None) => Err(to_login()),
            Err(error) => Err(PageError::Api(error).into_response()),
        }
    }
}

/// Where a user's language is kept (settings table), so it follows them to any browser.
pub fn lang_setting(principal: &Principal) -> String {
    format!("lang:user:{}", principal.user.0)
}

/// Requires one of `roles`, else a 403 page (pages a role may not use are not linked).
pub fn require(staff: &Staff, roles: &[Role]) -> Result<(), PageError> {
    if crate::access::may(&staff.principal, roles) {
        Ok(())
    } else {
        Err(PageError::Api(ApiError::with_message(
            ErrorCode::Forbidden,
            "your roles do not open this page",
        )))
    }
}

pub fn html<T: Template>(page: T) -> PageResult {
    page.render()
        .map(|h| axum::response::Html(h).into_response())
        .map_err(|e| PageError::Api(ApiError::internal(e)))
}

/// An HTML page with a status other than 200 (a form shown again with its errors: 422).
pub fn html_status<T: Template>(status: StatusCode, page: T) -> PageResult {
    let mut response = html(page)?;
    *response.status_mut() = status;
    Ok(response)
}

/// Redirect after a successful form (post/redirect/get), with a one-line flash message.
pub fn see_other(to: &str, flash: Option<&str>) -> Response {
    let to = match flash {
        Some(flash) => {
            let sep = if to.contains('?') { '&' } else { '?' };
            let q = form_urlencoded::Serializer::new(String::new())
                .append_pair("done", flash)
                .finish();
            format!("{to}{sep}{q}")
        }
        None => to.to_owned(),
    };
    Redirect::to(&to).into_response()
}

async fn css() -> Response {
    asset(
        "text/css; charset=utf-8",
        include_str!("../../assets/app.css"),
    )
}

async fn js() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../assets/app.js"),
    )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_switch_keeps_the_query() {
        assert_eq!(
            switch_href("/track?serial=1&lang=zh", Lang::En),
            "/track?serial=1&lang=en"
        );
        assert_eq!(switch_href("/", Lang::Zh), "/?lang=zh");
    }
}
