//! The hub's rules of the road: its own dispatch clock from intake (policy-set by channel
//! and urgency), coordination counted on the official working calendar.

use chrono::{DateTime, Utc};
use civicgrid_domain::Refusal;
use civicgrid_domain::calendar::{Calendar, Calendars};
use civicgrid_domain::clocks::{self, Clock, ClockEnd, Env};
use civicgrid_domain::deadline::{Limit, Match, Policy, Stage, Subject, Thresholds, TimeUnit};
use civicgrid_domain::lifecycle::{self, Basis, Case, Command, Ctx, Decision, NoCallback};
use civicgrid_domain::org::{Actor, OrgTree};
use civicgrid_domain::request::{Channel, Kind, State, Urgency};
use civicgrid_domain::{CategoryId, UnitId};

use crate::{beijing, org};

fn limit(amount: u32, unit: TimeUnit) -> Limit {
    Limit { amount, unit }
}

fn policy(id: i64, matches: Match, limits: Vec<(Stage, Limit)>) -> Policy {
    Policy {
        id,
        name: format!("p{id}"),
        matches,
        limits,
        thresholds: Thresholds::default(),
        accountable_after: 3,
    }
}

/// The shipped defaults: web and other channels 2 working hours, the hotline 30 working
/// minutes, emergencies 15 natural minutes.
pub(crate) fn policies() -> Vec<Policy> {
    vec![
        policy(
            1,
            Match::default(),
            vec![
                (Stage::Dispatch, limit(2, TimeUnit::WorkingHours)),
                (Stage::Accept, limit(2, TimeUnit::WorkingHours)),
                (Stage::Respond, limit(1, TimeUnit::WorkingDays)),
                (Stage::Resolve, limit(5, TimeUnit::WorkingDays)),
                (Stage::Callback, limit(1, TimeUnit::WorkingDays)),
                (Stage::Answer, limit(2, TimeUnit::WorkingDays)),
                (Stage::Review, limit(1, TimeUnit::WorkingDays)),
                (Stage::Report, limit(30, TimeUnit::Minutes)),
            ],
        ),
        policy(
            2,
            Match {
                channel: Some(Channel::Hotline),
                ..Match::default()
            },
            vec![(Stage::Dispatch, limit(30, TimeUnit::WorkingMinutes))],
        ),
        policy(
            3,
            Match {
                urgency: Some(Urgency::Emergency),
                ..Match::default()
            },
            vec![(Stage::Dispatch, limit(15, TimeUnit::Minutes))],
        ),
    ]
}

pub(crate) struct World {
    calendars: Calendars,
    policies: Vec<Policy>,
    pub(crate) org: OrgTree,
    /// Whether callbacks count in the satisfaction rate.
    rated: bool,
    /// The 12345 targets' instants, when a test sets them.
    pub(crate) targets: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl World {
    pub(crate) fn new() -> World {
        World {
            calendars: Calendars::new(Calendar::official()),
            policies: policies(),
            org: org(),
            rated: true,
            targets: None,
        }
    }

    pub(crate) fn env<'a>(
        &'a self,
        channel: Channel,
        urgency: Urgency,
        cats: &'a [CategoryId],
    ) -> Env<'a> {
        Env {
            policies: &self.policies,
            calendars: &self.calendars,
            org: &self.org,
            subject: Subject {
                kind: Kind::Complaint,
                categories: cats,
                urgency,
                channel,
            },
            sample_per_mille: 0,
            sample_salt: "salt",
            serial: "20260921000001",
            rated: self.rated,
            targets: self.targets,
        }
    }

    /// A request received at `now` on `channel`: its case and running clocks.
    pub(crate) fn receive(
        &self,
        channel: Channel,
        urgency: Urgency,
        now: DateTime<Utc>,
    ) -> (Case, Vec<Clock>) {
        let (case, event) = lifecycle::receive(Kind::Complaint, Actor::SYSTEM, now, vec![]);
        let mut decision = Decision {
            case,
            events: vec![event],
            effects: Default::default(),
        };
        clocks::plan_intake(&mut decision, &self.env(channel, urgency, &[]));
        let clocks = stored(&[], &decision);
        (decision.case, clocks)
    }

    pub(crate) fn act(
        &self,
        case: &Case,
        running: &[Clock],
        command: Command,
        now: DateTime<Utc>,
    ) -> (Decision, Vec<Clock>) {
        self.act_as(Actor::SYSTEM, case, running, command, now)
            .unwrap()
    }

    /// A command issued by `actor`: its decision with the clocks after it, or the refusal.
    pub(crate) fn act_as(
        &self,
        actor: Actor,
        case: &Case,
        running: &[Clock],
        command: Command,
        now: DateTime<Utc>,
    ) -> Result<(Decision, Vec<Clock>), Refusal> {
        let ctx = Ctx {
            org: &self.org,
            calendars: crate::calendars(),
            rules: crate::rules(),
            actor,
            now,
        };
        let mut decision = lifecycle::decide(case, &command, &ctx)?;
        clocks::plan(
            case,
            &mut decision,
            running,
            &self.env(Channel::Hotline, Urgency::Normal, &[]),
        );
        let all = stored(running, &decision);
        Ok((decision, all))
    }
}

/// Every clock after a decision (the ones given and the new), new ones given fresh ids as
/// a store would.
pub(crate) fn stored(before: &[Clock], decision: &Decision) -> Vec<Clock> {
    static NEXT_ID: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(100);
    let mut all = before.to_vec();
    for clock in &decision.effects.clocks {
        if clock.id == 0 {
            let mut c = clock.clone();
            c.id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            all.push(c);
        } else if let Some(slot) = all.iter_mut().find(|c| c.id == clock.id) {
            *slot = clock.clone();
        }
    }
    all
}

pub(crate) fn running(clocks: &[Clock]) -> Vec<Clock> {
    clocks.iter().filter(|c| c.is_running()).cloned().collect()
}

pub(crate) fn dispatch_to(unit: i64) -> Command {
    Command::Dispatch {
        unit: UnitId(unit),
        assisting: vec![],
        basis: Basis::Manual,
        complex: false,
        important: false,
    }
}

