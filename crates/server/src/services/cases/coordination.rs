//! A request's latest coordination order as its readers see it: who convened it and on
//! what question, each participant's answer (or that it has not answered yet), and how the
//! convenor concluded it. Read from the history, so an order concluded long ago still shows
//! what each unit said.

use civicgrid_domain::UnitId;
use civicgrid_domain::lifecycle::Action;
use civicgrid_store::EventRow;

use civicgrid_domain::Instant;

/// One participating unit and its answer, once given.
#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    pub unit: UnitId,
    pub answer: Option<Answer>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub at: Instant,
    pub owns: bool,
    pub opinion: String,
    pub capacity: Option<String>,
}

/// How the convenor concluded: a dispatch to the agreed lead, or its own resolution with
/// the unit found responsible.
#[derive(Debug, Clone, PartialEq)]
pub enum Conclusion {
    Agreed { lead: UnitId },
    Settled { owner: UnitId },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Coordination {
    pub convenor: Option<UnitId>,
    pub question: String,
    pub opened_at: Instant,
    pub participants: Vec<Participant>,
    pub concluded: Option<(Instant, Conclusion, String, bool)>,
}

fn unit(event: &EventRow, key: &str) -> Option<UnitId> {
    event
        .detail
        .iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.parse().ok())
        .map(UnitId)
}

fn value<'e>(event: &'e EventRow, key: &str) -> Option<&'e str> {
    event
        .detail
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The latest coordination order in a history (oldest event first), if there was one.
pub fn coordination_of(events: &[EventRow]) -> Option<Coordination> {
    let start = events
        .iter()
        .rposition(|e| e.kind == Action::Coordinate.as_str())?;
    let opened = &events[start];
    let participants = value(opened, "units")
        .unwrap_or_default()
        .split(',')
        .filter_map(|id| id.parse().ok())
        .map(|id| Participant {
            unit: UnitId(id),
            answer: None,
        })
        .collect();
    let mut order = Coordination {
        convenor: unit(opened, "convenor"),
        question: opened.reason.clone().unwrap_or_default(),
        opened_at: opened.at,
        participants,
        concluded: None,
    };
    for event in &events[start + 1..] {
        let minutes = || value(event, "minutes").unwrap_or_default().to_owned();
        let rule = value(event, "rule") == Some("true");
        if event.kind == Action::AnswerCoordination.as_str() {
            let Some(who) = unit(event, "unit") else {
                continue;
            };
            if let Some(p) = order.participants.iter_mut().find(|p| p.unit == who) {
                p.answer = Some(Answer {
                    at: event.at,
                    owns: value(event, "owns") == Some("true"),
                    opinion: event.reason.clone().unwrap_or_default(),
                    capacity: value(event, "capacity").map(str::to_owned),
                });
            }
        } else if [Action::Agree, Action::Dispatch, Action::Designate]
            .iter()
            .any(|a| a.as_str() == event.kind)
            && order.concluded.is_none()
            && let Some(lead) = unit(event, "unit")
        {
            // The hub may also end an order with a plain dispatch or a designation.
            order.concluded = Some((event.at, Conclusion::Agreed { lead }, minutes(), rule));
        } else if event.kind == Action::Settle.as_str()
            && order.concluded.is_none()
            && let Some(owner) = unit(event, "owner")
        {
            order.concluded = Some((event.at, Conclusion::Settled { owner }, minutes(), rule));
        }
    }
    Some(order)
}
