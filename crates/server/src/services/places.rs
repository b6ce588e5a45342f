//! Places: the place index every instance keeps (built from the units' polygons and the
//! layers), the lookups the API answers, and a layer's import from a GeoJSON file — checked
//! by the rules feature by feature, then written in one transaction or not at all.

use std::collections::HashMap;

use civicgrid_domain::area_code::AreaCode;
use civicgrid_domain::geography::{
    Layer, Plan, Rejection, Surroundings, code_level, parse_layer_code, plan_layer,
};
use civicgrid_domain::org::UnitKind;
use civicgrid_domain::{Instant, UnitId};
use civicgrid_store::{ImportCount, PlaceImport, Store};

use crate::error::{ApiError, ApiResult};
use crate::geojson::{Fields, candidates, parse_geometry};
use crate::state::Reference;

/// A unit's polygon as a lookup finds it: the unit, its layer, its place code.
#[derive(Debug, Clone)]
pub struct Spot {
    pub unit: UnitId,
    pub layer: Layer,
    pub code: Option<String>,
}

fn spot(reference: &Reference, unit: UnitId, layer: &Layer) -> Spot {
    Spot {
        unit,
        layer: layer.clone(),
        code: reference.codes.code(unit).map(str::to_owned),
    }
}

/// The polygons of every layer containing the point, the most specific first (empty:
/// the place is outside every grid).
pub fn containing(reference: &Reference, lat: f64, lng: f64) -> Vec<Spot> {
    reference
        .places
        .containing(lat, lng)
        .into_iter()
        .map(|hit| spot(reference, hit.unit, hit.layer))
        .collect()
}

/// Every polygon of the index (of one layer, if given), in unit order, with its shape.
pub fn all<'r>(
    reference: &'r Reference,
    layer: Option<&str>,
) -> Vec<(Spot, &'r geo::MultiPolygon<f64>)> {
    let mut spots: Vec<_> = reference
        .places
        .shapes()
        .filter(|(_, l, _)| layer.is_none_or(|code| l.code == code))
        .map(|(unit, l, shape)| (spot(reference, unit, l), shape))
        .collect();
    spots.sort_by_key(|(s, _)| s.unit);
    spots
}

/// One polygon by its unit's place code (404 for a code no polygon has).
pub fn by_code<'r>(
    reference: &'r Reference,
    code: &str,
) -> ApiResult<(Spot, &'r geo::MultiPolygon<f64>)> {
    let unit = reference
        .codes
        .unit(code.trim())
        .ok_or_else(|| not_found("grid"))?;
    let (shape, layer) = reference
        .places
        .shape(unit)
        .ok_or_else(|| not_found("grid"))?;
    Ok((spot(reference, unit, layer), shape))
}

/// Every polygon of a layer (404 for a layer that does not exist).
pub fn layer<'r>(
    reference: &'r Reference,
    code: &str,
) -> ApiResult<Vec<(Spot, &'r geo::MultiPolygon<f64>)>> {
    if !reference.places.layers().iter().any(|l| l.code == code) {
        return Err(not_found("layer"));
    }
    Ok(all(reference, Some(code)))
}

fn not_found(what: &str) -> ApiError {
    ApiError::with_message(
        civicgrid_api::ErrorCode::NotFound,
        format!("no such {what}"),
    )
}

/// How a layer's import is to be done.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The layer's code; created if new.
    pub layer: String,
    /// A new layer's display name (default: its code); renames an existing layer.
    pub layer_name: Option<String>,
    /// A new layer's kind of unit; inferred from the first valid code when absent.
    pub kind: Option<UnitKind>,
    pub exclusive: bool,
    pub fields: Fields,
    /// The largest share of the smaller polygon two polygons of the layer may overlap by.
    pub tolerance: f64,
    /// Check and report only; write nothing.
    pub dry_run: bool,
    /// Write nothing if any feature is refused.
    pub strict: bool,
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub layer: Layer,
    pub features: usize,
    pub accepted: usize,
    /// (position in the file, code as written, reason)
    pub rejected: Vec<(usize, String, Rejection)>,
    /// What was written.
    pub written: ImportCount,
    /// Nothing was written: a dry run, or a strict import with refusals.
    pub held_back: bool,
}