#[test]
fn the_dispatch_clock_runs_against_the_hub_from_intake_by_channel_and_urgency() {
    let world = World::new();
    // Saturday night: the hub works round the clock, so working minutes are every minute.
    let at = beijing(2026, 9, 19, 23, 50);
    let (_, hotline) = world.receive(Channel::Hotline, Urgency::Normal, at);
    assert_eq!(
        hotline.len(),
        1,
        "only the dispatch clock runs before dispatch"
    );
    let clock = &hotline[0];
    assert_eq!(clock.stage, Stage::Dispatch);
    assert_eq!(clock.unit, Some(UnitId(1)), "held against the hub");
    assert_eq!(clock.policy, 2, "the hotline's own policy");
    assert_eq!(clock.deadline, beijing(2026, 9, 20, 0, 20));
    assert!(clock.calendar.starts_with("round_the_clock"));

    let (_, web) = world.receive(Channel::Web, Urgency::Normal, at);
    assert_eq!(web[0].policy, 1, "web falls to the default");
    assert_eq!(web[0].deadline, beijing(2026, 9, 20, 1, 50));

    let (_, emergency) = world.receive(Channel::Hotline, Urgency::Emergency, at);
    assert_eq!(
        emergency[0].policy, 3,
        "between equally specific policies the newer wins"
    );
    assert_eq!(emergency[0].deadline, beijing(2026, 9, 20, 0, 5));
}

#[test]
fn dispatch_stops_the_hub_clock_and_a_return_starts_it_again() {
    let world = World::new();
    let at = beijing(2026, 9, 21, 9, 0);
    let (case, clocks) = world.receive(Channel::Hotline, Urgency::Normal, at);
    let (decision, clocks) = world.act(
        &case,
        &running(&clocks),
        dispatch_to(10),
        beijing(2026, 9, 21, 9, 40),
    );
    let dispatch = clocks.iter().find(|c| c.stage == Stage::Dispatch).unwrap();
    assert_eq!(dispatch.end, Some(ClockEnd::Late), "40 minutes against 30");
    assert!(
        decision
            .effects
            .facts
            .iter()
            .any(|f| f.unit == UnitId(1) && f.metric == "dispatch_late"),
        "the lateness is the hub's"
    );
    let stages: Vec<Stage> = running(&clocks).iter().map(|c| c.stage).collect();
    assert_eq!(stages, [Stage::Accept, Stage::Respond, Stage::Resolve]);

    let (returned, clocks) = world.act(
        &decision.case,
        &running(&clocks),
        Command::Return {
            reason: "不属于本单位职责".into(),
            proper_owner: None,
        },
        beijing(2026, 9, 21, 10, 0),
    );
    assert_eq!(returned.case.state, State::Returned);
    let again: Vec<Clock> = running(&clocks)
        .into_iter()
        .filter(|c| c.stage == Stage::Dispatch)
        .collect();
    assert_eq!(again.len(), 1, "the hub's clock runs again for the return");
    assert_eq!(again[0].started_at, beijing(2026, 9, 21, 10, 0));
    assert_eq!(again[0].unit, Some(UnitId(1)));
}

#[test]
fn answering_cancelling_and_coordinating_are_the_hubs_dispositions_in_time_or_late() {
    let world = World::new();
    let at = beijing(2026, 9, 21, 9, 0);
    for (command, minutes) in [
        (
            Command::Cancel {
                reason: "duplicate".into(),
            },
            10,
        ),
        (
            Command::Coordinate {
                units: vec![UnitId(10), UnitId(11)],
                reason: "职责不清".into(),
            },
            45,
        ),
    ] {
        let (case, clocks) = world.receive(Channel::Hotline, Urgency::Normal, at);
        let (_, after) = world.act(
            &case,
            &running(&clocks),
            command.clone(),
            at + chrono::Duration::minutes(minutes),
        );
        let dispatch = after.iter().find(|c| c.stage == Stage::Dispatch).unwrap();
        let expected = if minutes <= 30 {
            ClockEnd::Met
        } else {
            ClockEnd::Late
        };
        assert_eq!(dispatch.end, Some(expected), "{command:?}");
    }
}

#[test]
fn a_coordination_started_on_friday_ends_on_the_third_official_working_day() {
    let world = World::new();
    // Friday 2026-10-16 16:00: the weekend does not count (on the hub's round-the-clock
    // calendar it would end on Monday); Monday, Tuesday, then the end of Wednesday the 21st.
    let at = beijing(2026, 10, 16, 16, 0);
    let (case, clocks) = world.receive(Channel::Hotline, Urgency::Normal, at);
    let (_, after) = world.act(
        &case,
        &running(&clocks),
        Command::Coordinate {
            units: vec![UnitId(10), UnitId(11)],
            reason: "职责不清".into(),
        },
        at,
    );
    let coordinate = running(&after)
        .into_iter()
        .find(|c| c.stage == Stage::Coordinate)
        .unwrap();
    assert!(coordinate.calendar.starts_with("official"));
    assert_eq!(coordinate.deadline, beijing(2026, 10, 21, 17, 30));
}

#[test]
fn a_reopened_answer_goes_back_to_the_hubs_clock_as_a_redo() {
    let world = World::new();
    let at = beijing(2026, 9, 21, 9, 0);
    let (case, clocks) = world.receive(Channel::Hotline, Urgency::Normal, at);
    let consult = Case {
        kind: Kind::Consultation,
        ..case
    };
    let (answered, clocks) = world.act(
        &consult,
        &running(&clocks),
        Command::Answer {
            reply: "可以办理".into(),
        },
        beijing(2026, 9, 21, 9, 5),
    );
    assert_eq!(answered.case.state, State::Closed);
    assert!(running(&clocks).is_empty());
    assert_eq!(
        clocks[0].end,
        Some(ClockEnd::Met),
        "an answer is the hub's disposition"
    );
    let (reopened, clocks) = world.act(
        &answered.case,
        &running(&clocks),
        Command::Reopen {
            reason: "市民仍有疑问".into(),
        },
        beijing(2026, 9, 22, 9, 0),
    );
    assert_eq!(reopened.case.state, State::Received);
    let again = running(&clocks);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].stage, Stage::Dispatch);
    assert!(again[0].redo);
}

