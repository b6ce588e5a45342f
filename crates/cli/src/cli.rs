//! The command line: `serve`, `demo`, `migrate`, `calendar`, `import grids`,
//! `export grids`, `verify-chain`, `config`, `bench`, `bench-sweep` and `bench-places`. Settings come from one `Config` (defaults < file <
//! environment < flags); the flags that override it are declared once, in `Settings`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use civicgrid::clock::{Clock, SystemClock};
use civicgrid::config::{Config, Layer};

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

/// The settings a command line may override (see `civicgrid config` and
/// docs/OPERATIONS.md); each also comes from the file and the environment.
#[derive(Args, Clone, Default)]
struct Settings {
    /// A TOML file of settings (also `CIVICGRID_CONFIG`).
    #[arg(long)]
    config: Option<PathBuf>,
    /// `sqlite:PATH` or `postgres://user:password@host/db` (`CIVICGRID_DATABASE`).
    #[arg(long)]
    database: Option<String>,
    /// Address and port to serve on (`CIVICGRID_LISTEN`).
    #[arg(long)]
    listen: Option<String>,
    /// Seconds between deadline sweeps, 1–3600 (`CIVICGRID_SWEEP_SECONDS`).
    #[arg(long)]
    sweep_seconds: Option<u64>,
    /// Log as JSON lines (`CIVICGRID_JSON_LOGS`).
    #[arg(long)]
    json_logs: bool,
    /// The district's UTC offset, e.g. +08:00 (`CIVICGRID_TIME_ZONE`).
    #[arg(long)]
    time_zone: Option<String>,
    /// How long a sign-in lasts, in hours (`CIVICGRID_SESSION_HOURS`).
    #[arg(long)]
    session_hours: Option<i64>,
}

