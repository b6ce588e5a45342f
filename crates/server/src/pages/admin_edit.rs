//! Changing what exists: a unit renamed, moved or disabled, a category renamed or retired.
//! The forms sit on the units and categories pages; a refused change comes back there with
//! its fields named under `edit_` (the API names them `edit.`).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use civicgrid_domain::org::Role;
use serde::Deserialize;

use super::admin::{UnitForm, UserFormValues, categories_page, int, units_page, users_page};
use super::lists::{AppStateRef, opt};
use super::{
    Browser, CsrfForm, FormValues, PagePath, PageResult, Staff, form_failure, html_status, require,
    see_other,
};

use crate::error::ApiError;
use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/units/edit", post(edit_unit))
        .route("/admin/categories/edit", post(edit_category))
        .route("/admin/users/grants", post(edit_grants))
        .route("/admin/users/{id}/unlock", post(unlock))
}

/// Whether to change a flag: `keep` (or nothing), or set it on or off.
fn flag(field: &str, raw: &str, on: &str, off: &str) -> Result<Option<bool>, ApiError> {
    match raw.trim() {
        "" | "keep" => Ok(None),
        w if w == on => Ok(Some(true)),
        w if w == off => Ok(Some(false)),
        _ => Err(ApiError::field(
            field,
            format!("must be keep, {on} or {off}"),
        )),
    }
}

#[derive(Deserialize)]
struct EditUnitForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    code: String,
}

async fn edit_unit(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    CsrfForm(form): CsrfForm<EditUnitForm>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    let result = async {
        let unit =
            int("unit", &form.unit)?.ok_or_else(|| ApiError::field("unit", "choose a unit"))?;
        let parent = int("parent", &form.parent)?;
        let disabled = flag("status", &form.status, "disable", "enable")?;
        crate::services::admin::update_unit(
            &state,
            &staff.principal,
            civicgrid_domain::UnitId(unit),
            opt(&form.name),
            parent.map(civicgrid_domain::UnitId),
            disabled,
            opt(&form.code),
        )
        .await
    }
    .await;
    match result {
        Ok(unit) => Ok(see_other("/admin/units", Some(&unit.name))),
        Err(error) => {
            let errors = form_failure(error.under("edit"))?;
            let page =
                units_page(&state, &browser, &staff, UnitForm::default(), errors, None).await;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}

#[derive(Deserialize)]
struct EditCategoryForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    status: String,
}

async fn edit_category(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    CsrfForm(form): CsrfForm<EditCategoryForm>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    let result = async {
        let id = int("category", &form.category)?
            .ok_or_else(|| ApiError::field("category", "choose a category"))?;
        let retired = flag("status", &form.status, "retire", "restore")?;
        crate::services::admin::update_category(
            &state,
            &staff.principal,
            civicgrid_domain::CategoryId(id),
            opt(&form.name),
            retired,
        )
        .await
    }
    .await;
    match result {
        Ok(category) => Ok(see_other("/admin/categories", Some(&category.name))),
        Err(error) => {
            let errors = form_failure(error.under("edit"))?;
            let values = FormValues::of([
                ("edit_category", form.category.clone()),
                ("edit_name", form.name.clone()),
            ]);
            let page = categories_page(&state, &browser, &staff, errors, values, None).await?;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}

#[derive(Deserialize)]
struct GrantsForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    lines: String,
}

/// A user's unit, roles and business lines replaced (from the user's next request).
async fn edit_grants(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    CsrfForm(form): CsrfForm<GrantsForm>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    let result = async {
        let user = state
            .store
            .find_user(form.username.trim())
            .await?
            .ok_or_else(|| ApiError::field("username", "no such user"))?;
        let unit =
            int("unit", &form.unit)?.ok_or_else(|| ApiError::field("unit", "choose a unit"))?;
        let lines: Vec<String> = form
            .lines
            .split([',', '，', ' '])
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        let (roles, lines) = crate::wire::org::roles_in(&form.roles, &lines)?;
        crate::services::admin::set_grants(
            &state,
            &staff.principal,
            user.id,
            civicgrid_domain::UnitId(unit),
            roles,
            lines,
        )
        .await
    }
    .await;
    match result {
        Ok(user) => Ok(see_other("/admin/users", Some(&user.username))),
        Err(error) => {
            let errors = form_failure(error.under("grants"))?;
            let values = UserFormValues::default();
            let page =
                users_page(&state, &browser, &staff, (None, None), values, errors, None).await?;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}

/// A form that carries nothing but its CSRF token.
#[derive(Deserialize)]
struct NoFields {}

/// A sign-in lock lifted.
async fn unlock(
    State(state): AppStateRef,
    staff: Staff,
    PagePath(id): PagePath<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    crate::services::admin::unlock_sign_in(&state, &staff.principal, civicgrid_domain::UserId(id))
        .await?;
    Ok(see_other("/admin/users", Some("unlock")))
}
