//! Leaders' instructions (领导批示): the list a leader reads of what he gave, and a unit of
//! what it was given. Giving, acknowledging and reporting are actions on a request
//! (`instruct`, `acknowledge_instruction`, `report_instruction`).
//!
//! Handlers translate between the wire and the services: no SQL and no rules here.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use civicgrid_api::{ErrorBody, InstructionOut, InstructionQuery, Page};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppStateRef;

use crate::auth::Auth;
use crate::error::{ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new().routes(routes!(list_instructions))
}

/// Instructions the reader may see, newest first: those they gave (`mine=true` keeps only
/// these) and those for their units.
#[utoipa::path(get, path = "/api/v1/instructions", params(InstructionQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<InstructionOut>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_instructions(
    State(state): AppStateRef,
    Auth(principal): Auth,
    ApiQuery(query): ApiQuery<InstructionQuery>,
) -> ApiResult<Json<Page<InstructionOut>>> {
    let (page, page_size, offset, limit) = crate::wire::paging(query.page, query.page_size)?;
    let now = state.now();
    let filter = crate::wire::instructions::filter(&query, now, offset, limit)?;
    let (rows, total) = crate::services::instructions::list(
        &state,
        &principal,
        filter,
        query.mine.unwrap_or(false),
    )
    .await?;
    let org = state.org();
    Ok(Json(Page {
        items: rows
            .iter()
            .map(|i| crate::wire::instructions::instruction_out(&org, i, now))
            .collect(),
        total,
        total_exact: true,
        page,
        page_size,
    }))
}
