//! The words of the lifecycle: actions (also the API's path words), event kinds, the
//! arguments actions take, routing bases and the causes for closing without a callback.

use crate::word_enum;

word_enum! {
    /// The moves a person can ask for; each is also the path word in the API.
    pub enum Action {
        Answer = "answer",
        Dispatch = "dispatch",
        Accept = "accept",
        Contact = "contact",
        Return = "return",
        /// The hub refuses a unit's return: the case goes back to it (an improper return).
        RejectReturn = "reject_return",
        /// The hub names the owner after repeated disputes (指定); it cannot be returned.
        Designate = "designate",
        Transfer = "transfer",
        AssignDown = "assign_down",
        AssistReport = "assist_report",
        /// Opens a coordination order (协调): the hub, or a street leading the case, names the
        /// question and the units taking part. A department leading it asks the hub to convene.
        Coordinate = "coordinate",
        /// A participating unit's answer: its opinion, what it can do, whether it owns it.
        AnswerCoordination = "answer_coordination",
        /// The convenor records the meeting and dispatches to the agreed lead (商定).
        Agree = "agree",
        /// The convenor resolves the case itself and records who is responsible
        /// ("solve first, assign later", 先行处置).
        Settle = "settle",
        /// A street summons departments to the site (吹哨报到).
        Summon = "summon",
        /// A summoned department reports on site.
        ReportOnSite = "report_on_site",
        /// The street rates a summoned department's response.
        RateResponse = "rate_response",
        /// A leader writes an instruction on a case (批示), for a unit, optionally with a
        /// deadline in working days.
        Instruct = "instruct",
        /// The instructed unit acknowledges the instruction (签收).
        AcknowledgeInstruction = "acknowledge_instruction",
        /// The instructed unit reports back to the leader on what it did (报告办理结果).
        ReportInstruction = "report_instruction",
        RequestExtension = "request_extension",
        ApproveExtension = "approve_extension",
        RefuseExtension = "refuse_extension",
        Suspend = "suspend",
        Resume = "resume",
        Resolve = "resolve",
        /// The unit head signs the unit's reply (required for cases marked important).
        SignReply = "sign_reply",
        /// The hub approves the reply; the callback may be made.
        ApproveReply = "approve_reply",
        /// A reviewer (the unit head or the hub) sends the reply back with a reason.
        SendBack = "send_back",
        Callback = "callback",
        /// A callback attempt that reached nobody (回访未接通).
        CallbackFailed = "callback_failed",
        /// Closing a resolved case without a callback, for a recorded cause.
        CallbackImpossible = "callback_impossible",
        Reopen = "reopen",
        /// Retired: a resolved case closes only through a callback or `callback_impossible`.
        /// Kept so that histories written before keep reading.
        Close = "close",
        Cancel = "cancel",
        Merge = "merge",
        /// A caller brings back a matter already answered, with no new facts (重复诉求).
        Repeat = "repeat",
        TransferOut = "transfer_out",
        Remind = "remind",
        Urge = "urge",
        Supervise = "supervise",
        HoldAccountable = "hold_accountable",
        QualityCallback = "quality_callback",
        /// A unit asks for a case to be taken out of its rates (核减).
        Appeal = "appeal",
        /// The hub places a request in its grid (a place that was unknown, or a wrong one).
        Place = "place",
        ApproveAppeal = "approve_appeal",
        RefuseAppeal = "refuse_appeal",
    }
}

/// What an event records: `received` opens every history, an action's event carries the
/// action itself (so the two lists of words cannot drift apart), `child_merged` is
/// written on a parent when a duplicate joins it, and `repeat_linked` on an earlier request
/// when a caller brings its matter back with no new facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    Received,
    Act(Action),
    ChildMerged,
    RepeatLinked,
}

impl EventKind {
    /// The one spelling used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Received => "received",
            EventKind::Act(action) => action.as_str(),
            EventKind::ChildMerged => "child_merged",
            EventKind::RepeatLinked => "repeat_linked",
        }
    }

    /// Parses the snake_case word; `None` for anything else.
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "received" => Some(EventKind::Received),
            "child_merged" => Some(EventKind::ChildMerged),
            "repeat_linked" => Some(EventKind::RepeatLinked),
            other => Action::parse(other).map(EventKind::Act),
        }
    }

    /// All event words: `received`, every action's, `child_merged`, `repeat_linked`.
    pub fn words() -> Vec<&'static str> {
        let mut words = vec!["received"];
        words.extend(Action::words());
        words.push("child_merged");
        words.push("repeat_linked");
        words
    }

    /// The action this event records, if it records one.
    pub fn action(self) -> Option<Action> {
        match self {
            EventKind::Act(action) => Some(action),
            EventKind::Received | EventKind::ChildMerged | EventKind::RepeatLinked => None,
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
        /// The units that assist the lead in joint handling (协办).
        Assisting = "assisting",
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
        /// A case whose ownership takes study: a longer window to return it.
        Complex = "complex",
        /// A case whose reply a unit head must sign.
        Important = "important",
        /// Why no callback is possible (`no_contact`, `unreachable`).
        Cause = "cause",
        /// A quality check's finding that the recorded callback never took place.
        Falsified = "falsified",
        /// What an appeal rests on (`malicious_caller`, `outside_duty`, `wrong_rating`).
        Ground = "ground",
        /// A coordination participant's opinion on the question.
        Opinion = "opinion",
        /// What a coordination participant can do about it.
        Capacity = "capacity",
        /// Whether a coordination participant says the matter is its own.
        Owns = "owns",
        /// The record of a coordination meeting.
        Minutes = "minutes",
        /// The unit a coordination found responsible (责任认定).
        Owner = "owner",
        /// Make the finding a routing rule with the basis "agreement".
        Rule = "rule",
        /// The policy document a reply cites (名称与文号).
        Cites = "cites",
        /// A leader's instruction, in the leader's words.
        Text = "text",
        /// Which of the case's instructions (its number on the case, from 1).
        Instruction = "instruction",
        /// The instructed unit's report back to the leader.
        Report = "report",
        /// A place code (GB/T 30428) of the grid, community or street a request lies in.
        Grid = "grid",
        /// A point, `LAT,LNG` (WGS84).
        Location = "location",
        /// The address as the hub found it.
        Address = "address",
    }
}

