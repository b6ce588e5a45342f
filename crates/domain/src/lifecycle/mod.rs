//! The request lifecycle as one pure transition function: given a case's current values, a
//! command and who issues it when, `decide` returns the case's next values and the events
//! that record the move, or refuses. Nothing else may change a case's state, so every
//! state is explained by its events.
//!
//! Authorisation (`authorize`) is kept apart from legality (`decide`): the first asks whether
//! this person may act on this case at all, the second whether the case's state allows it.

mod access;
mod command;
mod coordination;
mod instructions;
mod pairs;
mod review;
mod rules;
mod summons;
mod words;

pub use access::{Scope, Want, authorize, reads_confidential, roles_for};
pub use command::{Command, MAX_EXTENSION_DAYS, MAX_INSTRUCTION_DAYS, note, reason, reply};
pub use instructions::{Instruction, waiting as waiting_instruction};
pub use pairs::{DecidePair, decide_merge, decide_repeat, merged_callback_due};
pub use review::cites_unnamed_policy;
pub use rules::Rules;
pub use words::{
    Action, AppealGround, AppealState, Argument, Basis, EventKind, InstructionState, NoCallback,
    ReplyReview, ReviewStep,
};

use crate::Instant;
use crate::calendar::{Calendar, Calendars};
use crate::error::{Invalid, Refusal};
use crate::ids::{RequestId, UnitId};
use crate::org::{Actor, OrgTree};
use crate::request::{Kind, Outcome, Rating, State};

/// The values of a case that the rules read and write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub kind: Kind,
    pub state: State,
    /// The unit that must resolve it (lead unit in joint handling).
    pub lead: Option<UnitId>,
    pub assisting: Vec<UnitId>,
    /// Units taking part in a running coordination.
    pub coordination: Vec<UnitId>,
    /// The unit that convened it: the hub, or the street that leads the case.
    pub convenor: Option<UnitId>,
    /// Participants that have answered the coordination question.
    pub answered: Vec<UnitId>,
    /// Working days asked for by a pending extension request.
    pub pending_extension: Option<u32>,
    /// Working days granted by approved extensions, in total.
    pub extension_days: u32,
    pub suspended_from: Option<State>,
    pub parent: Option<RequestId>,
    pub outcome: Option<Outcome>,
    pub reply: Option<String>,
    pub proper_owner: Option<String>,
    pub rating: Option<Rating>,
    /// The citizen's own word at callback on whether the problem is solved.
    pub citizen_says_resolved: Option<bool>,
    /// Callers counted as demand: 1 plus every merged duplicate's demand.
    pub demand: u32,
    pub redo_count: u32,
    pub return_count: u32,
    /// The first unit the case was dispatched to (首办责任); kept whoever handles it later.
    pub first_responder: Option<UnitId>,
    /// When the current lead unit received the case (dispatch, transfer, assignment).
    pub assigned_at: Option<Instant>,
    /// Times the hub has dispatched it.
    pub dispatch_count: u32,
    /// Marked complex at dispatch: a longer window to return it.
    pub complex: bool,
    /// Marked important at dispatch: its reply needs a unit head's signature.
    pub important: bool,
    /// Whether the caller left a way to be called back.
    pub contact: bool,
    /// Failed callback attempts, counted once per local day.
    pub callback_attempts: u32,
    pub last_callback_attempt: Option<Instant>,
    /// While a return awaits the hub's review: the unit that returned it and the state it
    /// was in (a refused return sends it back there).
    pub returned_by: Option<UnitId>,
    pub returned_from: Option<State>,
    /// The hub designated its owner (指定): it can no longer be returned.
    pub designated: bool,
    /// A unit's appeal against the case's count (核减): which unit, on what ground, and
    /// where it stands. An approved appeal keeps the case out of that unit's rates.
    pub appeal: Option<(UnitId, AppealGround, AppealState)>,
    /// Callers who brought this answered matter back with no new facts.
    pub repeats: u32,
    /// Where the unit's reply waits while under review.
    pub review: Option<ReviewStep>,
    /// The policy document the reply rests on, when it cites one.
    pub cites: Option<String>,
    /// Departments the street summoned (吹哨), those that reported on site, and those whose
    /// response the street has rated.
    pub summoned: Vec<UnitId>,
    pub reported: Vec<UnitId>,
    pub rated_units: Vec<UnitId>,
    /// Leaders' instructions on the case (批示), numbered from 1 in the order given.
    pub instructions: Vec<Instruction>,
}

