//! The administrator's pages: units, users and roles, categories and the routing table,
//! and the official calendar (deadline policies and the rules' numbers: `admin_policies`). Every write goes
//! through `crate::admin` or `service`, the functions the API uses.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use civicgrid_api::{
    CategoryOut, CreateCategory, CreateRoutingRule, CreateUnit, CreateUser, RoutingRuleOut, UserOut,
};
use civicgrid_domain::org::{Role, UnitKind};
use serde::Deserialize;

use super::PagePath;
use super::lists::{NoFields, Pager};
use super::portal::Choice;
use super::{
    Browser, CsrfForm, Ctx, FormErrors, FormValues, PageResult, Staff, form_failure, html,
    html_status, require, see_other,
};
use crate::error::ApiError;
use crate::pages::PageQuery;
use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin", get(|| async { see_other("/admin/units", None) }))
        .route("/admin/units", get(units).post(create_unit))
        .route("/admin/users", get(users).post(create_user))
        .route("/admin/users/{id}/access", post(set_user_access))
        .route("/admin/users/{id}/password", post(reset_user_password))
        .route("/admin/categories", get(categories).post(create_category))
        .route("/admin/routing-rules", post(create_rule))
        .route("/admin/routing-rules/{id}/delete", post(delete_rule))
        .route("/admin/cancel-reasons", post(add_cancel_reason))
        .route(
            "/admin/cancel-reasons/{code}/retire",
            post(retire_cancel_reason),
        )
        .route("/admin/calendar", get(calendar).post(add_days))
}

pub(super) type AppStateRef = State<Arc<AppState>>;

pub(super) fn opt(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn lines(text: &str) -> Vec<String> {
    text.split([',', ',', ' '])
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(super) fn int(field: &str, text: &str) -> Result<Option<i64>, ApiError> {
    opt(text)
        .map(|t| {
            t.parse::<i64>()
                .map_err(|_| ApiError::field(field, "must be a number"))
        })
        .transpose()
}

#[derive(Deserialize, Default)]
pub(super) struct Flash {
    pub(super) done: Option<String>,
    page: Option<u32>,
    year: Option<i32>,
    /// The users page's search.
    q: Option<String>,
}

impl Flash {
    /// The line the page shows after a form, in the reader's language (as every page
    /// words it: `lists::Done`).
    pub(super) fn text(&self, lang: super::Lang) -> Option<String> {
        super::lists::Done {
            done: self.done.clone(),
        }
        .flash(lang)
    }
}

// ---------------------------------------------------------------- units

pub struct UnitRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub parent: String,
    pub lines: String,
    pub depth: usize,
    pub disabled: bool,
    /// The national place code, or empty.
    pub code: String,
}

#[derive(Deserialize, Default)]
pub(super) struct UnitForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    lines: String,
    #[serde(default)]
    code: String,
}

#[derive(Template)]
#[template(path = "admin_units.html")]
pub(super) struct UnitsPage {
    ctx: Ctx,
    units: Vec<UnitRow>,
    kinds: Vec<&'static str>,
    parents: Vec<Choice>,
    form: UnitForm,
    errors: FormErrors,
}

fn unit_rows(state: &AppState) -> Vec<UnitRow> {
    let reference = state.reference();
    let org = &reference.org;
    let codes = &reference.codes;
    let mut out = Vec::new();
    // Depth-first from the root, so the table reads as the tree.
    fn walk(
        org: &civicgrid_domain::org::OrgTree,
        codes: &crate::state::Codes,
        id: civicgrid_domain::UnitId,
        depth: usize,
        out: &mut Vec<UnitRow>,
    ) {
        let Some(u) = org.get(id) else { return };
        out.push(UnitRow {
            id: u.id.0,
            name: u.name.clone(),
            kind: u.kind.as_str().to_owned(),
            parent: u
                .parent
                .and_then(|p| org.get(p))
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            lines: u.lines.join(", "),
            depth,
            disabled: u.disabled,
            code: codes.code(u.id).unwrap_or_default().to_owned(),
        });
        let mut children: Vec<_> = org.units().filter(|c| c.parent == Some(id)).collect();
        children.sort_by_key(|c| c.id);
        for c in children {
            walk(org, codes, c.id, depth + 1, out);
        }
    }
    if let Some(root) = org.root() {
        walk(org, codes, root, 0, &mut out);
    }
    out
}

pub(super) fn all_units(state: &AppState) -> Vec<Choice> {
    unit_rows(state)
        .into_iter()
        .map(|u| Choice {
            value: u.id.to_string(),
            label: format!("{}{}", "· ".repeat(u.depth), u.name),
        })
        .collect()
}

