//! The case list and a request's detail page: its events, clocks, photos and exactly the
//! actions this user may take, each posted through the same service as the API's.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use civicgrid_api::{ActionBody, RequestOut};
use civicgrid_domain::lifecycle::Action;
use civicgrid_domain::request::Kind;
use serde::Deserialize;

use super::lists::{AppStateRef, Done, Pager, Row, opt, rows};
use super::portal::Choice;
use super::{
    Browser, CsrfForm, Ctx, FormErrors, FormValues, PageError, PageResult, Staff, form_failure,
    html, html_status, see_other,
};

use crate::error::ApiError;
use crate::pages::{PagePath, PageQuery};
use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/cases", get(cases))
        .route("/cases/{serial}", get(detail))
        .route("/cases/{serial}/attachments/{id}", get(attachment))
        .route("/cases/{serial}/{action}", post(act))
        .route("/intakes/{id}", get(intake))
}

#[derive(Template)]
#[template(path = "intake.html")]
struct IntakePage {
    ctx: Ctx,
    intake: civicgrid_api::IntakeOut,
    /// Who opened it and when, printed across the record so a leaked screenshot names
    /// its source.
    watermark: String,
}

/// The raw record of one intake (the call as received, its caller included), for roles
/// that read personal data; each view is audited against every request it produced.
async fn intake(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PagePath(id): PagePath<i64>,
) -> PageResult {
    let intake = crate::services::cases::read_intake(&state, &staff.principal, id).await?;
    let ctx = Ctx::staff(&browser, &staff, &state);
    let watermark = format!(
        "{} · {}",
        staff.principal.username,
        ctx.t.time(&state.now())
    );
    html(IntakePage {
        ctx,
        intake: crate::wire::cases::intake_out(&intake),
        watermark,
    })
}

#[derive(Deserialize)]
pub(super) struct CasesParams {
    state: Option<String>,
    band: Option<String>,
    kind: Option<String>,
    unit: Option<i64>,
    q: Option<String>,
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "cases.html")]
pub(super) struct CasesPage {
    ctx: Ctx,
    rows: Vec<Row>,
    pager: Pager,
    states: Vec<&'static str>,
    bands: Vec<&'static str>,
    kinds: Vec<&'static str>,
    state: String,
    band: String,
    kind: String,
}

async fn cases(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PageQuery(params): PageQuery<CasesParams>,
) -> PageResult {
    if let Some(q) = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        return Ok(see_other(&format!("/cases/{q}"), None));
    }
    let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let query = civicgrid_api::RequestQuery {
        state: nonempty(&params.state),
        unit: params.unit,
        category: None,
        kind: nonempty(&params.kind),
        band: nonempty(&params.band),
        page: params.page,
        page_size: Some(50),
    };
    let list = super::lists::listed(&state, &staff.principal, &query).await?;
    let base = {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("state", &query.state),
            ("band", &query.band),
            ("kind", &query.kind),
        ] {
            if let Some(v) = v {
                q.append_pair(k, v);
            }
        }
        if let Some(u) = query.unit {
            q.append_pair("unit", &u.to_string());
        }
        format!("/cases?{}", q.finish())
    };
    html(CasesPage {
        ctx: Ctx::staff(&browser, &staff, &state),
        rows: rows(&state, &list.items),
        pager: Pager::new(list.page, list.page_size, list.total, base),
        states: civicgrid_domain::request::State::words(),
        bands: civicgrid_domain::deadline::Band::words(),
        kinds: Kind::words(),
        state: query.state.unwrap_or_default(),
        band: query.band.unwrap_or_default(),
        kind: query.kind.unwrap_or_default(),
    })
}

// ---------------------------------------------------------------- request detail

/// An action button on the detail page and the fields its form asks for.
pub struct ActionView {
    pub name: &'static str,
    pub fields: Vec<&'static str>,
    /// The form that just failed: shown open, with its errors and values.
    pub open: bool,
    /// The unit the form's unit choice starts on: the user's own, for the moves a unit
    /// makes for itself (answering a coordination, reporting on site, an assist report).
    pub own_unit: Option<String>,
}

/// The fields each action's form asks for: the action's arguments (`Action::arguments`).
pub(super) fn action_fields(action: Action) -> Vec<&'static str> {
    action.arguments().iter().map(|a| a.as_str()).collect()
}