impl ImportReport {
    /// The rejections counted by reason, for a summary line.
    pub fn by_reason(&self) -> Vec<(&'static str, usize)> {
        let mut counts: Vec<(&'static str, usize)> = Vec::new();
        for (_, _, why) in &self.rejected {
            match counts.iter_mut().find(|(r, _)| *r == why.reason()) {
                Some((_, n)) => *n += 1,
                None => counts.push((why.reason(), 1)),
            }
        }
        counts
    }
}

/// Stages an import reports progress in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Checking,
    Writing,
}

/// Imports one layer from GeoJSON text: every feature is checked (code, level, parent,
/// duplicate, geometry, overlap), the accepted ones are written in one transaction, and
/// the report says what was refused and why. Nothing is written on a dry run or when an
/// input (layer code, kind, file) is itself invalid.
pub async fn import_layer(
    store: &dyn Store,
    text: &str,
    options: &ImportOptions,
    now: Instant,
    progress: &(dyn Fn(Stage, usize, usize) + Sync),
) -> ApiResult<ImportReport> {
    let code = parse_layer_code("layer", &options.layer)?;
    if !(0.0..=1.0).contains(&options.tolerance) {
        return Err(ApiError::field("tolerance", "must be between 0 and 1"));
    }
    let read = candidates(text, &options.fields)?;
    let features = read.len();
    let existing = store
        .list_layers()
        .await?
        .into_iter()
        .find(|l| l.code == code);
    let kind = match (&existing, options.kind) {
        (Some(layer), Some(kind)) if layer.kind != kind => {
            return Err(ApiError::field(
                "kind",
                format!("layer {code} holds {} units, not {kind}", layer.kind),
            ));
        }
        (Some(layer), _) => layer.kind,
        (None, Some(kind)) => kind,
        (None, None) => inferred_kind(&read).ok_or_else(|| {
            ApiError::field(
                "kind",
                "no feature has a valid code to tell the layer's kind: give it",
            )
        })?,
    };
    if code_level(kind).is_none_or(|level| level == civicgrid_domain::area_code::CodeLevel::County)
    {
        return Err(ApiError::field(
            "kind",
            "a layer holds streets, communities, grids or subgrids",
        ));
    }
    let name = options
        .layer_name
        .clone()
        .or_else(|| existing.as_ref().map(|l| l.name.clone()))
        .unwrap_or_else(|| code.clone());
    let layer = Layer {
        code: code.clone(),
        name,
        kind,
        exclusive: options.exclusive,
    };
    let units = store.list_units(true).await?;
    let by_code: HashMap<String, (UnitId, UnitKind)> = units
        .iter()
        .filter_map(|u| Some((u.code.clone()?, (u.id, u.kind))))
        .collect();
    let hub = units
        .iter()
        .filter(|u| u.parent.is_none())
        .min_by_key(|u| u.id)
        .ok_or_else(|| ApiError::field("database", "has no hub unit: run `civicgrid migrate`"))?;
    let hub_code = hub
        .code
        .as_deref()
        .and_then(|c| AreaCode::parse("code", c).ok());
    let current = units
        .iter()
        .filter(|u| u.layer.as_deref() == Some(code.as_str()))
        .filter_map(|u| Some((u.code.clone()?, parse_geometry(u.geometry.as_deref()?)?)))
        .collect();
    let around = Surroundings {
        layer: &layer,
        units: &by_code,
        hub: (hub.id, hub_code.as_ref()),
        current,
        tolerance: options.tolerance,
    };
    let (candidates, stored): (Vec<_>, Vec<_>) = read.into_iter().unzip();
    let Plan { accepted, rejected } = plan_layer(&around, candidates, &mut |n| {
        progress(Stage::Checking, n, features)
    });
    let items: Vec<PlaceImport> = accepted
        .iter()
        .map(|a| PlaceImport {
            code: a.code.to_string(),
            name: a.name.clone(),
            kind,
            parent: a.parent,
            existing: a.existing,
            geometry: stored[a.index].clone(),
        })
        .collect();
    let total = items.len();
    let held_back = options.dry_run || (options.strict && !rejected.is_empty());
    let written = if held_back || items.is_empty() {
        ImportCount::default()
    } else {
        store
            .import_places(&layer, items, now, &|n| progress(Stage::Writing, n, total))
            .await?
    };
    Ok(ImportReport {
        layer,
        features,
        accepted: accepted.len(),
        rejected,
        written,
        held_back,
    })
}