fn ctx_at(world: &World, now: DateTime<Utc>) -> Ctx<'_> {
    Ctx {
        org: &world.org,
        calendars: crate::calendars(),
        rules: crate::rules(),
        actor: Actor::SYSTEM,
        now,
    }
}

fn dispatched_at(world: &World, unit: i64, at: DateTime<Utc>, complex: bool) -> Case {
    let case = Case::received(Kind::Complaint);
    let command = Command::Dispatch {
        unit: UnitId(unit),
        assisting: vec![],
        basis: Basis::Manual,
        complex,
        important: false,
    };
    lifecycle::decide(&case, &command, &ctx_at(world, at))
        .unwrap()
        .case
}

fn return_at(world: &World, case: &Case, at: DateTime<Utc>) -> Result<Decision, Refusal> {
    let command = Command::Return {
        reason: "不属于本单位职责".into(),
        proper_owner: None,
    };
    lifecycle::decide(case, &command, &ctx_at(world, at))
}

#[test]
fn a_unit_returns_within_one_working_day_of_receiving_the_case_and_not_after() {
    let world = World::new();
    // Friday 2026-10-16 15:00 to department 10 (official calendar): the window runs to the
    // end of the next working day, Monday the 19th at 17:30.
    let case = dispatched_at(&world, 10, beijing(2026, 10, 16, 15, 0), false);
    assert_eq!(case.assigned_at, Some(beijing(2026, 10, 16, 15, 0)));
    let (days, closes) = ctx_at(&world, beijing(2026, 10, 16, 15, 0))
        .return_window(&case)
        .unwrap();
    assert_eq!((days, closes), (1, beijing(2026, 10, 19, 17, 30)));
    assert!(
        return_at(&world, &case, beijing(2026, 10, 19, 17, 30)).is_ok(),
        "to the minute"
    );
    let late = return_at(&world, &case, beijing(2026, 10, 19, 17, 31)).unwrap_err();
    match late {
        Refusal::WindowClosed {
            action,
            window,
            closed_at,
        } => {
            assert_eq!(action, "return");
            assert!(window.starts_with("1 working day"), "{window}");
            assert_eq!(closed_at, beijing(2026, 10, 19, 17, 30));
        }
        other => panic!("expected a closed window, got {other:?}"),
    }
    // A complex case has two working days.
    let complex = dispatched_at(&world, 10, beijing(2026, 10, 16, 15, 0), true);
    assert!(complex.complex);
    assert!(return_at(&world, &complex, beijing(2026, 10, 20, 17, 0)).is_ok());
    assert!(return_at(&world, &complex, beijing(2026, 10, 20, 17, 31)).is_err());
    // A transfer gives the new unit its own window.
    let transferred = lifecycle::decide(
        &case,
        &Command::Transfer {
            unit: UnitId(11),
            reason: None,
        },
        &ctx_at(&world, beijing(2026, 10, 19, 10, 0)),
    )
    .unwrap()
    .case;
    assert!(return_at(&world, &transferred, beijing(2026, 10, 20, 17, 0)).is_ok());
}

#[test]
fn the_first_responder_stays_and_answers_for_the_citizens_verdict() {
    let world = World::new();
    let at = beijing(2026, 10, 19, 9, 0);
    let case = dispatched_at(&world, 10, at, false);
    assert_eq!(case.first_responder, Some(UnitId(10)));
    assert_eq!(case.dispatch_count, 1);
    let returned = return_at(&world, &case, beijing(2026, 10, 19, 10, 0))
        .unwrap()
        .case;
    let again = lifecycle::decide(
        &returned,
        &dispatch_to(11),
        &ctx_at(&world, beijing(2026, 10, 19, 11, 0)),
    )
    .unwrap()
    .case;
    assert_eq!(
        again.first_responder,
        Some(UnitId(10)),
        "kept after a return"
    );
    assert_eq!(again.lead, Some(UnitId(11)));
    assert_eq!(again.dispatch_count, 2);
    // Department 11 resolves; the citizen's verdict counts for both units.
    let mut resolved = again.clone();
    resolved.state = State::Resolved;
    let (decision, _) = world.act(
        &resolved,
        &[],
        Command::Callback {
            rating: civicgrid_domain::request::Rating::Unsatisfied,
            resolved: false,
            note: None,
        },
        beijing(2026, 10, 22, 9, 0),
    );
    for unit in [10, 11] {
        for metric in ["rated_unsatisfied", "citizen_unresolved"] {
            assert!(
                decision
                    .effects
                    .facts
                    .iter()
                    .any(|f| f.unit == UnitId(unit) && f.metric == metric),
                "{metric} for {unit}"
            );
        }
    }
    // Resolved by the first responder itself: counted once.
    let mut own = case.clone();
    own.state = State::Resolved;
    let (decision, _) = world.act(
        &own,
        &[],
        Command::Callback {
            rating: civicgrid_domain::request::Rating::Satisfied,
            resolved: true,
            note: None,
        },
        beijing(2026, 10, 22, 9, 0),
    );
    let satisfied = decision
        .effects
        .facts
        .iter()
        .filter(|f| f.metric == "rated_satisfied")
        .count();
    assert_eq!(satisfied, 1);
}

