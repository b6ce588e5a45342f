//! What the staff pages' lists share: a request row with names instead of ids, and the
//! pager.

use std::sync::Arc;

use axum::extract::State;
use civicgrid_api::{Page, RequestQuery, RequestSummary};
use civicgrid_domain::lifecycle::Action;
use civicgrid_domain::org::Principal;
use civicgrid_domain::request::State as RequestState;
use civicgrid_domain::{CategoryId, UnitId};
use civicgrid_store::ListFilter;
use serde::Deserialize;

use super::Tr;

use crate::error::ApiResult;
use crate::state::AppState;

pub(super) type AppStateRef = State<Arc<AppState>>;

/// A list row with names instead of ids.
pub struct Row {
    pub serial: String,
    /// Callers counted on it (shown when more than one citizen asked).
    pub demand: u32,
    pub state: String,
    pub kind: String,
    pub category: String,
    pub summary: String,
    pub unit: String,
    pub band: Option<String>,
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// A leader's instruction waits for its report.
    pub instructed: bool,
    /// No grid holds it.
    pub place_unknown: bool,
}

pub fn rows(state: &AppState, items: &[RequestSummary]) -> Vec<Row> {
    let reference = state.reference();
    items
        .iter()
        .map(|s| Row {
            serial: s.serial.clone(),
            demand: s.demand,
            state: s.state.clone(),
            kind: s.kind.clone(),
            category: s
                .category
                .and_then(|c| reference.category(CategoryId(c)))
                .map(|c| c.name.clone())
                .unwrap_or_else(|| "—".into()),
            summary: s.summary.clone(),
            unit: s
                .lead_unit
                .and_then(|u| reference.org.get(UnitId(u)))
                .map(|u| u.name.clone())
                .unwrap_or_else(|| "—".into()),
            band: s.band.clone(),
            due_at: s.due_at,
            created_at: s.created_at,
            instructed: s.instructed,
            place_unknown: s.place_unknown,
        })
        .collect()
}

/// Page links for a list.
pub struct Pager {
    pub page: u32,
    pub pages: u32,
    pub total: i64,
    pub base: String,
}

impl Pager {
    pub fn new(page: u32, page_size: u32, total: i64, base: String) -> Pager {
        let pages = ((total.max(0) as u64).div_ceil(u64::from(page_size.max(1)))) as u32;
        Pager {
            page,
            pages,
            total,
            base,
        }
    }

    pub fn href(&self, page: u32) -> String {
        let sep = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{sep}page={page}", self.base)
    }
}

/// The columns every exported request list has, and a row's values under them.
pub(super) fn export_header(t: &Tr) -> Vec<String> {
    [
        "common.serial",
        "common.created",
        "common.due",
        "common.band",
        "common.state",
        "common.kind",
        "common.category",
        "common.unit",
        "common.content",
    ]
    .iter()
    .map(|k| t.s(k).to_owned())
    .collect()
}

pub(super) fn export_line(t: &Tr, r: &Row) -> Vec<String> {
    vec![
        r.serial.clone(),
        t.time(&r.created_at),
        r.due_at.map(|d| t.time(&d)).unwrap_or_default(),
        r.band.as_deref().map_or("", |b| t.w("band", b)).to_owned(),
        t.w("state", &r.state).to_owned(),
        t.w("kind", &r.kind).to_owned(),
        r.category.clone(),
        r.unit.clone(),
        r.summary.clone(),
    ]
}

pub(super) fn opt(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// A page of the requests `principal` may see that match `filter`, as list rows.
pub(super) async fn page_of(
    state: &AppState,
    principal: &Principal,
    filter: &ListFilter,
    page: u32,
    page_size: u32,
) -> ApiResult<Page<RequestSummary>> {
    let now = state.now();
    let listed = crate::services::cases::list(state, principal, filter).await?;
    Ok(crate::wire::cases::page_out(&listed, page, page_size, now))
}

/// A page of a list asked for with the API's query parameters (the case list's filters).
pub(super) async fn listed(
    state: &AppState,
    principal: &Principal,
    query: &RequestQuery,
) -> ApiResult<Page<RequestSummary>> {
    let now = state.now();
    let (filter, page, page_size) = crate::wire::cases::list_filter(query, now, state.time_zone)?;
    let listed = crate::services::cases::list(state, principal, &filter).await?;
    Ok(crate::wire::cases::page_out(&listed, page, page_size, now))
}

pub(super) fn filter(states: &[RequestState]) -> ListFilter {
    ListFilter {
        states: states.to_vec(),
        offset: 0,
        limit: 100,
        count_cap: Some(crate::wire::COUNT_CAP),
        ..Default::default()
    }
}

#[derive(Deserialize)]
pub(super) struct NoFields {}

/// A one-line message after a form (`?done=…`).
#[derive(Deserialize, Default)]
pub(super) struct Done {
    pub(super) done: Option<String>,
}

impl Done {
    pub fn flash(&self, lang: super::Lang) -> Option<String> {
        self.done.as_deref().map(|d| {
            let tr = Tr::new(lang);
            let saved = format!("flash.{d}");
            match Action::parse(d) {
                Some(a) => format!("{} · {}", tr.w("action", a.as_str()), tr.s("common.done")),
                // A form's own word (`rules`, `presets` …) reads as what was done.
                None if super::i18n::has_key(&saved) => tr.s(&saved).to_owned(),
                // Otherwise it names what was made (a unit's name, a username).
                None => d.to_owned(),
            }
        })
    }
}
