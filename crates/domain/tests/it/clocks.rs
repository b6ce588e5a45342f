//! Deadline clocks on the real calendar: bands at the right working instants, the ladder
//! firing each step once (and catching up), pauses, extensions, redo clocks, sampling and
//! appraisal.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use civicgrid_domain::appraisal::{self, Config};
use civicgrid_domain::calendar::{Calendar, Calendars};
use civicgrid_domain::clocks::{self, Clock, ClockEnd, Env, NoticeKind, PoolChange, Step};
use civicgrid_domain::deadline::{
    Band, Limit, Match, Policy, Stage, Subject, Thresholds, TimeUnit,
};
use civicgrid_domain::lifecycle::{Action, Case, Command, Ctx, Decision, EventKind, decide};
use civicgrid_domain::org::Actor;
use civicgrid_domain::request::{Channel, Kind, Outcome, Rating, State, Urgency};
use civicgrid_domain::{UnitId, UserId};

use crate::{beijing, org};

fn default_policy() -> Policy {
    let limit = |amount, unit| Limit { amount, unit };
    Policy {
        id: 1,
        name: "default".into(),
        matches: Match::default(),
        limits: vec![
            (Stage::Accept, limit(2, TimeUnit::WorkingHours)),
            (Stage::Respond, limit(1, TimeUnit::WorkingDays)),
            (Stage::Resolve, limit(5, TimeUnit::WorkingDays)),
            (Stage::Callback, limit(1, TimeUnit::WorkingDays)),
        ],
        thresholds: Thresholds::default(),
        accountable_after: 3,
    }
}

fn complaints_policy() -> Policy {
    Policy {
        id: 2,
        name: "complaints".into(),
        matches: Match {
            kind: Some(Kind::Complaint),
            ..Match::default()
        },
        limits: vec![(
            Stage::Resolve,
            Limit {
                amount: 10,
                unit: TimeUnit::WorkingDays,
            },
        )],
        thresholds: Thresholds::default(),
        accountable_after: 3,
    }
}

struct World {
    calendars: Calendars,
    policies: Vec<Policy>,
    org: civicgrid_domain::org::OrgTree,
    /// Who acts (the system unless a test says otherwise).
    actor: Actor,
    /// The sampling share for quality callbacks, in per mille.
    per_mille: u32,
}

impl World {
    fn new() -> World {
        World {
            calendars: Calendars::new(Calendar::official()),
            policies: vec![default_policy(), complaints_policy()],
            org: org(),
            actor: Actor::SYSTEM,
            per_mille: 0,
        }
    }

    fn env(&self, kind: Kind, per_mille: u32) -> Env<'_> {
        Env {
            policies: &self.policies,
            calendars: &self.calendars,
            org: &self.org,
            subject: Subject {
                kind,
                categories: &[],
                urgency: Urgency::Normal,
                channel: Channel::Hotline,
            },
            sample_per_mille: per_mille,
            sample_salt: "salt",
            serial: "20260921000001",
            rated: true,
            targets: None,
        }
    }

    /// Decides `command` at `now` and plans its clock effects; returns the decision and the
    /// running clocks after it (ids given to new clocks as a store would).
    fn act(
        &self,
        case: &Case,
        running: &[Clock],
        command: Command,
        now: DateTime<Utc>,
        kind: Kind,
    ) -> (Decision, Vec<Clock>) {
        // These stories follow the unit's clocks; with the hub checking no replies, a reply
        // goes straight to the callback (`review.rs` follows the review clocks).
        let rules = civicgrid_domain::lifecycle::Rules {
            reply_review: civicgrid_domain::lifecycle::ReplyReview::Off,
            ..Default::default()
        };
        let ctx = Ctx {
            org: &self.org,
            calendars: crate::calendars(),
            rules: &rules,
            actor: self.actor,
            now,
        };
        let mut decision = decide(case, &command, &ctx).unwrap();
        clocks::plan(
            case,
            &mut decision,
            running,
            &self.env(kind, self.per_mille),
        );
        let mut next: Vec<Clock> = running.to_vec();
        let mut fresh_id = 100 + running.len() as i64;
        for clock in &decision.effects.clocks {
            if clock.id == 0 {
                fresh_id += 1;
                let mut stored = clock.clone();
                stored.id = fresh_id;
                next.push(stored);
            } else if let Some(slot) = next.iter_mut().find(|c| c.id == clock.id) {
                *slot = clock.clone();
            }
        }
        next.retain(Clock::is_running);
        (decision, next)
    }
}

fn stage(clocks: &[Clock], stage: Stage) -> Clock {
    clocks
        .iter()
        .find(|c| c.stage == stage)
        .cloned()
        .unwrap_or_else(|| panic!("no running {stage} clock"))
}

