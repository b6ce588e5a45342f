//! Deadline clocks and the supervision ladder. Every step of a request runs against its
//! own clock (the hub's dispatch, then accept, respond, resolve, callback, coordinate),
//! started and stopped by the lifecycle's events, paused while the case is suspended, moved
//! by approved extensions and restarted as a redo when a case is reopened. A running clock shows a colour band, and
//! crossing into each band fires one step of the ladder exactly once: yellow reminds the
//! handling unit (提醒), orange issues an urging notice to its head (催办), red puts the case
//! in the supervision pool (督办), and overdue by the policy's grace in working days holds
//! the unit accountable (问效).
//!
//! Everything here is pure: `plan` turns a lifecycle decision into clock and record
//! changes, `escalate` turns due clocks into ladder events. The band thresholds and the
//! ladder's instants are computed once when a clock starts (in the clock's own time unit and
//! calendar), so a band is a comparison of instants and the sweeper finds due work through
//! one indexed column.

mod working;

use chrono::Duration;

use working::Working;

use crate::calendar::{Calendar, Calendars};
use crate::deadline::{Band, Limit, Policy, Stage, Subject, select_limit};
use crate::ids::{UnitId, UserId};
use crate::lifecycle::{Action, Case, Decision, Event, EventKind};
use crate::org::{Actor, OrgTree};
use crate::request::{Rating, State};
use crate::{Instant, word_enum};

word_enum! {
    /// How far up the ladder a clock has gone; each step is taken at most once per clock.
    pub enum Step {
        None = "none",
        Remind = "remind",
        Urge = "urge",
        Supervise = "supervise",
        HoldAccountable = "hold_accountable",
    }
}

word_enum! {
    /// How a stopped clock ended: in time, late, or closed without a verdict (the unit
    /// returned it, it was transferred, cancelled or merged).
    pub enum ClockEnd {
        Met = "met",
        Late = "late",
        Closed = "closed",
    }
}

word_enum! {
    /// What a notice to a unit is, in the words of the action that sent it: a ladder step
    /// (reminder, urging notice, accountability record) or a leader's instruction, which the
    /// unit acknowledges; or word of new work (a dispatch, a transfer, a refused return, a
    /// reopened case, a coordination question, a summons), read when the unit takes the
    /// work up or opens the case.
    pub enum NoticeKind {
        Remind = "remind",
        Urge = "urge",
        HoldAccountable = "hold_accountable",
        Instruct = "instruct",
        Dispatch = "dispatch",
        Transfer = "transfer",
        RejectReturn = "reject_return",
        Reopen = "reopen",
        Coordinate = "coordinate",
        Summon = "summon",
    }
}

impl NoticeKind {
    /// Word of new work: read when the unit takes it up (accepts or returns the case) or
    /// opens the case; the others are acknowledged on purpose.
    pub fn is_word_of_work(self) -> bool {
        matches!(
            self,
            NoticeKind::Dispatch
                | NoticeKind::Transfer
                | NoticeKind::RejectReturn
                | NoticeKind::Reopen
                | NoticeKind::Coordinate
                | NoticeKind::Summon
        )
    }
}
impl From<Step> for NoticeKind {
    fn from(step: Step) -> NoticeKind {
        match step {
            Step::None | Step::Remind | Step::Supervise => NoticeKind::Remind,
            Step::Urge => NoticeKind::Urge,
            Step::HoldAccountable => NoticeKind::HoldAccountable,
        }
    }
}

impl Step {
    fn next(self) -> Option<Step> {
        match self {
            Step::None => Some(Step::Remind),
            Step::Remind => Some(Step::Urge),
            Step::Urge => Some(Step::Supervise),
            Step::Supervise => Some(Step::HoldAccountable),
            Step::HoldAccountable => None,
        }
    }

    fn event(self) -> EventKind {
        match self {
            Step::None | Step::Remind => EventKind::Act(Action::Remind),
            Step::Urge => EventKind::Act(Action::Urge),
            Step::Supervise => EventKind::Act(Action::Supervise),
            Step::HoldAccountable => EventKind::Act(Action::HoldAccountable),
        }
    }

