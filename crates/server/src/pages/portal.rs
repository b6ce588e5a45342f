//! The public portal (no sign-in): submit a request with an optional photo, track it by
//! serial and verification code, rate it, and the public rankings of units. Nothing here
//! shows staff names or personal data.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use civicgrid_api::{ActionBody, CallerIn, CreateRequest, StatsOut, TrackOut};
use civicgrid_domain::request::Kind;
use serde::Deserialize;

use super::{
    Browser, CsrfForm, CsrfMultipart, Ctx, FormErrors, PageResult, form_failure, html, html_status,
    see_other,
};
use crate::pages::PageQuery;
use crate::state::AppState;
use crate::throttle::client_key;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(home).post(submit))
        .route("/track", get(track))
        .route("/track/rate", post(rate))
        .route("/rankings", get(rankings))
}

/// The request form's values, kept when it is shown again with errors.
#[derive(Default)]
pub struct PortalForm {
    pub kind: String,
    pub category: String,
    pub content: String,
    pub address: String,
    /// The point of the place chosen from the address suggestions (hidden fields).
    pub lat: String,
    pub lng: String,
    pub name: String,
    pub phone: String,
    /// The citizen asks to stay unknown to the units handling the request.
    pub confidential: bool,
}

/// A category choice for a picker: id, indented name.
pub struct Choice {
    pub value: String,
    pub label: String,
}

pub fn category_choices(state: &AppState) -> Vec<Choice> {
    let reference = state.reference();
    let mut out = Vec::new();
    let mut roots: Vec<_> = reference
        .categories
        .iter()
        .filter(|c| c.parent.is_none() && !c.retired)
        .collect();
    roots.sort_by(|a, b| a.code.cmp(&b.code));
    for root in roots {
        out.push(Choice {
            value: root.id.0.to_string(),
            label: root.name.clone(),
        });
        let mut children: Vec<_> = reference
            .categories
            .iter()
            .filter(|c| c.parent == Some(root.id) && !c.retired)
            .collect();
        children.sort_by(|a, b| a.code.cmp(&b.code));
        for child in children {
            out.push(Choice {
                value: child.id.0.to_string(),
                label: format!("{} / {}", root.name, child.name),
            });
        }
    }
    out
}

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage {
    ctx: Ctx,
    kinds: Vec<&'static str>,
    categories: Vec<Choice>,
    form: PortalForm,
    errors: FormErrors,
}

async fn home(State(state): State<Arc<AppState>>, browser: Browser) -> PageResult {
    html(PortalPage {
        ctx: Ctx::public(&browser),
        kinds: Kind::words(),
        categories: category_choices(&state),
        form: PortalForm {
            kind: "complaint".into(),
            ..Default::default()
        },
        errors: FormErrors::default(),
    })
}

