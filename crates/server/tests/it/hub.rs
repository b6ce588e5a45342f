//! The hub's rules of the road through the API and the pages, on every backend: the hub's
//! own dispatch clock from intake, its ladder and the dispatch board's order.

use chrono::Duration;
use civicgrid::sweeper::sweep_once;
use serde_json::{Value, json};

use crate::helpers::{TestApp, complaint, on_every_backend};
use crate::pages::Web;

fn web_request() -> Value {
    let mut body = complaint();
    body["channel"] = json!("web");
    body
}

async fn request(app: &TestApp, token: &str, serial: &str) -> Value {
    let r = app
        .get(Some(token), &format!("/api/v1/requests/{serial}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
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
