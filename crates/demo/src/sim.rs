//! One simulated case lived through by the live rules: its moves decided by the lifecycle,
//! its clocks planned and its ladder steps taken as they fell due, up to now.

use chrono::Duration;
use civicgrid_domain::calendar::Calendars;
use civicgrid_domain::clocks::{self, Clock, Effects};
use civicgrid_domain::deadline::Subject;
use civicgrid_domain::lifecycle::{self, Case, Command, Ctx, Decision, Event};
use civicgrid_domain::org::{Actor, OrgTree};
use civicgrid_domain::request::{Channel, Kind, Outcome, State, Urgency};
use civicgrid_domain::{CategoryId, Instant, UnitId, UserId};
use rand::RngExt;
use rand::rngs::StdRng;

/// What every simulated case shares: the policies, calendar and organisation its clocks
/// run under, and the supervisors' pool loads.
pub(crate) struct SimEnv<'a> {
    pub(crate) org: &'a OrgTree,
    pub(crate) policies: &'a [civicgrid_store::Policy],
    pub(crate) calendars: &'a Calendars,
    pub(crate) supervisors: Vec<(UserId, i64)>,
    pub(crate) sample_per_mille: u32,
    pub(crate) sample_salt: String,
    /// The unit with a unit head, whose replies are signed.
    pub(crate) headed: Option<UnitId>,
}

/// One case being lived through; it stops at `limit` (now), so nothing happens in the future.
/// Its clocks run as they would live: before each move, the ladder steps that fell due are
/// taken (dated when due), and each move's clock effects are planned by the same rules.
pub(crate) struct Sim<'a, 'e> {
    pub(crate) env: &'e mut SimEnv<'a>,
    pub(crate) serial: String,
    pub(crate) kind: Kind,
    pub(crate) urgency: Urgency,
    pub(crate) channel: Channel,
    pub(crate) categories: Vec<CategoryId>,
    pub(crate) case: Case,
    pub(crate) events: Vec<Event>,
    /// Every clock so far (running and stopped), with provisional ids for matching updates.
    pub(crate) clocks: Vec<Clock>,
    pub(crate) effects: Effects,
    pub(crate) at: Instant,
    pub(crate) limit: Instant,
    pub(crate) stopped: bool,
}

impl Sim<'_, '_> {
    /// Folds effects in: new clocks get provisional ids, changed ones replace theirs.
    pub(crate) fn absorb(&mut self, mut effects: Effects) {
        for clock in &mut effects.clocks {
            if clock.id == 0 {
                clock.id = self.clocks.len() as i64 + 1;
                self.clocks.push(clock.clone());
            } else if let Some(slot) = self.clocks.iter_mut().find(|c| c.id == clock.id) {
                *slot = clock.clone();
            }
        }
        self.effects.absorb(effects);
    }

    pub(crate) fn running(&self) -> Vec<Clock> {
        self.clocks
            .iter()
            .filter(|c| c.is_running())
            .cloned()
            .collect()
    }

    /// Takes the ladder steps due by `until`, each dated when it fell due.
    pub(crate) fn ladder(&mut self, until: Instant) {
        let running = self.running();
        let decision =
            clocks::escalate(&self.case, &running, until, true, &mut self.env.supervisors);
        if decision.events.is_empty() {
            return;
        }
        let mut events = decision.events;
        events.sort_by_key(|e| e.at);
        self.events.extend(events);
        self.absorb(decision.effects);
    }

    pub(crate) fn step(
        &mut self,
        rng: &mut StdRng,
        actor: Actor,
        minutes: std::ops::Range<i64>,
        command: Command,
    ) -> bool {
        let at = self.at + Duration::minutes(rng.random_range(minutes));
        if self.stopped || at > self.limit {
            self.stopped = true;
            return false;
        }
        self.ladder(at);
        self.at = at;
        let rules = lifecycle::Rules::default();
        let ctx = Ctx {
            org: self.env.org,
            calendars: self.env.calendars,
            rules: &rules,
            actor,
            now: self.at,
        };
        match lifecycle::decide(&self.case, &command, &ctx) {
            Ok(mut decision) => {
                self.plan(&mut decision, false);
                self.case = decision.case;
                self.events.extend(decision.events);
                self.absorb(decision.effects);
                true
            }
            Err(_) => false,
        }
    }

