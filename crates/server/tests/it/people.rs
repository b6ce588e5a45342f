//! People and data, on every backend: confidential callers, one call split into several
//! requests with its raw record, and who may read it.

use serde_json::json;

use crate::helpers::{complaint, on_every_backend, request};
use crate::pages::Web;

fn confidential_complaint() -> serde_json::Value {
    let mut body = complaint();
    body["caller"]["confidential"] = json!(true);
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confidential_caller_stays_unknown_to_the_units_and_the_hubs_dispatchers() {
    on_every_backend(|backend, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let supervisor = app.login("supervisor").await;
        let handler = app.login("handler").await;
        let serial = app.intake(&operator, confidential_complaint()).await;
        app.dispatch_to_dept(&dispatcher, &serial).await;
        let plain = app.dispatched(&operator, &dispatcher).await;

        // The handling unit's handler: neither name nor phone, not even masked.
        let r = app
            .get(Some(&handler), &format!("/api/v1/requests/{serial}"))
            .await;
        assert_eq!(r.status, 200, "{backend:?}: {}", r.body);
        let caller = &r.body["caller"];
        assert_eq!(caller["confidential"], true);
        assert_eq!(caller["masked"], true);
        assert!(
            caller["name"].is_null() && caller["phone"].is_null(),
            "{caller}"
        );
        let text = r.body.to_string();
        assert!(!text.contains("8000") && !text.contains("张"), "{text}");
        // A caller who did not ask is called back by the handler as usual.
        let other = request(&app, &handler, &plain).await;
        assert_eq!(other["caller"]["phone"], "13800138000");
        assert_eq!(other["caller"]["confidential"], false);

        // At the hub only operators and supervisors read it in clear.
        let seen = request(&app, &dispatcher, &serial).await;
        assert!(seen["caller"]["phone"].is_null(), "{}", seen["caller"]);
        for token in [&operator, &supervisor] {
            let seen = request(&app, token, &serial).await;
            assert_eq!(seen["caller"]["phone"], "13800138000");
            assert_eq!(seen["caller"]["masked"], false);
        }

        // The handler's case page says why and shows nothing of the caller.
        let mut web = Web::sign_in(&app, "handler").await;
        let page = web.get(&format!("/cases/{serial}")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("detail-confidential"));
        assert!(!page.body.contains("13800138000") && !page.body.contains("138****8000"));
        assert!(!page.body.contains("张三丰") && !page.body.contains("张**"));
    })
    .await;
}

