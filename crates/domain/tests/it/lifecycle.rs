//! Every action in every state: the expected next state, or a refusal.

use civicgrid_domain::lifecycle::{
    Action, Basis, Case, Command, Ctx, EventKind, decide, decide_merge,
};
use civicgrid_domain::org::Actor;
use civicgrid_domain::request::{Kind, Outcome, Platform, Rating, State};
use civicgrid_domain::{Refusal, RequestId, UnitId};

use crate::{at, org};

/// The lifecycle, written out: for each action, the states that allow it and where it leads.
/// Every state not listed must refuse the action with `IllegalTransition`.
const TABLE: &[(&str, &[(&str, &str)])] = &[
    ("answer", &[("received", "closed")]),
    (
        "dispatch",
        &[
            ("received", "dispatched"),
            ("returned", "dispatched"),
            ("coordinating", "dispatched"),
        ],
    ),
    (
        "designate",
        &[
            ("received", "dispatched"),
            ("returned", "dispatched"),
            ("coordinating", "dispatched"),
        ],
    ),
    ("reject_return", &[("returned", "accepted")]),
    (
        "coordinate",
        &[
            ("received", "coordinating"),
            ("returned", "coordinating"),
            ("dispatched", "coordinating"),
            ("accepted", "coordinating"),
            ("in_progress", "coordinating"),
        ],
    ),
    ("answer_coordination", &[("coordinating", "coordinating")]),
    (
        "summon",
        &[
            ("dispatched", "dispatched"),
            ("accepted", "accepted"),
            ("in_progress", "in_progress"),
        ],
    ),
    ("report_on_site", SUMMONS_OPEN),
    ("rate_response", SUMMONS_OPEN),
    ("agree", &[("coordinating", "dispatched")]),
    ("settle", &[("coordinating", "resolved")]),
    (
        "cancel",
        &[("received", "cancelled"), ("returned", "cancelled")],
    ),
    (
        "transfer_out",
        &[
            ("received", "transferred_out"),
            ("returned", "transferred_out"),
        ],
    ),
    (
        "accept",
        &[("dispatched", "accepted"), ("reopened", "accepted")],
    ),
    (
        "return",
        &[("dispatched", "returned"), ("accepted", "returned")],
    ),
    (
        "transfer",
        &[
            ("dispatched", "dispatched"),
            ("accepted", "dispatched"),
            ("in_progress", "dispatched"),
            ("reopened", "dispatched"),
        ],
    ),
    (
        "assign_down",
        &[("dispatched", "dispatched"), ("accepted", "dispatched")],
    ),
    (
        "contact",
        &[("accepted", "in_progress"), ("in_progress", "in_progress")],
    ),
    (
        "assist_report",
        &[("accepted", "accepted"), ("in_progress", "in_progress")],
    ),
    (
        "request_extension",
        &[("accepted", "accepted"), ("in_progress", "in_progress")],
    ),
    (
        "approve_extension",
        &[("accepted", "accepted"), ("in_progress", "in_progress")],
    ),
    (
        "refuse_extension",
        &[("accepted", "accepted"), ("in_progress", "in_progress")],
    ),
    (
        "suspend",
        &[
            ("dispatched", "suspended"),
            ("accepted", "suspended"),
            ("in_progress", "suspended"),
            ("reopened", "suspended"),
        ],
    ),
    ("resume", &[("suspended", "accepted")]),
    // Every reply is checked by the hub by default before the callback.
    (
        "resolve",
        &[("accepted", "reviewing"), ("in_progress", "reviewing")],
    ),
    ("sign_reply", &[("reviewing", "reviewing")]),
    ("approve_reply", &[("reviewing", "resolved")]),
    ("send_back", &[("reviewing", "in_progress")]),
    ("callback", &[("resolved", "closed"), ("merged", "merged")]),
    (
        "reopen",
        &[("resolved", "reopened"), ("closed", "reopened")],
    ),
    ("callback_failed", &[("resolved", "resolved")]),
    ("callback_impossible", &[("resolved", "closed")]),
    ("remind", SUPERVISED),
    ("urge", SUPERVISED),
    ("supervise", SUPERVISED),
    (
        "hold_accountable",
        &[
            ("received", "received"),
            ("returned", "returned"),
            ("coordinating", "coordinating"),
            ("dispatched", "dispatched"),
            ("accepted", "accepted"),
            ("in_progress", "in_progress"),
            ("suspended", "suspended"),
            ("reviewing", "reviewing"),
            ("resolved", "resolved"),
            ("reopened", "reopened"),
            ("closed", "closed"),
            ("transferred_out", "transferred_out"),
        ],
    ),
    ("quality_callback", &[("closed", "closed")]),
    ("instruct", OPEN_WORK),
    ("place", OPEN_WORK),
    ("acknowledge_instruction", EVERY_STATE),
    ("report_instruction", EVERY_STATE),
    ("appeal", APPEALABLE),
    ("approve_appeal", APPEALABLE),
    ("refuse_appeal", APPEALABLE),
];

