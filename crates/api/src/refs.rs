//! References other wire types point to: a unit by id and name.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A unit as the wire names it: its id and its current name.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitRef {
    pub id: i64,
    pub name: String,
}
