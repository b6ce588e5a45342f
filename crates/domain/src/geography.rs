//! Where a place lies: the polygons of the grid layers (streets, communities, comprehensive
//! and exclusive grids, subgrids), the spatial index that finds the grids containing a
//! point, and the checks a layer passes before it is imported (valid WGS84 geometry, a
//! code of the layer's level sitting under an existing parent, no duplicate, no overlap
//! within the layer above a tolerance).
//!
//! Lookup is an R*-tree over bounding boxes (rstar) that narrows 1,301 grids to the one or
//! two whose box holds the point, then an exact point-in-polygon test on an interval tree
//! of the candidate's edges (geo's `IntervalTreeMultiPolygon`). A point on the edge two
//! grids share belongs to one of them: the grid with the lower unit id, so the answer never
//! depends on load order.

use std::collections::{HashMap, HashSet};

use geo::algorithm::indexed::IntervalTreeMultiPolygon;
use geo::orient::{Direction, Orient};
use geo::{Area, BooleanOps, BoundingRect, Contains, Coord, Intersects, MultiPolygon, Validation};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::area_code::{AreaCode, CodeLevel};
use crate::error::Invalid;
use crate::ids::UnitId;
use crate::org::UnitKind;

/// A layer of polygons. Layers may overlap one another (an exclusive grid for a campus lies
/// over the comprehensive grids around it); within one layer shapes do not overlap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// Short identifier, e.g. `grids` or `exclusive_grids`.
    pub code: String,
    pub name: String,
    /// The kind of unit every shape of the layer belongs to (street … subgrid).
    pub kind: UnitKind,
    /// Exclusive grids (专属网格: enterprises, campuses, markets) beat comprehensive ones
    /// when both contain a point.
    pub exclusive: bool,
}

/// Validates a layer's identifier: 1–40 lowercase letters, digits, `_` or `-`.
pub fn parse_layer_code(field: &str, raw: &str) -> Result<String, Invalid> {
    let code = raw.trim();
    if code.is_empty() || code.len() > 40 {
        return Err(Invalid::new(field, "must be 1–40 characters"));
    }
    if !code
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        return Err(Invalid::new(
            field,
            "may hold only lowercase letters, digits, `_` and `-`",
        ));
    }
    Ok(code.to_owned())
}

/// The level of the place code a unit of this kind has: the hub's is its county's; the
/// streets … subgrids have polygons in layers; other kinds have no place code.
pub fn code_level(kind: UnitKind) -> Option<CodeLevel> {
    match kind {
        UnitKind::Hub => Some(CodeLevel::County),
        UnitKind::Street => Some(CodeLevel::Street),
        UnitKind::Community => Some(CodeLevel::Community),
        UnitKind::Grid => Some(CodeLevel::Grid),
        UnitKind::Subgrid => Some(CodeLevel::Subgrid),
        _ => None,
    }
}

/// How specific a containing shape is: a subgrid, then an exclusive grid, a comprehensive
/// grid, a community, a street. Lower is more specific.
fn specificity(layer: &Layer) -> u8 {
    match (layer.kind, layer.exclusive) {
        (UnitKind::Subgrid, _) => 0,
        (UnitKind::Grid, true) => 1,
        (UnitKind::Grid, false) => 2,
        (UnitKind::Community, _) => 3,
        // Streets: layers hold no other kinds.
        _ => 4,
    }
}

/// Whether a shape's coordinates are longitudes and latitudes.
fn in_wgs84(shape: &MultiPolygon<f64>) -> bool {
    use geo::CoordsIter;
    shape
        .coords_iter()
        .all(|c| (-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y))
}

/// One unit's shape in a layer, as the index is built from.
#[derive(Debug, Clone)]
pub struct Placed {
    pub unit: UnitId,
    pub layer: String,
    pub shape: MultiPolygon<f64>,
}

struct Entry {
    unit: UnitId,
    layer: usize,
    edges: IntervalTreeMultiPolygon<f64>,
    shape: MultiPolygon<f64>,
}

/// A shape containing a point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit<'a> {
    pub unit: UnitId,
    pub layer: &'a Layer,
}

/// Every layer's shapes, indexed for point lookup.
#[derive(Default)]
pub struct PlaceIndex {
    layers: Vec<Layer>,
    entries: Vec<Entry>,
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    by_unit: HashMap<UnitId, usize>,
}

