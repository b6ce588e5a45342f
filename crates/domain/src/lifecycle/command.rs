//! Commands: what a person asks of a case, with its arguments parsed into domain values,
//! and the parsers of the free text they carry.

use super::words::{Action, AppealGround, Basis, NoCallback};
use crate::error::Invalid;
use crate::ids::{CategoryId, UnitId};
use crate::org::Actor;
use crate::request::{
    Location, MAX_CONTENT_CHARS, MAX_REASON_CHARS, Outcome, Platform, Rating, parse_optional_text,
    parse_text,
};

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
        /// Marks the case complex (a longer return window).
        complex: bool,
        /// Marks the case important (its reply needs a unit head's signature).
        important: bool,
    },
    Accept,
    Contact {
        note: Option<String>,
    },
    /// The unit says the case is not its duty, and names the proper owner where it knows.
    Return {
        reason: String,
        proper_owner: Option<String>,
    },
    /// The hub refuses the unit's return; the case goes back to it.
    RejectReturn {
        reason: String,
    },
    /// The hub designates the owner (指定). `rule` is the routing key the designation
    /// becomes a rule for: the request's category and the street it lies in.
    Designate {
        unit: UnitId,
        reason: String,
        rule: Option<(CategoryId, Option<UnitId>)>,
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
    /// A participating unit answers the coordination question.
    AnswerCoordination {
        unit: UnitId,
        opinion: String,
        capacity: Option<String>,
        owns: bool,
    },
    /// The convenor records the meeting and dispatches to the agreed lead with helpers.
    /// With `make_rule`, `rule` is the routing key the agreement becomes a rule for (the
    /// request's category and street, filled in by the services).
    Agree {
        unit: UnitId,
        assisting: Vec<UnitId>,
        minutes: String,
        make_rule: bool,
        rule: Option<(CategoryId, Option<UnitId>)>,
    },
    /// The convenor resolves the case itself and records the unit found responsible.
    Settle {
        reply: String,
        owner: UnitId,
        minutes: String,
        make_rule: bool,
        rule: Option<(CategoryId, Option<UnitId>)>,
    },
    /// The street leading the case summons departments to report on site (吹哨报到).
    Summon {
        units: Vec<UnitId>,
        reason: String,
    },
    ReportOnSite {
        unit: UnitId,
        note: String,
    },
    RateResponse {
        unit: UnitId,
        rating: Rating,
        note: Option<String>,
    },
    /// The hub places a request whose place was unknown, or corrects it: the territorial
    /// unit it lies in (found from a point or named by its place code), the point and the
    /// address as the hub found them.
    Place {
        area: UnitId,
        location: Option<Location>,
        address: Option<String>,
    },
    /// A leader's instruction (批示) for `unit` (the handling unit when none is named), with
    /// a deadline of `working_days` when the leader sets one.
    Instruct {
        unit: Option<UnitId>,
        text: String,
        working_days: Option<u32>,
    },
    /// The instructed unit acknowledges instruction `number` (the only one waiting when
    /// none is named).
    AcknowledgeInstruction {
        number: Option<u32>,
        note: Option<String>,
    },
    /// The instructed unit reports back on instruction `number`.
    ReportInstruction {
        number: Option<u32>,
        report: String,
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
    /// The unit's reply. `unit_head`: the lead unit has a unit head to sign it (filled in by
    /// the services); `cites`: the policy document the reply rests on.
    Resolve {
        outcome: Outcome,
        reply: String,
        proper_owner: Option<String>,
        cites: Option<String>,
        unit_head: bool,
    },
    SignReply {
        note: Option<String>,
    },
    ApproveReply {
        note: Option<String>,
    },
    SendBack {
        reason: String,
    },
    Callback {
        rating: Rating,
        resolved: bool,
        note: Option<String>,
    },
    /// A callback attempt that reached nobody.
    CallbackFailed {
        note: Option<String>,
    },
    /// Closes a resolved case without a callback, for a cause the rules accept.
    CallbackImpossible {
        cause: NoCallback,
        note: Option<String>,
    },
    Reopen {
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
    /// The lead unit asks for the case to be taken out of its rates (核减).
    Appeal {
        ground: AppealGround,
        reason: String,
    },
    /// The hub approves the pending appeal: the case leaves the unit's rates.
    ApproveAppeal {
        note: Option<String>,
    },
    RefuseAppeal {
        reason: String,
    },
    /// A supervisor's quality callback on a case drawn for sampling (抽查回访). An
    /// unsatisfied or unresolved verdict reopens the case as a redo against its unit;
    /// `falsified_by` is who recorded the callback the citizen says never happened.
    QualityCallback {
        rating: Rating,
        resolved: bool,
        note: Option<String>,
        falsified_by: Option<Actor>,
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
            Command::RejectReturn { .. } => Action::RejectReturn,
            Command::Designate { .. } => Action::Designate,
            Command::Transfer { .. } => Action::Transfer,
            Command::AssignDown { .. } => Action::AssignDown,
            Command::AssistReport { .. } => Action::AssistReport,
            Command::Coordinate { .. } => Action::Coordinate,
            Command::AnswerCoordination { .. } => Action::AnswerCoordination,
            Command::Agree { .. } => Action::Agree,
            Command::Settle { .. } => Action::Settle,
            Command::Summon { .. } => Action::Summon,
            Command::ReportOnSite { .. } => Action::ReportOnSite,
            Command::RateResponse { .. } => Action::RateResponse,
            Command::Place { .. } => Action::Place,
            Command::Instruct { .. } => Action::Instruct,
            Command::AcknowledgeInstruction { .. } => Action::AcknowledgeInstruction,
            Command::ReportInstruction { .. } => Action::ReportInstruction,
            Command::RequestExtension { .. } => Action::RequestExtension,
            Command::ApproveExtension => Action::ApproveExtension,
            Command::RefuseExtension { .. } => Action::RefuseExtension,
            Command::Suspend { .. } => Action::Suspend,
            Command::Resume => Action::Resume,
            Command::Resolve { .. } => Action::Resolve,
            Command::SignReply { .. } => Action::SignReply,
            Command::ApproveReply { .. } => Action::ApproveReply,
            Command::SendBack { .. } => Action::SendBack,
            Command::Callback { .. } => Action::Callback,
            Command::CallbackFailed { .. } => Action::CallbackFailed,
            Command::CallbackImpossible { .. } => Action::CallbackImpossible,
            Command::Reopen { .. } => Action::Reopen,
            Command::Cancel { .. } => Action::Cancel,
            Command::TransferOut { .. } => Action::TransferOut,
            Command::Remind { .. } => Action::Remind,
            Command::Urge { .. } => Action::Urge,
            Command::Supervise { .. } => Action::Supervise,
            Command::HoldAccountable { .. } => Action::HoldAccountable,
            Command::QualityCallback { .. } => Action::QualityCallback,
            Command::Appeal { .. } => Action::Appeal,
            Command::ApproveAppeal { .. } => Action::ApproveAppeal,
            Command::RefuseAppeal { .. } => Action::RefuseAppeal,
        }
    }
}

/// The longest extension a unit may ask for at once, in working days.
pub const MAX_EXTENSION_DAYS: u32 = 30;

/// The longest deadline a leader may set on an instruction, in working days.
pub const MAX_INSTRUCTION_DAYS: u32 = 60;

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