    /// The fact a step counts against the unit.
    fn fact(self) -> &'static str {
        match self {
            Step::None | Step::Remind => "reminded",
            Step::Urge => "urged",
            Step::Supervise => "supervised",
            Step::HoldAccountable => "accountable",
        }
    }
}

/// One deadline clock of one stage of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    /// The stored id; 0 for a clock not stored yet.
    pub id: i64,
    pub stage: Stage,
    /// The unit held to it: the handling unit, or the hub for callback and coordination.
    pub unit: Option<UnitId>,
    /// The policy version the limit came from.
    pub policy: i64,
    /// The calendar version it counts on (`official@…` or `round_the_clock@…`).
    pub calendar: String,
    pub limit: Limit,
    /// A clock of a reopened case: the redo is counted against the unit.
    pub redo: bool,
    pub started_at: Instant,
    pub deadline: Instant,
    pub yellow_at: Instant,
    pub orange_at: Instant,
    pub accountable_at: Instant,
    pub paused_at: Option<Instant>,
    pub stopped_at: Option<Instant>,
    pub end: Option<ClockEnd>,
    pub step: Step,
}

impl Clock {
    /// Starts a clock at `start` under `policy`'s `limit`, on `calendar`.
    pub fn start(
        stage: Stage,
        unit: Option<UnitId>,
        policy: &Policy,
        limit: Limit,
        calendar: &Calendar,
        start: Instant,
        redo: bool,
    ) -> Clock {
        let deadline = limit.deadline(start, calendar);
        let mut clock = Clock {
            id: 0,
            stage,
            unit,
            policy: policy.id,
            calendar: calendar.version().to_owned(),
            limit,
            redo,
            started_at: start,
            deadline,
            yellow_at: deadline,
            orange_at: deadline,
            accountable_at: deadline,
            paused_at: None,
            stopped_at: None,
            end: None,
            step: Step::None,
        };
        clock.place_marks(
            policy.thresholds.yellow,
            policy.thresholds.orange,
            policy.accountable_after,
            calendar,
        );
        clock
    }

    /// Places the yellow and orange instants at their share of the allowed time (measured
    /// the way the limit counts) and the accountability instant `grace` working days of
    /// working time after the deadline.
    fn place_marks(&mut self, yellow: f64, orange: f64, grace: u32, calendar: &Calendar) {
        let (start, deadline, working) = (
            self.started_at,
            self.deadline,
            self.limit.counts_working_time(),
        );
        let at_share = |share: f64| -> Instant {
            if working {
                let allowed = calendar.working_seconds_between(start, deadline);
                let used = (allowed as f64 * share).ceil() as i64;
                calendar.add_working_seconds(start, used).min(deadline)
            } else {
                let allowed = (deadline - start).num_seconds();
                start + Duration::seconds((allowed as f64 * share).ceil() as i64)
            }
        };
        let yellow_at = at_share(yellow);
        self.orange_at = at_share(orange).max(yellow_at);
        self.yellow_at = yellow_at;
        let grace_minutes = i64::from(grace) * calendar.minutes_per_working_day();
        self.accountable_at = calendar.add_working_minutes(self.deadline, grace_minutes);
    }

    pub fn is_running(&self) -> bool {
        self.stopped_at.is_none()
    }

    /// The band at `now`; a paused clock keeps the band it had when paused, a stopped one
    /// the band it had when it stopped.
    pub fn band(&self, now: Instant) -> Band {
        let at = match (self.stopped_at, self.paused_at) {
            (Some(stopped), _) => stopped.min(now),
            (None, Some(paused)) => paused.min(now),
            (None, None) => now,
        };
        if at > self.deadline {
            Band::Red
        } else if at >= self.orange_at {
            Band::Orange
        } else if at >= self.yellow_at {
            Band::Yellow
        } else {
            Band::Blue
        }
    }

