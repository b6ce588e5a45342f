//! The request lifecycle as one pure transition function: given a case's current values, a
//! command and who issues it when, `decide` returns the case's next values and the events
//! that record the move, or refuses. Nothing else may change a case's state, so every
//! state is explained by its events.
//!
//! Authorisation (`authorize`) is kept apart from legality (`decide`): the first asks whether
//! this person may act on this case at all, the second whether the case's state allows it.

use crate::error::{Invalid, Refusal};
use crate::ids::{RequestId, UnitId};
use crate::org::{Actor, OrgTree, Principal, Role};
use crate::request::{
    Kind, MAX_CONTENT_CHARS, MAX_REASON_CHARS, Outcome, Platform, Rating, State,
    parse_optional_text, parse_text,
};
use crate::{Instant, word_enum};

word_enum! {
    /// The moves a person can ask for; each is also the path word in the API.
    pub enum Action {
        Answer = "answer",
        Dispatch = "dispatch",
        Accept = "accept",
        Contact = "contact",
        Return = "return",
        Transfer = "transfer",
        AssignDown = "assign_down",
        AssistReport = "assist_report",
        Coordinate = "coordinate",
        RequestExtension = "request_extension",
        ApproveExtension = "approve_extension",
        RefuseExtension = "refuse_extension",
        Suspend = "suspend",
        Resume = "resume",
        Resolve = "resolve",
        Callback = "callback",
        Reopen = "reopen",
        Close = "close",
        Cancel = "cancel",
        Merge = "merge",
        TransferOut = "transfer_out",
        Remind = "remind",
        Urge = "urge",
        Supervise = "supervise",
        HoldAccountable = "hold_accountable",
        QualityCallback = "quality_callback",
    }
}

/// What an event records: `received` opens every history, an action's event carries the
/// action itself (so the two lists of words cannot drift apart), and `child_merged` is
/// written on a parent when a duplicate joins it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    Received,
    Act(Action),
    ChildMerged,
}