impl PlaceIndex {
    /// Builds the index; shapes of a layer not in `layers` and empty shapes are left out.
    pub fn new(layers: Vec<Layer>, shapes: Vec<Placed>) -> Self {
        let mut entries = Vec::new();
        let mut boxes = Vec::new();
        let mut by_unit = HashMap::new();
        for placed in shapes {
            let Some(layer) = layers.iter().position(|l| l.code == placed.layer) else {
                continue;
            };
            let Some(rect) = placed.shape.bounding_rect() else {
                continue;
            };
            // Exterior rings anticlockwise, holes clockwise, whatever the file had: the
            // winding-number test counts a hole only when it runs against its exterior.
            let shape = placed.shape.orient(Direction::Default);
            let index = entries.len();
            boxes.push(GeomWithData::new(
                Rectangle::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]),
                index,
            ));
            by_unit.insert(placed.unit, index);
            entries.push(Entry {
                unit: placed.unit,
                layer,
                edges: IntervalTreeMultiPolygon::new(&shape),
                shape,
            });
        }
        PlaceIndex {
            layers,
            entries,
            tree: RTree::bulk_load(boxes),
            by_unit,
        }
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// How many shapes the index holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The shape of a unit and its layer, if it has one.
    pub fn shape(&self, unit: UnitId) -> Option<(&MultiPolygon<f64>, &Layer)> {
        let entry = &self.entries[*self.by_unit.get(&unit)?];
        Some((&entry.shape, &self.layers[entry.layer]))
    }

    /// Every unit with a shape, with its layer and shape.
    pub fn shapes(&self) -> impl Iterator<Item = (UnitId, &Layer, &MultiPolygon<f64>)> {
        self.entries
            .iter()
            .map(|e| (e.unit, &self.layers[e.layer], &e.shape))
    }

    /// The shapes containing the point, at most one per layer (on an edge two shapes of a
    /// layer share, the lower unit id), the most specific first.
    pub fn containing(&self, lat: f64, lng: f64) -> Vec<Hit<'_>> {
        let coord = Coord { x: lng, y: lat };
        let mut inside: Vec<usize> = Vec::new();
        let mut on_edge: Vec<usize> = Vec::new();
        for candidate in self
            .tree
            .locate_all_at_point(&[lng, lat])
            .map(|found| found.data)
        {
            let entry = &self.entries[candidate];
            if entry.edges.contains(&coord) {
                inside.push(candidate);
            } else if entry.shape.intersects(&coord) {
                on_edge.push(candidate);
            }
        }
        let mut best: Vec<Option<usize>> = vec![None; self.layers.len()];
        // A point strictly inside a shape belongs to it; an edge decides only where no shape
        // of the layer has the point inside (two grids sharing the edge: lower id wins).
        for list in [inside, on_edge] {
            for (layer, slot) in best.iter_mut().enumerate() {
                if slot.is_none() {
                    *slot = list
                        .iter()
                        .copied()
                        .filter(|c| self.entries[*c].layer == layer)
                        .min_by_key(|c| self.entries[*c].unit);
                }
            }
        }
        let mut hits: Vec<Hit<'_>> = best
            .into_iter()
            .flatten()
            .map(|i| Hit {
                unit: self.entries[i].unit,
                layer: &self.layers[self.entries[i].layer],
            })
            .collect();
        hits.sort_by(|a, b| {
            (specificity(a.layer), &a.layer.code).cmp(&(specificity(b.layer), &b.layer.code))
        });
        hits
    }

    /// The most specific unit whose shape contains the point: the area a request there
    /// belongs to. `None` outside every shape ("place unknown").
    pub fn place(&self, lat: f64, lng: f64) -> Option<UnitId> {
        self.containing(lat, lng).first().map(|h| h.unit)
    }
}

/// One feature of a file to import, as read: its code, name and declared parent code as
/// text, and its geometry or why it is not a polygon.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub code: String,
    pub name: String,
    /// The parent code the file declares (e.g. a grid's `community_code`), if it has one.
    pub parent: Option<String>,
    pub shape: Result<MultiPolygon<f64>, String>,
}

/// Why a feature is not imported.
#[derive(Debug, Clone, PartialEq)]
pub enum Rejection {
    /// The code is not a valid place code.
    Code(String),
    /// The code is valid but of another level than the layer's units.
    Level {
        expected: CodeLevel,
        found: CodeLevel,
    },
    /// The feature has no name.
    Name,
    /// Not a polygon, not valid, or not in WGS84 longitude/latitude.
    Geometry(String),
    /// No unit has the parent code, so the feature has nowhere to hang.
    NoParent { parent: String },
    /// The code does not lie under the parent the file declares or the hub's own code.
    NotUnderParent { parent: String },
    /// The code already belongs to a unit of another kind.
    Taken { kind: UnitKind },
    /// An earlier feature of the file has the same code.
    Duplicate { first: usize },
    /// It overlaps a shape of the same layer by more than the tolerance (the share of the
    /// smaller of the two).
    Overlap { with: String, share: f64 },
}

