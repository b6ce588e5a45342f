//! The hub's rules of the road through the API and the pages, on every backend: the hub's
//! own dispatch clock from intake, its ladder and the dispatch board's order.

use chrono::Duration;
use civicgrid::sweeper::sweep_once;
use serde_json::{Value, json};

use crate::helpers::{TestApp, complaint, on_every_backend, request};
use crate::pages::Web;

fn web_request() -> Value {
    let mut body = complaint();
    body["channel"] = json!("web");
    body
}

fn clocks_of<'a>(request: &'a Value, stage: &str) -> Vec<&'a Value> {
    request["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["stage"] == stage)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_runs_its_own_dispatch_clock_from_intake_and_the_board_sorts_by_it() {
    on_every_backend(|backend, app| async move {
        let operator = app.login("operator").await;
        let start = crate::helpers::start_time();
        // The web request comes first but has two working hours; the hotline call half an
        // hour: the hotline call tops the board.
        let web = app.intake(&operator, web_request()).await;
        app.clock.set(start + Duration::minutes(5));
        let hotline = app.intake(&operator, complaint()).await;

        let r = request(&app, &operator, &hotline).await;
        let clocks = clocks_of(&r, "dispatch");
        assert_eq!(clocks.len(), 1, "{backend:?}: {r}");
        assert_eq!(clocks[0]["status"], "running");
        assert_eq!(clocks[0]["unit"]["id"], app.units.hub.0);
        assert_eq!(
            clocks[0]["limit"],
            json!({"amount": 30, "unit": "working_minutes"})
        );
        let r = request(&app, &operator, &web).await;
        assert_eq!(
            clocks_of(&r, "dispatch")[0]["limit"],
            json!({"amount": 2, "unit": "working_hours"})
        );

        let mut board = Web::sign_in(&app, "dispatcher").await;
        let page = board.get("/dispatch").await;
        let (at_hotline, at_web) = (
            page.body.find(&format!(r#"value="{hotline}""#)).unwrap(),
            page.body.find(&format!(r#"value="{web}""#)).unwrap(),
        );
        assert!(
            at_hotline < at_web,
            "{backend:?}: the nearer deadline first"
        );
        assert!(page.body.contains("band-blue"), "the band shows");
        assert!(page.body.contains("已等待"), "the wait shows");

        // Past the half hour the hub's clock is red and the ladder runs against the hub.
        app.clock.set(start + Duration::minutes(40));
        sweep_once(&app.state).await.unwrap();
        let operator = app.login("operator").await;
        let r = request(&app, &operator, &hotline).await;
        assert_eq!(clocks_of(&r, "dispatch")[0]["band"], "red");
        assert_eq!(r["band"], "red");
        let events = app
            .get(
                Some(&operator),
                &format!("/api/v1/requests/{hotline}/events"),
            )
            .await;
        let steps: Vec<&str> = events.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["detail"]["stage"] == "dispatch")
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(steps, ["remind", "urge", "supervise"], "{backend:?}");
        let page = board.get("/dispatch").await;
        assert!(page.body.contains("band-red"));

        // Dispatch stops it, late, and the lateness is the hub's.
        let dispatcher = app.login("dispatcher").await;
        app.dispatch_to_dept(&dispatcher, &hotline).await;
        let r = request(&app, &operator, &hotline).await;
        let hub_clock = clocks_of(&r, "dispatch")[0];
        assert_eq!(hub_clock["status"], "late");
        let r = request(&app, &operator, &web).await;
        assert_eq!(
            clocks_of(&r, "dispatch")[0]["status"],
            "running",
            "the web request still has time"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_return_after_its_window_is_refused_and_the_first_responder_stays() {
    on_every_backend(|backend, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let handler = app.login("handler").await;
        let late = app.dispatched(&operator, &dispatcher).await;
        let early = app.dispatched(&operator, &dispatcher).await;
        let r = request(&app, &operator, &late).await;
        assert_eq!(r["first_responder"]["id"], app.units.dept.0, "{backend:?}");
        assert!(r["first_responder"]["name"].is_string());
        assert_eq!(r["dispatch_count"], 1);
        let until = r["return_until"]
            .as_str()
            .expect("a window while it may return");

        // Within the window the return goes through and the hub's clock runs again.
        let r = app
            .act(
                &handler,
                &early,
                "return",
                json!({"reason": "不属于本单位职责"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["first_responder"]["id"], app.units.dept.0);
        assert!(r.body["return_until"].is_null());

        // Three days later the window has closed.
        app.clock
            .set(crate::helpers::start_time() + Duration::days(3));
        let handler = app.login("handler").await;
        let r = app
            .act(
                &handler,
                &late,
                "return",
                json!({"reason": "不属于本单位职责"}),
            )
            .await;
        assert_eq!(r.status, 409, "{backend:?}: {}", r.body);
        assert_eq!(r.body["error"]["code"], "window_closed");
        assert!(
            r.body["error"]["fields"]["window"]
                .as_str()
                .unwrap()
                .starts_with("1 working day"),
            "{}",
            r.body
        );
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("working day")
        );
        let r = request(&app, &handler, &late).await;
        assert_eq!(r["state"], "dispatched", "nothing written");
        assert!(
            r["return_until"].is_null(),
            "no window shown once closed: {until}"
        );

        // The page no longer offers a return.
        let mut page = Web::sign_in(&app, "handler").await;
        let detail = page.get(&format!("/cases/{late}")).await;
        assert!(!detail.body.contains("action-return"));
        assert!(detail.body.contains("detail-first-responder"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resolved_case_closes_only_by_callback_or_when_none_is_possible() {
    on_every_backend(|backend, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let handler = app.login("handler").await;
        let serial = app.dispatched(&operator, &dispatcher).await;
        for (action, body) in [
            ("accept", json!({})),
            (
                "resolve",
                json!({"outcome": "resolved", "reply": "路灯已修复"}),
            ),
        ] {
            let r = app.act(&handler, &serial, action, body).await;
            assert_eq!(r.status, 200, "{action}: {}", r.body);
        }
        app.approve_reply(&dispatcher, &serial).await;
        // The old close is refused, for everybody.
        for token in [&dispatcher, &operator] {
            let r = app
                .act(token, &serial, "close", json!({"reason": "联系不上"}))
                .await;
            assert_eq!(r.status, 409, "{backend:?}: {}", r.body);
            assert!(
                r.body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("callback_impossible"),
                "{}",
                r.body
            );
        }
        // The caller left a phone: "no contact" is refused, naming the field.
        let r = app
            .act(
                &operator,
                &serial,
                "callback_impossible",
                json!({"cause": "no_contact"}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body["error"]["fields"]["cause"].is_string());
        // Failed attempts on three different days, then "not reachable".
        for day in 0..3 {
            app.clock
                .set(crate::helpers::start_time() + Duration::days(day) + Duration::hours(1));
            let operator = app.login("operator").await;
            let r = app
                .act(
                    &operator,
                    &serial,
                    "callback_failed",
                    json!({"note": "无人接听"}),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            assert_eq!(r.body["callback_attempts"], day + 1);
            assert_eq!(r.body["state"], "resolved");
            if day < 2 {
                let r = app
                    .act(
                        &operator,
                        &serial,
                        "callback_impossible",
                        json!({"cause": "unreachable"}),
                    )
                    .await;
                assert_eq!(r.status, 422, "{}", r.body);
            }
        }
        let operator = app.login("operator").await;
        let r = app
            .act(
                &operator,
                &serial,
                "callback_impossible",
                json!({"cause": "unreachable", "note": "三天均未接通"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["state"], "closed");
        let callback = clocks_of(&r.body, "callback");
        assert_ne!(
            callback[0]["status"], "running",
            "the hub's callback clock stopped"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_return_window_is_a_setting_an_administrator_changes() {
    on_every_backend(|backend, app| async move {
        let admin = app.login("admin").await;
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let r = app.get(Some(&operator), "/api/v1/settings/rules").await;
        assert_eq!(
            r.body,
            json!({"return_window_days": 1, "return_window_days_complex": 2, "callback_attempts": 3, "designate_after": 3, "target_response_days": 1, "target_resolution_days": 5, "reply_review": "all", "frequent_caller_calls": 5, "frequent_caller_days": 30})
        );
        let wider = json!({"return_window_days": 5, "return_window_days_complex": 8, "callback_attempts": 2, "designate_after": 4, "target_response_days": 2, "target_resolution_days": 10, "reply_review": "signed", "frequent_caller_calls": 5, "frequent_caller_days": 30});
        let r = app
            .send(reqwest::Method::PUT, Some(&operator), "/api/v1/settings/rules", Some(wider.clone()))
            .await;
        assert_eq!(r.status, 403);
        for (body, field) in [
            (json!({"return_window_days": 0, "return_window_days_complex": 2, "callback_attempts": 3}), "return_window_days"),
            (json!({"return_window_days": 3, "return_window_days_complex": 2, "callback_attempts": 3}), "return_window_days_complex"),
            (json!({"return_window_days": 1, "return_window_days_complex": 2, "callback_attempts": 99}), "callback_attempts"),
            (json!({"return_window_days": 1, "return_window_days_complex": 2, "callback_attempts": 3, "reply_review": "never"}), "reply_review"),
        ] {
            let r = app
                .send(reqwest::Method::PUT, Some(&admin), "/api/v1/settings/rules", Some(body.clone()))
                .await;
            assert_eq!(r.status, 422, "{body}");
            assert!(r.body["error"]["fields"][field].is_string(), "{body}: {}", r.body);
        }
        let r = app
            .send(reqwest::Method::PUT, Some(&admin), "/api/v1/settings/rules", Some(wider.clone()))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body, wider);
        // Three days after dispatch a return now goes through.
        let serial = app.dispatched(&operator, &dispatcher).await;
        app.clock.set(crate::helpers::start_time() + Duration::days(3));
        let handler = app.login("handler").await;
        let r = app
            .act(&handler, &serial, "return", json!({"reason": "不属于本单位职责"}))
            .await;
        assert_eq!(r.status, 200, "{backend:?}: {}", r.body);
        // The page shows and saves them too.
        let mut page = Web::sign_in(&app, "admin").await;
        let form = page.get("/admin/policies").await;
        assert!(form.body.contains(r#"name="return_window_days" type="number" min="1" max="30" value="5""#));
        let saved = page
            .post(
                "/admin/rules",
                &[
                    ("return_window_days", "2"),
                    ("return_window_days_complex", "3"),
                    ("callback_attempts", "3"),
                    ("designate_after", "3"),
                    ("target_response_days", "1"),
                    ("target_resolution_days", "5"),
                    ("reply_review", "all"),
                    ("frequent_caller_calls", "4"),
                    ("frequent_caller_days", "14"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let back = page.get(saved.location.as_deref().unwrap()).await;
        assert!(back.body.contains("中心规则已保存"), "the page says what was saved");
        let r = app.get(Some(&handler), "/api/v1/settings/rules").await;
        assert_eq!(r.body["return_window_days"], 2);
        assert_eq!(
            (r.body["frequent_caller_calls"].clone(), r.body["frequent_caller_days"].clone()),
            (json!(4), json!(14))
        );
        let refused = page
            .post(
                "/admin/rules",
                &[
                    ("return_window_days", "x"),
                    ("return_window_days_complex", "3"),
                    ("callback_attempts", "3"),
                    ("designate_after", "3"),
                    ("target_response_days", "1"),
                    ("target_resolution_days", "5"),
                ],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(
            refused
                .body
                .contains(r#"action="/admin/rules" class="card form invalid""#),
            "the rules form comes back marked, and only it"
        );
        assert!(!refused.body.contains(r#"action="/admin/policies/new" class="card form invalid""#));
        assert!(refused.body.contains("return_window_days"), "the field is named");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_are_ranked_within_their_tier_and_a_tier_can_be_asked_for() {
    on_every_backend(|backend, app| async move {
        let admin = app.login("admin").await;
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let mut appraisal = app
            .get(Some(&admin), "/api/v1/settings/appraisal")
            .await
            .body;
        appraisal["min_sample"] = json!(1);
        let r = app
            .send(
                reqwest::Method::PUT,
                Some(&admin),
                "/api/v1/settings/appraisal",
                Some(appraisal),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        for unit in [app.units.dept, app.units.other_dept, app.units.street] {
            let serial = app.intake(&operator, complaint()).await;
            let r = app
                .act(&dispatcher, &serial, "dispatch", json!({"unit": unit.0}))
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        let r = app
            .get(Some(&operator), "/api/v1/stats/units?tier=department")
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let units = r.body["units"].as_array().unwrap();
        let ids: Vec<i64> = units
            .iter()
            .map(|u| u["unit"]["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids.len(), 2, "{backend:?}: {}", r.body);
        assert!(ids.contains(&app.units.dept.0) && ids.contains(&app.units.other_dept.0));
        assert!(
            units
                .iter()
                .all(|u| u["tier"] == "department" && u["kind"] == "department")
        );
        let mut ranks: Vec<i64> = units.iter().map(|u| u["rank"].as_i64().unwrap()).collect();
        ranks.sort();
        assert_eq!(ranks, [1, 2], "ranked among departments only");

        let all = app.get(Some(&operator), "/api/v1/stats/units").await;
        let street = all.body["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit"]["id"] == app.units.street.0)
            .unwrap();
        assert_eq!(street["tier"], "street");
        assert_eq!(
            street["rank"], 1,
            "first among streets, whatever the departments do"
        );
        // The hub has facts of its own (its dispatch clocks) but is never ranked.
        let hub = all.body["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit"]["id"] == app.units.hub.0)
            .unwrap_or_else(|| panic!("{backend:?}: the hub's own facts are listed: {}", all.body));
        assert!(hub["tier"].is_null() && hub["rank"].is_null(), "{hub}");

        let r = app
            .get(Some(&operator), "/api/v1/stats/units?tier=galaxy")
            .await;
        assert_eq!(r.status, 400);
        assert!(r.body["error"]["fields"]["tier"].is_string());

        let mut page = Web::sign_in(&app, "operator").await;
        let public = page.get("/rankings").await;
        assert!(
            public.body.contains(r#"id="rankings-street""#),
            "{backend:?}"
        );
        assert!(public.body.contains(r#"id="rankings-department""#));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_reviews_every_return_and_designates_after_three_dispatches() {
    on_every_backend(|backend, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let handler = app.login("handler").await;
        let serial = app.dispatched(&operator, &dispatcher).await;
        let r = app
            .act(
                &handler,
                &serial,
                "return",
                json!({"reason": "应由住建局办理", "proper_owner": "住建局"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["state"], "returned");

        // The board shows who returned it and the owner it named; the hub refuses.
        let mut board = Web::sign_in(&app, "dispatcher").await;
        let page = board.get("/dispatch").await;
        assert!(page.body.contains("returned-list"), "{backend:?}");
        assert!(page.body.contains("住建局"), "the proper owner named");
        assert!(
            page.body
                .contains(&format!("/cases/{serial}/reject_return"))
        );
        let rejected = board
            .post(
                &format!("/cases/{serial}/reject_return"),
                &[("reason", "路灯维护属城管局职责"), ("back", "/dispatch")],
            )
            .await;
        assert_eq!(rejected.status, 303, "{}", rejected.body);
        let r = request(&app, &operator, &serial).await;
        assert_eq!(r["state"], "dispatched", "back in the state it left");
        assert_eq!(r["lead_unit"]["id"], app.units.dept.0);
        let accept = clocks_of(&r, "accept");
        assert_eq!(accept.len(), 1, "the same clock runs on: {r}");
        assert_eq!(accept[0]["status"], "running");

        // Three dispatches without an owner: the fourth is refused, the hub designates.
        let other = app.dispatched(&operator, &dispatcher).await;
        for unit in [app.units.other_dept, app.units.dept] {
            let r = app
                .act(&dispatcher, &other, "dispatch", json!({"unit": unit.0}))
                .await;
            // A dispatch from `dispatched` is refused: return first, as the unit would.
            assert_eq!(r.status, 409, "{}", r.body);
            let lead = request(&app, &operator, &other).await["lead_unit"]["id"].clone();
            let token = if lead == app.units.dept.0 {
                app.login("handler").await
            } else {
                app.login("other_handler").await
            };
            let r = app
                .act(&token, &other, "return", json!({"reason": "非本单位职责"}))
                .await;
            assert_eq!(r.status, 200, "{backend:?}: {}", r.body);
            let r = app
                .act(&dispatcher, &other, "dispatch", json!({"unit": unit.0}))
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        let lead = request(&app, &operator, &other).await["lead_unit"]["id"].clone();
        let token = if lead == app.units.dept.0 {
            app.login("handler").await
        } else {
            app.login("other_handler").await
        };
        let r = app
            .act(&token, &other, "return", json!({"reason": "非本单位职责"}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = request(&app, &operator, &other).await;
        assert_eq!(r["dispatch_count"], 3);
        let r = app
            .act(
                &dispatcher,
                &other,
                "dispatch",
                json!({"unit": app.units.other_dept.0}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body["error"]["fields"]["unit"]
                .as_str()
                .unwrap()
                .contains("designate")
        );
        let page = board.get("/dispatch").await;
        assert!(page.body.contains(&format!("/cases/{other}/designate")));
        let r = app
            .act(
                &dispatcher,
                &other,
                "designate",
                json!({"unit": app.units.other_dept.0, "reason": "经会商由住建局承办"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["state"], "dispatched");
        // The designation is now the routing rule for the category in that street.
        let rules = app.get(Some(&operator), "/api/v1/routing-rules").await;
        let designation = rules.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["basis"] == "designation")
            .unwrap_or_else(|| panic!("{backend:?}: no designation rule in {}", rules.body));
        assert_eq!(designation["unit"], app.units.other_dept.0);
        assert_eq!(designation["area"], app.units.street.0);
        let next = app.intake(&operator, complaint()).await;
        let r = request(&app, &operator, &next).await;
        assert_eq!(r["proposal"]["unit"]["id"], app.units.other_dept.0);
        assert_eq!(r["proposal"]["basis"], "designation");
        // The designated unit cannot hand it back.
        let handler2 = app.login("other_handler").await;
        let r = app
            .act(
                &handler2,
                &other,
                "return",
                json!({"reason": "非本单位职责"}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
    })
    .await;
}

/// A request dispatched, resolved and closed by a satisfied callback, drawn for a check.
async fn closed_and_drawn(app: &TestApp) -> String {
    let operator = app.login("operator").await;
    let dispatcher = app.login("dispatcher").await;
    let handler = app.login("handler").await;
    let serial = app.dispatched(&operator, &dispatcher).await;
    for (token, action, body) in [
        (&handler, "accept", json!({})),
        (
            &handler,
            "resolve",
            json!({"outcome": "resolved", "reply": "路灯已修复"}),
        ),
        (&dispatcher, "approve_reply", json!({})),
        (
            &operator,
            "callback",
            json!({"rating": "satisfied", "resolved": true}),
        ),
    ] {
        let r = app.act(token, &serial, action, body).await;
        assert_eq!(r.status, 200, "{action}: {}", r.body);
    }
    serial
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quality_check_that_finds_the_work_undone_reopens_it_and_a_false_callback_is_held_to_account()
 {
    on_every_backend(|backend, app| async move {
        let admin = app.login("admin").await;
        set_appraisal(&app, &admin, json!({"sample_percent": 100.0})).await;
        let undone = closed_and_drawn(&app).await;
        let unheard = closed_and_drawn(&app).await;
        let supervisor = app.login("supervisor").await;
        let pending = app
            .get(Some(&supervisor), "/api/v1/supervision/samples")
            .await;
        assert_eq!(pending.body["total"], 2, "{backend:?}: {}", pending.body);

        let r = app
            .act(
                &supervisor,
                &undone,
                "quality_callback",
                json!({"rating": "satisfied", "resolved": false, "note": "路灯仍不亮"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["state"], "reopened", "a redo against the unit");
        assert_eq!(r.body["redo_count"], 1);
        assert_eq!(r.body["lead_unit"]["id"], app.units.dept.0);

        let r = app
            .act(
                &supervisor,
                &unheard,
                "quality_callback",
                json!({"rating": "satisfied", "resolved": true, "falsified": true}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["state"], "closed");
        let notices = app
            .get(Some(&supervisor), "/api/v1/notices?kind=hold_accountable")
            .await;
        let record = notices.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["serial"] == unheard.as_str())
            .unwrap_or_else(|| panic!("{backend:?}: no accountability record in {}", notices.body));
        assert_eq!(
            record["unit"]["id"], app.units.hub.0,
            "the operator's unit: {record}"
        );
        assert!(record["text"].as_str().unwrap().contains("falsified"));

        let done = app
            .get(Some(&supervisor), "/api/v1/supervision/samples?state=done")
            .await;
        let items = done.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{}", done.body);
        let verdict = |serial: &str| {
            items
                .iter()
                .find(|i| i["request"]["serial"] == serial)
                .map(|i| {
                    (
                        i["reopened"].as_bool().unwrap(),
                        i["falsified"].as_bool().unwrap(),
                    )
                })
                .unwrap()
        };
        assert_eq!(verdict(&undone), (true, false));
        assert_eq!(verdict(&unheard), (false, true));
        let r = app
            .get(Some(&supervisor), "/api/v1/supervision/samples?state=maybe")
            .await;
        assert_eq!(r.status, 400);

        let mut page = Web::sign_in(&app, "supervisor").await;
        let board = page.get("/supervision").await;
        assert!(board.body.contains("checked-table"), "{backend:?}");
        assert!(board.body.contains("verdict-redo") && board.body.contains("verdict-falsified"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_appeal_changes_the_units_rate_with_the_reason_on_record() {
    on_every_backend(|backend, app| async move {
        let admin = app.login("admin").await;
        set_appraisal(&app, &admin, json!({"min_sample": 1})).await;
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let handler = app.login("handler").await;
        let mut serials = Vec::new();
        for rating in ["satisfied", "unsatisfied"] {
            let serial = app.dispatched(&operator, &dispatcher).await;
            for (token, action, body) in [
                (&handler, "accept", json!({})),
                (
                    &handler,
                    "resolve",
                    json!({"outcome": "resolved", "reply": "已处理"}),
                ),
                (&dispatcher, "approve_reply", json!({})),
                (
                    &operator,
                    "callback",
                    json!({"rating": rating, "resolved": true}),
                ),
            ] {
                let r = app.act(token, &serial, action, body).await;
                assert_eq!(r.status, 200, "{action}: {}", r.body);
            }
            serials.push(serial);
        }
        let before = dept_satisfaction(&app, &operator).await;
        assert_eq!(
            (before["numerator"].as_i64(), before["denominator"].as_i64()),
            (Some(1), Some(2)),
            "{backend:?}: {before}"
        );

        let rated = &serials[1];
        let r = app
            .act(
                &handler,
                rated,
                "appeal",
                json!({"ground": "wrong_rating", "reason": "市民评价的是另一件事,录音为证"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["appeal"]["state"], "pending");
        let r = app
            .act(
                &handler,
                rated,
                "appeal",
                json!({"ground": "bogus", "reason": "x"}),
            )
            .await;
        assert!(r.status == 422, "{}", r.body);
        // The hub decides it from the supervision page.
        let mut page = Web::sign_in(&app, "supervisor").await;
        let board = page.get("/supervision").await;
        assert!(
            board.body.contains(&format!("approve-appeal-{rated}")),
            "{backend:?}"
        );
        let approved = page
            .post(
                &format!("/cases/{rated}/approve_appeal"),
                &[("back", "/supervision")],
            )
            .await;
        assert_eq!(approved.status, 303, "{}", approved.body);
        let after = dept_satisfaction(&app, &operator).await;
        assert_eq!(
            (after["numerator"].as_i64(), after["denominator"].as_i64()),
            (Some(1), Some(1)),
            "the appealed case no longer counts: {after}"
        );
        let r = request(&app, &operator, rated).await;
        assert_eq!(r["appeal"]["state"], "approved");
        let events = app
            .get(Some(&operator), &format!("/api/v1/requests/{rated}/events"))
            .await;
        let appeal = events.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "appeal")
            .unwrap();
        assert!(
            appeal["reason"].as_str().unwrap().contains("录音"),
            "the reason on record"
        );
    })
    .await;
}

/// The department's satisfaction rate as the rankings give it.
async fn dept_satisfaction(app: &TestApp, token: &str) -> Value {
    let r = app
        .get(Some(token), "/api/v1/stats/units?tier=department")
        .await;
    r.body["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"]["id"] == app.units.dept.0)
        .map(|u| u["rates"]["satisfaction"].clone())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_excluded_category_leaves_the_satisfaction_rate_and_the_three_rates_preset_applies() {
    on_every_backend(|backend, app| async move {
        let admin = app.login("admin").await;
        let operator = app.login("operator").await;
        let light = app.get(Some(&operator), "/api/v1/categories").await.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == "urban.streetlight")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let mut appraisal = app
            .get(Some(&admin), "/api/v1/settings/appraisal")
            .await
            .body;
        appraisal["min_sample"] = json!(1);
        appraisal["satisfaction_excluded"] = json!([99999]);
        let r = app
            .send(
                reqwest::Method::PUT,
                Some(&admin),
                "/api/v1/settings/appraisal",
                Some(appraisal.clone()),
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(
            r.body["error"]["fields"]["satisfaction_excluded[0]"].is_string(),
            "{}",
            r.body
        );
        appraisal["satisfaction_excluded"] = json!([light]);
        let r = app
            .send(
                reqwest::Method::PUT,
                Some(&admin),
                "/api/v1/settings/appraisal",
                Some(appraisal),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["satisfaction_excluded"], json!([light]));
        let serial = closed_and_drawn(&app).await;
        let operator = app.login("operator").await;
        let rate = dept_satisfaction(&app, &operator).await;
        assert_eq!(
            rate["denominator"], 0,
            "{backend:?}: {serial} is not rated: {rate}"
        );
        let units = app
            .get(Some(&operator), "/api/v1/stats/units?tier=department")
            .await;
        let dept = units.body["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit"]["id"] == app.units.dept.0)
            .unwrap()
            .clone();
        assert_eq!(
            dept["rates"]["resolution"]["numerator"], 1,
            "resolution still counts"
        );

        // The page applies the three-rates preset and keeps the exclusion it shows.
        let mut page = Web::sign_in(&app, "admin").await;
        let form = page.get("/admin/policies").await;
        assert!(form.body.contains("preset-three-rates"));
        let light_text = light.to_string();
        let saved = page
            .post(
                "/admin/appraisal",
                &[("excluded", light_text.as_str()), ("preset", "three_rates")],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let r = app.get(Some(&admin), "/api/v1/settings/appraisal").await;
        assert_eq!(
            r.body["weights"],
            json!({"response": 0.1, "resolution": 0.45, "satisfaction": 0.45})
        );
        assert_eq!(r.body["satisfaction_excluded"], json!([light]));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joint_handling_is_chosen_on_the_dispatch_form_and_the_lead_reads_the_helpers_reports() {
    on_every_backend(|backend, app| async move {
        let operator = app.login("operator").await;
        let serial = app.intake(&operator, complaint()).await;
        let mut board = Web::sign_in(&app, "dispatcher").await;
        let page = board.get("/dispatch").await;
        assert!(
            page.body.contains(&format!(r#"id="assisting-{serial}""#)),
            "{backend:?}"
        );
        let (dept, other, street) = (
            app.units.dept.0.to_string(),
            app.units.other_dept.0.to_string(),
            app.units.street.0.to_string(),
        );
        let sent = board
            .post(
                &format!("/cases/{serial}/dispatch"),
                &[
                    ("unit", dept.as_str()),
                    ("assisting", other.as_str()),
                    ("assisting", street.as_str()),
                    ("complex", "yes"),
                    ("back", "/dispatch"),
                ],
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        let r = request(&app, &operator, &serial).await;
        let helpers: Vec<i64> = r["assisting_units"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_i64().unwrap())
            .collect();
        assert_eq!(helpers, [app.units.other_dept.0, app.units.street.0]);
        assert_eq!(r["complex"], true);

        // The assisting department sees it and reports its part; the lead reads it.
        let handler = app.login("handler").await;
        let r = app.act(&handler, &serial, "accept", json!({})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let mut helper = Web::sign_in(&app, "other_handler").await;
        let inbox = helper.get("/inbox").await;
        assert!(inbox.body.contains(&serial), "the helper's inbox lists it");
        let reported = helper
            .post(
                &format!("/cases/{serial}/assist_report"),
                &[("unit", other.as_str()), ("note", "已派员配合更换灯具")],
            )
            .await;
        assert_eq!(reported.status, 303, "{}", reported.body);
        let mut lead = Web::sign_in(&app, "handler").await;
        let detail = lead.get(&format!("/cases/{serial}")).await;
        assert!(detail.body.contains("assist-reports"));
        assert!(detail.body.contains("已派员配合更换灯具"), "{backend:?}");

        // A coordination names its units with a multiple choice too.
        let other_serial = app.intake(&operator, complaint()).await;
        let coordinated = board
            .post(
                &format!("/cases/{other_serial}/coordinate"),
                &[
                    ("units", dept.as_str()),
                    ("units", other.as_str()),
                    ("reason", "权属不清"),
                ],
            )
            .await;
        assert_eq!(coordinated.status, 303, "{}", coordinated.body);
        let r = request(&app, &operator, &other_serial).await;
        assert_eq!(r["coordination_units"].as_array().unwrap().len(), 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_who_repeats_an_answered_matter_gets_the_earlier_answer_and_no_new_dispatch() {
    on_every_backend(|backend, app| async move {
        let earlier = closed_and_drawn(&app).await;
        let operator = app.login("operator").await;
        let open = app.intake(&operator, complaint()).await;
        let again = app.intake(&operator, complaint()).await;
        let r = app
            .act(&operator, &again, "repeat", json!({"parent": open}))
            .await;
        assert_eq!(r.status, 422, "an open request takes a merge: {}", r.body);
        assert!(r.body["error"]["fields"]["parent"].is_string());
        let r = app
            .act(&operator, &again, "repeat", json!({"parent": earlier}))
            .await;
        assert_eq!(r.status, 200, "{backend:?}: {}", r.body);
        assert_eq!(r.body["state"], "closed");
        assert_eq!(r.body["outcome"], "duplicate");
        assert_eq!(r.body["reply"], "路灯已修复");
        assert_eq!(r.body["parent"]["serial"], earlier.as_str());
        assert!(r.body["lead_unit"].is_null(), "not dispatched again");
        assert_eq!(clocks_of(&r.body, "dispatch")[0]["status"], "met");
        let parent = request(&app, &operator, &earlier).await;
        assert_eq!(parent["repeats"], 1);
        assert!(
            parent["children"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == again.as_str()),
            "the earlier request links the repeat: {parent}"
        );
        let events = app
            .get(
                Some(&operator),
                &format!("/api/v1/requests/{earlier}/events"),
            )
            .await;
        assert!(
            events.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["kind"] == "repeat_linked")
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_12345_targets_report_counts_each_unit_by_month_from_intake() {
    on_every_backend(|backend, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let handler = app.login("handler").await;
        // Monday 21 September 2026, 21:33: first response due by the end of Tuesday,
        // resolution by the end of the fifth working day.
        let quick = app.dispatched(&operator, &dispatcher).await;
        let slow = app.dispatched(&operator, &dispatcher).await;
        for serial in [&quick, &slow] {
            let r = app.act(&handler, serial, "accept", json!({})).await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        let r = app
            .act(
                &handler,
                &quick,
                "resolve",
                json!({"outcome": "resolved", "reply": "已修复"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        // The slow one: first contact and resolution two weeks later.
        app.clock
            .set(crate::helpers::start_time() + Duration::days(14));
        let handler = app.login("handler").await;
        let r = app
            .act(&handler, &slow, "contact", json!({"note": "已联系"}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = app
            .act(
                &handler,
                &slow,
                "resolve",
                json!({"outcome": "resolved", "reply": "已修复"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let operator = app.login("operator").await;
        let r = app
            .get(
                Some(&operator),
                "/api/v1/stats/targets?from=2026-09-01&to=2026-10-31&tier=department",
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            (
                r.body["response_days"].as_u64(),
                r.body["resolution_days"].as_u64()
            ),
            (Some(1), Some(5))
        );
        let items = r.body["items"].as_array().unwrap();
        let month = |m: &str| {
            items
                .iter()
                .find(|i| i["month"] == m && i["unit"]["id"] == app.units.dept.0)
                .unwrap_or_else(|| panic!("{backend:?}: no {m} row in {}", r.body))
        };
        let september = month("2026-09");
        assert_eq!(september["response"]["met"], 1);
        assert_eq!(september["resolution"]["met"], 1);
        let october = month("2026-10");
        assert_eq!(october["response"]["missed"], 1);
        assert_eq!(october["resolution"]["missed"], 1);
        assert_eq!(october["resolution"]["rate"], 0.0);
        let mut page = Web::sign_in(&app, "leader").await;
        let report = page
            .get("/dashboard/targets?from=2026-09-01&to=2026-10-31")
            .await;
        assert!(report.body.contains("targets-table"), "{backend:?}");
        assert!(report.body.contains("2026-10"));
    })
    .await;
}

/// Changes some appraisal settings, keeping the rest.
async fn set_appraisal(app: &TestApp, admin: &str, changes: Value) {
    let mut appraisal = app
        .get(Some(admin), "/api/v1/settings/appraisal")
        .await
        .body;
    for (key, value) in changes.as_object().unwrap() {
        appraisal[key] = value.clone();
    }
    let r = app
        .send(
            reqwest::Method::PUT,
            Some(admin),
            "/api/v1/settings/appraisal",
            Some(appraisal),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_show_how_many_citizens_asked() {
    on_every_backend(|backend, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let parent = app.dispatched(&operator, &dispatcher).await;
        for _ in 0..2 {
            let child = app.intake(&operator, complaint()).await;
            let r = app
                .act(&dispatcher, &child, "merge", json!({"parent": parent}))
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        let list = app
            .get(Some(&dispatcher), "/api/v1/requests?state=dispatched")
            .await;
        let item = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["serial"] == parent.as_str())
            .unwrap_or_else(|| panic!("{backend:?}: {}", list.body))
            .clone();
        assert_eq!(item["demand"], 3);
        let mut page = Web::sign_in(&app, "dispatcher").await;
        let cases = page.get("/cases?state=dispatched").await;
        assert!(cases.body.contains("×3"), "{backend:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_designation_with_no_place_stays_the_requests_own() {
    on_every_backend(|backend, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let mut nowhere = complaint();
        nowhere.as_object_mut().unwrap().remove("location");
        let serial = app.intake(&operator, nowhere).await;
        let r = app
            .act(
                &dispatcher,
                &serial,
                "designate",
                json!({"unit": app.units.other_dept.0, "reason": "经研究指定"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let rules = app.get(Some(&operator), "/api/v1/routing-rules").await;
        assert!(
            rules.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["basis"] != "designation"),
            "{backend:?}: no district-wide rule from one request without a place: {}",
            rules.body
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_merged_caller_gets_a_callback_once_the_request_is_resolved() {
    on_every_backend(|backend, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let handler = app.login("handler").await;
        let parent = app.dispatched(&operator, &dispatcher).await;
        let child = app.intake(&operator, complaint()).await;
        let r = app
            .act(&dispatcher, &child, "merge", json!({"parent": parent}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        // The dashboard counts the merged caller as demand beyond the matter itself.
        let overview = app.get(Some(&dispatcher), "/api/v1/stats/overview").await;
        assert_eq!(
            overview.body["figures"]["merged"]["today"], 1,
            "{}",
            overview.body
        );
        let callback = json!({"rating": "satisfied", "resolved": true});
        let r = app
            .act(&operator, &child, "callback", callback.clone())
            .await;
        assert_eq!(r.status, 422, "not before the parent resolves: {}", r.body);
        assert!(r.body["error"]["fields"]["parent"].is_string());
        for (action, body) in [
            ("accept", json!({})),
            ("resolve", json!({"outcome": "resolved", "reply": "已修复"})),
        ] {
            let r = app.act(&handler, &parent, action, body).await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        let r = app
            .act(&operator, &child, "callback", callback.clone())
            .await;
        assert_eq!(
            r.status, 422,
            "not while the hub checks the reply: {}",
            r.body
        );
        app.approve_reply(&dispatcher, &parent).await;
        let mut console = Web::sign_in(&app, "operator").await;
        let page = console.get("/console").await;
        assert!(page.body.contains("merged-callbacks-due"), "{backend:?}");
        assert!(page.body.contains(&child), "the merged caller is listed");
        let r = app
            .act(&operator, &child, "callback", callback.clone())
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["state"], "merged");
        assert_eq!(r.body["rating"], "satisfied");
        let r = app.act(&operator, &child, "callback", callback).await;
        assert_eq!(r.status, 422, "once: {}", r.body);
        let page = console.get("/console").await;
        assert!(
            !page
                .body
                .contains(&format!("/cases/{child}#action-callback")),
            "done"
        );
    })
    .await;
}