#[test]
fn a_resolved_case_closes_only_through_a_callback_or_when_no_callback_is_possible() {
    let world = World::new();
    let mut case = dispatched_at(&world, 10, beijing(2026, 10, 19, 9, 0), false);
    case.state = State::Resolved;
    let attempt = |case: &Case, at| {
        lifecycle::decide(
            case,
            &Command::CallbackFailed { note: None },
            &ctx_at(&world, at),
        )
        .unwrap()
        .case
    };
    let impossible = |case: &Case, cause| {
        lifecycle::decide(
            case,
            &Command::CallbackImpossible { cause, note: None },
            &ctx_at(&world, beijing(2026, 10, 23, 9, 0)),
        )
    };
    // The caller left a phone: "no contact" is not a cause.
    let err = impossible(&case, NoCallback::NoContact).unwrap_err();
    assert!(
        matches!(err, Refusal::Invalid(ref i) if i.field == "cause"),
        "{err:?}"
    );
    // Two attempts on Monday count as one day; Tuesday and Wednesday make three.
    let monday = attempt(&case, beijing(2026, 10, 19, 10, 0));
    let monday = attempt(&monday, beijing(2026, 10, 19, 23, 59));
    assert_eq!(monday.callback_attempts, 1);
    assert_eq!(monday.state, State::Resolved, "an attempt changes no state");
    assert!(impossible(&monday, NoCallback::Unreachable).is_err());
    let tuesday = attempt(&monday, beijing(2026, 10, 20, 0, 1));
    assert_eq!(tuesday.callback_attempts, 2, "a new local day");
    assert!(impossible(&tuesday, NoCallback::Unreachable).is_err());
    let wednesday = attempt(&tuesday, beijing(2026, 10, 21, 9, 0));
    let closed = impossible(&wednesday, NoCallback::Unreachable).unwrap();
    assert_eq!(closed.case.state, State::Closed);
    assert_eq!(closed.events[0].value("cause"), Some("unreachable"));
    // No contact at all: closed at once.
    let mut anonymous = case.clone();
    anonymous.contact = false;
    // … and nobody to call back: a callback is refused, naming the way out.
    let called = lifecycle::decide(
        &anonymous,
        &Command::Callback {
            rating: civicgrid_domain::request::Rating::Satisfied,
            resolved: true,
            note: None,
        },
        &ctx_at(&world, beijing(2026, 10, 23, 9, 0)),
    );
    assert!(
        matches!(called, Err(Refusal::Invalid(ref i)) if i.message.contains("callback_impossible")),
        "{called:?}"
    );
    assert_eq!(
        impossible(&anonymous, NoCallback::NoContact)
            .unwrap()
            .case
            .state,
        State::Closed
    );
    // The old close is refused whatever the state.
    assert!(matches!(
        lifecycle::retired(lifecycle::Action::Close),
        Some(Refusal::Retired { .. })
    ));
}

#[test]
fn the_rules_numbers_are_checked_and_refusals_say_what_closed() {
    use civicgrid_domain::lifecycle::Rules;
    assert_eq!(Rules::parse(1, 2, 3, 3), Ok(Rules::default()));
    assert!(
        Rules::parse(2, 2, 3, 3).is_ok(),
        "the complex window may equal the plain one"
    );
    assert_eq!(
        Rules::parse(3, 2, 3, 3).unwrap_err().field,
        "return_window_days_complex"
    );
    for (args, field) in [
        ((0, 2, 3), "return_window_days"),
        ((31, 31, 3), "return_window_days"),
        ((1, 31, 3), "return_window_days_complex"),
        ((1, 2, 0), "callback_attempts"),
        ((1, 2, 31), "callback_attempts"),
    ] {
        assert_eq!(
            Rules::parse(args.0, args.1, args.2, 3).unwrap_err().field,
            field
        );
    }
    assert!(Rules::parse(30, 30, 30, 30).is_ok());
    assert_eq!(
        Rules::parse(1, 2, 3, 0).unwrap_err().field,
        "designate_after"
    );
    assert_eq!(
        Rules::parse(1, 2, 3, 31).unwrap_err().field,
        "designate_after"
    );
    // The frequent-caller flag: 5 requests in 30 days unless the district says otherwise.
    let rules = Rules::default();
    assert_eq!(
        (rules.frequent_caller_calls, rules.frequent_caller_days),
        (5, 30)
    );
    let set = rules.with_frequent_callers(2, 365).unwrap();
    assert_eq!(
        (set.frequent_caller_calls, set.frequent_caller_days),
        (2, 365)
    );
    let set = rules.with_frequent_callers(100, 1).unwrap();
    assert_eq!(
        (set.frequent_caller_calls, set.frequent_caller_days),
        (100, 1)
    );
    for (calls, days, field) in [
        (1, 30, "frequent_caller_calls"),
        (101, 30, "frequent_caller_calls"),
        (5, 0, "frequent_caller_days"),
        (5, 366, "frequent_caller_days"),
    ] {
        assert_eq!(
            rules.with_frequent_callers(calls, days).unwrap_err().field,
            field
        );
    }
    let closed = Refusal::WindowClosed {
        action: "return",
        window: "1 working day(s) after the unit received the request".into(),
        closed_at: beijing(2026, 10, 19, 17, 30),
    };
    assert_eq!(
        closed.to_string(),
        "`return` is allowed only within 1 working day(s) after the unit received the request; that window closed at 2026-10-19T09:30:00+00:00"
    );
    let retired = lifecycle::retired(lifecycle::Action::Close).unwrap();
    assert!(
        retired
            .to_string()
            .starts_with("`close` is not taken any more: ")
    );
    assert!(retired.to_string().contains("callback_impossible"));
    assert_eq!(lifecycle::retired(lifecycle::Action::Callback), None);
}