/// A unit appeals (and the hub decides) on any case it was given; no state changes.
const APPEALABLE: &[(&str, &str)] = &[
    ("dispatched", "dispatched"),
    ("accepted", "accepted"),
    ("in_progress", "in_progress"),
    ("suspended", "suspended"),
    ("reviewing", "reviewing"),
    ("resolved", "resolved"),
    ("reopened", "reopened"),
    ("closed", "closed"),
];

/// A summoned department reports, and is rated, while the case is worked or answered.
const SUMMONS_OPEN: &[(&str, &str)] = &[
    ("dispatched", "dispatched"),
    ("accepted", "accepted"),
    ("in_progress", "in_progress"),
    ("reviewing", "reviewing"),
    ("resolved", "resolved"),
    ("reopened", "reopened"),
];

/// A leader instructs on any request not yet final; no state changes.
const OPEN_WORK: &[(&str, &str)] = &[
    ("received", "received"),
    ("returned", "returned"),
    ("coordinating", "coordinating"),
    ("dispatched", "dispatched"),
    ("accepted", "accepted"),
    ("in_progress", "in_progress"),
    ("suspended", "suspended"),
    ("reopened", "reopened"),
    ("reviewing", "reviewing"),
    ("resolved", "resolved"),
];

/// An instructed unit acknowledges and reports whatever became of the case.
const EVERY_STATE: &[(&str, &str)] = &[
    ("received", "received"),
    ("returned", "returned"),
    ("coordinating", "coordinating"),
    ("dispatched", "dispatched"),
    ("accepted", "accepted"),
    ("in_progress", "in_progress"),
    ("suspended", "suspended"),
    ("reopened", "reopened"),
    ("reviewing", "reviewing"),
    ("resolved", "resolved"),
    ("closed", "closed"),
    ("cancelled", "cancelled"),
    ("merged", "merged"),
    ("transferred_out", "transferred_out"),
];

/// Supervision acts on work still to be done, and changes no state.
const SUPERVISED: &[(&str, &str)] = &[
    ("received", "received"),
    ("returned", "returned"),
    ("coordinating", "coordinating"),
    ("dispatched", "dispatched"),
    ("accepted", "accepted"),
    ("in_progress", "in_progress"),
    ("suspended", "suspended"),
    ("reopened", "reopened"),
    ("reviewing", "reviewing"),
];

