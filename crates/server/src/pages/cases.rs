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
use civicgrid_domain::UnitId;
use civicgrid_domain::lifecycle::Action;
use civicgrid_domain::org::UnitKind;
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
        .route("/cases.csv", get(export))
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

#[derive(Deserialize, Default)]
pub(super) struct CasesParams {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    band: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    unit: Option<i64>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    min_demand: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    /// `yes`: only requests with a leader's instruction.
    #[serde(default)]
    instructed: Option<String>,
    /// `yes`: only requests no grid holds.
    #[serde(default)]
    place_unknown: Option<String>,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    page: Option<u32>,
}

impl CasesParams {
    /// A field as typed, for the form shown again ("" when none).
    fn get(&self, name: &str) -> String {
        let v = match name {
            "state" => &self.state,
            "band" => &self.band,
            "kind" => &self.kind,
            "channel" => &self.channel,
            "address" => &self.address,
            "from" => &self.from,
            "to" => &self.to,
            "min_demand" => &self.min_demand,
            "phone" => &self.phone,
            "instructed" => &self.instructed,
            "place_unknown" => &self.place_unknown,
            _ => &None,
        };
        v.clone().unwrap_or_default()
    }

    /// The filter as the API's query (blank fields absent), and the same as a query string
    /// for the pager and the export link.
    fn query(&self) -> Result<(civicgrid_api::RequestQuery, String), ApiError> {
        let text = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        let day = |field: &str, v: &Option<String>| {
            text(v)
                .map(|d| {
                    chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                        .map_err(|_| ApiError::query(field, "must be a date, YYYY-MM-DD"))
                })
                .transpose()
        };
        let min_demand = text(&self.min_demand)
            .map(|n| {
                n.trim()
                    .parse::<u32>()
                    .map_err(|_| ApiError::query("min_demand", "must be a whole number"))
            })
            .transpose()?;
        let query = civicgrid_api::RequestQuery {
            state: text(&self.state),
            unit: self.unit,
            kind: text(&self.kind),
            band: text(&self.band),
            channel: text(&self.channel),
            address: text(&self.address),
            from: day("from", &self.from)?,
            to: day("to", &self.to)?,
            min_demand,
            phone: text(&self.phone),
            instructed: (self.instructed.as_deref() == Some("yes")).then_some(true),
            place_unknown: (self.place_unknown.as_deref() == Some("yes")).then_some(true),
            page: self.page,
            page_size: Some(50),
            ..Default::default()
        };
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("state", &query.state),
            ("band", &query.band),
            ("kind", &query.kind),
            ("channel", &query.channel),
            ("address", &query.address),
            ("phone", &query.phone),
        ] {
            if let Some(v) = v {
                q.append_pair(k, v);
            }
        }
        for (k, v) in [("from", query.from), ("to", query.to)] {
            if let Some(v) = v {
                q.append_pair(k, &v.to_string());
            }
        }
        if let Some(u) = query.unit {
            q.append_pair("unit", &u.to_string());
        }
        if let Some(n) = query.min_demand {
            q.append_pair("min_demand", &n.to_string());
        }
        if query.instructed == Some(true) {
            q.append_pair("instructed", "yes");
        }
        if query.place_unknown == Some(true) {
            q.append_pair("place_unknown", "yes");
        }
        Ok((query, q.finish()))
    }
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
    channels: Vec<&'static str>,
    params: CasesParams,
    /// The filter as a query string, for the export link.
    filter: String,
    /// Whether the reader may search by a caller's phone.
    phone_search: bool,
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
    let (query, filter) = params.query()?;
    let list = super::lists::listed(&state, &staff.principal, &query).await?;
    html(CasesPage {
        ctx: Ctx::staff(&browser, &staff, &state),
        rows: rows(&state, &list.items),
        pager: Pager::new(
            list.page,
            list.page_size,
            list.total,
            format!("/cases?{filter}"),
        ),
        states: civicgrid_domain::request::State::words(),
        bands: civicgrid_domain::deadline::Band::words(),
        kinds: Kind::words(),
        channels: civicgrid_domain::request::Channel::words(),
        phone_search: crate::access::require_caller_lookup(&staff.principal).is_ok(),
        params,
        filter,
    })
}