/// The kind of unit the first valid code of a file names.
fn inferred_kind(read: &[(civicgrid_domain::geography::Candidate, String)]) -> Option<UnitKind> {
    read.iter()
        .filter_map(|(c, _)| AreaCode::parse("code", &c.code).ok())
        .find_map(|code| {
            [
                UnitKind::Hub,
                UnitKind::Street,
                UnitKind::Community,
                UnitKind::Grid,
                UnitKind::Subgrid,
            ]
            .into_iter()
            .find(|k| code_level(*k) == Some(code.level()))
        })
}

/// What a gazetteer import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GazetteerCount {
    pub entries: usize,
    /// Entries whose point no polygon holds.
    pub unplaced: usize,
}

/// Replaces the gazetteer with a CSV file (header `kind,name,parent,house_from,house_to,
/// lat,lng`; `parent` is a building's compound): every row is checked, and a file with a
/// bad row writes nothing and names the rows (`rows[3].lat`, counting the header as row 1).
/// Each point is placed in the polygons as they stand.
pub async fn import_gazetteer(
    store: &dyn Store,
    text: &str,
    now: Instant,
) -> ApiResult<GazetteerCount> {
    use civicgrid_domain::gazetteer::{PlaceKind, parse_entry};
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ApiError::field("file", format!("not CSV: {e}")))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(kind), Some(name), Some(lat), Some(lng)) =
        (column("kind"), column("name"), column("lat"), column("lng"))
    else {
        return Err(ApiError::field(
            "file",
            "the header must name kind, name, lat and lng (and may name parent, house_from, house_to)",
        ));
    };
    let (parent, from, to) = (column("parent"), column("house_from"), column("house_to"));
    let mut entries = Vec::new();
    let mut errors = std::collections::BTreeMap::new();
    let mut compounds = std::collections::HashSet::new();
    for (index, record) in reader.records().enumerate() {
        let row = index + 2;
        let record = record.map_err(|e| ApiError::field(format!("rows[{row}]"), e.to_string()))?;
        let cell = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("");
        match parse_entry(
            cell(Some(kind)),
            cell(Some(name)),
            cell(parent),
            (cell(from), cell(to)),
            cell(Some(lat)),
            cell(Some(lng)),
        ) {
            Ok(entry) => {
                if entry.kind == PlaceKind::Compound {
                    compounds.insert(entry.name.clone());
                }
                entries.push((row, entry));
            }
            Err(invalid) => {
                if errors.len() < 50 {
                    errors.insert(format!("rows[{row}].{}", invalid.field), invalid.message);
                }
            }
        }
    }
    for (row, entry) in &entries {
        if let Some(compound) = &entry.parent
            && !compounds.contains(compound)
            && errors.len() < 50
        {
            errors.insert(
                format!("rows[{row}].parent"),
                format!("no compound named {compound} in the file"),
            );
        }
    }
    if let Some((field, message)) = errors.iter().next() {
        let mut error = ApiError::field(field.clone(), message.clone());
        error.fields = errors;
        return Err(error);
    }
    let places =
        crate::state::place_index(&store.list_units(true).await?, store.list_layers().await?);
    let writes: Vec<civicgrid_store::GazetteerImport> = entries
        .into_iter()
        .map(|(_, entry)| civicgrid_store::GazetteerImport {
            area: places.place(entry.location.lat, entry.location.lng),
            entry,
        })
        .collect();
    let unplaced = writes.iter().filter(|w| w.area.is_none()).count();
    let entries = store.replace_gazetteer(writes, now).await?;
    Ok(GazetteerCount { entries, unplaced })
}
