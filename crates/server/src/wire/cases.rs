//! Requests on the wire: summaries, clocks with their bands, notices, proposals and unit
//! references as the API and the pages show them.

use std::collections::BTreeMap;

use civicgrid_api::{
    ActorOut, AttachmentOut, CallerIn, CallerOut, ClockOut, CreateIntake, CreateRequest,
    CreatedRequest, EventOut, IntakeItem, IntakeOut, LocationIn, NoticeOut, Page, ParentOut,
    ProposalOut, RequestOut, RequestQuery, RequestSummary, SupervisionOut, TrackOut, TrackStep,
};
use civicgrid_domain::clocks::{self, Clock};
use civicgrid_domain::deadline::Band;
use civicgrid_domain::intake::{Registered, Submission};
use civicgrid_domain::org::OrgTree;
use civicgrid_domain::request::{Kind, State, parse_word};
use civicgrid_domain::request::{NewRequest, RawIntake};
use civicgrid_domain::routing::Proposal;
use civicgrid_domain::{CategoryId, Instant, UnitId};
use civicgrid_store::{Attachment, EventRow, IntakeRow, ListFilter, Loaded};

use crate::error::{ApiError, ApiResult};
use crate::services::cases::{CaseView, Listed, Listing, Tracked};
use crate::state::Reference;
use crate::wire::{COUNT_CAP, paging, unit_ref};

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

/// A list row, with the band and next deadline of its running clocks.
pub fn summary(listing: &Listing, now: Instant) -> RequestSummary {
    let (row, running) = (&listing.row, &listing.running);
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
        demand: row.case.demand,
        state: row.case.state.as_str().into(),
        kind: row.kind.as_str().into(),
        channel: row.channel.as_str().into(),
        urgency: row.urgency.as_str().into(),
        category: row.category.map(|c| c.0),
        lead_unit: row.case.lead.map(|u| u.0),
        area: row.area.map(|u| u.0),
        summary: row.content.chars().take(80).collect(),
        instructed: !row.case.instructed().is_empty(),
        place_unknown: row.area.is_none(),
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
        caller_confidential: caller.confidential.unwrap_or(false),
    })?;
    let category = crate::wire::org::active_category(reference, body.category.as_ref())?;
    Ok(Submission {
        request,
        category,
        answer: body.answer.as_ref().map(|a| a.reply.clone()),
        raw,
    })
}

/// A split intake's body, parsed into one submission per request (each bad field named
/// under its place in the list, `requests[1].content`). The raw record is the caller's.
pub fn intake_submissions(
    reference: &Reference,
    body: &CreateIntake,
) -> ApiResult<Vec<Submission>> {
    civicgrid_domain::request::parse_text("raw", &body.raw, MAX_RAW_CHARS)?;
    body.requests
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let request = item_request(item.clone(), &body.channel, body.caller.as_ref());
            submission(reference, &request, String::new())
                .map_err(|e| e.under(&format!("requests[{index}]")))
        })
        .collect()
}

/// One request of an intake as a request of its own: channel and caller default to the
/// intake's.
pub fn item_request(item: IntakeItem, channel: &str, caller: Option<&CallerIn>) -> CreateRequest {
    CreateRequest {
        channel: item.channel.unwrap_or_else(|| channel.to_owned()),
        kind: item.kind,
        content: item.content,
        category: item.category,
        urgency: item.urgency,
        address: item.address,
        location: item.location,
        caller: item.caller.or_else(|| caller.cloned()),
        answer: item.answer,
    }
}

/// The longest raw intake record (a long call's transcript).
pub const MAX_RAW_CHARS: usize = 20_000;

