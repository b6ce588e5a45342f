//! Leaders' instructions: the lists a leader (what he gave) and a unit (what it was given)
//! read. Giving, acknowledging and reporting are lifecycle actions (`services::cases::act`).

use civicgrid_domain::UnitId;
use civicgrid_domain::org::{Principal, Role};
use civicgrid_store::{InstructionFilter, InstructionRow};

use crate::error::{ApiError, ApiResult};
use crate::services::supervision::notice_units;
use crate::state::AppState;

/// One page of the instructions `principal` may see, narrowed by `filter`; `mine` keeps
/// those they gave. A unit named in the filter must be one of theirs (its subtree counts).
pub async fn list(
    state: &AppState,
    principal: &Principal,
    mut filter: InstructionFilter,
    mine: bool,
) -> ApiResult<(Vec<InstructionRow>, i64)> {
    let org = state.org();
    if principal
        .grants
        .iter()
        .all(|g| g.role == Role::DataProtection)
    {
        return Err(ApiError::new(civicgrid_api::ErrorCode::Forbidden));
    }
    let units = notice_units(principal, &org);
    if let Some(only) = filter.units.take() {
        let mut wanted: Vec<UnitId> = Vec::new();
        for unit in only {
            if org.get(unit).is_none() {
                return Err(ApiError::query("unit", "no such unit"));
            }
            if units.as_ref().is_some_and(|mine| !mine.contains(&unit)) {
                return Err(ApiError::query("unit", "not one of your units"));
            }
            wanted.extend(org.subtree(unit));
        }
        filter.units = Some(wanted);
    }
    filter.visible = units.map(|units| (Some(principal.user), units));
    if mine {
        filter.leader = Some(principal.user);
    }
    Ok(state.store.instructions(&filter).await?)
}