fn command_for(action: Action) -> Command {
    match action {
        Action::Answer => Command::Answer {
            reply: "办理时间为工作日9点至17点".into(),
        },
        Action::Dispatch => Command::Dispatch {
            unit: UnitId(10),
            assisting: vec![UnitId(11)],
            basis: Basis::Manual,
            complex: false,
            important: false,
        },
        Action::Accept => Command::Accept,
        Action::Appeal => Command::Appeal {
            ground: civicgrid_domain::lifecycle::AppealGround::MaliciousCaller,
            reason: "来电人反复骚扰".into(),
        },
        Action::ApproveAppeal => Command::ApproveAppeal { note: None },
        Action::RefuseAppeal => Command::RefuseAppeal {
            reason: "理由不成立".into(),
        },
        Action::RejectReturn => Command::RejectReturn {
            reason: "属于本单位职责".into(),
        },
        Action::Designate => Command::Designate {
            unit: UnitId(10),
            reason: "三次派遣无人认领".into(),
            rule: None,
        },
        Action::Contact => Command::Contact {
            note: Some("已电话联系".into()),
        },
        Action::Return => Command::Return {
            reason: "不属于本单位职责".into(),
            proper_owner: None,
        },
        Action::Transfer => Command::Transfer {
            unit: UnitId(5),
            reason: None,
        },
        Action::AssignDown => Command::AssignDown { unit: UnitId(3) },
        Action::AssistReport => Command::AssistReport {
            unit: UnitId(11),
            note: "已配合现场勘查".into(),
        },
        Action::Coordinate => Command::Coordinate {
            units: vec![UnitId(10), UnitId(11)],
            reason: "权属不清".into(),
        },
        Action::AnswerCoordination => Command::AnswerCoordination {
            unit: UnitId(10),
            opinion: "不属本局职责，可配合".into(),
            capacity: None,
            owns: false,
        },
        Action::Agree => Command::Agree {
            unit: UnitId(10),
            assisting: vec![UnitId(11)],
            minutes: "会商纪要".into(),
            make_rule: false,
            rule: None,
        },
        Action::Settle => Command::Settle {
            reply: "已先行处置".into(),
            owner: UnitId(10),
            minutes: "会商纪要".into(),
            make_rule: false,
            rule: None,
        },
        Action::RequestExtension => Command::RequestExtension {
            working_days: 3,
            reason: "需等待材料".into(),
        },
        Action::ApproveExtension => Command::ApproveExtension,
        Action::RefuseExtension => Command::RefuseExtension {
            reason: "理由不充分".into(),
        },
        Action::Suspend => Command::Suspend {
            reason: "等待司法结论".into(),
        },
        Action::Resume => Command::Resume,
        Action::Resolve => Command::Resolve {
            outcome: Outcome::Resolved,
            reply: "已修复".into(),
            proper_owner: None,
            cites: None,
            unit_head: false,
        },
        Action::Summon => Command::Summon {
            units: vec![UnitId(10), UnitId(11)],
            reason: "联合执法,请城管与市场监管到场".into(),
        },
        Action::ReportOnSite => Command::ReportOnSite {
            unit: UnitId(10),
            note: "执法队员已到场".into(),
        },
        Action::RateResponse => Command::RateResponse {
            unit: UnitId(10),
            rating: Rating::Satisfied,
            note: None,
        },
        Action::SignReply => Command::SignReply { note: None },
        Action::ApproveReply => Command::ApproveReply { note: None },
        Action::SendBack => Command::SendBack {
            reason: "答复未回应诉求".into(),
        },
        Action::Callback => Command::Callback {
            rating: Rating::Satisfied,
            resolved: true,
            note: None,
        },
        Action::Reopen => Command::Reopen {
            reason: "群众反映未解决".into(),
        },
        Action::CallbackFailed => Command::CallbackFailed { note: None },
        Action::CallbackImpossible => Command::CallbackImpossible {
            cause: civicgrid_domain::lifecycle::NoCallback::Unreachable,
            note: None,
        },
        Action::Close => unreachable!("close is retired and has no command"),
        Action::Cancel => Command::Cancel {
            reason: "恶意骚扰".into(),
        },
        Action::Merge | Action::Repeat => unreachable!("merge and repeat have their own decisions"),
        Action::TransferOut => Command::TransferOut {
            platform: Platform::Police110,
            reason: "治安警情".into(),
        },
        Action::Remind => Command::Remind {
            reason: "请抓紧办理".into(),
        },
        Action::Urge => Command::Urge {
            reason: "即将超期".into(),
        },
        Action::Supervise => Command::Supervise {
            reason: "已超期".into(),
        },
        Action::HoldAccountable => Command::HoldAccountable {
            unit: None,
            finding: "超期三个工作日未办结".into(),
        },
        Action::QualityCallback => Command::QualityCallback {
            rating: Rating::Satisfied,
            resolved: true,
            note: None,
            falsified_by: None,
        },
        Action::Instruct => Command::Instruct {
            unit: None,
            text: "请三日内办结并报结果".into(),
            working_days: Some(3),
        },
        Action::AcknowledgeInstruction => Command::AcknowledgeInstruction {
            number: None,
            note: None,
        },
        Action::Place => Command::Place {
            area: UnitId(4),
            location: None,
            address: None,
        },
        Action::ReportInstruction => Command::ReportInstruction {
            number: Some(1),
            report: "已办结,报告如下".into(),
        },
    }
}