word_enum! {
    /// Where a leader's instruction stands with the unit it is for.
    pub enum InstructionState {
        /// Given; the unit has not acknowledged it yet.
        Open = "open",
        Acknowledged = "acknowledged",
        /// The unit reported back; the instruction is done.
        Reported = "reported",
    }
}

word_enum! {
    /// What a unit's appeal against a case's count rests on.
    pub enum AppealGround {
        /// A caller who harasses or makes demands in bad faith.
        MaliciousCaller = "malicious_caller",
        /// A matter outside any unit's duty (law, court, private dispute).
        OutsideDuty = "outside_duty",
        /// A rating verified to be wrong (the citizen rated another matter, or by mistake).
        WrongRating = "wrong_rating",
    }
}

word_enum! {
    /// Where a unit's appeal stands.
    pub enum AppealState {
        Pending = "pending",
        Approved = "approved",
        Refused = "refused",
    }
}

word_enum! {
    /// Where a reply under review waits: the unit head's signature, or the hub's check.
    pub enum ReviewStep {
        Sign = "sign",
        Check = "check",
    }
}

word_enum! {
    /// Which replies the hub checks before the callback (办结审核).
    pub enum ReplyReview {
        /// Every reply.
        All = "all",
        /// Only replies a unit head signed (important cases, units with a unit head).
        Signed = "signed",
        /// None: signed replies go straight to the callback.
        Off = "off",
    }
}

word_enum! {
    /// Why a resolved case closes without a callback.
    pub enum NoCallback {
        /// The caller left no contact at all.
        NoContact = "no_contact",
        /// Failed attempts on enough different days.
        Unreachable = "unreachable",
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
            A::Dispatch => &[G::Unit, G::Assisting, G::Complex, G::Important],
            A::Designate => &[G::Unit, G::Reason],
            A::AssignDown => &[G::Unit],
            A::Transfer => &[G::Unit, G::Reason],
            A::AssistReport => &[G::Unit, G::Note],
            A::Coordinate | A::Summon => &[G::Units, G::Reason],
            A::ReportOnSite => &[G::Unit, G::Note],
            A::RateResponse => &[G::Unit, G::Rating, G::Note],
            A::Instruct => &[G::Unit, G::Text, G::WorkingDays],
            A::Place => &[G::Grid, G::Location, G::Address],
            A::AcknowledgeInstruction => &[G::Instruction, G::Note],
            A::ReportInstruction => &[G::Instruction, G::Report],
            A::AnswerCoordination => &[G::Unit, G::Owns, G::Opinion, G::Capacity],
            A::Agree => &[G::Unit, G::Assisting, G::Minutes, G::Rule],
            A::Settle => &[G::Reply, G::Owner, G::Minutes, G::Rule],
            A::Contact => &[G::Note],
            A::Return => &[G::Reason, G::ProperOwner],
            A::RejectReturn
            | A::RefuseExtension
            | A::Suspend
            | A::Reopen
            | A::Remind
            | A::Urge
            | A::Supervise
            | A::HoldAccountable => &[G::Reason],
            A::RequestExtension => &[G::WorkingDays, G::Reason],
            A::Resolve => &[G::Outcome, G::Reply, G::Cites, G::ProperOwner],
            A::SendBack => &[G::Reason],
            A::SignReply | A::ApproveReply => &[G::Note],
            A::Callback => &[G::Rating, G::Resolved, G::Note],
            A::QualityCallback => &[G::Rating, G::Resolved, G::Falsified, G::Note],
            A::CallbackFailed => &[G::Note],
            A::CallbackImpossible => &[G::Cause, G::Note],
            A::Appeal => &[G::Ground, G::Reason],
            A::ApproveAppeal => &[G::Note],
            A::RefuseAppeal => &[G::Reason],
            A::Cancel => &[G::CancelReason, G::Note],
            A::Merge | A::Repeat => &[G::Parent],
            A::TransferOut => &[G::Platform, G::Reason],
            A::Accept | A::ApproveExtension | A::Resume | A::Close => &[],
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
