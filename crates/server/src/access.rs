//! Every role check outside the lifecycle rules, in one place: which roles may register,
//! add photos, look up callers, administer, open a page. The lifecycle's own permissions
//! (who may dispatch, accept … which case) are `domain::lifecycle::authorize`; this module
//! holds the checks that are not about one case's state. Must not know HTTP or pages.

use civicgrid_api::ErrorCode;
use civicgrid_domain::org::{Principal, Role};

use crate::error::{ApiError, ApiResult};

/// Whether `principal` holds one of `roles` (administrators count only if `roles` says so).
pub fn holds(principal: &Principal, roles: &[Role]) -> bool {
    principal.grants.iter().any(|g| roles.contains(&g.role))
}

/// Whether `principal` holds one of `roles` or is an administrator.
pub fn may(principal: &Principal, roles: &[Role]) -> bool {
    principal.is_admin() || holds(principal, roles)
}

/// Refuses unless `principal` holds one of `roles` (or is an administrator), saying who
/// `what` is for.
pub fn require_role(principal: &Principal, roles: &[Role], what: &str) -> ApiResult<()> {
    if may(principal, roles) {
        return Ok(());
    }
    let names = roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    Err(ApiError::with_message(
        ErrorCode::Forbidden,
        format!("{what} is for {names}"),
    ))
}

pub fn require_admin(principal: &Principal) -> ApiResult<()> {
    if principal.is_admin() {
        Ok(())
    } else {
        Err(ApiError::with_message(
            ErrorCode::Forbidden,
            "administrators only",
        ))
    }
}

/// Operators, grid workers and administrators register requests.
pub fn require_register(principal: &Principal) -> ApiResult<()> {
    if may(principal, &[Role::Operator, Role::GridWorker]) {
        Ok(())
    } else {
        Err(ApiError::with_message(
            ErrorCode::Forbidden,
            "only operators and grid workers register requests",
        ))
    }
}

/// A grid worker who is not also an operator registers only through `grid_report`.
pub fn registers_only_grid_reports(principal: &Principal) -> bool {
    !may(principal, &[Role::Operator])
}

/// Who may look a caller's earlier requests up by phone: the hub's roles that see personal
/// data.
pub fn require_caller_lookup(principal: &Principal) -> ApiResult<()> {
    let may_look = principal.grants.iter().any(|g| {
        matches!(g.role, Role::Operator | Role::Dispatcher | Role::Admin)
            && g.role.sees_personal_data()
    });
    if may_look {
        Ok(())
    } else {
        Err(ApiError::with_message(
            ErrorCode::Forbidden,
            "your roles do not look up callers",
        ))
    }
}

/// Who may add photos to a request they can read.
pub fn require_add_photos(principal: &Principal) -> ApiResult<()> {
    if may(
        principal,
        &[
            Role::Operator,
            Role::GridWorker,
            Role::Handler,
            Role::Dispatcher,
        ],
    ) {
        Ok(())
    } else {
        Err(ApiError::with_message(
            ErrorCode::Forbidden,
            "your roles do not add photos",
        ))
    }
}