#[test]
fn a_refused_return_sends_the_case_back_with_its_clocks_and_counts_against_the_unit() {
    let world = World::new();
    let at = beijing(2026, 10, 19, 9, 0);
    let (case, clocks) = world.receive(Channel::Hotline, Urgency::Normal, at);
    let (dispatched, clocks) = world.act(&case, &running(&clocks), dispatch_to(10), at);
    let (accepted, clocks) = world.act(
        &dispatched.case,
        &running(&clocks),
        Command::Accept,
        beijing(2026, 10, 19, 9, 30),
    );
    let resolve_before = running(&clocks)
        .into_iter()
        .find(|c| c.stage == Stage::Resolve)
        .unwrap();
    let (returned, clocks) = world.act(
        &accepted.case,
        &running(&clocks),
        Command::Return {
            reason: "应由住建局办理".into(),
            proper_owner: Some("住建局".into()),
        },
        beijing(2026, 10, 19, 10, 0),
    );
    assert_eq!(returned.case.returned_by, Some(UnitId(10)));
    assert_eq!(returned.case.returned_from, Some(State::Accepted));
    assert_eq!(returned.events[0].value("proper_owner"), Some("住建局"));
    let paused: Vec<Clock> = running(&clocks)
        .into_iter()
        .filter(|c| c.stage != Stage::Dispatch)
        .collect();
    assert!(
        !paused.is_empty() && paused.iter().all(|c| c.paused_at.is_some()),
        "the unit's clocks wait for the review"
    );
    // The hub refuses twenty minutes later: back to the unit, in the state it left, its clocks
    // running on with the review time added, and an improper return counted.
    let (rejected, clocks) = world.act(
        &returned.case,
        &running(&clocks),
        Command::RejectReturn {
            reason: "路灯维护属城管局职责".into(),
        },
        beijing(2026, 10, 19, 10, 20),
    );
    assert_eq!(rejected.case.state, State::Accepted);
    assert_eq!(rejected.case.lead, Some(UnitId(10)));
    assert_eq!(rejected.case.returned_by, None);
    assert!(
        rejected
            .effects
            .facts
            .iter()
            .any(|f| f.unit == UnitId(10) && f.metric == "return_rejected")
    );
    let resolve_after = running(&clocks)
        .into_iter()
        .find(|c| c.stage == Stage::Resolve)
        .unwrap();
    assert!(resolve_after.paused_at.is_none());
    assert_eq!(
        resolve_after.id, resolve_before.id,
        "the same clock runs on"
    );
    assert!(resolve_after.deadline > resolve_before.deadline);
    let hub = clocks.iter().rfind(|c| c.stage == Stage::Dispatch).unwrap();
    assert_eq!(
        hub.end,
        Some(ClockEnd::Met),
        "the hub's review is done, within its 30 minutes"
    );
}

#[test]
fn after_three_dispatches_without_an_owner_the_hub_designates_one_for_good() {
    let world = World::new();
    let mut case = Case::received(Kind::Complaint);
    let mut at = beijing(2026, 10, 19, 9, 0);
    for unit in [10, 11, 10] {
        case = lifecycle::decide(&case, &dispatch_to(unit), &ctx_at(&world, at))
            .unwrap()
            .case;
        at += chrono::Duration::hours(1);
        case = return_at(&world, &case, at).unwrap().case;
    }
    assert_eq!(case.dispatch_count, 3);
    let refused = lifecycle::decide(&case, &dispatch_to(11), &ctx_at(&world, at)).unwrap_err();
    assert!(
        matches!(refused, Refusal::Invalid(ref i) if i.field == "unit" && i.message.contains("designate")),
        "{refused:?}"
    );
    let designate = Command::Designate {
        unit: UnitId(11),
        reason: "经研究由住建局承办".into(),
        rule: Some((CategoryId(50), Some(UnitId(2)))),
    };
    let decision = lifecycle::decide(&case, &designate, &ctx_at(&world, at)).unwrap();
    assert_eq!(decision.case.state, State::Dispatched);
    assert!(decision.case.designated);
    assert_eq!(
        decision.case.dispatch_count, 4,
        "a designation is a dispatch too"
    );
    assert_eq!(decision.case.assigned_at, Some(at));
    assert_eq!(decision.events[0].value("basis"), Some("designation"));
    assert_eq!(
        decision.effects.routing,
        Some(clocks::RoutingFinding {
            category: CategoryId(50),
            area: Some(UnitId(2)),
            unit: UnitId(11),
            basis: Basis::Designation,
        })
    );
    // The designated owner cannot return it, however early.
    let err = return_at(&world, &decision.case, at).unwrap_err();
    assert!(
        matches!(err, Refusal::Invalid(ref i) if i.field == "reason"),
        "{err:?}"
    );
}

#[test]
fn marks_stay_once_set_and_every_unit_kind_has_its_tier() {
    use civicgrid_domain::org::{Tier, UnitKind};
    let world = World::new();
    let at = beijing(2026, 10, 19, 9, 0);
    let marked = lifecycle::decide(
        &Case::received(Kind::Complaint),
        &Command::Dispatch {
            unit: UnitId(10),
            assisting: vec![],
            basis: Basis::Manual,
            complex: true,
            important: true,
        },
        &ctx_at(&world, at),
    )
    .unwrap();
    assert_eq!(marked.events[0].value("complex"), Some("true"));
    assert_eq!(marked.events[0].value("important"), Some("true"));
    let returned = return_at(&world, &marked.case, at).unwrap().case;
    let again = lifecycle::decide(&returned, &dispatch_to(11), &ctx_at(&world, at))
        .unwrap()
        .case;
    assert!(
        again.complex && again.important,
        "a later dispatch keeps the marks"
    );
    let plain = dispatched_at(&world, 10, at, false);
    assert!(!plain.complex && !plain.important);
    for (kind, tier) in [
        (UnitKind::Street, Some(Tier::Street)),
        (UnitKind::Department, Some(Tier::Department)),
        (UnitKind::Utility, Some(Tier::Utility)),
        (UnitKind::Community, Some(Tier::Community)),
        (UnitKind::Grid, Some(Tier::Grid)),
        (UnitKind::Subgrid, Some(Tier::Grid)),
        (UnitKind::Hub, None),
        (UnitKind::Centre, None),
    ] {
        assert_eq!(kind.tier(), tier, "{kind}");
    }
}

