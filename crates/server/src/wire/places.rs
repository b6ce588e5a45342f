//! Places on the wire: the lookups' answers as `GridOut`, layers as `LayerOut`, one
//! polygon as a GeoJSON Feature and a layer as a FeatureCollection; `LAT,LNG` read from a
//! query.

use civicgrid_api::{GridOut, LayerOut};
use civicgrid_domain::geography::PlaceIndex;
use civicgrid_domain::org::{OrgTree, UnitKind};
use geo::MultiPolygon;

use crate::error::{ApiError, ApiResult};
use crate::services::places::Spot;

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
pub fn grid_out(org: &OrgTree, spot: &Spot) -> GridOut {
    let (unit, layer) = (spot.unit, &spot.layer);
    let name_of = |kind| {
        org.enclosing(unit, kind)
            .filter(|found| *found != unit)
            .and_then(|found| org.get(found))
            .map(|u| u.name.clone())
    };
    GridOut {
        code: spot.code.clone(),
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

/// A gazetteer match as the lookup returns it, with the grid its point lies in.
pub fn place_out(
    reference: &crate::state::Reference,
    found: &civicgrid_domain::gazetteer::Found<'_>,
) -> civicgrid_api::PlaceOut {
    let entry = found.entry;
    let full = reference.gazetteer.full_name(entry);
    let spot =
        crate::services::places::containing(reference, entry.location.lat, entry.location.lng)
            .into_iter()
            .next();
    civicgrid_api::PlaceOut {
        id: entry.id,
        kind: entry.kind.as_str().into(),
        name: entry.name.clone(),
        address: match found.house {
            Some(n) => format!("{full}{n}号"),
            None => full.to_owned(),
        },
        house: found.house,
        lat: entry.location.lat,
        lng: entry.location.lng,
        grid: spot.map(|s| grid_out(&reference.org, &s)),
    }
}

/// A layer with how many polygons the index holds in it.
pub fn layer_out(layer: &civicgrid_domain::geography::Layer, places: &PlaceIndex) -> LayerOut {
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

/// A GeoJSON Feature of one polygon, with what a lookup says of it as properties (a
/// polygon of one part is written as a Polygon).
pub fn feature(grid: &GridOut, shape: &MultiPolygon<f64>) -> serde_json::Value {
    let geometry = match shape.0.as_slice() {
        [one] => geojson::Geometry::from(one),
        _ => geojson::Geometry::from(shape),
    };
    serde_json::json!({
        "type": "Feature",
        "geometry": geometry,
        "properties": grid,
    })
}

/// Polygons as a GeoJSON FeatureCollection.
pub fn collection(org: &OrgTree, spots: &[(Spot, &MultiPolygon<f64>)]) -> serde_json::Value {
    let features: Vec<serde_json::Value> = spots
        .iter()
        .map(|(spot, shape)| feature(&grid_out(org, spot), shape))
        .collect();
    serde_json::json!({ "type": "FeatureCollection", "features": features })
}