impl Case {
    /// The unit whose rates this case no longer counts in (an approved appeal).
    pub fn exempt_unit(&self) -> Option<UnitId> {
        match self.appeal {
            Some((unit, _, AppealState::Approved)) => Some(unit),
            _ => None,
        }
    }
}

impl Case {
    /// A request as it is right after intake.
    pub fn received(kind: Kind) -> Case {
        Case {
            kind,
            state: State::Received,
            lead: None,
            assisting: Vec::new(),
            coordination: Vec::new(),
            convenor: None,
            answered: Vec::new(),
            pending_extension: None,
            extension_days: 0,
            suspended_from: None,
            parent: None,
            outcome: None,
            reply: None,
            proper_owner: None,
            rating: None,
            citizen_says_resolved: None,
            demand: 1,
            redo_count: 0,
            return_count: 0,
            first_responder: None,
            assigned_at: None,
            dispatch_count: 0,
            complex: false,
            important: false,
            contact: true,
            callback_attempts: 0,
            last_callback_attempt: None,
            returned_by: None,
            returned_from: None,
            designated: false,
            appeal: None,
            repeats: 0,
            review: None,
            cites: None,
            summoned: Vec::new(),
            reported: Vec::new(),
            rated_units: Vec::new(),
            instructions: Vec::new(),
        }
    }
}

/// One recorded move. `detail` is an ordered list of named values (kept as text so the
/// rules need no serialisation library; the store writes it as a JSON object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub at: Instant,
    pub actor: Actor,
    pub from: Option<State>,
    pub to: State,
    pub reason: Option<String>,
    pub detail: Vec<(String, String)>,
}

impl Event {
    /// The value a detail key carries, if the event has it.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.detail
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Which states allow which action, before any argument is looked at. This table is the
/// lifecycle; `decide` adds the checks that depend on arguments and case values.
pub fn allowed_in(action: Action, state: State) -> bool {
    use Action as A;
    use State as S;
    match action {
        A::Answer => state == S::Received,
        A::Dispatch | A::Designate => {
            matches!(state, S::Received | S::Returned | S::Coordinating)
        }
        A::RejectReturn => state == S::Returned,
        // The hub convenes on what waits with it; the unit leading a case asks for it.
        A::Coordinate => matches!(
            state,
            S::Received | S::Returned | S::Dispatched | S::Accepted | S::InProgress
        ),
        A::AnswerCoordination | A::Agree | A::Settle => state == S::Coordinating,
        A::Cancel | A::TransferOut => matches!(state, S::Received | S::Returned),
        A::Merge => matches!(state, S::Received | S::Returned | S::Dispatched),
        A::Repeat => state == S::Received,
        A::Accept => matches!(state, S::Dispatched | S::Reopened),
        A::Return => matches!(state, S::Dispatched | S::Accepted),
        A::Transfer => matches!(
            state,
            S::Dispatched | S::Accepted | S::InProgress | S::Reopened
        ),
        A::AssignDown => matches!(state, S::Dispatched | S::Accepted),
        A::Contact | A::AssistReport | A::Resolve => matches!(state, S::Accepted | S::InProgress),
        A::RequestExtension | A::ApproveExtension | A::RefuseExtension => {
            matches!(state, S::Accepted | S::InProgress)
        }
        A::Suspend => matches!(
            state,
            S::Dispatched | S::Accepted | S::InProgress | S::Reopened
        ),
        A::Resume => state == S::Suspended,
        A::SignReply | A::ApproveReply | A::SendBack => state == S::Reviewing,
        A::Summon => matches!(state, S::Dispatched | S::Accepted | S::InProgress),
        // A department may arrive, and be rated, until the case is closed.
        A::ReportOnSite | A::RateResponse => {
            state.is_with_unit() || matches!(state, S::Reviewing | S::Resolved)
        }
        // A place is set or corrected while the case is open.
        A::Place => !state.is_final(),
        // A leader instructs on open work; the unit answers its instruction whatever
        // became of the case (a closed case still owes the leader its report).
        A::Instruct => !state.is_final(),
        A::AcknowledgeInstruction | A::ReportInstruction => true,
        A::Callback => matches!(state, S::Resolved | S::Merged),
        A::CallbackFailed | A::CallbackImpossible => state == S::Resolved,
        A::Close => false,
        A::Reopen => matches!(state, S::Resolved | S::Closed),
        // Supervision acts on work still to be done; findings may come after the fact.
        A::Remind | A::Urge | A::Supervise => !state.is_final() && state != S::Resolved,
        A::HoldAccountable => !matches!(state, S::Merged | S::Cancelled),
        A::QualityCallback => state == S::Closed,
        // A unit appeals a case it was given; the hub decides while the appeal is pending.
        A::Appeal | A::ApproveAppeal | A::RefuseAppeal => !matches!(
            state,
            S::Received
                | S::Returned
                | S::Coordinating
                | S::Merged
                | S::Cancelled
                | S::TransferredOut
        ),
    }
}

/// Who issues a command, and when; plus the organisation to check unit arguments against,
/// the calendars that windows count on and the district's rules.
pub struct Ctx<'a> {
    pub org: &'a OrgTree,
    pub calendars: &'a Calendars,
    pub rules: &'a Rules,
    pub actor: Actor,
    pub now: Instant,
}

