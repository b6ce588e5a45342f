//! A request's whole life through the API, on both backends.

use serde_json::json;

use crate::helpers::{complaint, on_every_backend};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_lives_from_intake_to_close() {
    on_every_backend(|_, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let handler = app.login("handler").await;
        let leader = app.login("leader").await;

        let created = app.post(Some(&operator), "/api/v1/requests", complaint()).await;
        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(created.body["state"], "received");
        assert_eq!(created.body["verification_code"].as_str().unwrap().len(), 6);
        // The routing table proposes the department fixed by statute.
        assert_eq!(created.body["proposal"]["unit"]["id"], app.units.dept.0);
        assert_eq!(created.body["proposal"]["basis"], "statute");
        let serial = created.body["serial"].as_str().unwrap().to_owned();
        assert_eq!(serial.len(), 14);

        let detail = app.get(Some(&operator), &format!("/api/v1/requests/{serial}")).await;
        assert_eq!(detail.body["area"]["id"], app.units.grid.0, "the location falls in the grid polygon");
        assert_eq!(detail.body["caller"]["phone"], "13800138000");
        // A leader sees the caller masked.
        let masked = app.get(Some(&leader), &format!("/api/v1/requests/{serial}")).await;
        assert_eq!(masked.body["caller"]["phone"], "138****8000");
        assert_eq!(masked.body["caller"]["name"], "张**");
        assert_eq!(masked.body["caller"]["masked"], true);

        let r = app.act(&dispatcher, &serial, "dispatch", json!({"unit": app.units.dept.0})).await;
        assert_eq!((r.status, r.body["state"].as_str()), (200, Some("dispatched")), "{}", r.body);
        let r = app.act(&handler, &serial, "accept", json!({})).await;
        assert_eq!(r.body["state"], "accepted");
        let r = app.act(&handler, &serial, "accept", json!({})).await;
        assert_eq!((r.status, r.body["error"]["code"].as_str()), (409, Some("illegal_transition")));
        let r = app.act(&handler, &serial, "resolve", json!({"outcome": "resolved", "reply": "已更换灯泡"})).await;
        assert_eq!(r.body["state"], "reviewing", "the hub checks the reply first");
        assert_eq!(r.body["outcome"], "resolved");
        let r = app.act(&dispatcher, &serial, "approve_reply", json!({})).await;
        assert_eq!(r.body["state"], "resolved", "{}", r.body);
        let r = app.act(&operator, &serial, "callback", json!({"rating": "satisfied", "resolved": true})).await;
        assert_eq!(r.body["state"], "closed");

        // The citizen tracks it with the serial and code: no staff, no personal data.
        let code = created.body["verification_code"].as_str().unwrap();
        let tracked = app.get(None, &format!("/api/v1/track?serial={serial}&code={code}")).await;
        assert_eq!((tracked.status, tracked.body["state"].as_str()), (200, Some("closed")));
        assert_eq!(tracked.body["reply"], "已更换灯泡");
        // The hub's check of the reply is internal: not on the citizen's timeline.
        assert_eq!(tracked.body["timeline"].as_array().unwrap().len(), 5);
        let text = tracked.body.to_string();
        for secret in ["13800138000", "张三丰", "handler", "operator", "actor"] {
            assert!(!text.contains(secret), "public tracking leaks `{secret}`: {text}");
        }
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let r = app.get(None, &format!("/api/v1/track?serial={serial}&code={wrong}")).await;
        assert_eq!((r.status, r.body["error"]["code"].as_str()), (404, Some("request_not_found")));
        let r = app.get(None, &format!("/api/v1/track?serial=20990101000001&code={code}")).await;
        assert_eq!(r.status, 404, "an unknown serial answers like a wrong code");

        let events = app.get(Some(&operator), &format!("/api/v1/requests/{serial}/events")).await;
        let kinds: Vec<&str> = events.body["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["received", "dispatch", "accept", "resolve", "approve_reply", "callback"]);
        assert_eq!(events.body["items"][1]["detail"]["basis"], "statute", "dispatch followed the proposal");
        assert_eq!(events.body["items"][2]["actor"]["username"], "handler");

        // Unsatisfied callback reopens the case with the same unit as a redo.
        let second = app.intake(&operator, complaint()).await;
        app.act(&dispatcher, &second, "dispatch", json!({"unit": app.units.dept.0})).await;
        app.act(&handler, &second, "accept", json!({})).await;
        app.act(&handler, &second, "resolve", json!({"outcome": "partly_resolved", "reply": "部分修复"})).await;
        app.approve_reply(&dispatcher, &second).await;
        let r = app.act(&operator, &second, "callback", json!({"rating": "unsatisfied", "resolved": false})).await;
        assert_eq!(r.body["state"], "reopened");
        assert_eq!(r.body["redo_count"], 1);
        assert_eq!(r.body["lead_unit"]["id"], app.units.dept.0);

        // Merge a duplicate: the child shows the parent's progress; demand counts both.
        let dup = app.intake(&operator, complaint()).await;
        let r = app.act(&dispatcher, &dup, "merge", json!({"parent": second})).await;
        assert_eq!(r.body["state"], "merged", "{}", r.body);
        assert_eq!(r.body["parent"]["serial"], second.as_str());
        assert_eq!(r.body["parent"]["state"], "reopened");
        let parent = app.get(Some(&operator), &format!("/api/v1/requests/{second}")).await;
        assert_eq!(parent.body["demand"], 2);
        assert_eq!(parent.body["children"][0], dup.as_str());

        // Return to dispatch with a reason; cancel from the configured list.
        let third = app.intake(&operator, complaint()).await;
        app.act(&dispatcher, &third, "dispatch", json!({"unit": app.units.dept.0})).await;
        let r = app.act(&handler, &third, "return", json!({"reason": "非本单位职责"})).await;
        assert_eq!((r.body["state"].as_str(), r.body["return_count"].as_i64()), (Some("returned"), Some(1)));
        let r = app.act(&dispatcher, &third, "cancel", json!({"reason": "no_such_code"})).await;
        assert_eq!((r.status, r.body["error"]["fields"]["reason"].is_string()), (422, true));
        let r = app.act(&dispatcher, &third, "cancel", json!({"reason": "harassment"})).await;
        assert_eq!(r.body["state"], "cancelled");

        // Answered on the spot at intake.
        let consult = json!({"channel": "hotline", "kind": "consultation", "content": "低保怎么申请？", "answer": {"reply": "携带身份证到社区申请"}});
        let r = app.post(Some(&operator), "/api/v1/requests", consult).await;
        assert_eq!((r.status, r.body["state"].as_str()), (201, Some("closed")));

        // Lists: state filter, unit filter and paging.
        let page = app.get(Some(&operator), "/api/v1/requests?state=closed&page_size=1").await;
        assert_eq!((page.body["total"].as_i64(), page.body["page_size"].as_i64()), (Some(2), Some(1)));
        assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
        let by_unit = app.get(Some(&operator), &format!("/api/v1/requests?unit={}", app.units.dept.0)).await;
        assert_eq!(by_unit.body["total"], 2);

        // The chain verifies, and personal-data reads were audited.
        let admin = app.login("admin").await;
        let chain = app.get(Some(&admin), "/api/v1/admin/verify-chain").await;
        assert_eq!(chain.body["broken"].as_array().unwrap().len(), 0);
        assert_eq!(chain.body["requests_checked"], 5);
        let (log, total) = app.state.store.audit_log(0, 100).await.unwrap();
        assert!(total >= 1 && log.iter().all(|e| e.action == "read_personal_data"));
        assert!(log.iter().any(|e| e.target == serial));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joint_handling_coordination_extension_suspension_and_transfer_out() {
    on_every_backend(|_, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let handler = app.login("handler").await;
        let helper = app.login("other_handler").await;
        let u = app.units;

        let serial = app.intake(&operator, complaint()).await;
        let r = app
            .act(
                &dispatcher,
                &serial,
                "dispatch",
                json!({"unit": u.dept.0, "assisting": [u.other_dept.0]}),
            )
            .await;
        assert_eq!(r.body["assisting_units"][0]["id"], u.other_dept.0);
        // The assisting unit reads the case and reports its part, but cannot accept it.
        assert_eq!(
            app.get(Some(&helper), &format!("/api/v1/requests/{serial}"))
                .await
                .status,
            200
        );
        assert_eq!(
            app.act(&helper, &serial, "accept", json!({})).await.status,
            403
        );
        app.act(&handler, &serial, "accept", json!({})).await;
        let r = app
            .act(
                &helper,
                &serial,
                "assist_report",
                json!({"unit": u.other_dept.0, "note": "已配合勘查"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = app
            .act(
                &handler,
                &serial,
                "request_extension",
                json!({"working_days": 5, "reason": "等待配件"}),
            )
            .await;
        assert_eq!(r.body["pending_extension_days"], 5);
        let r = app
            .act(&dispatcher, &serial, "approve_extension", json!({}))
            .await;
        assert_eq!(
            (
                r.body["extension_days"].as_i64(),
                r.body["pending_extension_days"].is_null()
            ),
            (Some(5), true)
        );
        let r = app
            .act(
                &dispatcher,
                &serial,
                "suspend",
                json!({"reason": "等待法院判决"}),
            )
            .await;
        assert_eq!(r.body["state"], "suspended");
        let r = app.act(&dispatcher, &serial, "resume", json!({})).await;
        assert_eq!(r.body["state"], "accepted");
        let r = app
            .act(
                &handler,
                &serial,
                "assign_down",
                json!({"unit": u.community.0}),
            )
            .await;
        assert_eq!(
            r.status, 422,
            "a department cannot assign to a community outside its subtree: {}",
            r.body
        );
        let r = app
            .act(
                &dispatcher,
                &serial,
                "transfer",
                json!({"unit": u.street.0, "reason": "属地管理"}),
            )
            .await;
        assert_eq!(r.body["lead_unit"]["id"], u.street.0);
        // The former handler keeps read access, loses the right to act.
        assert_eq!(
            app.get(Some(&handler), &format!("/api/v1/requests/{serial}"))
                .await
                .status,
            200
        );
        assert_eq!(
            app.act(
                &handler,
                &serial,
                "resolve",
                json!({"outcome": "resolved", "reply": "x"})
            )
            .await
            .status,
            403
        );

        let unclear = app.intake(&operator, complaint()).await;
        let r = app
            .act(
                &dispatcher,
                &unclear,
                "coordinate",
                json!({"units": [u.dept.0, u.other_dept.0], "reason": "权属不清"}),
            )
            .await;
        assert_eq!(r.body["state"], "coordinating");
        let r = app
            .act(
                &dispatcher,
                &unclear,
                "dispatch",
                json!({"unit": u.other_dept.0}),
            )
            .await;
        assert_eq!(r.body["state"], "dispatched");

        let police = app.intake(&operator, complaint()).await;
        let r = app
            .act(
                &dispatcher,
                &police,
                "transfer_out",
                json!({"platform": "110", "reason": "治安警情"}),
            )
            .await;
        assert_eq!(r.body["state"], "transferred_out");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_are_checked_by_content() {
    on_every_backend(|_, app| async move {
        let operator = app.login("operator").await;
        let serial = app.intake(&operator, complaint()).await;
        let url = format!("{}/api/v1/requests/{serial}/attachments", app.base);
        let png = b"\x89PNG\r\n\x1a\n0000IHDR-fake-but-sniffed".to_vec();
        let ok = app
            .client
            .post(&url)
            .bearer_auth(&operator)
            .header("content-type", "image/png")
            .body(png.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 201);
        let bad = app
            .client
            .post(&url)
            .bearer_auth(&operator)
            .header("content-type", "image/png")
            .body(b"MZ not an image".to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 415);
        let lied = app
            .client
            .post(&url)
            .bearer_auth(&operator)
            .header("content-type", "image/jpeg")
            .body(png.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(lied.status(), 415);
        let big = vec![0xFFu8; 6 * 1024 * 1024];
        let too_big = app
            .client
            .post(&url)
            .bearer_auth(&operator)
            .header("content-type", "image/jpeg")
            .body(big)
            .send()
            .await
            .unwrap();
        assert_eq!(too_big.status(), 413);
        let detail = app
            .get(Some(&operator), &format!("/api/v1/requests/{serial}"))
            .await;
        assert_eq!(detail.body["attachments"].as_array().unwrap().len(), 1);
        let id = detail.body["attachments"][0]["id"].as_i64().unwrap();
        let body = app
            .client
            .get(format!("{url}/{id}"))
            .bearer_auth(&operator)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(body.to_vec(), png);
    })
    .await;
}
