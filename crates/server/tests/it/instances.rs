//! Several instances on one PostgreSQL database: what an administrator changes through one
//! instance holds on another from its next request on, for every table the instances keep
//! in memory (units, categories, routing rules, policies, official days, settings, sessions
//! and users), with no reload, restart or waiting. (SQLite serves one instance.)

use serde_json::json;

use crate::helpers::{complaint, on_every_backend};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_on_one_instance_holds_on_another_at_once() {
    on_every_backend(|backend, a| async move {
        if backend == civicgrid_store::Backend::Sqlite {
            return;
        }
        let b = a.another_instance().await;
        let admin = a.login("admin").await;
        let operator_b = b.login("operator").await;
        let dispatcher_b = b.login("dispatcher").await;
        // Both instances have served a request, so both hold their copies.
        assert_eq!(b.get(Some(&dispatcher_b), "/api/v1/units").await.status, 200);

        // Units: created on A, dispatched to on B.
        let r = a
            .post(
                Some(&admin),
                "/api/v1/units",
                json!({"name": "园林局", "kind": "department", "parent": a.units.hub.0}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let parks = r.body["id"].as_i64().unwrap();
        let serial = b.intake(&operator_b, complaint()).await;
        let r = b
            .act(&dispatcher_b, &serial, "dispatch", json!({"unit": parks}))
            .await;
        assert_eq!(r.status, 200, "B dispatches to A's new unit: {}", r.body);

        // Categories and routing rules: created on A, used by intake on B.
        let r = a
            .post(
                Some(&admin),
                "/api/v1/categories",
                json!({"code": "urban.trees", "name": "树木修剪", "line": "urban"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let trees = r.body["id"].as_i64().unwrap();
        let mut body = complaint();
        body["category"] = json!("urban.trees");
        let r = b.post(Some(&operator_b), "/api/v1/requests", body.clone()).await;
        assert_eq!(r.status, 201, "B knows A's category: {}", r.body);
        assert_eq!(
            r.body["proposal"]["basis"], "territorial",
            "no rule yet: {}",
            r.body
        );
        let r = a
            .post(
                Some(&admin),
                "/api/v1/routing-rules",
                json!({"category": trees, "unit": parks, "basis": "designation"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let r = b.post(Some(&operator_b), "/api/v1/requests", body.clone()).await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(
            r.body["proposal"]["unit"]["id"], parks,
            "B proposes by A's new rule: {}",
            r.body
        );

        // Policies: created on A, in force for a clock started on B.
        let r = a
            .post(
                Some(&admin),
                "/api/v1/policies",
                json!({"name": "树木投诉", "match": {"category": "urban.trees"},
                       "limits": {"accept": {"amount": 45, "unit": "minutes"}}}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let serial = b.intake(&operator_b, body.clone()).await;
        let r = b
            .act(&dispatcher_b, &serial, "dispatch", json!({"unit": parks}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let accept = r.body["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["stage"] == "accept")
            .unwrap_or_else(|| panic!("an accept clock: {}", r.body));
        assert_eq!(
            accept["limit"],
            json!({"amount": 45, "unit": "minutes"}),
            "B's clock runs under A's new policy"
        );

        // Official days: a holiday added on A moves a deadline computed on B.
        let path = "/api/v1/calendar/deadline?from=2026-09-21T09:00:00%2B08:00&working_days=1";
        let before = b.get(None, path).await;
        assert_eq!(before.status, 200, "{}", before.body);
        let r = a
            .post(
                Some(&admin),
                "/api/v1/calendar/official-days",
                json!({"text": "2026-09-22 off 测试假日"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let after = b.get(None, path).await;
        assert_ne!(
            before.body["deadline"], after.body["deadline"],
            "B counts A's new holiday"
        );

        // Settings: the appraisal configuration saved on A is the one B reads.
        let mut config = a.get(Some(&admin), "/api/v1/settings/appraisal").await.body;
        config["min_sample"] = json!(7);
        let r = a
            .send(
                reqwest::Method::PUT,
                Some(&admin),
                "/api/v1/settings/appraisal",
                Some(config),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let admin_b = b.login("admin").await;
        let seen = b.get(Some(&admin_b), "/api/v1/settings/appraisal").await;
        assert_eq!(seen.body["min_sample"], 7, "{}", seen.body);

        // Users: created on A, signing in on B.
        let r = a
            .post(
                Some(&admin),
                "/api/v1/users",
                json!({"username": "parks01", "display_name": "园林局值班", "password": "civicgrid-parks",
                       "unit": parks, "roles": ["handler"]}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let r = b
            .post(
                None,
                "/api/v1/auth/login",
                json!({"username": "parks01", "password": "civicgrid-parks"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);

        // Sessions: signed out through A's page, refused by B at once although B had the
        // session in memory from the call before.
        let token = a.login("supervisor").await;
        assert_eq!(b.get(Some(&token), "/api/v1/me").await.status, 200);
        let csrf = "c".repeat(64);
        let out = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(format!("{}/logout", a.base))
            .header("cookie", format!("cg_session={token}; cg_csrf={csrf}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("_csrf={csrf}"))
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), 303);
        assert_eq!(
            b.get(Some(&token), "/api/v1/me").await.status,
            401,
            "B refuses the session A ended"
        );
    })
    .await;
}

/// On SQLite one server serves the file, but another process may write to it (the
/// `civicgrid calendar` command): the sweeper's refresh, not each request, picks that up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_another_process_s_change_is_picked_up_by_the_sweeper_s_refresh() {
    let url = civicgrid_store::testing::sqlite_url();
    let server = crate::helpers::TestApp::start(&url).await;
    let command = server.another_instance().await;
    let path = "/api/v1/calendar/deadline?from=2026-09-21T09:00:00%2B08:00&working_days=1";
    let before = server.get(None, path).await.body["deadline"].clone();
    civicgrid::services::calendar::add_official_days(
        &command.state,
        civicgrid_domain::calendar::parse_official("2026-09-22 off 测试假日").unwrap(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        server.get(None, path).await.body["deadline"],
        before,
        "requests on SQLite do not check for other processes"
    );
    server.state.refresh().await.unwrap();
    assert_ne!(
        server.get(None, path).await.body["deadline"],
        before,
        "the sweeper's refresh brings the new day in"
    );
}
