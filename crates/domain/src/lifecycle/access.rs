//! Who may read and act on a case: the units it is tied to, the roles each action needs,
//! and the one authorisation rule. Kept apart from legality (`decide`).

use super::words::Action;
use crate::error::Refusal;
use crate::ids::UnitId;
use crate::org::{OrgTree, Principal, Role};

/// The units a case is tied to, for deciding who may see and act on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub lead: Option<UnitId>,
    pub assisting: Vec<UnitId>,
    /// Every unit that has handled it, now or before (lead, assisting, coordinating).
    pub handlers: Vec<UnitId>,
    /// Where it lies and where it was taken in (area grid or community, intake unit).
    pub places: Vec<UnitId>,
    /// The business line of its category, if any.
    pub line: Option<String>,
    /// The unit that convened a running coordination, and the units taking part in it.
    pub convenor: Option<UnitId>,
    pub participants: Vec<UnitId>,
    /// Departments a street summoned to the site.
    pub summoned: Vec<UnitId>,
    /// Units with a leader's instruction they have not reported on (for one instruction's
    /// acknowledgement or report: that instruction's unit alone).
    pub instructed: Vec<UnitId>,
    /// The caller asked to stay unknown to the units (GB/T 33358 confidentiality): only the
    /// hub's operators and supervisors read the caller's name and phone.
    pub confidential: bool,
}

/// What a principal wants to do: read a case, read its personal data, or act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    Read,
    ReadPersonal,
    Act(Action),
}

/// The roles that may issue each action.
pub fn roles_for(action: Action) -> &'static [Role] {
    use Action as A;
    use Role as R;
    match action {
        A::Answer => &[R::Operator],
        // The hub convenes, or a unit leading the case (a street convenes itself; any other
        // unit's order is convened by the hub); participants answer; the convenor concludes.
        A::Coordinate | A::Agree | A::Settle => &[R::Dispatcher, R::Handler],
        A::AnswerCoordination | A::ReportOnSite => &[R::Handler],
        A::Summon | A::RateResponse => &[R::Handler, R::Dispatcher],
        A::Instruct => &[R::Leader],
        A::AcknowledgeInstruction | A::ReportInstruction => &[R::Handler, R::UnitHead],
        A::Dispatch
        | A::Designate
        | A::RejectReturn
        | A::Transfer
        | A::ApproveExtension
        | A::RefuseExtension => &[R::Dispatcher],
        A::Suspend | A::Resume | A::TransferOut | A::Close => &[R::Dispatcher],
        A::CallbackFailed | A::CallbackImpossible => &[R::Operator, R::Dispatcher, R::Supervisor],
        A::Merge | A::Repeat | A::Cancel | A::Place => &[R::Dispatcher, R::Operator],
        A::Accept | A::Contact | A::Return | A::AssignDown | A::AssistReport => &[R::Handler],
        A::RequestExtension | A::Resolve => &[R::Handler],
        A::SignReply => &[R::UnitHead],
        A::ApproveReply => &[R::Dispatcher, R::Supervisor],
        A::SendBack => &[R::UnitHead, R::Dispatcher, R::Supervisor],
        A::Callback => &[R::Operator, R::Dispatcher, R::Supervisor],
        A::Reopen => &[R::Dispatcher, R::Supervisor],
        A::Appeal => &[R::Handler],
        A::ApproveAppeal | A::RefuseAppeal => &[R::Dispatcher, R::Supervisor],
        A::Remind | A::Urge | A::Supervise | A::HoldAccountable | A::QualityCallback => {
            &[R::Supervisor]
        }
    }
}

fn line_ok(grant_lines: &[String], line: Option<&String>) -> bool {
    match line {
        Some(line) if !grant_lines.is_empty() => grant_lines.contains(line),
        _ => true,
    }
}

/// Whether a grant's unit covers the case. Handlers reach only the cases their unit
/// handles (lead, or assisting for assisting work and reading); every other role reaches
/// any case tied to a unit in its subtree.
fn covers(org: &OrgTree, grant_unit: UnitId, role: Role, want: Want, scope: &Scope) -> bool {
    let within = |unit: &UnitId| org.is_within(*unit, grant_unit);
    if role == Role::Admin {
        return true;
    }
    // A unit head works on its own unit's cases as its handlers do.
    if matches!(role, Role::Handler | Role::UnitHead) {
        let lead = scope.lead.as_ref().is_some_and(within);
        let assisting = scope.assisting.iter().any(within);
        return match want {
            Want::Act(Action::AssistReport) => assisting,
            Want::Act(Action::AnswerCoordination) => scope.participants.iter().any(within),
            Want::Act(Action::ReportOnSite) => scope.summoned.iter().any(within),
            Want::Act(Action::AcknowledgeInstruction | Action::ReportInstruction) => {
                scope.instructed.iter().any(within)
            }
            Want::Act(Action::Agree | Action::Settle) => {
                scope.convenor.as_ref().is_some_and(within)
            }
            Want::Act(_) => lead,
            // Units that handled it before keep read access to their own work.
            Want::Read | Want::ReadPersonal => {
                lead || assisting
                    || scope.handlers.iter().any(within)
                    || scope.instructed.iter().any(within)
            }
        };
    }
    // The hub's check of a reply is the hub's: a street's dispatcher does not approve or
    // send back its own street's replies.
    if matches!(want, Want::Act(Action::ApproveReply | Action::SendBack)) {
        return Some(grant_unit) == org.root();
    }
    scope.lead.as_ref().is_some_and(within)
        || scope.assisting.iter().any(within)
        || scope.instructed.iter().any(within)
        || scope.handlers.iter().any(within)
        || scope.places.iter().any(within)
}

/// Whether one grant reads a confidential caller: the hub's operators and supervisors only.
fn reads_confidential_by(grant: &crate::org::Grant, org: &OrgTree) -> bool {
    matches!(grant.role, Role::Operator | Role::Supervisor) && Some(grant.unit) == org.root()
}

/// Whether `principal` reads confidential callers at all (for searches by phone, where a
/// match alone would tell who complained).
pub fn reads_confidential(principal: &Principal, org: &OrgTree) -> bool {
    principal
        .grants
        .iter()
        .any(|g| reads_confidential_by(g, org))
}

/// Decides whether `principal` may do `want` on a case with this scope.
pub fn authorize(
    principal: &Principal,
    want: Want,
    scope: &Scope,
    org: &OrgTree,
) -> Result<(), Refusal> {
    let name = match want {
        Want::Read => "read",
        Want::ReadPersonal => "read_personal_data",
        Want::Act(action) => action.as_str(),
    };
    let allowed = principal.grants.iter().any(|grant| {
        let role_ok = match want {
            // The data-protection officer reads the audit, not the cases.
            Want::Read => grant.role != Role::DataProtection,
            Want::ReadPersonal if scope.confidential => reads_confidential_by(grant, org),
            Want::ReadPersonal => grant.role.sees_personal_data(),
            Want::Act(action) => {
                grant.role == Role::Admin || roles_for(action).contains(&grant.role)
            }
        };
        role_ok
            && line_ok(&grant.lines, scope.line.as_ref())
            && covers(org, grant.unit, grant.role, want, scope)
    });
    if allowed {
        Ok(())
    } else {
        Err(Refusal::Forbidden { action: name })
    }
}