#[derive(Template)]
#[template(path = "detail.html")]
pub(super) struct DetailPage {
    ctx: Ctx,
    r: RequestOut,
    /// Whether the reader may open the raw intake record (it holds personal data).
    reads_intake: bool,
    events: Vec<civicgrid_api::EventOut>,
    actions: Vec<ActionView>,
    units: Vec<Choice>,
    cancel_reasons: Vec<Choice>,
    outcomes: Vec<&'static str>,
    platforms: Vec<&'static str>,
    causes: Vec<&'static str>,
    grounds: Vec<&'static str>,
    errors: FormErrors,
    values: FormValues,
}

impl DetailPage {
    /// The assisting units' reports, oldest first, for the lead to read before resolving.
    fn assist_reports(&self) -> Vec<(String, chrono::DateTime<chrono::Utc>, String)> {
        self.events
            .iter()
            .filter(|e| e.kind == "assist_report")
            .map(|e| {
                let unit = e
                    .detail
                    .get("unit")
                    .and_then(|id| self.units.iter().find(|u| &u.value == id))
                    .map_or_else(|| "—".to_owned(), |u| u.label.clone());
                (unit, e.at, e.reason.clone().unwrap_or_default())
            })
            .collect()
    }

    /// Whether a unit was among the choices of a multiple select the failed form sent.
    fn chosen(&self, field: &str, unit: &str) -> bool {
        self.values.get(field).split(',').any(|v| v == unit)
    }

    fn error(&self, action: &ActionView, field: &str) -> Option<&str> {
        if action.open {
            self.errors.get(field)
        } else {
            None
        }
    }
}

async fn detail_page(
    state: &Arc<AppState>,
    browser: &Browser,
    staff: &Staff,
    serial: &str,
    flash: Option<String>,
    errors: FormErrors,
    failed: Option<(Action, FormValues)>,
) -> Result<DetailPage, PageError> {
    let loaded = crate::services::cases::load_visible(state, &staff.principal, serial).await?;
    let available = crate::services::cases::available_actions(state, &staff.principal, &loaded);
    let cancel_reasons = if available.contains(&Action::Cancel) {
        state
            .store
            .list_cancel_reasons()
            .await?
            .into_iter()
            .map(|c| Choice {
                value: c.code,
                label: c.label,
            })
            .collect()
    } else {
        Vec::new()
    };
    let failed_action = failed.as_ref().map(|(a, _)| *a);
    let actions = available
        .into_iter()
        .map(|a| ActionView {
            name: a.as_str(),
            fields: action_fields(a),
            open: Some(a) == failed_action,
            own_unit: matches!(
                a,
                Action::AnswerCoordination | Action::ReportOnSite | Action::AssistReport
            )
            .then(|| staff.principal.unit.0.to_string()),
        })
        .collect();
    let view = crate::services::cases::view(state, &staff.principal, loaded).await?;
    let r = crate::wire::cases::request_out(&state.reference(), &view);
    let reads_intake = view.reads_personal && r.intake.is_some();
    let events = crate::services::cases::history(state, &view.loaded)
        .await?
        .into_iter()
        .map(crate::wire::cases::event_out)
        .collect();
    let org = state.org();
    let units = org
        .units()
        .map(|u| Choice {
            value: u.id.0.to_string(),
            label: u.name.clone(),
        })
        .collect();
    Ok(DetailPage {
        reads_intake,
        ctx: Ctx::staff(browser, staff, state).with_flash(flash),
        r,
        events,
        actions,
        units,
        cancel_reasons,
        outcomes: civicgrid_domain::request::Outcome::words(),
        platforms: civicgrid_domain::request::Platform::words(),
        causes: civicgrid_domain::lifecycle::NoCallback::words(),
        grounds: civicgrid_domain::lifecycle::AppealGround::words(),
        errors,
        values: failed.map(|(_, v)| v).unwrap_or_default(),
    })
}

async fn detail(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PagePath(serial): PagePath<String>,
    PageQuery(done): PageQuery<Done>,
) -> PageResult {
    let flash = done.flash(browser.lang);
    html(
        detail_page(
            &state,
            &browser,
            &staff,
            &serial,
            flash,
            FormErrors::default(),
            None,
        )
        .await?,
    )
}