fn case_in(state: State, action: Action) -> Case {
    let mut case = Case::received(Kind::Consultation);
    case.state = state;
    // Street 2 leads (so assign-down to its community 3 is legal), department 11 assists.
    case.lead = Some(UnitId(2));
    case.assisting = vec![UnitId(11)];
    if matches!(action, Action::ApproveExtension | Action::RefuseExtension) {
        case.pending_extension = Some(3);
    }
    if state == State::Suspended {
        case.suspended_from = Some(State::Accepted);
    }
    if action == Action::CallbackImpossible {
        case.callback_attempts = 3;
    }
    if matches!(action, Action::ApproveAppeal | Action::RefuseAppeal) {
        case.appeal = Some((
            UnitId(2),
            civicgrid_domain::lifecycle::AppealGround::OutsideDuty,
            civicgrid_domain::lifecycle::AppealState::Pending,
        ));
    }
    if matches!(action, Action::ReportOnSite | Action::RateResponse) {
        case.summoned = vec![UnitId(10)];
    }
    if matches!(
        action,
        Action::AcknowledgeInstruction | Action::ReportInstruction
    ) {
        case.instructions = vec![civicgrid_domain::lifecycle::Instruction {
            unit: UnitId(2),
            state: civicgrid_domain::lifecycle::InstructionState::Open,
        }];
    }
    if action == Action::SignReply {
        case.review = Some(civicgrid_domain::lifecycle::ReviewStep::Sign);
    }
    if matches!(action, Action::ApproveReply | Action::SendBack) {
        case.review = Some(civicgrid_domain::lifecycle::ReviewStep::Check);
    }
    if action == Action::AnswerCoordination {
        case.coordination = vec![UnitId(10), UnitId(11)];
    }
    if action == Action::RejectReturn {
        case.returned_by = Some(UnitId(2));
        case.returned_from = Some(State::Accepted);
    }
    case
}

