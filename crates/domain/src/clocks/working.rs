//! Applying a decision's events to a request's clocks, one event at a time: which stages
//! start, stop (met, late or closed without a verdict), pause and resume, and which facts,
//! ladder steps and pool changes each event brings.

use super::Clock;
use super::{
    ClockEnd, Effects, Env, Fact, InstructionChange, LadderStep, NoticeKind, PoolChange,
    QualityCheck, Step,
};
use crate::Instant;
use crate::deadline::Stage;
use crate::ids::UnitId;
use crate::lifecycle::{Action, Case, Event, EventKind};
use crate::request::{Rating, State};

/// The working set of clocks while a decision's events are applied in order.
pub(super) struct Working<'e, 'a> {
    pub(super) env: &'e Env<'a>,
    pub(super) clocks: Vec<Clock>,
    pub(super) changed: Vec<bool>,
    pub(super) effects: Effects,
}

const UNIT_STAGES: &[Stage] = &[Stage::Accept, Stage::Respond, Stage::Resolve];
const ALL_STAGES: &[Stage] = &[
    Stage::Dispatch,
    Stage::Accept,
    Stage::Respond,
    Stage::Resolve,
    Stage::Callback,
    Stage::Coordinate,
    Stage::Answer,
    Stage::Review,
    Stage::Report,
    Stage::Instruction,
];

/// The number of the instruction an event is about.
fn instruction_number(event: &Event) -> Option<u32> {
    event.value("instruction").and_then(|v| v.parse().ok())
}

impl Working<'_, '_> {
    fn start(&mut self, stage: Stage, unit: Option<UnitId>, at: Instant, redo: bool) {
        let Some((policy, limit)) = self.env.policy_for(stage) else {
            return;
        };
        let calendar = self.env.calendar_for_clock(stage, unit);
        let clock = Clock::start(stage, unit, policy, limit, calendar, at, redo);
        self.clocks.push(clock);
        self.changed.push(true);
    }

    fn running(&mut self, stages: &[Stage]) -> Vec<usize> {
        (0..self.clocks.len())
            .filter(|i| self.clocks[*i].is_running() && stages.contains(&self.clocks[*i].stage))
            .collect()
    }

    /// Stops the running clocks of these stages; `judge` records met or late (and a
    /// timeliness fact for the unit), otherwise the clock is closed without a verdict.
    fn stop(&mut self, stages: &[Stage], at: Instant, judge: bool) {
        for i in self.running(stages) {
            self.stop_one(i, at, judge);
        }
    }

    fn stop_one(&mut self, i: usize, at: Instant, judge: bool) {
        let clock = &mut self.clocks[i];
        clock.stop(at, judge);
        self.changed[i] = true;
        if let (Some(unit), Some(end)) = (clock.unit, clock.end)
            && end != ClockEnd::Closed
        {
            let verdict = if end == ClockEnd::Met {
                "on_time"
            } else {
                "late"
            };
            self.effects.facts.push(Fact {
                unit,
                metric: format!("{}_{verdict}", clock.stage),
                at,
            });
        }
    }

    /// Stops one unit's running clock of a stage (a coordination participant's answer),
    /// met or late; the other units' clocks of that stage run on.
    fn stop_for(&mut self, stage: Stage, unit: Option<UnitId>, at: Instant) {
        for i in self.running(&[stage]) {
            if self.clocks[i].unit == unit {
                self.stop_one(i, at, true);
            }
        }
    }

    /// Where a reply goes next: the unit head's signature or the hub's check (each on the
    /// review clock of whoever must act), or the callback.
    fn after_reply(&mut self, after: &Case, at: Instant) {
        let hub = self.env.org.root();
        match after.review {
            Some(crate::lifecycle::ReviewStep::Sign) => {
                self.start(Stage::Review, after.lead, at, false)
            }
            Some(crate::lifecycle::ReviewStep::Check) => self.start(Stage::Review, hub, at, false),
            None => self.start(Stage::Callback, hub, at, false),
        }
    }

    fn fact(&mut self, unit: Option<UnitId>, metric: &str, at: Instant) {
        if let Some(unit) = unit {
            self.effects.facts.push(Fact {
                unit,
                metric: metric.into(),
                at,
            });
        }
    }

