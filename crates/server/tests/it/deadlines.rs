//! Deadline groundwork through the API: the district calendar and deadline policies.

use serde_json::{Value, json};

use crate::helpers::{TestApp, complaint, on_every_backend};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlines_on_the_district_calendar() {
    let app = TestApp::start(&civicgrid_store::testing::sqlite_url()).await;
    let r = app
        .get(
            None,
            "/api/v1/calendar/deadline?from=2025-09-30T16:00:00%2B08:00&working_days=5",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let due = chrono::DateTime::parse_from_rfc3339(r.body["deadline"].as_str().unwrap()).unwrap();
    assert_eq!(
        due,
        chrono::DateTime::parse_from_rfc3339("2025-10-14T17:30:00+08:00").unwrap()
    );
    let r = app
        .get(
            None,
            "/api/v1/calendar/deadline?from=2025-09-30T16:00:00%2B08:00&working_hours=2",
        )
        .await;
    let due = chrono::DateTime::parse_from_rfc3339(r.body["deadline"].as_str().unwrap()).unwrap();
    assert_eq!(
        due,
        chrono::DateTime::parse_from_rfc3339("2025-10-09T09:00:00+08:00").unwrap()
    );
    // The hub works round the clock: two hours are two hours, holiday or not.
    let hub = app.units.hub.0;
    let r = app.get(None, &format!("/api/v1/calendar/deadline?from=2025-10-01T10:00:00%2B08:00&working_hours=2&unit={hub}")).await;
    assert_eq!(r.body["calendar"], "round_the_clock");
    let due = chrono::DateTime::parse_from_rfc3339(r.body["deadline"].as_str().unwrap()).unwrap();
    assert_eq!(
        due,
        chrono::DateTime::parse_from_rfc3339("2025-10-01T12:00:00+08:00").unwrap()
    );
    for (query, field) in [
        ("from=yesterday&working_days=1", "from"),
        ("from=2025-09-30T16:00:00Z", "working_days"),
        (
            "from=2025-09-30T16:00:00Z&working_days=1&working_hours=1",
            "working_days",
        ),
        ("from=2025-09-30T16:00:00Z&working_days=0", "working_days"),
        (
            "from=2025-09-30T16:00:00Z&working_hours=99999",
            "working_hours",
        ),
        (
            "from=2025-09-30T16:00:00Z&working_days=1&unit=99999",
            "unit",
        ),
    ] {
        let r = app
            .get(None, &format!("/api/v1/calendar/deadline?{query}"))
            .await;
        assert_eq!(r.status, 400, "{query}: {}", r.body);
        assert!(
            r.body["error"]["fields"].get(field).is_some(),
            "{query} names {field}: {}",
            r.body
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadline_policies_are_data_that_admins_add() {
    for (_, url) in civicgrid_store::testing::backends().await {
        let app = TestApp::start(&url).await;
        let admin = app.login("admin").await;
        let operator = app.login("operator").await;
        let defaults = app.get(Some(&operator), "/api/v1/policies").await;
        assert_eq!(
            defaults.body["total"], 3,
            "the default and the two dispatch presets"
        );
        let items = defaults.body["items"].as_array().unwrap();
        let default = items
            .iter()
            .find(|p| p["match"] == json!({}))
            .expect("a default policy always exists");
        assert_eq!(
            default["limits"]["accept"],
            json!({"amount": 2, "unit": "working_hours"})
        );
        assert_eq!(
            default["limits"]["dispatch"],
            json!({"amount": 2, "unit": "working_hours"}),
            "web and other channels"
        );
        let hotline = items
            .iter()
            .find(|p| p["match"] == json!({"channel": "hotline"}))
            .expect("the hotline's dispatch preset");
        assert_eq!(
            hotline["limits"],
            json!({"dispatch": {"amount": 30, "unit": "working_minutes"}})
        );
        let emergency = items
            .iter()
            .find(|p| p["match"] == json!({"urgency": "emergency"}))
            .expect("the emergencies' dispatch preset");
        assert_eq!(
            emergency["limits"],
            json!({"dispatch": {"amount": 15, "unit": "minutes"}})
        );
        let policy = json!({
            "name": "路灯投诉", "match": {"kind": "complaint", "category": "urban.streetlight"},
            "limits": {"accept": {"amount": 30, "unit": "minutes"}, "resolve": {"amount": 3, "unit": "working_days"}},
            "bands": {"yellow": 0.5, "orange": 0.8}
        });
        assert_eq!(
            app.post(Some(&operator), "/api/v1/policies", policy.clone())
                .await
                .status,
            403
        );
        let r = app.post(Some(&admin), "/api/v1/policies", policy).await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["match"]["category"], "urban.streetlight");
        assert_eq!(r.body["bands"]["orange"], 0.8);
        let all = app.get(Some(&operator), "/api/v1/policies").await;
        assert_eq!(all.body["total"], 4);
        assert_eq!(
            all.body["items"][3]["limits"]["resolve"],
            json!({"amount": 3, "unit": "working_days"})
        );
        for (body, field) in [
            (json!({"name": "x", "limits": {}}), "limits"),
            (
                json!({"name": "x", "limits": {"resolve": {"amount": 3, "unit": "weeks"}}}),
                "limits.resolve.unit",
            ),
            (
                json!({"name": "x", "limits": {"accept": {"amount": 0, "unit": "minutes"}}}),
                "limits.accept.amount",
            ),
            (
                json!({"name": "x", "match": {"kind": "rant"}, "limits": {"accept": {"amount": 1, "unit": "minutes"}}}),
                "match.kind",
            ),
            (
                json!({"name": "x", "match": {"category": "nope"}, "limits": {"accept": {"amount": 1, "unit": "minutes"}}}),
                "match.category",
            ),
            (
                json!({"name": "x", "limits": {"accept": {"amount": 1, "unit": "minutes"}}, "bands": {"yellow": 0.9, "orange": 0.5}}),
                "bands.orange",
            ),
            (
                json!({"name": "", "limits": {"accept": {"amount": 1, "unit": "minutes"}}}),
                "name",
            ),
            (
                json!({"name": "x", "match": {"channel": "pigeon"}, "limits": {"dispatch": {"amount": 1, "unit": "working_minutes"}}}),
                "match.channel",
            ),
            (
                json!({"name": "x", "match": {"channel": "web"}, "limits": {"dispatch": {"amount": 0, "unit": "working_minutes"}}}),
                "limits.dispatch.amount",
            ),
        ] {
            let r = app
                .post(Some(&admin), "/api/v1/policies", body.clone())
                .await;
            assert_eq!(r.status, 422, "{body}: {}", r.body);
            assert!(
                r.body["error"]["fields"].get(field).is_some(),
                "{body} names {field}: {}",
                r.body
            );
        }
        assert_eq!(
            app.get(Some(&operator), "/api/v1/policies").await.body["total"],
            4,
            "refused policies wrote nothing"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_a_policy_makes_a_new_version_for_new_clocks_only() {
    for (_, url) in civicgrid_store::testing::backends().await {
        let app = TestApp::start(&url).await;
        let admin = app.login("admin").await;
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let first = app.dispatched(&operator, &dispatcher).await;
        let default_id = app.get(Some(&operator), "/api/v1/policies").await.body["items"][0]["id"]
            .as_i64()
            .unwrap();
        let edited = json!({
            "name": "默认时限（修订）",
            "limits": {"dispatch": {"amount": 1, "unit": "working_hours"},
                       "accept": {"amount": 1, "unit": "working_hours"}, "respond": {"amount": 1, "unit": "working_days"},
                       "resolve": {"amount": 7, "unit": "working_days"}, "callback": {"amount": 2, "unit": "working_days"},
                       "answer": {"amount": 2, "unit": "working_days"}, "review": {"amount": 1, "unit": "working_days"},
                       "report": {"amount": 30, "unit": "minutes"}},
            "accountable_after_working_days": 5
        });
        let path = format!("/api/v1/policies/{default_id}");
        // A default that leaves out a stage would leave its clocks with no limit: refused.
        let mut partial = edited.clone();
        partial["limits"].as_object_mut().unwrap().remove("review");
        let r = app
            .send(reqwest::Method::PUT, Some(&admin), &path, Some(partial))
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body["error"]["fields"]["limits"].is_string());
        let r = app
            .send(
                reqwest::Method::PUT,
                Some(&operator),
                &path,
                Some(edited.clone()),
            )
            .await;
        assert_eq!(r.status, 403);
        let r = app
            .send(
                reqwest::Method::PUT,
                Some(&admin),
                &path,
                Some(edited.clone()),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let new_id = r.body["id"].as_i64().unwrap();
        assert_ne!(new_id, default_id);
        assert_eq!(r.body["accountable_after_working_days"], 5);
        let all = app.get(Some(&operator), "/api/v1/policies").await;
        assert_eq!(all.body["total"], 3, "the old version is superseded");
        let r = app
            .send(
                reqwest::Method::PUT,
                Some(&admin),
                &path,
                Some(edited.clone()),
            )
            .await;
        assert_eq!(
            (r.status, r.body["error"]["code"].as_str()),
            (404, Some("not_found"))
        );
        let r = app
            .send(
                reqwest::Method::PUT,
                Some(&admin),
                &format!("/api/v1/policies/{new_id}"),
                Some(json!({"name": "x", "limits": {}})),
            )
            .await;
        assert_eq!(
            (r.status, r.body["error"]["fields"]["limits"].is_string()),
            (422, true)
        );
        // The default keeps matching everything and keeps every stage.
        let narrowed = json!({"name": "x", "match": {"kind": "help"}, "limits": edited["limits"]});
        let r = app
            .send(
                reqwest::Method::PUT,
                Some(&admin),
                &format!("/api/v1/policies/{new_id}"),
                Some(narrowed),
            )
            .await;
        assert_eq!(
            (r.status, r.body["error"]["fields"]["match"].is_string()),
            (422, true),
            "{}",
            r.body
        );
        let partial =
            json!({"name": "x", "limits": {"resolve": {"amount": 3, "unit": "working_days"}}});
        let r = app.post(Some(&admin), "/api/v1/policies", partial).await;
        assert_eq!(
            (r.status, r.body["error"]["fields"]["limits"].is_string()),
            (422, true),
            "{}",
            r.body
        );
        // The first request keeps the clocks it started under; a new one uses the edit.
        let second = app.dispatched(&operator, &dispatcher).await;
        for (serial, policy, amount) in [(&first, default_id, 2), (&second, new_id, 1)] {
            let r = app
                .get(Some(&operator), &format!("/api/v1/requests/{serial}"))
                .await;
            let accept = r.body["clocks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["stage"] == "accept")
                .unwrap();
            assert_eq!(
                (
                    accept["policy"].as_i64(),
                    accept["limit"]["amount"].as_i64()
                ),
                (Some(policy), Some(amount))
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_national_and_local_presets_install_once_as_editable_policies() {
    on_every_backend(|backend, app| async move {
        let admin = app.login("admin").await;
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let body = json!({"outage_categories": ["urban.streetlight"]});
        let r = app
            .post(Some(&operator), "/api/v1/policies/presets", body.clone())
            .await;
        assert_eq!(r.status, 403);
        let r = app
            .post(
                Some(&admin),
                "/api/v1/policies/presets",
                json!({"outage_categories": ["nope"]}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body["error"]["fields"]["outage_categories[0]"].is_string());
        let r = app
            .post(Some(&admin), "/api/v1/policies/presets", body.clone())
            .await;
        assert_eq!(r.status, 201, "{backend:?}: {}", r.body);
        let names: Vec<&str> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 8, "{names:?}");
        let again = app
            .post(Some(&admin), "/api/v1/policies/presets", body)
            .await;
        assert_eq!(
            again.body["items"],
            json!([]),
            "installing twice adds nothing"
        );

        // A consultation now has 2 working days to resolve; a street-light outage 30 minutes
        // to accept; a complaint 15 working days.
        let limit = |r: &Value, stage: &str| {
            r["clocks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["stage"] == stage)
                .map(|c| c["limit"].clone())
                .unwrap()
        };
        let serial = app.dispatched(&operator, &dispatcher).await;
        let r = app
            .get(Some(&operator), &format!("/api/v1/requests/{serial}"))
            .await;
        assert_eq!(
            limit(&r.body, "accept"),
            json!({"amount": 30, "unit": "minutes"})
        );
        assert_eq!(
            limit(&r.body, "resolve"),
            json!({"amount": 15, "unit": "working_days"})
        );
        let mut consult = complaint();
        consult["kind"] = json!("consultation");
        consult["category"] = json!("urban");
        let serial = app.intake(&operator, consult).await;
        app.dispatch_to_dept(&dispatcher, &serial).await;
        let r = app
            .get(Some(&operator), &format!("/api/v1/requests/{serial}"))
            .await;
        assert_eq!(
            limit(&r.body, "resolve"),
            json!({"amount": 2, "unit": "working_days"})
        );
        assert_eq!(
            limit(&r.body, "accept"),
            json!({"amount": 1, "unit": "working_days"})
        );
    })
    .await;
}