/// The filtered case list as CSV: no caller data in it (lists never carry any), and a first
/// line naming who exported it and when, so a copy that travels says where it came from.
async fn export(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PageQuery(params): PageQuery<CasesParams>,
) -> Result<axum::response::Response, PageError> {
    let (mut query, _) = params.query()?;
    query.page = Some(1);
    let now = state.now();
    let (mut filter, _, _) = crate::wire::cases::list_filter(&query, now, state.time_zone)?;
    // Past the API's page size: an export is one file, up to its own bound.
    filter.offset = 0;
    filter.limit = super::export::EXPORT_ROWS;
    let listed = crate::services::cases::list(&state, &staff.principal, &filter).await?;
    let items = crate::wire::cases::summaries(&listed.items, now);
    let rows = rows(&state, &items);
    let t = super::i18n::Tr::new(browser.lang).in_zone(browser.zone);
    Ok(super::export::requests_download(
        &t,
        &staff.principal.username,
        &now,
        "cases.csv",
        &rows,
    )?)
}

// ---------------------------------------------------------------- request detail

/// An action button on the detail page and the fields its form asks for.
pub struct ActionView {
    pub name: &'static str,
    pub fields: Vec<&'static str>,
    /// The form that just failed: shown open, with its errors and values.
    pub open: bool,
    /// The unit the form's unit choice starts on: the user's own, for the moves a unit
    /// makes for itself (answering a coordination, reporting on site, an assist report);
    /// the handling unit for a leader's instruction.
    pub own_unit: Option<String>,
    /// The instructions this person may acknowledge or report on, by number.
    pub instructions: Vec<u32>,
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
    /// Where it lies: the area's place code, community and street ("" for none).
    place: String,
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
    crate::services::supervision::seen(state, &staff.principal, loaded.row.id).await?;
    // The header counts what is still unread once this page has been seen.
    let unread = match staff.unread {
        Some(_) => crate::services::supervision::unread_count(state, &staff.principal).await?,
        None => None,
    };
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
    let org = state.org();
    let scope = crate::services::cases::scope_of(&loaded);
    let actions = available
        .into_iter()
        .map(|a| ActionView {
            name: a.as_str(),
            fields: action_fields(a),
            open: Some(a) == failed_action,
            own_unit: match a {
                Action::AnswerCoordination | Action::ReportOnSite | Action::AssistReport => {
                    Some(staff.principal.unit.0.to_string())
                }
                Action::Instruct => loaded.row.case.lead.map(|u| u.0.to_string()),
                _ => None,
            },
            instructions: crate::services::cases::instructions_for(
                &staff.principal,
                a,
                &scope,
                &loaded,
                &org,
            )
            .collect(),
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
    let place = r.area.as_ref().map_or_else(String::new, |area| {
        let reference = state.reference();
        let unit = UnitId(area.id);
        let mut parts: Vec<String> = reference
            .codes
            .code(unit)
            .map(str::to_owned)
            .into_iter()
            .collect();
        for kind in [UnitKind::Community, UnitKind::Street] {
            if let Some(name) = org
                .enclosing(unit, kind)
                .filter(|u| *u != unit)
                .and_then(|u| org.get(u))
            {
                parts.push(name.name.clone());
            }
        }
        parts.join(" · ")
    });
    let units = org
        .units()
        .map(|u| Choice {
            value: u.id.0.to_string(),
            label: u.name.clone(),
        })
        .collect();
    Ok(DetailPage {
        reads_intake,
        ctx: Ctx::staff(browser, staff, state)
            .with_flash(flash)
            .with_unread(unread),
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
        place,
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
    #[serde(default)]
    text: String,
    #[serde(default)]
    instruction: String,
    #[serde(default)]
    report: String,
    #[serde(default)]
    grid: String,
    /// `LAT,LNG`, typed or picked on the map.
    #[serde(default)]
    location: String,
    #[serde(default)]
    address: String,
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
            ("text", self.text.clone()),
            ("instruction", self.instruction.clone()),
            ("report", self.report.clone()),
            ("grid", self.grid.clone()),
            ("location", self.location.clone()),
            ("address", self.address.clone()),
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
            text: opt(&self.text),
            instruction: int("instruction", &self.instruction)?
                .map(|n| {
                    u32::try_from(n)
                        .map_err(|_| ApiError::field("instruction", "no such instruction"))
                })
                .transpose()?,
            report: opt(&self.report),
            grid: opt(&self.grid),
            location: opt(&self.location)
                .map(|raw| {
                    crate::wire::places::lat_lng("location", &raw)
                        .map(|(lat, lng)| civicgrid_api::LocationIn { lat, lng })
                        .map_err(|_| {
                            ApiError::field("location", "must be LAT,LNG, e.g. 38.92,121.63")
                        })
                })
                .transpose()?,
            address: opt(&self.address),
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