/// A raw intake record as the API shows it.
pub fn intake_out(intake: &IntakeRow) -> IntakeOut {
    IntakeOut {
        id: intake.id,
        channel: intake.channel.as_str().into(),
        received_at: intake.received_at,
        received_by: intake.received_by.clone(),
        raw: intake.raw.clone(),
        requests: intake.requests.clone(),
    }
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

/// The parent of a merged duplicate, as its caller's answer.
pub fn parent_out(parent: &Loaded) -> ParentOut {
    let case = &parent.row.case;
    ParentOut {
        serial: parent.row.serial.clone(),
        state: case.state.as_str().into(),
        outcome: case.outcome.map(|o| o.as_str().into()),
        reply: case.reply.clone(),
    }
}

pub fn attachment_out(a: &Attachment) -> AttachmentOut {
    AttachmentOut {
        id: a.id,
        content_type: a.content_type.clone(),
        size: a.size,
        sha256: a.sha256.clone(),
    }
}

fn coordination_out(
    org: &OrgTree,
    order: &crate::services::cases::Coordination,
) -> civicgrid_api::CoordinationOut {
    use crate::services::cases::Conclusion;
    let (conclusion, concluded_at, lead, owner, minutes, rule) = match &order.concluded {
        None => (None, None, None, None, None, false),
        Some((at, Conclusion::Agreed { lead }, minutes, rule)) => (
            Some("agreed"),
            Some(*at),
            Some(unit_ref(org, *lead)),
            None,
            Some(minutes.clone()),
            *rule,
        ),
        Some((at, Conclusion::Settled { owner }, minutes, rule)) => (
            Some("settled"),
            Some(*at),
            None,
            Some(unit_ref(org, *owner)),
            Some(minutes.clone()),
            *rule,
        ),
    };
    civicgrid_api::CoordinationOut {
        convenor: order.convenor.map(|u| unit_ref(org, u)),
        question: order.question.clone(),
        opened_at: order.opened_at,
        participants: order
            .participants
            .iter()
            .map(|p| civicgrid_api::ParticipantOut {
                unit: unit_ref(org, p.unit),
                answered_at: p.answer.as_ref().map(|a| a.at),
                owns: p.answer.as_ref().map(|a| a.owns),
                opinion: p.answer.as_ref().map(|a| a.opinion.clone()),
                capacity: p.answer.as_ref().and_then(|a| a.capacity.clone()),
            })
            .collect(),
        conclusion: conclusion.map(str::to_owned),
        concluded_at,
        lead,
        owner,
        minutes: minutes.filter(|m| !m.is_empty()),
        rule,
    }
}

/// A request as its viewer sees it (`services::cases::view`), with its clocks' bands.
pub fn request_out(reference: &Reference, view: &CaseView) -> RequestOut {
    let org = &reference.org;
    let row = &view.loaded.row;
    let now = view.now;
    let all_clocks = &view.loaded.clocks;
    RequestOut {
        serial: row.serial.clone(),
        state: row.case.state.as_str().into(),
        channel: row.channel.as_str().into(),
        kind: row.kind.as_str().into(),
        urgency: row.urgency.as_str().into(),
        category: row
            .category
            .and_then(|c| reference.category(c))
            .map(crate::wire::org::category_out),
        content: row.content.clone(),
        address: row.address.clone(),
        location: row.location.map(|l| LocationIn {
            lat: l.lat,
            lng: l.lng,
        }),
        caller: view.caller.as_ref().map(|c| CallerOut {
            name: c.name.clone(),
            phone: c.phone.clone(),
            masked: c.masked,
            confidential: c.confidential,
        }),
        area: row.area.map(|a| unit_ref(org, a)),
        lead_unit: row.case.lead.map(|u| unit_ref(org, u)),
        assisting_units: row
            .case
            .assisting
            .iter()
            .map(|u| unit_ref(org, *u))
            .collect(),
        coordination_units: row
            .case
            .coordination
            .iter()
            .map(|u| unit_ref(org, *u))
            .collect(),
        outcome: row.case.outcome.map(|o| o.as_str().into()),
        reply: row.case.reply.clone(),
        proper_owner: row.case.proper_owner.clone(),
        rating: row.case.rating.map(|r| r.as_str().into()),
        citizen_says_resolved: row.case.citizen_says_resolved,
        pending_extension_days: row.case.pending_extension,
        extension_days: row.case.extension_days,
        demand: row.case.demand,
        repeats: row.case.repeats,
        redo_count: row.case.redo_count,
        return_count: row.case.return_count,
        first_responder: row.case.first_responder.map(|u| unit_ref(org, u)),
        dispatch_count: row.case.dispatch_count,
        complex: row.case.complex,
        important: row.case.important,
        return_until: view.return_until,
        callback_attempts: row.case.callback_attempts,
        appeal: row
            .case
            .appeal
            .map(|(unit, ground, state)| civicgrid_api::AppealOut {
                unit: unit_ref(org, unit),
                ground: ground.as_str().into(),
                state: state.as_str().into(),
            }),
        summons: row
            .case
            .summoned
            .iter()
            .map(|u| civicgrid_api::SummonOut {
                unit: unit_ref(org, *u),
                reported: row.case.reported.contains(u),
                rated: row.case.rated_units.contains(u),
            })
            .collect(),
        instructions: view
            .instructions
            .iter()
            .map(|i| crate::wire::instructions::instruction_out(org, i, now))
            .collect(),
        review: row.case.review.map(|s| s.as_str().into()),
        cites: row.case.cites.clone(),
        sent_back: view.sent_back.clone(),
        coordination: view.coordination.as_ref().map(|c| coordination_out(org, c)),
        parent: view.parent.as_ref().map(parent_out),
        children: view.children.clone(),
        intake: view.loaded.row.intake,
        siblings: view.siblings.clone(),
        proposal: view.proposal.as_ref().map(|p| proposal_out(org, p)),
        attachments: view.attachments.iter().map(attachment_out).collect(),
        clocks: all_clocks
            .iter()
            .map(|c| clock_out(reference, c, now))
            .collect(),
        band: clocks::worst_band(all_clocks, now).map(|b| b.as_str().to_owned()),
        supervision: view.supervision.as_ref().map(|p| SupervisionOut {
            owner: p.owner_username.clone(),
            since: p.since,
            stage: p.stage.clone(),
            times: p.times,
        }),
        notices: view.notices.iter().map(|n| notice_out(org, n)).collect(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

pub fn event_out(e: EventRow) -> EventOut {
    EventOut {
        seq: e.seq,
        kind: e.kind,
        at: e.at,
        actor: ActorOut {
            user: e.actor_user.map(|u| u.0),
            username: e.actor_username,
            unit: e.actor_unit.map(|u| u.0),
        },
        from: e.from,
        to: e.to,
        reason: e.reason,
        detail: e.detail.into_iter().collect::<BTreeMap<_, _>>(),
        hash: e.hash,
    }
}

/// What a citizen sees when tracking a request (`services::cases::track`).
pub fn track_out(reference: &Reference, tracked: &Tracked) -> TrackOut {
    let row = &tracked.loaded.row;
    TrackOut {
        serial: row.serial.clone(),
        state: row.case.state.as_str().into(),
        kind: row.kind.as_str().into(),
        category: row
            .category
            .and_then(|c| reference.category(c))
            .map(|c| c.name.clone()),
        handling_unit: row
            .case
            .lead
            .and_then(|u| reference.org.get(u))
            .map(|u| u.name.clone()),
        outcome: row.case.outcome.map(|o| o.as_str().into()),
        reply: row.case.reply.clone(),
        rating: row.case.rating.map(|r| r.as_str().into()),
        parent: tracked.parent.as_ref().map(parent_out),
        timeline: tracked
            .timeline
            .iter()
            .map(|e| TrackStep {
                kind: e.kind.clone(),
                at: e.at,
                state: e.to.clone(),
            })
            .collect(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

pub fn summaries(items: &[Listing], now: Instant) -> Vec<RequestSummary> {
    items.iter().map(|l| summary(l, now)).collect()
}

/// A page of a request list; a total past the count cap is shown as the cap, not exact.
pub fn page_out(listed: &Listed, page: u32, page_size: u32, now: Instant) -> Page<RequestSummary> {
    Page {
        items: summaries(&listed.items, now),
        total: listed.total,
        total_exact: listed.exact,
        page,
        page_size,
    }
}

/// The store filter of a request-list query, with its page and page size.
pub fn list_filter(
    query: &RequestQuery,
    now: Instant,
    zone: chrono::FixedOffset,
) -> ApiResult<(ListFilter, u32, u32)> {
    let (page, page_size, offset, limit) = paging(query.page, query.page_size)?;
    let channel = query_word(
        "channel",
        &query.channel,
        civicgrid_domain::request::Channel::parse,
        civicgrid_domain::request::Channel::words,
    )?;
    let (created_from, created_until) =
        crate::services::stats::day_range(query.from, query.to, zone)?;
    let phone = match query
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(raw) => Some(
            civicgrid_domain::request::Phone::parse(raw)
                .map_err(|e| ApiError::query("phone", e.message))?
                .as_str()
                .to_owned(),
        ),
        None => None,
    };
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let state_wanted = query_word("state", &query.state, State::parse, State::words)?;
    let kind = query_word("kind", &query.kind, Kind::parse, Kind::words)?;
    let band = query_word("band", &query.band, Band::parse, Band::words)?;
    let filter = ListFilter {
        state: state_wanted,
        lead_unit: query.unit.map(UnitId),
        category: query.category.map(CategoryId),
        kind,
        caller_phone: phone,
        channel,
        address: text(&query.address),
        created_from,
        created_until,
        min_demand: query.min_demand,
        instructed: query.instructed.unwrap_or(false),
        place_unknown: query.place_unknown.unwrap_or(false),
        band: band.map(|b| (b, now)),
        // Clocks run only on requests still being worked (or awaiting their callback):
        // naming those states lets the state index narrow a band search to open work.
        states: if band.is_some() && state_wanted.is_none() {
            State::ALL
                .iter()
                .copied()
                .filter(|s| !s.is_final())
                .collect()
        } else {
            Vec::new()
        },
        offset,
        limit,
        count_cap: Some(COUNT_CAP),
        ..Default::default()
    };
    Ok((filter, page, page_size))
}

/// One word of a query parameter, if given, naming the parameter when it is not a word
/// of `T`.
fn query_word<T>(
    field: &str,
    raw: &Option<String>,
    parse: fn(&str) -> Option<T>,
    words: fn() -> Vec<&'static str>,
) -> ApiResult<Option<T>> {
    raw.as_deref()
        .map(|w| {
            parse_word(field, w, parse, words).map_err(|e| ApiError::query(e.field, e.message))
        })
        .transpose()
}