impl EventKind {
    /// The one spelling used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Received => "received",
            EventKind::Act(action) => action.as_str(),
            EventKind::ChildMerged => "child_merged",
        }
    }

    /// Parses the snake_case word; `None` for anything else.
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "received" => Some(EventKind::Received),
            "child_merged" => Some(EventKind::ChildMerged),
            other => Action::parse(other).map(EventKind::Act),
        }
    }

    /// All event words: `received`, every action's, `child_merged`.
    pub fn words() -> Vec<&'static str> {
        let mut words = vec!["received"];
        words.extend(Action::words());
        words.push("child_merged");
        words
    }

    /// The action this event records, if it records one.
    pub fn action(self) -> Option<Action> {
        match self {
            EventKind::Act(action) => Some(action),
            EventKind::Received | EventKind::ChildMerged => None,
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Action> for EventKind {
    fn from(action: Action) -> Self {
        EventKind::Act(action)
    }
}

word_enum! {
    /// An argument an action takes: a field of the API's action body and of the page's
    /// action form alike.
    pub enum Argument {
        Unit = "unit",
        Units = "units",
        Reason = "reason",
        Note = "note",
        Reply = "reply",
        Outcome = "outcome",
        ProperOwner = "proper_owner",
        Rating = "rating",
        Resolved = "resolved",
        WorkingDays = "working_days",
        Parent = "parent",
        Platform = "platform",
        CancelReason = "cancel_reason",
    }
}

impl Action {
    /// The arguments the action takes, in the order a form asks for them. The one table
    /// of them: the pages build their forms from it.
    pub fn arguments(self) -> &'static [Argument] {
        use Action as A;
        use Argument as G;
        match self {
            A::Answer => &[G::Reply],
            A::Dispatch | A::AssignDown => &[G::Unit],
            A::Transfer => &[G::Unit, G::Reason],
            A::AssistReport => &[G::Unit, G::Note],
            A::Coordinate => &[G::Units, G::Reason],
            A::Contact => &[G::Note],
            A::Return
            | A::RefuseExtension
            | A::Suspend
            | A::Reopen
            | A::Close
            | A::Remind
            | A::Urge
            | A::Supervise
            | A::HoldAccountable => &[G::Reason],
            A::RequestExtension => &[G::WorkingDays, G::Reason],
            A::Resolve => &[G::Outcome, G::Reply, G::ProperOwner],
            A::Callback | A::QualityCallback => &[G::Rating, G::Resolved, G::Note],
            A::Cancel => &[G::CancelReason, G::Note],
            A::Merge => &[G::Parent],
            A::TransferOut => &[G::Platform, G::Reason],
            A::Accept | A::ApproveExtension | A::Resume => &[],
        }
    }
}

word_enum! {
    /// How a routing decision was fixed ("三定") or that it fell back to the territory.
    pub enum Basis {
        Statute = "statute",
        Agreement = "agreement",
        Designation = "designation",
        Territorial = "territorial",
        Manual = "manual",
    }
}

/// The values of a case that the rules read and write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub kind: Kind,
    pub state: State,
    /// The unit that must resolve it (lead unit in joint handling).
    pub lead: Option<UnitId>,
    pub assisting: Vec<UnitId>,
    /// Units taking part in a hub-led coordination.
    pub coordination: Vec<UnitId>,
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

/// A command with its arguments, already parsed into domain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Answer {
        reply: String,
    },
    Dispatch {
        unit: UnitId,
        assisting: Vec<UnitId>,
        basis: Basis,
    },
    Accept,
    Contact {
        note: Option<String>,
    },
    Return {
        reason: String,
    },
    Transfer {
        unit: UnitId,
        reason: Option<String>,
    },
    AssignDown {
        unit: UnitId,
    },
    AssistReport {
        unit: UnitId,
        note: String,
    },
    Coordinate {
        units: Vec<UnitId>,
        reason: String,
    },
    RequestExtension {
        working_days: u32,
        reason: String,
    },
    ApproveExtension,
    RefuseExtension {
        reason: String,
    },
    Suspend {
        reason: String,
    },
    Resume,
    Resolve {
        outcome: Outcome,
        reply: String,
        proper_owner: Option<String>,
    },
    Callback {
        rating: Rating,
        resolved: bool,
        note: Option<String>,
    },
    Reopen {
        reason: String,
    },
    Close {
        reason: String,
    },
    Cancel {
        reason: String,
    },
    TransferOut {
        platform: Platform,
        reason: String,
    },
    /// A supervisor's reminder to the handling unit (提醒).
    Remind {
        reason: String,
    },
    /// A recorded urging notice to the handling unit's head (催办).
    Urge {
        reason: String,
    },
    /// Puts the case in the supervision pool, owned by the supervisor who acts (督办).
    Supervise {
        reason: String,
    },
    /// An accountability finding against a unit (问效); the lead unit when none is named.
    HoldAccountable {
        unit: Option<UnitId>,
        finding: String,
    },
    /// A supervisor's quality callback on a case drawn for sampling (抽查回访).
    QualityCallback {
        rating: Rating,
        resolved: bool,
        note: Option<String>,
    },
}

impl Command {
    pub fn action(&self) -> Action {
        match self {
            Command::Answer { .. } => Action::Answer,
            Command::Dispatch { .. } => Action::Dispatch,
            Command::Accept => Action::Accept,
            Command::Contact { .. } => Action::Contact,
            Command::Return { .. } => Action::Return,
            Command::Transfer { .. } => Action::Transfer,
            Command::AssignDown { .. } => Action::AssignDown,
            Command::AssistReport { .. } => Action::AssistReport,
            Command::Coordinate { .. } => Action::Coordinate,
            Command::RequestExtension { .. } => Action::RequestExtension,
            Command::ApproveExtension => Action::ApproveExtension,
            Command::RefuseExtension { .. } => Action::RefuseExtension,
            Command::Suspend { .. } => Action::Suspend,
            Command::Resume => Action::Resume,
            Command::Resolve { .. } => Action::Resolve,
            Command::Callback { .. } => Action::Callback,
            Command::Reopen { .. } => Action::Reopen,
            Command::Close { .. } => Action::Close,
            Command::Cancel { .. } => Action::Cancel,
            Command::TransferOut { .. } => Action::TransferOut,
            Command::Remind { .. } => Action::Remind,
            Command::Urge { .. } => Action::Urge,
            Command::Supervise { .. } => Action::Supervise,
            Command::HoldAccountable { .. } => Action::HoldAccountable,
            Command::QualityCallback { .. } => Action::QualityCallback,
        }
    }
}

