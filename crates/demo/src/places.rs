//! `civicgrid bench-places`: imports a district's grid layers (the Suzhou Industrial Park
//! files in ../shared/data/grids-suzhou-sip, read where they lie, never copied) into a fresh
//! database and times each import, then times point-in-grid lookups through the place
//! index against a linear scan of every polygon, on the same random points.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant as Timer;

use civicgrid::clock::{Clock, SystemClock};
use civicgrid::geojson::{Fields, parse_geometry};
use civicgrid::services::places::{ImportOptions, import_layer};
use civicgrid::state::place_index;
use civicgrid_domain::org::UnitKind;
use civicgrid_store::NewUnit;
use clap::Args;
use geo::Contains;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

type AnyError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// The folder of the SIP layers (`sip_streets.geojson`, `sip_communities.geojson`,
    /// `sip_grids_comprehensive.geojson`, `sip_grids_exclusive.geojson`).
    #[arg(long)]
    pub dir: PathBuf,
    /// Database to import into (must be new); default: a fresh SQLite file in the temp
    /// folder.
    #[arg(long)]
    pub database: Option<String>,
    /// Random points to look up.
    #[arg(long, default_value_t = 1_000_000)]
    pub lookups: usize,
}

/// One SIP file and how to import it.
pub struct SipLayer {
    pub file: &'static str,
    pub layer: &'static str,
    pub name: &'static str,
    pub kind: UnitKind,
    pub exclusive: bool,
    pub code_field: &'static str,
    pub name_field: &'static str,
    pub parent_field: Option<&'static str>,
}

/// The four SIP layers, parents first.
pub const SIP_LAYERS: &[SipLayer] = &[
    SipLayer {
        file: "sip_streets.geojson",
        layer: "streets",
        name: "街道",
        kind: UnitKind::Street,
        exclusive: false,
        code_field: "street_code",
        name_field: "street_name",
        parent_field: None,
    },
    SipLayer {
        file: "sip_communities.geojson",
        layer: "communities",
        name: "社区",
        kind: UnitKind::Community,
        exclusive: false,
        code_field: "community_code",
        name_field: "community_name",
        parent_field: Some("street_code"),
    },
    SipLayer {
        file: "sip_grids_comprehensive.geojson",
        layer: "grids",
        name: "综合网格",
        kind: UnitKind::Grid,
        exclusive: false,
        code_field: "grid_code",
        name_field: "grid_full_name",
        parent_field: Some("community_code"),
    },
    SipLayer {
        file: "sip_grids_exclusive.geojson",
        layer: "exclusive_grids",
        name: "专属网格",
        kind: UnitKind::Grid,
        exclusive: true,
        code_field: "grid_code",
        name_field: "grid_full_name",
        parent_field: Some("community_code"),
    },
];

/// How one SIP file is imported.
pub fn sip_options(layer: &SipLayer) -> ImportOptions {
    ImportOptions {
        layer: layer.layer.into(),
        layer_name: Some(layer.name.into()),
        kind: Some(layer.kind),
        exclusive: layer.exclusive,
        fields: Fields {
            code: layer.code_field.into(),
            name: layer.name_field.into(),
            parent: layer.parent_field.map(str::to_owned),
        },
        tolerance: 0.01,
        dry_run: false,
        strict: false,
    }
}