#[test]
fn every_action_in_every_state_follows_the_table() {
    let org = org();
    let ctx = Ctx {
        org: &org,
        calendars: crate::calendars(),
        rules: crate::rules(),
        actor: Actor::SYSTEM,
        now: at(0),
    };
    let mut checked = 0;
    let own_rule = [Action::Merge, Action::Repeat, Action::Close];
    for action in Action::ALL
        .iter()
        .copied()
        .filter(|a| !own_rule.contains(a))
    {
        let row = TABLE
            .iter()
            .find(|(name, _)| *name == action.as_str())
            .map(|(_, r)| *r);
        let row = row.unwrap_or_else(|| panic!("the table has no row for {action}"));
        for state in State::ALL.iter().copied() {
            let result = decide(&case_in(state, action), &command_for(action), &ctx);
            match row.iter().find(|(from, _)| *from == state.as_str()) {
                Some((_, to)) => {
                    let decision =
                        result.unwrap_or_else(|e| panic!("{action} in {state} refused: {e}"));
                    assert_eq!(decision.case.state.as_str(), *to, "{action} in {state}");
                    let first = &decision.events[0];
                    assert_eq!(first.kind.as_str(), action.as_str());
                    assert_eq!(first.from, Some(state));
                    assert_eq!(
                        decision.events.last().unwrap().to,
                        decision.case.state,
                        "events end in the new state"
                    );
                }
                None => assert_eq!(
                    result,
                    Err(Refusal::IllegalTransition {
                        action: action.as_str(),
                        state: state.as_str()
                    }),
                    "{action} in {state} must be refused"
                ),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, (Action::ALL.len() - 3) * State::ALL.len());
    assert!(
        matches!(
            civicgrid_domain::lifecycle::retired(Action::Close),
            Some(Refusal::Retired {
                action: "close",
                ..
            })
        ),
        "close is retired"
    );
    assert!(!civicgrid_domain::lifecycle::allowed_in(
        Action::Close,
        State::Resolved
    ));
}

#[test]
fn merge_follows_the_table_on_the_child_side() {
    let org = org();
    let ctx = Ctx {
        org: &org,
        calendars: crate::calendars(),
        rules: crate::rules(),
        actor: Actor::SYSTEM,
        now: at(0),
    };
    let parent = case_in(State::Accepted, Action::Merge);
    for state in State::ALL.iter().copied() {
        let child = case_in(state, Action::Merge);
        let result = decide_merge(RequestId(2), &child, RequestId(1), &parent, &ctx);
        if matches!(state, State::Received | State::Returned | State::Dispatched) {
            let (child_next, parent_next) = result.unwrap();
            assert_eq!(child_next.case.state, State::Merged);
            assert_eq!(child_next.case.parent, Some(RequestId(1)));
            assert_eq!(parent_next.case.demand, 2, "every caller counts as demand");
            assert_eq!(parent_next.events[0].kind, EventKind::ChildMerged);
            assert_eq!(
                parent_next.case.state,
                State::Accepted,
                "the parent keeps its state"
            );
        } else {
            assert!(
                matches!(result, Err(Refusal::IllegalTransition { .. })),
                "merge in {state}"
            );
        }
    }
}

#[test]
fn merge_refuses_itself_and_final_parents() {
    let org = org();
    let ctx = Ctx {
        org: &org,
        calendars: crate::calendars(),
        rules: crate::rules(),
        actor: Actor::SYSTEM,
        now: at(0),
    };
    let child = case_in(State::Received, Action::Merge);
    let err = decide_merge(RequestId(1), &child, RequestId(1), &child, &ctx).unwrap_err();
    assert!(matches!(err, Refusal::Invalid(ref i) if i.field == "parent"));
    for final_state in [
        State::Closed,
        State::Cancelled,
        State::Merged,
        State::TransferredOut,
    ] {
        let parent = case_in(final_state, Action::Merge);
        let err = decide_merge(RequestId(2), &child, RequestId(1), &parent, &ctx).unwrap_err();
        assert!(
            matches!(err, Refusal::Invalid(ref i) if i.field == "parent"),
            "{final_state}"
        );
    }
}

#[test]
fn unsatisfied_callback_reopens_with_the_unit_as_a_redo() {
    let org = org();
    let ctx = Ctx {
        org: &org,
        calendars: crate::calendars(),
        rules: crate::rules(),
        actor: Actor::SYSTEM,
        now: at(5),
    };
    let case = case_in(State::Resolved, Action::Callback);
    let command = Command::Callback {
        rating: Rating::Unsatisfied,
        resolved: false,
        note: Some("还是坏的".into()),
    };
    let decision = decide(&case, &command, &ctx).unwrap();
    assert_eq!(decision.case.state, State::Reopened);
    assert_eq!(decision.case.redo_count, 1);
    assert_eq!(
        decision.case.lead,
        Some(UnitId(2)),
        "the redo goes to the same unit"
    );
    let kinds: Vec<_> = decision.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            EventKind::Act(Action::Callback),
            EventKind::Act(Action::Reopen)
        ]
    );
    assert_eq!(decision.events[0].to, State::Resolved);
    assert_eq!(decision.events[1].from, Some(State::Resolved));

    let basic = Command::Callback {
        rating: Rating::BasicallySatisfied,
        resolved: true,
        note: None,
    };
    assert_eq!(
        decide(&case, &basic, &ctx).unwrap().case.state,
        State::Closed
    );
}

/// A disabled unit takes no new work: dispatching, transferring or assisting to it is
/// refused on its field, while an enabled one is accepted.
#[test]
fn a_disabled_unit_is_refused_as_a_target() {
    let org = civicgrid_domain::org::OrgTree::new(crate::org().units().cloned().map(|mut u| {
        u.disabled = u.id == UnitId(11);
        u
    }));
    let ctx = Ctx {
        org: &org,
        calendars: crate::calendars(),
        rules: crate::rules(),
        actor: Actor::SYSTEM,
        now: at(0),
    };
    let received = Case::received(Kind::Complaint);
    let dispatch = |unit: i64, assisting: Vec<UnitId>| Command::Dispatch {
        unit: UnitId(unit),
        assisting,
        basis: Basis::Manual,
        complex: false,
        important: false,
    };
    let refused = decide(&received, &dispatch(11, vec![]), &ctx);
    assert!(
        matches!(&refused, Err(Refusal::Invalid(i)) if i.field == "unit" && i.message.contains("disabled")),
        "{refused:?}"
    );
    let refused = decide(&received, &dispatch(10, vec![UnitId(11)]), &ctx);
    assert!(
        matches!(&refused, Err(Refusal::Invalid(i)) if i.field == "assisting[0]"),
        "{refused:?}"
    );
    assert!(decide(&received, &dispatch(10, vec![]), &ctx).is_ok());
}

