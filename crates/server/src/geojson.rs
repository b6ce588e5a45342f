//! GeoJSON as civicgrid reads it: a Polygon or MultiPolygon geometry into the rules'
//! polygon (with the reason when it is not one), and a FeatureCollection's features into
//! a layer import's candidates. Used by the place index, the import and the admin's unit
//! form; knows neither the services nor the wire types.

use civicgrid_domain::geography::Candidate;
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
