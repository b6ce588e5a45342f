//! The dispatch board: the queue with the routing table's proposal, bulk dispatch, returned
//! and coordination cases, and extensions to decide.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use civicgrid_api::RequestSummary;
use civicgrid_domain::lifecycle::{Basis, Command};
use civicgrid_domain::org::Role;
use civicgrid_domain::request::State as RequestState;
use civicgrid_domain::{CategoryId, UnitId};
use serde::Deserialize;

use super::lists::{AppStateRef, Done, Row, filter, rows};
use super::portal::Choice;
use super::{Browser, CsrfForm, Ctx, PageError, PageResult, Staff, Tr, html, require, see_other};

use crate::pages::PageQuery;
use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/dispatch", get(dispatch_board).post(bulk_dispatch))
        .route("/dispatch.csv", get(export))
}

// ---------------------------------------------------------------- dispatch board

/// A request awaiting dispatch, with the routing table's proposal and why.
pub struct QueueRow {
    pub row: Row,
    pub proposed: Option<(i64, String)>,
    pub basis: Option<String>,
    pub reason: Option<String>,
    pub pending_days: Option<u32>,
    /// How long it has waited at the hub since intake, in seconds.
    pub waited: Option<i64>,
    /// A returned request: the unit that returned it and the owner it named.
    pub returned_by: Option<String>,
    pub proper_owner: Option<String>,
    /// Dispatched so often without an owner that the hub must designate one.
    pub must_designate: bool,
}

/// A reply under review, for the hub to approve or send back.
pub(super) struct ReplyRow {
    row: Row,
    reply: String,
    cites: Option<String>,
    /// `sign` (still with the unit head) or `check` (the hub's to decide).
    step: &'static str,
}

#[derive(Template)]
#[template(path = "dispatch.html")]
pub(super) struct DispatchPage {
    ctx: Ctx,
    queue: Vec<QueueRow>,
    returned: Vec<QueueRow>,
    replies: Vec<ReplyRow>,
    coordinating: Vec<Row>,
    extensions: Vec<QueueRow>,
    units: Vec<Choice>,
    queue_total: i64,
}

pub(super) fn unit_choices(state: &AppState) -> Vec<Choice> {
    use civicgrid_domain::org::UnitKind;
    let org = state.org();
    let mut units: Vec<_> = org
        .units()
        .filter(|u| {
            !u.disabled
                && matches!(
                    u.kind,
                    UnitKind::Department | UnitKind::Utility | UnitKind::Street | UnitKind::Centre
                )
        })
        .map(|u| Choice {
            value: u.id.0.to_string(),
            label: u.name.clone(),
        })
        .collect();
    units.sort_by(|a, b| a.label.cmp(&b.label));
    units
}

async fn queue_rows(
    state: &AppState,
    staff: &Staff,
    items: &[RequestSummary],
    with_reason: Option<&str>,
) -> Result<Vec<QueueRow>, PageError> {
    let reference = state.reference();
    let now = state.now();
    let mut out = Vec::new();
    for (item, row) in items.iter().zip(rows(state, items)) {
        let waited = (item.state == RequestState::Received.as_str())
            .then(|| (now - item.created_at).num_seconds());
        let proposal = crate::services::cases::propose(
            &reference,
            item.category.map(CategoryId),
            item.area.map(UnitId),
        );
        let reason = match with_reason {
            Some(kind) => crate::services::cases::events(state, &staff.principal, &item.serial)
                .await?
                .into_iter()
                .map(crate::wire::cases::event_out)
                .rev()
                .find(|e| e.kind == kind)
                .and_then(|e| {
                    e.reason
                        .or_else(|| e.detail.get("working_days").map(|d| d.to_string()))
                }),
            None => None,
        };
        out.push(QueueRow {
            row,
            proposed: proposal
                .as_ref()
                .map(|p| (p.unit.0, crate::wire::unit_ref(&reference.org, p.unit).name)),
            basis: proposal.map(|p| p.basis.as_str().to_owned()),
            reason,
            pending_days: None,
            waited,
            returned_by: None,
            proper_owner: None,
            must_designate: false,
        });
    }
    Ok(out)
}

/// The queue as CSV, the nearest dispatch deadline first, with the routing table's
/// proposal and why, and the exporter's watermark.
async fn export(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
) -> Result<axum::response::Response, PageError> {
    require(&staff, &[Role::Dispatcher])?;
    let mut queue = filter(&[RequestState::Received]);
    queue.by_deadline = true;
    queue.limit = super::export::EXPORT_ROWS;
    let queue = super::lists::page_of(&state, &staff.principal, &queue, 1, 1).await?;
    let t = Tr::new(browser.lang).in_zone(browser.zone);
    let lines: Vec<Vec<String>> = queue_rows(&state, &staff, &queue.items, None)
        .await?
        .iter()
        .map(|q| {
            let mut line = super::lists::export_line(&t, &q.row);
            line.push(q.proposed.as_ref().map(|p| p.1.clone()).unwrap_or_default());
            line.push(
                q.basis
                    .as_deref()
                    .map(|b| t.w("basis", b).to_owned())
                    .unwrap_or_default(),
            );
            line
        })
        .collect();
    let mut header = super::lists::export_header(&t);
    header.push(t.s("detail.proposal").to_owned());
    header.push(t.s("dispatch.basis").to_owned());
    Ok(super::export::csv_download(
        &t,
        &staff.principal.username,
        &state.now(),
        ("dispatch-queue.csv", super::export::EXPORT_ROWS),
        &header,
        &lines,
    )?)
}

