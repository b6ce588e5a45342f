//! Deadlines and supervision through the API: clocks and bands on a request, the ladder
//! fired by the sweeper at the right working instants and exactly once (also with two
//! instances on one PostgreSQL, and after a restart), the supervision pool, notices,
//! supervisors' own actions, sampled callbacks, unit statistics and calendar notices.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use civicgrid::sweeper::sweep_once;
use serde_json::{Value, json};

use crate::helpers::{TestApp, complaint, on_every_backend, page_serials, start_time};
use crate::pages::Web;

fn beijing(mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, mo, d, h, mi, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn instant(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(
        value
            .as_str()
            .unwrap_or_else(|| panic!("not a time: {value}")),
    )
    .unwrap()
    .with_timezone(&Utc)
}

/// The ladder events of one stage, in order.
async fn ladder(app: &TestApp, token: &str, serial: &str, stage: &str) -> Vec<String> {
    let events = app
        .get(Some(token), &format!("/api/v1/requests/{serial}/events"))
        .await;
    events.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("events of {serial}: {}", events.body))
        .iter()
        .filter(|e| {
            ["remind", "urge", "supervise", "hold_accountable"]
                .contains(&e["kind"].as_str().unwrap())
        })
        .filter(|e| e["detail"]["stage"] == stage)
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

fn clock<'a>(request: &'a Value, stage: &str) -> &'a Value {
    request["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|c| c["stage"] == stage)
        .unwrap_or_else(|| panic!("no {stage} clock in {request}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_runs_through_every_band_and_ladder_step_once_at_the_working_instant() {
    on_every_backend(|_, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        // Monday 21 September 2026, 21:33 in the district: the units' day is over.
        assert!(start_time() > beijing(9, 21, 17, 30) && start_time() < beijing(9, 22, 0, 0));
        let serial = app.intake(&operator, complaint()).await;
        let r = app
            .get(Some(&operator), &format!("/api/v1/requests/{serial}"))
            .await;
        let clocks = r.body["clocks"].as_array().unwrap();
        assert_eq!(clocks.len(), 1, "only the hub's clock runs before dispatch");
        let hub_clock = &clocks[0];
        assert_eq!(hub_clock["stage"], "dispatch");
        assert_eq!(hub_clock["unit"]["id"], app.units.hub.0);
        assert_eq!(hub_clock["status"], "running");
        assert!(
            hub_clock["calendar"]
                .as_str()
                .unwrap()
                .starts_with("round_the_clock@"),
            "the hub works round the clock"
        );
        app.dispatch_to_dept(&dispatcher, &serial).await;
        let r = app
            .get(Some(&operator), &format!("/api/v1/requests/{serial}"))
            .await;
        let stages: Vec<(&str, &str)> = r.body["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["stage"].as_str().unwrap(), c["status"].as_str().unwrap()))
            .collect();
        assert_eq!(
            stages,
            [
                ("dispatch", "met"),
                ("accept", "running"),
                ("respond", "running"),
                ("resolve", "running")
            ]
        );
        let accept = clock(&r.body, "accept");
        // Two working hours from Tuesday 08:30.
        assert_eq!(instant(&accept["deadline"]), beijing(9, 22, 10, 30));
        assert_eq!(
            (accept["band"].as_str(), accept["status"].as_str()),
            (Some("blue"), Some("running"))
        );
        assert_eq!(accept["remaining_seconds"], 7200);
        assert_eq!(accept["unit"]["id"], app.units.dept.0);
        assert!(
            accept["calendar"]
                .as_str()
                .unwrap()
                .starts_with("official@")
        );
        assert_eq!(r.body["band"], "blue");

        let steps = [
            (beijing(9, 22, 9, 30), "blue", vec![]),
            (beijing(9, 22, 9, 42), "yellow", vec!["remind"]),
            (beijing(9, 22, 9, 50), "yellow", vec!["remind"]),
            (beijing(9, 22, 10, 12), "orange", vec!["remind", "urge"]),
            (
                beijing(9, 22, 10, 31),
                "red",
                vec!["remind", "urge", "supervise"],
            ),
            // Friday the 25th is the Mid-Autumn holiday: three working days overdue only
            // on Monday the 28th at 10:30.
            (
                beijing(9, 28, 10, 29),
                "red",
                vec!["remind", "urge", "supervise"],
            ),
            (
                beijing(9, 28, 10, 30),
                "red",
                vec!["remind", "urge", "supervise", "hold_accountable"],
            ),
            (
                beijing(9, 29, 9, 0),
                "red",
                vec!["remind", "urge", "supervise", "hold_accountable"],
            ),
        ];
        let mut operator = operator;
        for (at, band, expected) in steps {
            app.clock.set(at);
            // Sessions last 12 hours: sign in again at each new instant.
            operator = app.login("operator").await;
            sweep_once(&app.state).await.unwrap();
            sweep_once(&app.state).await.unwrap();
            let r = app
                .get(Some(&operator), &format!("/api/v1/requests/{serial}"))
                .await;
            assert_eq!(clock(&r.body, "accept")["band"], band, "at {at}");
            assert_eq!(
                ladder(&app, &operator, &serial, "accept").await,
                expected,
                "at {at}"
            );
        }
        let (handler, supervisor) = (app.login("handler").await, app.login("supervisor").await);
        // Red put the case in the pool, owned by the supervisor.
        let pool = app
            .get(Some(&supervisor), "/api/v1/supervision/pool?owner=me")
            .await;
        assert_eq!(pool.status, 200, "{}", pool.body);
        let entry = pool.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["request"]["serial"] == serial.as_str())
            .expect("in the pool");
        assert_eq!(entry["owner"], "supervisor");
        assert_eq!(entry["stage"], "accept");
        assert_eq!(entry["request"]["band"], "red");
        assert_eq!(
            entry["request"]["step"], "hold_accountable",
            "the highest ladder step taken"
        );
        let red = app.get(Some(&operator), "/api/v1/requests?band=red").await;
        assert!(page_serials(&red.body).contains(&serial));
        let blue = app.get(Some(&operator), "/api/v1/requests?band=blue").await;
        assert!(!page_serials(&blue.body).contains(&serial));
        // The handling unit sees the urging notice and the accountability record.
        let notices = app.get(Some(&handler), "/api/v1/notices").await;
        let kinds: Vec<&str> = notices.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["stage"] == "accept")
            .map(|n| n["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            ["hold_accountable", "urge", "remind"],
            "newest first"
        );
        let record = notices.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["stage"] == "accept")
            .unwrap();
        assert_eq!(instant(&record["due_at"]), beijing(9, 28, 10, 30));

        // Accepting late stops the clock red; resolving takes the case out of the pool.
        app.act(&handler, &serial, "accept", json!({})).await;
        let r = app
            .get(Some(&operator), &format!("/api/v1/requests/{serial}"))
            .await;
        let accept = clock(&r.body, "accept");
        assert_eq!(
            (accept["status"].as_str(), accept["band"].as_str()),
            (Some("late"), Some("red"))
        );
        assert_eq!(accept["remaining_seconds"], Value::Null);
        assert_eq!(r.body["supervision"]["owner"], "supervisor");
        app.act(
            &handler,
            &serial,
            "resolve",
            json!({"outcome": "resolved", "reply": "已修复"}),
        )
        .await;
        // The reply under the hub's check is out of the unit's hands: out of the pool.
        let pool = app.get(Some(&supervisor), "/api/v1/supervision/pool").await;
        assert!(!page_serials(&pool.body).contains(&serial));
        let all = app
            .get(Some(&supervisor), "/api/v1/supervision/pool?all=true")
            .await;
        let entry = all.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["request"]["serial"] == serial.as_str())
            .unwrap();
        assert!(entry["closed_at"].is_string());
        let r = app
            .get(Some(&operator), &format!("/api/v1/requests/{serial}"))
            .await;
        // The hub's check runs on the hub's own round-the-clock calendar.
        assert_eq!(clock(&r.body, "review")["unit"]["id"], app.units.hub.0);
        assert!(
            clock(&r.body, "review")["calendar"]
                .as_str()
                .unwrap()
                .starts_with("round_the_clock@")
        );
        // The citizen's timeline shows the case's moves, not the supervision inside.
        let code = app.verify_code(&serial).await;
        let tracked = app
            .get(None, &format!("/api/v1/track?serial={serial}&code={code}"))
            .await;
        let steps: Vec<&str> = tracked.body["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["kind"].as_str().unwrap())
            .collect();
        assert_eq!(steps, ["received", "dispatch", "accept", "resolve"]);
        // Every ladder step of every stage happened at most once.
        let events = app
            .get(
                Some(&operator),
                &format!("/api/v1/requests/{serial}/events"),
            )
            .await;
        let mut seen = std::collections::BTreeSet::new();
        for e in events.body["items"].as_array().unwrap() {
            let kind = e["kind"].as_str().unwrap();
            if ["remind", "urge", "supervise", "hold_accountable"].contains(&kind) {
                assert!(
                    e["actor"]["user"].is_null(),
                    "the system takes ladder steps"
                );
                assert!(
                    seen.insert((kind.to_owned(), e["detail"]["stage"].to_string())),
                    "{kind} twice"
                );
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_fire_each_step_exactly_once() {
    let Some(url) = civicgrid_store::testing::postgres_url().await else {
        return;
    };
    let app = TestApp::start(&url).await;
    let second_store = civicgrid_store::open(
        &url,
        start_time(),
        civicgrid_domain::calendar::china_standard_time(),
    )
    .await
    .unwrap();
    let (_, second) = civicgrid::app::build(second_store, app.clock.clone())
        .await
        .unwrap();
    let operator = app.login("operator").await;
    let dispatcher = app.login("dispatcher").await;
    let mut serials = Vec::new();
    for _ in 0..40 {
        let serial = app.dispatched(&operator, &dispatcher).await;
        serials.push(serial);
    }
    // Far past every mark of every clock: accept, respond and resolve each take 4 steps.
    app.clock.set(beijing(11, 30, 9, 0));
    let operator = app.login("operator").await;
    let mut fired = 0;
    for _ in 0..3 {
        let (a, b) = tokio::join!(sweep_once(&app.state), sweep_once(&second));
        fired += a.unwrap().events + b.unwrap().events;
    }
    assert_eq!(
        fired,
        40 * 3 * 4,
        "the two instances together fired each step once"
    );
    for serial in &serials {
        for stage in ["accept", "respond", "resolve"] {
            assert_eq!(
                ladder(&app, &operator, serial, stage).await,
                ["remind", "urge", "supervise", "hold_accountable"],
                "{serial} {stage}"
            );
        }
    }
    let pool = app
        .get(
            Some(&app.login("supervisor").await),
            "/api/v1/supervision/pool?page_size=200",
        )
        .await;
    assert_eq!(pool.body["total"], 40);
    // Three clocks went red in the same sweep: one entry, put there once.
    assert!(
        pool.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["times"] == 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_down_past_the_deadline_catches_up_on_its_first_sweep() {
    for (_, url) in civicgrid_store::testing::backends().await {
        let app = TestApp::start(&url).await;
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let serial = app.dispatched(&operator, &dispatcher).await;
        app.clock.set(beijing(9, 22, 9, 0));
        assert_eq!(sweep_once(&app.state).await.unwrap().events, 0);
        // The server is down from here; nobody sweeps. It comes back a week later.
        let back = beijing(9, 30, 9, 0);
        let clock = std::sync::Arc::new(civicgrid::clock::ManualClock::new(back));
        let store = civicgrid_store::open(
            &url,
            back,
            civicgrid_domain::calendar::china_standard_time(),
        )
        .await
        .unwrap();
        let (_, restarted) = civicgrid::app::build(store, clock).await.unwrap();
        let report = sweep_once(&restarted).await.unwrap();
        assert!(report.events >= 4, "{report:?}");
        assert_eq!(
            sweep_once(&restarted).await.unwrap().events,
            0,
            "nothing twice"
        );
        let events = app
            .get(
                Some(&operator),
                &format!("/api/v1/requests/{serial}/events"),
            )
            .await;
        let accept: Vec<&Value> = events.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["detail"]["stage"] == "accept")
            .collect();
        let kinds: Vec<&str> = accept.iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["remind", "urge", "supervise", "hold_accountable"]);
        for e in &accept {
            assert_eq!(instant(&e["at"]), back, "dated when it actually fired");
        }
        assert_eq!(
            instant(&accept[0]["detail"]["due_at"]),
            beijing(9, 22, 9, 42),
            "naming when it was due"
        );
        assert_eq!(
            instant(&accept[3]["detail"]["due_at"]),
            beijing(9, 28, 10, 30)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervisors_remind_urge_supervise_and_hold_accountable_by_hand() {
    on_every_backend(|_, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let handler = app.login("handler").await;
        let other = app.login("other_handler").await;
        let supervisor = app.login("supervisor").await;
        let leader = app.login("leader").await;
        let serial = app.dispatched(&operator, &dispatcher).await;
        for (token, action) in [
            (&handler, "urge"),
            (&dispatcher, "remind"),
            (&operator, "supervise"),
            (&leader, "hold_accountable"),
        ] {
            let r = app
                .act(token, &serial, action, json!({"reason": "x"}))
                .await;
            assert_eq!(r.status, 403, "{action}: {}", r.body);
        }
        let r = app.act(&supervisor, &serial, "urge", json!({})).await;
        assert_eq!(
            (r.status, r.body["error"]["fields"]["reason"].is_string()),
            (422, true),
            "{}",
            r.body
        );
        for action in ["remind", "urge", "supervise"] {
            let r = app
                .act(
                    &supervisor,
                    &serial,
                    action,
                    json!({"reason": "群众多次来电，请加快办理"}),
                )
                .await;
            assert_eq!(r.status, 200, "{action}: {}", r.body);
            assert_eq!(
                r.body["state"], "dispatched",
                "supervision changes no state"
            );
        }
        let r = app
            .act(
                &supervisor,
                &serial,
                "hold_accountable",
                json!({"reason": "推诿扯皮，延误办理"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["supervision"]["owner"], "supervisor");
        let kinds: Vec<&str> = r.body["notices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["dispatch", "remind", "urge", "hold_accountable"]);
        assert_eq!(r.body["notices"][2]["by"], "supervisor");
        assert_eq!(r.body["notices"][3]["text"], "推诿扯皮，延误办理");
        // Notices reach the handling unit only.
        let mine = app.get(Some(&handler), "/api/v1/notices?kind=urge").await;
        assert_eq!(mine.body["total"], 1);
        let theirs = app.get(Some(&other), "/api/v1/notices").await;
        assert_eq!(theirs.body["total"], 0);
        // The unit acknowledges what it received; another unit cannot.
        let unread = app.get(Some(&handler), "/api/v1/notices?unread=true").await;
        assert_eq!(
            unread.body["total"], 4,
            "the dispatch, and the three by hand"
        );
        let urge_id = mine.body["items"][0]["id"].as_i64().unwrap();
        let path = format!("/api/v1/notices/{urge_id}/read");
        assert_eq!(app.post(Some(&other), &path, json!({})).await.status, 404);
        let r = app.post(Some(&handler), &path, json!({})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            (r.body["kind"].as_str(), r.body["read_by"].as_str()),
            (Some("urge"), Some("handler"))
        );
        let first = r.body["read_at"].clone();
        assert!(first.is_string());
        app.clock.advance(chrono::Duration::minutes(5));
        let again = app.post(Some(&supervisor), &path, json!({})).await;
        assert_eq!(
            (
                again.body["read_at"].clone(),
                again.body["read_by"].as_str()
            ),
            (first, Some("handler")),
            "the first acknowledgement stays"
        );
        assert_eq!(
            app.get(Some(&handler), "/api/v1/notices?unread=true")
                .await
                .body["total"],
            3
        );
        assert_eq!(
            app.post(Some(&handler), "/api/v1/notices/999999/read", json!({}))
                .await
                .status,
            404
        );
        let r = app
            .get(
                Some(&other),
                &format!("/api/v1/notices?unit={}", app.units.dept.0),
            )
            .await;
        assert_eq!(
            (r.status, r.body["error"]["fields"]["unit"].is_string()),
            (400, true)
        );
        let r = app.get(Some(&handler), "/api/v1/notices?kind=scold").await;
        assert_eq!(r.status, 400);
        // The pool is for supervisors, dispatchers and leaders.
        assert_eq!(
            app.get(Some(&handler), "/api/v1/supervision/pool")
                .await
                .status,
            403
        );
        assert_eq!(
            app.get(Some(&operator), "/api/v1/supervision/pool")
                .await
                .status,
            403
        );
        let pool = app.get(Some(&leader), "/api/v1/supervision/pool").await;
        assert_eq!(pool.body["total"], 1);
        assert_eq!(pool.body["items"][0]["reason"], "群众多次来电，请加快办理");
        assert_eq!(
            app.get(Some(&supervisor), "/api/v1/supervision/pool?owner=someone")
                .await
                .status,
            400
        );
        // A closed case still takes a finding; a cancelled one does not.
        let r = app
            .act(
                &supervisor,
                &serial,
                "hold_accountable",
                json!({"reason": "x", "unit": 999_999}),
            )
            .await;
        assert_eq!(
            (r.status, r.body["error"]["fields"]["unit"].is_string()),
            (422, true)
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sampled_callbacks_rates_rankings_and_their_cases() {
    on_every_backend(|_, app| async move {
        let admin = app.login("admin").await;
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let leader = app.login("leader").await;
        let config = app.get(Some(&leader), "/api/v1/settings/appraisal").await;
        assert_eq!(config.body["min_sample"], 10);
        assert_eq!(config.body["sample_percent"], 5.0);
        let mut body = config.body.clone();
        body["min_sample"] = json!(2);
        body["sample_percent"] = json!(100);
        assert_eq!(
            app.send(
                reqwest::Method::PUT,
                Some(&leader),
                "/api/v1/settings/appraisal",
                Some(body.clone())
            )
            .await
            .status,
            403
        );
        let r = app
            .send(
                reqwest::Method::PUT,
                Some(&admin),
                "/api/v1/settings/appraisal",
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let mut bad = body.clone();
        bad["weights"]["speed"] = json!(1);
        let r = app
            .send(
                reqwest::Method::PUT,
                Some(&admin),
                "/api/v1/settings/appraisal",
                Some(bad),
            )
            .await;
        assert_eq!(
            (
                r.status,
                r.body["error"]["fields"]["weights.speed"].is_string()
            ),
            (422, true),
            "{}",
            r.body
        );

        // Three cases at the department: two accepted in time, one late; one returned.
        let mut serials = Vec::new();
        for (i, accept_after_minutes) in [(0, 30), (1, 30), (2, 300)] {
            let serial = app.intake(&operator, complaint()).await;
            app.clock.set(beijing(9, 22, 9, 0));
            app.dispatch_to_dept(&dispatcher, &serial).await;
            app.clock
                .set(beijing(9, 22, 9, 0) + chrono::Duration::minutes(accept_after_minutes));
            let handler = app.login("handler").await;
            let operator = app.login("operator").await;
            let dispatcher = app.login("dispatcher").await;
            app.act(&handler, &serial, "accept", json!({})).await;
            app.act(
                &handler,
                &serial,
                "resolve",
                json!({"outcome": "resolved", "reply": "已处理"}),
            )
            .await;
            app.approve_reply(&dispatcher, &serial).await;
            let rating = if i == 0 { "unsatisfied" } else { "satisfied" };
            app.act(
                &operator,
                &serial,
                "callback",
                json!({"rating": rating, "resolved": i != 0}),
            )
            .await;
            serials.push(serial);
            app.clock.set(start_time());
        }
        // Sessions that expired meanwhile were swept at the later logins: sign in again.
        let (operator, dispatcher, handler) = (
            app.login("operator").await,
            app.login("dispatcher").await,
            app.login("handler").await,
        );
        let (supervisor, leader) = (app.login("supervisor").await, app.login("leader").await);
        let returned = app.dispatched(&operator, &dispatcher).await;
        let r = app
            .act(
                &handler,
                &returned,
                "return",
                json!({"reason": "不属于本单位"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);

        let stats = app
            .get(
                Some(&leader),
                "/api/v1/stats/units?from=2026-09-01&to=2026-09-30",
            )
            .await;
        assert_eq!(stats.status, 200, "{}", stats.body);
        let dept = stats.body["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit"]["id"] == app.units.dept.0)
            .expect("the department is scored");
        assert_eq!(dept["sample"], 4, "four dispatches: {dept}");
        assert_eq!(dept["rank"], 1);
        // Accepted after 30, 30 and 300 minutes of a two-working-hour limit; the returned
        // case's clock closed without a verdict.
        assert_eq!(
            dept["rates"]["on_time_acceptance"]["numerator"], 2,
            "{dept}"
        );
        assert_eq!(dept["rates"]["on_time_acceptance"]["denominator"], 3);
        // From the citizens' word: two of three say it is resolved.
        assert_eq!(dept["rates"]["resolution"]["value"], 0.6667);
        assert_eq!(dept["rates"]["return"]["numerator"], 1, "{dept}");
        assert_eq!(dept["rates"]["redo"]["numerator"], 1);
        // The drill-down lists the cases behind the number.
        let link = dept["rates"]["on_time_acceptance"]["cases"]
            .as_str()
            .unwrap()
            .replace("accept_on_time", "accept_late");
        let cases = app.get(Some(&leader), &link).await;
        assert_eq!(cases.status, 200, "{}", cases.body);
        let listed = page_serials(&cases.body);
        assert_eq!(listed, [serials[2].clone()]);
        assert_eq!(dept["rates"]["return"]["denominator"], 4);
        let link = format!(
            "/api/v1/stats/units/{}/cases?metric=returned&from=2026-09-01&to=2026-09-30",
            app.units.dept.0
        );
        assert_eq!(
            app.get(Some(&handler), &link).await.body["total"],
            1,
            "a unit drills into its own numbers"
        );
        let other = app.login("other_handler").await;
        assert_eq!(app.get(Some(&other), &link).await.status, 403);
        assert_eq!(
            app.get(Some(&leader), &link.replace("returned", "made_up"))
                .await
                .status,
            400
        );
        let same = app
            .get(
                Some(&leader),
                "/api/v1/stats/units?from=2026-09-01T00:00:00%2B08:00&to=2026-09-30T12:00:00Z",
            )
            .await;
        assert_eq!(
            same.body["units"], stats.body["units"],
            "instants count as their district days"
        );
        let r = app
            .get(Some(&leader), "/api/v1/stats/units?from=2026-13-01")
            .await;
        assert_eq!(
            (r.status, r.body["error"]["fields"]["from"].is_string()),
            (400, true)
        );

        // Every closed case was drawn (100%); a supervisor makes the quality callback once.
        let samples = app
            .get(Some(&supervisor), "/api/v1/supervision/samples")
            .await;
        assert_eq!(samples.status, 200, "{}", samples.body);
        assert_eq!(samples.body["total"], 2, "the two satisfied cases closed");
        assert_eq!(
            app.get(Some(&handler), "/api/v1/supervision/samples")
                .await
                .status,
            403
        );
        let drawn = samples.body["items"][0]["request"]["serial"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = app
            .act(
                &supervisor,
                &drawn,
                "quality_callback",
                json!({"rating": "basically_satisfied", "resolved": true, "note": "市民认可"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = app
            .act(
                &supervisor,
                &drawn,
                "quality_callback",
                json!({"rating": "satisfied", "resolved": true}),
            )
            .await;
        assert_eq!(
            (r.status, r.body["error"]["fields"]["serial"].is_string()),
            (422, true),
            "{}",
            r.body
        );
        let pending = app
            .get(Some(&supervisor), "/api/v1/supervision/samples")
            .await;
        assert_eq!(pending.body["total"], 1);
        let all = app
            .get(Some(&supervisor), "/api/v1/supervision/samples?all=true")
            .await;
        let done = all.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["request"]["serial"] == drawn.as_str())
            .unwrap();
        assert_eq!(
            (done["rating"].as_str(), done["note"].as_str()),
            (Some("basically_satisfied"), Some("市民认可"))
        );

        // A case left unaccepted is late as soon as it is overdue, not only once accepted:
        // at Tuesday 18:00 the new case's accept and respond clocks and the reopened case's
        // redo accept clock are overdue and still open.
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let ignored = app.dispatched(&operator, &dispatcher).await;
        app.clock.set(beijing(9, 22, 18, 0));
        let leader = app.login("leader").await;
        let stats = app
            .get(
                Some(&leader),
                "/api/v1/stats/units?from=2026-09-01&to=2026-09-30",
            )
            .await;
        let dept = stats.body["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit"]["id"] == app.units.dept.0)
            .unwrap();
        assert_eq!(
            dept["rates"]["on_time_acceptance"]["numerator"], 2,
            "{dept}"
        );
        assert_eq!(
            dept["rates"]["on_time_acceptance"]["denominator"], 5,
            "2 met, 1 late, 2 overdue: {dept}"
        );
        let link = format!(
            "/api/v1/stats/units/{}/cases?metric=accept_overdue&from=2026-09-01&to=2026-09-30",
            app.units.dept.0
        );
        let cases = app.get(Some(&leader), &link).await;
        let mut listed = page_serials(&cases.body);
        listed.sort();
        let mut expected = vec![serials[0].clone(), ignored.clone()];
        expected.sort();
        assert_eq!(listed, expected);
        let link = link.replace("accept_overdue", "respond_overdue");
        assert_eq!(app.get(Some(&leader), &link).await.body["total"], 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrators_add_next_years_official_days() {
    on_every_backend(|_, app| async move {
        let admin = app.login("admin").await;
        let operator = app.login("operator").await;
        let deadline = "/api/v1/calendar/deadline?from=2026-12-31T16:00:00%2B08:00&working_days=1";
        let before = app.get(None, deadline).await;
        assert_eq!(
            instant(&before.body["deadline"]),
            FixedOffset::east_opt(8 * 3600)
                .unwrap()
                .with_ymd_and_hms(2027, 1, 1, 17, 30, 0)
                .unwrap()
        );
        let notice = json!({"text": "# 2027 notice\n2027-01-01 off 元旦\n2027-02-06 work 春节\n"});
        assert_eq!(
            app.post(
                Some(&operator),
                "/api/v1/calendar/official-days",
                notice.clone()
            )
            .await
            .status,
            403
        );
        for bad in [
            "2027-01-02 off 元旦",
            "2027-01-01 holiday 元旦",
            "next friday off",
        ] {
            let r = app
                .post(
                    Some(&admin),
                    "/api/v1/calendar/official-days",
                    json!({"text": bad}),
                )
                .await;
            assert_eq!(
                (r.status, r.body["error"]["fields"]["text"].is_string()),
                (422, true),
                "{bad}: {}",
                r.body
            );
        }
        let r = app
            .post(Some(&admin), "/api/v1/calendar/official-days", notice)
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(
            (r.body["added"].as_i64(), r.body["covered_until"].as_str()),
            (Some(2), Some("2027-02-06"))
        );
        let days = app
            .get(None, "/api/v1/calendar/official-days?year=2027")
            .await;
        assert_eq!(
            days.body,
            json!([
                {"date": "2027-01-01", "kind": "off", "name": "元旦", "source": "added"},
                {"date": "2027-02-06", "kind": "work", "name": "春节", "source": "added"}
            ])
        );
        let shipped = app
            .get(None, "/api/v1/calendar/official-days?year=2026")
            .await;
        assert!(
            shipped
                .body
                .as_array()
                .unwrap()
                .iter()
                .all(|d| d["source"] == "shipped")
        );
        // New Year's Day 2027 is now a holiday: one working day later is Monday the 4th.
        let after = app.get(None, deadline).await;
        assert_eq!(
            instant(&after.body["deadline"]),
            FixedOffset::east_opt(8 * 3600)
                .unwrap()
                .with_ymd_and_hms(2027, 1, 4, 17, 30, 0)
                .unwrap()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_sweeper_takes_steps_on_its_own() {
    let app = TestApp::start(&civicgrid_store::testing::sqlite_url()).await;
    let operator = app.login("operator").await;
    let dispatcher = app.login("dispatcher").await;
    let serial = app.dispatched(&operator, &dispatcher).await;
    app.clock.set(beijing(9, 22, 10, 0));
    let task = civicgrid::sweeper::spawn(app.state.clone(), std::time::Duration::from_millis(50));
    // Wait for the event itself (bounded), not for a fixed time.
    let operator = app.login("operator").await;
    let mut steps = Vec::new();
    for _ in 0..200 {
        steps = ladder(&app, &operator, &serial, "accept").await;
        if !steps.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    task.abort();
    // Operators see the sweeper at work in the metrics.
    let metrics = app.get(None, "/metrics").await.body.to_string();
    for name in [
        "civicgrid_ladder_steps_total",
        "civicgrid_sweep_seconds",
        "civicgrid_clocks_due",
    ] {
        assert!(metrics.contains(name), "/metrics lacks {name}");
    }
    assert_eq!(
        steps,
        ["remind"],
        "yellow at 09:42 was taken by the background sweep"
    );
}

/// New work reaches the unit as a notice — a dispatch, a transfer, a refused return — that
/// is read when the unit takes the work up or opens the case; an urging waits for its own
/// acknowledgement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn word_of_new_work_is_read_when_the_unit_takes_it_up_or_opens_the_case() {
    on_every_backend(|backend, app| async move {
        let operator = app.login("operator").await;
        let dispatcher = app.login("dispatcher").await;
        let handler = app.login("handler").await;
        let other = app.login("other_handler").await;
        let unread = |token: String| {
            let app = &app;
            async move {
                let r = app.get(Some(&token), "/api/v1/notices?unread=true").await;
                r.body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n["kind"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            }
        };
        let first = app.dispatched(&operator, &dispatcher).await;
        let second = app.dispatched(&operator, &dispatcher).await;
        assert_eq!(
            unread(handler.clone()).await,
            ["dispatch", "dispatch"],
            "{backend:?}"
        );
        // Accepting takes the first up.
        let r = app.act(&handler, &first, "accept", json!({})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(unread(handler.clone()).await, ["dispatch"]);
        // The second is transferred; the new unit is told, with the reason.
        let r = app
            .act(
                &dispatcher,
                &second,
                "transfer",
                json!({"unit": app.units.other_dept.0, "reason": "属园林绿化职责"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let told = app.get(Some(&other), "/api/v1/notices?unread=true").await;
        assert_eq!(told.body["items"][0]["kind"], "transfer");
        assert_eq!(told.body["items"][0]["text"], "属园林绿化职责");
        // Opening the case on its page reads it; an urging stays until acknowledged.
        let supervisor = app.login("supervisor").await;
        let r = app
            .act(
                &supervisor,
                &second,
                "urge",
                json!({"reason": "请尽快签收"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let mut web = Web::sign_in(&app, "other_handler").await;
        let page = web.get("/cases").await;
        assert!(
            page.body.contains(r#"id="nav-unread" title="2 "#),
            "{}",
            page.body
        );
        let page = web.get(&format!("/cases/{second}")).await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains(r#"id="nav-unread" title="1 "#),
            "the page counts what it leaves unread: {}",
            page.body
        );
        assert_eq!(unread(other.clone()).await, ["urge"]);
        let seen = app.get(Some(&other), "/api/v1/notices?kind=transfer").await;
        assert_eq!(seen.body["items"][0]["read_by"], "other_handler");
    })
    .await;
}
