//! The HTTP API, one module per resource. Each module declares its routes and their OpenAPI
//! description once (utoipa-axum's `routes!` takes both from the handler's
//! `#[utoipa::path]`); this module merges them, so the router and the document cannot
//! disagree, and the route list the tests walk is derived from the document.
//!
//! Handlers translate between the wire and the services: no SQL and no rules here. Must
//! not know the web pages (the app builder merges the two routers).

mod audit;
mod auth;
mod calendar;
mod instructions;
mod intakes;
mod notices;
mod ops;
mod places;
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
        .merge(places::router())
        .merge(users::router())
        .merge(routing::router())
        .merge(requests::router())
        .merge(intakes::router())
        .merge(instructions::router())
        .merge(audit::router())
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

/// The OpenAPI document of every route `router` serves, with the error responses each kind
/// of route can give.
pub fn openapi() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = resources().split_for_parts().1;
        standard_errors(&mut doc);
        doc
    })
}

/// Declares, once per kind of route, the errors the server's own layers give whatever the
/// handler: a signed-in route can answer 401 and 403; one with a body 400 (`malformed_json`),
/// 413, 415 and 422; one with query parameters 400 (`invalid_query`); one with path
/// parameters 404; every route 503 when the database cannot be reached. A handler's own
/// error responses stay as it declares them. Why here: declared per handler they drifted
/// (76 undocumented status codes were found by a schema-driven fuzzer).
fn standard_errors(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{Operation, ParameterIn};
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    let add = |operation: &mut Operation, status: &str, description: &str| {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| error(description).into());
    };
    for item in doc.paths.paths.values_mut() {
        for operation in [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.delete.as_mut(),
            item.patch.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            let parameters = operation.parameters.clone().unwrap_or_default();
            let located = |place: ParameterIn| {
                parameters.iter().any(|p| match p {
                    utoipa::openapi::RefOr::T(p) => p.parameter_in == place,
                    utoipa::openapi::RefOr::Ref(_) => false,
                })
            };
            let query = located(ParameterIn::Query);
            let path = located(ParameterIn::Path);
            if secured {
                add(
                    operation,
                    "401",
                    "`unauthenticated`: no token, or an unknown or expired one",
                );
                add(
                    operation,
                    "403",
                    "`forbidden`: the user's roles do not allow this",
                );
            }
            if operation.request_body.is_some() {
                add(operation, "400", "`malformed_json`: the body is not JSON");
                add(
                    operation,
                    "413",
                    "`payload_too_large`: the body is too large",
                );
                add(
                    operation,
                    "415",
                    "`unsupported_media_type`: not the content type expected",
                );
                add(
                    operation,
                    "422",
                    "`invalid_field`: a field is missing or wrong (named)",
                );
            }
            if query {
                add(
                    operation,
                    "400",
                    "`invalid_query`: a query parameter is wrong (named)",
                );
            }
            if path {
                add(operation, "404", "`not_found`: nothing has this identifier");
            }
            add(
                operation,
                "503",
                "`unavailable`: the service is starting or its database is unreachable",
            );
        }
    }
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
