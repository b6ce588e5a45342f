//! The request services every entry point shares: intake, reading a request as a given
//! person may see it (masking and auditing personal data), listing, and lifecycle actions.
//! HTTP handlers, the demo generator and (later) the web pages all come through here, so
//! there is one path to the database and one place where permissions are checked.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::FixedOffset;
use civicgrid_api::{
    ActionBody, ActorOut, AttachmentOut, CallerOut, CategoryOut, ClockOut, CreateRequest,
    CreatedRequest, ErrorCode, EventOut, LocationIn, NoticeOut, Page, ParentOut, ProposalOut,
    RequestOut, RequestQuery, RequestSummary, SupervisionOut, UnitRef,
};
use civicgrid_domain::clocks::{self, Clock};
use civicgrid_domain::deadline::Band;
use civicgrid_domain::lifecycle::{self, Action, Basis, Command, Ctx, Decision, Scope, Want};
use civicgrid_domain::org::{Actor, OrgTree, Principal, Role};
use civicgrid_domain::request::{
    Channel, Kind, NewRequest, Outcome, Platform, Rating, RawIntake, State, mask_name, parse_word,
};
use civicgrid_domain::routing::{self, Proposal};
use civicgrid_domain::{CategoryId, Instant, Refusal, UnitId};
use civicgrid_store::{
    AuditEntry, ListFilter, Loaded, NewCase, RequestRow, StoreError, Visibility,
};

use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Reference};

/// The district's local offset (UTC+8): serial dates are local dates.
pub fn district_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Utc.fix())
}

use chrono::Offset;

pub const DEFAULT_PAGE_SIZE: u32 = 20;
pub const MAX_PAGE_SIZE: u32 = 200;
/// Request lists count matches exactly up to this many.
pub const COUNT_CAP: i64 = 10_000;

/// Resolves `page`/`page_size` into offset and limit, naming a bad parameter.
pub fn paging(page: Option<u32>, page_size: Option<u32>) -> ApiResult<(u32, u32, i64, i64)> {
    let page = page.unwrap_or(1);
    let size = page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    if page == 0 {
        return Err(ApiError::query("page", "pages count from 1"));
    }
    if size == 0 || size > MAX_PAGE_SIZE {
        return Err(ApiError::query(
            "page_size",
            format!("must be between 1 and {MAX_PAGE_SIZE}"),
        ));
    }
    Ok((
        page,
        size,
        i64::from(page - 1) * i64::from(size),
        i64::from(size),
    ))
}

fn random_code() -> String {
    let n: u32 = rand::random::<u32>() % 1_000_000;
    format!("{n:06}")
}

/// The category (and its parent) for routing; unknown ids or codes name the field.
pub fn resolve_category(
    reference: &Reference,
    raw: Option<&serde_json::Value>,
) -> ApiResult<Option<CategoryId>> {
    let Some(raw) = raw else { return Ok(None) };
    let found = match raw {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(CategoryId)
            .filter(|id| reference.category(*id).is_some()),
        serde_json::Value::String(code) => reference.category_by_code.get(code).copied(),
        _ => return Err(ApiError::field("category", "must be a category id or code")),
    };
    found
        .map(Some)
        .ok_or_else(|| ApiError::field("category", "no such category"))
}

pub fn propose(
    reference: &Reference,
    category: Option<CategoryId>,
    area: Option<UnitId>,
) -> Option<Proposal> {
    routing::propose(
        &reference.category_chain(category),
        area,
        &reference.rules,
        &reference.org,
    )
}

pub fn unit_ref(org: &OrgTree, id: UnitId) -> UnitRef {
    UnitRef {
        id: id.0,
        name: org.get(id).map(|u| u.name.clone()).unwrap_or_default(),
    }
}

fn proposal_out(org: &OrgTree, proposal: &Proposal) -> ProposalOut {
    ProposalOut {
        unit: unit_ref(org, proposal.unit),
        basis: proposal.basis.as_str().into(),
        rule: proposal.rule,
    }
}

/// Who registers a request: the acting user and unit, or the platform for the public portal.
pub struct Registrar {
    pub actor: Actor,
    pub unit: Option<UnitId>,
    /// A grid worker's own grid: where a report without a position lies.
    pub own_grid: Option<UnitId>,
    pub may_answer: bool,
}

/// Registers a request for `principal`. `raw` is the body exactly as received.
pub async fn intake(
    state: &AppState,
    principal: &Principal,
    body: CreateRequest,
    raw: String,
) -> ApiResult<CreatedRequest> {
    let may_register = principal
        .grants
        .iter()
        .any(|g| matches!(g.role, Role::Operator | Role::Admin | Role::GridWorker));
    if !may_register {
        return Err(ApiError::with_message(
            ErrorCode::Forbidden,
            "only operators and grid workers register requests",
        ));
    }
    let only_grid_worker = !principal
        .grants
        .iter()
        .any(|g| matches!(g.role, Role::Operator | Role::Admin));
    if only_grid_worker && body.channel != Channel::GridReport.as_str() {
        return Err(ApiError::field(
            "channel",
            "grid workers register through `grid_report`",
        ));
    }
    let registrar = Registrar {
        actor: principal.actor(),
        unit: Some(principal.unit),
        own_grid: Some(principal.unit),
        may_answer: !only_grid_worker,
    };
    register(state, &registrar, body, raw).await
}