impl Rejection {
    /// The stable word for the reason, for reports and the API.
    pub fn reason(&self) -> &'static str {
        match self {
            Rejection::Code(_) => "invalid_code",
            Rejection::Level { .. } => "wrong_level",
            Rejection::Name => "missing_name",
            Rejection::Geometry(_) => "invalid_geometry",
            Rejection::NoParent { .. } => "no_parent",
            Rejection::NotUnderParent { .. } => "not_under_parent",
            Rejection::Taken { .. } => "code_taken",
            Rejection::Duplicate { .. } => "duplicate_code",
            Rejection::Overlap { .. } => "overlap",
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::Code(message) => write!(f, "invalid code: {message}"),
            Rejection::Level { expected, found } => {
                write!(f, "a {found} code in a layer of {expected} codes")
            }
            Rejection::Name => f.write_str("no name"),
            Rejection::Geometry(message) => write!(f, "invalid geometry: {message}"),
            Rejection::NoParent { parent } => write!(f, "no unit has the parent code {parent}"),
            Rejection::NotUnderParent { parent } => {
                write!(f, "code not under its parent {parent}")
            }
            Rejection::Taken { kind } => write!(f, "the code belongs to a {kind} unit"),
            Rejection::Duplicate { first } => {
                write!(f, "duplicate of feature {} in the same file", first + 1)
            }
            Rejection::Overlap { with, share } => write!(
                f,
                "overlaps {with} by {:.1}% of the smaller shape",
                share * 100.0
            ),
        }
    }
}

/// What the import will write for one accepted feature.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// Position in the file (0-based).
    pub index: usize,
    pub code: AreaCode,
    pub name: String,
    /// The unit that already has the code: its shape is replaced (the boundary moves for
    /// new requests; requests already placed keep their unit).
    pub existing: Option<UnitId>,
    /// The unit a new unit hangs under.
    pub parent: UnitId,
    pub shape: MultiPolygon<f64>,
}

/// The outcome of checking a file: what is imported and what is refused, and why.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub accepted: Vec<Accepted>,
    /// (position in the file, code as written, reason)
    pub rejected: Vec<(usize, String, Rejection)>,
}

/// What a layer's import is checked against.
pub struct Surroundings<'a> {
    pub layer: &'a Layer,
    /// Every unit that has a code, by code, with its kind.
    pub units: &'a HashMap<String, (UnitId, UnitKind)>,
    /// The hub the streets hang under, with its code if it has one.
    pub hub: (UnitId, Option<&'a AreaCode>),
    /// Shapes already in the layer, by code (those the file replaces are ignored).
    pub current: Vec<(String, MultiPolygon<f64>)>,
    /// The largest share of the smaller shape two shapes of the layer may overlap by.
    pub tolerance: f64,
}