#[test]
fn an_accept_clock_turns_each_colour_at_its_working_instant_across_the_mid_autumn_holiday() {
    let world = World::new();
    // Monday 2026-09-21 21:33: the unit's working day is over; the two working hours run
    // from Tuesday 08:30.
    let dispatched_at = beijing(2026, 9, 21, 21, 33);
    let case = Case::received(Kind::Complaint);
    let (_, running) = world.act(
        &case,
        &[],
        Command::Dispatch {
            unit: UnitId(10),
            assisting: vec![],
            basis: civicgrid_domain::lifecycle::Basis::Manual,
            complex: false,
            important: false,
        },
        dispatched_at,
        Kind::Complaint,
    );
    let stages: Vec<Stage> = running.iter().map(|c| c.stage).collect();
    assert_eq!(stages, [Stage::Accept, Stage::Respond, Stage::Resolve]);
    let accept = stage(&running, Stage::Accept);
    assert_eq!(accept.unit, Some(UnitId(10)));
    assert_eq!(accept.deadline, beijing(2026, 9, 22, 10, 30));
    assert_eq!(
        accept.yellow_at,
        beijing(2026, 9, 22, 9, 42),
        "60% of 120 min"
    );
    assert_eq!(
        accept.orange_at,
        beijing(2026, 9, 22, 10, 12),
        "85% of 120 min"
    );
    // Three working days of working time past the deadline: Wednesday, Thursday, and —
    // Friday the 25th being the Mid-Autumn holiday — Monday the 28th.
    assert_eq!(accept.accountable_at, beijing(2026, 9, 28, 10, 30));
    // The complaints policy sets only the resolve limit: 10 working days, not 5.
    let resolve = stage(&running, Stage::Resolve);
    assert_eq!(resolve.policy, 2);
    // Working days: 22, 23, 24 September, (25th off, weekend) 28, 29, 30, (1–7 October
    // off) 8, 9, the make-up Saturday 10th, and Monday 12 October.
    assert_eq!(resolve.deadline, beijing(2026, 10, 12, 17, 30));
    assert_eq!(
        stage(&running, Stage::Respond).policy,
        1,
        "falls back to the default"
    );
    for (at, band) in [
        (beijing(2026, 9, 22, 8, 0), Band::Blue),
        (beijing(2026, 9, 22, 9, 41), Band::Blue),
        (beijing(2026, 9, 22, 9, 42), Band::Yellow),
        (beijing(2026, 9, 22, 10, 12), Band::Orange),
        (beijing(2026, 9, 22, 10, 30), Band::Orange),
        (beijing(2026, 9, 22, 10, 31), Band::Red),
    ] {
        assert_eq!(accept.band(at), band, "at {at}");
    }
    assert_eq!(accept.next_due(), Some(accept.yellow_at));
}

