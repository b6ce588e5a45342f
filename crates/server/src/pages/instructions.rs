//! Leaders' instructions (领导批示): a leader's list of what he instructed and where each
//! stands; a unit's list of what it was instructed to do; the hub's list of all. Filtered
//! by state (waiting, overdue, reported …), exported as CSV.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use civicgrid_api::{InstructionOut, InstructionQuery};
use civicgrid_domain::org::{Principal, Role};
use serde::Deserialize;

use super::lists::{AppStateRef, Pager};
use super::{Browser, Ctx, PageError, PageResult, Staff, html};

use crate::pages::PageQuery;
use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/instructions", get(list))
        .route("/instructions.csv", get(export))
}

const PAGE_SIZE: u32 = 50;

#[derive(Deserialize, Default)]
struct Params {
    /// `mine`: those the reader gave; `all`: every one the reader may see. Leaders start
    /// on their own.
    scope: Option<String>,
    state: Option<String>,
    page: Option<u32>,
}

impl Params {
    fn mine(&self, principal: &Principal) -> bool {
        match self.scope.as_deref() {
            Some("mine") => true,
            Some(_) => false,
            None => crate::access::holds(principal, &[Role::Leader]),
        }
    }

    fn query(&self, principal: &Principal, page: Option<u32>, size: u32) -> InstructionQuery {
        InstructionQuery {
            mine: Some(self.mine(principal)),
            unit: None,
            state: self.state.clone().filter(|s| !s.trim().is_empty()),
            page,
            page_size: Some(size),
        }
    }

    fn filter_string(&self, principal: &Principal) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("scope", if self.mine(principal) { "mine" } else { "all" });
        if let Some(state) = self.state.as_deref().filter(|s| !s.trim().is_empty()) {
            q.append_pair("state", state);
        }
        q.finish()
    }
}

#[derive(Template)]
#[template(path = "instructions.html")]
struct InstructionsPage {
    ctx: Ctx,
    items: Vec<InstructionOut>,
    pager: Pager,
    mine: bool,
    state: String,
    states: Vec<&'static str>,
    filter: String,
}

/// The states a list may be narrowed to, in the order a reader thinks of them.
const STATES: &[&str] = &["pending", "overdue", "open", "acknowledged", "reported"];

async fn fetch(
    state: &AppState,
    principal: &Principal,
    query: &InstructionQuery,
    (offset, limit): (i64, i64),
) -> Result<(Vec<InstructionOut>, i64), PageError> {
    let now = state.now();
    let filter = crate::wire::instructions::filter(query, now, offset, limit)?;
    let (rows, total) =
        crate::services::instructions::list(state, principal, filter, query.mine.unwrap_or(false))
            .await?;
    let org = state.org();
    Ok((
        rows.iter()
            .map(|i| crate::wire::instructions::instruction_out(&org, i, now))
            .collect(),
        total,
    ))
}

async fn list(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PageQuery(params): PageQuery<Params>,
) -> PageResult {
    let (page, page_size, offset, limit) = crate::wire::paging(params.page, Some(PAGE_SIZE))?;
    let query = params.query(&staff.principal, Some(page), page_size);
    let (items, total) = fetch(&state, &staff.principal, &query, (offset, limit)).await?;
    let filter = params.filter_string(&staff.principal);
    html(InstructionsPage {
        ctx: Ctx::staff(&browser, &staff, &state),
        items,
        pager: Pager::new(page, page_size, total, format!("/instructions?{filter}")),
        mine: params.mine(&staff.principal),
        state: params.state.clone().unwrap_or_default(),
        states: STATES.to_vec(),
        filter,
    })
}

/// The filtered list as CSV, with the exporter's watermark.
async fn export(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PageQuery(params): PageQuery<Params>,
) -> Result<axum::response::Response, PageError> {
    let query = params.query(&staff.principal, None, PAGE_SIZE);
    let (items, _) = fetch(
        &state,
        &staff.principal,
        &query,
        (0, super::export::EXPORT_ROWS),
    )
    .await?;
    let t = super::i18n::Tr::new(browser.lang).in_zone(browser.zone);
    let time =
        |at: &Option<chrono::DateTime<chrono::Utc>>| at.map(|at| t.time(&at)).unwrap_or_default();
    let lines: Vec<Vec<String>> = items
        .iter()
        .map(|i| {
            vec![
                i.serial.clone(),
                i.number.to_string(),
                i.leader.clone().unwrap_or_default(),
                t.time(&i.given_at),
                i.unit.name.clone(),
                i.text.clone(),
                time(&i.deadline),
                t.w("instruction_state", &i.state).to_owned(),
                if i.overdue {
                    t.s("instructions.overdue").to_owned()
                } else {
                    String::new()
                },
                time(&i.reported_at),
                i.report.clone().unwrap_or_default(),
            ]
        })
        .collect();
    Ok(super::export::csv_download(
        &t,
        &staff.principal.username,
        &state.now(),
        ("instructions.csv", super::export::EXPORT_ROWS),
        &[
            t.s("common.serial"),
            t.s("instructions.number"),
            t.s("instructions.leader"),
            t.s("instructions.given_at"),
            t.s("common.unit"),
            t.s("instructions.text"),
            t.s("instructions.deadline_col"),
            t.s("common.state"),
            t.s("instructions.overdue"),
            t.s("instructions.reported_at"),
            t.s("instructions.report"),
        ],
        &lines,
    )?)
}
