//! The conformance story: the same sequence of writes and reads, run against SQLite and
//! PostgreSQL, must give the same answers.

#![allow(clippy::unwrap_used, clippy::expect_used)] // reason: a test that cannot set up must fail loudly

mod hostile;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use civicgrid_domain::lifecycle::{self, Basis, Command, Ctx};
use civicgrid_domain::org::{Actor, OrgTree, UnitKind};
use civicgrid_domain::request::{Channel, Kind, Outcome, Rating, State, Urgency};
use civicgrid_domain::{Refusal, UnitId};
use civicgrid_store::{
    AuditEntry, Backend, CancelReason, HistoricCase, ListFilter, NewCase, NewCategory,
    NewRoutingRule, NewUnit, Store, StoreError, Visibility, testing,
};

fn at(minutes: i64) -> DateTime<Utc> {
    // 2026-03-02 09:00 in Beijing time.
    DateTime::from_timestamp(1_772_413_200 + minutes * 60, 0).unwrap()
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
}

struct World {
    store: Arc<dyn Store>,
    org: OrgTree,
    street: UnitId,
    grid: UnitId,
    dept: UnitId,
    other_dept: UnitId,
}

async fn world(url: &str) -> World {
    let store = civicgrid_store::open(
        url,
        at(0),
        civicgrid_domain::calendar::china_standard_time(),
    )
    .await
    .unwrap();
    let unit = |name: &str, kind, parent| NewUnit {
        name: name.into(),
        kind,
        parent,
        lines: vec![],
        geometry: None,
        code: None,
    };
    let hub = store
        .create_unit(unit("西岗区365中心", UnitKind::Hub, None), at(0))
        .await
        .unwrap();
    let street = store
        .create_unit(unit("香炉礁街道", UnitKind::Street, Some(hub.id)), at(0))
        .await
        .unwrap();
    let community = store
        .create_unit(
            unit("东关社区", UnitKind::Community, Some(street.id)),
            at(0),
        )
        .await
        .unwrap();
    let grid = store
        .create_unit(unit("东关1网格", UnitKind::Grid, Some(community.id)), at(0))
        .await
        .unwrap();
    let depts = store
        .create_units(
            vec![
                unit("城管局", UnitKind::Department, Some(hub.id)),
                unit("住建局", UnitKind::Department, Some(hub.id)),
            ],
            at(0),
        )
        .await
        .unwrap();
    let units = store.list_units(false).await.unwrap();
    let org = OrgTree::new(units.iter().map(civicgrid_store::UnitRow::unit));
    World {
        store,
        org,
        street: street.id,
        grid: grid.id,
        dept: depts[0].id,
        other_dept: depts[1].id,
    }
}

fn calendars() -> civicgrid_domain::calendar::Calendars {
    civicgrid_domain::calendar::Calendars::new(civicgrid_domain::calendar::Calendar::official())
}

fn new_case(content: &str, area: Option<UnitId>, minute: i64) -> NewCase {
    use civicgrid_domain::deadline::{Limit, Match, Policy, Stage, Thresholds, TimeUnit};
    let (case, event) = lifecycle::receive(Kind::Complaint, Actor::SYSTEM, at(minute), vec![]);
    // The hub's dispatch clock, stored with the request it belongs to.
    let policy = Policy {
        id: 1,
        name: "默认时限".into(),
        matches: Match::default(),
        limits: vec![],
        thresholds: Thresholds::default(),
        accountable_after: 3,
    };
    let limit = Limit {
        amount: 30,
        unit: TimeUnit::WorkingMinutes,
    };
    let calendar = civicgrid_domain::calendar::Calendar::official().round_the_clock();
    let clock = civicgrid_domain::clocks::Clock::start(
        Stage::Dispatch,
        None,
        &policy,
        limit,
        &calendar,
        at(minute),
        false,
    );
    NewCase {
        channel: Channel::Hotline,
        kind: Kind::Complaint,
        urgency: Urgency::Normal,
        category: None,
        line: Some("urban".into()),
        content: content.into(),
        address: Some("八一路12号".into()),
        location: None,
        caller_name: Some("王小明".into()),
        caller_phone: Some("13800138000".into()),
        caller_confidential: false,
        area,
        intake_unit: None,
        created_by: None,
        verify_code: "123456".into(),
        raw_intake: format!("{{\"content\":\"{content}\"}}"),
        local_date: day(),
        now: at(minute),
        case,
        events: vec![event],
        effects: civicgrid_domain::clocks::Effects {
            clocks: vec![clock],
            ..Default::default()
        },
    }
}