#[test]
fn the_ladder_fires_each_step_once_and_catches_up_after_downtime() {
    let world = World::new();
    let case = Case::received(Kind::Complaint);
    let (decision, running) = world.act(
        &case,
        &[],
        Command::Dispatch {
            unit: UnitId(10),
            assisting: vec![],
            basis: civicgrid_domain::lifecycle::Basis::Manual,
            complex: false,
            important: false,
        },
        beijing(2026, 9, 21, 21, 33),
        Kind::Complaint,
    );
    let case = decision.case;
    let accept = stage(&running, Stage::Accept);
    let mut supervisors = vec![(UserId(7), 3), (UserId(8), 1)];

    // Step by step: each sweep past a mark takes exactly that step.
    let mut clock = accept.clone();
    let mut taken = Vec::new();
    for at in [
        beijing(2026, 9, 22, 9, 0),
        beijing(2026, 9, 22, 9, 42),
        beijing(2026, 9, 22, 9, 50),
        beijing(2026, 9, 22, 10, 12),
        beijing(2026, 9, 22, 10, 31),
        beijing(2026, 9, 25, 12, 0),
        beijing(2026, 9, 28, 10, 30),
        beijing(2026, 10, 30, 10, 30),
    ] {
        let d = clocks::escalate(
            &case,
            std::slice::from_ref(&clock),
            at,
            false,
            &mut supervisors,
        );
        for event in &d.events {
            taken.push((event.kind, at));
        }
        if let Some(next) = d.effects.clocks.first() {
            clock = next.clone();
        }
    }
    assert_eq!(
        taken,
        [
            (EventKind::Act(Action::Remind), beijing(2026, 9, 22, 9, 42)),
            (EventKind::Act(Action::Urge), beijing(2026, 9, 22, 10, 12)),
            (
                EventKind::Act(Action::Supervise),
                beijing(2026, 9, 22, 10, 31)
            ),
            (
                EventKind::Act(Action::HoldAccountable),
                beijing(2026, 9, 28, 10, 30)
            ),
        ]
    );
    assert_eq!(clock.step, Step::HoldAccountable);
    assert_eq!(clock.next_due(), None);

    // After downtime: one sweep takes every missed step, in order, each naming when due.
    let late = beijing(2026, 10, 9, 9, 0);
    let d = clocks::escalate(
        &case,
        std::slice::from_ref(&accept),
        late,
        false,
        &mut supervisors,
    );
    let kinds: Vec<EventKind> = d.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::Act(Action::Remind),
            EventKind::Act(Action::Urge),
            EventKind::Act(Action::Supervise),
            EventKind::Act(Action::HoldAccountable)
        ]
    );
    assert!(
        d.events
            .iter()
            .all(|e| e.at == late && e.actor == Actor::SYSTEM)
    );
    let due: Vec<&str> = d
        .events
        .iter()
        .map(|e| {
            e.detail
                .iter()
                .find(|(k, _)| k == "due_at")
                .map(|(_, v)| v.as_str())
                .unwrap()
        })
        .collect();
    assert_eq!(due[0], beijing(2026, 9, 22, 9, 42).to_rfc3339());
    assert_eq!(due[3], beijing(2026, 9, 28, 10, 30).to_rfc3339());
    // The least loaded supervisor owns the case; notices go to the handling unit.
    assert!(matches!(
        d.effects.pool.as_slice(),
        [PoolChange::Enter {
            owner: Some(UserId(8)),
            stage: Some(Stage::Accept),
            ..
        }]
    ));
    let notices: Vec<(NoticeKind, Option<UnitId>)> =
        d.effects.notices.iter().map(|n| (n.kind, n.unit)).collect();
    assert_eq!(
        notices,
        [
            (NoticeKind::Remind, Some(UnitId(10))),
            (NoticeKind::Urge, Some(UnitId(10))),
            (NoticeKind::HoldAccountable, Some(UnitId(10)))
        ]
    );
    // Nothing is due again on the updated clock.
    let again = clocks::escalate(&case, &d.effects.clocks, late, false, &mut supervisors);
    assert!(again.events.is_empty());
}

#[test]
fn suspension_pauses_and_extension_moves_the_resolve_deadline() {
    let world = World::new();
    let mut case = Case::received(Kind::Help);
    let mut running = Vec::new();
    let start = beijing(2025, 9, 29, 9, 0); // Monday before National Day 2025
    let steps = [
        (
            Command::Dispatch {
                unit: UnitId(10),
                assisting: vec![],
                basis: civicgrid_domain::lifecycle::Basis::Manual,
                complex: false,
                important: false,
            },
            start,
        ),
        (Command::Accept, beijing(2025, 9, 29, 10, 0)),
    ];
    for (command, at) in steps {
        let (d, next) = world.act(&case, &running, command, at, Kind::Help);
        case = d.case;
        running = next;
    }
    let resolve = stage(&running, Stage::Resolve);
    // Five working days after Monday the 29th: 30th, then the 9th, 10th, 11th (the make-up
    // Saturday) and 13th of October.
    assert_eq!(resolve.deadline, beijing(2025, 10, 13, 17, 30));
    // Suspended on Tuesday the 30th at 12:00, resumed on Thursday 9 October at 08:30.
    let (d, next) = world.act(
        &case,
        &running,
        Command::Suspend {
            reason: "等待鉴定".into(),
        },
        beijing(2025, 9, 30, 12, 0),
        Kind::Help,
    );
    case = d.case;
    running = next;
    let paused = stage(&running, Stage::Resolve);
    assert!(paused.paused_at.is_some());
    assert_eq!(paused.next_due(), None, "a paused clock is not swept");
    assert_eq!(
        paused.band(beijing(2025, 12, 1, 0, 0)),
        paused.band(beijing(2025, 9, 30, 12, 0))
    );
    let (d, next) = world.act(
        &case,
        &running,
        Command::Resume,
        beijing(2025, 10, 9, 8, 30),
        Kind::Help,
    );
    case = d.case;
    running = next;
    let resumed = stage(&running, Stage::Resolve);
    // The pause swallowed the 4 working hours of the 30th's afternoon: the deadline moves
    // 4 working hours on, from 13 October 17:30 to 14 October 14:00 (lunch excluded).
    assert_eq!(resumed.deadline, beijing(2025, 10, 14, 14, 0));
    // An approved extension of 2 working days moves it two working days on.
    let (d, next) = world.act(
        &case,
        &running,
        Command::RequestExtension {
            working_days: 2,
            reason: "需要协调".into(),
        },
        beijing(2025, 10, 9, 9, 0),
        Kind::Help,
    );
    case = d.case;
    running = next;
    let (_, next) = world.act(
        &case,
        &running,
        Command::ApproveExtension,
        beijing(2025, 10, 9, 10, 0),
        Kind::Help,
    );
    let extended = stage(&next, Stage::Resolve);
    assert_eq!(extended.deadline, beijing(2025, 10, 16, 14, 0));
    assert!(extended.yellow_at > resumed.yellow_at);
}