async fn dispatch_board(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PageQuery(done): PageQuery<Done>,
) -> PageResult {
    require(&staff, &[Role::Dispatcher])?;
    let p = &staff.principal;
    let mut oldest_first = filter(&[RequestState::Received]);
    oldest_first.by_deadline = true;
    let queue = super::lists::page_of(&state, p, &oldest_first, 1, 100).await?;
    let mut returned = filter(&[RequestState::Returned]);
    returned.by_deadline = true;
    let returned = super::lists::page_of(&state, p, &returned, 1, 100).await?;
    let coordinating =
        super::lists::page_of(&state, p, &filter(&[RequestState::Coordinating]), 1, 100).await?;
    let mut reviewing = filter(&[RequestState::Reviewing]);
    reviewing.by_deadline = true;
    let reviewing = super::lists::page_of(&state, p, &reviewing, 1, 100).await?;
    let mut replies = Vec::new();
    for (row, item) in rows(&state, &reviewing.items)
        .into_iter()
        .zip(&reviewing.items)
    {
        let loaded = crate::services::cases::load_visible(&state, p, &item.serial).await?;
        let case = &loaded.row.case;
        replies.push(ReplyRow {
            row,
            reply: case.reply.clone().unwrap_or_default(),
            cites: case.cites.clone(),
            step: case.review.map_or("check", |s| s.as_str()),
        });
    }
    // Extensions are asked for while the work is under way (the state index narrows it).
    let mut ext = filter(&[RequestState::Accepted, RequestState::InProgress]);
    ext.pending_extension = true;
    let extensions = super::lists::page_of(&state, p, &ext, 1, 100).await?;
    let mut extension_rows =
        queue_rows(&state, &staff, &extensions.items, Some("request_extension")).await?;
    for (row, item) in extension_rows.iter_mut().zip(&extensions.items) {
        let loaded = crate::services::cases::load_visible(&state, p, &item.serial).await?;
        row.pending_days = loaded.row.case.pending_extension;
    }
    // Each return awaits the hub's review: who returned it, the owner it named, and whether
    // the hub must now designate one.
    let mut returned_rows = queue_rows(&state, &staff, &returned.items, Some("return")).await?;
    let reference = state.reference();
    for (row, item) in returned_rows.iter_mut().zip(&returned.items) {
        let loaded = crate::services::cases::load_visible(&state, p, &item.serial).await?;
        let case = &loaded.row.case;
        row.returned_by = case
            .returned_by
            .and_then(|u| reference.org.get(u))
            .map(|u| u.name.clone());
        row.must_designate = case.dispatch_count >= reference.case_rules.designate_after;
        let events = crate::services::cases::history(&state, &loaded).await?;
        row.proper_owner = events
            .iter()
            .rev()
            .find(|e| e.kind == "return")
            .and_then(|e| {
                e.detail
                    .iter()
                    .find(|(k, _)| k == "proper_owner")
                    .map(|(_, v)| v.clone())
            });
    }
    let lang = browser.lang;
    html(DispatchPage {
        ctx: Ctx::staff(&browser, &staff, &state).with_flash(done.flash(lang)),
        queue_total: queue.total,
        queue: queue_rows(&state, &staff, &queue.items, None).await?,
        returned: returned_rows,
        replies,
        coordinating: rows(&state, &coordinating.items),
        extensions: extension_rows,
        units: unit_choices(&state),
    })
}

/// The dispatch board's selection: the checked rows' serials.
#[derive(Deserialize)]
pub(super) struct BulkForm {
    #[serde(default)]
    serial: Vec<String>,
}

/// Dispatches every selected request to its proposed unit. Each is its own transaction;
/// the page reports how many went and which could not (e.g. no proposal, or moved on).
async fn bulk_dispatch(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    CsrfForm(form): CsrfForm<BulkForm>,
) -> PageResult {
    let serials = form.serial;
    require(&staff, &[Role::Dispatcher])?;
    let reference = state.reference();
    let mut done = 0;
    let mut failed = Vec::new();
    for serial in &serials {
        let loaded = crate::services::cases::load_visible(&state, &staff.principal, serial).await?;
        let Some(proposal) =
            crate::services::cases::propose(&reference, loaded.row.category, loaded.row.area)
        else {
            failed.push(serial.clone());
            continue;
        };
        let dispatch = Command::Dispatch {
            unit: proposal.unit,
            assisting: Vec::new(),
            basis: Basis::Manual,
            complex: false,
            important: false,
        };
        let wanted = crate::services::cases::Move::Command(dispatch);
        match crate::services::cases::act(&state, &staff.principal, serial, wanted).await {
            Ok(_) => done += 1,
            Err(_) => failed.push(serial.clone()),
        }
    }
    let tr = Tr::new(browser.lang).in_zone(browser.zone);
    let mut flash = format!("{} {done}", tr.s("dispatch.dispatched_n"));
    if !failed.is_empty() {
        flash.push_str(&format!(
            " · {}: {}",
            tr.s("common.error"),
            failed.join(", ")
        ));
    }
    Ok(see_other("/dispatch", Some(&flash)))
}
