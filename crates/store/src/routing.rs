//! Categories, the routing table and the list of reasons a request may be cancelled for.
//!
//! The `RoutingStore` part of the `Store` interface and the values it takes and returns; the
//! SQL lives in `sql/routing.rs`.

use async_trait::async_trait;
use civicgrid_domain::routing::RoutingRule;
use civicgrid_domain::{CategoryId, UnitId};

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryRow {
    pub id: CategoryId,
    pub code: String,
    pub name: String,
    pub parent: Option<CategoryId>,
    pub line: Option<String>,
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
    async fn create_routing_rule(&self, rule: NewRoutingRule) -> Result<RoutingRule>;
    async fn list_routing_rules(&self) -> Result<Vec<RoutingRule>>;
    async fn set_cancel_reasons(&self, reasons: Vec<CancelReason>) -> Result<()>;
    async fn list_cancel_reasons(&self) -> Result<Vec<CancelReason>>;
}