#[test]
fn the_lifecycle_starts_and_stops_clocks_and_counts_facts_for_the_unit() {
    let world = World::new();
    let t = |h: u32, m: u32| beijing(2026, 9, 22, h, m);
    let mut case = Case::received(Kind::Complaint);
    let mut running = Vec::new();
    let mut facts = Vec::new();
    let mut run = |command: Command, at, case: &mut Case, running: &mut Vec<Clock>| {
        let (d, next) = world.act(case, running, command, at, Kind::Complaint);
        facts.extend(d.effects.facts.iter().map(|f| (f.unit, f.metric.clone())));
        let stopped: Vec<(Stage, Option<ClockEnd>)> = d
            .effects
            .clocks
            .iter()
            .filter(|c| !c.is_running())
            .map(|c| (c.stage, c.end))
            .collect();
        *case = d.case;
        *running = next;
        stopped
    };
    let dispatch = Command::Dispatch {
        unit: UnitId(10),
        assisting: vec![],
        basis: civicgrid_domain::lifecycle::Basis::Manual,
        complex: false,
        important: false,
    };
    run(dispatch, t(9, 0), &mut case, &mut running);
    // Accepted 3 working hours later: late.
    let stopped = run(Command::Accept, t(14, 30), &mut case, &mut running);
    assert_eq!(stopped, [(Stage::Accept, Some(ClockEnd::Late))]);
    let stopped = run(
        Command::Resolve {
            outcome: Outcome::Resolved,
            reply: "已修复".into(),
            proper_owner: None,
            cites: None,
            unit_head: false,
        },
        t(16, 0),
        &mut case,
        &mut running,
    );
    assert_eq!(
        stopped,
        [
            (Stage::Respond, Some(ClockEnd::Met)),
            (Stage::Resolve, Some(ClockEnd::Met))
        ]
    );
    let callback = stage(&running, Stage::Callback);
    assert_eq!(callback.unit, Some(UnitId(1)), "the hub calls back");
    assert!(callback.calendar.starts_with("round_the_clock@"));
    // Unsatisfied: a redo with fresh accept and resolve clocks counted against the unit.
    run(
        Command::Callback {
            rating: Rating::Unsatisfied,
            resolved: false,
            note: None,
        },
        t(17, 0),
        &mut case,
        &mut running,
    );
    assert_eq!(case.state, State::Reopened);
    let redo: Vec<(Stage, bool)> = running.iter().map(|c| (c.stage, c.redo)).collect();
    assert_eq!(redo, [(Stage::Accept, true), (Stage::Resolve, true)]);
    // A return pauses the unit's clocks until the hub reviews it (no verdict yet).
    run(Command::Accept, t(17, 10), &mut case, &mut running);
    let stopped = run(
        Command::Return {
            reason: "不属于本单位".into(),
            proper_owner: None,
        },
        t(17, 20),
        &mut case,
        &mut running,
    );
    assert_eq!(stopped, []);
    let waiting: Vec<(Stage, bool)> = running
        .iter()
        .map(|c| (c.stage, c.paused_at == Some(t(17, 20))))
        .collect();
    assert_eq!(waiting, [(Stage::Resolve, true)]);
    let unit_facts: Vec<&str> = facts
        .iter()
        .filter(|(u, _)| *u == UnitId(10))
        .map(|(_, m)| m.as_str())
        .collect();
    assert_eq!(
        unit_facts,
        [
            "dispatched",
            "accept_late",
            "respond_on_time",
            "resolve_on_time",
            "resolved",
            "rated_unsatisfied",
            "citizen_unresolved",
            "redo",
            "accept_on_time",
            "returned"
        ]
    );
}

#[test]
fn sampling_draws_a_stable_share_of_closed_cases() {
    let serials: Vec<String> = (1..=20_000).map(|n| format!("20260921{n:06}")).collect();
    let drawn = serials
        .iter()
        .filter(|s| clocks::drawn_for_sampling(s, "salt", 50))
        .count();
    assert!((800..1200).contains(&drawn), "about 5%: {drawn}");
    // Samples nest: every case drawn at 5% is drawn at 10%, so raising the share only adds.
    assert!(
        serials
            .iter()
            .filter(|s| clocks::drawn_for_sampling(s, "salt", 50))
            .all(|s| clocks::drawn_for_sampling(s, "salt", 100))
    );
    assert_eq!(
        serials
            .iter()
            .filter(|s| clocks::drawn_for_sampling(s, "salt", 1000))
            .count(),
        20_000
    );
    assert!(
        !serials
            .iter()
            .any(|s| clocks::drawn_for_sampling(s, "salt", 0))
    );
    // Another deployment's salt draws other cases.
    let same = serials
        .iter()
        .filter(|s| {
            clocks::drawn_for_sampling(s, "salt", 50) && clocks::drawn_for_sampling(s, "other", 50)
        })
        .count();
    assert!(same < drawn / 4, "{same} of {drawn} drawn under both salts");
}

