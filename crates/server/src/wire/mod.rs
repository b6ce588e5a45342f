//! The wire: the only place that converts between domain and store values and the
//! `civicgrid-api` types, in both directions (query paging here; one module per resource).

pub mod actions;
pub mod audit;
pub mod calendar;
pub mod cases;
pub mod instructions;
pub mod org;
pub mod places;
pub mod policies;
pub mod stats;
pub mod supervision;

use civicgrid_api::UnitRef;
use civicgrid_domain::UnitId;
use civicgrid_domain::org::OrgTree;

use crate::error::{ApiError, ApiResult};

/// A unit as the wire names it: its id and its current name.
pub fn unit_ref(org: &OrgTree, id: UnitId) -> UnitRef {
    UnitRef {
        id: id.0,
        name: org.get(id).map(|u| u.name.clone()).unwrap_or_default(),
    }
}

pub const DEFAULT_PAGE_SIZE: u32 = 20;

pub const MAX_PAGE_SIZE: u32 = 200;

/// Request lists count matches exactly up to this many.
pub const COUNT_CAP: i64 = 10_000;

/// Resolves `page`/`page_size` into offset and limit, naming a bad parameter.
pub fn paging(page: Option<u32>, page_size: Option<u32>) -> ApiResult<(u32, u32, i64, i64)> {
    let page = page.unwrap_or(1);
    let size = page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    if page == 0 {
        return Err(ApiError::query("page", "pages count from 1"));
    }
    if size == 0 || size > MAX_PAGE_SIZE {
        return Err(ApiError::query(
            "page_size",
            format!("must be between 1 and {MAX_PAGE_SIZE}"),
        ));
    }
    Ok((
        page,
        size,
        i64::from(page - 1) * i64::from(size),
        i64::from(size),
    ))
}
