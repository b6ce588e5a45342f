//! Replies reviewed before the callback: the unit head signs where one is needed, the hub
//! checks (by default every reply), approves or sends back with a reason, each reviewer on
//! its own review clock; a reply that cites policy names the document.

use civicgrid_domain::clocks::Clock;
use civicgrid_domain::deadline::{Limit, Stage, TimeUnit};
use civicgrid_domain::lifecycle::{
    self, Case, Command, Ctx, ReplyReview, ReviewStep, Rules, cites_unnamed_policy,
};
use civicgrid_domain::org::Actor;
use civicgrid_domain::request::{Channel, Outcome, State, Urgency};
use civicgrid_domain::{Invalid, Refusal, UnitId};

use crate::beijing;
use crate::hub::{World, dispatch_to, running, stored};

fn resolve(unit_head: bool, reply: &str, cites: Option<&str>) -> Command {
    Command::Resolve {
        outcome: Outcome::Resolved,
        reply: reply.into(),
        proper_owner: None,
        cites: cites.map(str::to_owned),
        unit_head,
    }
}

/// Decides under `rules` and returns the decision with every clock after it.
fn act(
    world: &World,
    rules: &Rules,
    case: &Case,
    clocks: &[Clock],
    command: Command,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(lifecycle::Decision, Vec<Clock>), Refusal> {
    let ctx = Ctx {
        org: &world.org,
        calendars: crate::calendars(),
        rules,
        actor: Actor::SYSTEM,
        now: at,
    };
    let mut decision = lifecycle::decide(case, &command, &ctx)?;
    let env = world.env(Channel::Hotline, Urgency::Normal, &[]);
    civicgrid_domain::clocks::plan(case, &mut decision, &running(clocks), &env);
    let all = stored(clocks, &decision);
    Ok((decision, all))
}

fn field(refusal: Refusal) -> String {
    match refusal {
        Refusal::Invalid(Invalid { field, .. }) => field,
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

/// A case accepted by department 10 on Monday 2026-10-12, optionally marked important.
fn accepted(world: &World, important: bool) -> (Case, Vec<Clock>) {
    let at = beijing(2026, 10, 12, 9, 0);
    let (case, clocks) = world.receive(Channel::Hotline, Urgency::Normal, at);
    let mut dispatch = dispatch_to(10);
    if let Command::Dispatch { important: i, .. } = &mut dispatch {
        *i = important;
    }
    let (d, clocks) = world.act(&case, &running(&clocks), dispatch, at);
    let (a, clocks) = world.act(&d.case, &running(&clocks), Command::Accept, at);
    (a.case, clocks)
}

fn review_clocks(clocks: &[Clock]) -> Vec<Option<UnitId>> {
    running(clocks)
        .iter()
        .filter(|c| c.stage == Stage::Review)
        .map(|c| c.unit)
        .collect()
}

#[test]
fn the_hub_checks_every_reply_and_a_reply_sent_back_is_worked_again() {
    let world = World::new();
    let rules = Rules::default();
    assert_eq!(rules.reply_review, ReplyReview::All, "the shipped default");
    let (case, clocks) = accepted(&world, false);
    let at = beijing(2026, 10, 13, 10, 0);
    let (replied, clocks) = act(
        &world,
        &rules,
        &case,
        &clocks,
        resolve(false, "路灯已修复", None),
        at,
    )
    .unwrap();
    assert_eq!(replied.case.state, State::Reviewing);
    assert_eq!(replied.case.review, Some(ReviewStep::Check));
    assert_eq!(
        review_clocks(&clocks),
        vec![Some(UnitId(1))],
        "the hub's clock"
    );
    let review = running(&clocks)
        .into_iter()
        .find(|c| c.stage == Stage::Review)
        .unwrap();
    assert_eq!(
        review.limit,
        Limit {
            amount: 1,
            unit: TimeUnit::WorkingDays
        },
        "the default policy's review limit"
    );
    assert!(
        !running(&clocks).iter().any(|c| c.stage == Stage::Callback),
        "no callback before the check"
    );
    let callback = lifecycle::decide(
        &replied.case,
        &Command::Callback {
            rating: civicgrid_domain::request::Rating::Satisfied,
            resolved: true,
            note: None,
        },
        &Ctx {
            org: &world.org,
            calendars: crate::calendars(),
            rules: &rules,
            actor: Actor::SYSTEM,
            now: at,
        },
    );
    assert!(matches!(callback, Err(Refusal::IllegalTransition { .. })));

    // Sent back: the unit works on it again on a fresh resolve clock, counted against it.
    let (back, clocks) = act(
        &world,
        &rules,
        &replied.case,
        &clocks,
        Command::SendBack {
            reason: "答复未说明修复时间".into(),
        },
        beijing(2026, 10, 13, 11, 0),
    )
    .unwrap();
    assert_eq!(back.case.state, State::InProgress);
    assert_eq!(back.case.review, None);
    assert!(
        back.effects
            .facts
            .iter()
            .any(|f| f.unit == UnitId(10) && f.metric == "reply_sent_back")
    );
    assert!(
        back.effects
            .facts
            .iter()
            .any(|f| f.unit == UnitId(1) && f.metric == "review_on_time")
    );
    assert!(review_clocks(&clocks).is_empty());
    assert!(
        running(&clocks)
            .iter()
            .any(|c| c.stage == Stage::Resolve && c.unit == Some(UnitId(10)))
    );

    // Corrected and approved: now the callback's clock runs.
    let (again, clocks) = act(
        &world,
        &rules,
        &back.case,
        &clocks,
        resolve(false, "路灯已于10月13日修复", None),
        beijing(2026, 10, 13, 14, 0),
    )
    .unwrap();
    let (approved, clocks) = act(
        &world,
        &rules,
        &again.case,
        &clocks,
        Command::ApproveReply { note: None },
        beijing(2026, 10, 13, 15, 0),
    )
    .unwrap();
    assert_eq!(approved.case.state, State::Resolved);
    assert_eq!(
        running(&clocks).iter().map(|c| c.stage).collect::<Vec<_>>(),
        vec![Stage::Callback]
    );
    // Approving what is not at the hub's check is refused, naming the review.
    let twice = act(
        &world,
        &rules,
        &again.case,
        &[],
        Command::SignReply { note: None },
        beijing(2026, 10, 13, 15, 0),
    )
    .unwrap_err();
    assert_eq!(field(twice), "review");
}

#[test]
fn an_important_case_is_signed_by_the_unit_head_before_the_hub_checks_it() {
    let world = World::new();
    let rules = Rules::default();
    let (case, clocks) = accepted(&world, true);
    let at = beijing(2026, 10, 13, 10, 0);
    // No unit head to sign: the unit is told to have one appointed.
    let refused = act(
        &world,
        &rules,
        &case,
        &clocks,
        resolve(false, "已处理", None),
        at,
    )
    .unwrap_err();
    assert_eq!(field(refused), "important");

    let (replied, clocks) = act(
        &world,
        &rules,
        &case,
        &clocks,
        resolve(true, "已处理", None),
        at,
    )
    .unwrap();
    assert_eq!(replied.case.review, Some(ReviewStep::Sign));
    assert_eq!(
        review_clocks(&clocks),
        vec![Some(UnitId(10))],
        "the unit head's clock"
    );
    let approve_first = act(
        &world,
        &rules,
        &replied.case,
        &clocks,
        Command::ApproveReply { note: None },
        at,
    )
    .unwrap_err();
    assert_eq!(
        field(approve_first),
        "review",
        "the hub checks only a signed reply"
    );
    let (signed, clocks) = act(
        &world,
        &rules,
        &replied.case,
        &clocks,
        Command::SignReply { note: None },
        beijing(2026, 10, 15, 10, 0),
    )
    .unwrap();
    assert_eq!(signed.case.review, Some(ReviewStep::Check));
    assert!(
        signed
            .effects
            .facts
            .iter()
            .any(|f| f.unit == UnitId(10) && f.metric == "review_late"),
        "the head took two working days of one"
    );
    assert_eq!(review_clocks(&clocks), vec![Some(UnitId(1))]);
}

#[test]
fn the_district_chooses_which_replies_the_hub_checks() {
    let world = World::new();
    let at = beijing(2026, 10, 13, 10, 0);
    let (case, clocks) = accepted(&world, false);
    let signed_only = Rules {
        reply_review: ReplyReview::Signed,
        ..Rules::default()
    };
    let (plain, _) = act(
        &world,
        &signed_only,
        &case,
        &clocks,
        resolve(false, "已修复", None),
        at,
    )
    .unwrap();
    assert_eq!(
        plain.case.state,
        State::Resolved,
        "an unsigned reply goes to the callback"
    );
    let (headed, _) = act(
        &world,
        &signed_only,
        &case,
        &clocks,
        resolve(true, "已修复", None),
        at,
    )
    .unwrap();
    assert_eq!(headed.case.review, Some(ReviewStep::Sign));
    let off = Rules {
        reply_review: ReplyReview::Off,
        ..Rules::default()
    };
    let (signed, _) = act(
        &world,
        &off,
        &headed.case,
        &clocks,
        Command::SignReply { note: None },
        at,
    )
    .unwrap();
    assert_eq!(
        signed.case.state,
        State::Resolved,
        "signed and no hub check"
    );
    assert!(Rules::default().with_reply_review("sometimes").is_err());
}

#[test]
fn a_reply_that_cites_policy_names_the_document() {
    assert!(cites_unnamed_policy(
        "根据相关规定,该路段不能设置停车位",
        None
    ));
    assert!(!cites_unnamed_policy(
        "根据《大连市停车场管理办法》第十二条,该路段不能设置停车位",
        None
    ));
    assert!(!cites_unnamed_policy(
        "根据相关规定,不能设置停车位",
        Some("大连市停车场管理办法 第十二条")
    ));
    assert!(!cites_unnamed_policy("路灯已修复", None));
    assert!(
        !cites_unnamed_policy("根据您反映的情况,已安排维修", None),
        "根据 alone is not a citation"
    );
    assert!(
        !cites_unnamed_policy("已按规定程序处理完毕", None),
        "a policy word alone is not a citation"
    );
    assert!(
        cites_unnamed_policy("根据《有关规定,不予办理", None),
        "a name is enclosed in 《》"
    );
    let world = World::new();
    let (case, clocks) = accepted(&world, false);
    let refused = act(
        &world,
        &Rules::default(),
        &case,
        &clocks,
        resolve(false, "按照有关政策,暂不予办理", None),
        beijing(2026, 10, 13, 10, 0),
    )
    .unwrap_err();
    assert_eq!(field(refused), "cites");
}

#[test]
fn only_the_hub_checks_replies_and_only_the_unit_head_signs() {
    use civicgrid_domain::lifecycle::{Action, Scope, Want};
    use civicgrid_domain::org::{Grant, Principal, Role};
    let org = crate::org();
    let who = |unit: i64, role: Role| Principal {
        user: civicgrid_domain::UserId(unit * 100),
        username: format!("u{unit}"),
        unit: UnitId(unit),
        grants: vec![Grant {
            unit: UnitId(unit),
            role,
            lines: vec![],
        }],
    };
    // Street 2 leads its own case.
    let scope = Scope {
        lead: Some(UnitId(2)),
        handlers: vec![UnitId(2)],
        places: vec![UnitId(4)],
        ..Scope::default()
    };
    let may =
        |p: &Principal, action| lifecycle::authorize(p, Want::Act(action), &scope, &org).is_ok();
    assert!(may(&who(1, Role::Dispatcher), Action::ApproveReply));
    assert!(may(&who(1, Role::Supervisor), Action::SendBack));
    assert!(
        !may(&who(2, Role::Dispatcher), Action::ApproveReply),
        "a street's dispatcher does not approve its own street's reply"
    );
    assert!(!may(&who(2, Role::Dispatcher), Action::SendBack));
    assert!(may(&who(2, Role::UnitHead), Action::SignReply));
    assert!(!may(&who(2, Role::Handler), Action::SignReply));
    assert!(
        !may(&who(5, Role::UnitHead), Action::SignReply),
        "another unit's head"
    );

    // A unit head may send back at the signature, not once the hub checks.
    let world = World::new();
    let checking = Case {
        state: State::Reviewing,
        review: Some(ReviewStep::Check),
        lead: Some(UnitId(10)),
        ..Case::received(civicgrid_domain::request::Kind::Complaint)
    };
    let ctx = Ctx {
        org: &world.org,
        calendars: crate::calendars(),
        rules: &Rules::default(),
        actor: Actor {
            user: None,
            unit: Some(UnitId(10)),
        },
        now: beijing(2026, 10, 13, 10, 0),
    };
    let back = Command::SendBack { reason: "x".into() };
    assert!(matches!(
        lifecycle::decide(&checking, &back, &ctx),
        Err(Refusal::Forbidden { .. })
    ));
    let signing = Case {
        review: Some(ReviewStep::Sign),
        ..checking
    };
    assert_eq!(
        lifecycle::decide(&signing, &back, &ctx).unwrap().case.state,
        State::InProgress
    );
}