#[test]
fn appraisal_ranks_units_above_the_minimum_sample_by_their_weighted_rates() {
    let mut counts: BTreeMap<UnitId, BTreeMap<String, i64>> = BTreeMap::new();
    let mut put = |unit: i64, facts: &[(&str, i64)]| {
        counts.insert(
            UnitId(unit),
            facts.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        );
    };
    put(
        10,
        &[
            ("dispatched", 20),
            ("accept_on_time", 20),
            ("resolve_on_time", 18),
            ("resolve_late", 2),
            ("citizen_resolved", 19),
            ("citizen_unresolved", 1),
            ("rated_satisfied", 18),
            ("rated_basically_satisfied", 2),
            ("resolved", 20),
        ],
    );
    put(
        11,
        &[
            ("dispatched", 20),
            ("accept_on_time", 10),
            ("accept_late", 10),
            ("accept_overdue", 5),
            ("returned", 5),
            ("citizen_resolved", 10),
            ("citizen_unresolved", 10),
            ("rated_unsatisfied", 10),
            ("rated_satisfied", 10),
            ("accountable", 2),
        ],
    );
    put(5, &[("dispatched", 3), ("accept_on_time", 3)]);
    let config = Config::default();
    let scores = appraisal::score(&counts, &config, &|_| {
        Some(civicgrid_domain::org::Tier::Department)
    });
    let order: Vec<(i64, Option<u32>)> = scores.iter().map(|s| (s.unit.0, s.rank)).collect();
    assert_eq!(order, [(10, Some(1)), (11, Some(2)), (5, None)]);
    let best = &scores[0];
    let rate = |s: &appraisal::UnitScore, name: &str| {
        s.rates.iter().find(|r| r.name == name).unwrap().value
    };
    assert_eq!(rate(best, "on_time_resolution"), Some(0.9));
    assert_eq!(rate(best, "resolution"), Some(0.95));
    // Basically satisfied counts 0.8: (18 + 2 × 0.8) / 20.
    assert!((rate(best, "satisfaction").unwrap() - 0.98).abs() < 1e-9);
    assert_eq!(rate(&scores[1], "return"), Some(0.25));
    // Still overdue counts as late: 10 in time of 10 + 10 late + 5 overdue.
    assert_eq!(rate(&scores[1], "on_time_acceptance"), Some(0.4));
    assert_eq!(scores[2].score, None, "3 is below the minimum sample of 10");
    // Two accountability records in 20 dispatched requests are 10 per hundred: at 2 points
    // each, the second unit loses 20 points.
    let without_penalty = Config {
        accountability_penalty: 0.0,
        ..Config::default()
    };
    let unpenalised = appraisal::score(&counts, &without_penalty, &|_| {
        Some(civicgrid_domain::org::Tier::Department)
    });
    let diff = unpenalised[1].score.unwrap() - scores[1].score.unwrap();
    assert!((diff - 20.0).abs() < 0.11, "{diff}");
}

fn dispatch_to_10() -> Command {
    Command::Dispatch {
        unit: UnitId(10),
        assisting: vec![],
        basis: civicgrid_domain::lifecycle::Basis::Manual,
        complex: false,
        important: false,
    }
}

/// Runs `commands` in order from a new case of `kind`; returns every decision and the
/// running clocks after the last.
fn run(
    world: &World,
    kind: Kind,
    commands: Vec<(Command, DateTime<Utc>)>,
) -> (Vec<Decision>, Vec<Clock>) {
    let mut case = Case::received(kind);
    let mut running = Vec::new();
    let mut decisions = Vec::new();
    for (command, at) in commands {
        let (d, next) = world.act(&case, &running, command, at, kind);
        case = d.case.clone();
        running = next;
        decisions.push(d);
    }
    (decisions, running)
}

