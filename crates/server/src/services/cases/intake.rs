//! Intake: a request registered from any channel (staff, the public portal) becomes a case
//! with its serial, verification code, first events, area and routing proposal; photos are
//! checked here. Intake takes a `Submission` in domain values and answers `Registered`, so
//! any front door (the API, the pages, Open311, a transfer, an import) comes in the same
//! way without speaking our JSON; `wire::cases` converts the API's body.

use civicgrid_api::ErrorCode;
use civicgrid_domain::lifecycle::{self, Command, Ctx};
use civicgrid_domain::org::{Actor, Principal};
use civicgrid_domain::request::{Channel, State};
use civicgrid_domain::routing::{self, Proposal};
use civicgrid_domain::{CategoryId, UnitId};
use civicgrid_store::NewCase;

use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Reference};

pub(crate) fn random_code() -> String {
    let n: u32 = rand::random::<u32>() % 1_000_000;
    format!("{n:06}")
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

/// Who registers a request: the acting user and unit, or the platform for the public portal.
pub struct Registrar {
    pub actor: Actor,
    pub unit: Option<UnitId>,
    /// A grid worker's own grid: where a report without a position lies.
    pub own_grid: Option<UnitId>,
    pub may_answer: bool,
}

pub use civicgrid_domain::intake::{Registered, Submission};

/// Registers a request for `principal`.
pub async fn intake(
    state: &AppState,
    principal: &Principal,
    submission: Submission,
) -> ApiResult<Registered> {
    crate::access::require_register(principal)?;
    if crate::access::registers_only_grid_reports(principal)
        && submission.request.channel != Channel::GridReport
    {
        return Err(ApiError::field(
            "channel",
            "grid workers register through `grid_report`",
        ));
    }
    let registrar = Registrar {
        actor: principal.actor(),
        unit: Some(principal.unit),
        own_grid: Some(principal.unit),
        may_answer: !crate::access::registers_only_grid_reports(principal),
    };
    register(state, &registrar, submission).await
}

/// A citizen's request from the public portal: channel `web`, registered by the platform
/// at the hub, optionally with a photo (checked before anything is written).
pub async fn public_intake(
    state: &AppState,
    submission: Submission,
    photo: Option<(Option<String>, Vec<u8>)>,
) -> ApiResult<Registered> {
    if submission.request.channel != Channel::Web || submission.answer.is_some() {
        return Err(ApiError::field(
            "channel",
            "the portal registers web requests",
        ));
    }
    let photo = match photo {
        Some((declared, bytes)) => {
            let content_type = crate::services::cases::check_photo(declared.as_deref(), &bytes)
                .map_err(|e| ApiError::field("photo", e.message))?;
            Some((content_type, bytes))
        }
        None => None,
    };
    let registrar = Registrar {
        actor: Actor::SYSTEM,
        unit: state.org().root(),
        own_grid: None,
        may_answer: false,
    };
    let created = register(state, &registrar, submission).await?;
    if let Some((content_type, bytes)) = photo {
        let serial = civicgrid_domain::serial::parse(&created.serial)?;
        let loaded = state
            .store
            .get_request(&serial)
            .await?
            .ok_or_else(|| ApiError::new(ErrorCode::RequestNotFound))?;
        let sha = crate::services::cases::sha256_hex(&bytes);
        state
            .store
            .add_attachment(loaded.row.id, content_type, bytes, &sha, state.now())
            .await?;
    }
    Ok(created)
}

/// Registers a request for `registrar`, whose right to do so the caller has checked.
pub(crate) async fn register(
    state: &AppState,
    registrar: &Registrar,
    submission: Submission,
) -> ApiResult<Registered> {
    let (new, mut registered) = prepare(state, registrar, submission)?;
    let channel = new.channel;
    let created = state.store.create_request(new).await?;
    metrics::counter!("civicgrid_requests_registered_total", "channel" => channel.as_str())
        .increment(1);
    registered.serial = created.serial;
    Ok(registered)
}

/// One call with several problems: the operator registers one intake — the raw record as
/// received — and splits it into requests, each with its own serial, routing and clocks,
/// committed together (all or none). `raw` is the record kept for the whole intake.
pub async fn intake_split(
    state: &AppState,
    principal: &Principal,
    submissions: Vec<Submission>,
    raw: String,
) -> ApiResult<Vec<Registered>> {
    crate::access::require_register(principal)?;
    if crate::access::registers_only_grid_reports(principal) {
        return Err(ApiError::with_message(
            ErrorCode::Forbidden,
            "operators split intakes; grid workers register through `grid_report`",
        ));
    }
    if submissions.is_empty() {
        return Err(ApiError::field(
            "requests",
            "must hold at least one request",
        ));
    }
    if submissions.len() > MAX_SPLIT {
        return Err(ApiError::field(
            "requests",
            format!("must hold at most {MAX_SPLIT} requests"),
        ));
    }
    let registrar = Registrar {
        actor: principal.actor(),
        unit: Some(principal.unit),
        own_grid: Some(principal.unit),
        may_answer: true,
    };
    let mut news = Vec::with_capacity(submissions.len());
    let mut registered = Vec::with_capacity(submissions.len());
    for mut submission in submissions {
        submission.raw = raw.clone();
        let (new, done) = prepare(state, &registrar, submission)?;
        news.push(new);
        registered.push(done);
    }
    let channels: Vec<Channel> = news.iter().map(|n| n.channel).collect();
    let created = state.store.create_intake(news).await?;
    for ((done, created), channel) in registered.iter_mut().zip(created).zip(channels) {
        metrics::counter!("civicgrid_requests_registered_total", "channel" => channel.as_str())
            .increment(1);
        done.serial = created.serial;
    }
    Ok(registered)
}

/// The most requests one intake is split into.
pub const MAX_SPLIT: usize = 10;

/// Everything intake decides before the store draws the serial: the area, the first events
/// (an answer on the spot included), the dispatch clock and the routing proposal.
fn prepare(
    state: &AppState,
    registrar: &Registrar,
    submission: Submission,
) -> ApiResult<(NewCase, Registered)> {
    let Submission {
        request: parsed,
        category,
        answer,
        raw,
    } = submission;
    let reference = state.reference();
    let line = category
        .and_then(|c| reference.category(c))
        .and_then(|c| c.line.clone());
    // Without a point, an address written in full as the gazetteer has it gives one.
    let location = parsed.location.or_else(|| {
        parsed
            .address
            .as_deref()
            .and_then(|a| reference.gazetteer.locate(a))
    });
    let mut area = location.and_then(|l| reference.places.place(l.lat, l.lng));
    if area.is_none() && parsed.channel == Channel::GridReport {
        // A grid worker's report without a position lies in the worker's own grid.
        area = registrar.own_grid;
    }
    let now = state.now();
    let intake_detail = vec![("channel".to_string(), parsed.channel.as_str().to_string())];
    let (mut case, received) = lifecycle::receive(parsed.kind, registrar.actor, now, intake_detail);
    let mut events = vec![received];
    if let Some(answer) = &answer {
        let reply = lifecycle::reply("answer.reply", answer)?;
        if !registrar.may_answer {
            return Err(ApiError::with_message(
                ErrorCode::Forbidden,
                "only operators answer on the spot",
            ));
        }
        let ctx = Ctx {
            org: &reference.org,
            calendars: &reference.calendars,
            rules: &reference.case_rules,
            actor: registrar.actor,
            now,
        };
        let decision = lifecycle::decide(&case, &Command::Answer { reply }, &ctx)?;
        case = decision.case;
        events.extend(decision.events);
    }
    // The hub's dispatch clock starts at intake. The serial is not drawn yet, so a request
    // answered on the spot is not drawn for a quality callback (sampling is of dispatched work).
    let mut first = lifecycle::Decision {
        case: case.clone(),
        events,
        effects: Default::default(),
    };
    let categories = reference.category_chain(category);
    let mut env = crate::services::cases::clock_env(
        &reference,
        "",
        (parsed.kind, parsed.urgency, parsed.channel),
        &categories,
        now,
    );
    env.sample_per_mille = 0;
    civicgrid_domain::clocks::plan_intake(&mut first, &env);
    let verify_code = random_code();
    let new = NewCase {
        channel: parsed.channel,
        kind: parsed.kind,
        urgency: parsed.urgency,
        category,
        line,
        content: parsed.content,
        address: parsed.address,
        location,
        caller_name: parsed.caller.name.clone(),
        caller_phone: parsed.caller.phone.as_ref().map(|p| p.as_str().to_owned()),
        caller_confidential: parsed.caller.confidential,
        area,
        intake_unit: registrar.unit,
        created_by: registrar.actor.user,
        verify_code: verify_code.clone(),
        raw_intake: raw,
        local_date: now.with_timezone(&state.time_zone).date_naive(),
        now,
        case: case.clone(),
        events: first.events,
        effects: first.effects,
    };
    let proposal = if case.state == State::Received {
        propose(&reference, category, area)
    } else {
        None
    };
    let registered = Registered {
        serial: String::new(),
        verification_code: verify_code,
        state: case.state,
        proposal,
        created_at: now,
    };
    Ok((new, registered))
}