/// A number's confidential complaint does not show in a caller look-up by anyone who may
/// not read it: the match alone would say who complained.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confidential_request_is_left_out_of_caller_lookups_outside_the_hubs_operators() {
    on_every_backend(|_backend, app| async move {
        let operator = app.login("operator").await;
        let serial = app.intake(&operator, confidential_complaint()).await;
        let mut web = Web::sign_in(&app, "operator").await;
        let page = web.get("/console?caller_phone=13800138000").await;
        assert!(page.body.contains(&serial), "the hub's operator sees it");
        // An operator at a street (registers there, reads personal data, not confidential).
        let street = app.units.street.0;
        let admin = app.login("admin").await;
        let r = app
            .post(
                Some(&admin),
                "/api/v1/users",
                json!({"username": "street_operator", "password": crate::helpers::PASSWORD,
                       "display_name": "街道受理员", "unit": street, "roles": ["operator"]}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let mut web = Web::sign_in(&app, "street_operator").await;
        let page = web.get("/console?caller_phone=13800138000").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            !page.body.contains(&serial),
            "a street operator must not find it"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_call_splits_into_requests_that_share_one_raw_record() {
    on_every_backend(|backend, app| async move {
        let operator = app.login("operator").await;
        let leader = app.login("leader").await;
        let before = app.state.store.count_requests().await.unwrap();
        let body = json!({
            "channel": "hotline",
            "caller": {"name": "李四", "phone": "13900139000"},
            "raw": "来电反映:锦华街3号路灯不亮;另外小区门口垃圾三天没人清运。",
            "requests": [
                {"kind": "complaint", "content": "锦华街3号路灯不亮", "category": "urban.streetlight",
                 "location": {"lat": 38.905, "lng": 121.605}},
                {"kind": "complaint", "content": "小区门口垃圾三天没人清运", "address": "锦华街5号"}
            ]
        });
        // A bad second request: nothing of the call is written, the field is named.
        let mut bad = body.clone();
        bad["requests"][1]["content"] = json!("  ");
        let r = app.post(Some(&operator), "/api/v1/intakes", bad).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body["error"]["fields"]["requests[1].content"].is_string(),
            "{}",
            r.body
        );
        let r = app
            .post(Some(&operator), "/api/v1/intakes", json!({"channel": "hotline", "raw": "x", "requests": []}))
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert_eq!(app.state.store.count_requests().await.unwrap(), before);

        let r = app.post(Some(&operator), "/api/v1/intakes", body).await;
        assert_eq!(r.status, 201, "{backend:?}: {}", r.body);
        let intake = r.body["intake"].as_i64().expect("intake id");
        let serials: Vec<String> = r.body["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["serial"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(serials.len(), 2);
        assert_ne!(serials[0], serials[1]);
        assert_eq!(app.state.store.count_requests().await.unwrap(), before + 2);
        let first = request(&app, &operator, &serials[0]).await;
        let second = request(&app, &operator, &serials[1]).await;
        assert_eq!(first["intake"], intake);
        assert_eq!(first["siblings"], json!([serials[1]]));
        assert_eq!(second["siblings"], json!([serials[0]]));
        // Each has its own routing and clocks, and the intake's caller.
        assert_eq!(second["caller"]["phone"], "13900139000");
        assert_eq!(first["channel"], "hotline");
        assert!(!crate::helpers::running(&second, "dispatch").is_empty());

        // The raw record: for roles that read personal data.
        let r = app
            .get(Some(&operator), &format!("/api/v1/intakes/{intake}"))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["requests"], json!(serials));
        assert_eq!(r.body["received_by"], "operator");
        assert!(r.body["raw"].as_str().unwrap().contains("垃圾三天没人清运"));
        let r = app
            .get(Some(&leader), &format!("/api/v1/intakes/{intake}"))
            .await;
        assert_eq!(r.status, 403, "a leader does not read personal data");
        let r = app.get(Some(&operator), "/api/v1/intakes/999999").await;
        assert_eq!(r.status, 404);

        // The case page links the sibling and the raw record; the record page is marked.
        let mut web = Web::sign_in(&app, "operator").await;
        let page = web.get(&format!("/cases/{}", serials[1])).await;
        assert!(page.body.contains(&format!("/cases/{}", serials[0])));
        assert!(page.body.contains(&format!("/intakes/{intake}")));
        let page = web.get(&format!("/intakes/{intake}")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("13900139000"));
        assert!(page.body.contains("id=\"watermark\">operator ·"), "{}", page.body);
    })
    .await;
}

/// The console registers one call's several problems as one intake.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_splits_a_call_and_flags_a_frequent_caller() {
    on_every_backend(|_backend, app| async move {
        let operator = app.login("operator").await;
        for _ in 0..5 {
            let mut body = complaint();
            body["caller"]["phone"] = json!("13700137000");
            app.intake(&operator, body).await;
        }
        let mut web = Web::sign_in(&app, "operator").await;
        let page = web.get("/console?caller_phone=13700137000").await;
        assert!(
            page.body.contains("id=\"frequent-caller\""),
            "{}",
            page.body
        );
        let page = web.get("/console?caller_phone=13800138000").await;
        assert!(!page.body.contains("id=\"frequent-caller\""));
        // The threshold is the district's: six calls in the window now, so five are not
        // frequent; a threshold of one is refused with its field named.
        let admin = app.login("admin").await;
        let mut rules = app.get(Some(&admin), "/api/v1/settings/rules").await.body;
        assert_eq!(rules["frequent_caller_calls"], 5);
        assert_eq!(rules["frequent_caller_days"], 30);
        rules["frequent_caller_calls"] = json!(1);
        let r = app
            .send(
                reqwest::Method::PUT,
                Some(&admin),
                "/api/v1/settings/rules",
                Some(rules.clone()),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body["error"]["fields"]["frequent_caller_calls"].is_string());
        rules["frequent_caller_calls"] = json!(6);
        let r = app
            .send(
                reqwest::Method::PUT,
                Some(&admin),
                "/api/v1/settings/rules",
                Some(rules),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let page = web.get("/console?caller_phone=13700137000").await;
        assert!(
            !page.body.contains("id=\"frequent-caller\""),
            "five is under six now"
        );

        web.get("/console").await;
        let page = web
            .post(
                "/console",
                &[
                    ("channel", "hotline"),
                    ("kind", "complaint"),
                    ("urgency", "normal"),
                    ("content", "锦华街3号路灯不亮"),
                    ("caller_name", "王五"),
                    ("caller_phone", "13600136000"),
                    ("caller_confidential", "on"),
                    ("extra_kind", "help"),
                    ("extra_category", ""),
                    ("extra_address", "锦华街5号"),
                    ("extra_content", "家中老人独居需要帮助"),
                    ("extra_kind", "complaint"),
                    ("extra_category", ""),
                    ("extra_address", ""),
                    ("extra_content", ""),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let location = page.location.unwrap();
        let page = web.get(&location).await;
        assert!(page.body.contains("more-serials"), "{}", page.body);
        let query: Vec<(String, String)> =
            form_urlencoded::parse(location.split_once('?').unwrap().1.as_bytes())
                .into_owned()
                .collect();
        let get = |k: &str| -> Vec<String> {
            query
                .iter()
                .filter(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .collect()
        };
        let (first, more) = (get("serial")[0].clone(), get("more_serial"));
        assert_eq!(more.len(), 1, "one extra filled in, one left empty");
        let a = request(&app, &operator, &first).await;
        let b = request(&app, &operator, &more[0]).await;
        assert_eq!(a["intake"], b["intake"]);
        assert_eq!(b["kind"], "help");
        assert_eq!(b["address"], "锦华街5号");
        assert_eq!(b["caller"]["confidential"], true, "the call's caller");
    })
    .await;
}

/// Figures follow the reader: a street's leader counts the requests lying in its places,
/// a department's handler those dispatched to it, the hub everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_counts_only_the_readers_subtree() {
    on_every_backend(|backend, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let admin = app.login("admin").await;
        for (name, unit) in [
            ("street_leader", app.units.street.0),
            ("other_leader", app.units.other_street.0),
            ("dept_leader", app.units.dept.0),
        ] {
            let r = app
                .post(
                    Some(&admin),
                    "/api/v1/users",
                    json!({"username": name, "password": crate::helpers::PASSWORD,
                           "unit": unit, "roles": ["leader"]}),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
        }
        // Two requests lie in the street's grid, one has no place; one of the two is
        // dispatched to the department and then closed by cancellation.
        let placed = app.dispatched(&operator, &dispatcher).await;
        let waiting = app.intake(&operator, complaint()).await;
        let mut nowhere = complaint();
        nowhere.as_object_mut().unwrap().remove("location");
        let cancelled = app.intake(&operator, nowhere).await;
        let r = app
            .act(
                &operator,
                &cancelled,
                "cancel",
                json!({"reason": "harassment"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let figures = |body: &serde_json::Value, name: &str| body["figures"][name]["today"].clone();
        let overview = |token: String| {
            let app = &app;
            async move {
                app.get(Some(&token), "/api/v1/stats/overview?days=7")
                    .await
                    .body
            }
        };
        let hub = overview(app.login("leader").await).await;
        assert_eq!(figures(&hub, "received"), 3, "{backend:?}: {hub}");
        assert_eq!(hub["backlog"], 2);
        let street = overview(app.login("street_leader").await).await;
        assert_eq!(figures(&street, "received"), 2, "{backend:?}: {street}");
        assert_eq!(figures(&street, "closed"), 0);
        assert_eq!(street["backlog"], 2);
        assert!(
            street["areas"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["unit"] != 0),
            "no placeless requests on a street's map: {street}"
        );
        let other = overview(app.login("other_leader").await).await;
        assert_eq!(figures(&other, "received"), 0, "{other}");
        assert_eq!(other["backlog"], 0);
        // The department received what was dispatched to it.
        let dept = overview(app.login("dept_leader").await).await;
        assert_eq!(figures(&dept, "received"), 1, "{dept}");
        assert_eq!(dept["backlog"], 1);
        let _ = placed;
        // The rankings follow the reader too: a street its own units, a department
        // itself, the hub every unit.
        let ranked = |token: String| {
            let app = &app;
            async move {
                let body = app.get(Some(&token), "/api/v1/stats/units").await.body;
                let mut ids: Vec<i64> = body["units"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|u| u["unit"]["id"].as_i64().unwrap())
                    .collect();
                ids.sort_unstable();
                ids
            }
        };
        let r = app
            .act(
                &dispatcher,
                &waiting,
                "dispatch",
                json!({"unit": app.units.street.0}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let all = ranked(app.login("leader").await).await;
        assert!(
            all.contains(&app.units.dept.0) && all.contains(&app.units.street.0),
            "{all:?}"
        );
        assert_eq!(
            ranked(app.login("street_leader").await).await,
            vec![app.units.street.0]
        );
        assert!(ranked(app.login("other_leader").await).await.is_empty());
        assert_eq!(
            ranked(app.login("dept_leader").await).await,
            vec![app.units.dept.0]
        );
        let mut web = Web::sign_in(&app, "street_leader").await;
        let page = web.get("/dashboard").await;
        assert_eq!(page.status, 200);
        let names = |unit: i64| {
            app.state
                .org()
                .get(civicgrid_domain::UnitId(unit))
                .unwrap()
                .name
                .clone()
        };
        assert!(
            !page
                .body
                .contains(&format!("<td>{}</td>", names(app.units.dept.0))),
            "no department in a street's rankings"
        );
    })
    .await;
}

/// Every clear read of a caller's data can be read back: by request, by user, by date, as
/// CSV with the exporter's name on it; by administrators and the data-protection role,
/// which reads nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_personal_data_audit_says_who_read_which_callers_data() {
    on_every_backend(|backend, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let admin = app.login("admin").await;
        let serial = app.dispatched(&operator, &dispatcher).await;
        let other = app.intake(&operator, complaint()).await;
        // The handler reads the caller in clear twice; the leader sees masked data (no record).
        let handler = app.login("handler").await;
        request(&app, &handler, &serial).await;
        request(&app, &handler, &serial).await;
        request(&app, &app.login("leader").await, &serial).await;
        request(&app, &operator, &other).await;
        let r = app
            .post(
                Some(&admin),
                "/api/v1/users",
                json!({"username": "dpo", "password": crate::helpers::PASSWORD,
                       "unit": app.units.hub.0, "roles": ["data_protection"]}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let dpo = app.login("dpo").await;

        let path = format!("/api/v1/audit/personal-data?request={serial}");
        let r = app.get(Some(&dpo), &path).await;
        assert_eq!(r.status, 200, "{backend:?}: {}", r.body);
        let items = r.body["items"].as_array().unwrap();
        let readers: Vec<&str> = items
            .iter()
            .map(|i| i["username"].as_str().unwrap())
            .collect();
        assert_eq!(
            readers.iter().filter(|u| **u == "handler").count(),
            2,
            "{readers:?}"
        );
        assert!(
            !readers.contains(&"leader"),
            "masked views are not reads: {readers:?}"
        );
        assert!(
            items
                .iter()
                .all(|i| i["target"] == serial.as_str() && i["at"].is_string())
        );
        let r = app
            .get(Some(&dpo), "/api/v1/audit/personal-data?user=handler")
            .await;
        assert_eq!(r.body["total"], 2, "{}", r.body);
        let r = app
            .get(Some(&dpo), "/api/v1/audit/personal-data?user=nobody")
            .await;
        assert_eq!(r.body["total"], 0);
        let r = app
            .get(
                Some(&dpo),
                "/api/v1/audit/personal-data?from=2000-01-01&to=2000-01-02",
            )
            .await;
        assert_eq!(r.body["total"], 0, "outside the dates");
        let r = app
            .get(Some(&dpo), "/api/v1/audit/personal-data?request=123")
            .await;
        assert_eq!(r.status, 400);
        assert!(r.body["error"]["fields"]["request"].is_string());
        // Administrators read it too; nobody else.
        assert_eq!(app.get(Some(&admin), &path).await.status, 200);
        for token in [&handler, &operator, &dispatcher] {
            assert_eq!(app.get(Some(token), &path).await.status, 403);
        }
        // The data-protection officer reads no case.
        let r = app
            .get(Some(&dpo), &format!("/api/v1/requests/{serial}"))
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
        let r = app.get(Some(&dpo), "/api/v1/requests").await;
        assert_eq!(r.body["total"], 0, "{}", r.body);

        // The page lists the reads and exports them with the exporter's name.
        let mut web = Web::sign_in(&app, "dpo").await;
        let page = web.get(&format!("/audit?request={serial}")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("id=\"audit-records\""));
        assert!(page.body.contains("handler"));
        assert!(
            !page.body.contains("href=\"/cases\""),
            "no case list in the menu"
        );
        let csv = web.get(&format!("/audit.csv?request={serial}")).await;
        assert_eq!(csv.status, 200);
        let mut lines = csv.body.trim_start_matches('\u{feff}').lines();
        assert!(lines.next().unwrap().contains("dpo"), "{}", csv.body);
        let rest: Vec<&str> = lines.collect();
        assert_eq!(
            rest.len(),
            1 + items.len(),
            "a header and every read: {rest:?}"
        );
        assert_eq!(rest.iter().filter(|l| l.contains(",handler,")).count(), 2);
    })
    .await;
}

/// The case list's filters (channel, address text, dates, demand, the caller's phone —
/// audited, blind to confidential callers for dispatchers) and its CSV export.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_case_list_filters_and_exports() {
    on_every_backend(|backend, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let handler = app.login("handler").await;
        let first = app.intake(&operator, complaint()).await;
        let mut web_body = complaint();
        web_body["channel"] = json!("web");
        web_body["address"] = json!("长江路100号_50%");
        web_body["caller"]["phone"] = json!("13900001111");
        let second = app.intake(&operator, web_body).await;
        let confidential = app.intake(&operator, confidential_complaint()).await;
        let serials = |path: &str, token: String| {
            let app = &app;
            let path = path.to_owned();
            async move {
                let r = app.get(Some(&token), &path).await;
                assert_eq!(r.status, 200, "{path}: {}", r.body);
                crate::helpers::page_serials(&r.body)
            }
        };
        assert_eq!(
            serials("/api/v1/requests?channel=web", operator.clone()).await,
            vec![second.clone()]
        );
        // The address is a plain substring: `%` and `_` are themselves.
        assert_eq!(
            serials(
                "/api/v1/requests?address=100%E5%8F%B7_50%25",
                operator.clone()
            )
            .await,
            vec![second.clone()],
            "{backend:?}"
        );
        assert!(
            serials("/api/v1/requests?address=_50%25", operator.clone())
                .await
                .contains(&second)
        );
        assert!(
            serials("/api/v1/requests?address=%25%25", operator.clone())
                .await
                .is_empty()
        );
        assert!(
            serials(
                "/api/v1/requests?from=2000-01-01&to=2000-12-31",
                operator.clone()
            )
            .await
            .is_empty()
        );
        assert_eq!(
            serials("/api/v1/requests?from=2000-01-01", operator.clone())
                .await
                .len(),
            3
        );
        assert!(
            serials("/api/v1/requests?min_demand=2", operator.clone())
                .await
                .is_empty()
        );
        let r = app
            .get(
                Some(&operator),
                "/api/v1/requests?from=2026-02-01&to=2026-01-01",
            )
            .await;
        assert_eq!(r.status, 400);
        assert!(r.body["error"]["fields"]["from"].is_string());
        // By phone: the hub's operators, recorded; a dispatcher does not see the
        // confidential caller's request; a handler may not search at all.
        let by_phone = "/api/v1/requests?phone=13800138000";
        let found = serials(by_phone, operator.clone()).await;
        assert!(
            found.contains(&first) && found.contains(&confidential),
            "{found:?}"
        );
        let found = serials(by_phone, dispatcher.clone()).await;
        assert!(
            found.contains(&first) && !found.contains(&confidential),
            "{found:?}"
        );
        assert_eq!(app.get(Some(&handler), by_phone).await.status, 403);
        let dpo_view = app.state.store.audit_log(0, 50).await.unwrap().0;
        assert!(
            dpo_view
                .iter()
                .any(|e| e.target == "caller:138****8000" && e.detail.contains("searched")),
            "the phone search is audited"
        );

        // The page filters the same way and exports what it shows, with a watermark line.
        let mut web = Web::sign_in(&app, "operator").await;
        let page = web.get("/cases?channel=web").await;
        assert!(page.body.contains(&second) && !page.body.contains(&first));
        assert!(page.body.contains("/cases.csv?channel=web"));
        let csv = web.get("/cases.csv?channel=web").await;
        assert_eq!(csv.status, 200);
        let lines: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
        assert!(lines[0].contains("operator"), "{lines:?}");
        assert_eq!(lines.len(), 3, "watermark, header, one request: {lines:?}");
        assert!(lines[2].starts_with(&second));
        assert!(!csv.body.contains("13900001111") && !csv.body.contains("张三丰"));
    })
    .await;
}

/// Every working list exports what it shows as CSV with the exporter's name on top: the
/// dispatch queue, a unit's inbox, the supervision pool and the units' standings; each is
/// closed to roles that do not work the list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_working_lists_export_as_csv_for_their_own_roles() {
    on_every_backend(|backend, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let waiting = app.intake(&operator, complaint()).await;
        let dispatched = app.dispatched(&operator, &dispatcher).await;
        let csv_lines = |body: &str| -> Vec<String> {
            body.trim_start_matches('\u{feff}')
                .lines()
                .map(str::to_owned)
                .collect()
        };

        let mut web = Web::sign_in(&app, "dispatcher").await;
        let queue = web.get("/dispatch.csv").await;
        assert_eq!(queue.status, 200, "{backend:?}: {}", queue.body);
        let lines = csv_lines(&queue.body);
        assert!(lines[0].contains("dispatcher"), "{lines:?}");
        assert!(lines[1].contains("建议派往"), "{lines:?}");
        assert!(lines.iter().any(|l| l.starts_with(&waiting)), "{lines:?}");
        assert!(
            !queue.body.contains(&dispatched),
            "dispatched: out of the queue"
        );
        assert!(!queue.body.contains("13800138000"), "no caller data");

        let mut unit = Web::sign_in(&app, "handler").await;
        let inbox = unit.get("/inbox.csv").await;
        assert_eq!(inbox.status, 200);
        let lines = csv_lines(&inbox.body);
        assert!(lines[0].contains("handler"));
        assert_eq!(lines.len(), 3, "watermark, header, its one case: {lines:?}");
        assert!(lines[2].starts_with(&dispatched));
        assert_ne!(unit.get("/dispatch.csv").await.status, 200);
        assert_ne!(
            web.get("/inbox.csv").await.status,
            200,
            "the hub has no inbox"
        );

        let mut leader = Web::sign_in(&app, "leader").await;
        let pool = leader.get("/supervision.csv").await;
        assert_eq!(pool.status, 200);
        assert!(csv_lines(&pool.body)[1].contains("督办人"));
        let standings = leader.get("/dashboard/rankings.csv").await;
        assert_eq!(standings.status, 200);
        let lines = csv_lines(&standings.body);
        assert!(lines[1].starts_with("类别,名次,单位"), "{lines:?}");
        assert!(lines.len() > 2, "every unit, ranked or not: {lines:?}");
        assert_ne!(unit.get("/dashboard/rankings.csv").await.status, 200);
    })
    .await;
}
