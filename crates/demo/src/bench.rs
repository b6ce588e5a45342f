//! `civicgrid bench`: starts a fresh server over loopback HTTP on the chosen backend, fills
//! it with a year-shaped history, then measures in one run (1) sustained durable intake by
//! concurrent clients, (2) list and detail latency, and (3) the ceiling: a bare one-row
//! insert behind the same kind of shared commit, over HTTP, on the same database. The
//! ratio of (1) to (3) is what the code adds on top of the database.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant as StdInstant};

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use civicgrid::clock::{Clock, SystemClock};
use clap::Args;
use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Database to fill (must be new); default: a fresh SQLite file in the temp folder.
    #[arg(long)]
    pub database: Option<String>,
    /// Historical requests to store before measuring.
    #[arg(long, default_value_t = 1_000_000)]
    pub seed_requests: usize,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// Seconds per write phase.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Reads per read phase.
    #[arg(long, default_value_t = 500)]
    pub reads: usize,
}

type AnyError = Box<dyn std::error::Error + Send + Sync>;

struct Phase {
    count: usize,
    errors: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Phase {
    fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        if sorted.is_empty() {
            return 0.0;
        }
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted[index].as_secs_f64() * 1000.0
    }

    fn rate(&self) -> f64 {
        self.count as f64 / self.elapsed.as_secs_f64()
    }
}

