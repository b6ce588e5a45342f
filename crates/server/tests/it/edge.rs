//! The edge: control characters in any text are a 422 naming the field on both backends
//! (PostgreSQL cannot store NUL, SQLite would), an oversized body is a 413 in the one JSON
//! error shape on every route, and dates outside the platform's range are refused.

use serde_json::{Value, json};

use crate::helpers::{TestApp, complaint, on_every_backend};

fn set(body: &mut Value, path: &str, value: Value) {
    let mut target = body;
    let parts: Vec<&str> = path.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        target = target.get_mut(*part).unwrap();
    }
    target[parts[parts.len() - 1]] = value;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_are_refused_in_every_text_field() {
    on_every_backend(|_, app| async move {
        let operator = app.login("operator").await;
        let admin = app.login("admin").await;
        for field in ["content", "address", "caller.name", "caller.phone"] {
            for bad in ["x\u{0}y", "x\u{1}y", "x\u{7f}y"] {
                let mut body = complaint();
                set(&mut body, field, json!(bad));
                let r = app.post(Some(&operator), "/api/v1/requests", body).await;
                assert_eq!(r.status, 422, "{field} {bad:?}: {}", r.body);
                assert_eq!(r.body["error"]["code"], "invalid_field");
                assert!(
                    r.body["error"]["fields"].get(field).is_some(),
                    "names {field}: {}",
                    r.body
                );
            }
        }
        // Tab, line feed and carriage return are text; other scripts are text.
        let mut body = complaint();
        set(&mut body, "content", json!("第一行\n第二行\t\r\n完 é ü"));
        let serial = app.intake(&operator, body).await;
        let stored = app.state.store.get_request(&serial).await.unwrap().unwrap();
        assert_eq!(stored.row.content, "第一行\n第二行\t\r\n完 é ü");
        // The public portal API and administrators' names.
        let r = app
            .post(
                None,
                "/api/v1/requests",
                json!({"channel": "web", "kind": "complaint", "content": "a\u{0}b"}),
            )
            .await;
        assert!((400..500).contains(&r.status), "{}", r.body);
        let r = app
            .post(
                Some(&admin),
                "/api/v1/units",
                json!({"name": "坏\u{0}名", "kind": "department", "parent": app.units.hub.0}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body["error"]["fields"].get("name").is_some(),
            "{}",
            r.body
        );
        let r = app
            .post(
                Some(&admin),
                "/api/v1/categories",
                json!({"code": "x.y", "name": "a\u{0}"}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        // Query strings and action bodies too.
        let r = app
            .get(Some(&operator), "/api/v1/requests?caller_phone=1%00")
            .await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(r.body["error"]["fields"].get("caller_phone").is_some());
        let dispatcher = app.login("dispatcher").await;
        let r = app
            .act(
                &dispatcher,
                &serial,
                "dispatch",
                json!({"unit": app.units.dept.0, "reason": "\u{0}"}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body["error"]["fields"].get("reason").is_some());
        assert_eq!(
            app.state.store.count_requests().await.unwrap(),
            1,
            "nothing but the good request was written"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_get_the_json_error_shape_on_every_route() {
    let app = TestApp::start(&civicgrid_store::testing::sqlite_url()).await;
    let operator = app.login("operator").await;
    let serial = app.intake(&operator, complaint()).await;
    // One byte over the limit: the server reads the whole body before it refuses it, so
    // the client has finished sending when the answer comes (a larger body would race the
    // server's closing of the connection).
    let big = vec![b'a'; 6 * 1024 * 1024 + 1];
    for (path, content_type) in [
        ("/api/v1/requests".to_owned(), "application/json"),
        (
            format!("/api/v1/requests/{serial}/accept"),
            "application/json",
        ),
        (
            format!("/api/v1/requests/{serial}/attachments"),
            "image/jpeg",
        ),
        ("/api/v1/units".to_owned(), "application/json"),
    ] {
        let r = app
            .client
            .post(format!("{}{}", app.base, path))
            .bearer_auth(&operator)
            .header("content-type", content_type)
            .body(big.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413, "{path}");
        let body: Value = r.json().await.expect("a JSON body");
        assert_eq!(body["error"]["code"], "payload_too_large", "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dates_outside_the_platforms_range_are_refused() {
    let app = TestApp::start(&civicgrid_store::testing::sqlite_url()).await;
    let admin = app.login("admin").await;
    let r = app
        .get(
            None,
            "/api/v1/calendar/deadline?from=9999-12-31T23:59:59Z&working_days=30",
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body["error"]["fields"].get("from").is_some(),
        "{}",
        r.body
    );
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2099-12-31"),
        "says the range: {}",
        r.body
    );
    // The last accepted day still answers an RFC 3339 instant.
    let r = app
        .get(
            None,
            "/api/v1/calendar/deadline?from=2099-12-31T00:00:00Z&working_days=250",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let deadline = r.body["deadline"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(deadline).is_ok(),
        "{deadline}"
    );
    let r = app
        .post(
            Some(&admin),
            "/api/v1/calendar/official-days",
            json!({"text": "9999-01-01 off 未来"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(app.state.store.official_days().await.unwrap().is_empty());
    let r = app
        .get(Some(&admin), "/api/v1/stats/units?from=1066-10-14")
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
}