impl Ctx<'_> {
    /// The calendar a unit works on.
    fn calendar_for(&self, unit: Option<UnitId>) -> &Calendar {
        self.calendars
            .for_kind(unit.and_then(|u| self.org.get(u)).map(|u| u.kind))
    }

    /// When the current lead unit's window to return the case closes.
    pub fn return_window(&self, case: &Case) -> Option<(u32, Instant)> {
        let received = case.assigned_at?;
        let days = if case.complex {
            self.rules.return_window_days_complex
        } else {
            self.rules.return_window_days
        };
        let closes = self
            .calendar_for(case.lead)
            .add_working_days(received, days);
        Some((days, closes))
    }
}

/// The result of a legal move: the case's new values and the events to append, in order,
/// and what the move does to deadline clocks and supervision records (filled in by
/// `clocks::plan` or `clocks::escalate`; `decide` alone leaves it empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub case: Case,
    pub events: Vec<Event>,
    pub effects: crate::clocks::Effects,
}

/// The refusal for an action that is no longer taken (it has no command), if it is one.
pub fn retired(action: Action) -> Option<Refusal> {
    (action == Action::Close).then_some(Refusal::Retired {
        action: "close",
        instead: "a resolved request closes only through `callback`, or `callback_impossible` when the caller left no contact or was not reached on enough different days",
    })
}

fn refuse(action: Action, state: State) -> Refusal {
    Refusal::IllegalTransition {
        action: action.as_str(),
        state: state.as_str(),
    }
}

pub(super) fn known_unit(ctx: &Ctx<'_>, field: &str, unit: UnitId) -> Result<(), Invalid> {
    match ctx.org.get(unit) {
        Some(found) if found.disabled => Err(Invalid::new(
            field,
            format!("unit {unit} is disabled: it takes no new work"),
        )),
        Some(_) => Ok(()),
        None => Err(Invalid::new(field, format!("unit {unit} does not exist"))),
    }
}

/// The first event of every history.
pub fn receive(
    kind: Kind,
    actor: Actor,
    now: Instant,
    detail: Vec<(String, String)>,
) -> (Case, Event) {
    let event = Event {
        kind: EventKind::Received,
        at: now,
        actor,
        from: None,
        to: State::Received,
        reason: None,
        detail,
    };
    (Case::received(kind), event)
}