#[test]
fn a_quality_verdict_reopens_the_case_and_a_false_callback_is_held_to_account() {
    let world = World::new();
    let at = beijing(2026, 10, 19, 9, 0);
    let mut closed = dispatched_at(&world, 10, at, false);
    closed.state = State::Closed;
    let check = |resolved, rating, falsified_by| Command::QualityCallback {
        rating,
        resolved,
        note: None,
        falsified_by,
    };
    use civicgrid_domain::request::Rating;
    // Satisfied and resolved: the check confirms, nothing moves.
    let (confirmed, _) = world.act(&closed, &[], check(true, Rating::Satisfied, None), at);
    assert_eq!(confirmed.case.state, State::Closed);
    let done = confirmed.effects.sample_done.clone().unwrap();
    assert!(!done.reopened && !done.falsified);
    // Not resolved in the citizen's word: a redo against the unit, its clocks fresh.
    for (resolved, rating) in [(false, Rating::Satisfied), (true, Rating::Unsatisfied)] {
        let (redo, clocks) = world.act(&closed, &[], check(resolved, rating, None), at);
        assert_eq!(redo.case.state, State::Reopened, "{resolved} {rating}");
        assert_eq!(redo.case.redo_count, 1);
        assert!(redo.effects.sample_done.as_ref().unwrap().reopened);
        let stages: Vec<(Stage, bool)> =
            running(&clocks).iter().map(|c| (c.stage, c.redo)).collect();
        assert_eq!(stages, [(Stage::Accept, true), (Stage::Resolve, true)]);
        for metric in ["quality_failed", "redo"] {
            assert!(
                redo.effects
                    .facts
                    .iter()
                    .any(|f| f.unit == UnitId(10) && f.metric == metric),
                "{metric}"
            );
        }
    }
    // The citizen says nobody called: an accountability record against the recorder's unit.
    let recorder = Actor {
        user: Some(civicgrid_domain::UserId(7)),
        unit: Some(UnitId(1)),
    };
    let (falsified, _) = world.act(
        &closed,
        &[],
        check(true, Rating::Satisfied, Some(recorder)),
        at,
    );
    assert_eq!(falsified.events[0].value("falsified_by_user"), Some("7"));
    let notice = &falsified.effects.notices[0];
    assert_eq!(notice.kind, clocks::NoticeKind::HoldAccountable);
    assert_eq!(notice.unit, Some(UnitId(1)));
    assert!(notice.text.as_deref().unwrap().contains("user 7"));
    assert!(falsified.effects.sample_done.as_ref().unwrap().falsified);
    for metric in ["accountable", "callback_falsified"] {
        assert!(
            falsified
                .effects
                .facts
                .iter()
                .any(|f| f.unit == UnitId(1) && f.metric == metric),
            "{metric}"
        );
    }
}

#[test]
fn an_approved_appeal_takes_the_case_out_of_the_units_rates_for_good() {
    use civicgrid_domain::lifecycle::{AppealGround, AppealState};
    use civicgrid_domain::request::Rating;
    let world = World::new();
    let at = beijing(2026, 10, 19, 9, 0);
    let mut resolved = dispatched_at(&world, 10, at, false);
    resolved.state = State::Resolved;
    let appeal = |case: &Case, command| lifecycle::decide(case, &command, &ctx_at(&world, at));
    let refused = appeal(&resolved, Command::ApproveAppeal { note: None }).unwrap_err();
    assert!(
        matches!(refused, Refusal::Invalid(ref i) if i.field == "appeal" && i.message.ends_with("to approve appeal")),
        "{refused:?}"
    );
    let pending = appeal(
        &resolved,
        Command::Appeal {
            ground: AppealGround::WrongRating,
            reason: "市民评价的是另一件事".into(),
        },
    )
    .unwrap();
    assert_eq!(
        pending.case.appeal,
        Some((UnitId(10), AppealGround::WrongRating, AppealState::Pending))
    );
    assert!(pending.effects.exempt.is_none());
    let again = appeal(
        &pending.case,
        Command::Appeal {
            ground: AppealGround::MaliciousCaller,
            reason: "再次申请".into(),
        },
    );
    assert!(again.is_err(), "one appeal per request");
    let refused = appeal(
        &pending.case,
        Command::RefuseAppeal {
            reason: "理由不成立".into(),
        },
    )
    .unwrap();
    assert_eq!(refused.case.appeal.unwrap().2, AppealState::Refused);
    assert_eq!(refused.case.exempt_unit(), None);
    let (approved, _) = world.act(
        &pending.case,
        &[],
        Command::ApproveAppeal { note: None },
        at,
    );
    assert_eq!(approved.case.exempt_unit(), Some(UnitId(10)));
    assert_eq!(
        approved.effects.exempt,
        Some(UnitId(10)),
        "the store takes its facts out"
    );
    // Whatever happens next counts nothing more for the unit.
    let (callback, _) = world.act(
        &approved.case,
        &[],
        Command::Callback {
            rating: Rating::Unsatisfied,
            resolved: false,
            note: None,
        },
        at,
    );
    assert!(
        callback.effects.facts.iter().all(|f| f.unit != UnitId(10)),
        "{:?}",
        callback.effects.facts
    );
}

#[test]
fn a_callback_on_an_excluded_category_counts_resolution_but_not_satisfaction() {
    use civicgrid_domain::request::Rating;
    let mut world = World::new();
    let at = beijing(2026, 10, 19, 9, 0);
    let mut resolved = dispatched_at(&world, 10, at, false);
    resolved.state = State::Resolved;
    world.rated = false;
    let (decision, _) = world.act(
        &resolved,
        &[],
        Command::Callback {
            rating: Rating::Unsatisfied,
            resolved: true,
            note: None,
        },
        at,
    );
    let metrics: Vec<&str> = decision
        .effects
        .facts
        .iter()
        .map(|f| f.metric.as_str())
        .collect();
    assert!(metrics.contains(&"citizen_resolved"), "{metrics:?}");
    assert!(
        !metrics.iter().any(|m| m.starts_with("rated_")),
        "{metrics:?}"
    );
}

#[test]
fn the_ladder_counts_nothing_against_a_unit_whose_appeal_was_approved() {
    use civicgrid_domain::lifecycle::{AppealGround, AppealState};
    let world = World::new();
    let at = beijing(2026, 10, 19, 9, 0);
    let (case, clocks) = world.receive(Channel::Hotline, Urgency::Normal, at);
    let (dispatched, clocks) = world.act(&case, &running(&clocks), dispatch_to(10), at);
    let mut exempt = dispatched.case.clone();
    exempt.appeal = Some((UnitId(10), AppealGround::OutsideDuty, AppealState::Approved));
    let later = beijing(2026, 10, 30, 9, 0);
    let mut supervisors = vec![(civicgrid_domain::UserId(7), 0)];
    let counted = clocks::escalate(
        &dispatched.case,
        &running(&clocks),
        later,
        false,
        &mut supervisors,
    );
    assert!(counted.effects.facts.iter().any(|f| f.unit == UnitId(10)));
    let spared = clocks::escalate(&exempt, &running(&clocks), later, false, &mut supervisors);
    assert!(!spared.events.is_empty(), "the ladder still runs");
    assert!(spared.effects.facts.iter().all(|f| f.unit != UnitId(10)));
}