async fn act(w: &World, serial: &str, minute: i64, command: Command) -> Result<State, StoreError> {
    let org = w.org.clone();
    let loaded = w
        .store
        .apply(
            serial,
            at(minute),
            Box::new(move |loaded| {
                let ctx = Ctx {
                    org: &org,
                    calendars: &calendars(),
                    rules: &Default::default(),
                    actor: Actor::SYSTEM,
                    now: at(minute),
                };
                lifecycle::decide(&loaded.row.case, &command, &ctx)
            }),
        )
        .await?;
    Ok(loaded.row.case.state)
}

async fn story(backend: Backend, url: &str) {
    let w = world(url).await;
    assert_eq!(w.store.backend(), backend);

    // Organisation and catalogue.
    let parent = w
        .store
        .create_category(NewCategory {
            code: "urban".into(),
            name: "城乡建设".into(),
            parent: None,
            line: Some("urban".into()),
        })
        .await
        .unwrap();
    let child = w
        .store
        .create_category(NewCategory {
            code: "urban.illegal_building".into(),
            name: "违章建筑".into(),
            parent: Some(parent.id),
            line: Some("urban".into()),
        })
        .await
        .unwrap();
    let duplicate = w
        .store
        .create_category(NewCategory {
            code: "urban".into(),
            name: "x".into(),
            parent: None,
            line: None,
        })
        .await;
    assert!(matches!(duplicate, Err(StoreError::Duplicate(_))));
    assert_eq!(w.store.list_categories().await.unwrap().len(), 2);
    let rule = w
        .store
        .create_routing_rule(NewRoutingRule {
            category: child.id,
            area: None,
            unit: w.dept,
            basis: Basis::Statute,
        })
        .await
        .unwrap();
    assert_eq!(w.store.list_routing_rules().await.unwrap(), vec![rule]);

    // Concurrent intake shares commits and still numbers every request once, in order.
    let mut handles = Vec::new();
    for i in 0..40 {
        let store = w.store.clone();
        let case = new_case(&format!("路灯不亮 {i}"), Some(w.grid), i);
        handles.push(tokio::spawn(async move {
            store.create_request(case).await.unwrap()
        }));
    }
    let mut serials = Vec::new();
    for handle in handles {
        serials.push(handle.await.unwrap().serial);
    }
    serials.sort();
    let expected: Vec<String> = (1..=40)
        .map(|n| civicgrid_domain::serial::format(day(), n))
        .collect();
    assert_eq!(serials, expected);
    assert_eq!(w.store.count_requests().await.unwrap(), 40);

    let first = &serials[0];
    let loaded = w.store.get_request(first).await.unwrap().unwrap();
    assert_eq!(loaded.row.case.state, State::Received);
    assert_eq!(loaded.row.caller_phone.as_deref(), Some("13800138000"));
    assert_eq!(loaded.row.area, Some(w.grid));
    let stages: Vec<_> = loaded.clocks.iter().map(|c| c.stage.as_str()).collect();
    assert_eq!(
        stages,
        ["dispatch"],
        "intake's clocks commit with the request"
    );
    // Serial 1 is whichever task committed first, not necessarily the one
    // received at minute 0: the limit is measured from its own intake.
    let clock = &loaded.clocks[0];
    assert!(clock.started_at >= at(0) && clock.started_at < at(40));
    assert_eq!(
        clock.deadline - clock.started_at,
        chrono::Duration::minutes(30)
    );

    // The lifecycle, persisted.
    let dispatch = Command::Dispatch {
        unit: w.dept,
        assisting: vec![w.other_dept],
        basis: Basis::Statute,
        complex: false,
        important: false,
    };
    assert_eq!(
        act(&w, first, 50, dispatch).await.unwrap(),
        State::Dispatched
    );
    assert_eq!(
        act(&w, first, 51, Command::Accept).await.unwrap(),
        State::Accepted
    );
    // An illegal move is refused and writes nothing.
    let refused = act(&w, first, 52, Command::Accept).await;
    assert!(matches!(
        refused,
        Err(StoreError::Refused(Refusal::IllegalTransition { .. }))
    ));
    let resolve = Command::Resolve {
        outcome: Outcome::Resolved,
        reply: "已修复路灯".into(),
        proper_owner: None,
        cites: Some("《城市道路照明设施管理规定》".into()),
        unit_head: false,
    };
    assert_eq!(act(&w, first, 60, resolve).await.unwrap(), State::Reviewing);
    let reviewing = w.store.get_request(first).await.unwrap().unwrap();
    assert_eq!(
        reviewing.row.case.review,
        Some(civicgrid_domain::lifecycle::ReviewStep::Check)
    );
    assert_eq!(
        reviewing.row.case.cites.as_deref(),
        Some("《城市道路照明设施管理规定》")
    );
    let approve = Command::ApproveReply { note: None };
    assert_eq!(act(&w, first, 65, approve).await.unwrap(), State::Resolved);
    let unhappy = Command::Callback {
        rating: Rating::Unsatisfied,
        resolved: false,
        note: None,
    };
    assert_eq!(act(&w, first, 70, unhappy).await.unwrap(), State::Reopened);
    let events = w.store.events(loaded.row.id).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "received",
            "dispatch",
            "accept",
            "resolve",
            "approve_reply",
            "callback",
            "reopen"
        ]
    );
    assert_eq!(
        events[1].detail[0],
        ("unit".to_string(), w.dept.to_string())
    );
    let reloaded = w.store.get_request(first).await.unwrap().unwrap();
    assert_eq!(reloaded.row.case.redo_count, 1);
    assert_eq!(reloaded.row.event_count, 7);
    assert!(reloaded.handlers.contains(&w.dept) && reloaded.handlers.contains(&w.other_dept));

    // Transfer keeps the former handler linked (it can still read its own work).
    let transfer = Command::Transfer {
        unit: w.street,
        reason: Some("属地处理".into()),
    };
    assert_eq!(
        act(&w, first, 80, transfer).await.unwrap(),
        State::Dispatched
    );
    let moved = w.store.get_request(first).await.unwrap().unwrap();
    assert!(moved.handlers.contains(&w.dept) && moved.handlers.contains(&w.street));

    // Merge: the duplicate joins the parent, demand counts both callers.
    let org = w.org.clone();
    let child_loaded = w
        .store
        .merge(
            &serials[1],
            first,
            at(90),
            Box::new(move |c, p| {
                let ctx = Ctx {
                    org: &org,
                    calendars: &calendars(),
                    rules: &Default::default(),
                    actor: Actor::SYSTEM,
                    now: at(90),
                };
                lifecycle::decide_merge(c.row.id, &c.row.case, p.row.id, &p.row.case, &ctx)
            }),
        )
        .await
        .unwrap();
    assert_eq!(child_loaded.row.case.state, State::Merged);
    let parent_row = w.store.get_request(first).await.unwrap().unwrap();
    assert_eq!(parent_row.row.case.demand, 2);
    assert_eq!(
        w.store.children(parent_row.row.id).await.unwrap(),
        vec![serials[1].clone()]
    );

    // Lists: filters, paging, and visibility by unit.
    let page = ListFilter {
        state: Some(State::Received),
        limit: 10,
        ..Default::default()
    };
    let (rows, total) = w
        .store
        .list_requests(&page, &Visibility::All)
        .await
        .unwrap();
    assert_eq!((rows.len(), total), (10, 38));
    assert!(rows[0].created_at >= rows[9].created_at, "newest first");
    let by_unit = ListFilter {
        lead_unit: Some(w.street),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        w.store
            .list_requests(&by_unit, &Visibility::All)
            .await
            .unwrap()
            .1,
        1
    );
    let dept_only = Visibility::Units {
        any: vec![],
        handling: vec![w.dept],
        lines: vec![],
    };
    let all = ListFilter {
        limit: 100,
        ..Default::default()
    };
    assert_eq!(
        w.store.list_requests(&all, &dept_only).await.unwrap().1,
        1,
        "a former handler sees its case"
    );
    let other_line = Visibility::Units {
        any: vec![w.grid],
        handling: vec![],
        lines: vec!["civil_affairs".into()],
    };
    assert_eq!(
        w.store.list_requests(&all, &other_line).await.unwrap().1,
        0,
        "line-limited grant"
    );
    let area = Visibility::Units {
        any: vec![w.grid],
        handling: vec![],
        lines: vec![],
    };
    assert_eq!(w.store.list_requests(&all, &area).await.unwrap().1, 40);
    let capped = ListFilter {
        count_cap: Some(5),
        limit: 3,
        ..Default::default()
    };
    let (rows, total) = w
        .store
        .list_requests(&capped, &Visibility::All)
        .await
        .unwrap();
    assert_eq!(
        (rows.len(), total),
        (3, 6),
        "counting stops one past the cap"
    );
    let nobody = Visibility::Units {
        any: vec![],
        handling: vec![],
        lines: vec![],
    };
    assert_eq!(w.store.list_requests(&all, &nobody).await.unwrap().1, 0);

    // Audit records are durable and readable.
    let entry = AuditEntry {
        at: at(95),
        user: None,
        action: "read_personal_data".into(),
        target: first.clone(),
        detail: "detail".into(),
    };
    w.store.audit(vec![entry]).await.unwrap();
    let (log, total) = w.store.audit_log(0, 10).await.unwrap();
    assert_eq!((total, log[0].target.as_str()), (1, first.as_str()));

    // Rollups were counted in the same transactions.
    let counts = w
        .store
        .daily_counts("all", "2026-03-02", "2026-03-02")
        .await
        .unwrap();
    let n = |metric: &str| {
        counts
            .iter()
            .find(|c| c.metric == metric)
            .map_or(0, |c| c.n)
    };
    assert_eq!((n("received"), n("dispatch"), n("reopen")), (40, 1, 1));
    // Leaving the open backlog (closed, cancelled, merged …) and coming back to it are
    // counted, so a past day's backlog is a sum over the rollup.
    assert_eq!((n("finish"), n("unfinish")), (1, 0), "the merged duplicate");
    let sums = w
        .store
        .period_counts("all", "2026-03-01", "2026-03-31")
        .await
        .unwrap();
    let sum = |metric: &str| {
        sums.iter()
            .filter(|c| c.metric == metric)
            .map(|c| c.n)
            .sum::<i64>()
    };
    assert_eq!(sum("received"), n("received"), "one row per metric, summed");
    assert_eq!(sum("finish"), n("finish"));
    assert!(sums.iter().all(|c| c.day.is_empty()));
    let some_states = ListFilter {
        states: vec![State::Received, State::Merged],
        limit: 100,
        by_deadline: true,
        ..Default::default()
    };
    let (rows, total) = w
        .store
        .list_requests(&some_states, &Visibility::All)
        .await
        .unwrap();
    assert_eq!(total, 39, "38 received and the merged duplicate");
    assert!(
        rows.iter()
            .all(|r| matches!(r.case.state, State::Received | State::Merged))
    );
    let waiting = ListFilter {
        pending_extension: true,
        limit: 100,
        ..Default::default()
    };
    assert_eq!(
        w.store
            .list_requests(&waiting, &Visibility::All)
            .await
            .unwrap()
            .1,
        0,
        "no extension asked for in this story (the pages tests ask for one)"
    );

    // Bulk import of history, then live intake continues the day's numbering.
    let mut history = Vec::new();
    for i in 0..5u32 {
        let mut new = new_case("历史诉求", Some(w.grid), 200);
        new.local_date = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let serial = civicgrid_domain::serial::format(new.local_date, i + 1);
        let case = new.case.clone();
        let events = new.events.clone();
        history.push(HistoricCase {
            new,
            serial,
            case,
            events,
            effects: Default::default(),
            updated_at: at(200),
            // The fifth was the second problem of the fourth's call.
            intake_of: (i == 4).then(|| {
                civicgrid_domain::serial::format(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(), 4)
            }),
        });
    }
    let mut today = new_case("今天又一个", None, 300);
    today.local_date = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    assert_eq!(w.store.import_history(history).await.unwrap(), 5);
    let fourth = w
        .store
        .get_request("20260301000004")
        .await
        .unwrap()
        .unwrap();
    let fifth = w
        .store
        .get_request("20260301000005")
        .await
        .unwrap()
        .unwrap();
    let third = w
        .store
        .get_request("20260301000003")
        .await
        .unwrap()
        .unwrap();
    assert!(fourth.row.intake.is_some());
    assert_eq!(fourth.row.intake, fifth.row.intake, "{}", backend.name());
    assert_ne!(fourth.row.intake, third.row.intake);
    let record = w
        .store
        .get_intake(fourth.row.intake.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.requests, vec!["20260301000004", "20260301000005"]);
    let created = w.store.create_request(today).await.unwrap();
    assert_eq!(created.serial, "20260301000006");
    assert!(
        w.store
            .get_request("20260301000003")
            .await
            .unwrap()
            .is_some()
    );

    // The hash chains verify; an edited event is caught.
    let check = w.store.verify_chains().await.unwrap();
    assert_eq!((check.requests, check.broken.len()), (46, 0));
    assert!(check.events > 46);
    tamper(url, first).await;
    let check = w.store.verify_chains().await.unwrap();
    assert_eq!(check.broken, vec![first.clone()]);
}