/// Decides one command on one case. Pure: same inputs, same answer.
pub fn decide(case: &Case, command: &Command, ctx: &Ctx<'_>) -> Result<Decision, Refusal> {
    let action = command.action();
    if !allowed_in(action, case.state) {
        return Err(refuse(action, case.state));
    }
    let mut next = case.clone();
    let mut detail: Vec<(String, String)> = Vec::new();
    let mut reason: Option<String> = None;
    let mut extra: Vec<Event> = Vec::new();
    let mut finding = None;
    let mut placed = None;
    match command {
        Command::Answer { reply } => {
            if case.kind != Kind::Consultation {
                return Err(Invalid::new(
                    "kind",
                    "only a consultation can be answered on the spot",
                )
                .into());
            }
            next.state = State::Closed;
            next.outcome = Some(Outcome::Resolved);
            next.reply = Some(reply.clone());
            detail.push(("reply".into(), reply.clone()));
        }
        Command::Dispatch {
            unit,
            assisting,
            basis,
            complex,
            important,
        } => {
            known_unit(ctx, "unit", *unit)?;
            if case.dispatch_count >= ctx.rules.designate_after {
                return Err(Invalid::new(
                    "unit",
                    format!(
                        "dispatched {} times without an owner: the hub designates one (`designate`)",
                        case.dispatch_count
                    ),
                )
                .into());
            }
            let mut seen = Vec::new();
            for (index, helper) in assisting.iter().enumerate() {
                known_unit(ctx, &format!("assisting[{index}]"), *helper)?;
                if helper == unit || seen.contains(helper) {
                    return Err(Invalid::new(
                        format!("assisting[{index}]"),
                        "must differ from the lead unit and from each other",
                    )
                    .into());
                }
                seen.push(*helper);
            }
            dispatched_to(&mut next, *unit, ctx.now);
            next.assisting = assisting.clone();
            next.complex = case.complex || *complex;
            next.important = case.important || *important;
            detail.push(("unit".into(), unit.to_string()));
            detail.push(("basis".into(), basis.as_str().into()));
            if *complex {
                detail.push(("complex".into(), "true".into()));
            }
            if *important {
                detail.push(("important".into(), "true".into()));
            }
            if !assisting.is_empty() {
                let list: Vec<String> = assisting.iter().map(|u| u.to_string()).collect();
                detail.push(("assisting".into(), list.join(",")));
            }
        }
        Command::Accept => {
            next.state = State::Accepted;
        }
        Command::Contact { note } => {
            next.state = State::InProgress;
            reason = note.clone();
        }
        Command::Place {
            area,
            location,
            address,
        } => {
            known_unit(ctx, "grid", *area)?;
            if !ctx
                .org
                .get(*area)
                .is_some_and(|u| u.kind.is_territorial() && u.parent.is_some())
            {
                return Err(
                    Invalid::new("grid", "must be a street, community, grid or subgrid").into(),
                );
            }
            detail.push(("area".into(), area.to_string()));
            if let Some(at) = location {
                detail.push(("lat".into(), format!("{:.6}", at.lat)));
                detail.push(("lng".into(), format!("{:.6}", at.lng)));
            }
            reason = address.clone();
            placed = Some(crate::clocks::Placement {
                area: *area,
                location: *location,
                address: address.clone(),
            });
        }
        Command::Return {
            reason: why,
            proper_owner,
        } => {
            if case.designated {
                return Err(Invalid::new(
                    "reason",
                    "the hub designated this unit as the owner (指定): it cannot return the request; ask for coordination",
                )
                .into());
            }
            if let Some((days, closes)) = ctx.return_window(case)
                && ctx.now > closes
            {
                return Err(Refusal::WindowClosed {
                    action: action.as_str(),
                    window: format!("{days} working day(s) after the unit received the request"),
                    closed_at: closes,
                });
            }
            if let Some(lead) = case.lead {
                detail.push(("unit".into(), lead.to_string()));
            }
            if let Some(owner) = proper_owner {
                detail.push(("proper_owner".into(), owner.clone()));
            }
            next.state = State::Returned;
            next.returned_by = case.lead;
            next.returned_from = Some(case.state);
            next.lead = None;
            next.assisting.clear();
            next.pending_extension = None;
            next.return_count += 1;
            reason = Some(why.clone());
        }
        Command::RejectReturn { reason: why } => {
            let unit = case.returned_by.ok_or_else(|| refuse(action, case.state))?;
            detail.push(("unit".into(), unit.to_string()));
            next.state = case.returned_from.unwrap_or(State::Dispatched);
            next.lead = Some(unit);
            next.returned_by = None;
            next.returned_from = None;
            reason = Some(why.clone());
        }
        Command::Designate {
            unit,
            reason: why,
            rule,
        } => {
            known_unit(ctx, "unit", *unit)?;
            dispatched_to(&mut next, *unit, ctx.now);
            next.assisting.clear();
            next.designated = true;
            detail.push(("unit".into(), unit.to_string()));
            detail.push(("basis".into(), Basis::Designation.as_str().into()));
            if let Some((category, area)) = rule {
                finding = Some(crate::clocks::RoutingFinding {
                    category: *category,
                    area: *area,
                    unit: *unit,
                    basis: Basis::Designation,
                });
            }
            reason = Some(why.clone());
        }
        Command::Transfer { unit, reason: why } => {
            known_unit(ctx, "unit", *unit)?;
            if case.lead == Some(*unit) {
                return Err(Invalid::new("unit", "the request is already with this unit").into());
            }
            if let Some(from) = case.lead {
                detail.push(("from_unit".into(), from.to_string()));
            }
            detail.push(("unit".into(), unit.to_string()));
            next.state = State::Dispatched;
            next.lead = Some(*unit);
            next.assigned_at = Some(ctx.now);
            next.assisting.retain(|u| u != unit);
            next.pending_extension = None;
            reason = why.clone();
        }
        Command::AssignDown { unit } => {
            known_unit(ctx, "unit", *unit)?;
            let lead = case.lead.ok_or_else(|| refuse(action, case.state))?;
            if *unit == lead || !ctx.org.is_within(*unit, lead) {
                return Err(
                    Invalid::new("unit", "must be a unit below the current handling unit").into(),
                );
            }
            detail.push(("from_unit".into(), lead.to_string()));
            detail.push(("unit".into(), unit.to_string()));
            next.state = State::Dispatched;
            next.lead = Some(*unit);
            next.assigned_at = Some(ctx.now);
        }
        Command::AssistReport { unit, note } => {
            if !case.assisting.contains(unit) {
                return Err(
                    Invalid::new("unit", "is not an assisting unit of this request").into(),
                );
            }
            detail.push(("unit".into(), unit.to_string()));
            reason = Some(note.clone());
        }
        Command::Coordinate { units, reason: why } => {
            let step = coordination::open(case, &mut next, units, why, ctx)?;
            (detail, reason) = (step.detail, step.reason);
        }
        Command::AnswerCoordination {
            unit,
            opinion,
            capacity,
            owns,
        } => {
            let step =
                coordination::answer(case, &mut next, *unit, opinion, capacity.as_ref(), *owns)?;
            (detail, reason) = (step.detail, step.reason);
        }
        Command::Agree {
            unit,
            assisting,
            minutes,
            make_rule,
            rule,
        } => {
            let args = coordination::Agreement {
                unit: *unit,
                assisting,
                minutes,
                make_rule: *make_rule,
                rule: *rule,
            };
            let step = coordination::agree(&mut next, args, ctx)?;
            (detail, finding) = (step.detail, step.finding);
        }
        Command::Settle {
            reply,
            owner,
            minutes,
            make_rule,
            rule,
        } => {
            let args = coordination::Settlement {
                reply,
                owner: *owner,
                minutes,
                make_rule: *make_rule,
                rule: *rule,
            };
            let step = coordination::settle(case, &mut next, args, ctx)?;
            (detail, finding) = (step.detail, step.finding);
        }
        Command::Summon { units, reason: why } => {
            detail = summons::summon(case, &mut next, units, ctx)?;
            reason = Some(why.clone());
        }
        Command::ReportOnSite { unit, note } => {
            detail = summons::report(case, &mut next, *unit)?;
            reason = Some(note.clone());
        }
        Command::RateResponse { unit, rating, note } => {
            detail = summons::rate(case, &mut next, *unit, *rating)?;
            reason = note.clone();
        }
        Command::Instruct {
            unit,
            text,
            working_days,
        } => {
            detail = instructions::give(case, &mut next, *unit, *working_days, ctx)?;
            reason = Some(text.clone());
        }
        Command::AcknowledgeInstruction { number, note } => {
            detail = instructions::acknowledge(case, &mut next, *number)?;
            reason = note.clone();
        }
        Command::ReportInstruction { number, report } => {
            detail = instructions::report(case, &mut next, *number)?;
            reason = Some(report.clone());
        }
        Command::RequestExtension {
            working_days,
            reason: why,
        } => {
            if case.pending_extension.is_some() {
                return Err(refuse(action, case.state));
            }
            if *working_days == 0 || *working_days > MAX_EXTENSION_DAYS {
                return Err(Invalid::new(
                    "working_days",
                    format!("must be between 1 and {MAX_EXTENSION_DAYS}"),
                )
                .into());
            }
            next.pending_extension = Some(*working_days);
            detail.push(("working_days".into(), working_days.to_string()));
            reason = Some(why.clone());
        }
        Command::ApproveExtension => {
            let days = case
                .pending_extension
                .ok_or_else(|| refuse(action, case.state))?;
            next.pending_extension = None;
            next.extension_days += days;
            detail.push(("working_days".into(), days.to_string()));
        }
        Command::RefuseExtension { reason: why } => {
            if case.pending_extension.is_none() {
                return Err(refuse(action, case.state));
            }
            next.pending_extension = None;
            reason = Some(why.clone());
        }
        Command::Suspend { reason: why } => {
            next.suspended_from = Some(case.state);
            next.state = State::Suspended;
            reason = Some(why.clone());
        }
        Command::Resume => {
            next.state = case.suspended_from.unwrap_or(State::Dispatched);
            next.suspended_from = None;
        }
        Command::Resolve {
            outcome,
            reply,
            proper_owner,
            cites,
            unit_head,
        } => {
            if cites_unnamed_policy(reply, cites.as_deref()) {
                return Err(Invalid::new(
                    "cites",
                    "the reply rests on a rule or policy: name the document (《名称》 and its number)",
                )
                .into());
            }
            next.review = review::first_step(case, *unit_head, ctx.rules.reply_review)?;
            next.cites = cites.clone();
            if *outcome == Outcome::NotOurDuty && proper_owner.is_none() {
                return Err(Invalid::new(
                    "proper_owner",
                    "name the proper owner when it is not our duty",
                )
                .into());
            }
            next.state = review::state_for(next.review);
            next.outcome = Some(*outcome);
            next.reply = Some(reply.clone());
            next.proper_owner = proper_owner.clone();
            next.pending_extension = None;
            detail.push(("outcome".into(), outcome.as_str().into()));
            detail.push(("reply".into(), reply.clone()));
            if let Some(cites) = cites {
                detail.push(("cites".into(), cites.clone()));
            }
            if let Some(step) = next.review {
                detail.push(("review".into(), step.as_str().into()));
            }
            if let Some(owner) = proper_owner {
                detail.push(("proper_owner".into(), owner.clone()));
            }
        }
        Command::SignReply { note } => {
            review::sign(case, &mut next, ctx)?;
            if let Some(step) = next.review {
                detail.push(("review".into(), step.as_str().into()));
            }
            reason = note.clone();
        }
        Command::ApproveReply { note } => {
            review::approve(case, &mut next)?;
            reason = note.clone();
        }
        Command::SendBack { reason: why } => {
            let (step, lead) = review::send_back(case, &mut next, ctx)?;
            detail.push(("review".into(), step.as_str().into()));
            if let Some(lead) = lead {
                detail.push(("unit".into(), lead.to_string()));
            }
            reason = Some(why.clone());
        }
        Command::Callback {
            rating,
            resolved,
            note,
        } => {
            if case.state == State::Merged && case.rating.is_some() {
                return Err(Invalid::new("rating", "this caller was called back already").into());
            }
            if !case.contact {
                return Err(Invalid::new(
                    "rating",
                    "the caller left no contact: record `callback_impossible` with cause `no_contact`",
                )
                .into());
            }
            next.rating = Some(*rating);
            next.citizen_says_resolved = Some(*resolved);
            detail.push(("rating".into(), rating.as_str().into()));
            detail.push(("resolved".into(), resolved.to_string()));
            reason = note.clone();
            if case.state == State::Merged {
                // A merged duplicate's caller, called back once the request that answered
                // for them is resolved: the rating is theirs; the case stays merged.
            } else if *rating == Rating::Unsatisfied {
                next.state = State::Resolved;
                let reopened = reopen_values(&next);
                extra.push(Event {
                    kind: EventKind::Act(Action::Reopen),
                    at: ctx.now,
                    actor: ctx.actor,
                    from: Some(State::Resolved),
                    to: reopened.state,
                    reason: Some("unsatisfied at callback".into()),
                    detail: vec![("redo".into(), reopened.redo_count.to_string())],
                });
                next = reopened;
            } else {
                next.state = State::Closed;
            }
        }
        Command::CallbackFailed { note } => {
            let calendar = &ctx.calendars.official;
            let today = calendar.local_date(ctx.now);
            let new_day = case
                .last_callback_attempt
                .is_none_or(|last| calendar.local_date(last) != today);
            if new_day {
                next.callback_attempts += 1;
            }
            next.last_callback_attempt = Some(ctx.now);
            detail.push(("attempt_days".into(), next.callback_attempts.to_string()));
            reason = note.clone();
        }
        Command::CallbackImpossible { cause, note } => {
            match cause {
                NoCallback::NoContact if case.contact => {
                    return Err(Invalid::new(
                        "cause",
                        "the caller left a contact: call back, and record each failed attempt",
                    )
                    .into());
                }
                NoCallback::Unreachable if case.callback_attempts < ctx.rules.callback_attempts => {
                    return Err(Invalid::new(
                        "cause",
                        format!(
                            "needs failed callback attempts on {} different days; {} so far",
                            ctx.rules.callback_attempts, case.callback_attempts
                        ),
                    )
                    .into());
                }
                NoCallback::NoContact | NoCallback::Unreachable => {}
            }
            next.state = State::Closed;
            detail.push(("cause".into(), cause.as_str().into()));
            reason = note.clone();
        }
        Command::Reopen { reason: why } => {
            next = reopen_values(case);
            detail.push(("redo".into(), next.redo_count.to_string()));
            reason = Some(why.clone());
        }
        Command::Cancel { reason: why } => {
            next.state = State::Cancelled;
            reason = Some(why.clone());
        }
        Command::TransferOut {
            platform,
            reason: why,
        } => {
            next.state = State::TransferredOut;
            detail.push(("platform".into(), platform.as_str().into()));
            reason = Some(why.clone());
        }
        Command::Remind { reason: why }
        | Command::Urge { reason: why }
        | Command::Supervise { reason: why } => {
            if let Some(unit) = case.lead {
                detail.push(("unit".into(), unit.to_string()));
            }
            reason = Some(why.clone());
        }
        Command::HoldAccountable { unit, finding } => {
            let unit = unit.or(case.lead).ok_or_else(|| {
                Invalid::new(
                    "unit",
                    "name the unit held accountable; the request has none",
                )
            })?;
            known_unit(ctx, "unit", unit)?;
            detail.push(("unit".into(), unit.to_string()));
            reason = Some(finding.clone());
        }
        Command::Appeal {
            ground,
            reason: why,
        } => {
            let unit = case.lead.ok_or_else(|| refuse(action, case.state))?;
            if case.appeal.is_some() {
                return Err(Invalid::new(
                    "ground",
                    "this request already has an appeal; one per request",
                )
                .into());
            }
            next.appeal = Some((unit, *ground, AppealState::Pending));
            detail.push(("unit".into(), unit.to_string()));
            detail.push(("ground".into(), ground.as_str().into()));
            reason = Some(why.clone());
        }
        Command::ApproveAppeal { note } => {
            let (unit, ground) = pending_appeal(case, action)?;
            next.appeal = Some((unit, ground, AppealState::Approved));
            detail.push(("unit".into(), unit.to_string()));
            detail.push(("ground".into(), ground.as_str().into()));
            reason = note.clone();
        }
        Command::RefuseAppeal { reason: why } => {
            let (unit, ground) = pending_appeal(case, action)?;
            next.appeal = Some((unit, ground, AppealState::Refused));
            detail.push(("unit".into(), unit.to_string()));
            reason = Some(why.clone());
        }
        Command::QualityCallback {
            rating,
            resolved,
            note,
            falsified_by,
        } => {
            detail.push(("rating".into(), rating.as_str().into()));
            detail.push(("resolved".into(), resolved.to_string()));
            if let Some(recorder) = falsified_by {
                detail.push(("falsified".into(), "true".into()));
                if let Some(user) = recorder.user {
                    detail.push(("falsified_by_user".into(), user.0.to_string()));
                }
                if let Some(unit) = recorder.unit {
                    detail.push(("falsified_by_unit".into(), unit.to_string()));
                }
            }
            // A verdict the unit's work did not earn reopens it as a redo against the unit.
            if *rating == Rating::Unsatisfied || !*resolved {
                next = reopen_values(case);
                detail.push(("redo".into(), next.redo_count.to_string()));
            }
            reason = note.clone();
        }
    }
    let mut events = vec![Event {
        kind: action.into(),
        at: ctx.now,
        actor: ctx.actor,
        from: Some(case.state),
        to: if extra.is_empty() {
            next.state
        } else {
            State::Resolved
        },
        reason,
        detail,
    }];
    events.extend(extra);
    Ok(Decision {
        case: next,
        events,
        effects: crate::clocks::Effects {
            routing: finding,
            placed,
            ..Default::default()
        },
    })
}

