//! Replies reviewed before the callback, through the API and the pages, on every backend:
//! appointing a unit head turns signing on for the unit, an important case cannot be
//! answered without one, the hub sends a reply back from its board with a reason the unit
//! reads, a reply citing policy names the document, and only an approved reply is called
//! back.

use serde_json::json;

use crate::helpers::{PASSWORD, on_every_backend, request, running_all};
use crate::pages::Web;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_is_signed_sent_back_by_the_hub_corrected_and_approved_before_the_callback() {
    on_every_backend(|backend, app| async move {
        let u = app.units;
        let admin = app.login("admin").await;
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let handler = app.login("handler").await;
        let other = app.login("other_handler").await;

        // An important case for a unit with no unit head cannot be answered.
        let orphan = app.intake(&operator, crate::helpers::complaint()).await;
        let r = app
            .act(&dispatcher, &orphan, "dispatch", json!({"unit": u.other_dept.0, "important": true}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        app.act(&other, &orphan, "accept", json!({})).await;
        let r = app
            .act(&other, &orphan, "resolve", json!({"outcome": "resolved", "reply": "已修复"}))
            .await;
        assert_eq!(r.status, 422, "{backend:?}: {}", r.body);
        assert!(r.body["error"]["fields"]["important"].is_string(), "{}", r.body);

        // Appointing a unit head turns signing on for the department's replies.
        let r = app
            .post(
                Some(&admin),
                "/api/v1/users",
                json!({"username": "dept_head", "password": PASSWORD, "unit": u.dept.0, "roles": ["unit_head"]}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let head = app.login("dept_head").await;
        let serial = app.dispatched(&operator, &dispatcher).await;
        app.act(&handler, &serial, "accept", json!({})).await;
        // A reply resting on an unnamed rule is refused, naming the field.
        let r = app
            .act(&handler, &serial, "resolve", json!({"outcome": "explained_not_resolvable", "reply": "根据相关规定，该路段路灯暂不改造"}))
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body["error"]["fields"]["cites"].is_string(), "{}", r.body);
        let r = app
            .act(&handler, &serial, "resolve", json!({"outcome": "resolved", "reply": "路灯已修复"}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = request(&app, &operator, &serial).await;
        assert_eq!((r["state"].as_str(), r["review"].as_str()), (Some("reviewing"), Some("sign")));
        assert_eq!(running_all(&r), vec![("review".to_owned(), u.dept.0)]);
        // The handler cannot sign; the hub cannot approve before the signature.
        let r = app.act(&handler, &serial, "sign_reply", json!({})).await;
        assert_eq!(r.status, 403, "{}", r.body);
        let r = app.act(&dispatcher, &serial, "approve_reply", json!({})).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body["error"]["fields"]["review"].is_string());
        // The head finds it in the unit's inbox and signs it.
        let mut head_web = Web::sign_in(&app, "dept_head").await;
        let inbox = head_web.get("/inbox").await;
        assert!(inbox.body.contains(&serial), "{backend:?}: the head's inbox");
        let r = app.act(&head, &serial, "sign_reply", json!({"note": "同意"})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["review"], "check");

        // The hub reads it on its board and sends it back with a reason.
        let mut board = Web::sign_in(&app, "dispatcher").await;
        let page = board.get("/dispatch").await;
        assert!(page.body.contains("reply-list") && page.body.contains("路灯已修复"));
        let sent = board
            .post(
                &format!("/cases/{serial}/send_back"),
                &[("reason", "请写明修复日期和更换的部件"), ("back", "/dispatch")],
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        let r = request(&app, &handler, &serial).await;
        assert_eq!(r["state"], "in_progress");
        assert_eq!(r["sent_back"], "请写明修复日期和更换的部件");
        assert!(running_all(&r).contains(&("resolve".to_owned(), u.dept.0)));
        let mut unit_web = Web::sign_in(&app, "handler").await;
        let detail = unit_web.get(&format!("/cases/{serial}")).await;
        assert!(detail.body.contains("请写明修复日期和更换的部件"), "the unit reads why");

        // Corrected (citing the document), signed, approved: now the callback may be made.
        let r = app
            .act(&handler, &serial, "resolve", json!({
                "outcome": "resolved",
                "reply": "已于9月22日更换灯头和镇流器，按照有关规定完成验收",
                "cites": "《城市道路照明设施管理规定》第十条"
            }))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["cites"], "《城市道路照明设施管理规定》第十条");
        let r = app
            .act(&operator, &serial, "callback", json!({"rating": "satisfied", "resolved": true}))
            .await;
        assert_eq!(r.status, 409, "no callback before the review: {}", r.body);
        app.act(&head, &serial, "sign_reply", json!({})).await;
        let approved = board
            .post(&format!("/cases/{serial}/approve_reply"), &[("back", "/dispatch")])
            .await;
        assert_eq!(approved.status, 303, "{}", approved.body);
        let r = request(&app, &operator, &serial).await;
        assert_eq!(r["state"], "resolved");
        assert_eq!(running_all(&r), vec![("callback".to_owned(), u.hub.0)]);
        let r = app
            .act(&operator, &serial, "callback", json!({"rating": "satisfied", "resolved": true}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);

        // The history tells who reviewed what.
        let events = app
            .get(Some(&operator), &format!("/api/v1/requests/{serial}/events"))
            .await;
        let kinds: Vec<&str> = events.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .filter(|k| ["resolve", "sign_reply", "send_back", "approve_reply"].contains(k))
            .collect();
        assert_eq!(
            kinds,
            ["resolve", "sign_reply", "send_back", "resolve", "sign_reply", "approve_reply"]
        );
        // The review stays inside: the citizen's timeline shows neither it nor its reasons.
        let code = app.verify_code(&serial).await;
        let tracked = app
            .get(None, &format!("/api/v1/track?serial={serial}&code={code}"))
            .await;
        let public = tracked.body.to_string();
        for inside in ["sign_reply", "send_back", "approve_reply", "请写明修复日期"] {
            assert!(!public.contains(inside), "{inside} on the public timeline: {public}");
        }
    })
    .await;
}
