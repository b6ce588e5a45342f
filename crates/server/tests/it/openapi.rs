//! The OpenAPI document and the router describe the same routes.

use std::collections::BTreeSet;

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_matches_the_routes() {
    let doc = civicgrid::http::openapi();
    let documented: BTreeSet<(String, String)> = civicgrid::http::routes().into_iter().collect();
    // The routes the API has served since the spine; the derived list must keep them all.
    for (method, path) in [
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
        ("GET", "/api/v1/settings/rules"),
        ("PUT", "/api/v1/settings/rules"),
        ("GET", "/api/v1/calendar/official-days"),
        ("POST", "/api/v1/calendar/official-days"),
        ("GET", "/healthz"),
        ("GET", "/metrics"),
    ] {
        assert!(
            documented.contains(&(method.to_owned(), path.to_owned())),
            "{method} {path} is no longer documented"
        );
    }
    // The action parameter names every action a client may post.
    let actions = &doc.paths.paths["/api/v1/requests/{serial}/{action}"];
    let described = serde_json::to_value(actions).unwrap().to_string();
    for word in civicgrid_domain::lifecycle::Action::words() {
        assert!(
            described.contains(word),
            "the `action` parameter does not list `{word}`"
        );
    }
    // Every listed route is really mounted: none answers with the router's own 404/405.
    let app = TestApp::start(&civicgrid_store::testing::sqlite_url()).await;
    let admin = app.login("admin").await;
    for (method, path) in civicgrid::http::routes() {
        let concrete = path
            .replace("{serial}", "20261122000001")
            .replace("{action}", "accept")
            .replace("{id}", "1")
            .replace("{unit}", "1");
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let r = app
            .send(
                method.clone(),
                Some(&admin),
                &concrete,
                Some(serde_json::json!({})),
            )
            .await;
        // The router's own 404 has the catalogue's default message; a handler's 404 for
        // a missing resource says what is missing.
        let fallback = r.body["error"]["code"] == "not_found"
            && r.body["error"]["message"] == civicgrid_api::ErrorCode::NotFound.default_message();
        assert!(!fallback, "{method} {path} is not mounted: {}", r.body);
        assert_ne!(r.status, 405, "{method} {path}");
    }
    let served = app.get(None, "/api/openapi.json").await;
    assert_eq!(served.status, 200);
    assert!(served.body["paths"]["/api/v1/requests"]["post"].is_object());
}