async fn tamper(url: &str, serial: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    sqlx::query("UPDATE events SET reason = 'edited' WHERE seq = 1 AND request_id = (SELECT id FROM requests WHERE serial = $1)")
        .bind(serial)
        .execute(&mut conn)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_story_on_every_backend() {
    let backends = testing::backends().await;
    for (backend, url) in &backends {
        eprintln!("conformance story on {}", backend.name());
        story(*backend, url).await;
    }
}

/// A fresh database ships the default non-acceptance reasons; a reason is added once
/// (its code stays taken after it is retired) and a retired one is no longer offered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_reasons_ship_with_a_fresh_database_and_retire_on_every_backend() {
    for (backend, url) in &testing::backends().await {
        let store = civicgrid_store::open(
            url,
            at(0),
            civicgrid_domain::calendar::china_standard_time(),
        )
        .await
        .unwrap();
        let codes = |reasons: Vec<CancelReason>| -> Vec<String> {
            reasons.into_iter().map(|r| r.code).collect()
        };
        let shipped = codes(store.list_cancel_reasons().await.unwrap());
        assert!(
            shipped.contains(&"harassment".to_owned()) && shipped.len() >= 5,
            "{}: {shipped:?}",
            backend.name()
        );
        let reason = CancelReason {
            code: "test_only".into(),
            label: "测试".into(),
        };
        store.add_cancel_reason(reason.clone()).await.unwrap();
        assert!(matches!(
            store.add_cancel_reason(reason.clone()).await,
            Err(StoreError::Duplicate(_))
        ));
        store
            .retire_cancel_reason("test_only", at(1))
            .await
            .unwrap();
        assert!(!codes(store.list_cancel_reasons().await.unwrap()).contains(&"test_only".into()));
        assert!(
            matches!(
                store.add_cancel_reason(reason).await,
                Err(StoreError::Duplicate(_))
            ),
            "a retired code stays taken"
        );
        assert!(matches!(
            store.retire_cancel_reason("test_only", at(2)).await,
            Err(StoreError::NotFound(_))
        ));
    }
}

