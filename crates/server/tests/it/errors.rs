//! Bad input gets a 4xx with a stable code and the field named, never a 5xx, and writes
//! nothing.

use serde_json::{Value, json};

use crate::helpers::{TestApp, complaint};

fn with(field: &str, value: Value) -> Value {
    let mut body = complaint();
    let mut target = &mut body;
    let parts: Vec<&str> = field.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        target = target.get_mut(*part).unwrap();
    }
    target[parts[parts.len() - 1]] = value;
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_intake_names_the_field_and_writes_nothing() {
    let app = TestApp::start(&civicgrid_store::testing::sqlite_url()).await;
    let operator = app.login("operator").await;
    let cases: Vec<(Value, u16, &str, &str)> = vec![
        (
            with("channel", json!("fax")),
            422,
            "invalid_field",
            "channel",
        ),
        (with("kind", json!("rant")), 422, "invalid_field", "kind"),
        (
            with("content", json!("   ")),
            422,
            "invalid_field",
            "content",
        ),
        (
            with("content", json!("字".repeat(5001))),
            422,
            "invalid_field",
            "content",
        ),
        (
            with("caller.phone", json!("12ab")),
            422,
            "invalid_field",
            "caller.phone",
        ),
        (
            with("location.lat", json!(123.0)),
            422,
            "invalid_field",
            "location.lat",
        ),
        (
            with("location.lat", json!("north")),
            422,
            "invalid_field",
            "location.lat",
        ),
        (
            with("category", json!("no.such")),
            422,
            "invalid_field",
            "category",
        ),
        (
            with("category", json!(99999)),
            422,
            "invalid_field",
            "category",
        ),
        (
            with("urgency", json!("yesterday")),
            422,
            "invalid_field",
            "urgency",
        ),
        (with("surprise", json!(1)), 422, "invalid_field", "surprise"),
        (
            json!({"kind": "complaint", "content": "x"}),
            422,
            "invalid_field",
            "channel",
        ),
        (
            with("caller.nickname", json!("x")),
            422,
            "invalid_field",
            "caller.nickname",
        ),
        (
            json!({"channel": "hotline", "kind": "complaint", "content": "x", "answer": {"reply": "y"}}),
            422,
            "invalid_field",
            "kind",
        ),
    ];
    for (body, status, code, field) in cases {
        let r = app
            .post(Some(&operator), "/api/v1/requests", body.clone())
            .await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
        assert_eq!(r.body["error"]["code"], code, "{body}");
        assert!(
            r.body["error"]["fields"].get(field).is_some(),
            "{body} should name `{field}`: {}",
            r.body
        );
    }
    // Malformed JSON and a wrong content type.
    let raw = app
        .client
        .post(format!("{}/api/v1/requests", app.base))
        .bearer_auth(&operator)
        .header("content-type", "application/json")
        .body("{\"channel\":")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    assert_eq!(
        raw.json::<Value>().await.unwrap()["error"]["code"],
        "malformed_json"
    );
    let text = app
        .client
        .post(format!("{}/api/v1/requests", app.base))
        .bearer_auth(&operator)
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), 415);
    assert_eq!(
        app.state.store.count_requests().await.unwrap(),
        0,
        "nothing half-written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_actions_queries_and_logins_are_client_errors() {
    let app = TestApp::start(&civicgrid_store::testing::sqlite_url()).await;
    let operator = app.login("operator").await;
    let dispatcher = app.login("dispatcher").await;
    let serial = app.intake(&operator, complaint()).await;
    let checks: Vec<(&str, Value, u16, &str)> = vec![
        ("dispatch", json!({}), 422, "unit"),
        ("dispatch", json!({"unit": 99999}), 422, "unit"),
        ("dispatch", json!({"unit": "seven"}), 422, "unit"),
        (
            "coordinate",
            json!({"units": [], "reason": "x"}),
            422,
            "units",
        ),
        (
            "transfer_out",
            json!({"platform": "999", "reason": "x"}),
            422,
            "platform",
        ),
        ("merge", json!({"parent": "123"}), 422, "serial"),
        ("merge", json!({"parent": serial.clone()}), 422, "parent"),
        ("merge", json!({"parent": "20200101000001"}), 422, "parent"),
    ];
    for (action, body, status, field) in checks {
        let r = app.act(&dispatcher, &serial, action, body.clone()).await;
        assert_eq!(r.status, status, "{action} {body}: {}", r.body);
        assert!(
            r.body["error"]["fields"].get(field).is_some(),
            "{action} {body} should name `{field}`: {}",
            r.body
        );
    }
    assert_eq!(
        app.act(&dispatcher, &serial, "fly", json!({})).await.status,
        404
    );
    assert_eq!(
        app.act(&dispatcher, "20991301000001", "accept", json!({}))
            .await
            .status,
        404
    );
    assert_eq!(
        app.get(Some(&dispatcher), "/api/v1/requests/not-a-serial")
            .await
            .status,
        404
    );
    for query in [
        "state=flying",
        "kind=rant",
        "page=0",
        "page_size=0",
        "page_size=1000",
        "page=x",
    ] {
        let r = app
            .get(Some(&dispatcher), &format!("/api/v1/requests?{query}"))
            .await;
        assert!((400..500).contains(&r.status), "{query}: {}", r.status);
        let name = query.split('=').next().unwrap();
        assert!(
            r.body["error"]["fields"].get(name).is_some(),
            "{query} names `{name}` in the one error shape: {}",
            r.body
        );
    }
    // A missing required parameter is named too.
    let r = app
        .get(Some(&dispatcher), "/api/v1/track?serial=20260921000001")
        .await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (400, Some("invalid_query"))
    );
    assert!(
        r.body["error"]["fields"].get("code").is_some(),
        "{}",
        r.body
    );
    let r = app
        .post(
            None,
            "/api/v1/auth/login",
            json!({"username": "operator", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (401, Some("invalid_credentials"))
    );
    let r = app
        .post(
            None,
            "/api/v1/auth/login",
            json!({"username": "nobody", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(
        app.get(None, "/nowhere").await.body["error"]["code"],
        "not_found"
    );
    let r = app
        .send(
            reqwest::Method::DELETE,
            Some(&dispatcher),
            "/api/v1/requests",
            None,
        )
        .await;
    assert_eq!(r.status, 405);
    let events = app
        .get(
            Some(&dispatcher),
            &format!("/api/v1/requests/{serial}/events"),
        )
        .await;
    assert_eq!(events.body["total"], 1, "refused actions wrote no events");
}

#[test]
fn every_error_code_has_its_documented_status() {
    for code in civicgrid_api::ErrorCode::ALL {
        let response =
            axum::response::IntoResponse::into_response(civicgrid::error::ApiError::new(*code));
        assert_eq!(response.status().as_u16(), code.status(), "{}", code.code());
    }
}