pub(super) async fn units_page(
    state: &AppState,
    browser: &Browser,
    staff: &Staff,
    form: UnitForm,
    errors: FormErrors,
    flash: Option<String>,
) -> UnitsPage {
    UnitsPage {
        ctx: Ctx::staff(browser, staff, state).with_flash(flash),
        units: unit_rows(state),
        kinds: UnitKind::words(),
        parents: all_units(state),
        form,
        errors,
    }
}

async fn units(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PageQuery(flash): PageQuery<Flash>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    html(
        units_page(
            &state,
            &browser,
            &staff,
            UnitForm::default(),
            FormErrors::default(),
            flash.text(browser.lang),
        )
        .await,
    )
}

async fn create_unit(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    CsrfForm(form): CsrfForm<UnitForm>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    let result = match int("parent", &form.parent) {
        Ok(parent) => {
            let body = CreateUnit {
                name: form.name.clone(),
                kind: form.kind.clone(),
                parent,
                lines: lines(&form.lines),
                geometry: None,
                code: Some(form.code.trim().to_owned()).filter(|c| !c.is_empty()),
            };
            match crate::wire::org::unit_in(&body) {
                Ok(new) => crate::services::admin::create_unit(&state, &staff.principal, new)
                    .await
                    .map(crate::wire::org::unit_out),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(unit) => Ok(see_other("/admin/units", Some(&unit.name))),
        Err(error) => {
            let errors = form_failure(error)?;
            let page = units_page(&state, &browser, &staff, form, errors, None).await;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}

// ---------------------------------------------------------------- users

#[derive(Template)]
#[template(path = "admin_users.html")]
pub(super) struct UsersPage {
    ctx: Ctx,
    users: Vec<UserOut>,
    pager: Pager,
    units: Vec<Choice>,
    roles: Vec<&'static str>,
    form: UserFormValues,
    errors: FormErrors,
    /// The search the list is narrowed by.
    search: String,
}

impl UsersPage {
    fn unit_name(&self, id: &i64) -> String {
        let wanted = id.to_string();
        self.units
            .iter()
            .find(|c| c.value == wanted)
            .map(|c| c.label.trim_start_matches("· ").to_owned())
            .unwrap_or_default()
    }
}

#[derive(Default)]
pub(super) struct UserFormValues {
    username: String,
    display_name: String,
    unit: String,
    roles: Vec<String>,
    lines: String,
}

pub(super) async fn users_page(
    state: &AppState,
    browser: &Browser,
    staff: &Staff,
    (page, search): (Option<u32>, Option<String>),
    form: UserFormValues,
    errors: FormErrors,
    flash: Option<String>,
) -> Result<UsersPage, super::PageError> {
    let (page, page_size, offset, limit) = crate::wire::paging(page, Some(50))?;
    let search = search.filter(|q| !q.trim().is_empty());
    let (rows, total) = state
        .store
        .list_users(search.as_deref(), offset, limit)
        .await?;
    let base = match &search {
        Some(q) => format!(
            "/admin/users?{}",
            form_urlencoded::Serializer::new(String::new())
                .append_pair("q", q)
                .finish()
        ),
        None => "/admin/users".into(),
    };
    Ok(UsersPage {
        ctx: Ctx::staff(browser, staff, state).with_flash(flash),
        users: rows.iter().map(crate::wire::org::user_out).collect(),
        pager: Pager::new(page, page_size, total, base),
        search: search.unwrap_or_default(),
        units: all_units(state),
        roles: Role::words(),
        form,
        errors,
    })
}

async fn users(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PageQuery(flash): PageQuery<Flash>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    html(
        users_page(
            &state,
            &browser,
            &staff,
            (flash.page, flash.q.clone()),
            UserFormValues::default(),
            FormErrors::default(),
            flash.text(browser.lang),
        )
        .await?,
    )
}

/// The roles are repeated checkboxes.
#[derive(Deserialize)]
struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    lines: String,
}

async fn create_user(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    CsrfForm(posted): CsrfForm<NewUserForm>,
) -> PageResult {
    let password = posted.password;
    let form = UserFormValues {
        username: posted.username,
        display_name: posted.display_name,
        unit: posted.unit,
        roles: posted.roles,
        lines: posted.lines,
    };
    require(&staff, &[Role::Admin])?;
    let result = match int("unit", &form.unit) {
        Ok(Some(unit)) => {
            let body = CreateUser {
                username: form.username.clone(),
                password,
                unit,
                roles: form.roles.clone(),
                lines: lines(&form.lines),
                display_name: opt(&form.display_name),
            };
            match crate::wire::org::account_in(body) {
                Ok(new) => crate::services::admin::create_user(&state, &staff.principal, new)
                    .await
                    .map(|u| crate::wire::org::user_out(&u)),
                Err(e) => Err(e),
            }
        }
        Ok(None) => Err(ApiError::field("unit", "choose a unit")),
        Err(e) => Err(e),
    };
    match result {
        Ok(user) => Ok(see_other("/admin/users", Some(&user.username))),
        Err(error) => {
            let errors = form_failure(error)?;
            let page =
                users_page(&state, &browser, &staff, (None, None), form, errors, None).await?;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}

// ---------------------------------------------------------------- categories and routing

#[derive(Template)]
#[template(path = "admin_categories.html")]
pub(super) struct CategoriesPage {
    ctx: Ctx,
    categories: Vec<CategoryOut>,
    rules: Vec<(RoutingRuleOut, String, String, String)>,
    units: Vec<Choice>,
    category_choices: Vec<Choice>,
    bases: Vec<&'static str>,
    /// The non-acceptance reasons offered now: code and what it says.
    reasons: Vec<(String, String)>,
    errors: FormErrors,
    values: FormValues,
}

pub(super) async fn categories_page(
    state: &AppState,
    browser: &Browser,
    staff: &Staff,
    errors: FormErrors,
    values: FormValues,
    flash: Option<String>,
) -> Result<CategoriesPage, super::PageError> {
    let reference = state.reference();
    let categories: Vec<CategoryOut> = reference
        .categories
        .iter()
        .map(crate::wire::org::category_out)
        .collect();
    let org = state.org();
    let name_of_unit = |id: i64| {
        org.get(civicgrid_domain::UnitId(id))
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    let rules = state
        .store
        .list_routing_rules()
        .await?
        .iter()
        .map(crate::wire::org::rule_out)
        .map(|r| {
            let category = reference
                .category(civicgrid_domain::CategoryId(r.category))
                .map(|c| c.name.clone())
                .unwrap_or_default();
            let area = r.area.map(name_of_unit).unwrap_or_else(|| "—".into());
            let unit = name_of_unit(r.unit);
            (r, category, area, unit)
        })
        .collect();
    Ok(CategoriesPage {
        ctx: Ctx::staff(browser, staff, state).with_flash(flash),
        categories,
        rules,
        units: all_units(state),
        category_choices: super::portal::category_choices(state),
        bases: vec!["statute", "agreement", "designation"],
        reasons: state
            .store
            .list_cancel_reasons()
            .await?
            .into_iter()
            .map(|r| (r.code, r.label))
            .collect(),
        errors,
        values,
    })
}

#[derive(Deserialize)]
struct AccessForm {
    /// `disable` or `enable`.
    #[serde(default)]
    change: String,
}

async fn set_user_access(
    State(state): AppStateRef,
    staff: Staff,
    PagePath(id): PagePath<i64>,
    CsrfForm(form): CsrfForm<AccessForm>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    let disabled = match form.change.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(ApiError::field("change", "`disable` or `enable`").into()),
    };
    let user = crate::services::admin::set_user_disabled(
        &state,
        &staff.principal,
        civicgrid_domain::UserId(id),
        disabled,
    )
    .await?;
    Ok(see_other("/admin/users", Some(&user.username)))
}

async fn delete_rule(
    State(state): AppStateRef,
    staff: Staff,
    PagePath(id): PagePath<i64>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    crate::services::admin::delete_routing_rule(&state, &staff.principal, id).await?;
    Ok(see_other("/admin/categories", Some("delete_rule")))
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    password: String,
}

async fn reset_user_password(
    State(state): AppStateRef,
    staff: Staff,
    PagePath(id): PagePath<i64>,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    crate::services::admin::reset_password(
        &state,
        &staff.principal,
        civicgrid_domain::UserId(id),
        form.password,
    )
    .await?;
    Ok(see_other("/admin/users", Some("reset_password")))
}

#[derive(Deserialize)]
struct ReasonForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
}

async fn add_cancel_reason(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    match crate::services::admin::add_cancel_reason(
        &state,
        &staff.principal,
        &form.code,
        &form.name,
    )
    .await
    {
        Ok(r) => Ok(see_other("/admin/categories", Some(&r.label))),
        Err(mut error) => {
            // The reason form's fields, apart from the category form's `code` and `name`.
            error.fields = error
                .fields
                .into_iter()
                .map(|(k, v)| (format!("reason_{k}"), v))
                .collect();
            let errors = form_failure(error)?;
            let values = FormValues::of([("reason_code", form.code), ("reason_name", form.name)]);
            let page = categories_page(&state, &browser, &staff, errors, values, None).await?;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}

async fn retire_cancel_reason(
    State(state): AppStateRef,
    staff: Staff,
    PagePath(code): PagePath<String>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    crate::services::admin::retire_cancel_reason(&state, &staff.principal, &code).await?;
    Ok(see_other("/admin/categories", Some(&code)))
}

async fn categories(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PageQuery(flash): PageQuery<Flash>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    html(
        categories_page(
            &state,
            &browser,
            &staff,
            FormErrors::default(),
            Default::default(),
            flash.text(browser.lang),
        )
        .await?,
    )
}

#[derive(Deserialize)]
struct CategoryForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    line: String,
}

async fn create_category(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    CsrfForm(form): CsrfForm<CategoryForm>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    let result = match int("parent", &form.parent) {
        Ok(parent) => {
            let body = CreateCategory {
                code: form.code.clone(),
                name: form.name.clone(),
                parent,
                line: opt(&form.line),
            };
            match crate::wire::org::category_in(&body) {
                Ok(new) => crate::services::admin::create_category(&state, &staff.principal, new)
                    .await
                    .map(|c| crate::wire::org::category_out(&c)),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => Ok(see_other("/admin/categories", Some(&c.name))),
        Err(error) => {
            let errors = form_failure(error)?;
            let values = FormValues::of([
                ("code", form.code),
                ("name", form.name),
                ("parent", form.parent),
                ("line", form.line),
            ]);
            let page = categories_page(&state, &browser, &staff, errors, values, None).await?;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}

#[derive(Deserialize)]
struct RuleForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    basis: String,
}

async fn create_rule(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    CsrfForm(form): CsrfForm<RuleForm>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    let parsed = (|| {
        Ok::<_, ApiError>(CreateRoutingRule {
            category: int("rule_category", &form.category)?
                .ok_or_else(|| ApiError::field("category", "choose a category"))?,
            area: int("area", &form.area)?,
            unit: int("unit", &form.unit)?
                .ok_or_else(|| ApiError::field("unit", "choose a unit"))?,
            basis: form.basis.clone(),
        })
    })();
    let result = match parsed {
        Ok(body) => match crate::wire::org::rule_in(&body) {
            Ok(new) => crate::services::admin::create_routing_rule(&state, &staff.principal, new)
                .await
                .map(|r| crate::wire::org::rule_out(&r)),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match result {
        Ok(rule) => Ok(see_other(
            "/admin/categories",
            Some(&format!("#{}", rule.id)),
        )),
        Err(error) => {
            let mut errors = form_failure(error)?;
            // The rule form's category field is named apart from the category form's.
            if let Some(e) = errors.fields.remove("category") {
                errors.fields.insert("rule_category".into(), e);
            }
            let values = FormValues::of([
                ("rule_category", form.category),
                ("area", form.area),
                ("unit", form.unit),
                ("basis", form.basis),
            ]);
            let page = categories_page(&state, &browser, &staff, errors, values, None).await?;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}

// ---------------------------------------------------------------- calendar

#[derive(Template)]
#[template(path = "admin_calendar.html")]
struct CalendarPage {
    ctx: Ctx,
    year: i32,
    days: Vec<civicgrid_api::OfficialDayOut>,
    text: String,
    errors: FormErrors,
}

async fn calendar_page(
    state: &AppState,
    browser: &Browser,
    staff: &Staff,
    year: Option<i32>,
    text: String,
    errors: FormErrors,
    flash: Option<String>,
) -> Result<CalendarPage, super::PageError> {
    use chrono::Datelike;
    let year = year.unwrap_or_else(|| state.now().with_timezone(&state.time_zone).year());
    Ok(CalendarPage {
        ctx: Ctx::staff(browser, staff, state).with_flash(flash),
        year,
        days: crate::services::calendar::official_days(state, Some(year))
            .await?
            .iter()
            .map(crate::wire::calendar::official_day_out)
            .collect(),
        text,
        errors,
    })
}

async fn calendar(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PageQuery(flash): PageQuery<Flash>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    html(
        calendar_page(
            &state,
            &browser,
            &staff,
            flash.year,
            String::new(),
            FormErrors::default(),
            flash.text(browser.lang),
        )
        .await?,
    )
}

#[derive(Deserialize)]
struct DaysForm {
    #[serde(default)]
    text: String,
}

async fn add_days(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    CsrfForm(form): CsrfForm<DaysForm>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    let added = match crate::wire::calendar::official_days_in(&form.text) {
        Ok(days) => {
            crate::services::calendar::add_official_days(&state, days, Some(staff.principal.user))
                .await
        }
        Err(e) => Err(e),
    };
    match added {
        Ok(added) => Ok(see_other(
            "/admin/calendar",
            Some(&format!("+{} ({})", added.added, added.calendar)),
        )),
        Err(error) => {
            let errors = form_failure(error)?;
            let page =
                calendar_page(&state, &browser, &staff, None, form.text, errors, None).await?;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}