#[test]
fn red_means_strictly_past_the_deadline_and_each_step_counts_its_own_fact() {
    let world = World::new();
    let (decisions, running) = run(
        &world,
        Kind::Complaint,
        vec![(dispatch_to_10(), beijing(2026, 9, 21, 21, 33))],
    );
    let case = decisions[0].case.clone();
    let accept = stage(&running, Stage::Accept);
    assert_eq!(accept.deadline, beijing(2026, 9, 22, 10, 30));
    let kinds = |at| {
        clocks::escalate(&case, std::slice::from_ref(&accept), at, false, &mut [])
            .events
            .iter()
            .map(|e| e.kind)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kinds(accept.deadline),
        [EventKind::Act(Action::Remind), EventKind::Act(Action::Urge)],
        "due exactly now is not yet overdue"
    );
    assert_eq!(
        kinds(accept.deadline + chrono::Duration::seconds(1)).last(),
        Some(&EventKind::Act(Action::Supervise))
    );
    let all = clocks::escalate(
        &case,
        std::slice::from_ref(&accept),
        beijing(2026, 10, 30, 9, 0),
        true,
        &mut [(UserId(7), 0)],
    );
    let facts: Vec<(UnitId, &str)> = all
        .effects
        .facts
        .iter()
        .map(|f| (f.unit, f.metric.as_str()))
        .collect();
    assert_eq!(
        facts,
        [
            (UnitId(10), "reminded"),
            (UnitId(10), "urged"),
            (UnitId(10), "supervised"),
            (UnitId(10), "accountable")
        ]
    );
    // Backdated, each event carries the instant its step fell due.
    assert_eq!(all.events[0].at, accept.yellow_at);
    assert_eq!(all.events[3].at, accept.accountable_at);
}

#[test]
fn one_pool_entry_and_one_supervisor_however_many_clocks_turn_red() {
    let world = World::new();
    let (decisions, running) = run(
        &world,
        Kind::Complaint,
        vec![(dispatch_to_10(), beijing(2026, 9, 21, 21, 33))],
    );
    let case = decisions[0].case.clone();
    // Wednesday noon: accept (due Tuesday 10:30) and respond (due Tuesday 17:30) are red.
    let mut supervisors = vec![(UserId(7), 3), (UserId(8), 1)];
    let d = clocks::escalate(
        &case,
        &running,
        beijing(2026, 9, 23, 12, 0),
        false,
        &mut supervisors,
    );
    let supervised = d
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Act(Action::Supervise))
        .count();
    assert_eq!(supervised, 2, "each red clock records its step");
    assert_eq!(
        d.effects.pool,
        [PoolChange::Enter {
            owner: Some(UserId(8)),
            stage: Some(Stage::Accept),
            unit: Some(UnitId(10)),
            at: beijing(2026, 9, 23, 12, 0),
            reason: None,
        }]
    );
    assert_eq!(supervisors, [(UserId(7), 3), (UserId(8), 2)], "one draw");
}

#[test]
fn paused_and_stopped_clocks_take_no_steps_and_the_deadline_instant_is_in_time() {
    let world = World::new();
    let (_, running) = run(
        &world,
        Kind::Complaint,
        vec![(dispatch_to_10(), beijing(2026, 9, 21, 21, 33))],
    );
    let accept = stage(&running, Stage::Accept);
    let far = beijing(2026, 12, 1, 9, 0);
    assert_eq!(accept.due_steps(far).len(), 4);
    let mut paused = accept.clone();
    paused.paused_at = Some(beijing(2026, 9, 22, 8, 40));
    assert!(paused.due_steps(far).is_empty());
    let mut stopped = accept.clone();
    stopped.stopped_at = Some(beijing(2026, 9, 22, 8, 40));
    stopped.end = Some(ClockEnd::Met);
    assert!(stopped.due_steps(far).is_empty());
    assert_eq!(stopped.next_due(), None);

    for (accepted_at, end) in [
        (beijing(2026, 9, 22, 10, 30), ClockEnd::Met),
        (beijing(2026, 9, 22, 10, 31), ClockEnd::Late),
    ] {
        let (decisions, _) = run(
            &world,
            Kind::Complaint,
            vec![
                (dispatch_to_10(), beijing(2026, 9, 21, 21, 33)),
                (Command::Accept, accepted_at),
            ],
        );
        let ended: Vec<(Stage, Option<ClockEnd>)> = decisions[1]
            .effects
            .clocks
            .iter()
            .map(|c| (c.stage, c.end))
            .collect();
        assert_eq!(
            ended,
            [(Stage::Accept, Some(end))],
            "accepted at {accepted_at}"
        );
    }
}

