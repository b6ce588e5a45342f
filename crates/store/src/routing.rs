//! Categories, the routing table and the list of reasons a request may be cancelled for.
//!
//! The `RoutingStore` part of the `Store` interface and the values it takes and returns; the
//! SQL lives in `sql/routing.rs`.

use async_trait::async_trait;
use civicgrid_domain::routing::RoutingRule;
use civicgrid_domain::{CategoryId, Instant, UnitId};

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryRow {
    pub id: CategoryId,
    pub code: String,
    pub name: String,
    pub parent: Option<CategoryId>,
    pub line: Option<String>,
    /// Retired by an administrator: no longer offered for new requests; history keeps it.
    pub retired: bool,
}

#[derive(Debug, Clone)]
pub struct NewCategory {
    pub code: String,
    pub name: String,
    pub parent: Option<CategoryId>,
    pub line: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewRoutingRule {
    pub category: CategoryId,
    pub area: Option<UnitId>,
    pub unit: UnitId,
    pub basis: civicgrid_domain::lifecycle::Basis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelReason {
    pub code: String,
    pub label: String,
}

#[async_trait]
pub trait RoutingStore: Send + Sync {
    async fn create_category(&self, category: NewCategory) -> Result<CategoryRow>;
    async fn list_categories(&self) -> Result<Vec<CategoryRow>>;
    /// Renames a category or retires it (or brings it back).
    async fn update_category(
        &self,
        id: CategoryId,
        name: &str,
        retired: bool,
        now: Instant,
    ) -> Result<CategoryRow>;
    async fn create_routing_rule(&self, rule: NewRoutingRule) -> Result<RoutingRule>;
    async fn list_routing_rules(&self) -> Result<Vec<RoutingRule>>;
    /// Replaces a rule's values; `NotFound` for an unknown id.
    async fn update_routing_rule(&self, id: i64, rule: NewRoutingRule) -> Result<RoutingRule>;
    /// Removes a rule; `NotFound` for an unknown id.
    async fn delete_routing_rule(&self, id: i64) -> Result<()>;
    /// Replaces the whole list (imports, the demo, tests).
    async fn set_cancel_reasons(&self, reasons: Vec<CancelReason>) -> Result<()>;
    /// The reasons offered now (retired ones left out), by code.
    async fn list_cancel_reasons(&self) -> Result<Vec<CancelReason>>;
    /// Adds one; a code in use (retired included) is `Duplicate`.
    async fn add_cancel_reason(&self, reason: CancelReason) -> Result<CancelReason>;
    /// Retires one: no longer offered, still named by the history that cites it.
    /// `NotFound` when no reason in use has the code.
    async fn retire_cancel_reason(&self, code: &str, now: Instant) -> Result<()>;
}