    /// The first response (a contact, or the reply itself): met or missed against the
    /// 12345 target counted from intake. The respond clock still running tells it is first.
    fn target_response(&mut self, unit: Option<UnitId>, at: Instant) {
        if !self.running(&[Stage::Respond]).is_empty() {
            self.target_met(unit, "target_response", |t| t.0, at);
        }
    }

    fn target_met(
        &mut self,
        unit: Option<UnitId>,
        name: &str,
        by: fn((Instant, Instant)) -> Instant,
        at: Instant,
    ) {
        if let Some(targets) = self.env.targets {
            let verdict = if at <= by(targets) { "met" } else { "missed" };
            self.fact(unit, &format!("{name}_{verdict}"), at);
        }
    }

    /// A supervisor's own remind, urge, supervise or accountability finding.
    fn by_hand(&mut self, step: Step, unit: Option<UnitId>, event: &Event) {
        self.effects.take_step(LadderStep {
            step,
            unit,
            stage: None,
            at: event.at,
            due_at: event.at,
            by: event.actor.user,
            text: event.reason.clone(),
            owner: event.actor.user,
        });
    }

    /// Word of new work for `unit` (for the clock of `stage`, if one runs for it): a notice
    /// in its inbox, with the event's reason; nothing counts against the unit.
    fn tell(
        &mut self,
        kind: NoticeKind,
        unit: Option<UnitId>,
        stage: Option<Stage>,
        event: &Event,
    ) {
        if unit.is_some() {
            self.effects.notices.push(super::Notice {
                kind,
                unit,
                stage,
                at: event.at,
                due_at: event.at,
                by: event.actor.user,
                text: event.reason.clone(),
            });
        }
    }

    /// The unit took the work up: its word-of-work notices on the request are read.
    fn taken_up(&mut self, unit: Option<UnitId>, event: &Event) {
        if let Some(unit) = unit {
            self.effects.notices_read.push(super::NoticesRead {
                unit,
                at: event.at,
                by: event.actor.user,
            });
        }
    }

    /// A leader's instruction: the unit is told in its inbox and must acknowledge it; with
    /// a deadline, the `instruction` clock runs against the unit on the leader's limit (the
    /// bands and the ladder as the request's policy sets them).
    fn instruct(&mut self, event: &Event) {
        let at = event.at;
        let unit = event.value("unit").and_then(|v| v.parse().ok()).map(UnitId);
        let (Some(number), Some(unit)) = (instruction_number(event), unit) else {
            return;
        };
        let working_days = event
            .value("working_days")
            .and_then(|v| v.parse::<u32>().ok());
        let mut deadline = None;
        if let Some(days) = working_days
            && let Some(policy) = crate::deadline::select(self.env.policies, &self.env.subject)
        {
            let limit = crate::deadline::Limit {
                amount: days,
                unit: crate::deadline::TimeUnit::WorkingDays,
            };
            let calendar = self.env.calendar_for_clock(Stage::Instruction, Some(unit));
            let clock = Clock::start(
                Stage::Instruction,
                Some(unit),
                policy,
                limit,
                calendar,
                at,
                false,
            );
            deadline = Some(clock.deadline);
            self.clocks.push(clock);
            self.changed.push(true);
        }
        let text = event.reason.clone().unwrap_or_default();
        self.effects.notices.push(super::Notice {
            kind: NoticeKind::Instruct,
            unit: Some(unit),
            stage: working_days.map(|_| Stage::Instruction),
            at,
            due_at: deadline.unwrap_or(at),
            by: event.actor.user,
            text: Some(text.clone()),
        });
        self.effects.instructions.push(InstructionChange::Given {
            number,
            unit,
            by: event.actor.user,
            text,
            working_days,
            deadline,
            at,
        });
    }