#[test]
fn argument_checks_name_the_field() {
    let org = org();
    let ctx = Ctx {
        org: &org,
        calendars: crate::calendars(),
        rules: crate::rules(),
        actor: Actor::SYSTEM,
        now: at(0),
    };
    let field_of = |result: Result<_, Refusal>| match result {
        Err(Refusal::Invalid(invalid)) => invalid.field,
        other => panic!("expected an invalid field, got {other:?}"),
    };
    let accepted = case_in(State::Accepted, Action::Resolve);
    let not_ours = Command::Resolve {
        outcome: Outcome::NotOurDuty,
        reply: "非本单位".into(),
        proper_owner: None,
        cites: None,
        unit_head: false,
    };
    assert_eq!(field_of(decide(&accepted, &not_ours, &ctx)), "proper_owner");
    assert_eq!(
        field_of(decide(
            &accepted,
            &Command::AssignDown { unit: UnitId(10) },
            &ctx
        )),
        "unit"
    );
    assert_eq!(
        field_of(decide(
            &accepted,
            &Command::Transfer {
                unit: UnitId(2),
                reason: None
            },
            &ctx
        )),
        "unit"
    );
    assert_eq!(
        field_of(decide(
            &accepted,
            &Command::Transfer {
                unit: UnitId(999),
                reason: None
            },
            &ctx
        )),
        "unit"
    );
    let too_long = Command::RequestExtension {
        working_days: 31,
        reason: "x".into(),
    };
    assert_eq!(field_of(decide(&accepted, &too_long, &ctx)), "working_days");
    let received = case_in(State::Received, Action::Dispatch);
    let twice = Command::Dispatch {
        unit: UnitId(10),
        assisting: vec![UnitId(10)],
        basis: Basis::Manual,
        complex: false,
        important: false,
    };
    assert_eq!(field_of(decide(&received, &twice, &ctx)), "assisting[0]");
    let mut complaint = Case::received(Kind::Complaint);
    complaint.state = State::Received;
    assert_eq!(
        field_of(decide(&complaint, &command_for(Action::Answer), &ctx)),
        "kind"
    );
}

#[test]
fn return_clears_the_unit_and_counts_and_extension_adds_up() {
    let org = org();
    let ctx = Ctx {
        org: &org,
        calendars: crate::calendars(),
        rules: crate::rules(),
        actor: Actor::SYSTEM,
        now: at(0),
    };
    let returned = decide(
        &case_in(State::Dispatched, Action::Return),
        &command_for(Action::Return),
        &ctx,
    )
    .unwrap();
    assert_eq!((returned.case.lead, returned.case.return_count), (None, 1));
    assert_eq!(
        returned.events[0].reason.as_deref(),
        Some("不属于本单位职责")
    );

    let accepted = case_in(State::Accepted, Action::RequestExtension);
    let asked = decide(&accepted, &command_for(Action::RequestExtension), &ctx).unwrap();
    assert_eq!(asked.case.pending_extension, Some(3));
    // A second request while one is pending is refused.
    assert!(decide(&asked.case, &command_for(Action::RequestExtension), &ctx).is_err());
    let approved = decide(&asked.case, &Command::ApproveExtension, &ctx).unwrap();
    assert_eq!(
        (
            approved.case.pending_extension,
            approved.case.extension_days
        ),
        (None, 3)
    );
    // Nothing pending: approval is refused.
    assert!(decide(&approved.case, &Command::ApproveExtension, &ctx).is_err());
}