/// The longest extension a unit may ask for at once, in working days.
pub const MAX_EXTENSION_DAYS: u32 = 30;

/// Parses free text for a reason field.
pub fn reason(field: &str, raw: &str) -> Result<String, Invalid> {
    parse_text(field, raw, MAX_REASON_CHARS)
}

/// Parses a reply to the citizen.
pub fn reply(field: &str, raw: &str) -> Result<String, Invalid> {
    parse_text(field, raw, MAX_CONTENT_CHARS)
}

/// Parses an optional note.
pub fn note(field: &str, raw: Option<&str>) -> Result<Option<String>, Invalid> {
    parse_optional_text(field, raw, MAX_REASON_CHARS)
}

/// Which states allow which action, before any argument is looked at. This table is the
/// lifecycle; `decide` adds the checks that depend on arguments and case values.
pub fn allowed_in(action: Action, state: State) -> bool {
    use Action as A;
    use State as S;
    match action {
        A::Answer => state == S::Received,
        A::Dispatch => matches!(state, S::Received | S::Returned | S::Coordinating),
        A::Coordinate => matches!(state, S::Received | S::Returned),
        A::Cancel | A::TransferOut => matches!(state, S::Received | S::Returned),
        A::Merge => matches!(state, S::Received | S::Returned | S::Dispatched),
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
        A::Callback | A::Close => state == S::Resolved,
        A::Reopen => matches!(state, S::Resolved | S::Closed),
        // Supervision acts on work still to be done; findings may come after the fact.
        A::Remind | A::Urge | A::Supervise => !state.is_final() && state != S::Resolved,
        A::HoldAccountable => !matches!(state, S::Merged | S::Cancelled),
        A::QualityCallback => state == S::Closed,
    }
}

/// Who issues a command, and when; plus the organisation to check unit arguments against.
pub struct Ctx<'a> {
    pub org: &'a OrgTree,
    pub actor: Actor,
    pub now: Instant,
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

fn refuse(action: Action, state: State) -> Refusal {
    Refusal::IllegalTransition {
        action: action.as_str(),
        state: state.as_str(),
    }
}