impl Settings {
    fn layer(&self) -> Layer {
        Layer {
            listen: self.listen.clone(),
            database: self.database.clone(),
            sweep_seconds: self.sweep_seconds,
            json_logs: self.json_logs.then_some(true),
            time_zone: self.time_zone.clone(),
            session_hours: self.session_hours,
            admin_password: None,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the pages on a database (created on first run).
    Serve(Settings),
    /// Build the demo district with a year of history (once per database), then serve it.
    /// Its database defaults to `sqlite:civicgrid-data/demo.db`.
    Demo {
        /// How many historical requests to generate.
        #[arg(long, default_value_t = 110_000)]
        requests: usize,
        #[arg(long, default_value_t = 365)]
        seed: u64,
        /// Build the district and exit without serving.
        #[arg(long)]
        no_serve: bool,
        #[command(flatten)]
        settings: Settings,
    },
    /// Add official days (next year's holiday notice) to the district calendar.
    Calendar {
        /// A file of `YYYY-MM-DD off|work NAME` lines, e.g. `2027-10-01 off 国庆节`.
        file: PathBuf,
        #[command(flatten)]
        settings: Settings,
    },
    /// Import data into the database `serve` uses.
    #[command(subcommand)]
    Import(Import),
    /// Export data from the database `serve` uses.
    #[command(subcommand)]
    Export(Export),
    /// Create or upgrade the schema and exit.
    Migrate(Settings),
    /// Recompute every request's event hash chain and report breaks (exit 1 if any).
    VerifyChain(Settings),
    /// Print the effective configuration (secrets redacted) and exit.
    Config(Settings),
    /// Measure durable intake and read latency against a fresh server over loopback HTTP.
    Bench(civicgrid_demo::bench::BenchArgs),
    /// Measure the deadline sweeper over a million open requests and a burst of due clocks.
    BenchSweep(civicgrid_demo::bench::SweepArgs),
    /// Measure a grid layers' import and point-in-grid lookups (e.g. on real layers).
    BenchPlaces(civicgrid_demo::places::BenchArgs),
}

#[derive(Subcommand)]
enum Import {
    /// A layer of polygons (streets, communities, grids, subgrids) from a GeoJSON
    /// FeatureCollection in WGS84: each feature is checked (place code of the layer's
    /// level, under an existing parent, no duplicate, valid geometry, no overlap within the
    /// layer above the tolerance), refused features are reported with the reason, and the
    /// rest are written in one transaction. New codes become new units under their parent;
    /// known codes get the new boundary (requests already placed keep their unit).
    Grids(ImportGrids),
    /// The address gazetteer from a CSV file (header `kind,name,parent,house_from,house_to,
    /// lat,lng`; kinds road, compound, building, landmark; `parent`: a building's compound).
    /// The file replaces the gazetteer; a bad row writes nothing and is named.
    Places {
        file: PathBuf,
        #[command(flatten)]
        settings: Settings,
    },
}

#[derive(Args)]
struct ImportGrids {
    /// The GeoJSON file.
    file: PathBuf,
    /// The layer's code, e.g. `grids`, `exclusive_grids` (created if new).
    #[arg(long)]
    layer: String,
    /// The property holding each feature's place code.
    #[arg(long)]
    code_field: String,
    /// The property holding each feature's name.
    #[arg(long)]
    name_field: String,
    /// A property holding the parent's code, checked against the code's own prefix.
    #[arg(long)]
    parent_field: Option<String>,
    /// A new layer's display name (default: its code).
    #[arg(long)]
    layer_name: Option<String>,
    /// A new layer's kind of unit: street, community, grid or subgrid (default: from the
    /// codes' length).
    #[arg(long)]
    kind: Option<String>,
    /// An exclusive layer (enterprises, campuses, markets) that lies over the others.
    #[arg(long)]
    exclusive: bool,
    /// The largest share of the smaller polygon two polygons of the layer may overlap by.
    #[arg(long, default_value_t = 0.01)]
    tolerance: f64,
    /// Check and report; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Write nothing if any feature is refused.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Subcommand)]
enum Export {
    /// A layer's polygons as a GeoJSON FeatureCollection (WGS84) with codes and names.
    Grids {
        #[arg(long)]
        layer: String,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        settings: Settings,
    },
}

pub fn main() -> ExitCode {
    let parsed = Cli::parse();
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
    match runtime.block_on(run(parsed.command)) {
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

/// The configuration for a command: `defaults` (the demo keeps its own database), then the
/// file, the environment and the command's flags.
fn configure(defaults: Layer, settings: &Settings) -> Result<Config, AnyError> {
    Ok(Config::from_process(
        defaults,
        settings.config.as_deref(),
        settings.layer(),
    )?)
}

async fn open(
    config: &Config,
    clock: &dyn Clock,
) -> Result<Arc<dyn civicgrid_store::Store>, AnyError> {
    Ok(civicgrid_store::open(config.database.expose(), clock.now(), config.time_zone).await?)
}

async fn run(command: Command) -> Result<ExitCode, AnyError> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let config = match &command {
        Command::Serve(settings)
        | Command::Migrate(settings)
        | Command::VerifyChain(settings)
        | Command::Config(settings)
        | Command::Calendar { settings, .. }
        | Command::Import(Import::Grids(ImportGrids { settings, .. }))
        | Command::Import(Import::Places { settings, .. })
        | Command::Export(Export::Grids { settings, .. }) => configure(Layer::default(), settings)?,
        Command::Demo { settings, .. } => configure(
            Layer {
                database: Some("sqlite:civicgrid-data/demo.db".into()),
                ..Layer::default()
            },
            settings,
        )?,
        Command::Bench(_) | Command::BenchSweep(_) | Command::BenchPlaces(_) => {
            configure(Layer::default(), &Settings::default())?
        }
    };
    match command {
        Command::Serve(_) => {
            civicgrid::telemetry::init_logs(config.json_logs);
            serve(&config, clock, false).await
        }
        Command::Config(_) => {
            print!("{}", config.describe());
            Ok(ExitCode::SUCCESS)
        }
        Command::Calendar { file, .. } => {
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let store = open(&config, clock.as_ref()).await?;
            let state = civicgrid::state::AppState::new(store, clock, config.app())
                .await
                .map_err(display)?;
            let days = civicgrid::wire::calendar::official_days_in(&text)
                .map_err(|e| format!("{}: {}", file.display(), display(e)))?;
            let added = civicgrid::services::calendar::add_official_days(&state, days, None)
                .await
                .map_err(display)?;
            println!(
                "Added {} official days; the calendar ({}) now covers until {}.",
                added.added,
                added.calendar,
                added
                    .covered_until
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            requests,
            seed,
            no_serve,
            ..
        } => {
            civicgrid::telemetry::init_logs(config.json_logs);
            let store = open(&config, clock.as_ref()).await?;
            let started = std::time::Instant::now();
            let database = &config.database;
            println!("Building the demo district in {database} …");
            let bar = civicgrid_demo::history_bar(requests as u64);
            let built = civicgrid_demo::ensure_demo(&store, clock.now(), requests, seed, &|n| {
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
                civicgrid_demo::DEMO_PASSWORD
            );
            if no_serve {
                return Ok(ExitCode::SUCCESS);
            }
            drop(store);
            serve(&config, clock, true).await
        }
        Command::Migrate(_) => {
            civicgrid::telemetry::init_logs(false);
            open(&config, clock.as_ref()).await?;
            println!("{}: schema is up to date.", config.database);
            Ok(ExitCode::SUCCESS)
        }
        Command::VerifyChain(_) => {
            let store = open(&config, clock.as_ref()).await?;
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
        Command::Import(Import::Grids(args)) => import_grids(&config, clock, args).await,
        Command::Import(Import::Places { file, .. }) => {
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let store = open(&config, clock.as_ref()).await?;
            match civicgrid::services::places::import_gazetteer(store.as_ref(), &text, clock.now())
                .await
            {
                Ok(count) => {
                    println!(
                        "{}: the gazetteer now holds {} entries ({} outside every grid).",
                        file.display(),
                        count.entries,
                        count.unplaced
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    println!("{}: nothing written.", file.display());
                    for (field, message) in &error.fields {
                        println!("  {field}: {message}");
                    }
                    Err(display(error))
                }
            }
        }
        Command::Export(Export::Grids { layer, output, .. }) => {
            let store = open(&config, clock.as_ref()).await?;
            let state = civicgrid::state::AppState::new(store, clock, config.app())
                .await
                .map_err(display)?;
            let reference = state.reference();
            let polygons =
                civicgrid::services::places::layer(&reference, layer.trim()).map_err(display)?;
            let text = civicgrid::wire::places::collection(&reference.org, &polygons).to_string();
            match output {
                Some(path) => {
                    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?
                }
                None => println!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::BenchPlaces(args) => civicgrid_demo::places::bench(args).await,
        Command::Bench(args) => civicgrid_demo::bench::run(args).await,
        Command::BenchSweep(args) => civicgrid_demo::bench::sweep(args).await,
    }
}

async fn import_grids(
    config: &Config,
    clock: Arc<dyn Clock>,
    args: ImportGrids,
) -> Result<ExitCode, AnyError> {
    use civicgrid::services::places::{ImportOptions, Stage, import_layer};
    let text =
        std::fs::read_to_string(&args.file).map_err(|e| format!("{}: {e}", args.file.display()))?;
    let kind = args
        .kind
        .as_deref()
        .map(|k| {
            civicgrid_domain::org::UnitKind::parse(k.trim()).ok_or_else(|| {
                format!("--kind must be street, community, grid or subgrid, not `{k}`")
            })
        })
        .transpose()?;
    let options = ImportOptions {
        layer: args.layer,
        layer_name: args.layer_name,
        kind,
        exclusive: args.exclusive,
        fields: civicgrid::geojson::Fields {
            code: args.code_field,
            name: args.name_field,
            parent: args.parent_field,
        },
        tolerance: args.tolerance,
        dry_run: args.dry_run,
        strict: args.strict,
    };
    let store = open(config, clock.as_ref()).await?;
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("  {msg:10} {bar:40} {pos}/{len} · ETA {eta}")
    {
        bar.set_style(style);
    }
    let started = std::time::Instant::now();
    let report = import_layer(
        store.as_ref(),
        &text,
        &options,
        clock.now(),
        &|stage, n, of| {
            bar.set_message(match stage {
                Stage::Checking => "checking",
                Stage::Writing => "writing",
            });
            bar.set_length(of as u64);
            bar.set_position(n as u64);
        },
    )
    .await
    .map_err(display)?;
    bar.finish_and_clear();
    println!(
        "{}: {} features, {} accepted, {} refused ({:.1} s).",
        args.file.display(),
        report.features,
        report.accepted,
        report.rejected.len(),
        started.elapsed().as_secs_f64()
    );
    for (reason, n) in report.by_reason() {
        println!("  refused, {reason}: {n}");
    }
    for (index, code, why) in &report.rejected {
        println!(
            "  feature {:>5}  {code:<18}  {}: {why}",
            index + 1,
            why.reason()
        );
    }
    if report.held_back {
        println!(
            "Nothing written ({}).",
            if options.dry_run {
                "dry run"
            } else {
                "--strict and features were refused"
            }
        );
        return Ok(if options.dry_run {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    println!(
        "Layer {} ({}, {}): {} units created, {} boundaries moved, {} unchanged.",
        report.layer.code,
        report.layer.name,
        report.layer.kind,
        report.written.created,
        report.written.moved,
        report.written.unchanged
    );
    Ok(ExitCode::SUCCESS)
}

async fn serve(config: &Config, clock: Arc<dyn Clock>, demo: bool) -> Result<ExitCode, AnyError> {
    let store = open(config, clock.as_ref()).await?;
    let (router, state) = civicgrid::app::build_with(store, clock, config.app())
        .await
        .map_err(display)?;
    let password = config
        .admin_password
        .as_ref()
        .map(|p| p.expose().to_owned());
    if let Some(generated) = civicgrid::app::ensure_admin(&state, password)
        .await
        .map_err(display)?
    {
        println!("Created the administrator `admin` with the generated password: {generated}");
        println!("(set CIVICGRID_ADMIN_PASSWORD before the first start to choose it)");
    }
    if demo {
        // The demo's administrative year, as the administrator just created.
        civicgrid_demo::ensure_admin_trail(&state.store, state.now())
            .await
            .map_err(display)?;
    }
    // The first sweep runs at once: steps that fell due while the server was down catch up.
    civicgrid::sweeper::spawn(
        state.clone(),
        std::time::Duration::from_secs(config.sweep_seconds),
    );
    let listener = tokio::net::TcpListener::bind(&config.listen).await?;
    let address = listener.local_addr()?;
    println!(
        "civicgrid is serving {} at http://{address}/",
        config.database
    );
    println!(
        "  Public portal: http://{address}/  ·  staff sign-in: http://{address}/login  ·  tracking: http://{address}/track"
    );
    println!(
        "  API: http://{address}/api/v1  ·  OpenAPI: http://{address}/api/openapi.json  ·  health: http://{address}/healthz"
    );
    if demo {
        println!(
            "  Demo accounts (password `{}`): operator, dispatcher, dept01 … dept46, supervisor, leader (see the README)",
            civicgrid_demo::DEMO_PASSWORD
        );
    }
    tracing::info!(%address, "listening");
    civicgrid::app::serve(listener, router).await?;
    Ok(ExitCode::SUCCESS)
}
