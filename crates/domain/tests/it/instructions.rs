//! Leaders' instructions (批示): given for a unit with an optional deadline that runs as a
//! clock against it, acknowledged, reported on; who may do each.

use civicgrid_domain::clocks::{InstructionChange, NoticeKind};
use civicgrid_domain::deadline::Stage;
use civicgrid_domain::lifecycle::{Action, Command, InstructionState, Scope, Want, authorize};
use civicgrid_domain::org::{Actor, Grant, Principal, Role};
use civicgrid_domain::request::{Channel, Outcome, Urgency};
use civicgrid_domain::{UnitId, UserId};

use crate::beijing;
use crate::hub::{World, dispatch_to, running};
use crate::summons::{by, field};

const LEADER: Actor = Actor {
    user: Some(UserId(900)),
    unit: Some(UnitId(1)),
};

fn instruct(unit: Option<i64>, days: Option<u32>) -> Command {
    Command::Instruct {
        unit: unit.map(UnitId),
        text: "请市政设施管理处三日内办结并报结果".into(),
        working_days: days,
    }
}

fn report(number: Option<u32>) -> Command {
    Command::ReportInstruction {
        number,
        report: "已于周三完成修复,现场照片已上传".into(),
    }
}

fn acknowledge(number: Option<u32>) -> Command {
    Command::AcknowledgeInstruction { number, note: None }
}

#[test]
fn an_instruction_runs_its_own_clock_against_the_unit_until_the_unit_reports() {
    let world = World::new();
    // Monday 2026-10-12 09:00, dispatched to department 10.
    let at = beijing(2026, 10, 12, 9, 0);
    let (case, clocks) = world.receive(Channel::Hotline, Urgency::Normal, at);
    let (dispatched, clocks) = world.act(&case, &running(&clocks), dispatch_to(10), at);

    let at = beijing(2026, 10, 12, 10, 0);
    let (given, clocks) = world
        .act_as(
            LEADER,
            &dispatched.case,
            &running(&clocks),
            instruct(None, Some(3)),
            at,
        )
        .unwrap();
    assert_eq!(given.case.state, dispatched.case.state, "no state changes");
    assert_eq!(
        given.case.instructed(),
        vec![UnitId(10)],
        "the handling unit"
    );
    assert_eq!(given.events[0].value("instruction"), Some("1"));
    assert_eq!(given.events[0].value("unit"), Some("10"));
    let clock = running(&clocks)
        .into_iter()
        .find(|c| c.stage == Stage::Instruction)
        .expect("a deadline starts the instruction clock");
    assert_eq!(clock.unit, Some(UnitId(10)));
    assert_eq!(
        clock.deadline,
        beijing(2026, 10, 15, 17, 30),
        "the end of the third working day: the leader's limit, not the policy's five"
    );
    let notice = &given.effects.notices[0];
    assert_eq!(notice.kind, NoticeKind::Instruct);
    assert_eq!(notice.unit, Some(UnitId(10)));
    assert_eq!(
        notice.text.as_deref(),
        Some("请市政设施管理处三日内办结并报结果")
    );
    assert!(matches!(
        &given.effects.instructions[..],
        [InstructionChange::Given { number: 1, unit: UnitId(10), by: Some(UserId(900)), working_days: Some(3), deadline: Some(d), .. }]
            if *d == clock.deadline
    ));

    // A second instruction for the same unit waits for the first's report; another unit's
    // instruction is number 2, without a deadline and so without a clock.
    let again = world
        .act_as(
            LEADER,
            &given.case,
            &running(&clocks),
            instruct(Some(10), None),
            at,
        )
        .unwrap_err();
    assert_eq!(field(again), "unit");
    let (second, clocks) = world
        .act_as(
            LEADER,
            &given.case,
            &running(&clocks),
            instruct(Some(11), None),
            at,
        )
        .unwrap();
    assert_eq!(second.events[0].value("instruction"), Some("2"));
    assert!(matches!(
        &second.effects.instructions[..],
        [InstructionChange::Given {
            number: 2,
            unit: UnitId(11),
            working_days: None,
            deadline: None,
            ..
        }]
    ));
    assert_eq!(
        running(&clocks)
            .iter()
            .filter(|c| c.stage == Stage::Instruction)
            .count(),
        1
    );

    // Two wait: an acknowledgement must name which.
    let which = world
        .act_as(
            by(10),
            &second.case,
            &running(&clocks),
            acknowledge(None),
            at,
        )
        .unwrap_err();
    assert_eq!(field(which), "instruction");
    let (acknowledged, clocks) = world
        .act_as(
            by(10),
            &second.case,
            &running(&clocks),
            acknowledge(Some(1)),
            at,
        )
        .unwrap();
    assert_eq!(
        acknowledged.case.instructions[0].state,
        InstructionState::Acknowledged
    );
    let twice = world
        .act_as(
            by(10),
            &acknowledged.case,
            &running(&clocks),
            acknowledge(Some(1)),
            at,
        )
        .unwrap_err();
    assert!(
        twice.to_string().contains("waits for no acknowledgement"),
        "{twice}"
    );
    assert_eq!(field(twice), "instruction");
    let missing = world
        .act_as(
            by(10),
            &acknowledged.case,
            &running(&clocks),
            report(Some(7)),
            at,
        )
        .unwrap_err();
    assert_eq!(field(missing), "instruction");

    // The case is resolved first; the report comes a day late and still ends the
    // instruction, late against the unit.
    let (accepted, clocks) = world.act(
        &acknowledged.case,
        &running(&clocks),
        Command::Accept,
        beijing(2026, 10, 13, 9, 0),
    );
    let (resolved, clocks) = world.act(
        &accepted.case,
        &running(&clocks),
        Command::Resolve {
            outcome: Outcome::Resolved,
            reply: "已修复".into(),
            proper_owner: None,
            cites: None,
            unit_head: false,
        },
        beijing(2026, 10, 14, 9, 0),
    );
    assert!(
        running(&clocks)
            .iter()
            .any(|c| c.stage == Stage::Instruction),
        "a reply to the citizen is no report to the leader"
    );
    let late = beijing(2026, 10, 16, 10, 0);
    let (reported, clocks) = world
        .act_as(
            by(10),
            &resolved.case,
            &running(&clocks),
            report(Some(1)),
            late,
        )
        .unwrap();
    assert_eq!(
        reported.case.instructions[0].state,
        InstructionState::Reported
    );
    assert_eq!(reported.case.instructed(), vec![UnitId(11)]);
    assert!(
        running(&clocks)
            .iter()
            .all(|c| c.stage != Stage::Instruction)
    );
    assert!(
        reported
            .effects
            .facts
            .iter()
            .any(|f| f.unit == UnitId(10) && f.metric == "instruction_late")
    );
    assert!(matches!(
        &reported.effects.instructions[..],
        [InstructionChange::Reported { number: 1, report, .. }] if report.contains("已于周三完成修复")
    ));
    // The only instruction still waiting is found without its number.
    let (last, _) = world
        .act_as(
            by(11),
            &reported.case,
            &running(&clocks),
            report(None),
            late,
        )
        .unwrap();
    assert!(last.case.instructed().is_empty());
    assert!(matches!(
        &last.effects.instructions[..],
        [InstructionChange::Reported { number: 2, .. }]
    ));
}