#[test]
fn decisions_are_pure() {
    let org = org();
    let ctx = Ctx {
        org: &org,
        calendars: crate::calendars(),
        rules: crate::rules(),
        actor: Actor::SYSTEM,
        now: at(9),
    };
    let case = case_in(State::Received, Action::Dispatch);
    let a = decide(&case, &command_for(Action::Dispatch), &ctx).unwrap();
    let b = decide(&case, &command_for(Action::Dispatch), &ctx).unwrap();
    assert_eq!(a, b);
    assert_eq!(
        a.events[0].at,
        at(9),
        "the event carries the `now` it was given"
    );
}

#[test]
fn every_action_is_an_event_word_and_the_only_other_words_are_received_child_merged_and_repeat_linked()
 {
    use civicgrid_domain::lifecycle::{Action, EventKind};
    for word in EventKind::words() {
        assert_eq!(EventKind::parse(word).map(EventKind::as_str), Some(word));
    }
    for action in Action::ALL {
        let kind = EventKind::from(*action);
        assert_eq!(kind.as_str(), action.as_str());
        assert_eq!(kind.action(), Some(*action));
    }
    assert_eq!(EventKind::words().len(), Action::ALL.len() + 3);
    assert_eq!(EventKind::Received.action(), None);
    assert_eq!(EventKind::ChildMerged.action(), None);
    assert_eq!(EventKind::RepeatLinked.action(), None);
    assert_eq!(EventKind::parse("fly"), None);
    // The arguments an action takes are the fields of its form and body.
    assert!(Action::Accept.arguments().is_empty());
    assert_eq!(
        Action::Resolve
            .arguments()
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>(),
        ["outcome", "reply", "cites", "proper_owner"]
    );
}

fn decided(
    case: &Case,
    command: Command,
) -> Result<civicgrid_domain::lifecycle::Decision, Refusal> {
    let org = org();
    let ctx = Ctx {
        org: &org,
        calendars: crate::calendars(),
        rules: crate::rules(),
        actor: Actor::SYSTEM,
        now: at(0),
    };
    decide(case, &command, &ctx)
}

fn detail(d: &civicgrid_domain::lifecycle::Decision, key: &str) -> Option<String> {
    d.events[0]
        .detail
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
}

#[test]
fn assisting_units_are_recorded_and_kept_on_transfer_except_the_new_lead() {
    let dispatch = |assisting: Vec<i64>| Command::Dispatch {
        unit: UnitId(10),
        assisting: assisting.into_iter().map(UnitId).collect(),
        basis: Basis::Manual,
        complex: false,
        important: false,
    };
    let alone = decided(&Case::received(Kind::Complaint), dispatch(vec![])).unwrap();
    assert_eq!(detail(&alone, "assisting"), None);
    let helped = decided(&Case::received(Kind::Complaint), dispatch(vec![11, 5])).unwrap();
    assert_eq!(detail(&helped, "assisting").as_deref(), Some("11,5"));
    assert_eq!(helped.case.assisting, [UnitId(11), UnitId(5)]);
    let moved = decided(
        &helped.case,
        Command::Transfer {
            unit: UnitId(11),
            reason: None,
        },
    )
    .unwrap();
    assert_eq!(moved.case.lead, Some(UnitId(11)));
    assert_eq!(moved.case.assisting, [UnitId(5)], "the other helper stays");
    assert_eq!(detail(&moved, "from_unit").as_deref(), Some("10"));
}

#[test]
fn an_extension_may_ask_for_up_to_thirty_working_days() {
    let dispatched = decided(
        &Case::received(Kind::Help),
        Command::Dispatch {
            unit: UnitId(10),
            assisting: vec![],
            basis: Basis::Manual,
            complex: false,
            important: false,
        },
    )
    .unwrap();
    let accepted = decided(&dispatched.case, Command::Accept).unwrap();
    let ask = |working_days| {
        decided(
            &accepted.case,
            Command::RequestExtension {
                working_days,
                reason: "需要协调".into(),
            },
        )
    };
    assert_eq!(ask(30).unwrap().case.pending_extension, Some(30));
    assert_eq!(ask(1).unwrap().case.pending_extension, Some(1));
    for bad in [0, 31] {
        match ask(bad) {
            Err(Refusal::Invalid(invalid)) => assert_eq!(invalid.field, "working_days"),
            other => panic!("{bad} days: {other:?}"),
        }
    }
}