#[test]
fn a_repeat_with_no_new_facts_ends_linked_to_the_answered_request() {
    use civicgrid_domain::RequestId;
    let world = World::new();
    let at = beijing(2026, 10, 19, 9, 0);
    let mut answered = dispatched_at(&world, 10, at, false);
    answered.state = State::Closed;
    answered.reply = Some("路灯已于10月18日修复".into());
    let (case, clocks) = world.receive(Channel::Hotline, Urgency::Normal, at);
    let ctx = ctx_at(&world, beijing(2026, 10, 19, 9, 10));
    let (mut child, parent) =
        lifecycle::decide_repeat(RequestId(2), &case, RequestId(1), &answered, &ctx).unwrap();
    assert_eq!(child.case.state, State::Closed);
    assert_eq!(child.case.parent, Some(RequestId(1)));
    assert_eq!(
        child.case.reply, answered.reply,
        "the caller gets the earlier answer"
    );
    assert_eq!(child.case.lead, None, "not dispatched again");
    assert_eq!(
        parent.case.repeats, 1,
        "the earlier request counts the repeat"
    );
    assert_eq!(
        Case {
            repeats: 0,
            ..parent.case.clone()
        },
        answered,
        "and is otherwise unchanged"
    );
    assert_eq!(parent.events[0].kind, lifecycle::EventKind::RepeatLinked);
    clocks::plan(
        &case,
        &mut child,
        &running(&clocks),
        &world.env(Channel::Hotline, Urgency::Normal, &[]),
    );
    assert!(
        child.effects.facts.iter().all(|f| f.unit == UnitId(1)),
        "nothing against a unit"
    );
    assert_eq!(
        child.effects.clocks[0].end,
        Some(ClockEnd::Met),
        "the hub disposed in time"
    );
    assert!(child.effects.sample_drawn.is_none());
    // An open request takes a merge, not a repeat; nor does a request repeat itself.
    let open = dispatched_at(&world, 10, at, false);
    let err = lifecycle::decide_repeat(RequestId(2), &case, RequestId(1), &open, &ctx).unwrap_err();
    assert!(matches!(err, Refusal::Invalid(ref i) if i.field == "parent"));
    assert!(lifecycle::decide_repeat(RequestId(1), &case, RequestId(1), &answered, &ctx).is_err());
    let mut unanswered = answered.clone();
    unanswered.reply = None;
    assert!(
        lifecycle::decide_repeat(RequestId(2), &case, RequestId(1), &unanswered, &ctx).is_err(),
        "a closed request with no answer has nothing to repeat"
    );
    let dispatched = dispatched_at(&world, 10, at, false);
    assert!(matches!(
        lifecycle::decide_repeat(RequestId(2), &dispatched, RequestId(1), &answered, &ctx),
        Err(Refusal::IllegalTransition { .. })
    ));
}

#[test]
fn the_12345_targets_count_from_intake_once_per_request() {
    let mut world = World::new();
    let intake = beijing(2026, 10, 19, 9, 0);
    // First response by the end of Tuesday the 20th; resolution by the end of the 26th.
    world.targets = Some((beijing(2026, 10, 20, 17, 30), beijing(2026, 10, 26, 17, 30)));
    let (case, clocks) = world.receive(Channel::Hotline, Urgency::Normal, intake);
    let (dispatched, clocks) = world.act(&case, &running(&clocks), dispatch_to(10), intake);
    let (accepted, accepted_clocks) = world.act(
        &dispatched.case,
        &running(&clocks),
        Command::Accept,
        beijing(2026, 10, 19, 10, 0),
    );
    let (contacted, clocks) = world.act(
        &accepted.case,
        &running(&accepted_clocks),
        Command::Contact { note: None },
        beijing(2026, 10, 20, 17, 30),
    );
    let facts = |d: &Decision| -> Vec<String> {
        d.effects
            .facts
            .iter()
            .filter(|f| f.metric.starts_with("target_"))
            .map(|f| format!("{}:{}", f.unit.0, f.metric))
            .collect()
    };
    assert_eq!(
        facts(&contacted),
        ["10:target_response_met"],
        "to the minute"
    );
    let (resolved, _) = world.act(
        &contacted.case,
        &running(&clocks),
        Command::Resolve {
            outcome: civicgrid_domain::request::Outcome::Resolved,
            reply: "已修复".into(),
            proper_owner: None,
            cites: None,
            unit_head: false,
        },
        beijing(2026, 10, 27, 9, 0),
    );
    assert_eq!(
        facts(&resolved),
        ["10:target_resolution_missed"],
        "the response was counted already"
    );
    // Resolved with no contact before: the reply is the first response too.
    let (direct, _) = world.act(
        &accepted.case,
        &running(&accepted_clocks),
        Command::Resolve {
            outcome: civicgrid_domain::request::Outcome::Resolved,
            reply: "已修复".into(),
            proper_owner: None,
            cites: None,
            unit_head: false,
        },
        beijing(2026, 10, 26, 17, 30),
    );
    let mut got = facts(&direct);
    got.sort();
    assert_eq!(
        got,
        ["10:target_resolution_met", "10:target_response_missed"]
    );
    // A redo's resolution is not counted again.
    let mut redo = accepted.case.clone();
    redo.redo_count = 1;
    let (again, _) = world.act(
        &redo,
        &[],
        Command::Resolve {
            outcome: civicgrid_domain::request::Outcome::Resolved,
            reply: "重办完毕".into(),
            proper_owner: None,
            cites: None,
            unit_head: false,
        },
        beijing(2026, 10, 21, 9, 0),
    );
    assert!(facts(&again).is_empty(), "{:?}", facts(&again));
}

