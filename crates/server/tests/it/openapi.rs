//! The OpenAPI document and the router describe the same routes.

use std::collections::BTreeSet;

use utoipa::OpenApi;

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_matches_the_routes() {
    let doc = civicgrid::routes::ApiDoc::openapi();
    let documented: BTreeSet<(String, String)> = doc
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            let mut methods = Vec::new();
            if item.get.is_some() {
                methods.push(("GET".to_owned(), path.clone()));
            }
            if item.post.is_some() {
                methods.push(("POST".to_owned(), path.clone()));
            }
            if item.put.is_some() {
                methods.push(("PUT".to_owned(), path.clone()));
            }
            methods
        })
        .collect();
    // The action parameter names every action a client may post.
    let actions = &doc.paths.paths["/api/v1/requests/{serial}/{action}"];
    let described = serde_json::to_value(actions).unwrap().to_string();
    for word in civicgrid_domain::lifecycle::Action::words() {
        assert!(
            described.contains(word),
            "the `action` parameter does not list `{word}`"
        );
    }
    let routed: BTreeSet<(String, String)> = civicgrid::routes::ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        documented, routed,
        "document every route, route every documented path"
    );

    // Every listed route is really mounted: none answers with the router's own 404/405.
    let app = TestApp::start(&civicgrid_store::testing::sqlite_url()).await;
    let admin = app.login("admin").await;
    for (method, path) in civicgrid::routes::ROUTES {
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
