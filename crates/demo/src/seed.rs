//! Building the demo once per database: the district, its policies, then a year of
//! history. The one entry point the command line calls.

use std::sync::Arc;

use civicgrid::error::{ApiError, ApiResult};
use civicgrid_domain::Instant;
use civicgrid_domain::org::OrgTree;
use civicgrid_store::Store;

use crate::district::{add_demo_policies, build_district};
use crate::history::generate_history;

/// Builds the whole demo once per database: district, staff and history.
pub async fn ensure_demo(
    store: &Arc<dyn Store>,
    now: Instant,
    requests: usize,
    seed: u64,
    progress: &dyn Fn(usize),
) -> ApiResult<bool> {
    if store.get_setting("demo_generated").await?.is_some() {
        return Ok(false);
    }
    let units = store.list_units(false).await?;
    let existing_hub = units.iter().find(|u| u.parent.is_none()).map(|u| u.id);
    if units.len() > 1 {
        return Err(ApiError::with_message(
            civicgrid_api::ErrorCode::Conflict,
            "this database already has an organisation; the demo needs a fresh database",
        ));
    }
    let district = build_district(store, now, existing_hub).await?;
    crate::gazetteer::build_gazetteer(store, &district, now).await?;
    add_demo_policies(store, now).await?;
    let all = store.list_units(false).await?;
    let org = OrgTree::new(all.iter().map(civicgrid_store::UnitRow::unit));
    generate_history(store, &district, &org, now, requests, seed, progress).await?;
    store.optimize().await?;
    store
        .set_setting("demo_generated", &now.to_rfc3339())
        .await?;
    Ok(true)
}