    /// When a step becomes due: red means strictly past the deadline.
    fn due_of(&self, step: Step) -> Instant {
        match step {
            Step::None | Step::Remind => self.yellow_at,
            Step::Urge => self.orange_at,
            Step::Supervise => self.deadline + Duration::milliseconds(1),
            Step::HoldAccountable => self.accountable_at,
        }
    }

    /// The instant the sweeper must next look at this clock; `None` when it is stopped,
    /// paused or at the top of the ladder. Stored in an indexed column.
    pub fn next_due(&self) -> Option<Instant> {
        if self.stopped_at.is_some() || self.paused_at.is_some() {
            return None;
        }
        self.step.next().map(|step| self.due_of(step))
    }

    /// The ladder steps due by `now` and not yet taken, in order, with their due instants.
    pub fn due_steps(&self, now: Instant) -> Vec<(Step, Instant)> {
        let mut steps = Vec::new();
        if self.stopped_at.is_some() || self.paused_at.is_some() {
            return steps;
        }
        let mut cursor = self.step;
        while let Some(step) = cursor.next() {
            let due = self.due_of(step);
            if due > now {
                break;
            }
            steps.push((step, due));
            cursor = step;
        }
        steps
    }

    /// Remaining time before the deadline at `now`, counted the way the limit counts
    /// (working seconds for working limits); negative when overdue.
    pub fn remaining_seconds(&self, now: Instant, calendar: &Calendar) -> i64 {
        let at = self.paused_at.unwrap_or(now);
        if self.limit.counts_working_time() {
            calendar.working_seconds_between(at, self.deadline)
        } else {
            (self.deadline - at).num_seconds()
        }
    }

    fn stop(&mut self, at: Instant, judge: bool) {
        if self.stopped_at.is_some() {
            return;
        }
        let at = self.paused_at.map_or(at, |p| p.min(at));
        self.stopped_at = Some(at);
        self.end = Some(if !judge {
            ClockEnd::Closed
        } else if at > self.deadline {
            ClockEnd::Late
        } else {
            ClockEnd::Met
        });
    }

    /// Pauses a running clock; a clock already paused keeps the instant it paused at.
    fn pause(&mut self, at: Instant) {
        debug_assert!(self.is_running(), "only running clocks pause");
        self.paused_at.get_or_insert(at);
    }

    /// Resumes a paused clock: every mark still ahead at the pause moves by the time spent
    /// paused, counted the way the limit counts.
    fn resume(&mut self, at: Instant, calendar: &Calendar) {
        let Some(paused) = self.paused_at.take() else {
            return;
        };
        let working = self.limit.counts_working_time();
        let shift = |mark: Instant| -> Instant {
            if mark <= paused {
                mark
            } else if working {
                calendar.add_working_seconds(at, calendar.working_seconds_between(paused, mark))
            } else {
                mark + (at - paused)
            }
        };
        self.yellow_at = shift(self.yellow_at);
        self.orange_at = shift(self.orange_at);
        self.deadline = shift(self.deadline);
        self.accountable_at = shift(self.accountable_at);
    }

    /// An approved extension: the deadline moves `days` working days later, the bands are
    /// placed again over the longer span, and steps already taken stay taken.
    fn extend(&mut self, days: u32, policy: &Policy, calendar: &Calendar) {
        let minutes = i64::from(days) * calendar.minutes_per_working_day();
        self.deadline = calendar.add_working_minutes(self.deadline, minutes);
        self.place_marks(
            policy.thresholds.yellow,
            policy.thresholds.orange,
            policy.accountable_after,
            calendar,
        );
    }
}

/// A notice addressed to a unit: a reminder, an urging notice, an accountability record,
/// or a leader's instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub unit: Option<UnitId>,
    /// The stage of the clock behind it, if a clock fired it.
    pub stage: Option<Stage>,
    pub at: Instant,
    /// When the step fell due (the sweeper may act later, after a restart).
    pub due_at: Instant,
    pub by: Option<UserId>,
    pub text: Option<String>,
}

