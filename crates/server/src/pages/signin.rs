//! Signing in and out, and `/work`, which sends each user to the page of their role.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::routing::{get, post};
use civicgrid_domain::org::Role;
use serde::Deserialize;

use super::lists::{AppStateRef, NoFields};
use super::{
    Browser, CsrfForm, Ctx, PageResult, SESSION_COOKIE, Staff, html, html_status, nav_for,
    see_other, set_cookie,
};

use crate::pages::PageQuery;
use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/work", get(work))
}

// ---------------------------------------------------------------- sign-in

#[derive(Deserialize, Default)]
pub(super) struct LoginParams {
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
pub(super) struct LoginPage {
    ctx: Ctx,
    username: String,
    next: String,
    failed: bool,
    /// The password was reset: the form asks for a new one.
    must_change: bool,
    message: Option<String>,
}

/// Only local paths are followed after sign-in (no open redirect).
pub(super) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => {
            n.to_owned()
        }
        _ => "/work".to_owned(),
    }
}

async fn login_page(browser: Browser, PageQuery(params): PageQuery<LoginParams>) -> PageResult {
    html(LoginPage {
        ctx: Ctx::public(&browser),
        username: String::new(),
        next: safe_next(params.next.as_deref()),
        failed: false,
        must_change: false,
        message: None,
    })
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    username: String,
    password: String,
    /// Asked for when an administrator reset the password.
    #[serde(default)]
    new_password: Option<String>,
    next: Option<String>,
}

async fn login(
    State(state): AppStateRef,
    browser: Browser,
    extensions: axum::http::Extensions,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> PageResult {
    let client = crate::throttle::client_key(&extensions);
    let new_password = form.new_password.filter(|p| !p.is_empty());
    match crate::auth::sign_in(&state, &client, &form.username, form.password, new_password).await {
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
                    must_change: error.fields.contains_key("new_password"),
                    failed,
                    message: (!failed).then(|| {
                        if error.code == civicgrid_api::ErrorCode::Forbidden {
                            // A disabled account, in the reader's language.
                            super::i18n::Tr::new(browser.lang)
                                .s("login.disabled")
                                .to_owned()
                        } else {
                            error.message
                        }
                    }),
                },
            )
        }
    }
}

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