/// A citizen's request from the public portal: channel `web`, registered by the platform
/// at the hub, optionally with a photo (checked before anything is written).
pub async fn public_intake(
    state: &AppState,
    body: CreateRequest,
    photo: Option<(Option<String>, Vec<u8>)>,
) -> ApiResult<CreatedRequest> {
    if body.channel != Channel::Web.as_str() || body.answer.is_some() {
        return Err(ApiError::field(
            "channel",
            "the portal registers web requests",
        ));
    }
    let photo = match photo {
        Some((declared, bytes)) => {
            let content_type = check_photo(declared.as_deref(), &bytes)
                .map_err(|e| ApiError::field("photo", e.message))?;
            Some((content_type, bytes))
        }
        None => None,
    };
    let raw = serde_json::to_string(&body).map_err(ApiError::internal)?;
    let registrar = Registrar {
        actor: Actor::SYSTEM,
        unit: state.org().root(),
        own_grid: None,
        may_answer: false,
    };
    let created = register(state, &registrar, body, raw).await?;
    if let Some((content_type, bytes)) = photo {
        let serial = civicgrid_domain::serial::parse(&created.serial)?;
        let loaded = state
            .store
            .get_request(&serial)
            .await?
            .ok_or_else(|| ApiError::new(ErrorCode::RequestNotFound))?;
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        state
            .store
            .add_attachment(loaded.row.id, content_type, bytes, &sha, state.now())
            .await?;
    }
    Ok(created)
}

/// Registers a request for `registrar`, whose right to do so the caller has checked.
async fn register(
    state: &AppState,
    registrar: &Registrar,
    body: CreateRequest,
    raw: String,
) -> ApiResult<CreatedRequest> {
    let caller = body.caller.clone().unwrap_or_default();
    let parsed = NewRequest::parse(&RawIntake {
        channel: &body.channel,
        kind: &body.kind,
        urgency: body.urgency.as_deref(),
        content: &body.content,
        address: body.address.as_deref(),
        location: body.location.map(|l| (l.lat, l.lng)),
        caller_name: caller.name.as_deref(),
        caller_phone: caller.phone.as_deref(),
    })?;
    let reference = state.reference();
    let category = resolve_category(&reference, body.category.as_ref())?;
    let line = category
        .and_then(|c| reference.category(c))
        .and_then(|c| c.line.clone());
    let mut area = parsed
        .location
        .and_then(|l| reference.areas.locate(l.lat, l.lng));
    if area.is_none() && parsed.channel == Channel::GridReport {
        // A grid worker's report without a position lies in the worker's own grid.
        area = registrar.own_grid;
    }
    let now = state.now();
    let intake_detail = vec![("channel".to_string(), parsed.channel.as_str().to_string())];
    let (mut case, received) = lifecycle::receive(parsed.kind, registrar.actor, now, intake_detail);
    let mut events = vec![received];
    if let Some(answer) = &body.answer {
        let reply = lifecycle::reply("answer.reply", &answer.reply)?;
        if !registrar.may_answer {
            return Err(ApiError::with_message(
                ErrorCode::Forbidden,
                "only operators answer on the spot",
            ));
        }
        let ctx = Ctx {
            org: &reference.org,
            actor: registrar.actor,
            now,
        };
        let decision = lifecycle::decide(&case, &Command::Answer { reply }, &ctx)?;
        case = decision.case;
        events.extend(decision.events);
    }
    let verify_code = random_code();
    let new = NewCase {
        channel: parsed.channel,
        kind: parsed.kind,
        urgency: parsed.urgency,
        category,
        line,
        content: parsed.content,
        address: parsed.address,
        location: parsed.location,
        caller_name: parsed.caller.name.clone(),
        caller_phone: parsed.caller.phone.as_ref().map(|p| p.as_str().to_owned()),
        area,
        intake_unit: registrar.unit,
        created_by: registrar.actor.user,
        verify_code: verify_code.clone(),
        raw_intake: raw,
        local_date: now.with_timezone(&district_offset()).date_naive(),
        now,
        case: case.clone(),
        events,
    };
    let created = state.store.create_request(new).await?;
    metrics::counter!("civicgrid_requests_registered_total", "channel" => parsed.channel.as_str())
        .increment(1);
    let proposal = if case.state == State::Received {
        propose(&reference, category, area)
    } else {
        None
    };
    Ok(CreatedRequest {
        serial: created.serial,
        verification_code: verify_code,
        state: case.state.as_str().into(),
        proposal: proposal.as_ref().map(|p| proposal_out(&reference.org, p)),
        created_at: now,
    })
}

/// Adds to `decision` what it does to the request's clocks and supervision records, under
/// the policies and calendar this instance holds.
pub fn plan_effects(reference: &Reference, loaded: &Loaded, decision: &mut Decision) {
    let row = &loaded.row;
    let categories = reference.category_chain(row.category);
    let env = clocks::Env {
        policies: &reference.policies,
        calendars: &reference.calendars,
        org: &reference.org,
        kind: row.kind,
        categories: &categories,
        urgency: row.urgency,
        sample_per_mille: reference.appraisal.sample_per_mille,
        sample_salt: &reference.sample_salt,
        serial: &row.serial,
    };
    clocks::plan(&row.case, decision, &loaded.running_clocks(), &env);
}