    pub(super) fn apply(&mut self, before: &Case, after: &Case, event: &Event) {
        let at = event.at;
        let hub = self.env.org.root();
        let unit_in = |key: &str| -> Option<UnitId> {
            event.value(key).and_then(|v| v.parse().ok()).map(UnitId)
        };
        let resolved = event.value("resolved") == Some("true");
        let rating = event.value("rating").and_then(Rating::parse);
        match event.kind {
            EventKind::Received => self.start(Stage::Dispatch, hub, at, false),
            EventKind::Act(Action::Answer) => self.stop(&[Stage::Dispatch], at, true),
            EventKind::Act(Action::Dispatch)
            | EventKind::Act(Action::Designate)
            | EventKind::Act(Action::Agree) => {
                // A returned case's paused clocks end with the return accepted; answers not
                // given by the end of a coordination close without a verdict.
                self.stop(UNIT_STAGES, at, false);
                self.stop(&[Stage::Answer], at, false);
                self.stop(&[Stage::Dispatch, Stage::Coordinate], at, true);
                let lead = unit_in("unit").or(after.lead);
                for stage in UNIT_STAGES {
                    self.start(*stage, lead, at, false);
                }
                self.fact(lead, "dispatched", at);
                self.tell(NoticeKind::Dispatch, lead, None, event);
            }
            EventKind::Act(Action::RejectReturn) => {
                // Back to the unit: its clocks run on from where the return paused them.
                self.stop(&[Stage::Dispatch], at, true);
                for i in self.running(UNIT_STAGES) {
                    let clock = &self.clocks[i];
                    let calendar = self.env.calendar_for_clock(clock.stage, clock.unit);
                    self.clocks[i].resume(at, calendar);
                    self.changed[i] = true;
                }
                self.fact(unit_in("unit").or(after.lead), "return_rejected", at);
                self.tell(
                    NoticeKind::RejectReturn,
                    unit_in("unit").or(after.lead),
                    None,
                    event,
                );
            }
            EventKind::Act(Action::Accept) => {
                self.stop(&[Stage::Accept], at, true);
                self.taken_up(after.lead, event);
            }
            EventKind::Act(Action::Contact) => {
                self.target_response(after.lead, at);
                self.stop(&[Stage::Respond], at, true);
            }
            EventKind::Act(Action::Return) => {
                // Paused, not stopped: if the hub refuses the return they run on.
                for i in self.running(UNIT_STAGES) {
                    self.clocks[i].pause(at);
                    self.changed[i] = true;
                }
                self.fact(unit_in("unit").or(before.lead), "returned", at);
                self.taken_up(unit_in("unit").or(before.lead), event);
                self.start(Stage::Dispatch, hub, at, false);
            }
            EventKind::Act(Action::Transfer) => {
                self.stop(UNIT_STAGES, at, false);
                let lead = unit_in("unit").or(after.lead);
                for stage in UNIT_STAGES {
                    self.start(*stage, lead, at, false);
                }
                self.fact(lead, "dispatched", at);
                self.tell(NoticeKind::Transfer, lead, None, event);
            }
            EventKind::Act(Action::AssignDown) => {
                // The case keeps its resolution deadline; the unit below must accept anew.
                self.stop(&[Stage::Accept], at, false);
                let lead = unit_in("unit").or(after.lead);
                for i in self.running(&[Stage::Respond, Stage::Resolve]) {
                    self.clocks[i].unit = lead;
                    self.changed[i] = true;
                }
                self.start(Stage::Accept, lead, at, false);
                self.fact(lead, "dispatched", at);
                self.tell(NoticeKind::Dispatch, lead, None, event);
            }
            EventKind::Act(Action::Coordinate) => {
                self.stop(&[Stage::Dispatch], at, true);
                // The unit that leaves a case to coordination is not judged on clocks that
                // still had time; one already overdue counts late (asking for coordination
                // is no way out of a missed deadline).
                for i in self.running(UNIT_STAGES) {
                    let overdue = self.clocks[i].band(at) == crate::deadline::Band::Red;
                    self.stop_one(i, at, overdue);
                }
                self.stop(&[Stage::Coordinate, Stage::Answer], at, false);
                self.start(Stage::Coordinate, unit_in("convenor").or(hub), at, false);
                for unit in &after.coordination {
                    self.start(Stage::Answer, Some(*unit), at, false);
                    // Each participant is told, in its inbox, what it is asked to answer.
                    // A notice, not a ladder step: nothing counts against the unit yet.
                    self.tell(
                        NoticeKind::Coordinate,
                        Some(*unit),
                        Some(Stage::Answer),
                        event,
                    );
                }
            }
            EventKind::Act(Action::AnswerCoordination) => {
                self.stop_for(Stage::Answer, unit_in("unit"), at);
            }
            EventKind::Act(Action::Summon) => {
                let units = event.value("units").unwrap_or_default();
                // A unit is summoned again only once it reported: no clock of its runs.
                for unit in units.split(',').filter_map(|u| u.parse().ok()).map(UnitId) {
                    self.start(Stage::Report, Some(unit), at, false);
                    self.tell(NoticeKind::Summon, Some(unit), Some(Stage::Report), event);
                }
            }
            EventKind::Act(Action::ReportOnSite) => {
                self.stop_for(Stage::Report, unit_in("unit"), at);
            }
            EventKind::Act(Action::Instruct) => self.instruct(event),
            EventKind::Act(Action::AcknowledgeInstruction) => {
                if let Some(number) = instruction_number(event) {
                    self.effects
                        .instructions
                        .push(InstructionChange::Acknowledged {
                            number,
                            by: event.actor.user,
                            at,
                        });
                }
            }
            EventKind::Act(Action::ReportInstruction) => {
                self.stop_for(Stage::Instruction, unit_in("unit"), at);
                if let Some(number) = instruction_number(event) {
                    self.effects.instructions.push(InstructionChange::Reported {
                        number,
                        by: event.actor.user,
                        report: event.reason.clone().unwrap_or_default(),
                        at,
                    });
                }
            }
            EventKind::Act(Action::RateResponse) => {
                if let Some(rating) = rating {
                    self.fact(unit_in("unit"), &format!("summons_{rating}"), at);
                }
            }
            EventKind::Act(Action::Settle) => {
                // The convenor's own reply ends the coordination and goes to the callback.
                let convenor = unit_in("unit").or(after.lead);
                self.target_met(convenor, "target_response", |t| t.0, at);
                if before.redo_count == 0 {
                    self.target_met(convenor, "target_resolution", |t| t.1, at);
                }
                self.stop(&[Stage::Coordinate], at, true);
                self.stop(&[Stage::Answer], at, false);
                self.after_reply(after, at);
                self.fact(convenor, "resolved", at);
            }
            EventKind::Act(Action::ApproveExtension) => {
                let days = event
                    .value("working_days")
                    .and_then(|v| v.parse::<u32>().ok())
                    .unwrap_or(0);
                for i in self.running(&[Stage::Resolve]) {
                    let clock = &self.clocks[i];
                    let calendar = self.env.calendar_for_clock(clock.stage, clock.unit);
                    let policy = self.env.policy_by_id(clock.policy).cloned();
                    if let Some(policy) = policy {
                        self.clocks[i].extend(days, &policy, calendar);
                        self.changed[i] = true;
                    }
                }
            }
            EventKind::Act(Action::Suspend) => {
                for i in self.running(ALL_STAGES) {
                    self.clocks[i].pause(at);
                    self.changed[i] = true;
                }
            }
            EventKind::Act(Action::Resume) => {
                for i in self.running(ALL_STAGES) {
                    let clock = &self.clocks[i];
                    let calendar = self.env.calendar_for_clock(clock.stage, clock.unit);
                    self.clocks[i].resume(at, calendar);
                    self.changed[i] = true;
                }
            }
            EventKind::Act(Action::Resolve) => {
                self.target_response(after.lead, at);
                if before.redo_count == 0 {
                    self.target_met(after.lead, "target_resolution", |t| t.1, at);
                }
                // The reply to the citizen is also the first contact, if none came before.
                // A summoned department that never came is past helping now: its clock
                // closes (the ladder has already counted its lateness).
                self.stop(&[Stage::Respond, Stage::Resolve], at, true);
                self.stop(&[Stage::Accept, Stage::Report], at, false);
                self.after_reply(after, at);
                self.fact(after.lead, "resolved", at);
            }
            EventKind::Act(Action::SignReply) | EventKind::Act(Action::ApproveReply) => {
                self.stop(&[Stage::Review], at, true);
                self.after_reply(after, at);
            }
            EventKind::Act(Action::SendBack) => {
                // The reviewer acted in time or late; the unit replies again on a new clock.
                self.stop(&[Stage::Review], at, true);
                self.start(Stage::Resolve, after.lead, at, false);
                self.fact(after.lead, "reply_sent_back", at);
            }
            // A merged caller's callback counts for no unit: the parent's callback does.
            EventKind::Act(Action::Callback) if after.state == State::Merged => {}
            EventKind::Act(Action::Callback) => {
                self.stop(&[Stage::Callback], at, true);
                let lead = after.lead.or(before.lead);
                // The first responder answers for the case too, even after it passed on
                // (首办责任): the citizen's verdict counts for both.
                let first = after.first_responder.filter(|f| Some(*f) != lead);
                let word = if resolved {
                    "citizen_resolved"
                } else {
                    "citizen_unresolved"
                };
                for unit in [lead, first] {
                    // From the event: an unsatisfied callback reopens, which clears the rating.
                    if let Some(rating) = rating.filter(|_| self.env.rated) {
                        self.fact(unit, &format!("rated_{rating}"), at);
                    }
                    self.fact(unit, word, at);
                }
            }
            EventKind::Act(Action::Reopen) => {
                self.stop(&[Stage::Callback], at, false);
                if after.state == State::Reopened {
                    for stage in [Stage::Accept, Stage::Resolve] {
                        self.start(stage, after.lead, at, true);
                    }
                    self.fact(after.lead, "redo", at);
                    self.tell(NoticeKind::Reopen, after.lead, None, event);
                } else if after.state == State::Received {
                    self.start(Stage::Dispatch, hub, at, true);
                }
            }
            EventKind::Act(Action::CallbackImpossible) => self.stop(&[Stage::Callback], at, true),
            EventKind::Act(Action::Cancel)
            | EventKind::Act(Action::TransferOut)
            | EventKind::Act(Action::Merge)
            | EventKind::Act(Action::Repeat) => {
                // Disposing of a request is the hub's decision, in time or late.
                self.stop(&[Stage::Dispatch], at, true);
                self.stop(ALL_STAGES, at, false);
            }
            EventKind::Act(Action::Remind) => {
                self.by_hand(Step::Remind, unit_in("unit").or(after.lead), event)
            }
            EventKind::Act(Action::Urge) => {
                self.by_hand(Step::Urge, unit_in("unit").or(after.lead), event)
            }
            EventKind::Act(Action::Supervise) => {
                self.by_hand(Step::Supervise, unit_in("unit").or(after.lead), event);
            }
            EventKind::Act(Action::HoldAccountable) => {
                self.by_hand(Step::HoldAccountable, unit_in("unit"), event);
            }
            EventKind::Act(Action::QualityCallback) => {
                let reopened = after.state == State::Reopened;
                let falsified = event.value("falsified") == Some("true");
                if let Some(rating) = rating {
                    self.effects.sample_done = Some(QualityCheck {
                        at,
                        by: event.actor.user,
                        rating,
                        resolved,
                        note: event.reason.clone(),
                        reopened,
                        falsified,
                    });
                }
                let lead = after.lead.or(before.lead);
                if reopened {
                    for stage in [Stage::Accept, Stage::Resolve] {
                        self.start(stage, lead, at, true);
                    }
                    self.fact(lead, "quality_failed", at);
                    self.fact(lead, "redo", at);
                    self.tell(NoticeKind::Reopen, lead, None, event);
                }
                if falsified {
                    // An accountability record against whoever recorded the callback.
                    let recorder = unit_in("falsified_by_unit");
                    let who = event
                        .value("falsified_by_user")
                        .map_or_else(String::new, |u| format!(" (user {u})"));
                    let mut finding = event.clone();
                    finding.reason = Some(format!("callback falsified{who}"));
                    self.by_hand(Step::HoldAccountable, recorder, &finding);
                    self.fact(recorder, "callback_falsified", at);
                }
            }
            EventKind::Act(Action::ApproveAppeal) => {
                self.effects.exempt = after.exempt_unit();
            }
            EventKind::Act(Action::AssistReport)
            | EventKind::Act(Action::Appeal)
            | EventKind::Act(Action::RefuseAppeal)
            | EventKind::Act(Action::CallbackFailed)
            | EventKind::Act(Action::Close)
            | EventKind::Act(Action::RequestExtension)
            | EventKind::Act(Action::RefuseExtension)
            | EventKind::Act(Action::Place)
            | EventKind::ChildMerged
            | EventKind::RepeatLinked => {}
        }
        let done =
            matches!(after.state, State::Resolved | State::Reviewing) || after.state.is_final();
        if done && before.state != after.state {
            self.effects.pool.push(PoolChange::Leave { at });
        }
    }

    pub(super) fn finish(mut self) -> Effects {
        for (clock, changed) in self.clocks.into_iter().zip(self.changed) {
            if changed {
                self.effects.clocks.push(clock);
            }
        }
        self.effects
    }
}