/// Runs `clients` loops posting `body` to `url` for `seconds`.
async fn hammer(
    client: &reqwest::Client,
    url: String,
    token: Option<String>,
    body: serde_json::Value,
    clients: usize,
    seconds: u64,
) -> Phase {
    let deadline = StdInstant::now() + Duration::from_secs(seconds);
    let started = StdInstant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let client = client.clone();
        let url = url.clone();
        let token = token.clone();
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            while StdInstant::now() < deadline {
                let t = StdInstant::now();
                let mut request = client.post(&url).json(&body);
                if let Some(token) = &token {
                    request = request.bearer_auth(token);
                }
                match request.send().await {
                    Ok(r) if r.status().is_success() => latencies.push(t.elapsed()),
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let mut phase = Phase {
        count: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for task in tasks {
        if let Ok((latencies, errors)) = task.await {
            phase.count += latencies.len();
            phase.errors += errors;
            phase.latencies.extend(latencies);
        }
    }
    phase.elapsed = started.elapsed();
    phase
}

async fn reads(client: &reqwest::Client, urls: Vec<String>, token: &str) -> Phase {
    let started = StdInstant::now();
    let mut phase = Phase {
        count: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for url in urls {
        let t = StdInstant::now();
        match client.get(&url).bearer_auth(token).send().await {
            Ok(r) if r.status().is_success() => {
                let _ = r.bytes().await;
                phase.latencies.push(t.elapsed());
                phase.count += 1;
            }
            _ => phase.errors += 1,
        }
    }
    phase.elapsed = started.elapsed();
    phase
}

/// The ceiling: one-row inserts from HTTP requests, committed together by one writer.
async fn bare_server(pool: AnyPool) -> Result<(String, tokio::task::JoinHandle<()>), AnyError> {
    sqlx::query("CREATE TABLE IF NOT EXISTS bench_bare (id BIGINT NOT NULL, body TEXT NOT NULL)")
        .execute(&pool)
        .await?;
    let (sender, mut receiver) = mpsc::channel::<(String, oneshot::Sender<bool>)>(4096);
    tokio::spawn(async move {
        let mut next_id: i64 = 0;
        while let Some(first) = receiver.recv().await {
            let mut batch = vec![first];
            while batch.len() < 512 {
                match receiver.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            let mut ok = true;
            match pool.begin().await {
                Ok(mut tx) => {
                    for (body, _) in &batch {
                        next_id += 1;
                        ok &= sqlx::query("INSERT INTO bench_bare (id, body) VALUES ($1, $2)")
                            .bind(next_id)
                            .bind(body.clone())
                            .execute(&mut *tx)
                            .await
                            .is_ok();
                    }
                    ok &= tx.commit().await.is_ok();
                }
                Err(_) => ok = false,
            }
            for (_, reply) in batch {
                let _ = reply.send(ok);
            }
        }
    });
    async fn insert(
        State(sender): State<mpsc::Sender<(String, oneshot::Sender<bool>)>>,
        body: String,
    ) -> axum::http::StatusCode {
        let (tx, rx) = oneshot::channel();
        if sender.send((body, tx)).await.is_err() {
            return axum::http::StatusCode::SERVICE_UNAVAILABLE;
        }
        match rx.await {
            Ok(true) => axum::http::StatusCode::CREATED,
            _ => axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    let router = Router::new()
        .route("/bare", post(insert))
        .with_state(sender);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/bare", listener.local_addr()?);
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok((url, handle))
}

pub async fn run(args: BenchArgs) -> Result<ExitCode, AnyError> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let database = args.database.clone().unwrap_or_else(|| {
        let path = std::env::temp_dir().join(format!("civicgrid-bench-{}.db", std::process::id()));
        format!("sqlite:{}", path.display())
    });
    println!(
        "civicgrid bench: database {database}, {} clients, {} s per write phase",
        args.clients, args.seconds
    );
    let store = civicgrid_store::open(
        &database,
        clock.now(),
        civicgrid_domain::calendar::china_standard_time(),
    )
    .await?;
    let seeded = StdInstant::now();
    let bar = crate::history_bar(args.seed_requests as u64);
    crate::seed::ensure_demo(&store, clock.now(), args.seed_requests, 7, &|n| {
        bar.set_position(n as u64)
    })
    .await
    .map_err(|e| e.message)?;
    bar.finish_and_clear();
    let stored = store.count_requests().await?;
    println!(
        "seeded {stored} requests in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );

    let (router, _state) = civicgrid::app::build(store.clone(), clock.clone())
        .await
        .map_err(|e| e.message)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients * 2)
        .build()?;
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "operator", "password": crate::district::DEMO_PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().ok_or("login failed")?.to_owned();

    let body = serde_json::json!({
        "channel": "hotline", "kind": "complaint", "category": "urban.streetlight",
        "content": "八一路12号路灯连续多天不亮，晚上出行很不安全，希望尽快维修。",
        "address": "八一路12号", "location": {"lat": 38.915, "lng": 121.62},
        "caller": {"name": "王建国", "phone": "13800138000"}
    });
    let intake = hammer(
        &client,
        format!("{base}/api/v1/requests"),
        Some(token.clone()),
        body,
        args.clients,
        args.seconds,
    )
    .await;

    let (bare_url, _bare) = match store.backend() {
        civicgrid_store::Backend::Sqlite => {
            let path = std::env::temp_dir()
                .join(format!("civicgrid-bench-bare-{}.db", std::process::id()));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            let pool = sqlx::any::AnyPoolOptions::new()
                .max_connections(1)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        sqlx::query("PRAGMA journal_mode = WAL")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA synchronous = FULL")
                            .execute(&mut *conn)
                            .await?;
                        Ok(())
                    })
                })
                .connect(&url)
                .await?;
            bare_server(pool).await?
        }
        civicgrid_store::Backend::Postgres => {
            let pool = sqlx::any::AnyPoolOptions::new()
                .max_connections(4)
                .connect(&database)
                .await?;
            bare_server(pool).await?
        }
    };
    let bare = hammer(
        &client,
        bare_url,
        None,
        serde_json::json!("一行"),
        args.clients,
        args.seconds,
    )
    .await;

    let serials: Vec<String> = {
        let page: serde_json::Value = client
            .get(format!("{base}/api/v1/requests?page_size=200"))
            .bearer_auth(&token)
            .send()
            .await?
            .json()
            .await?;
        page["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| i["serial"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let detail_urls: Vec<String> = (0..args.reads)
        .filter_map(|i| serials.get(i % serials.len().max(1)))
        .map(|s| format!("{base}/api/v1/requests/{s}"))
        .collect();
    let detail = reads(&client, detail_urls, &token).await;
    let list_urls: Vec<String> = (0..args.reads)
        .map(|i| format!("{base}/api/v1/requests?page={}&page_size=20", i % 50 + 1))
        .collect();
    let list = reads(&client, list_urls, &token).await;
    let filtered_urls: Vec<String> = (0..args.reads)
        .map(|i| {
            format!(
                "{base}/api/v1/requests?state=closed&page={}&page_size=20",
                i % 50 + 1
            )
        })
        .collect();
    let filtered = reads(&client, filtered_urls, &token).await;

    let backend = store.backend().name();
    println!();
    println!(
        "| measure ({backend}, {stored} requests stored, {} clients) | result | p50 ms | p99 ms | errors |",
        args.clients
    );
    println!("|---|---|---|---|---|");
    println!(
        "| durable intake `POST /api/v1/requests` | {:.0} req/s | {:.2} | {:.2} | {} |",
        intake.rate(),
        intake.percentile(0.5),
        intake.percentile(0.99),
        intake.errors
    );
    println!(
        "| bare one-row shared-commit insert over HTTP | {:.0} req/s | {:.2} | {:.2} | {} |",
        bare.rate(),
        bare.percentile(0.5),
        bare.percentile(0.99),
        bare.errors
    );
    println!(
        "| intake ÷ bare ceiling | {:.2} | | | |",
        intake.rate() / bare.rate().max(1.0)
    );
    println!(
        "| detail `GET /api/v1/requests/{{serial}}` (sequential) | {:.0} req/s | {:.2} | {:.2} | {} |",
        detail.rate(),
        detail.percentile(0.5),
        detail.percentile(0.99),
        detail.errors
    );
    println!(
        "| list page `GET /api/v1/requests?page=N` | {:.0} req/s | {:.2} | {:.2} | {} |",
        list.rate(),
        list.percentile(0.5),
        list.percentile(0.99),
        list.errors
    );
    println!(
        "| filtered list `?state=closed&page=N` | {:.0} req/s | {:.2} | {:.2} | {} |",
        filtered.rate(),
        filtered.percentile(0.5),
        filtered.percentile(0.99),
        filtered.errors
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug, Clone)]
pub struct SweepArgs {
    /// Database to fill (must be new); default: a fresh SQLite file in the temp folder.
    #[arg(long)]
    pub database: Option<String>,
    /// Open (dispatched) requests to store, each with running accept, respond and resolve
    /// clocks.
    #[arg(long, default_value_t = 1_000_000)]
    pub open: usize,
    /// How many of them have an accept clock already overdue at the burst.
    #[arg(long, default_value_t = 10_000)]
    pub due: usize,
    /// Sweeps over nothing due to time.
    #[arg(long, default_value_t = 20)]
    pub idle_sweeps: usize,
}

/// `civicgrid bench-sweep`: the deadline sweeper at scale. Stores `open` dispatched requests
/// with three running clocks each, then times (1) sweeps when nothing is due and (2) one
/// sweep over a burst of `due` overdue accept clocks (each taking remind, urge and
/// supervise: three events, two notices and a pool entry per request).
pub async fn sweep(args: SweepArgs) -> Result<ExitCode, AnyError> {
    use civicgrid_domain::calendar::Calendar;
    use civicgrid_domain::clocks::{Clock, Effects};
    use civicgrid_domain::deadline::{Limit, Stage, TimeUnit};
    use civicgrid_domain::lifecycle::{self, Basis, Command, Ctx};
    use civicgrid_domain::org::{Actor, Grant, Role, UnitKind};
    use civicgrid_domain::request::{Channel, Kind, Urgency};
    use civicgrid_store::{HistoricCase, NewCase, NewUnit, NewUser};

    let now = SystemClock.now();
    let database = args.database.clone().unwrap_or_else(|| {
        let path = std::env::temp_dir().join(format!("civicgrid-sweep-{}.db", std::process::id()));
        format!("sqlite:{}", path.display())
    });
    println!(
        "civicgrid bench-sweep: database {database}, {} open requests, {} due at the burst",
        args.open, args.due
    );
    let store = civicgrid_store::open(
        &database,
        now,
        civicgrid_domain::calendar::china_standard_time(),
    )
    .await?;
    let unit = |name: &str, kind, parent| NewUnit {
        name: name.into(),
        kind,
        parent,
        lines: vec![],
        geometry: None,
        code: None,
    };
    let hub = store
        .create_unit(unit("中心", UnitKind::Hub, None), now)
        .await?
        .id;
    let dept = store
        .create_unit(unit("城管局", UnitKind::Department, Some(hub)), now)
        .await?
        .id;
    store
        .create_user(
            NewUser {
                username: "supervisor".into(),
                display_name: "督办员".into(),
                password_hash: civicgrid::auth::hash_password(crate::district::DEMO_PASSWORD)
                    .map_err(|e| e.message)?,
                unit: hub,
                grants: vec![Grant {
                    role: Role::Supervisor,
                    unit: hub,
                    lines: vec![],
                }],
            },
            now,
        )
        .await?;
    let policy = store
        .list_policies()
        .await?
        .into_iter()
        .next()
        .ok_or("no default policy")?;
    let calendar = Calendar::official();
    let calendars = civicgrid_domain::calendar::Calendars::new(calendar.clone());
    let org = civicgrid_domain::org::OrgTree::new([
        civicgrid_domain::org::Unit {
            id: hub,
            name: "中心".into(),
            kind: UnitKind::Hub,
            parent: None,
            lines: vec![],
            disabled: false,
        },
        civicgrid_domain::org::Unit {
            id: dept,
            name: "城管局".into(),
            kind: UnitKind::Department,
            parent: Some(hub),
            lines: vec![],
            disabled: false,
        },
    ]);
    let seeded = StdInstant::now();
    let bar = crate::history_bar(args.open as u64);
    let first_day = (now - chrono::Duration::days(10)).date_naive();
    let mut batch = Vec::with_capacity(5000);
    for i in 0..args.open {
        // Overdue ones started a day ago on a one-hour limit; the rest start now.
        let overdue = i < args.due;
        let start = if overdue {
            now - chrono::Duration::days(1)
        } else {
            now
        };
        let (case, received) = lifecycle::receive(Kind::Complaint, Actor::SYSTEM, start, vec![]);
        let ctx = Ctx {
            org: &org,
            calendars: &calendars,
            rules: &Default::default(),
            actor: Actor::SYSTEM,
            now: start,
        };
        let dispatched = lifecycle::decide(
            &case,
            &Command::Dispatch {
                unit: dept,
                assisting: vec![],
                basis: Basis::Statute,
                complex: false,
                important: false,
            },
            &ctx,
        )
        .map_err(|e| e.to_string())?;
        let accept_limit = if overdue {
            Limit {
                amount: 60,
                unit: TimeUnit::Minutes,
            }
        } else {
            policy.limit(Stage::Accept).ok_or("no accept limit")?
        };
        let mut clocks = vec![Clock::start(
            Stage::Accept,
            Some(dept),
            &policy,
            accept_limit,
            &calendar,
            start,
            false,
        )];
        for stage in [Stage::Respond, Stage::Resolve] {
            let limit = policy.limit(stage).ok_or("no limit")?;
            clocks.push(Clock::start(
                stage,
                Some(dept),
                &policy,
                limit,
                &calendar,
                now,
                false,
            ));
        }
        let local_date = first_day + chrono::Duration::days((i / 500_000) as i64);
        let new = NewCase {
            channel: Channel::Hotline,
            kind: Kind::Complaint,
            urgency: Urgency::Normal,
            category: None,
            line: None,
            content: "八一路12号路灯连续多天不亮，晚上出行很不安全。".into(),
            address: None,
            location: None,
            caller_name: None,
            caller_phone: None,
            caller_confidential: false,
            area: None,
            intake_unit: Some(hub),
            created_by: None,
            verify_code: "000000".into(),
            raw_intake: String::new(),
            local_date,
            now: start,
            case: dispatched.case.clone(),
            events: Vec::new(),
            effects: Effects::default(),
        };
        batch.push(HistoricCase {
            new,
            serial: civicgrid_domain::serial::format(local_date, (i % 500_000) as u32 + 1),
            case: dispatched.case,
            events: std::iter::once(received).chain(dispatched.events).collect(),
            effects: Effects {
                clocks,
                ..Effects::default()
            },
            updated_at: start,
            intake_of: None,
        });
        if batch.len() == 5000 {
            store.import_history(std::mem::take(&mut batch)).await?;
            bar.set_position(i as u64 + 1);
        }
    }
    if !batch.is_empty() {
        store.import_history(batch).await?;
    }
    store.optimize().await?;
    bar.finish_and_clear();
    println!(
        "seeded {} open requests with {} clocks in {:.1} s",
        args.open,
        args.open * 3,
        seeded.elapsed().as_secs_f64()
    );

    let clock = Arc::new(civicgrid::clock::ManualClock::new(
        now - chrono::Duration::days(2),
    ));
    let state = civicgrid::state::AppState::new(
        store.clone(),
        clock.clone(),
        civicgrid::config::AppSettings::default(),
    )
    .await
    .map_err(|e| e.message)?;
    let mut idle = Vec::with_capacity(args.idle_sweeps);
    for _ in 0..args.idle_sweeps {
        let started = StdInstant::now();
        let report = civicgrid::sweeper::sweep_once(&state)
            .await
            .map_err(|e| e.message)?;
        idle.push(started.elapsed());
        if report.events != 0 {
            return Err("an idle sweep found due work".into());
        }
    }
    idle.sort();
    clock.set(now);
    let due = store.count_due(now).await?;
    let started = StdInstant::now();
    let burst = civicgrid::sweeper::sweep_once(&state)
        .await
        .map_err(|e| e.message)?;
    let burst_time = started.elapsed();
    let started = StdInstant::now();
    let after = civicgrid::sweeper::sweep_once(&state)
        .await
        .map_err(|e| e.message)?;
    let after_time = started.elapsed();
    let backend = store.backend().name();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!();
    println!(
        "| measure ({backend}, {} open requests, {} clocks) | result |",
        args.open,
        args.open * 3
    );
    println!("|---|---|");
    println!(
        "| sweep with nothing due ({} sweeps) | p50 {:.2} ms, max {:.2} ms |",
        idle.len(),
        idle.get(idle.len() / 2).map_or(0.0, |d| ms(*d)),
        idle.last().map_or(0.0, |d| ms(*d))
    );
    println!(
        "| burst: {due} due clocks → {} requests, {} ladder events | {:.2} s ({:.0} clocks/s) |",
        burst.requests,
        burst.events,
        burst_time.as_secs_f64(),
        due as f64 / burst_time.as_secs_f64().max(1e-9)
    );
    println!(
        "| sweep right after the burst ({} events) | {:.2} ms |",
        after.events,
        ms(after_time)
    );
    Ok(ExitCode::SUCCESS)
}
