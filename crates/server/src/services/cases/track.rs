//! Public tracking by serial and verification code (throttled), and the citizen's own
//! rating, which is the request's callback.

use civicgrid_api::ErrorCode;
use civicgrid_domain::lifecycle::{self, Action, Command, Ctx};
use civicgrid_domain::org::Actor;
use civicgrid_domain::request::Rating;
use civicgrid_store::{EventRow, Loaded};

use crate::error::{ApiError, ApiResult};
use crate::services::cases::parent_of;
use crate::services::cases::plan_effects;
use crate::services::cases::refusal_to_error;
use crate::state::AppState;

/// The request behind a serial and its verification code. An unknown serial and a wrong
/// code answer alike, so serials cannot be probed; the code is compared in constant time.
pub(crate) async fn tracked(state: &AppState, serial: &str, code: &str) -> ApiResult<Loaded> {
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
    (rating, resolved, note): (Rating, bool, Option<String>),
) -> ApiResult<Tracked> {
    let loaded = tracked(state, serial, code).await?;
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
            calendars: &reference.calendars,
            rules: &reference.case_rules,
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
) -> ApiResult<Tracked> {
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

/// What a citizen sees of a request by its serial and code: the request, the moves of
/// the case (supervision inside the government left out), and the parent of a duplicate.
#[derive(Debug, Clone)]
pub struct Tracked {
    pub loaded: Loaded,
    pub timeline: Vec<EventRow>,
    pub parent: Option<Loaded>,
}

/// Public tracking by serial and verification code. An unknown serial and a wrong code
/// answer alike, so serials cannot be probed; the code is compared in constant time.
pub async fn track(state: &AppState, serial: &str, code: &str) -> ApiResult<Tracked> {
    let loaded = tracked(state, serial, code).await?;
    let row = &loaded.row;
    // Supervision inside the government (reminders, urgings, accountability findings,
    // quality checks), the review of a reply before it reaches the citizen, a unit's
    // appeal against its count and a street's rating of a department are not part of the
    // citizen's timeline; the moves of the case are.
    const INTERNAL: &[Action] = &[
        Action::Remind,
        Action::Urge,
        Action::Supervise,
        Action::HoldAccountable,
        Action::QualityCallback,
        Action::SignReply,
        Action::ApproveReply,
        Action::SendBack,
        Action::Appeal,
        Action::ApproveAppeal,
        Action::RefuseAppeal,
        Action::RateResponse,
    ];
    let timeline = state
        .store
        .events(row.id)
        .await?
        .into_iter()
        .filter(|e| !INTERNAL.iter().any(|a| a.as_str() == e.kind))
        .collect();
    let parent = parent_of(state, &row.case).await?;
    Ok(Tracked {
        loaded,
        timeline,
        parent,
    })
}