fn opt(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

async fn submit(
    State(state): State<Arc<AppState>>,
    browser: Browser,
    extensions: axum::http::Extensions,
    posted: CsrfMultipart,
) -> PageResult {
    let form = PortalForm {
        kind: posted.text("kind"),
        category: posted.text("category"),
        content: posted.text("content"),
        address: posted.text("address"),
        lat: posted.text("lat"),
        lng: posted.text("lng"),
        name: posted.text("name"),
        phone: posted.text("phone"),
        confidential: !posted.text("confidential").is_empty(),
    };
    let photo = posted
        .files
        .into_iter()
        .rev()
        .find(|(name, _, _)| name == "photo")
        .map(|(_, declared, bytes)| (declared, bytes));
    let now = state.now();
    state.throttle.hit(
        &crate::throttle::SUBMIT_PER_CLIENT,
        &client_key(&extensions),
        now,
    )?;
    let body = CreateRequest {
        channel: "web".into(),
        kind: form.kind.clone(),
        content: form.content.clone(),
        category: opt(&form.category).map(|c| match c.parse::<i64>() {
            Ok(id) => serde_json::Value::from(id),
            Err(_) => serde_json::Value::String(c),
        }),
        urgency: None,
        address: opt(&form.address),
        // The point the citizen picked on the map or with an address suggestion (hidden
        // fields); without one the address alone places the request.
        location: match (
            form.lat.trim().parse::<f64>(),
            form.lng.trim().parse::<f64>(),
        ) {
            (Ok(lat), Ok(lng)) => Some(civicgrid_api::LocationIn { lat, lng }),
            _ => None,
        },
        caller: (opt(&form.name).is_some() || opt(&form.phone).is_some()).then(|| CallerIn {
            name: opt(&form.name),
            phone: opt(&form.phone),
            confidential: Some(form.confidential),
        }),
        answer: None,
    };
    let raw = serde_json::to_string(&body).map_err(ApiError::internal)?;
    let registered = match crate::wire::cases::submission(&state.reference(), &body, raw) {
        Ok(submission) => crate::services::cases::public_intake(&state, submission, photo).await,
        Err(error) => Err(error),
    };
    match registered.map(|r| crate::wire::cases::created_out(&state.org(), &r)) {
        Ok(created) => {
            let q = form_urlencoded::Serializer::new(String::new())
                .append_pair("serial", &created.serial)
                .append_pair("code", &created.verification_code)
                .append_pair("new", "1")
                .finish();
            Ok(see_other(&format!("/track?{q}"), None))
        }
        Err(error) => {
            let errors = form_failure(error)?;
            html_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                PortalPage {
                    ctx: Ctx::public(&browser),
                    kinds: Kind::words(),
                    categories: category_choices(&state),
                    form,
                    errors,
                },
            )
        }
    }
}

#[derive(Deserialize)]
struct TrackParams {
    serial: Option<String>,
    code: Option<String>,
    new: Option<String>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    ctx: Ctx,
    serial: String,
    code: String,
    found: Option<TrackOut>,
    not_found: bool,
    just_submitted: bool,
    may_rate: bool,
    errors: FormErrors,
    /// The rating form's choices, kept when it is shown again.
    values: super::FormValues,
}

async fn track(
    State(state): State<Arc<AppState>>,
    browser: Browser,
    extensions: axum::http::Extensions,
    PageQuery(params): PageQuery<TrackParams>,
) -> PageResult {
    let serial = params.serial.clone().unwrap_or_default();
    let code = params.code.clone().unwrap_or_default();
    let flash = params.done.as_deref().map(|d| match d {
        "rated" => Tr::new(browser.lang)
            .in_zone(browser.zone)
            .s("track.rated")
            .to_owned(),
        other => other.to_owned(),
    });
    let mut page = TrackPage {
        ctx: Ctx::public(&browser).with_flash(flash),
        serial: serial.clone(),
        code: code.clone(),
        found: None,
        not_found: false,
        just_submitted: params.new.is_some(),
        may_rate: false,
        errors: FormErrors::default(),
        values: super::FormValues::default(),
    };
    if serial.trim().is_empty() || code.trim().is_empty() {
        return html(page);
    }
    match crate::services::cases::track_guarded(&state, &client_key(&extensions), &serial, &code)
        .await
        .map(|tracked| crate::wire::cases::track_out(&state.reference(), &tracked))
    {
        Ok(found) => {
            page.may_rate = found.state == "resolved";
            page.found = Some(found);
            html(page)
        }
        Err(error) if error.code == civicgrid_api::ErrorCode::RequestNotFound => {
            page.not_found = true;
            html_status(StatusCode::NOT_FOUND, page)
        }
        Err(error) => Err(error.into()),
    }
}

use super::Tr;
use crate::pages::ApiError;

#[derive(Deserialize)]
struct RateForm {
    serial: String,
    code: String,
    rating: Option<String>,
    resolved: Option<String>,
    note: Option<String>,
}