/// What every dispatch by the hub (a plain one or a designation) does to the case: the
/// unit leads from now (its return window counts from here), the first unit ever
/// dispatched to stays the first responder, the count of dispatches goes up, and a pending
/// return or coordination is over.
pub(super) fn dispatched_to(next: &mut Case, unit: UnitId, now: Instant) {
    next.state = State::Dispatched;
    next.lead = Some(unit);
    next.coordination.clear();
    next.answered.clear();
    next.first_responder = next.first_responder.or(Some(unit));
    next.assigned_at = Some(now);
    next.dispatch_count += 1;
    next.returned_by = None;
    next.returned_from = None;
}

/// The appeal awaiting the hub's decision, or a refusal.
fn pending_appeal(case: &Case, action: Action) -> Result<(UnitId, AppealGround), Refusal> {
    match case.appeal {
        Some((unit, ground, AppealState::Pending)) => Ok((unit, ground)),
        _ => Err(Invalid::new(
            "appeal",
            format!(
                "no appeal is pending on this request to {}",
                action.as_str().replace('_', " ")
            ),
        )
        .into()),
    }
}

/// A reopened case goes back to its unit as a redo (counted against it); one answered on
/// the spot, with no unit, goes back to intake.
fn reopen_values(case: &Case) -> Case {
    let mut next = case.clone();
    next.redo_count += 1;
    next.outcome = None;
    next.rating = None;
    next.citizen_says_resolved = None;
    next.state = if case.lead.is_some() {
        State::Reopened
    } else {
        State::Received
    };
    next
}