pub async fn bench(args: BenchArgs) -> Result<ExitCode, AnyError> {
    let now = SystemClock.now();
    let database = args.database.clone().unwrap_or_else(|| {
        let path = std::env::temp_dir().join(format!("civicgrid-places-{}.db", std::process::id()));
        format!("sqlite:{}", path.display())
    });
    println!(
        "civicgrid bench-places: database {database}, layers from {}",
        args.dir.display()
    );
    let store = civicgrid_store::open(
        &database,
        now,
        civicgrid_domain::calendar::china_standard_time(),
    )
    .await?;
    if store.list_units(false).await?.is_empty() {
        store
            .create_unit(
                NewUnit {
                    name: "苏州工业园区".into(),
                    kind: UnitKind::Hub,
                    parent: None,
                    lines: vec![],
                    geometry: None,
                    code: None,
                },
                now,
            )
            .await?;
    }
    let mut total = 0.0;
    for layer in SIP_LAYERS {
        let path = args.dir.join(layer.file);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let started = Timer::now();
        let report = import_layer(
            store.as_ref(),
            &text,
            &sip_options(layer),
            now,
            &|_, _, _| {},
        )
        .await
        .map_err(|e| e.message)?;
        let seconds = started.elapsed().as_secs_f64();
        total += seconds;
        println!(
            "import {:<34} {:>4} features, {:>4} created, {:>2} refused {:?}  {:>6.2} s",
            layer.file,
            report.features,
            report.written.created,
            report.rejected.len(),
            report.by_reason(),
            seconds
        );
    }
    println!("import, all four layers: {total:.2} s");
    let started = Timer::now();
    let units = store.list_units(true).await?;
    let places = place_index(&units, store.list_layers().await?);
    println!(
        "index build: {} polygons in {:.1} ms (from the database: geometry parsed and indexed)",
        places.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    let shapes: Vec<_> = units
        .iter()
        .filter_map(|u| Some((u.id, parse_geometry(u.geometry.as_deref()?)?)))
        .collect();
    // Points uniformly over the park's bounds (120.635–120.860 E, 31.234–31.436 N).
    let mut rng = StdRng::seed_from_u64(7);
    let points: Vec<(f64, f64)> = (0..args.lookups)
        .map(|_| {
            (
                rng.random_range(31.234..31.436),
                rng.random_range(120.635..120.860),
            )
        })
        .collect();
    let started = Timer::now();
    let mut placed = 0usize;
    for (lat, lng) in &points {
        if places.place(*lat, *lng).is_some() {
            placed += 1;
        }
    }
    let indexed = started.elapsed().as_secs_f64();
    println!(
        "lookup through the index: {} points, {:.2} µs each, {:.0} lookups/s on one core; {:.1}% inside a polygon",
        points.len(),
        indexed * 1e6 / points.len() as f64,
        points.len() as f64 / indexed,
        placed as f64 * 100.0 / points.len() as f64
    );
    let sample = points.len().min(20_000);
    let started = Timer::now();
    let mut found = 0usize;
    for (lat, lng) in &points[..sample] {
        let point = geo::Point::new(*lng, *lat);
        if shapes.iter().any(|(_, s)| s.contains(&point)) {
            found += 1;
        }
    }
    let linear = started.elapsed().as_secs_f64();
    println!(
        "linear scan of every polygon (for comparison): {sample} points, {:.2} µs each ({found} inside)",
        linear * 1e6 / sample as f64
    );
    gazetteer_bench(&units, &places, &points);
    Ok(ExitCode::SUCCESS)
}

/// A gazetteer the size of a large district's, built over the imported grids: per grid a
/// road with house numbers, a compound with six buildings and a landmark (9 entries, named
/// after the grid's community), placed at points inside the grid; then the searches an
/// operator's typing makes, timed in memory (the API adds the grid of each result).
fn gazetteer_bench(
    units: &[civicgrid_store::UnitRow],
    places: &civicgrid_domain::geography::PlaceIndex,
    points: &[(f64, f64)],
) {
    use civicgrid_domain::gazetteer::{Entry, Gazetteer, PlaceKind};
    use civicgrid_domain::request::Location;
    let names: std::collections::HashMap<_, _> =
        units.iter().map(|u| (u.id, u.name.clone())).collect();
    let mut entries = Vec::new();
    let inside: Vec<(f64, f64, civicgrid_domain::UnitId)> = points
        .iter()
        .filter_map(|(lat, lng)| places.place(*lat, *lng).map(|u| (*lat, *lng, u)))
        .take(1300)
        .collect();
    for (i, (lat, lng, unit)) in inside.iter().enumerate() {
        let community = units
            .iter()
            .find(|u| u.id == *unit)
            .and_then(|u| u.parent)
            .and_then(|p| names.get(&p))
            .map(|n| n.trim_end_matches("社区").to_owned())
            .unwrap_or_else(|| "园区".into());
        let mut add = |kind, name: String, parent: Option<i64>, houses| {
            let id = entries.len() as i64 + 1;
            entries.push(Entry {
                id,
                kind,
                name,
                parent,
                houses,
                location: Location {
                    lat: *lat,
                    lng: *lng,
                },
                area: Some(*unit),
            });
            id
        };
        add(
            PlaceKind::Road,
            format!("{community}{}路", i % 9 + 1),
            None,
            Some((1, 300)),
        );
        let compound = add(
            PlaceKind::Compound,
            format!("{community}{}苑", i % 7 + 1),
            None,
            None,
        );
        for b in 1..=6 {
            add(PlaceKind::Building, format!("{b}幢"), Some(compound), None);
        }
        add(
            PlaceKind::Landmark,
            format!("{community}{}号服务站", i % 5 + 1),
            None,
            None,
        );
    }
    let started = Timer::now();
    let gazetteer = Gazetteer::new(entries);
    println!(
        "gazetteer: {} entries built (initials computed) in {:.1} ms",
        gazetteer.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    let sample = gazetteer.search("1路", 1);
    let road = sample
        .first()
        .map(|f| f.entry.name.clone())
        .unwrap_or_default();
    let stem: String = road.chars().take(2).collect();
    let initials = civicgrid_domain::gazetteer::initials(&road)
        .into_iter()
        .next()
        .unwrap_or_default();
    for query in [
        stem.clone(),
        road.clone(),
        format!("{road}12号"),
        initials,
        "服务站".into(),
    ] {
        let rounds = 2000;
        let started = Timer::now();
        let mut hits = 0;
        for _ in 0..rounds {
            hits = gazetteer.search(&query, 10).len();
        }
        let each = started.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);
        let started = Timer::now();
        for _ in 0..rounds / 10 {
            for found in gazetteer.search(&query, 10) {
                let _ = places.containing(found.entry.location.lat, found.entry.location.lng);
            }
        }
        let with_grids = started.elapsed().as_secs_f64() * 1e6 / f64::from(rounds / 10);
        println!(
            "gazetteer search {query:<12} {hits:>2} results: {each:>7.1} µs; with each result's grids {with_grids:>7.1} µs"
        );
    }
}