fn clock_out(reference: &Reference, clock: &Clock, now: Instant) -> ClockOut {
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

/// The parent case of a merged duplicate, whose progress answers the duplicate's caller.
async fn parent_of(
    state: &AppState,
    case: &civicgrid_domain::lifecycle::Case,
) -> ApiResult<Option<ParentOut>> {
    let Some(parent_id) = case.parent else {
        return Ok(None);
    };
    Ok(state
        .store
        .get_request_by_id(parent_id)
        .await?
        .map(|p| ParentOut {
            serial: p.row.serial,
            state: p.row.case.state.as_str().into(),
            outcome: p.row.case.outcome.map(|o| o.as_str().into()),
            reply: p.row.case.reply,
        }))
}

/// The units a stored request is tied to, for authorisation.
pub fn scope_of(loaded: &Loaded) -> Scope {
    let row = &loaded.row;
    let mut handlers = loaded.handlers.clone();
    handlers.extend(row.case.coordination.iter().copied());
    Scope {
        lead: row.case.lead,
        assisting: row.case.assisting.clone(),
        handlers,
        places: row.area.into_iter().chain(row.intake_unit).collect(),
        line: row.line.clone(),
    }
}

/// Loads a request the principal may read; a request they may not see is "not found".
pub async fn load_visible(
    state: &AppState,
    principal: &Principal,
    serial: &str,
) -> ApiResult<Loaded> {
    let serial = civicgrid_domain::serial::parse(serial)
        .map_err(|_| ApiError::new(ErrorCode::RequestNotFound))?;
    let loaded = state
        .store
        .get_request(&serial)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::RequestNotFound))?;
    let org = state.org();
    lifecycle::authorize(principal, Want::Read, &scope_of(&loaded), &org)
        .map_err(|_| ApiError::new(ErrorCode::RequestNotFound))?;
    Ok(loaded)
}

