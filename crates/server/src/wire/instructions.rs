//! Leaders' instructions on the wire: the list query into the store's filter, and a stored
//! instruction into what the API and the pages show.

use civicgrid_api::{InstructionOut, InstructionQuery};
use civicgrid_domain::lifecycle::InstructionState;
use civicgrid_domain::org::OrgTree;
use civicgrid_domain::{Instant, UnitId};
use civicgrid_store::{InstructionFilter, InstructionRow};

use crate::error::{ApiError, ApiResult};
use crate::wire::unit_ref;

pub fn instruction_out(org: &OrgTree, i: &InstructionRow, now: Instant) -> InstructionOut {
    let state = i.state();
    InstructionOut {
        serial: i.serial.clone(),
        number: i.number,
        state: state.as_str().into(),
        request_state: i.request_state.as_str().into(),
        summary: i.content.chars().take(80).collect(),
        unit: unit_ref(org, i.unit),
        leader: i.leader_username.clone(),
        text: i.text.clone(),
        working_days: i.working_days,
        deadline: i.deadline,
        overdue: state != InstructionState::Reported && i.deadline.is_some_and(|d| d < now),
        given_at: i.given_at,
        acknowledged_at: i.acknowledged_at,
        acknowledged_by: i.acknowledged_by.clone(),
        report: i.report.clone(),
        reported_at: i.reported_at,
        reported_by: i.reported_by.clone(),
    }
}

/// The store filter of a list query (what the reader may see is added by the services).
pub fn filter(
    query: &InstructionQuery,
    now: Instant,
    offset: i64,
    limit: i64,
) -> ApiResult<InstructionFilter> {
    let mut filter = InstructionFilter {
        units: query.unit.map(|u| vec![UnitId(u)]),
        offset,
        limit,
        ..Default::default()
    };
    match query
        .state
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => {}
        Some("pending") => filter.pending = true,
        Some("overdue") => filter.overdue_at = Some(now),
        Some(word) => {
            filter.state = Some(InstructionState::parse(word).ok_or_else(|| {
                let mut words = InstructionState::words();
                words.extend(["pending", "overdue"]);
                ApiError::query("state", format!("must be one of: {}", words.join(", ")))
            })?);
        }
    }
    Ok(filter)
}
