//! Supervision on the wire: pool entries and sampled cases with their list rows.

use civicgrid_api::{PoolItemOut, SampleOut};
use civicgrid_domain::Instant;
use civicgrid_domain::clocks::NoticeKind;
use civicgrid_domain::org::OrgTree;
use civicgrid_store::{PoolRow, SampleRow};

use crate::error::{ApiError, ApiResult};
use crate::services::cases::Listing;
use crate::wire::cases::summary;
use crate::wire::unit_ref;

pub fn pool_item_out(org: &OrgTree, (p, listing): (PoolRow, Listing), now: Instant) -> PoolItemOut {
    PoolItemOut {
        request: summary(&listing, now),
        owner: p.owner_username,
        stage: p.stage,
        unit: p.unit.map(|u| unit_ref(org, u)),
        reason: p.reason,
        since: p.since,
        closed_at: p.closed_at,
        times: p.times,
    }
}

pub fn sample_out((m, listing): (SampleRow, Listing), now: Instant) -> SampleOut {
    SampleOut {
        request: summary(&listing, now),
        drawn_at: m.drawn_at,
        done_at: m.done_at,
        rating: m.rating,
        citizen_says_resolved: m.citizen_resolved,
        note: m.note,
        reopened: m.reopened,
        falsified: m.falsified,
    }
}

/// The kind of notice a list asks for: a reminder, an urging notice, an accountability
/// record or a leader's instruction (the pool, not a notice, records supervision).
pub fn notice_kind(raw: Option<&str>) -> ApiResult<Option<NoticeKind>> {
    match raw {
        None => Ok(None),
        Some(word) => NoticeKind::parse(word).map(Some).ok_or_else(|| {
            ApiError::query(
                "kind",
                format!("must be one of: {}", NoticeKind::words().join(", ")),
            )
        }),
    }
}