#[test]
fn free_text_arguments_are_trimmed_bounded_and_named() {
    use civicgrid_domain::lifecycle::{note, reason, reply};
    assert_eq!(
        reason("reason", "  不属于本单位 \n"),
        Ok("不属于本单位".into())
    );
    assert_eq!(reason("reason", " ").unwrap_err().field, "reason");
    assert!(reason("reason", &"字".repeat(1000)).is_ok());
    assert_eq!(
        reason("reason", &"字".repeat(1001)).unwrap_err().field,
        "reason"
    );
    assert_eq!(reply("reply", " 已修复 "), Ok("已修复".into()));
    assert!(reply("reply", &"字".repeat(5000)).is_ok());
    assert_eq!(
        reply("reply", &"字".repeat(5001)).unwrap_err().field,
        "reply"
    );
    assert_eq!(note("note", None), Ok(None));
    assert_eq!(note("note", Some("  ")), Ok(None));
    assert_eq!(note("note", Some(" 已联系 ")), Ok(Some("已联系".into())));
    assert_eq!(
        note("note", Some(&"字".repeat(1001))).unwrap_err().field,
        "note"
    );
    // Events print as their one spelling.
    assert_eq!(EventKind::Received.to_string(), "received");
    assert_eq!(
        EventKind::Act(Action::AssignDown).to_string(),
        "assign_down"
    );
    assert_eq!(EventKind::ChildMerged.to_string(), "child_merged");
}

#[test]
fn placing_names_a_territorial_unit_below_the_hub_and_moves_the_area() {
    use civicgrid_domain::clocks::Placement;
    use civicgrid_domain::request::Location;
    let case = case_in(State::Received, Action::Place);
    let place = |area: i64, location: Option<Location>, address: Option<&str>| Command::Place {
        area: UnitId(area),
        location,
        address: address.map(str::to_owned),
    };
    // A department, the hub itself, a unit that does not exist: no place.
    for area in [10, 1, 99] {
        match decided(&case, place(area, None, None)) {
            Err(Refusal::Invalid(invalid)) => assert_eq!(invalid.field, "grid", "{area}"),
            other => panic!("{area}: {other:?}"),
        }
    }
    let at = Location::parse(38.905, 121.605).unwrap();
    let d = decided(&case, place(4, Some(at), Some("锦华街3号北门"))).unwrap();
    assert_eq!(d.case.state, State::Received, "placing moves no state");
    assert_eq!(d.events[0].kind.as_str(), "place");
    assert_eq!(detail(&d, "area").as_deref(), Some("4"));
    assert_eq!(detail(&d, "lat").as_deref(), Some("38.905000"));
    assert_eq!(detail(&d, "lng").as_deref(), Some("121.605000"));
    assert_eq!(d.events[0].reason.as_deref(), Some("锦华街3号北门"));
    assert_eq!(
        d.effects.placed,
        Some(Placement {
            area: UnitId(4),
            location: Some(at),
            address: Some("锦华街3号北门".into()),
        })
    );
    // A street will do (the place is known only that far); no point, no coordinates.
    let d = decided(&case, place(2, None, None)).unwrap();
    assert_eq!(detail(&d, "lat"), None);
    assert_eq!(
        d.effects.placed.map(|p| (p.area, p.location)),
        Some((UnitId(2), None))
    );
    // The hub's operators and dispatchers place; a unit's handler does not.
    use civicgrid_domain::lifecycle::{Scope, Want, authorize};
    use civicgrid_domain::org::{Grant, Principal, Role};
    let org = org();
    let who = |role| Principal {
        user: civicgrid_domain::UserId(1),
        username: "someone".into(),
        unit: UnitId(1),
        grants: vec![Grant {
            role,
            unit: UnitId(1),
            lines: vec![],
        }],
    };
    // A request no grid holds is tied to the hub where it was taken in.
    let scope = Scope {
        places: vec![UnitId(1)],
        ..Scope::default()
    };
    for role in [Role::Operator, Role::Dispatcher] {
        assert!(authorize(&who(role), Want::Act(Action::Place), &scope, &org).is_ok());
    }
    for role in [
        Role::Handler,
        Role::Leader,
        Role::Supervisor,
        Role::GridWorker,
    ] {
        assert!(authorize(&who(role), Want::Act(Action::Place), &scope, &org).is_err());
    }
}
