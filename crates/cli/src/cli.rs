//! The command line: `serve`, `demo`, `migrate`, `calendar`, `verify-chain`, `bench` and `bench-sweep`.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use civicgrid::clock::{Clock, SystemClock};

/// The default database: a SQLite file beside where civicgrid is run.
pub const DEFAULT_DATABASE: &str = "sqlite:civicgrid-data/civicgrid.db";

#[derive(Parser)]
#[command(
    name = "civicgrid",
    version,
    about = "Citizen requests from every channel: intake, routing, deadlines, callback, insight."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API on a database (created on first run).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080", env = "CIVICGRID_LISTEN")]
        listen: String,
        #[arg(long, default_value = DEFAULT_DATABASE, env = "CIVICGRID_DATABASE")]
        database: String,
        /// Log as JSON lines.
        #[arg(long)]
        json_logs: bool,
        /// Seconds between deadline sweeps (the ladder: remind, urge, supervise, hold accountable).
        #[arg(long, default_value_t = 10, env = "CIVICGRID_SWEEP_SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
        sweep_seconds: u64,
    },
    /// Build the demo district with a year of history (once per database), then serve it.
    Demo {
        #[arg(long, default_value = "127.0.0.1:8080", env = "CIVICGRID_LISTEN")]
        listen: String,
        #[arg(
            long,
            default_value = "sqlite:civicgrid-data/demo.db",
            env = "CIVICGRID_DATABASE"
        )]
        database: String,
        /// How many historical requests to generate.
        #[arg(long, default_value_t = 110_000)]
        requests: usize,
        #[arg(long, default_value_t = 365)]
        seed: u64,
        /// Build the district and exit without serving.
        #[arg(long)]
        no_serve: bool,
        #[arg(long, default_value_t = 10, env = "CIVICGRID_SWEEP_SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
        sweep_seconds: u64,
    },
    /// Add official days (next year's holiday notice) to the district calendar.
    Calendar {
        /// A file of `YYYY-MM-DD off|work NAME` lines, e.g. `2027-10-01 off 国庆节`.
        file: std::path::PathBuf,
        #[arg(long, default_value = DEFAULT_DATABASE, env = "CIVICGRID_DATABASE")]
        database: String,
    },
    /// Create or upgrade the schema and exit.
    Migrate {
        #[arg(long, default_value = DEFAULT_DATABASE, env = "CIVICGRID_DATABASE")]
        database: String,
    },
    /// Recompute every request's event hash chain and report breaks (exit 1 if any).
    VerifyChain {
        #[arg(long, default_value = DEFAULT_DATABASE, env = "CIVICGRID_DATABASE")]
        database: String,
    },
    /// Measure durable intake and read latency against a fresh server over loopback HTTP.
    Bench(civicgrid_demo::bench::BenchArgs),
    /// Measure the deadline sweeper over a million open requests and a burst of due clocks.
    BenchSweep(civicgrid_demo::bench::SweepArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(error) => {
            eprintln!("cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

type AnyError = Box<dyn std::error::Error + Send + Sync>;

fn display(error: civicgrid::error::ApiError) -> AnyError {
    format!("{} ({})", error.message, error.code.code()).into()
}

async fn run(command: Command) -> Result<ExitCode, AnyError> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match command {
        Command::Serve {
            listen,
            database,
            json_logs,
            sweep_seconds,
        } => {
            civicgrid::telemetry::init_logs(json_logs);
            serve(&listen, &database, clock, sweep_seconds, None).await
        }
        Command::Calendar { file, database } => {
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let store = civicgrid_store::open(&database, clock.now()).await?;
            let state = civicgrid::state::AppState::new(store, clock)
                .await
                .map_err(display)?;
            let added = civicgrid::services::calendar::add_official_days(&state, &text, None)
                .await
                .map_err(display)?;
            println!(
                "Added {} official days; the calendar ({}) now covers until {}.",
                added.added,
                added.calendar,
                added.covered_until.unwrap_or_default()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            listen,
            database,
            requests,
            seed,
            no_serve,
            sweep_seconds,
        } => {
            civicgrid::telemetry::init_logs(false);
            let store = civicgrid_store::open(&database, clock.now()).await?;
            let started = std::time::Instant::now();
            println!("Building the demo district in {database} …");
            let bar = civicgrid_demo::history_bar(requests as u64);
            let built =
                civicgrid_demo::district::ensure_demo(&store, clock.now(), requests, seed, &|n| {
                    bar.set_position(n as u64)
                })
                .await
                .map_err(display)?;
            bar.finish_and_clear();
            if built {
                println!(
                    "Demo district built in {:.1} s.",
                    started.elapsed().as_secs_f64()
                );
            } else {
                println!("The demo district already exists in {database}.");
            }
            println!(
                "Demo staff accounts (password `{}`): operator, dispatcher, supervisor, leader, street1…street7, community01…community45, grid001…grid120, dept01…dept46, utility01…utility71.",
                civicgrid_demo::district::DEMO_PASSWORD
            );
            if no_serve {
                return Ok(ExitCode::SUCCESS);
            }
            drop(store);
            serve(&listen, &database, clock, sweep_seconds, Some(())).await
        }
        Command::Migrate { database } => {
            civicgrid::telemetry::init_logs(false);
            civicgrid_store::open(&database, clock.now()).await?;
            println!("{database}: schema is up to date.");
            Ok(ExitCode::SUCCESS)
        }
        Command::VerifyChain { database } => {
            let store = civicgrid_store::open(&database, clock.now()).await?;
            let check = store.verify_chains().await?;
            println!(
                "{} requests, {} events checked; {} broken.",
                check.requests,
                check.events,
                check.broken.len()
            );
            for serial in &check.broken {
                println!("broken: {serial}");
            }
            Ok(if check.broken.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Bench(args) => civicgrid_demo::bench::run(args).await,
        Command::BenchSweep(args) => civicgrid_demo::bench::sweep(args).await,
    }
}

async fn serve(
    listen: &str,
    database: &str,
    clock: Arc<dyn Clock>,
    sweep_seconds: u64,
    demo: Option<()>,
) -> Result<ExitCode, AnyError> {
    let store = civicgrid_store::open(database, clock.now()).await?;
    let (router, state) = civicgrid::app::build(store, clock).await.map_err(display)?;
    let password = std::env::var("CIVICGRID_ADMIN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    if let Some(generated) = civicgrid::app::ensure_admin(&state, password)
        .await
        .map_err(display)?
    {
        println!("Created the administrator `admin` with the generated password: {generated}");
        println!("(set CIVICGRID_ADMIN_PASSWORD before the first start to choose it)");
    }
    // The first sweep runs at once: steps that fell due while the server was down catch up.
    civicgrid::sweeper::spawn(state.clone(), std::time::Duration::from_secs(sweep_seconds));
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let address = listener.local_addr()?;
    println!("civicgrid is serving {database} at http://{address}/");
    println!(
        "  Public portal: http://{address}/  ·  staff sign-in: http://{address}/login  ·  tracking: http://{address}/track"
    );
    println!(
        "  API: http://{address}/api/v1  ·  OpenAPI: http://{address}/api/openapi.json  ·  health: http://{address}/healthz"
    );
    if demo.is_some() {
        println!(
            "  Demo accounts (password `{}`): operator, dispatcher, dept01 … dept46, supervisor, leader (see the README)",
            civicgrid_demo::district::DEMO_PASSWORD
        );
    }
    tracing::info!(%address, "listening");
    civicgrid::app::serve(listener, router).await?;
    Ok(ExitCode::SUCCESS)
}
