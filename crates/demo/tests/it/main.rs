//! The demo district: built once, the right size, every case's chain verifies, and its
//! accounts work through the API.

#![allow(clippy::unwrap_used, clippy::expect_used)] // reason: a test that cannot set up must fail loudly

use std::collections::HashMap;
use std::sync::Arc;

use civicgrid::clock::ManualClock;

use chrono::{DateTime, Utc};
use civicgrid_demo::client;

fn start_time() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap()
}

async fn login_at(base: &str, username: &str, password: &str) -> String {
    client::login(base, username, password).await.unwrap()
}

async fn get_at(base: &str, token: &str, path: &str) -> (u16, serde_json::Value) {
    client::get(base, token, path).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_district_is_complete_and_idempotent() {
    for (backend, url) in civicgrid_store::testing::backends().await {
        eprintln!("-- demo on {}", backend.name());
        let store = civicgrid_store::open(
            &url,
            start_time(),
            civicgrid_domain::calendar::china_standard_time(),
        )
        .await
        .unwrap();
        let built = civicgrid_demo::ensure_demo(&store, start_time(), 4000, 1, &|_| {})
            .await
            .unwrap();
        assert!(built);
        assert!(
            !civicgrid_demo::ensure_demo(&store, start_time(), 4000, 1, &|_| {})
                .await
                .unwrap(),
            "second run builds nothing"
        );

        let units = store.list_units(true).await.unwrap();
        let mut kinds: HashMap<&str, usize> = HashMap::new();
        for unit in &units {
            *kinds.entry(unit.kind.as_str()).or_default() += 1;
        }
        let expected = [
            ("hub", 1),
            ("street", 7),
            ("community", 45),
            ("grid", 120),
            ("subgrid", 532),
            ("department", 46),
            ("utility", 71),
        ];
        for (kind, n) in expected {
            assert_eq!(kinds.get(kind).copied().unwrap_or(0), n, "{kind}");
        }
        assert!(
            units
                .iter()
                .filter(|u| u.kind.as_str() != "department" && u.kind.as_str() != "utility")
                .all(|u| u.code.is_some()),
            "the hub, every street, community, grid and subgrid has a place code"
        );
        for unit in units.iter().filter(|u| u.kind.as_str() != "hub") {
            let (Some(code), Some(parent)) = (&unit.code, unit.parent) else {
                continue;
            };
            let parent = units.iter().find(|u| u.id == parent).unwrap();
            if let Some(above) = &parent.code {
                assert!(code.starts_with(above.as_str()), "{code} under {above}");
                assert_eq!(
                    code.len(),
                    above.len() + 3,
                    "{code} one level under {above}"
                );
            }
        }
        assert!(
            units
                .iter()
                .filter(|u| ["street", "community", "grid", "subgrid"].contains(&u.kind.as_str()))
                .all(|g| g.geometry.is_some() && g.layer.is_some()),
            "every street, community, grid and subgrid has a polygon in a layer"
        );
        // The gazetteer: a road, a compound with its buildings and landmarks per
        // community, every point inside a coded polygon.
        let gazetteer = store.gazetteer().await.unwrap();
        assert!(
            gazetteer.len() > 400,
            "{} gazetteer entries",
            gazetteer.len()
        );
        assert!(
            gazetteer.iter().all(|e| e.area.is_some()),
            "every entry placed"
        );
        let search = civicgrid_domain::gazetteer::Gazetteer::new(gazetteer);
        let road = search.search("路", 1);
        assert_eq!(road.len(), 1);
        let initials = civicgrid_domain::gazetteer::initials(&road[0].entry.name);
        assert!(
            !search.search(&initials[0], 5).is_empty(),
            "found by its initials"
        );
        let categories = store.list_categories().await.unwrap();
        assert!(
            (38..=45).contains(&categories.len()),
            "about 40 categories, got {}",
            categories.len()
        );
        let total = store.count_requests().await.unwrap();
        assert!(
            (3600..=4400).contains(&total),
            "about 4000 requests, got {total}"
        );
        if backend == civicgrid_store::Backend::Postgres {
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
                .await
                .unwrap();
            // ANALYZE sets reltuples in the catalogue (it is -1 on a never-analysed table).
            let tuples: f64 = sqlx::query_scalar(
                "SELECT reltuples::float8 FROM pg_class WHERE relname = 'requests'",
            )
            .fetch_one(&mut conn)
            .await
            .unwrap();
            assert!(
                tuples > 0.0,
                "the demo refreshes planner statistics after its bulk import ({tuples})"
            );
        }
        {
            // Confidential callers and calls split into several requests are in the history.
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
                .await
                .unwrap();
            let confidential: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM requests WHERE caller_confidential = 1")
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
            let split: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM (SELECT intake_id FROM requests GROUP BY intake_id \
                 HAVING COUNT(*) > 1) s",
            )
            .fetch_one(&mut conn)
            .await
            .unwrap();
            assert!(confidential > 10, "confidential callers: {confidential}");
            // Every request lies in a grid with a 15-digit GB/T 30428 code under Xigang's
            // 210203 (or in a subgrid of one, whose code runs three digits longer).
            let uncoded: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM requests r LEFT JOIN units u ON u.id = r.area_id \
                 WHERE u.code IS NULL OR u.kind NOT IN ('grid', 'subgrid') \
                 OR u.code NOT LIKE '210203%' OR LENGTH(u.code) NOT IN (15, 18)",
            )
            .fetch_one(&mut conn)
            .await
            .unwrap();
            assert_eq!(uncoded, 0, "requests without a coded grid");
            assert!(split > 5, "split intakes: {split}");
            // Leaders' instructions, most of them reported on.
            let (instructions, reported): (i64, i64) = (
                sqlx::query_scalar("SELECT COUNT(*) FROM instructions")
                    .fetch_one(&mut conn)
                    .await
                    .unwrap(),
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM instructions WHERE reported_at IS NOT NULL",
                )
                .fetch_one(&mut conn)
                .await
                .unwrap(),
            );
            assert!(instructions > 20, "instructions: {instructions}");
            // (In a demo this small the few recent ones may all be answered already.)
            assert!(reported * 2 > instructions, "{reported} of {instructions}");
            // A unit that accepted its case has read the word of it; one that has not, not.
            let (read, unread): (i64, i64) = (
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM notices n JOIN requests r ON r.id = n.request_id \
                     WHERE n.kind = 'dispatch' AND n.read_at IS NOT NULL",
                )
                .fetch_one(&mut conn)
                .await
                .unwrap(),
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM notices n JOIN requests r ON r.id = n.request_id \
                     WHERE n.kind = 'dispatch' AND n.read_at IS NULL AND r.state = 'closed'",
                )
                .fetch_one(&mut conn)
                .await
                .unwrap(),
            );
            assert!(read > total / 2, "dispatch notices read: {read} of {total}");
            assert!(
                unread * 20 < read,
                "closed cases' dispatch notices left unread: {unread}"
            );
        }
        let check = store.verify_chains().await.unwrap();
        assert_eq!((check.requests, check.broken.len()), (total, 0));
        // History is spread over the past year and most of it is closed.
        let (closed, closed_total) = store
            .list_requests(
                &civicgrid_store::ListFilter {
                    state: Some(civicgrid_domain::request::State::Closed),
                    limit: 1,
                    ..Default::default()
                },
                &civicgrid_store::Visibility::All,
            )
            .await
            .unwrap();
        assert!(closed_total * 10 > total * 8, "most old cases are closed");
        assert!(closed[0].created_at < start_time());

        // The demo accounts work through the API, and a handler sees only its unit's cases.
        let clock = Arc::new(ManualClock::new(start_time()));
        let (router, _state) = civicgrid::app::build(store.clone(), clock).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let password = civicgrid_demo::DEMO_PASSWORD;
        let dispatcher = login_at(&base, "dispatcher", password).await;
        let (_, all) = get_at(&base, &dispatcher, "/api/v1/requests").await;
        assert_eq!(all["total"].as_i64().unwrap(), total);
        let handler = login_at(&base, "dept25", password).await; // 市政设施管理处: roads and street lights
        let mut visible = std::collections::HashSet::new();
        for page in 1.. {
            let (_, own) = get_at(
                &base,
                &handler,
                &format!("/api/v1/requests?page={page}&page_size=200"),
            )
            .await;
            let items = own["items"].as_array().unwrap();
            if items.is_empty() {
                break;
            }
            visible.extend(
                items
                    .iter()
                    .map(|i| i["serial"].as_str().unwrap().to_owned()),
            );
        }
        let own_total = visible.len() as i64;
        assert!(
            own_total > 0 && own_total < total,
            "a department sees its own cases only ({own_total} of {total})"
        );
        // The history ran its clocks: bands of every colour, a populated supervision pool
        // with an owner, accountability records, and a ranking of units.
        let supervisor = login_at(&base, "supervisor", password).await;
        // A street's leader sees that street's figures; the privacy officer the audit only.
        let leader = login_at(&base, "leader", password).await;
        let street_leader = login_at(&base, "street1_leader", password).await;
        let (_, district) = get_at(&base, &leader, "/api/v1/stats/overview?days=30").await;
        let (_, street) = get_at(&base, &street_leader, "/api/v1/stats/overview?days=30").await;
        let received = |o: &serde_json::Value| o["figures"]["received"]["month"].as_i64().unwrap();
        assert!(
            received(&street) > 0 && received(&street) < received(&district),
            "street {street} of district {district}"
        );
        let privacy = login_at(&base, "privacy", password).await;
        let (status, _) = get_at(&base, &privacy, "/api/v1/audit/personal-data").await;
        assert_eq!(status, 200);
        let (_, none) = get_at(&base, &privacy, "/api/v1/requests").await;
        assert_eq!(none["total"], 0);
        for band in ["blue", "red"] {
            let (_, banded) =
                get_at(&base, &dispatcher, &format!("/api/v1/requests?band={band}")).await;
            assert!(
                banded["total"].as_i64().unwrap() > 0,
                "some open requests are {band}"
            );
            assert_eq!(banded["items"][0]["band"], band);
        }
        let (_, reviewing) = get_at(&base, &dispatcher, "/api/v1/requests?state=reviewing").await;
        assert!(
            reviewing["total"].as_i64().unwrap() > 0,
            "recent replies wait for the hub's check"
        );
        let (_, pool) = get_at(&base, &supervisor, "/api/v1/supervision/pool").await;
        assert!(pool["total"].as_i64().unwrap() > 0, "{pool}");
        assert_eq!(pool["items"][0]["owner"], "supervisor");
        let (_, records) =
            get_at(&base, &supervisor, "/api/v1/notices?kind=hold_accountable").await;
        assert!(records["total"].as_i64().unwrap() > 0);
        let (_, samples) = get_at(&base, &supervisor, "/api/v1/supervision/samples?all=true").await;
        assert!(
            samples["total"].as_i64().unwrap() > 0,
            "closed cases were drawn for quality callbacks"
        );
        let (status, stats) = get_at(
            &base,
            &dispatcher,
            "/api/v1/stats/units?from=2025-09-21&to=2026-09-21",
        )
        .await;
        assert_eq!(status, 200, "{stats}");
        let ranked: Vec<&serde_json::Value> = stats["units"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["rank"].is_number())
            .collect();
        assert!(
            ranked.len() >= 10,
            "units with enough cases are ranked: {}",
            ranked.len()
        );
        // Ranked within each tier, never across: best first inside a tier, ranks 1, 2, …
        let mut tiers: Vec<&str> = ranked.iter().map(|u| u["tier"].as_str().unwrap()).collect();
        tiers.dedup();
        assert!(
            tiers.contains(&"street") && tiers.contains(&"department"),
            "{tiers:?}"
        );
        for tier in tiers {
            let within: Vec<&&serde_json::Value> =
                ranked.iter().filter(|u| u["tier"] == tier).collect();
            let scores: Vec<f64> = within
                .iter()
                .map(|u| u["score"].as_f64().unwrap())
                .collect();
            let ranks: Vec<u64> = within.iter().map(|u| u["rank"].as_u64().unwrap()).collect();
            assert!(
                scores.windows(2).all(|w| w[0] >= w[1]),
                "{tier}: ranked best first: {scores:?}"
            );
            assert_eq!(
                ranks,
                (1..=ranks.len() as u64).collect::<Vec<_>>(),
                "{tier}"
            );
            if scores.len() > 2 {
                assert!(
                    scores.first() > scores.last(),
                    "{tier}: the ranking separates units: {scores:?}"
                );
            }
        }

        // What a list shows and what a single read allows are the same rule: the list's SQL
        // filter must agree with `authorize` on every request of a sample.
        let (_, sample) = get_at(&base, &dispatcher, "/api/v1/requests?page_size=200").await;
        let serials: Vec<&str> = sample["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["serial"].as_str().unwrap())
            .collect();
        let seen = serials.iter().filter(|s| visible.contains(**s)).count();
        assert!(
            seen > 0 && seen < serials.len(),
            "the sample holds both kinds ({seen} of {})",
            serials.len()
        );
        for item in sample["items"].as_array().unwrap() {
            let serial = item["serial"].as_str().unwrap();
            let (status, _) = get_at(&base, &handler, &format!("/api/v1/requests/{serial}")).await;
            let expected = if visible.contains(serial) { 200 } else { 404 };
            assert_eq!(status, expected, "{serial}: list and detail disagree");
        }
    }
}