/// A change to the supervision pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolChange {
    /// The case enters (or re-enters) the pool, owned by a supervisor.
    Enter {
        owner: Option<UserId>,
        stage: Option<Stage>,
        unit: Option<UnitId>,
        at: Instant,
        reason: Option<String>,
    },
    /// The case leaves the pool: the work it was supervised for is done.
    Leave { at: Instant },
}

/// A counted fact about a unit's performance, for the rates and their drill-down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub unit: UnitId,
    pub metric: String,
    pub at: Instant,
}

/// What a decision does beyond the case itself, persisted in the same transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effects {
    /// Clocks to store: new ones have id 0, changed ones keep their id.
    pub clocks: Vec<Clock>,
    pub notices: Vec<Notice>,
    pub pool: Vec<PoolChange>,
    pub facts: Vec<Fact>,
    /// The case was drawn for a supervisor's quality callback, at this instant.
    pub sample_drawn: Option<Instant>,
    /// A quality callback was made on a drawn case.
    pub sample_done: Option<QualityCheck>,
    /// A responsibility finding that becomes a routing rule (designation, agreement),
    /// replacing any rule for the same category and area.
    pub routing: Option<RoutingFinding>,
    /// An approved appeal (核减): the facts this request counted for this unit are taken
    /// out of its rates.
    pub exempt: Option<UnitId>,
    /// Leaders' instructions given, acknowledged or reported on.
    pub instructions: Vec<InstructionChange>,
    /// A unit took up the work it was told of: its unread word-of-work notices on the
    /// request are read (`NoticeKind::is_word_of_work`).
    pub notices_read: Vec<NoticesRead>,
    /// The hub placed the request: its area (and point, address) change.
    pub placed: Option<Placement>,
}

/// Where the hub placed a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub area: UnitId,
    pub location: Option<crate::request::Location>,
    pub address: Option<String>,
}

/// The unit whose word-of-work notices on the request a move reads, when and by whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticesRead {
    pub unit: UnitId,
    pub at: Instant,
    pub by: Option<UserId>,
}

/// What a move does to one of the case's instructions (numbered on the case from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstructionChange {
    Given {
        number: u32,
        unit: UnitId,
        by: Option<UserId>,
        text: String,
        working_days: Option<u32>,
        /// The deadline its clock runs to, when the leader set one.
        deadline: Option<Instant>,
        at: Instant,
    },
    Acknowledged {
        number: u32,
        by: Option<UserId>,
        at: Instant,
    },
    Reported {
        number: u32,
        by: Option<UserId>,
        report: String,
        at: Instant,
    },
}

/// Who owns a category of requests in an area, as the hub found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingFinding {
    pub category: crate::ids::CategoryId,
    /// The area it holds in; `None`: the whole district.
    pub area: Option<UnitId>,
    pub unit: UnitId,
    pub basis: crate::lifecycle::Basis,
}

/// What a supervisor's quality callback found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualityCheck {
    pub at: Instant,
    pub by: Option<UserId>,
    pub rating: Rating,
    /// The citizen's word on whether the problem is solved.
    pub resolved: bool,
    pub note: Option<String>,
    /// The verdict reopened the case as a redo against its unit.
    pub reopened: bool,
    /// The citizen says the recorded callback never took place.
    pub falsified: bool,
}

/// One step of the ladder, taken by the sweeper or by a supervisor's own hand.
struct LadderStep {
    step: Step,
    unit: Option<UnitId>,
    /// The stage of the clock that fired it; none when a supervisor acted.
    stage: Option<Stage>,
    at: Instant,
    due_at: Instant,
    by: Option<UserId>,
    text: Option<String>,
    /// Who owns the case if it enters the pool.
    owner: Option<UserId>,
}