/// A request as `principal` may see it. Personal data is shown in clear only to roles with
/// the right, and every such read is recorded in the audit log before the answer leaves.
pub async fn view(
    state: &AppState,
    principal: &Principal,
    loaded: &Loaded,
) -> ApiResult<RequestOut> {
    let reference = state.reference();
    let org = &reference.org;
    let row = &loaded.row;
    let clear = lifecycle::authorize(principal, Want::ReadPersonal, &scope_of(loaded), org).is_ok();
    let has_personal = row.caller_name.is_some() || row.caller_phone.is_some();
    let caller = has_personal.then(|| {
        if clear {
            CallerOut {
                name: row.caller_name.clone(),
                phone: row.caller_phone.clone(),
                masked: false,
            }
        } else {
            CallerOut {
                name: row.caller_name.as_deref().map(mask_name),
                phone: row
                    .caller_phone
                    .as_deref()
                    .and_then(|p| civicgrid_domain::request::Phone::parse(p).ok())
                    .map(|p| p.masked()),
                masked: true,
            }
        }
    });
    if clear && has_personal {
        let entry = AuditEntry {
            at: state.now(),
            user: Some(principal.user),
            action: "read_personal_data".into(),
            target: row.serial.clone(),
            detail: "caller name and phone in request detail".into(),
        };
        state.store.audit(vec![entry]).await?;
    }
    let parent = parent_of(state, &row.case).await?;
    let children = if row.case.demand > 1 {
        state.store.children(row.id).await?
    } else {
        Vec::new()
    };
    let pool_filter = civicgrid_store::PoolFilter {
        request: Some(row.id),
        limit: 1,
        ..Default::default()
    };
    // Independent reads: the reader pool answers them side by side.
    let (attachments, pool, notices) = tokio::try_join!(
        state.store.attachments(row.id),
        state.store.supervision_pool(&pool_filter, &Visibility::All),
        state.store.notices_of(row.id),
    )?;
    let all_clocks = &loaded.clocks;
    let attachments = attachments
        .into_iter()
        .map(|a| AttachmentOut {
            id: a.id,
            content_type: a.content_type,
            size: a.size,
            sha256: a.sha256,
        })
        .collect();
    let now = state.now();
    let band = clocks::worst_band(all_clocks, now).map(|b| b.as_str().to_owned());
    let clocks_out = all_clocks
        .iter()
        .map(|c| clock_out(&reference, c, now))
        .collect();
    let supervision = pool.0.into_iter().next().map(|p| SupervisionOut {
        owner: p.owner_username,
        since: p.since,
        stage: p.stage,
        times: p.times,
    });
    let notices = notices.iter().map(|n| notice_out(org, n)).collect();
    let awaiting_dispatch = matches!(row.case.state, State::Received | State::Returned);
    let proposal = awaiting_dispatch
        .then(|| propose(&reference, row.category, row.area))
        .flatten();
    Ok(RequestOut {
        serial: row.serial.clone(),
        state: row.case.state.as_str().into(),
        channel: row.channel.as_str().into(),
        kind: row.kind.as_str().into(),
        urgency: row.urgency.as_str().into(),
        category: row
            .category
            .and_then(|c| reference.category(c))
            .map(|c| CategoryOut {
                id: c.id.0,
                code: c.code.clone(),
                name: c.name.clone(),
                parent: c.parent.map(|p| p.0),
                line: c.line.clone(),
            }),
        content: row.content.clone(),
        address: row.address.clone(),
        location: row.location.map(|l| LocationIn {
            lat: l.lat,
            lng: l.lng,
        }),
        caller,
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
        redo_count: row.case.redo_count,
        return_count: row.case.return_count,
        parent,
        children,
        proposal: proposal.as_ref().map(|p| proposal_out(org, p)),
        attachments,
        clocks: clocks_out,
        band,
        supervision,
        notices,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
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

/// Which requests `principal` may list; mirrors `authorize(Want::Read)`.
pub fn visibility(principal: &Principal, org: &OrgTree) -> Visibility {
    let root = org.root();
    let unlimited = principal.grants.iter().any(|g| {
        g.role == Role::Admin
            || (g.role != Role::Handler && Some(g.unit) == root && g.lines.is_empty())
    });
    if unlimited {
        return Visibility::All;
    }
    let mut any = Vec::new();
    let mut handling = Vec::new();
    let mut lines = Vec::new();
    let mut unlimited_lines = false;
    for grant in &principal.grants {
        let subtree = org.subtree(grant.unit);
        if grant.role == Role::Handler {
            handling.extend(subtree);
        } else {
            any.extend(subtree);
        }
        if grant.lines.is_empty() {
            unlimited_lines = true;
        } else {
            lines.extend(grant.lines.iter().cloned());
        }
    }
    any.sort();
    any.dedup();
    handling.sort();
    handling.dedup();
    if unlimited_lines {
        lines.clear();
    }
    Visibility::Units {
        any,
        handling,
        lines,
    }
}

pub async fn list(
    state: &AppState,
    principal: &Principal,
    query: &RequestQuery,
) -> ApiResult<Page<RequestSummary>> {
    let (page, page_size, offset, limit) = paging(query.page, query.page_size)?;
    let state_wanted = query
        .state
        .as_deref()
        .map(|s| {
            parse_word("state", s, State::parse, State::words)
                .map_err(|e| ApiError::query(e.field, e.message))
        })
        .transpose()?;
    let kind = query
        .kind
        .as_deref()
        .map(|k| {
            parse_word("kind", k, Kind::parse, Kind::words)
                .map_err(|e| ApiError::query(e.field, e.message))
        })
        .transpose()?;
    let now = state.now();
    let band = query
        .band
        .as_deref()
        .map(|b| {
            parse_word("band", b, Band::parse, Band::words)
                .map_err(|e| ApiError::query(e.field, e.message))
        })
        .transpose()?;
    let filter = ListFilter {
        state: state_wanted,
        lead_unit: query.unit.map(UnitId),
        category: query.category.map(CategoryId),
        kind,
        caller_phone: None,
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
    list_filtered(state, principal, &filter, page, page_size).await
}

/// One page of the requests `principal` may see that match `filter`.
pub async fn list_filtered(
    state: &AppState,
    principal: &Principal,
    filter: &ListFilter,
    page: u32,
    page_size: u32,
) -> ApiResult<Page<RequestSummary>> {
    let now = state.now();
    let (rows, total) = state
        .store
        .list_requests(filter, &visibility(principal, &state.org()))
        .await?;
    Ok(Page {
        items: summaries(state, &rows, now).await?,
        total: total.min(COUNT_CAP),
        total_exact: total <= COUNT_CAP,
        page,
        page_size,
    })
}

/// List rows with their bands: one query fetches the running clocks of the whole page.
pub async fn summaries(
    state: &AppState,
    rows: &[RequestRow],
    now: Instant,
) -> ApiResult<Vec<RequestSummary>> {
    let ids: Vec<_> = rows.iter().map(|r| r.id).collect();
    let running = state.store.running_clocks(&ids).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let mine: Vec<Clock> = running
                .iter()
                .filter(|(id, _)| *id == row.id)
                .map(|(_, c)| c.clone())
                .collect();
            summary(row, &mine, now)
        })
        .collect())
}

pub async fn events(
    state: &AppState,
    principal: &Principal,
    serial: &str,
) -> ApiResult<Vec<EventOut>> {
    let loaded = load_visible(state, principal, serial).await?;
    let rows = state.store.events(loaded.row.id).await?;
    Ok(rows
        .into_iter()
        .map(|e| EventOut {
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
        })
        .collect())
}

fn need<'a, T>(value: &'a Option<T>, field: &str) -> ApiResult<&'a T> {
    value
        .as_ref()
        .ok_or_else(|| ApiError::field(field, "is required for this action"))
}

fn need_text(
    value: &Option<String>,
    field: &str,
    parse: fn(&str, &str) -> Result<String, civicgrid_domain::Invalid>,
) -> ApiResult<String> {
    Ok(parse(field, need(value, field)?)?)
}

/// What a callback (the hub's or a supervisor's quality check) records: the citizen's
/// rating, their word on whether it is resolved, and a note.
fn rating_args(body: &ActionBody) -> ApiResult<(Rating, bool, Option<String>)> {
    Ok((
        parse_word(
            "rating",
            need(&body.rating, "rating")?,
            Rating::parse,
            Rating::words,
        )?,
        *need(&body.resolved, "resolved")?,
        lifecycle::note("note", body.note.as_deref())?,
    ))
}

