//! Leaders' instructions (批示), on every backend: a leader instructs on a case with a
//! deadline, the unit is told and acknowledges, reports back, and the leader's list shows
//! where each stands; only the instructed unit answers, only leaders instruct.

use serde_json::json;

use crate::helpers::{on_every_backend, request, running};
use crate::pages::Web;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instruction_reaches_the_unit_and_its_report_comes_back_to_the_leader() {
    on_every_backend(|backend, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let leader = app.login("leader").await;
        let handler = app.login("handler").await;
        let other = app.login("other_handler").await;
        let serial = app.dispatched(&operator, &dispatcher).await;

        // Only a leader instructs; the text is required.
        let r = app
            .act(
                &dispatcher,
                &serial,
                "instruct",
                json!({"text": "请尽快办理"}),
            )
            .await;
        assert_eq!(r.status, 403, "{backend:?}: {}", r.body);
        let r = app.act(&leader, &serial, "instruct", json!({})).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body["error"]["fields"]["text"].is_string(), "{}", r.body);
        let r = app
            .act(
                &leader,
                &serial,
                "instruct",
                json!({"text": "请市政设施管理处三日内办结并报结果", "working_days": 3}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let instruction = &r.body["instructions"][0];
        assert_eq!(instruction["number"], 1);
        assert_eq!(instruction["state"], "open");
        assert_eq!(instruction["unit"]["id"], app.units.dept.0);
        assert_eq!(instruction["leader"], "leader");
        assert!(instruction["deadline"].is_string());
        assert_eq!(
            running(&r.body, "instruction"),
            vec![app.units.dept.0],
            "the deadline runs as a clock against the unit"
        );

        // The unit is told in its notices and its list; the list of cases marks it.
        let notices = app
            .get(Some(&handler), "/api/v1/notices?kind=instruct&unread=true")
            .await;
        assert_eq!(notices.body["total"], 1, "{}", notices.body);
        let notice = notices.body["items"][0].clone();
        assert_eq!(notice["serial"], serial.as_str());
        // A notice of an instruction is acknowledged on its case, not in the notice list.
        let r = app
            .post(
                Some(&handler),
                &format!("/api/v1/notices/{}/read", notice["id"]),
                json!({}),
            )
            .await;
        assert_eq!(r.status, 409, "{}", r.body);
        let listed = app
            .get(Some(&handler), "/api/v1/requests?instructed=true")
            .await;
        assert_eq!(listed.body["total"], 1, "{}", listed.body);
        assert_eq!(listed.body["items"][0]["instructed"], true);
        let mine = app
            .get(Some(&handler), "/api/v1/instructions?state=open")
            .await;
        assert_eq!(mine.body["total"], 1, "{}", mine.body);

        // Another unit's handler neither reads the case nor answers the instruction.
        let r = app
            .act(&other, &serial, "acknowledge_instruction", json!({}))
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
        let r = app
            .act(&handler, &serial, "acknowledge_instruction", json!({}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["instructions"][0]["state"], "acknowledged");
        assert_eq!(r.body["instructions"][0]["acknowledged_by"], "handler");
        let unread = app
            .get(Some(&handler), "/api/v1/notices?kind=instruct&unread=true")
            .await;
        assert_eq!(
            unread.body["total"], 0,
            "the acknowledgement reads the notice"
        );
        let r = app
            .act(&handler, &serial, "acknowledge_instruction", json!({}))
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body["error"]["fields"]["instruction"].is_string());

        // Four days later the report comes: late against the unit, and it ends the clock.
        app.clock
            .set(crate::helpers::start_time() + chrono::Duration::days(6));
        let leader = app.login("leader").await;
        let handler = app.login("handler").await;
        let overdue = app
            .get(
                Some(&leader),
                "/api/v1/instructions?mine=true&state=overdue",
            )
            .await;
        assert_eq!(overdue.body["total"], 1, "{}", overdue.body);
        assert_eq!(overdue.body["items"][0]["overdue"], true);
        let r = app
            .act(
                &handler,
                &serial,
                "report_instruction",
                json!({"report": ""}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body["error"]["fields"]["report"].is_string());
        let r = app
            .act(
                &handler,
                &serial,
                "report_instruction",
                json!({"instruction": 1, "report": "已完成井盖更换,现场已恢复通行"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(running(&r.body, "instruction").is_empty());

        // The leader reads the report under his instruction, on his list and on the case.
        let mine = app
            .get(Some(&leader), "/api/v1/instructions?mine=true")
            .await;
        assert_eq!(mine.status, 200, "{}", mine.body);
        assert_eq!(mine.body["total"], 1);
        let item = &mine.body["items"][0];
        assert_eq!(item["state"], "reported");
        assert_eq!(item["report"], "已完成井盖更换,现场已恢复通行");
        assert_eq!(item["reported_by"], "handler");
        assert_eq!(item["overdue"], false, "reported: no longer overdue");
        let seen = request(&app, &leader, &serial).await;
        assert_eq!(seen["instructions"][0]["state"], "reported");
        let none = app
            .get(Some(&leader), "/api/v1/instructions?state=pending")
            .await;
        assert_eq!(none.body["total"], 0);
        let bad = app
            .get(Some(&leader), "/api/v1/instructions?state=later")
            .await;
        assert_eq!(bad.status, 400, "{}", bad.body);
        // By unit: the unit's subtree; a unit outside the reader's, or none at all, is named.
        let of_unit = |unit: i64| format!("/api/v1/instructions?unit={unit}");
        let hub = app.get(Some(&leader), &of_unit(app.units.hub.0)).await;
        assert_eq!(
            hub.body["total"], 1,
            "the hub's subtree holds the department"
        );
        let street = app.get(Some(&leader), &of_unit(app.units.street.0)).await;
        assert_eq!(street.body["total"], 0);
        let nowhere = app.get(Some(&leader), &of_unit(999_999)).await;
        assert_eq!(nowhere.status, 400, "{}", nowhere.body);
        let other_unit = app
            .get(Some(&handler), &of_unit(app.units.other_dept.0))
            .await;
        assert_eq!(other_unit.status, 400, "{}", other_unit.body);

        // The pages: the leader's list, the case's section, the CSV with its watermark.
        let mut web = Web::sign_in(&app, "leader").await;
        let page = web.get("/instructions").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains(&serial), "{}", page.body);
        assert!(page.body.contains("已完成井盖更换"));
        let page = web.get(&format!("/cases/{serial}")).await;
        assert!(page.body.contains("instructions-list"));
        // Printed, the page says whose copy it is.
        assert!(
            page.body
                .contains(r#"<div class="print-mark" aria-hidden="true"><span>leader · "#),
            "{}",
            page.body
        );
        let csv = web.get("/instructions.csv?scope=mine").await;
        assert_eq!(csv.status, 200);
        assert!(csv.body.contains("leader") && csv.body.contains(&serial));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unit_acknowledges_and_reports_from_its_pages() {
    on_every_backend(|_backend, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let leader = app.login("leader").await;
        let serial = app.dispatched(&operator, &dispatcher).await;
        // An instruction for another unit than the one handling it: that unit may now read
        // the case and answers it; the handling unit does not.
        let r = app
            .act(
                &leader,
                &serial,
                "instruct",
                json!({"text": "请园林绿化科配合核查", "unit": app.units.other_dept.0}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(
            running(&r.body, "instruction").is_empty(),
            "no deadline, no clock"
        );
        let handler = app.login("handler").await;
        let r = app
            .act(
                &handler,
                &serial,
                "report_instruction",
                json!({"report": "x"}),
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);

        let mut web = Web::sign_in(&app, "other_handler").await;
        let inbox = web.get("/inbox").await;
        assert!(
            inbox.body.contains("inbox-instruction-list"),
            "{}",
            inbox.body
        );
        assert!(inbox.body.contains("请园林绿化科配合核查"));
        // The header counts the unread notice beside the inbox, on every page.
        let cases = web.get("/cases").await;
        assert!(
            cases.body.contains(r#"id="nav-unread" title="1 "#),
            "{}",
            cases.body
        );
        let page = web.get(&format!("/cases/{serial}")).await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("do-acknowledge_instruction"),
            "{}",
            page.body
        );
        assert!(page.body.contains("do-report_instruction"));
        let done = web
            .post(
                &format!("/cases/{serial}/report_instruction"),
                &[
                    ("instruction", "1"),
                    ("report", "已派员现场核查,树木无倒伏风险"),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.body);
        let seen = request(&app, &leader, &serial).await;
        assert_eq!(seen["instructions"][0]["state"], "reported");
        assert_eq!(
            seen["instructions"][0]["unit"]["id"],
            app.units.other_dept.0
        );
        let page = web.get(&format!("/cases/{serial}")).await;
        assert!(!page.body.contains("do-report_instruction"));
        assert!(
            !page.body.contains("nav-unread"),
            "the report read the instruction's notice"
        );
    })
    .await;
}