#[test]
fn an_instruction_needs_a_unit_and_a_sane_deadline() {
    let world = World::new();
    let at = beijing(2026, 10, 12, 9, 0);
    let (case, clocks) = world.receive(Channel::Hotline, Urgency::Normal, at);
    let no_unit = world
        .act_as(LEADER, &case, &running(&clocks), instruct(None, None), at)
        .unwrap_err();
    assert_eq!(field(no_unit), "unit", "nobody handles it yet");
    let too_long = world
        .act_as(
            LEADER,
            &case,
            &running(&clocks),
            instruct(Some(10), Some(61)),
            at,
        )
        .unwrap_err();
    assert_eq!(field(too_long), "working_days");
    let longest = world
        .act_as(
            LEADER,
            &case,
            &running(&clocks),
            instruct(Some(10), Some(60)),
            at,
        )
        .unwrap();
    assert_eq!(longest.0.events[0].value("working_days"), Some("60"));
    let zero = world
        .act_as(
            LEADER,
            &case,
            &running(&clocks),
            instruct(Some(10), Some(0)),
            at,
        )
        .unwrap_err();
    assert_eq!(field(zero), "working_days");
    let nowhere = world
        .act_as(
            LEADER,
            &case,
            &running(&clocks),
            instruct(Some(99), None),
            at,
        )
        .unwrap_err();
    assert_eq!(field(nowhere), "unit");
}

fn principal(role: Role, unit: i64) -> Principal {
    Principal {
        user: UserId(unit),
        username: "u".into(),
        unit: UnitId(unit),
        grants: vec![Grant {
            role,
            unit: UnitId(unit),
            lines: vec![],
        }],
    }
}

#[test]
fn leaders_instruct_within_their_subtree_and_only_the_instructed_unit_answers() {
    let org = crate::org();
    // A case lying in grid 4 of street 2, handled by department 10.
    let scope = Scope {
        lead: Some(UnitId(10)),
        handlers: vec![UnitId(10)],
        places: vec![UnitId(4)],
        instructed: vec![UnitId(11)],
        ..Scope::default()
    };
    let instruct = Want::Act(Action::Instruct);
    assert!(authorize(&principal(Role::Leader, 1), instruct, &scope, &org).is_ok());
    assert!(
        authorize(&principal(Role::Leader, 2), instruct, &scope, &org).is_ok(),
        "the street's leader: the case lies in the street"
    );
    assert!(
        authorize(&principal(Role::Leader, 5), instruct, &scope, &org).is_err(),
        "another street's leader"
    );
    for role in [Role::Dispatcher, Role::Handler, Role::Supervisor] {
        assert!(
            authorize(&principal(role, 1), instruct, &scope, &org).is_err(),
            "{role} does not instruct"
        );
    }
    let report = Want::Act(Action::ReportInstruction);
    assert!(authorize(&principal(Role::Handler, 11), report, &scope, &org).is_ok());
    assert!(authorize(&principal(Role::UnitHead, 11), report, &scope, &org).is_ok());
    assert!(
        authorize(&principal(Role::Handler, 10), report, &scope, &org).is_err(),
        "the lead unit answers no instruction given to another"
    );
    assert!(
        authorize(&principal(Role::Handler, 11), Want::Read, &scope, &org).is_ok(),
        "the instructed unit reads the case"
    );
    assert!(
        authorize(&principal(Role::Leader, 1), report, &scope, &org).is_err(),
        "the leader does not report to himself"
    );
}
