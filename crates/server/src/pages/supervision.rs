//! The supervision pool page: red and orange cases, the ladder steps taken, and the sampled
//! quality callbacks.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use civicgrid_api::{PoolItemOut, SampleOut};
use civicgrid_domain::org::Role;
use serde::Deserialize;

use super::lists::{AppStateRef, Done, Pager, Row, rows};
use super::{Browser, Ctx, PageResult, Staff, html, require};

use crate::pages::PageQuery;
use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/supervision", get(supervision))
        .route("/supervision.csv", get(export))
}

// ---------------------------------------------------------------- supervision pool

#[derive(Template)]
#[template(path = "supervision.html")]
pub(super) struct SupervisionPage {
    ctx: Ctx,
    pool: Vec<PoolItemOut>,
    orange: Vec<Row>,
    samples: Vec<SampleOut>,
    /// Finished quality checks with their verdicts, newest first.
    checked: Vec<SampleOut>,
    /// Requests whose unit appealed their count, awaiting the hub's decision.
    appeals: Vec<super::lists::Row>,
    decides_appeals: bool,
    pager: Pager,
    mine: bool,
    is_supervisor: bool,
}

#[derive(Deserialize)]
pub(super) struct PoolParams {
    page: Option<u32>,
    mine: Option<String>,
    done: Option<String>,
}

/// The pool (or the reader's own cases in it, `?mine=1`) as CSV, with the supervisor, the
/// stage and unit it went red for, since when and how often, and the exporter's watermark.
async fn export(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PageQuery(params): PageQuery<PoolParams>,
) -> Result<axum::response::Response, super::PageError> {
    require(&staff, &[Role::Supervisor, Role::Dispatcher, Role::Leader])?;
    let owner = params.mine.is_some().then_some(staff.principal.user);
    let (pool, _) = crate::services::supervision::pool(
        &state,
        &staff.principal,
        owner,
        false,
        (0, super::export::EXPORT_ROWS),
    )
    .await?;
    let t = super::Tr::new(browser.lang).in_zone(browser.zone);
    let (org, now) = (state.org(), state.now());
    let items: Vec<PoolItemOut> = pool
        .into_iter()
        .map(|row| crate::wire::supervision::pool_item_out(&org, row, now))
        .collect();
    let lines: Vec<Vec<String>> = rows(
        &state,
        &items.iter().map(|p| p.request.clone()).collect::<Vec<_>>(),
    )
    .iter()
    .zip(&items)
    .map(|(row, p)| {
        let mut line = super::lists::export_line(&t, row);
        line.push(p.owner.clone().unwrap_or_default());
        line.push(
            p.stage
                .as_deref()
                .map_or("", |s| t.w("stage", s))
                .to_owned(),
        );
        line.push(p.unit.as_ref().map(|u| u.name.clone()).unwrap_or_default());
        line.push(t.time(&p.since));
        line.push(p.times.to_string());
        line
    })
    .collect();
    let mut header = super::lists::export_header(&t);
    for key in [
        "supervision.owner",
        "detail.stage",
        "supervision.unit",
        "supervision.since",
        "supervision.times",
    ] {
        header.push(t.s(key).to_owned());
    }
    Ok(super::export::csv_download(
        &t,
        &staff.principal.username,
        &now,
        ("supervision-pool.csv", super::export::EXPORT_ROWS),
        &header,
        &lines,
    )?)
}

async fn supervision(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PageQuery(params): PageQuery<PoolParams>,
) -> PageResult {
    require(&staff, &[Role::Supervisor, Role::Dispatcher, Role::Leader])?;
    let (page, page_size, offset, limit) = crate::wire::paging(params.page, Some(50))?;
    let mine = params.mine.is_some();
    let owner = mine.then_some(staff.principal.user);
    let (pool, total) =
        crate::services::supervision::pool(&state, &staff.principal, owner, false, (offset, limit))
            .await?;
    let (org, now) = (state.org(), state.now());
    let pool: Vec<_> = pool
        .into_iter()
        .map(|row| crate::wire::supervision::pool_item_out(&org, row, now))
        .collect();
    let orange = civicgrid_api::RequestQuery {
        state: None,
        unit: None,
        category: None,
        kind: None,
        band: Some("orange".into()),
        page: Some(1),
        page_size: Some(20),
        ..Default::default()
    };
    let orange = super::lists::listed(&state, &staff.principal, &orange).await?;
    let is_supervisor = crate::access::holds(&staff.principal, &[Role::Supervisor]);
    let sampled = |which| {
        let state = state.clone();
        async move {
            if !is_supervisor {
                return Ok::<_, crate::error::ApiError>(Vec::new());
            }
            Ok(
                crate::services::supervision::samples(&state, which, (0, 20))
                    .await?
                    .0
                    .into_iter()
                    .map(|row| crate::wire::supervision::sample_out(row, now))
                    .collect(),
            )
        }
    };
    let samples = sampled(civicgrid_store::SampleState::Pending).await?;
    let checked = sampled(civicgrid_store::SampleState::Done).await?;
    // Units' appeals against a case's count, for the hub (dispatchers, supervisors).
    let decides_appeals =
        crate::access::holds(&staff.principal, &[Role::Supervisor, Role::Dispatcher]);
    let appeals = if decides_appeals {
        let mut pending = super::lists::filter(&[]);
        pending.pending_appeal = true;
        let listed = super::lists::page_of(&state, &staff.principal, &pending, 1, 50).await?;
        rows(&state, &listed.items)
    } else {
        Vec::new()
    };
    let done = Done { done: params.done };
    html(SupervisionPage {
        ctx: Ctx::staff(&browser, &staff, &state).with_flash(done.flash(browser.lang)),
        pool,
        orange: rows(&state, &orange.items),
        samples,
        checked,
        appeals,
        decides_appeals,
        pager: Pager::new(
            page,
            page_size,
            total,
            if mine {
                "/supervision?mine=1".into()
            } else {
                "/supervision".into()
            },
        ),
        mine,
        is_supervisor,
    })
}