/// One call split into several requests: each has its own serial, all share one raw
/// intake record, and the confidential flag is stored with its request. A split with one
/// bad request writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_split_intake_shares_one_record_on_every_backend() {
    for (backend, url) in &testing::backends().await {
        let w = world(url).await;
        let mut first = new_case("路灯不亮", None, 5);
        first.raw_intake = "来电:路灯不亮,另外小区门口垃圾没人清".into();
        let mut second = new_case("小区门口垃圾没人清", None, 5);
        second.caller_confidential = true;
        second.raw_intake = "ignored: the first case's record is the intake's".into();
        let created = w.store.create_intake(vec![first, second]).await.unwrap();
        assert_eq!(created.len(), 2, "{}", backend.name());
        assert_ne!(created[0].serial, created[1].serial);
        let a = w
            .store
            .get_request(&created[0].serial)
            .await
            .unwrap()
            .unwrap();
        let b = w
            .store
            .get_request(&created[1].serial)
            .await
            .unwrap()
            .unwrap();
        assert!(!a.row.caller_confidential && b.row.caller_confidential);
        let intake = a.row.intake.expect("an intake id");
        assert_eq!(b.row.intake, Some(intake), "{}", backend.name());
        let record = w.store.get_intake(intake).await.unwrap().unwrap();
        assert_eq!(record.raw, "来电:路灯不亮,另外小区门口垃圾没人清");
        assert_eq!(
            record.requests,
            vec![created[0].serial.clone(), created[1].serial.clone()]
        );
        // A lone request keeps its own record.
        let lone = w
            .store
            .create_request(new_case("噪音扰民", None, 6))
            .await
            .unwrap();
        let lone = w.store.get_request(&lone.serial).await.unwrap().unwrap();
        assert_ne!(lone.row.intake, Some(intake));
        assert!(w.store.get_intake(intake + 1_000).await.unwrap().is_none());
        // All or nothing: a split whose second request cannot be stored leaves no trace.
        let before = w.store.count_requests().await.unwrap();
        let good = new_case("井盖缺失", None, 7);
        let mut bad = new_case("井盖缺失二", None, 7);
        bad.area = Some(UnitId(987_654));
        assert!(w.store.create_intake(vec![good, bad]).await.is_err());
        assert_eq!(
            w.store.count_requests().await.unwrap(),
            before,
            "{}",
            backend.name()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_with_and_without_a_location_alternate_on_every_backend() {
    // A NULL latitude and a real one bound to the same cached statement: PostgreSQL must
    // receive both as float8 (see `dialect::NULL_DOUBLE`). Alternating on a small pool
    // reuses each connection's statement many times over.
    for (backend, url) in &testing::backends().await {
        let w = world(url).await;
        for n in 0..12 {
            let mut case = new_case(&format!("第{n}件"), None, 10 + n);
            if n % 2 == 1 {
                case.location = Some(civicgrid_domain::request::Location {
                    lat: 38.9 + f64::from(n as i32) / 1000.0,
                    lng: 121.6,
                });
            }
            let created = w.store.create_request(case).await.unwrap_or_else(|e| {
                panic!("{}: request {n}: {e}", backend.name());
            });
            let stored = w.store.get_request(&created.serial).await.unwrap().unwrap();
            assert_eq!(
                stored.row.location.map(|l| l.lat),
                (n % 2 == 1).then(|| 38.9 + f64::from(n as i32) / 1000.0),
                "{}",
                backend.name()
            );
        }
    }
}

#[test]
fn both_backends_have_the_same_migrations() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let names = |dir: &str| {
        let mut names: Vec<String> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .trim_end_matches(".sql")
                    .to_owned()
            })
            .collect();
        names.sort();
        names
    };
    assert_eq!(names("sqlite"), names("postgres"));
    assert_eq!(names("sqlite"), civicgrid_store::MIGRATION_NAMES);
}