impl Effects {
    /// What a ladder step leaves besides its event: a notice to the unit (remind, urge,
    /// hold accountable) or an entry in the supervision pool (supervise, once per
    /// decision however many clocks went red), and a fact counted against the unit.
    fn take_step(&mut self, s: LadderStep) {
        match s.step {
            Step::Supervise if !self.pool.is_empty() => {}
            Step::Supervise => self.pool.push(PoolChange::Enter {
                owner: s.owner,
                stage: s.stage,
                unit: s.unit,
                at: s.at,
                reason: s.text,
            }),
            Step::None | Step::Remind | Step::Urge | Step::HoldAccountable => {
                self.notices.push(Notice {
                    kind: s.step.into(),
                    unit: s.unit,
                    stage: s.stage,
                    at: s.at,
                    due_at: s.due_at,
                    by: s.by,
                    text: s.text,
                })
            }
        }
        if let Some(unit) = s.unit {
            self.facts.push(Fact {
                unit,
                metric: s.step.fact().into(),
                at: s.at,
            });
        }
    }

    /// Adds `later` after these effects, keeping one entry per clock (the latest).
    pub fn absorb(&mut self, later: Effects) {
        for clock in later.clocks {
            match self
                .clocks
                .iter_mut()
                .find(|c| c.id != 0 && c.id == clock.id)
            {
                Some(slot) => *slot = clock,
                None => self.clocks.push(clock),
            }
        }
        self.notices.extend(later.notices);
        self.pool.extend(later.pool);
        self.facts.extend(later.facts);
        self.sample_drawn = self.sample_drawn.or(later.sample_drawn);
        self.sample_done = later.sample_done.or(self.sample_done.take());
        self.routing = later.routing.or(self.routing.take());
        self.exempt = later.exempt.or(self.exempt.take());
        self.instructions.extend(later.instructions);
        self.notices_read.extend(later.notices_read);
    }
}

/// What the clock rules need besides the case: the policies in force, the district
/// calendar, the organisation, the request's matching values, and the sampling share.
pub struct Env<'a> {
    pub policies: &'a [Policy],
    pub calendars: &'a Calendars,
    pub org: &'a OrgTree,
    /// What the policies match on.
    pub subject: Subject<'a>,
    /// Share of closed cases drawn for a quality callback, in per mille.
    pub sample_per_mille: u32,
    /// The deployment's secret for the sampling draw, so units cannot tell in advance
    /// which of their cases will be checked (the code that draws is public).
    pub sample_salt: &'a str,
    /// The request's serial, which seeds the sampling draw.
    pub serial: &'a str,
    /// Whether its callbacks count in the satisfaction rate (its category is not excluded).
    pub rated: bool,
    /// The 12345 targets' instants, counted from intake: first response by the first,
    /// resolution by the second.
    pub targets: Option<(Instant, Instant)>,
}

impl<'a> Env<'a> {
    /// The calendar a unit works on: the hub and utility stations round the clock.
    pub fn calendar_for(&self, unit: Option<UnitId>) -> &'a Calendar {
        self.calendars
            .for_kind(unit.and_then(|u| self.org.get(u)).map(|u| u.kind))
    }

    /// The calendar a clock counts on: its unit's, except coordination, which always
    /// counts official working days (the hub works round the clock, a meeting does not).
    pub fn calendar_for_clock(&self, stage: Stage, unit: Option<UnitId>) -> &'a Calendar {
        if stage == Stage::Coordinate {
            &self.calendars.official
        } else {
            self.calendar_for(unit)
        }
    }

    fn policy_for(&self, stage: Stage) -> Option<(&Policy, Limit)> {
        select_limit(self.policies, stage, &self.subject)
    }

    fn policy_by_id(&self, id: i64) -> Option<&Policy> {
        self.policies.iter().find(|p| p.id == id)
    }
}

/// Whether a closed case is drawn for a quality callback: a stable draw from the serial and
/// the deployment's secret salt (the same case is always drawn or not, on every instance
/// and on replay, and nobody without the salt can predict it).
pub fn drawn_for_sampling(serial: &str, salt: &str, per_mille: u32) -> bool {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("sample:{salt}:{serial}").as_bytes());
    let n = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % 1000;
    n < per_mille
}