#[test]
fn a_clock_in_natural_time_resumes_later_by_the_natural_time_it_was_paused() {
    let hours = |amount| Limit {
        amount,
        unit: TimeUnit::NaturalHours,
    };
    let world = World {
        policies: vec![Policy {
            limits: vec![
                (Stage::Accept, hours(4)),
                (Stage::Respond, hours(24)),
                (Stage::Resolve, hours(72)),
                (Stage::Callback, hours(24)),
            ],
            ..default_policy()
        }],
        ..World::new()
    };
    // Dispatched on the eve of National Day 2025; natural hours run through the holiday.
    let start = beijing(2025, 9, 30, 16, 0);
    let (_, before) = run(
        &world,
        Kind::Help,
        vec![
            (dispatch_to_10(), start),
            (Command::Accept, beijing(2025, 9, 30, 16, 10)),
        ],
    );
    let resolve = stage(&before, Stage::Resolve);
    assert_eq!(resolve.deadline, beijing(2025, 10, 3, 16, 0));
    // 60% of 72 h is 43 h 12 min; 85% is 61 h 12 min.
    assert_eq!(resolve.yellow_at, beijing(2025, 10, 2, 11, 12));
    assert_eq!(resolve.orange_at, beijing(2025, 10, 3, 5, 12));
    let (_, after) = run(
        &world,
        Kind::Help,
        vec![
            (dispatch_to_10(), start),
            (Command::Accept, beijing(2025, 9, 30, 16, 10)),
            (
                Command::Suspend {
                    reason: "等待鉴定".into(),
                },
                beijing(2025, 9, 30, 18, 0),
            ),
            (Command::Resume, beijing(2025, 10, 2, 18, 0)),
        ],
    );
    // Paused 48 hours: every mark still ahead moves 48 hours on.
    let resumed = stage(&after, Stage::Resolve);
    assert_eq!(resumed.paused_at, None);
    assert_eq!(resumed.deadline, beijing(2025, 10, 5, 16, 0));
    assert_eq!(resumed.yellow_at, beijing(2025, 10, 4, 11, 12));
    assert_eq!(resumed.orange_at, beijing(2025, 10, 5, 5, 12));
    assert_eq!(resumed.band(beijing(2025, 10, 4, 11, 11)), Band::Blue);
}

#[test]
fn an_extension_places_the_bands_by_the_clocks_own_policy() {
    let mut complaints = complaints_policy();
    complaints.thresholds = Thresholds::parse(0.5, 0.75).unwrap();
    let world = World {
        policies: vec![default_policy(), complaints],
        ..World::new()
    };
    let (_, running) = run(
        &world,
        Kind::Complaint,
        vec![
            (dispatch_to_10(), beijing(2025, 9, 29, 9, 0)),
            (Command::Accept, beijing(2025, 9, 29, 10, 0)),
            (
                Command::RequestExtension {
                    working_days: 2,
                    reason: "需要协调".into(),
                },
                beijing(2025, 9, 29, 11, 0),
            ),
            (Command::ApproveExtension, beijing(2025, 9, 29, 11, 30)),
        ],
    );
    let resolve = stage(&running, Stage::Resolve);
    assert_eq!(resolve.policy, 2);
    let cal = Calendar::official();
    let allowed = cal.working_seconds_between(resolve.started_at, resolve.deadline);
    assert_eq!(
        resolve.yellow_at,
        cal.add_working_seconds(resolve.started_at, allowed / 2),
        "yellow at half, as the complaints policy says"
    );
    assert_eq!(
        resolve.orange_at,
        cal.add_working_seconds(resolve.started_at, allowed * 3 / 4)
    );
}

#[test]
fn a_supervisors_own_steps_are_recorded_as_theirs() {
    let supervisor = Actor {
        user: Some(UserId(7)),
        unit: Some(UnitId(1)),
    };
    let world = World {
        actor: supervisor,
        ..World::new()
    };
    let at = beijing(2026, 9, 22, 9, 0);
    let reason = || "请尽快处理".to_string();
    let (decisions, _) = run(
        &world,
        Kind::Complaint,
        vec![
            (dispatch_to_10(), beijing(2026, 9, 21, 21, 33)),
            (Command::Remind { reason: reason() }, at),
            (Command::Urge { reason: reason() }, at),
            (Command::Supervise { reason: reason() }, at),
            (
                Command::HoldAccountable {
                    unit: Some(UnitId(10)),
                    finding: reason(),
                },
                at,
            ),
        ],
    );
    let notice = |kind| clocks::Notice {
        kind,
        unit: Some(UnitId(10)),
        stage: None,
        at,
        due_at: at,
        by: Some(UserId(7)),
        text: Some(reason()),
    };
    assert_eq!(decisions[1].effects.notices, [notice(NoticeKind::Remind)]);
    assert_eq!(decisions[2].effects.notices, [notice(NoticeKind::Urge)]);
    assert!(decisions[3].effects.notices.is_empty());
    assert_eq!(
        decisions[3].effects.pool,
        [PoolChange::Enter {
            owner: Some(UserId(7)),
            stage: None,
            unit: Some(UnitId(10)),
            at,
            reason: Some(reason()),
        }]
    );
    assert_eq!(
        decisions[4].effects.notices,
        [notice(NoticeKind::HoldAccountable)]
    );
    let facts: Vec<&str> = decisions[1..]
        .iter()
        .flat_map(|d| d.effects.facts.iter())
        .map(|f| f.metric.as_str())
        .collect();
    assert_eq!(facts, ["reminded", "urged", "supervised", "accountable"]);
}

