//! Grid layers, and the import that writes one layer's polygons: new units under their
//! parents and new boundaries for units that have them already, all in one transaction.
//!
//! The `PlaceStore` part of the `Store` interface; the SQL lives in `sql/places.rs`.

use async_trait::async_trait;
use civicgrid_domain::gazetteer::{Entry, NewEntry};
use civicgrid_domain::geography::Layer;
use civicgrid_domain::org::UnitKind;
use civicgrid_domain::{Instant, UnitId};

use crate::Result;

/// One accepted feature of an import, ready to write.
#[derive(Debug, Clone)]
pub struct PlaceImport {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    /// The unit a new unit hangs under.
    pub parent: UnitId,
    /// The unit that has the code already: its polygon is replaced, its name kept.
    pub existing: Option<UnitId>,
    /// GeoJSON geometry text.
    pub geometry: String,
}

/// What an import wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCount {
    /// New units.
    pub created: usize,
    /// Existing units whose polygon (or layer) changed.
    pub moved: usize,
    /// Existing units whose polygon was already the same.
    pub unchanged: usize,
}

/// A gazetteer entry to write, with the unit its point lies in.
#[derive(Debug, Clone)]
pub struct GazetteerImport {
    pub entry: NewEntry,
    pub area: Option<UnitId>,
}

#[async_trait]
pub trait PlaceStore: Send + Sync {
    /// The whole gazetteer, in id order.
    async fn gazetteer(&self) -> Result<Vec<Entry>>;
    /// Replaces the gazetteer with `entries` in one transaction (compounds before the
    /// buildings naming them; a building's `parent` is its compound's name), then refreshes
    /// the planner's statistics; every instance reloads it. `NotFound("compound")` when a
    /// building names a compound the entries do not hold.
    async fn replace_gazetteer(&self, entries: Vec<GazetteerImport>, now: Instant)
    -> Result<usize>;
    /// Every layer, by code.
    async fn list_layers(&self) -> Result<Vec<Layer>>;
    /// Writes one layer's import in one transaction (the layer is created, or renamed),
    /// then refreshes the planner's statistics; every instance reloads its place index.
    /// `progress` is told how many items have been written.
    async fn import_places(
        &self,
        layer: &Layer,
        items: Vec<PlaceImport>,
        now: Instant,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<ImportCount>;
}
