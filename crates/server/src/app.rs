//! Building and running the application: one function assembles the state and router for
//! both `main` and the tests, and first start creates the administrator.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use civicgrid_api::ErrorCode;
use civicgrid_domain::org::{Grant, Role, UnitKind};
use civicgrid_store::{NewUnit, NewUser, Store};
use tokio::net::TcpListener;

use crate::auth;
use crate::clock::Clock;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Opens the database and assembles the application.
pub async fn build(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
) -> ApiResult<(Router, Arc<AppState>)> {
    build_with(store, clock, crate::config::AppSettings::default()).await
}

/// `build` with the configuration's settings for the application.
pub async fn build_with(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: crate::config::AppSettings,
) -> ApiResult<(Router, Arc<AppState>)> {
    let state = AppState::new(store, clock, settings).await?;
    let _ = crate::telemetry::metrics_handle();
    Ok((router(state.clone()), state))
}

/// The whole application: the API and the web pages side by side, with what every request
/// goes through (body limit, coherence with other instances, metrics) and the one answer
/// for a path or method nothing serves.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .merge(crate::http::router())
        .merge(crate::pages::router(state.clone()))
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
    State(state): State<Arc<AppState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if let Err(error) = state.refresh_before_request().await {
        return error.into_response();
    }
    next.run(request).await
}

/// Outside the API a browser gets a page; everything else the JSON error.
async fn not_found(uri: axum::http::Uri, headers: HeaderMap) -> Response {
    crate::pages::not_found_page(&headers, uri.path())
        .unwrap_or_else(|| ApiError::new(ErrorCode::NotFound).into_response())
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(ErrorCode::MethodNotAllowed)
}

/// On a database without an administrator: creates the hub (if there is no unit yet) and
/// the user `admin`, with the password from `CIVICGRID_ADMIN_PASSWORD` or a generated one,
/// which is returned so the caller can print it once.
pub async fn ensure_admin(state: &AppState, password: Option<String>) -> ApiResult<Option<String>> {
    if state.store.count_admins().await? > 0 {
        return Ok(None);
    }
    let root = match state.org().root() {
        Some(root) => root,
        None => {
            let hub = NewUnit {
                name: "区级指挥中心".into(),
                kind: UnitKind::Hub,
                parent: None,
                lines: vec![],
                geometry: None,
                code: None,
            };
            state.store.create_unit(hub, state.now()).await?.id
        }
    };
    let generated = password.is_none();
    let password = password.unwrap_or_else(|| crate::session::new_token()[..16].to_owned());
    civicgrid_domain::org::check_password(&password).map_err(|e| {
        ApiError::with_message(
            civicgrid_api::ErrorCode::InvalidField,
            format!("CIVICGRID_ADMIN_PASSWORD {}", e.message),
        )
    })?;
    let hash = auth::hash_password_blocking(password.clone()).await?;
    let admin = NewUser {
        username: "admin".into(),
        display_name: "系统管理员".into(),
        password_hash: hash,
        unit: root,
        grants: vec![Grant {
            role: Role::Admin,
            unit: root,
            lines: vec![],
        }],
    };
    match state.store.create_user(admin, state.now()).await {
        Ok(_) | Err(civicgrid_store::StoreError::UsernameTaken(_)) => {}
        Err(other) => return Err(other.into()),
    }
    state.reload().await?;
    Ok(generated.then_some(password))
}

/// Serves until ctrl-c or SIGTERM.
pub async fn serve(listener: TcpListener, router: Router) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(term) => term,
                    Err(_) => return ctrl_c.await.unwrap_or(()),
                };
            tokio::select! {
                _ = ctrl_c => {},
                _ = term.recv() => {},
            }
        }
        #[cfg(not(unix))]
        ctrl_c.await.unwrap_or(());
    })
    .await
}
