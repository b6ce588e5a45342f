//! Places between GeoJSON and the rules: a geometry read into a polygon (with the reason
//! when it is not one), a file's features read into import candidates, and the lookups'
//! answers written back as wire values and GeoJSON features.

use civicgrid_api::{GridOut, LayerOut};
use civicgrid_domain::UnitId;
use civicgrid_domain::geography::{Candidate, Layer, PlaceIndex};
use civicgrid_domain::org::{OrgTree, UnitKind};
use geo::MultiPolygon;

use crate::error::{ApiError, ApiResult};

/// Reads a GeoJSON Polygon or MultiPolygon geometry; the reason when it is none.
pub fn shape_of(geometry: &geojson::Geometry) -> Result<MultiPolygon<f64>, String> {
    use geojson::GeometryValue;
    match &geometry.value {
        value @ GeometryValue::Polygon { .. } => geo::Polygon::try_from(value)
            .map(|p| MultiPolygon::new(vec![p]))
            .map_err(|e| e.to_string()),
        value @ GeometryValue::MultiPolygon { .. } => {
            MultiPolygon::try_from(value).map_err(|e| e.to_string())
        }
        other => Err(format!("a {}, not a polygon", other.type_name())),
    }
}

/// Reads geometry text as stored; `None` unless it is a Polygon or MultiPolygon.
pub fn parse_geometry(text: &str) -> Option<MultiPolygon<f64>> {
    let geometry: geojson::Geometry = text.parse::<geojson::Geometry>().ok()?;
    shape_of(&geometry).ok()
}

/// Which properties of a feature hold its code, name and (optionally) parent code.
#[derive(Debug, Clone)]
pub struct Fields {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
}

/// A property as text: strings as they are, numbers written out (codes stored as numbers).
fn property_text(feature: &geojson::Feature, key: &str) -> Option<String> {
    match feature.property(key)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The features of a GeoJSON FeatureCollection as import candidates, with each one's
/// geometry as stored text. A file that is not a FeatureCollection is refused, named.
pub fn candidates(text: &str, fields: &Fields) -> ApiResult<Vec<(Candidate, String)>> {
    let parsed: geojson::GeoJson = text
        .parse()
        .map_err(|e| ApiError::field("file", format!("not GeoJSON: {e}")))?;
    let geojson::GeoJson::FeatureCollection(collection) = parsed else {
        return Err(ApiError::field(
            "file",
            "must be a GeoJSON FeatureCollection",
        ));
    };
    Ok(collection
        .features
        .iter()
        .map(|feature| {
            let shape = match &feature.geometry {
                Some(g) => shape_of(g),
                None => Err("no geometry".to_owned()),
            };
            let stored = feature
                .geometry
                .as_ref()
                .and_then(|g| serde_json::to_string(g).ok())
                .unwrap_or_default();
            (
                Candidate {
                    code: property_text(feature, &fields.code).unwrap_or_default(),
                    name: property_text(feature, &fields.name).unwrap_or_default(),
                    parent: fields
                        .parent
                        .as_deref()
                        .and_then(|key| property_text(feature, key)),
                    shape,
                },
                stored,
            )
        })
        .collect())
}

/// Reads `LAT,LNG` (WGS84 degrees).
pub fn lat_lng(field: &str, raw: &str) -> ApiResult<(f64, f64)> {
    let bad = || ApiError::query(field, "must be LAT,LNG in degrees, e.g. 38.92,121.63");
    let (lat, lng) = raw.split_once(',').ok_or_else(bad)?;
    let lat: f64 = lat.trim().parse().map_err(|_| bad())?;
    let lng: f64 = lng.trim().parse().map_err(|_| bad())?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lng) {
        return Err(bad());
    }
    Ok((lat, lng))
}

/// A unit with a polygon as a lookup returns it.
pub fn grid_out(org: &OrgTree, unit: UnitId, layer: &Layer, code: Option<String>) -> GridOut {
    let name_of = |kind| {
        org.enclosing(unit, kind)
            .filter(|found| *found != unit)
            .and_then(|found| org.get(found))
            .map(|u| u.name.clone())
    };
    GridOut {
        code,
        name: org.get(unit).map(|u| u.name.clone()).unwrap_or_default(),
        layer: layer.code.clone(),
        layer_name: layer.name.clone(),
        kind: layer.kind.as_str().into(),
        exclusive: layer.exclusive,
        unit: unit.0,
        community: name_of(UnitKind::Community),
        street: name_of(UnitKind::Street),
    }
}

/// A layer with how many polygons the index holds in it.
pub fn layer_out(layer: &Layer, places: &PlaceIndex) -> LayerOut {
    LayerOut {
        code: layer.code.clone(),
        name: layer.name.clone(),
        kind: layer.kind.as_str().into(),
        exclusive: layer.exclusive,
        polygons: places
            .shapes()
            .filter(|(_, l, _)| l.code == layer.code)
            .count(),
    }
}

/// A GeoJSON Feature of one polygon, with what a lookup says of it as properties.
pub fn feature(grid: &GridOut, geometry: &str) -> serde_json::Value {
    serde_json::json!({
        "type": "Feature",
        "geometry": serde_json::from_str::<serde_json::Value>(geometry).unwrap_or(serde_json::Value::Null),
        "properties": grid,
    })
}
