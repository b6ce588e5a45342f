//! Places on the wire: grid layers, the grids containing a point, one grid's polygon as
//! GeoJSON.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A grid (or street, community, subgrid) as a lookup returns it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GridOut {
    /// The national place code (15 digits for a grid), if the unit has one.
    pub code: Option<String>,
    pub name: String,
    /// The layer's code, e.g. `grids`, `exclusive_grids`, `communities`.
    pub layer: String,
    pub layer_name: String,
    /// `street`, `community`, `grid` or `subgrid`.
    pub kind: String,
    /// An exclusive grid (enterprise, campus, market) over the comprehensive ones.
    pub exclusive: bool,
    /// The unit of the organisation tree this polygon belongs to.
    pub unit: i64,
    /// The community and street it lies in, by name (for a grid or subgrid).
    pub community: Option<String>,
    pub street: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct GridQuery {
    /// `LAT,LNG` (WGS84): the grids of every layer containing the point, most specific
    /// first. Without it, every polygon of the layers.
    pub contains: Option<String>,
    /// Only this layer.
    pub layer: Option<String>,
}

/// A gazetteer entry matching what was typed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlaceOut {
    pub id: i64,
    /// `road`, `compound`, `building` or `landmark`.
    pub kind: String,
    pub name: String,
    /// The address to write on the request: a building's compound first, a road's house
    /// number after it when one was typed.
    pub address: String,
    /// The house number typed, when it lies in the road's range.
    pub house: Option<u32>,
    pub lat: f64,
    pub lng: f64,
    /// The grid (or community, street) the point lies in, when one holds it.
    pub grid: Option<GridOut>,
}

#[derive(Debug, Clone, Deserialize, Serialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct PlaceQuery {
    /// Part of a name in Chinese, or its pinyin initials (`jhj`), optionally with a house
    /// number (`锦华街12号`).
    pub q: String,
    /// At most this many (1–50, default 10).
    pub limit: Option<u32>,
}

/// A grid layer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LayerOut {
    pub code: String,
    pub name: String,
    /// The kind of unit its polygons belong to.
    pub kind: String,
    pub exclusive: bool,
    /// How many polygons it holds.
    pub polygons: usize,
}