    /// A reply under review: signed by the unit head where one is needed, then checked by
    /// the hub, which now and then sends it back and approves the corrected reply.
    pub(crate) fn reviewed(&mut self, rng: &mut StdRng, roll: u32, hub: Actor, unit: Actor) {
        if self.case.review == Some(lifecycle::ReviewStep::Sign) {
            self.step(rng, unit, 30..600, Command::SignReply { note: None });
        }
        // Half of the replies given in the last week still wait for the hub's check (a
        // small demo of a few thousand requests still has some).
        let recent = self.limit - self.at < Duration::days(7);
        if self.case.state != State::Reviewing || (recent && roll.is_multiple_of(2)) {
            return;
        }
        if roll % 13 == 3 {
            self.step(
                rng,
                hub,
                20..240,
                Command::SendBack {
                    reason: "答复未说明整改时间和结果，请补充后重新答复".into(),
                },
            );
            let signed = self.case.important || self.case.lead == self.env.headed;
            self.step(
                rng,
                unit,
                120..1440,
                Command::Resolve {
                    outcome: Outcome::Resolved,
                    reply: "补充答复：已于次日完成整改，并经现场复核。".into(),
                    proper_owner: None,
                    cites: None,
                    unit_head: signed,
                },
            );
            if self.case.review == Some(lifecycle::ReviewStep::Sign) {
                self.step(rng, unit, 30..600, Command::SignReply { note: None });
            }
        }
        self.step(rng, hub, 20..240, Command::ApproveReply { note: None });
    }

    /// Plans a decision's clock effects by the live rules (`intake`: the first events).
    pub(crate) fn plan(&self, decision: &mut Decision, intake: bool) {
        let env = clocks::Env {
            policies: self.env.policies,
            calendars: self.env.calendars,
            org: self.env.org,
            subject: Subject {
                kind: self.kind,
                categories: &self.categories,
                urgency: self.urgency,
                channel: self.channel,
            },
            sample_per_mille: self.env.sample_per_mille,
            sample_salt: &self.env.sample_salt,
            serial: &self.serial,
            rated: true,
            targets: self.events.first().map(|received| {
                let official = &self.env.calendars.official;
                let rules = lifecycle::Rules::default();
                (
                    official.add_working_days(received.at, rules.target_response_days),
                    official.add_working_days(received.at, rules.target_resolution_days),
                )
            }),
        };
        if intake {
            clocks::plan_intake(decision, &env);
        } else {
            clocks::plan(&self.case, decision, &self.running(), &env);
        }
    }

    /// Records the intake event and starts the clocks it starts (the hub's dispatch clock).
    pub(crate) fn receive(&mut self, received: Event) {
        let mut decision = Decision {
            case: self.case.clone(),
            events: vec![received],
            effects: Effects::default(),
        };
        self.plan(&mut decision, true);
        self.events.extend(decision.events);
        self.absorb(decision.effects);
    }

    /// Ends the simulation at `limit`: the steps due by now are taken, as the sweeper would.
    /// A case whose appeal was approved keeps no fact for the unit that appealed.
    pub(crate) fn finish(mut self) -> (Case, Vec<Event>, Effects) {
        let limit = self.limit;
        self.ladder(limit);
        let mut effects = self.effects;
        effects.clocks = self.clocks;
        if let Some(exempt) = self.case.exempt_unit() {
            effects.facts.retain(|f| f.unit != exempt);
        }
        effects.exempt = None;
        (self.case, self.events, effects)
    }
}