#[test]
fn the_case_leaves_the_pool_when_its_work_is_done_and_only_then() {
    let world = World::new();
    let t = |h, m| beijing(2026, 9, 22, h, m);
    let (decisions, _) = run(
        &world,
        Kind::Complaint,
        vec![
            (dispatch_to_10(), t(9, 0)),
            (Command::Accept, t(9, 30)),
            (
                Command::Resolve {
                    outcome: Outcome::Resolved,
                    reply: "已修复".into(),
                    proper_owner: None,
                    cites: None,
                    unit_head: false,
                },
                t(10, 0),
            ),
            (
                Command::HoldAccountable {
                    unit: Some(UnitId(10)),
                    finding: "迟延受理".into(),
                },
                t(11, 0),
            ),
        ],
    );
    let leaves = |d: &Decision| {
        d.effects
            .pool
            .iter()
            .filter(|p| matches!(p, PoolChange::Leave { .. }))
            .count()
    };
    let counts: Vec<usize> = decisions.iter().map(leaves).collect();
    assert_eq!(
        counts,
        [0, 0, 1, 0],
        "only the resolution ends the supervision"
    );
    assert_eq!(
        decisions[2].effects.pool,
        [PoolChange::Leave { at: t(10, 0) }]
    );
    let (cancelled, _) = run(
        &world,
        Kind::Complaint,
        vec![(
            Command::Cancel {
                reason: "duplicate: 重复来电".into(),
            },
            t(9, 0),
        )],
    );
    assert_eq!(leaves(&cancelled[0]), 1, "a final state ends it too");
}

#[test]
fn closing_draws_for_a_quality_callback_once() {
    let t = |h, m| beijing(2026, 9, 22, h, m);
    let to_closed = || {
        vec![
            (dispatch_to_10(), t(9, 0)),
            (Command::Accept, t(9, 30)),
            (
                Command::Resolve {
                    outcome: Outcome::Resolved,
                    reply: "已修复".into(),
                    proper_owner: None,
                    cites: None,
                    unit_head: false,
                },
                t(10, 0),
            ),
            (
                Command::Callback {
                    rating: Rating::Satisfied,
                    resolved: true,
                    note: None,
                },
                t(11, 0),
            ),
            (
                Command::QualityCallback {
                    rating: Rating::Satisfied,
                    resolved: true,
                    note: None,
                    falsified_by: None,
                },
                t(15, 0),
            ),
        ]
    };
    let always = World {
        per_mille: 1000,
        ..World::new()
    };
    let (decisions, _) = run(&always, Kind::Complaint, to_closed());
    assert_eq!(decisions[3].case.state, State::Closed);
    let drawn: Vec<Option<DateTime<Utc>>> =
        decisions.iter().map(|d| d.effects.sample_drawn).collect();
    assert_eq!(drawn, [None, None, None, Some(t(11, 0)), None]);
    assert_eq!(
        decisions[4].effects.sample_done.as_ref().map(|q| q.rating),
        Some(Rating::Satisfied)
    );
    let (never, _) = run(&World::new(), Kind::Complaint, to_closed());
    assert_eq!(
        never[3].effects.sample_drawn, None,
        "a share of 0 draws none"
    );
}

#[test]
fn the_least_loaded_supervisor_owns_the_next_case_and_the_worst_band_shows() {
    let mut loads = vec![(UserId(8), 0), (UserId(7), 0), (UserId(9), 1)];
    let picked: Vec<Option<UserId>> = (0..4).map(|_| clocks::pick_owner(&mut loads)).collect();
    assert_eq!(
        picked,
        [
            Some(UserId(7)),
            Some(UserId(8)),
            Some(UserId(7)),
            Some(UserId(8))
        ]
    );
    assert_eq!(loads, [(UserId(8), 2), (UserId(7), 2), (UserId(9), 1)]);
    assert_eq!(clocks::pick_owner(&mut []), None);

    let world = World::new();
    let (_, running) = run(
        &world,
        Kind::Complaint,
        vec![(dispatch_to_10(), beijing(2026, 9, 21, 21, 33))],
    );
    let yellow = beijing(2026, 9, 22, 9, 50);
    assert_eq!(clocks::worst_band(&running, yellow), Some(Band::Yellow));
    let mut late = stage(&running, Stage::Accept);
    late.stopped_at = Some(beijing(2026, 9, 22, 11, 0));
    late.end = Some(ClockEnd::Late);
    assert_eq!(
        clocks::worst_band(std::slice::from_ref(&late), beijing(2026, 9, 23, 9, 0)),
        None,
        "stopped clocks show no band"
    );
    assert_eq!(clocks::worst_band(&[], yellow), None);
}
