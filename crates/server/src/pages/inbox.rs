//! A unit's inbox: its open cases soonest deadline first, the leaders' instructions waiting
//! for its report, and the urging notices to acknowledge.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use civicgrid_api::NoticeOut;
use civicgrid_domain::org::Role;
use civicgrid_domain::request::State as RequestState;
use serde::Deserialize;

use super::lists::{AppStateRef, Done, NoFields, Pager, Row, filter, rows};
use super::{Browser, CsrfForm, Ctx, PageResult, Staff, html, see_other};

use crate::error::ApiError;
use crate::pages::{PagePath, PageQuery};
use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/inbox", get(inbox))
        .route("/inbox.csv", get(export))
        .route("/notices/{id}/read", post(read_notice))
}

// ---------------------------------------------------------------- inbox and lists

#[derive(Template)]
#[template(path = "inbox.html")]
pub(super) struct InboxPage {
    ctx: Ctx,
    rows: Vec<Row>,
    pager: Pager,
    notices: Vec<NoticeOut>,
    /// Leaders' instructions to the unit still waiting for its report.
    instructions: Vec<civicgrid_api::InstructionOut>,
}

#[derive(Deserialize)]
pub(super) struct PageParams {
    page: Option<u32>,
    done: Option<String>,
}

pub(super) const OPEN_STATES: &[RequestState] = &[
    // A coordination the unit takes part in (or convened) waits for its answer.
    RequestState::Coordinating,
    RequestState::Dispatched,
    RequestState::Accepted,
    RequestState::InProgress,
    RequestState::Suspended,
    RequestState::Reopened,
    // A reply awaiting its unit head's signature (or the hub's check).
    RequestState::Reviewing,
];

/// The inbox is a unit's: administrators, who belong to no handling unit, have none.
fn require_unit(staff: &Staff) -> Result<(), ApiError> {
    if crate::access::holds(&staff.principal, &[Role::Handler, Role::UnitHead]) {
        Ok(())
    } else {
        Err(ApiError::with_message(
            civicgrid_api::ErrorCode::Forbidden,
            "the inbox belongs to handling units",
        ))
    }
}

/// The unit's open cases, soonest deadline first.
fn open_cases(offset: i64, limit: i64) -> civicgrid_store::ListFilter {
    let mut f = filter(OPEN_STATES);
    f.by_deadline = true;
    f.offset = offset;
    f.limit = limit;
    f
}

/// The unit's open cases as CSV, soonest deadline first, with the exporter's watermark.
async fn export(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
) -> Result<axum::response::Response, super::PageError> {
    require_unit(&staff)?;
    let list = super::lists::page_of(
        &state,
        &staff.principal,
        &open_cases(0, super::export::EXPORT_ROWS),
        1,
        1,
    )
    .await?;
    let t = super::Tr::new(browser.lang).in_zone(browser.zone);
    Ok(super::export::requests_download(
        &t,
        &staff.principal.username,
        &state.now(),
        "inbox.csv",
        &rows(&state, &list.items),
    )?)
}

async fn inbox(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PageQuery(params): PageQuery<PageParams>,
) -> PageResult {
    require_unit(&staff)?;
    let (page, page_size, offset, limit) = crate::wire::paging(params.page, Some(50))?;
    let f = open_cases(offset, limit);
    let list = super::lists::page_of(&state, &staff.principal, &f, page, page_size).await?;
    let (notices, _) =
        crate::services::supervision::notices(&state, &staff.principal, None, None, true, (0, 20))
            .await?;
    let org = state.org();
    let notices = notices
        .iter()
        .map(|n| crate::wire::cases::notice_out(&org, n))
        .collect();
    let waiting = civicgrid_store::InstructionFilter {
        pending: true,
        limit: 50,
        ..Default::default()
    };
    let (instructions, _) =
        crate::services::instructions::list(&state, &staff.principal, waiting, false).await?;
    let now = state.now();
    let instructions = instructions
        .iter()
        .map(|i| crate::wire::instructions::instruction_out(&org, i, now))
        .collect();
    let done = Done { done: params.done };
    html(InboxPage {
        ctx: Ctx::staff(&browser, &staff, &state).with_flash(done.flash(browser.lang)),
        rows: rows(&state, &list.items),
        pager: Pager::new(page, page_size, list.total, "/inbox".into()),
        notices,
        instructions,
    })
}

async fn read_notice(
    State(state): AppStateRef,
    staff: Staff,
    PagePath(id): PagePath<i64>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> PageResult {
    crate::services::supervision::read_notice(&state, &staff.principal, id).await?;
    Ok(see_other("/inbox", None))
}