fn known_unit(ctx: &Ctx<'_>, field: &str, unit: UnitId) -> Result<(), Invalid> {
    if ctx.org.get(unit).is_some() {
        Ok(())
    } else {
        Err(Invalid::new(field, format!("unit {unit} does not exist")))
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
        } => {
            known_unit(ctx, "unit", *unit)?;
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
            next.state = State::Dispatched;
            next.lead = Some(*unit);
            next.assisting = assisting.clone();
            next.coordination.clear();
            detail.push(("unit".into(), unit.to_string()));
            detail.push(("basis".into(), basis.as_str().into()));
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
        Command::Return { reason: why } => {
            if let Some(lead) = case.lead {
                detail.push(("unit".into(), lead.to_string()));
            }
            next.state = State::Returned;
            next.lead = None;
            next.assisting.clear();
            next.pending_extension = None;
            next.return_count += 1;
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
            if units.is_empty() {
                return Err(Invalid::new("units", "name at least one unit to coordinate").into());
            }
            for (index, unit) in units.iter().enumerate() {
                known_unit(ctx, &format!("units[{index}]"), *unit)?;
            }
            let list: Vec<String> = units.iter().map(|u| u.to_string()).collect();
            detail.push(("units".into(), list.join(",")));
            next.state = State::Coordinating;
            next.lead = None;
            next.coordination = units.clone();
            reason = Some(why.clone());
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
        } => {
            if *outcome == Outcome::NotOurDuty && proper_owner.is_none() {
                return Err(Invalid::new(
                    "proper_owner",
                    "name the proper owner when it is not our duty",
                )
                .into());
            }
            next.state = State::Resolved;
            next.outcome = Some(*outcome);
            next.reply = Some(reply.clone());
            next.proper_owner = proper_owner.clone();
            next.pending_extension = None;
            detail.push(("outcome".into(), outcome.as_str().into()));
            detail.push(("reply".into(), reply.clone()));
            if let Some(owner) = proper_owner {
                detail.push(("proper_owner".into(), owner.clone()));
            }
        }
        Command::Callback {
            rating,
            resolved,
            note,
        } => {
            next.rating = Some(*rating);
            next.citizen_says_resolved = Some(*resolved);
            detail.push(("rating".into(), rating.as_str().into()));
            detail.push(("resolved".into(), resolved.to_string()));
            reason = note.clone();
            if *rating == Rating::Unsatisfied {
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
        Command::Reopen { reason: why } => {
            next = reopen_values(case);
            detail.push(("redo".into(), next.redo_count.to_string()));
            reason = Some(why.clone());
        }
        Command::Close { reason: why } => {
            next.state = State::Closed;
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
        Command::QualityCallback {
            rating,
            resolved,
            note,
        } => {
            detail.push(("rating".into(), rating.as_str().into()));
            detail.push(("resolved".into(), resolved.to_string()));
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
        effects: Default::default(),
    })
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

/// Merging a duplicate `child` into `parent`: both sides change, in one transaction.
pub fn decide_merge(
    child_id: RequestId,
    child: &Case,
    parent_id: RequestId,
    parent: &Case,
    ctx: &Ctx<'_>,
) -> Result<(Decision, Decision), Refusal> {
    if !allowed_in(Action::Merge, child.state) {
        return Err(refuse(Action::Merge, child.state));
    }
    if child_id == parent_id {
        return Err(Invalid::new("parent", "a request cannot be merged into itself").into());
    }
    if parent.state.is_final() || parent.state == State::Merged {
        return Err(Invalid::new(
            "parent",
            format!("the parent is {} and cannot take duplicates", parent.state),
        )
        .into());
    }
    let mut child_next = child.clone();
    child_next.state = State::Merged;
    child_next.parent = Some(parent_id);
    let mut parent_next = parent.clone();
    parent_next.demand += child.demand;
    let child_event = Event {
        kind: EventKind::Act(Action::Merge),
        at: ctx.now,
        actor: ctx.actor,
        from: Some(child.state),
        to: State::Merged,
        reason: None,
        detail: vec![("parent".into(), parent_id.to_string())],
    };
    let parent_event = Event {
        kind: EventKind::ChildMerged,
        at: ctx.now,
        actor: ctx.actor,
        from: Some(parent.state),
        to: parent.state,
        reason: None,
        detail: vec![
            ("child".into(), child_id.to_string()),
            ("demand".into(), parent_next.demand.to_string()),
        ],
    };
    Ok((
        Decision {
            case: child_next,
            events: vec![child_event],
            effects: Default::default(),
        },
        Decision {
            case: parent_next,
            events: vec![parent_event],
            effects: Default::default(),
        },
    ))
}

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
        A::Dispatch | A::Coordinate | A::Transfer | A::ApproveExtension | A::RefuseExtension => {
            &[R::Dispatcher]
        }
        A::Suspend | A::Resume | A::TransferOut | A::Close => &[R::Dispatcher],
        A::Merge | A::Cancel => &[R::Dispatcher, R::Operator],
        A::Accept | A::Contact | A::Return | A::AssignDown | A::AssistReport => &[R::Handler],
        A::RequestExtension | A::Resolve => &[R::Handler],
        A::Callback => &[R::Operator, R::Dispatcher, R::Supervisor],
        A::Reopen => &[R::Dispatcher, R::Supervisor],
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
    if role == Role::Handler {
        let lead = scope.lead.as_ref().is_some_and(within);
        let assisting = scope.assisting.iter().any(within);
        return match want {
            Want::Act(Action::AssistReport) => assisting,
            Want::Act(_) => lead,
            // Units that handled it before keep read access to their own work.
            Want::Read | Want::ReadPersonal => {
                lead || assisting || scope.handlers.iter().any(within)
            }
        };
    }
    scope.lead.as_ref().is_some_and(within)
        || scope.assisting.iter().any(within)
        || scope.handlers.iter().any(within)
        || scope.places.iter().any(within)
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
            Want::Read => true,
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