#[test]
fn the_targets_are_rules_with_their_bounds() {
    use civicgrid_domain::lifecycle::Rules;
    let rules = Rules::default().with_targets(2, 10).unwrap();
    assert_eq!(
        (rules.target_response_days, rules.target_resolution_days),
        (2, 10)
    );
    assert_eq!(rules.return_window_days, 1, "the rest is kept");
    assert!(
        Rules::default().with_targets(3, 3).is_ok(),
        "equal is allowed"
    );
    assert_eq!(
        Rules::default().with_targets(3, 2).unwrap_err().field,
        "target_resolution_days"
    );
    assert_eq!(
        Rules::default().with_targets(0, 5).unwrap_err().field,
        "target_response_days"
    );
    assert_eq!(
        Rules::default().with_targets(1, 61).unwrap_err().field,
        "target_resolution_days"
    );
    assert!(Rules::default().with_targets(60, 60).is_ok());
}

#[test]
fn a_merged_caller_is_called_back_once_their_request_is_resolved_and_counts_for_no_unit() {
    use civicgrid_domain::request::Rating;
    let world = World::new();
    let at = beijing(2026, 10, 19, 9, 0);
    let mut child = dispatched_at(&world, 10, at, false);
    child.state = State::Merged;
    child.parent = Some(civicgrid_domain::RequestId(1));
    let mut parent = dispatched_at(&world, 10, at, false);
    assert!(
        lifecycle::merged_callback_due(&child, &parent).is_err(),
        "not resolved yet"
    );
    parent.state = State::Resolved;
    assert!(lifecycle::merged_callback_due(&child, &parent).is_ok());
    parent.state = State::Closed;
    assert!(lifecycle::merged_callback_due(&child, &parent).is_ok());
    let open_case = dispatched_at(&world, 10, at, false);
    assert!(
        lifecycle::merged_callback_due(&open_case, &parent).is_ok(),
        "not a merged caller"
    );
    let callback = Command::Callback {
        rating: Rating::Unsatisfied,
        resolved: false,
        note: None,
    };
    let (called, _) = world.act(&child, &[], callback.clone(), at);
    assert_eq!(
        called.case.state,
        State::Merged,
        "no reopen: the parent answers for it"
    );
    assert_eq!(called.case.rating, Some(Rating::Unsatisfied));
    assert!(
        called.effects.facts.is_empty(),
        "{:?}",
        called.effects.facts
    );
    let again = lifecycle::decide(&called.case, &callback, &ctx_at(&world, at)).unwrap_err();
    assert!(matches!(again, Refusal::Invalid(ref i) if i.field == "rating"));
}

/// New work is announced to the unit that must do it — dispatched, transferred, handed
/// down, given back after a refused return, reopened — and read when the unit takes it
/// up (accepts it or returns it).
#[test]
fn word_of_new_work_goes_to_the_unit_that_must_do_it() {
    use civicgrid_domain::clocks::{NoticeKind, NoticesRead};
    let world = World::new();
    let at = beijing(2026, 10, 12, 9, 0);
    let (case, clocks) = world.receive(Channel::Hotline, Urgency::Normal, at);
    let told = |d: &Decision| -> Vec<(NoticeKind, Option<UnitId>)> {
        d.effects.notices.iter().map(|n| (n.kind, n.unit)).collect()
    };
    let (dispatched, clocks) = world.act(&case, &running(&clocks), dispatch_to(2), at);
    assert_eq!(told(&dispatched), [(NoticeKind::Dispatch, Some(UnitId(2)))]);
    assert!(NoticeKind::Dispatch.is_word_of_work() && !NoticeKind::Urge.is_word_of_work());
    let (down, clocks) = world.act(
        &dispatched.case,
        &running(&clocks),
        Command::AssignDown { unit: UnitId(3) },
        at,
    );
    assert_eq!(told(&down), [(NoticeKind::Dispatch, Some(UnitId(3)))]);
    let (accepted, clocks) = world.act(&down.case, &running(&clocks), Command::Accept, at);
    assert!(told(&accepted).is_empty());
    assert_eq!(
        accepted.effects.notices_read,
        [NoticesRead {
            unit: UnitId(3),
            at,
            by: None
        }]
    );
    let (moved, clocks) = world.act(
        &accepted.case,
        &running(&clocks),
        Command::Transfer {
            unit: UnitId(10),
            reason: Some("属市政职责".into()),
        },
        at,
    );
    assert_eq!(told(&moved), [(NoticeKind::Transfer, Some(UnitId(10)))]);
    assert_eq!(moved.effects.notices[0].text.as_deref(), Some("属市政职责"));
    let (returned, clocks) = world.act(
        &moved.case,
        &running(&clocks),
        Command::Return {
            reason: "不属本单位职责".into(),
            proper_owner: None,
        },
        at,
    );
    assert_eq!(returned.effects.notices_read.len(), 1);
    assert_eq!(returned.effects.notices_read[0].unit, UnitId(10));
    let (refused, clocks) = world.act(
        &returned.case,
        &running(&clocks),
        Command::RejectReturn {
            reason: "属于本单位职责".into(),
        },
        at,
    );
    assert_eq!(
        told(&refused),
        [(NoticeKind::RejectReturn, Some(UnitId(10)))]
    );
    let mut case = refused.case;
    let mut clocks = clocks;
    for command in [
        Command::Accept,
        Command::Resolve {
            outcome: civicgrid_domain::request::Outcome::Resolved,
            reply: "已修复".into(),
            proper_owner: None,
            cites: None,
            unit_head: false,
        },
        Command::ApproveReply { note: None },
    ] {
        let (d, c) = world.act(&case, &running(&clocks), command, at);
        (case, clocks) = (d.case, c);
    }
    let (reopened, _) = world.act(
        &case,
        &running(&clocks),
        Command::Reopen {
            reason: "群众反映未解决".into(),
        },
        at,
    );
    assert_eq!(reopened.case.state, State::Reopened);
    assert_eq!(told(&reopened), [(NoticeKind::Reopen, Some(UnitId(10)))]);
}
