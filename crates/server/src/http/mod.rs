//! The HTTP API, one module per resource. Each module declares its routes and their OpenAPI
//! description once (utoipa-axum's `routes!` takes both from the handler's
//! `#[utoipa::path]`); this module merges them, so the router and the document cannot
//! disagree, and the route list the tests walk is derived from the document.
//!
//! Handlers translate between the wire and the services: no SQL and no rules here. Must
//! not know the web pages (the app builder merges the two routers).

mod auth;
mod calendar;
mod notices;
mod ops;
mod policies;
mod requests;
mod routing;
mod settings;
mod stats;
mod supervision;
mod track;
mod units;
mod users;

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::State;
use civicgrid_api::{ErrorBody, Page};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

type AppStateRef = State<Arc<AppState>>;

#[derive(OpenApi)]
#[openapi(
    info(title = "civicgrid API", description = "Citizen requests from intake to callback."),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

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

/// Every resource's routes with their descriptions. Adding a resource is one line here.
fn resources() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::router())
        .merge(units::router())
        .merge(users::router())
        .merge(routing::router())
        .merge(requests::router())
        .merge(track::router())
        .merge(calendar::router())
        .merge(policies::router())
        .merge(supervision::router())
        .merge(notices::router())
        .merge(stats::router())
        .merge(settings::router())
        .merge(ops::router())
}

/// The API's router (`/api…`, `/healthz`, `/metrics`).
pub fn router() -> Router<Arc<AppState>> {
    resources().split_for_parts().0
}

/// The OpenAPI document of every route `router` serves.
pub fn openapi() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(|| resources().split_for_parts().1)
}

/// Every documented (method, path), in the document's order.
pub fn routes() -> Vec<(String, String)> {
    let mut routes = Vec::new();
    for (path, item) in &openapi().paths.paths {
        for (method, present) in [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("DELETE", item.delete.is_some()),
            ("PATCH", item.patch.is_some()),
        ] {
            if present {
                routes.push((method.to_owned(), path.clone()));
            }
        }
    }
    routes
}

/// A short list returned whole, in the same page shape as the long ones.
pub(crate) fn whole_page<T>(items: Vec<T>) -> Page<T> {
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