async fn rate(
    State(state): State<Arc<AppState>>,
    browser: Browser,
    extensions: axum::http::Extensions,
    CsrfForm(form): CsrfForm<RateForm>,
) -> PageResult {
    let body = ActionBody {
        rating: form.rating.clone().filter(|r| !r.is_empty()),
        resolved: form.resolved.as_deref().map(|r| r == "yes"),
        note: form.note.clone().and_then(|n| opt(&n)),
        ..Default::default()
    };
    let client = client_key(&extensions);
    let result = crate::services::cases::guard_tracking(&state, &client, &form.serial, || async {
        let verdict = crate::wire::actions::rating_args(&body)?;
        crate::services::cases::rate_by_citizen(&state, &form.serial, &form.code, verdict).await
    })
    .await;
    match result {
        Ok(_) => {
            let q = form_urlencoded::Serializer::new(String::new())
                .append_pair("serial", form.serial.trim())
                .append_pair("code", form.code.trim())
                .append_pair("done", "rated")
                .finish();
            Ok(see_other(&format!("/track?{q}"), None))
        }
        Err(error) => {
            let errors = form_failure(error)?;
            let tracked =
                crate::services::cases::track_guarded(&state, &client, &form.serial, &form.code)
                    .await?;
            let found = crate::wire::cases::track_out(&state.reference(), &tracked);
            html_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                TrackPage {
                    ctx: Ctx::public(&browser),
                    serial: form.serial,
                    code: form.code,
                    may_rate: found.state == "resolved",
                    found: Some(found),
                    not_found: false,
                    just_submitted: false,
                    errors,
                    values: super::FormValues::of([
                        ("rating", form.rating.unwrap_or_default()),
                        ("resolved", form.resolved.unwrap_or_default()),
                        ("note", form.note.unwrap_or_default()),
                    ]),
                },
            )
        }
    }
}

#[derive(Template)]
#[template(path = "rankings.html")]
struct RankingsPage {
    ctx: Ctx,
    stats: StatsOut,
    tiers: Vec<TierTable>,
    metrics: Vec<&'static str>,
}

/// One tier's table of the rankings: units are ranked within a tier, never across.
pub struct TierTable {
    pub tier: String,
    pub units: Vec<civicgrid_api::UnitStatsOut>,
}

/// Splits standings (already grouped by tier) into one table per tier, at most `per_tier`
/// rows each; `ranked_only` keeps the ranked units alone. Untiered units are left out.
pub fn tier_tables(
    units: &[civicgrid_api::UnitStatsOut],
    per_tier: usize,
    ranked_only: bool,
) -> Vec<TierTable> {
    let mut tables: Vec<TierTable> = Vec::new();
    for unit in units {
        let Some(tier) = &unit.tier else { continue };
        if ranked_only && unit.rank.is_none() {
            continue;
        }
        match tables.last_mut() {
            Some(table) if table.tier == *tier => {
                if table.units.len() < per_tier {
                    table.units.push(unit.clone());
                }
            }
            _ => tables.push(TierTable {
                tier: tier.clone(),
                units: vec![unit.clone()],
            }),
        }
    }
    tables
}

/// The metrics shown as columns of the rankings, in the appraisal's order.
pub const RANKING_METRICS: &[&str] = &[
    "response",
    "on_time_acceptance",
    "on_time_resolution",
    "resolution",
    "satisfaction",
];

impl RankingsPage {
    fn rate(&self, unit: &civicgrid_api::UnitStatsOut, metric: &str) -> String {
        self.ctx
            .t
            .pct(&unit.rates.get(metric).and_then(|r| r.value))
    }
}

async fn rankings(State(state): State<Arc<AppState>>, browser: Browser) -> PageResult {
    let (from, to) = crate::wire::stats::period(state.now(), state.time_zone, None, None)?;
    let standings = crate::services::stats::units(&state, from, to, Default::default()).await?;
    let stats = crate::wire::stats::stats_out(&state.org(), &standings);
    // The public sees the ranked units only, best first within each tier.
    let tiers = tier_tables(&stats.units, usize::MAX, true);
    html(RankingsPage {
        ctx: Ctx::public(&browser),
        tiers,
        stats,
        metrics: RANKING_METRICS.to_vec(),
    })
}
