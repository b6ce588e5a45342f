//! Every endpoint's permission rule: without a token, with a role that may not, with one
//! that may.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, complaint};

const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/api"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/track"),
    ("GET", "/api/v1/calendar/deadline"),
    ("GET", "/api/v1/calendar/official-days"),
    ("GET", "/api/v1/grids"),
    ("GET", "/api/v1/grids/{code}"),
    ("GET", "/api/v1/layers"),
    ("GET", "/api/v1/layers/{code}/geojson"),
    ("GET", "/api/v1/places"),
    ("GET", "/healthz"),
    ("GET", "/metrics"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_protected_endpoint_needs_a_token() {
    let app = TestApp::start(&civicgrid_store::testing::sqlite_url()).await;
    for (method, path) in civicgrid::http::routes() {
        if PUBLIC.contains(&(method.as_str(), path.as_str())) {
            continue;
        }
        let concrete = path
            .replace("{serial}", "20261122000001")
            .replace("{action}", "accept")
            .replace("{id}", "1")
            .replace("{unit}", "1");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let body = matches!(method, Method::POST | Method::PUT).then(|| json!({}));
        let r = app.send(method.clone(), None, &concrete, body).await;
        assert_eq!(r.status, 401, "{method} {path} without a token");
        assert_eq!(r.body["error"]["code"], "unauthenticated");
        let r = app
            .send(method.clone(), Some("not-a-token"), &concrete, None)
            .await;
        assert_eq!(r.status, 401, "{method} {path} with a bad token");
    }
    assert_eq!(app.get(None, "/healthz").await.status, 200);
    assert_eq!(app.get(None, "/metrics").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_are_enforced_per_endpoint() {
    let app = TestApp::start(&civicgrid_store::testing::sqlite_url()).await;
    let u = app.units;
    let admin = app.login("admin").await;
    let operator = app.login("operator").await;
    let dispatcher = app.login("dispatcher").await;
    let handler = app.login("handler").await;
    let other = app.login("other_handler").await;
    let leader = app.login("leader").await;
    let street = app.login("street_dispatcher").await;
    let grid = app.login("gridworker").await;

    // Administration: admins only.
    for token in [&operator, &dispatcher, &handler, &leader] {
        let unit = json!({"name": "新社区", "kind": "community", "parent": u.street.0});
        assert_eq!(
            app.post(Some(token), "/api/v1/units", unit).await.status,
            403
        );
        let user = json!({"username": "newbie", "password": "password123", "unit": u.hub.0, "roles": ["operator"]});
        assert_eq!(
            app.post(Some(token), "/api/v1/users", user).await.status,
            403
        );
        assert_eq!(app.get(Some(token), "/api/v1/users").await.status, 403);
        assert_eq!(
            app.post(
                Some(token),
                "/api/v1/categories",
                json!({"code": "x", "name": "x"})
            )
            .await
            .status,
            403
        );
        let rule = json!({"category": 1, "unit": u.dept.0, "basis": "statute"});
        assert_eq!(
            app.post(Some(token), "/api/v1/routing-rules", rule)
                .await
                .status,
            403
        );
        assert_eq!(
            app.get(Some(token), "/api/v1/admin/verify-chain")
                .await
                .status,
            403
        );
    }
    let created = app
        .post(
            Some(&admin),
            "/api/v1/units",
            json!({"name": "新社区", "kind": "community", "parent": u.street.0}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let user = json!({"username": "newbie", "password": "password123", "unit": u.hub.0, "roles": ["operator"]});
    assert_eq!(
        app.post(Some(&admin), "/api/v1/users", user.clone())
            .await
            .status,
        201
    );
    let again = app.post(Some(&admin), "/api/v1/users", user).await;
    assert_eq!(
        (again.status, again.body["error"]["code"].as_str()),
        (409, Some("username_taken"))
    );
    assert_eq!(
        app.post(
            Some(&admin),
            "/api/v1/categories",
            json!({"code": "water", "name": "供水"})
        )
        .await
        .status,
        201
    );
    let rule = json!({"category": 1, "unit": u.dept.0, "basis": "agreement", "area": u.street.0});
    assert_eq!(
        app.post(Some(&admin), "/api/v1/routing-rules", rule)
            .await
            .status,
        201
    );
    assert_eq!(
        app.get(Some(&admin), "/api/v1/users").await.body["total"],
        11
    );
    assert_eq!(
        app.post(
            Some(&app.login("newbie").await),
            "/api/v1/requests",
            complaint()
        )
        .await
        .status,
        201
    );

    // Reading reference data: any signed-in user.
    for token in [&operator, &handler, &leader, &grid] {
        assert_eq!(
            app.get(Some(token), "/api/v1/units?kind=street").await.body["total"],
            2
        );
        assert_eq!(app.get(Some(token), "/api/v1/categories").await.status, 200);
        assert_eq!(
            app.get(Some(token), "/api/v1/routing-rules").await.status,
            200
        );
        assert_eq!(
            app.get(Some(token), "/api/v1/cancel-reasons").await.status,
            200
        );
        assert_eq!(app.get(Some(token), "/api/v1/me").await.status, 200);
    }

    assert_eq!(
        app.get(Some(&street), "/api/v1/me").await.body["unit"],
        u.other_street.0
    );

    // Intake: operators, and grid workers through grid_report only.
    assert_eq!(
        app.post(Some(&handler), "/api/v1/requests", complaint())
            .await
            .status,
        403
    );
    assert_eq!(
        app.post(Some(&leader), "/api/v1/requests", complaint())
            .await
            .status,
        403
    );
    assert_eq!(
        app.post(Some(&grid), "/api/v1/requests", complaint())
            .await
            .status,
        422
    );
    let report = json!({"channel": "grid_report", "kind": "report", "content": "井盖缺失"});
    let r = app.post(Some(&grid), "/api/v1/requests", report).await;
    assert_eq!(r.status, 201);
    let grid_serial = r.body["serial"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get(Some(&grid), &format!("/api/v1/requests/{grid_serial}"))
            .await
            .body["area"]["id"],
        u.grid.0
    );

    let serial = app.intake(&operator, complaint()).await;
    let path = format!("/api/v1/requests/{serial}");
    // Visibility: a handler of another unit and a dispatcher of another street see nothing.
    assert_eq!(
        app.get(Some(&handler), &path).await.status,
        404,
        "not yet dispatched to the handler"
    );
    assert_eq!(app.get(Some(&street), &path).await.status, 404);
    assert_eq!(app.get(Some(&leader), &path).await.status, 200);
    assert_eq!(
        app.get(Some(&handler), "/api/v1/requests").await.body["total"],
        0
    );
    // Dispatching needs a dispatcher covering the place.
    assert_eq!(
        app.act(&operator, &serial, "dispatch", json!({"unit": u.dept.0}))
            .await
            .status,
        403
    );
    assert_eq!(
        app.act(&street, &serial, "dispatch", json!({"unit": u.dept.0}))
            .await
            .status,
        404
    );
    assert_eq!(
        app.act(&dispatcher, &serial, "dispatch", json!({"unit": u.dept.0}))
            .await
            .status,
        200
    );
    assert_eq!(
        app.get(Some(&handler), "/api/v1/requests").await.body["total"],
        1
    );
    assert_eq!(app.get(Some(&other), &path).await.status, 404);
    assert_eq!(
        app.act(&other, &serial, "accept", json!({})).await.status,
        404
    );
    assert_eq!(
        app.act(&dispatcher, &serial, "accept", json!({}))
            .await
            .status,
        403
    );
    assert_eq!(
        app.act(&handler, &serial, "accept", json!({})).await.status,
        200
    );
    assert_eq!(
        app.get(Some(&handler), &format!("{path}/events"))
            .await
            .status,
        200
    );
    assert_eq!(
        app.get(Some(&other), &format!("{path}/events"))
            .await
            .status,
        404
    );
    // Callback: operators, dispatchers, supervisors; not handlers or leaders.
    app.act(
        &handler,
        &serial,
        "resolve",
        json!({"outcome": "resolved", "reply": "好了"}),
    )
    .await;
    app.approve_reply(&dispatcher, &serial).await;
    assert_eq!(
        app.act(
            &handler,
            &serial,
            "callback",
            json!({"rating": "satisfied", "resolved": true})
        )
        .await
        .status,
        403
    );
    assert_eq!(
        app.act(
            &leader,
            &serial,
            "callback",
            json!({"rating": "satisfied", "resolved": true})
        )
        .await
        .status,
        403
    );
    let supervisor = app.login("supervisor").await;
    assert_eq!(
        app.act(
            &supervisor,
            &serial,
            "callback",
            json!({"rating": "satisfied", "resolved": true})
        )
        .await
        .status,
        200
    );
    // Photos: not for leaders.
    let url = format!("{}{path}/attachments", app.base);
    let png = b"\x89PNG\r\n\x1a\n0000".to_vec();
    let r = app
        .client
        .post(&url)
        .bearer_auth(&leader)
        .header("content-type", "image/png")
        .body(png)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_expire() {
    let app = TestApp::start(&civicgrid_store::testing::sqlite_url()).await;
    let token = app.login("operator").await;
    app.clock.advance(chrono::Duration::hours(11));
    assert_eq!(app.get(Some(&token), "/api/v1/me").await.status, 200);
    app.clock.advance(chrono::Duration::hours(2));
    let r = app.get(Some(&token), "/api/v1/me").await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (401, Some("unauthenticated"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_passwords_and_tracking_codes_is_throttled() {
    let app = TestApp::start(&civicgrid_store::testing::sqlite_url()).await;
    // Ten wrong passwords lock the username for 15 minutes, right password or not.
    for _ in 0..10 {
        let r = app
            .post(
                None,
                "/api/v1/auth/login",
                json!({"username": "operator", "password": "guess-guess"}),
            )
            .await;
        assert_eq!(r.status, 401);
    }
    let right = json!({"username": "operator", "password": crate::helpers::PASSWORD});
    let r = app.post(None, "/api/v1/auth/login", right.clone()).await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (429, Some("rate_limited")),
        "{}",
        r.body
    );
    // Other accounts are not affected.
    app.login("dispatcher").await;
    app.clock.advance(chrono::Duration::minutes(15));
    assert_eq!(
        app.post(None, "/api/v1/auth/login", right).await.status,
        200
    );

    // Ten wrong codes lock a serial's public tracking for an hour.
    let operator = app.login("operator").await;
    let serial = app.intake(&operator, complaint()).await;
    let code = app.verify_code(&serial).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..10 {
        let r = app
            .get(None, &format!("/api/v1/track?serial={serial}&code={wrong}"))
            .await;
        assert_eq!(r.status, 404);
    }
    let r = app
        .get(None, &format!("/api/v1/track?serial={serial}&code={code}"))
        .await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (429, Some("rate_limited"))
    );
    app.clock.advance(chrono::Duration::minutes(60));
    let r = app
        .get(None, &format!("/api/v1/track?serial={serial}&code={code}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // One client may look up at most 120 serials a minute.
    let mut statuses = Vec::new();
    for n in 0..121 {
        let r = app
            .get(
                None,
                &format!("/api/v1/track?serial=20260921{:06}&code=000000", 500 + n),
            )
            .await;
        statuses.push(r.status);
    }
    assert!(statuses[..119].iter().all(|s| *s == 404), "{statuses:?}");
    assert_eq!(statuses[120], 429);
}