/// Adds to `decision` what its events do to the request's clocks and supervision records.
/// `before` is the case before the decision; `open` its running clocks.
pub fn plan(before: &Case, decision: &mut Decision, open: &[Clock], env: &Env<'_>) {
    let mut working = Working {
        env,
        clocks: open.to_vec(),
        changed: vec![false; open.len()],
        effects: Effects::default(),
    };
    let mut state_before = before.clone();
    for event in &decision.events {
        // Intermediate states (callback then reopen) are replayed one event at a time.
        let mut after = decision.case.clone();
        after.state = event.to;
        working.apply(&state_before, &after, event);
        state_before = after;
    }
    // Sampling checks dispatched work: answers on the spot and repeats are not drawn.
    if decision.case.state == State::Closed
        && before.state != State::Closed
        && decision.case.lead.is_some()
        && drawn_for_sampling(env.serial, env.sample_salt, env.sample_per_mille)
    {
        working.effects.sample_drawn = decision.events.last().map(|e| e.at);
    }
    let mut effects = working.finish();
    // A case taken out of a unit's rates by an approved appeal counts nothing more for it.
    if let Some(exempt) = decision.case.exempt_unit() {
        effects.facts.retain(|f| f.unit != exempt);
    }
    decision.effects.absorb(effects);
}

/// The clocks a new request starts with: `decision` holds its intake events (received, and
/// the on-the-spot answer if any); no clock runs before them.
pub fn plan_intake(decision: &mut Decision, env: &Env<'_>) {
    let before = Case::received(decision.case.kind);
    plan(&before, decision, &[], env);
}

/// Picks the supervisor who owns a case entering the pool: the one with the fewest open
/// cases (ties to the lowest id), whose count then goes up by one.
pub fn pick_owner(loads: &mut [(UserId, i64)]) -> Option<UserId> {
    let slot = loads
        .iter_mut()
        .min_by_key(|(user, load)| (*load, user.0))?;
    slot.1 += 1;
    Some(slot.0)
}

/// The ladder steps due on a request's clocks by `now`, as events on the case (actor: the
/// system) with their notices, pool entries and facts. With `backdate`, each event is dated
/// when its step fell due (replaying history); otherwise it is dated `now` and carries the
/// due instant, so a step caught up after downtime says when it should have fired.
pub fn escalate(
    case: &Case,
    clocks: &[Clock],
    now: Instant,
    backdate: bool,
    supervisors: &mut [(UserId, i64)],
) -> Decision {
    let mut events = Vec::new();
    let mut effects = Effects::default();
    for clock in clocks {
        let due = clock.due_steps(now);
        if due.is_empty() {
            continue;
        }
        let mut next = clock.clone();
        for (step, due_at) in due {
            let at = if backdate { due_at } else { now };
            let mut detail = vec![("stage".to_string(), clock.stage.as_str().to_string())];
            if let Some(unit) = clock.unit {
                detail.push(("unit".into(), unit.to_string()));
            }
            detail.push(("deadline".into(), clock.deadline.to_rfc3339()));
            detail.push(("due_at".into(), due_at.to_rfc3339()));
            events.push(Event {
                kind: step.event(),
                at,
                actor: Actor::SYSTEM,
                from: Some(case.state),
                to: case.state,
                reason: None,
                detail,
            });
            // An owner is drawn only for the request's first entry into the pool.
            let owner = (step == Step::Supervise && effects.pool.is_empty())
                .then(|| pick_owner(supervisors))
                .flatten();
            effects.take_step(LadderStep {
                step,
                unit: clock.unit,
                stage: Some(clock.stage),
                at,
                due_at,
                by: None,
                text: None,
                owner,
            });
            next.step = step;
        }
        effects.clocks.push(next);
    }
    if let Some(exempt) = case.exempt_unit() {
        effects.facts.retain(|f| f.unit != exempt);
    }
    Decision {
        case: case.clone(),
        events,
        effects,
    }
}

/// The worst band among running clocks (red > orange > yellow > blue), if any runs.
pub fn worst_band(clocks: &[Clock], now: Instant) -> Option<Band> {
    clocks
        .iter()
        .filter(|c| c.is_running())
        .map(|c| c.band(now))
        .max()
}