/// Checks every feature of a file for a layer and decides what is imported. `progress`
/// is told how many features have been checked.
pub fn plan_layer(
    around: &Surroundings<'_>,
    candidates: Vec<Candidate>,
    progress: &mut dyn FnMut(usize),
) -> Plan {
    let mut plan = Plan::default();
    let Some(level) = code_level(around.layer.kind).filter(|l| *l != CodeLevel::County) else {
        for (index, c) in candidates.into_iter().enumerate() {
            plan.rejected.push((
                index,
                c.code,
                Rejection::Taken {
                    kind: around.layer.kind,
                },
            ));
        }
        return plan;
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut valid = Vec::new();
    for (index, candidate) in candidates.into_iter().enumerate() {
        match check(around, level, &mut seen, index, &candidate) {
            Ok(accepted) => valid.push(accepted),
            Err(why) => plan.rejected.push((index, candidate.code, why)),
        }
        if index % 64 == 63 {
            progress(index + 1);
        }
    }
    // Overlaps, in file order: a shape is checked against the layer's other current shapes
    // and the features accepted before it.
    let replaced: HashSet<&str> = valid.iter().map(|a| a.code.as_str()).collect();
    let mut kept = Kept::default();
    for (code, shape) in &around.current {
        if !replaced.contains(code.as_str()) {
            kept.add(code.clone(), shape.clone());
        }
    }
    let total = valid.len() + plan.rejected.len();
    for accepted in valid {
        match kept.worst_overlap(&accepted.shape, around.tolerance) {
            Some((with, share)) => plan.rejected.push((
                accepted.index,
                accepted.code.to_string(),
                Rejection::Overlap { with, share },
            )),
            None => {
                kept.add(accepted.code.to_string(), accepted.shape.clone());
                plan.accepted.push(accepted);
            }
        }
    }
    plan.rejected.sort_by_key(|r| r.0);
    progress(total);
    plan
}

/// The shapes of a layer kept so far, with an R*-tree of their boxes.
#[derive(Default)]
struct Kept {
    shapes: Vec<(String, MultiPolygon<f64>, f64)>,
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
}

impl Kept {
    fn add(&mut self, code: String, shape: MultiPolygon<f64>) {
        if let Some(rect) = shape.bounding_rect() {
            self.tree.insert(GeomWithData::new(
                Rectangle::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]),
                self.shapes.len(),
            ));
        }
        let area = shape.unsigned_area();
        self.shapes.push((code, shape, area));
    }

    /// The kept shape `shape` overlaps most, if by more than `tolerance` of the smaller.
    fn worst_overlap(&self, shape: &MultiPolygon<f64>, tolerance: f64) -> Option<(String, f64)> {
        let rect = shape.bounding_rect()?;
        let area = shape.unsigned_area();
        let window = AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        self.tree
            .locate_in_envelope_intersecting(&window)
            .filter_map(|other| {
                let (code, other_shape, other_area) = &self.shapes[other.data];
                // Valid polygons have an area, so the smaller one is never zero.
                let smaller = area.min(*other_area);
                let share = shape.intersection(other_shape).unsigned_area() / smaller;
                (share > tolerance).then(|| (code.clone(), share))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// Checks one feature on its own (everything except overlaps).
fn check(
    around: &Surroundings<'_>,
    level: CodeLevel,
    seen: &mut HashMap<String, usize>,
    index: usize,
    candidate: &Candidate,
) -> Result<Accepted, Rejection> {
    let code = AreaCode::parse("code", &candidate.code).map_err(|e| Rejection::Code(e.message))?;
    if code.level() != level {
        return Err(Rejection::Level {
            expected: level,
            found: code.level(),
        });
    }
    if let Some(first) = seen.get(code.as_str()) {
        return Err(Rejection::Duplicate { first: *first });
    }
    seen.insert(code.to_string(), index);
    let name = candidate.name.trim();
    if name.is_empty() {
        return Err(Rejection::Name);
    }
    let shape = candidate.shape.clone().map_err(Rejection::Geometry)?;
    if shape.0.is_empty() {
        return Err(Rejection::Geometry("no polygon".into()));
    }
    if !in_wgs84(&shape) {
        return Err(Rejection::Geometry(
            "coordinates are not WGS84 longitude and latitude".into(),
        ));
    }
    shape
        .check_validation()
        .map_err(|e| Rejection::Geometry(e.to_string()))?;
    let parent_code = code.parent().ok_or(Rejection::Level {
        expected: level,
        found: CodeLevel::County,
    })?;
    if let Some(declared) = candidate.parent.as_deref().map(str::trim)
        && !declared.is_empty()
        && declared != parent_code.as_str()
    {
        return Err(Rejection::NotUnderParent {
            parent: declared.to_owned(),
        });
    }
    let existing = match around.units.get(code.as_str()) {
        Some((id, kind)) if *kind == around.layer.kind => Some(*id),
        Some((_, kind)) => return Err(Rejection::Taken { kind: *kind }),
        None => None,
    };
    let parent = if level == CodeLevel::Street {
        // Streets hang under the county's unit if one has the code, else under the hub,
        // whose own code (if it has one) the street's must lie under.
        match around.units.get(parent_code.as_str()) {
            Some((id, _)) => *id,
            None => match around.hub.1 {
                Some(hub) if !code.is_within(hub) => {
                    return Err(Rejection::NotUnderParent {
                        parent: hub.to_string(),
                    });
                }
                _ => around.hub.0,
            },
        }
    } else {
        let expected_kind = match level {
            CodeLevel::Community => UnitKind::Street,
            CodeLevel::Grid => UnitKind::Community,
            _ => UnitKind::Grid,
        };
        match around.units.get(parent_code.as_str()) {
            Some((id, kind)) if *kind == expected_kind => *id,
            _ => {
                return Err(Rejection::NoParent {
                    parent: parent_code.to_string(),
                });
            }
        }
    };
    Ok(Accepted {
        index,
        code,
        name: name.to_owned(),
        existing,
        parent,
        shape,
    })
}