async fn attachment(
    State(state): AppStateRef,
    staff: Staff,
    PagePath((serial, id)): PagePath<(String, i64)>,
) -> PageResult {
    let (content_type, body) =
        crate::services::cases::photo(&state, &staff.principal, &serial, id).await?;
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

/// Any action's form: the same fields as the API's action body.
#[derive(Deserialize, Default)]
pub(super) struct ActionForm {
    #[serde(default)]
    unit: String,
    /// Repeated `units` / `assisting` fields: a multiple select's choices.
    #[serde(default)]
    units: Vec<String>,
    #[serde(default)]
    assisting: Vec<String>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    reply: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    proper_owner: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    resolved: String,
    #[serde(default)]
    working_days: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    platform: String,
    #[serde(default)]
    complex: String,
    #[serde(default)]
    important: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    falsified: String,
    #[serde(default)]
    ground: String,
    #[serde(default)]
    opinion: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    owns: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    cites: String,
    /// Where to go after success (a list page), else the request's own page.
    #[serde(default)]
    back: String,
}

impl ActionForm {
    /// What was typed, to show the form again after a failure.
    fn values(&self) -> FormValues {
        FormValues::of([
            ("unit", self.unit.clone()),
            ("units", self.units.join(",")),
            ("assisting", self.assisting.join(",")),
            ("reason", self.reason.clone()),
            ("cancel_reason", self.reason.clone()),
            ("note", self.note.clone()),
            ("reply", self.reply.clone()),
            ("outcome", self.outcome.clone()),
            ("proper_owner", self.proper_owner.clone()),
            ("rating", self.rating.clone()),
            ("resolved", self.resolved.clone()),
            ("working_days", self.working_days.clone()),
            ("parent", self.parent.clone()),
            ("platform", self.platform.clone()),
            ("complex", self.complex.clone()),
            ("important", self.important.clone()),
            ("cause", self.cause.clone()),
            ("falsified", self.falsified.clone()),
            ("ground", self.ground.clone()),
            ("opinion", self.opinion.clone()),
            ("capacity", self.capacity.clone()),
            ("owns", self.owns.clone()),
            ("minutes", self.minutes.clone()),
            ("owner", self.owner.clone()),
            ("rule", self.rule.clone()),
            ("cites", self.cites.clone()),
        ])
    }

    fn body(&self) -> Result<ActionBody, ApiError> {
        let int = |field: &str, raw: &str| -> Result<Option<i64>, ApiError> {
            opt(raw)
                .map(|t| {
                    t.parse::<i64>()
                        .map_err(|_| ApiError::field(field, "must be a number"))
                })
                .transpose()
        };
        let ids = |field: &str, chosen: &[String]| -> Result<Option<Vec<i64>>, ApiError> {
            let ids = chosen
                .iter()
                .flat_map(|t| t.split([',', ',', ' ']))
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<i64>()
                        .map_err(|_| ApiError::field(field, "choose units from the list"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok((!ids.is_empty()).then_some(ids))
        };
        Ok(ActionBody {
            unit: int("unit", &self.unit)?,
            assisting: ids("assisting", &self.assisting)?,
            units: ids("units", &self.units)?,
            reason: opt(&self.reason),
            note: opt(&self.note),
            reply: opt(&self.reply),
            outcome: opt(&self.outcome),
            proper_owner: opt(&self.proper_owner),
            rating: opt(&self.rating),
            resolved: match self.resolved.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
            working_days: int("working_days", &self.working_days)?
                .map(|d| u32::try_from(d).map_err(|_| ApiError::field("working_days", "too large")))
                .transpose()?,
            parent: opt(&self.parent),
            platform: opt(&self.platform),
            complex: Some(self.complex == "yes"),
            important: Some(self.important == "yes"),
            cause: opt(&self.cause),
            falsified: Some(self.falsified == "yes"),
            ground: opt(&self.ground),
            opinion: opt(&self.opinion),
            capacity: opt(&self.capacity),
            owns: match self.owns.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
            minutes: opt(&self.minutes),
            owner: int("owner", &self.owner)?,
            rule: Some(self.rule == "yes"),
            cites: opt(&self.cites),
        })
    }
}

async fn act(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PagePath((serial, action)): PagePath<(String, String)>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> PageResult {
    let action =
        Action::parse(&action).ok_or_else(|| ApiError::new(civicgrid_api::ErrorCode::NotFound))?;
    let values = form.values();
    let wanted = form
        .body()
        .and_then(|body| crate::wire::actions::move_for(action, &body));
    let result = match wanted {
        Ok(wanted) => crate::services::cases::act(&state, &staff.principal, &serial, wanted)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            let back = if form.back.starts_with('/') && !form.back.starts_with("//") {
                form.back.clone()
            } else {
                format!("/cases/{serial}")
            };
            Ok(see_other(&back, Some(action.as_str())))
        }
        Err(error) => {
            let errors = form_failure(error)?;
            let page = detail_page(
                &state,
                &browser,
                &staff,
                &serial,
                None,
                errors,
                Some((action, values)),
            )
            .await?;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}