/// Turns an action body into a domain command, naming missing or bad fields.
pub async fn command_for(
    state: &AppState,
    action: Action,
    body: &ActionBody,
) -> ApiResult<Command> {
    Ok(match action {
        Action::Answer => Command::Answer {
            reply: need_text(&body.reply, "reply", lifecycle::reply)?,
        },
        Action::Dispatch => Command::Dispatch {
            unit: UnitId(*need(&body.unit, "unit")?),
            assisting: body
                .assisting
                .clone()
                .unwrap_or_default()
                .into_iter()
                .map(UnitId)
                .collect(),
            basis: Basis::Manual,
        },
        Action::Accept => Command::Accept,
        Action::Contact => Command::Contact {
            note: lifecycle::note("note", body.note.as_deref())?,
        },
        Action::Return => Command::Return {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::Transfer => Command::Transfer {
            unit: UnitId(*need(&body.unit, "unit")?),
            reason: lifecycle::note("reason", body.reason.as_deref())?,
        },
        Action::AssignDown => Command::AssignDown {
            unit: UnitId(*need(&body.unit, "unit")?),
        },
        Action::AssistReport => Command::AssistReport {
            unit: UnitId(*need(&body.unit, "unit")?),
            note: need_text(&body.note, "note", lifecycle::reason)?,
        },
        Action::Coordinate => Command::Coordinate {
            units: need(&body.units, "units")?
                .iter()
                .copied()
                .map(UnitId)
                .collect(),
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::RequestExtension => Command::RequestExtension {
            working_days: *need(&body.working_days, "working_days")?,
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::ApproveExtension => Command::ApproveExtension,
        Action::RefuseExtension => Command::RefuseExtension {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::Suspend => Command::Suspend {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::Resume => Command::Resume,
        Action::Resolve => Command::Resolve {
            outcome: parse_word(
                "outcome",
                need(&body.outcome, "outcome")?,
                Outcome::parse,
                Outcome::words,
            )?,
            reply: need_text(&body.reply, "reply", lifecycle::reply)?,
            proper_owner: lifecycle::note("proper_owner", body.proper_owner.as_deref())?,
        },
        Action::Callback => {
            let (rating, resolved, note) = rating_args(body)?;
            Command::Callback {
                rating,
                resolved,
                note,
            }
        }
        Action::Reopen => Command::Reopen {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::Close => Command::Close {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::Cancel => {
            let code = need(&body.reason, "reason")?;
            let reasons = state.store.list_cancel_reasons().await?;
            let Some(known) = reasons.iter().find(|r| &r.code == code) else {
                let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
                return Err(ApiError::field(
                    "reason",
                    format!("must be one of: {}", codes.join(", ")),
                ));
            };
            let note = lifecycle::note("note", body.note.as_deref())?;
            let text = match note {
                Some(note) => format!("{}: {} — {note}", known.code, known.label),
                None => format!("{}: {}", known.code, known.label),
            };
            Command::Cancel { reason: text }
        }
        Action::TransferOut => Command::TransferOut {
            platform: parse_word(
                "platform",
                need(&body.platform, "platform")?,
                Platform::parse,
                Platform::words,
            )?,
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::Remind => Command::Remind {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::Urge => Command::Urge {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::Supervise => Command::Supervise {
            reason: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::HoldAccountable => Command::HoldAccountable {
            unit: body.unit.map(UnitId),
            finding: need_text(&body.reason, "reason", lifecycle::reason)?,
        },
        Action::QualityCallback => {
            let (rating, resolved, note) = rating_args(body)?;
            Command::QualityCallback {
                rating,
                resolved,
                note,
            }
        }
        Action::Merge => return Err(ApiError::internal("merge is not a single-case command")),
    })
}

fn refusal_to_error(error: StoreError) -> ApiError {
    match error {
        StoreError::Refused(Refusal::Forbidden { action: "read" }) => {
            ApiError::new(ErrorCode::RequestNotFound)
        }
        other => other.into(),
    }
}

/// Performs `action` on the request `serial` as `principal`. Authorisation and the state
/// check both run inside the write transaction, on the values being changed.
pub async fn act(
    state: &Arc<AppState>,
    principal: &Principal,
    serial: &str,
    action: Action,
    body: ActionBody,
) -> ApiResult<RequestOut> {
    let serial = civicgrid_domain::serial::parse(serial)
        .map_err(|_| ApiError::new(ErrorCode::RequestNotFound))?;
    let now = state.now();
    if action == Action::Merge {
        let parent_raw = need(&body.parent, "parent")?;
        let parent = civicgrid_domain::serial::parse(parent_raw)?;
        let reference = state.reference();
        let org = reference.org.clone();
        let who = principal.clone();
        let decide: civicgrid_store::DecideMerge = Box::new(move |child, parent| {
            lifecycle::authorize(&who, Want::Read, &scope_of(child), &org)
                .map_err(|_| Refusal::Forbidden { action: "read" })?;
            lifecycle::authorize(&who, Want::Act(Action::Merge), &scope_of(child), &org)?;
            lifecycle::authorize(&who, Want::Read, &scope_of(parent), &org).map_err(|_| {
                Refusal::Invalid(civicgrid_domain::Invalid::new("parent", "no such request"))
            })?;
            let ctx = Ctx {
                org: &org,
                actor: who.actor(),
                now,
            };
            let (mut on_child, mut on_parent) = lifecycle::decide_merge(
                child.row.id,
                &child.row.case,
                parent.row.id,
                &parent.row.case,
                &ctx,
            )?;
            plan_effects(&reference, child, &mut on_child);
            plan_effects(&reference, parent, &mut on_parent);
            Ok((on_child, on_parent))
        });
        let loaded = state
            .store
            .merge(&serial, &parent, now, decide)
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => ApiError::field("parent", "no such request"),
                other => refusal_to_error(other),
            })?;
        return view(state, principal, &loaded).await;
    }
    let mut command = command_for(state, action, &body).await?;
    if let Command::Dispatch { unit, basis, .. } = &mut command {
        // Record whether the dispatcher followed the routing table or overrode it.
        let current = state.store.get_request(&serial).await?;
        if let Some(current) = current {
            let reference = state.reference();
            if let Some(p) = propose(&reference, current.row.category, current.row.area)
                && p.unit == *unit
            {
                *basis = p.basis;
            }
        }
    }
    let reference = state.reference();
    let who = principal.clone();
    let decide: civicgrid_store::Decide = Box::new(move |loaded| {
        let org = &reference.org;
        let scope = scope_of(loaded);
        lifecycle::authorize(&who, Want::Read, &scope, org)
            .map_err(|_| Refusal::Forbidden { action: "read" })?;
        lifecycle::authorize(&who, Want::Act(action), &scope, org)?;
        let ctx = Ctx {
            org,
            actor: who.actor(),
            now,
        };
        let mut decision = lifecycle::decide(&loaded.row.case, &command, &ctx)?;
        plan_effects(&reference, loaded, &mut decision);
        Ok(decision)
    });
    let loaded = state
        .store
        .apply(&serial, now, decide)
        .await
        .map_err(refusal_to_error)?;
    metrics::counter!("civicgrid_actions_total", "action" => action.as_str()).increment(1);
    view(state, principal, &loaded).await
}

/// Checks an uploaded photo: size and type by its first bytes, not by its name.
pub fn check_photo(content_type: Option<&str>, body: &[u8]) -> ApiResult<&'static str> {
    const MAX: usize = 5 * 1024 * 1024;
    if body.is_empty() {
        return Err(ApiError::field("body", "the file is empty"));
    }
    if body.len() > MAX {
        return Err(ApiError::with_message(
            ErrorCode::PayloadTooLarge,
            "photos may be at most 5 MiB",
        ));
    }
    let sniffed = if body.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if body.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if body.len() > 12 && &body[..4] == b"RIFF" && &body[8..12] == b"WEBP" {
        "image/webp"
    } else {
        return Err(ApiError::with_message(
            ErrorCode::UnsupportedMediaType,
            "photos must be JPEG, PNG or WebP",
        ));
    };
    if content_type.is_some_and(|declared| declared != sniffed) {
        return Err(ApiError::with_message(
            ErrorCode::UnsupportedMediaType,
            "the content type does not match the file",
        ));
    }
    Ok(sniffed)
}

pub fn now_local_day(now: Instant) -> String {
    now.with_timezone(&district_offset())
        .format("%Y-%m-%d")
        .to_string()
}

/// The request behind a serial and its verification code. An unknown serial and a wrong
/// code answer alike, so serials cannot be probed; the code is compared in constant time.
async fn tracked(state: &AppState, serial: &str, code: &str) -> ApiResult<Loaded> {
    let not_found = || ApiError::new(ErrorCode::RequestNotFound);
    let serial = civicgrid_domain::serial::parse(serial.trim()).map_err(|_| not_found())?;
    let loaded = state
        .store
        .get_request(&serial)
        .await?
        .ok_or_else(not_found)?;
    let stored = loaded.row.verify_code.as_bytes();
    let given = code.trim().as_bytes();
    let same = stored.len() == given.len()
        && stored
            .iter()
            .zip(given)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Err(not_found());
    }
    Ok(loaded)
}

/// The citizen's own rating from the public portal, proven by the verification code. A
/// resolved request waiting for its callback takes it as the callback (the hub need not
/// call): closed when satisfied, reopened for redo when not, as at a callback by phone.
pub async fn rate_by_citizen(
    state: &AppState,
    serial: &str,
    code: &str,
    body: &ActionBody,
) -> ApiResult<civicgrid_api::TrackOut> {
    let loaded = tracked(state, serial, code).await?;
    let (rating, resolved, note) = rating_args(body)?;
    let command = Command::Callback {
        rating,
        resolved,
        note: Some(match note {
            Some(note) => format!("citizen via portal: {note}"),
            None => "citizen via portal".to_owned(),
        }),
    };
    let reference = state.reference();
    let now = state.now();
    let decide: civicgrid_store::Decide = Box::new(move |loaded| {
        let ctx = Ctx {
            org: &reference.org,
            actor: Actor::SYSTEM,
            now,
        };
        let mut decision = lifecycle::decide(&loaded.row.case, &command, &ctx)?;
        plan_effects(&reference, loaded, &mut decision);
        Ok(decision)
    });
    let serial = loaded.row.serial.clone();
    state
        .store
        .apply(&serial, now, decide)
        .await
        .map_err(refusal_to_error)?;
    metrics::counter!("civicgrid_actions_total", "action" => "citizen_rating").increment(1);
    track(state, &serial, &loaded.row.verify_code).await
}

/// Public tracking with the throttle: a client's look-ups per minute, and a serial locked
/// for the window after too many wrong codes (right code or not).
pub async fn track_guarded(
    state: &AppState,
    client: &str,
    serial: &str,
    code: &str,
) -> ApiResult<civicgrid_api::TrackOut> {
    guard_tracking(state, client, serial, || track(state, serial.trim(), code)).await
}

/// Runs a look-up by serial and code under the tracking throttle.
pub async fn guard_tracking<T, F, Fut>(
    state: &AppState,
    client: &str,
    serial: &str,
    look: F,
) -> ApiResult<T>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ApiResult<T>>,
{
    use crate::throttle::{TRACK_FAILURES_PER_SERIAL, TRACK_PER_CLIENT};
    let now = state.now();
    let serial = serial.trim();
    state.throttle.admit(
        &TRACK_PER_CLIENT,
        client,
        &TRACK_FAILURES_PER_SERIAL,
        serial,
        now,
    )?;
    let result = look().await;
    if let Err(error) = &result
        && error.code == ErrorCode::RequestNotFound
    {
        state
            .throttle
            .record(&TRACK_FAILURES_PER_SERIAL, serial, now)?;
    }
    result
}

/// Public tracking by serial and verification code. An unknown serial and a wrong code
/// answer alike, so serials cannot be probed; the code is compared in constant time.
pub async fn track(
    state: &AppState,
    serial: &str,
    code: &str,
) -> ApiResult<civicgrid_api::TrackOut> {
    let loaded = tracked(state, serial, code).await?;
    let reference = state.reference();
    let row = &loaded.row;
    // Supervision inside the government (reminders, urgings, accountability findings,
    // quality checks) is not part of the citizen's timeline; the moves of the case are.
    const INTERNAL: &[&str] = &[
        "remind",
        "urge",
        "supervise",
        "hold_accountable",
        "quality_callback",
    ];
    let timeline = state
        .store
        .events(row.id)
        .await?
        .into_iter()
        .filter(|e| !INTERNAL.contains(&e.kind.as_str()))
        .map(|e| civicgrid_api::TrackStep {
            kind: e.kind,
            at: e.at,
            state: e.to,
        })
        .collect();
    let parent = parent_of(state, &row.case).await?;
    Ok(civicgrid_api::TrackOut {
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
        parent,
        timeline,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Adds official days (next year's notice, `YYYY-MM-DD off|work NAME` lines) to the
/// district calendar, all or nothing, and reloads it. Deadlines of clocks started before
/// keep the calendar version they recorded.
pub async fn add_official_days(
    state: &AppState,
    text: &str,
    by: Option<civicgrid_domain::UserId>,
) -> ApiResult<civicgrid_api::AddedOfficialDays> {
    use civicgrid_domain::calendar::{Official, parse_official};
    let days = parse_official(text).map_err(|e| {
        let mut error = ApiError::field("text", format!("{}: {}", e.field, e.message));
        error.message = format!("text, {}: {}", e.field, e.message);
        error
    })?;
    if days.is_empty() {
        return Err(ApiError::field("text", "no days given"));
    }
    let rows: Vec<civicgrid_store::OfficialDayRow> = days
        .into_iter()
        .map(|(day, official)| {
            let (kind, name) = match official {
                Official::Holiday(name) => ("off", name),
                Official::MakeUpWorkday(name) => ("work", name),
            };
            civicgrid_store::OfficialDayRow {
                day,
                kind: kind.into(),
                name,
            }
        })
        .collect();
    let added = rows.len();
    state.store.add_official_days(rows, by, state.now()).await?;
    state.reload().await?;
    let reference = state.reference();
    let calendar = &reference.calendars.official;
    Ok(civicgrid_api::AddedOfficialDays {
        added,
        calendar: calendar.version().to_owned(),
        covered_until: calendar
            .covered_until()
            .map(|d| d.format("%Y-%m-%d").to_string()),
    })
}

/// The actions `principal` may take on the request now: allowed in its state and by their
/// roles and units. Pages show exactly these buttons.
pub fn available_actions(state: &AppState, principal: &Principal, loaded: &Loaded) -> Vec<Action> {
    let org = state.org();
    let scope = scope_of(loaded);
    let case_state = loaded.row.case.state;
    Action::ALL
        .iter()
        .copied()
        .filter(|a| lifecycle::allowed_in(*a, case_state))
        .filter(|a| lifecycle::authorize(principal, Want::Act(*a), &scope, &org).is_ok())
        .filter(|a| match a {
            Action::ApproveExtension | Action::RefuseExtension => {
                loaded.row.case.pending_extension.is_some()
            }
            Action::RequestExtension => loaded.row.case.pending_extension.is_none(),
            _ => true,
        })
        .collect()
}

/// A caller's earlier requests by phone number, newest first, for the operator who has
/// them on the line. Only roles that see personal data may look; each look is audited.
pub async fn caller_history(
    state: &AppState,
    principal: &Principal,
    phone: &str,
) -> ApiResult<Vec<RequestSummary>> {
    if !principal.grants.iter().any(|g| {
        matches!(g.role, Role::Operator | Role::Dispatcher | Role::Admin)
            && g.role.sees_personal_data()
    }) {
        return Err(ApiError::with_message(
            ErrorCode::Forbidden,
            "your roles do not look up callers",
        ));
    }
    let phone = civicgrid_domain::request::Phone::parse(phone)
        .map_err(|e| ApiError::field("caller.phone", e.message))?;
    let filter = ListFilter {
        caller_phone: Some(phone.as_str().to_owned()),
        offset: 0,
        limit: 20,
        count_cap: Some(20),
        ..Default::default()
    };
    let now = state.now();
    let (rows, _) = state
        .store
        .list_requests(&filter, &visibility(principal, &state.org()))
        .await?;
    state
        .store
        .audit(vec![AuditEntry {
            at: now,
            user: Some(principal.user),
            action: "read_personal_data".into(),
            target: format!("caller:{}", phone.masked()),
            detail: format!("caller history, {} requests", rows.len()),
        }])
        .await?;
    summaries(state, &rows, now).await
}

/// One page of the supervision pool with each case's list row.
pub async fn pool(
    state: &AppState,
    principal: &Principal,
    owner: Option<civicgrid_domain::UserId>,
    include_closed: bool,
    (offset, limit): (i64, i64),
) -> ApiResult<(Vec<civicgrid_api::PoolItemOut>, i64)> {
    let filter = civicgrid_store::PoolFilter {
        request: None,
        owner,
        include_closed,
        offset,
        limit,
    };
    let org = state.org();
    let (rows, total) = state
        .store
        .supervision_pool(&filter, &visibility(principal, &org))
        .await?;
    let requests: Vec<_> = rows.iter().map(|p| p.request.clone()).collect();
    let summaries = summaries(state, &requests, state.now()).await?;
    let items = rows
        .into_iter()
        .zip(summaries)
        .map(|(p, request)| civicgrid_api::PoolItemOut {
            request,
            owner: p.owner_username,
            stage: p.stage,
            unit: p.unit.map(|u| unit_ref(&org, u)),
            reason: p.reason,
            since: p.since,
            closed_at: p.closed_at,
            times: p.times,
        })
        .collect();
    Ok((items, total))
}

/// One page of the closed cases drawn for quality callbacks.
pub async fn samples(
    state: &AppState,
    open_only: bool,
    (offset, limit): (i64, i64),
) -> ApiResult<(Vec<civicgrid_api::SampleOut>, i64)> {
    let (rows, total) = state.store.samples(open_only, offset, limit).await?;
    let requests: Vec<_> = rows.iter().map(|p| p.request.clone()).collect();
    let summaries = summaries(state, &requests, state.now()).await?;
    let items = rows
        .into_iter()
        .zip(summaries)
        .map(|(m, request)| civicgrid_api::SampleOut {
            request,
            drawn_at: m.drawn_at,
            done_at: m.done_at,
            rating: m.rating,
            citizen_says_resolved: m.citizen_resolved,
            note: m.note,
        })
        .collect();
    Ok((items, total))
}

/// The units whose notices `principal` sees (`None`: every unit).
fn notice_units(principal: &Principal, org: &OrgTree) -> Option<Vec<UnitId>> {
    match visibility(principal, org) {
        Visibility::All => None,
        Visibility::Units { any, handling, .. } => {
            let mut all = any;
            all.extend(handling);
            Some(all)
        }
    }
}

/// Reminders, urging notices and accountability records for the units `principal` sees,
/// or for `only` of them (a unit outside them names the `unit` parameter).
pub async fn notices(
    state: &AppState,
    principal: &Principal,
    only: Option<Vec<UnitId>>,
    kind: Option<String>,
    unread: bool,
    (offset, limit): (i64, i64),
) -> ApiResult<(Vec<NoticeOut>, i64)> {
    let org = state.org();
    let mut units = notice_units(principal, &org);
    if let Some(only) = only {
        if let Some(mine) = &units
            && only.iter().any(|u| !mine.contains(u))
        {
            return Err(ApiError::query("unit", "not one of your units"));
        }
        units = Some(only);
    }
    let filter = civicgrid_store::NoticeFilter {
        units,
        kind,
        unread,
        offset,
        limit,
    };
    let (rows, total) = state.store.notices(&filter).await?;
    Ok((rows.iter().map(|n| notice_out(&org, n)).collect(), total))
}

/// Acknowledges a notice on behalf of the unit it is addressed to. Only someone who sees
/// the unit's notices may; the first acknowledgement stays.
pub async fn read_notice(state: &AppState, principal: &Principal, id: i64) -> ApiResult<NoticeOut> {
    let org = state.org();
    let not_found = || ApiError::with_message(ErrorCode::NotFound, "no such notice for your units");
    let notice = state.store.notice(id).await?.ok_or_else(not_found)?;
    let visible = match notice_units(principal, &org) {
        None => true,
        Some(units) => notice.unit.is_some_and(|u| units.contains(&u)),
    };
    if !visible {
        return Err(not_found());
    }
    let read = state
        .store
        .acknowledge_notice(id, principal.user, state.now())
        .await?;
    Ok(notice_out(&org, &read))
}

/// The district calendar's official days (of one year, or all), each marked `shipped`
/// (the data in the binary) or `added` (by an administrator).
pub async fn official_days(
    state: &AppState,
    year: Option<i32>,
) -> ApiResult<Vec<civicgrid_api::OfficialDayOut>> {
    use chrono::Datelike;
    use civicgrid_domain::calendar::{Calendar, Official};
    let added: std::collections::BTreeSet<_> = state
        .store
        .official_days()
        .await?
        .into_iter()
        .map(|d| d.day)
        .collect();
    let shipped = Calendar::official();
    let reference = state.reference();
    let items = reference
        .calendars
        .official
        .official_days()
        .filter(|(date, _)| year.is_none_or(|y| date.year() == y))
        .map(|(date, day)| {
            let (kind, name) = match day {
                Official::Holiday(name) => ("off", name.clone()),
                Official::MakeUpWorkday(name) => ("work", name.clone()),
            };
            let source = if added.contains(date) || shipped.official_day(*date).is_none() {
                "added"
            } else {
                "shipped"
            };
            civicgrid_api::OfficialDayOut {
                date: date.format("%Y-%m-%d").to_string(),
                kind: kind.into(),
                name,
                source: source.into(),
            }
        })
        .collect();
    Ok(items)
}
