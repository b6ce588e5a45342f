//! Requests on the wire: summaries, clocks with their bands, notices, proposals and unit
//! references as the API and the pages show them.

use civicgrid_api::{
    ClockOut, CreateRequest, CreatedRequest, NoticeOut, ProposalOut, RequestSummary, UnitRef,
};
use civicgrid_domain::clocks::{self, Clock};
use civicgrid_domain::intake::{Registered, Submission};
use civicgrid_domain::org::OrgTree;
use civicgrid_domain::request::{NewRequest, RawIntake};
use civicgrid_domain::routing::Proposal;
use civicgrid_domain::{Instant, UnitId};
use civicgrid_store::RequestRow;

use crate::error::ApiResult;
use crate::state::Reference;

pub fn unit_ref(org: &OrgTree, id: UnitId) -> UnitRef {
    UnitRef {
        id: id.0,
        name: org.get(id).map(|u| u.name.clone()).unwrap_or_default(),
    }
}

pub(crate) fn proposal_out(org: &OrgTree, proposal: &Proposal) -> ProposalOut {
    ProposalOut {
        unit: unit_ref(org, proposal.unit),
        basis: proposal.basis.as_str().into(),
        rule: proposal.rule,
    }
}

pub(crate) fn clock_out(reference: &Reference, clock: &Clock, now: Instant) -> ClockOut {
    let status = match (clock.end, clock.paused_at) {
        (Some(end), _) => end.as_str(),
        (None, Some(_)) => "paused",
        (None, None) => "running",
    };
    let calendar = if clock.calendar.starts_with("round_the_clock") {
        &reference.calendars.round_the_clock
    } else {
        &reference.calendars.official
    };
    ClockOut {
        stage: clock.stage.as_str().into(),
        unit: clock.unit.map(|u| unit_ref(&reference.org, u)),
        started_at: clock.started_at,
        deadline: clock.deadline,
        band: clock.band(now).as_str().into(),
        status: status.into(),
        stopped_at: clock.stopped_at,
        remaining_seconds: clock
            .is_running()
            .then(|| clock.remaining_seconds(now, calendar)),
        limit: civicgrid_api::LimitIn {
            amount: i64::from(clock.limit.amount),
            unit: clock.limit.unit.as_str().into(),
        },
        step: clock.step.as_str().into(),
        redo: clock.redo,
        policy: clock.policy,
        calendar: clock.calendar.clone(),
    }
}

pub fn notice_out(org: &OrgTree, n: &civicgrid_store::NoticeRow) -> NoticeOut {
    NoticeOut {
        id: n.id,
        serial: n.serial.clone(),
        kind: n.kind.clone(),
        unit: n.unit.map(|u| unit_ref(org, u)),
        stage: n.stage.clone(),
        at: n.at,
        due_at: n.due_at,
        by: n.by_username.clone(),
        text: n.text.clone(),
        read_at: n.read_at,
        read_by: n.read_by_username.clone(),
    }
}

/// A list row; `running` are the request's running clocks, for its band and next deadline.
pub fn summary(row: &RequestRow, running: &[Clock], now: Instant) -> RequestSummary {
    RequestSummary {
        band: clocks::worst_band(running, now).map(|b| b.as_str().to_owned()),
        due_at: running
            .iter()
            .filter(|c| c.paused_at.is_none())
            .map(|c| c.deadline)
            .min(),
        step: running
            .iter()
            .map(|c| c.step)
            .max()
            .filter(|s| *s != clocks::Step::None)
            .map(|s| s.as_str().to_owned()),
        serial: row.serial.clone(),
        state: row.case.state.as_str().into(),
        kind: row.kind.as_str().into(),
        channel: row.channel.as_str().into(),
        urgency: row.urgency.as_str().into(),
        category: row.category.map(|c| c.0),
        lead_unit: row.case.lead.map(|u| u.0),
        area: row.area.map(|u| u.0),
        summary: row.content.chars().take(80).collect(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// The API's body of a new request, parsed into what intake takes (each bad field named).
pub fn submission(
    reference: &Reference,
    body: &CreateRequest,
    raw: String,
) -> ApiResult<Submission> {
    let caller = body.caller.clone().unwrap_or_default();
    let request = NewRequest::parse(&RawIntake {
        channel: &body.channel,
        kind: &body.kind,
        urgency: body.urgency.as_deref(),
        content: &body.content,
        address: body.address.as_deref(),
        location: body.location.map(|l| (l.lat, l.lng)),
        caller_name: caller.name.as_deref(),
        caller_phone: caller.phone.as_deref(),
    })?;
    let category = crate::wire::org::resolve_category(reference, body.category.as_ref())?;
    Ok(Submission {
        request,
        category,
        answer: body.answer.as_ref().map(|a| a.reply.clone()),
        raw,
    })
}

/// What intake registered, as the API answers it.
pub fn created_out(org: &OrgTree, registered: &Registered) -> CreatedRequest {
    CreatedRequest {
        serial: registered.serial.clone(),
        verification_code: registered.verification_code.clone(),
        state: registered.state.as_str().into(),
        proposal: registered.proposal.as_ref().map(|p| proposal_out(org, p)),
        created_at: registered.created_at,
    }
}
