//! The administrator's page of deadline policies (edited as new versions, or added with a
//! match on kind, urgency, channel and category), the hub's rules that are numbers (return
//! windows, callback attempts, designation) and the appraisal's exclusions and presets.
//! Every write goes through `services::admin`, as the API's do.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use civicgrid_api::{CreatePolicy, LimitIn, PolicyLimits, PolicyOut};
use civicgrid_domain::org::Role;
use serde::Deserialize;

use super::admin::{AppStateRef, Flash, int, opt};
use super::portal::Choice;
use super::{
    Browser, CsrfForm, Ctx, FormErrors, PageResult, Staff, form_failure, html, html_status,
    require, see_other,
};
use crate::error::ApiError;
use crate::pages::PageQuery;
use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/policies", get(policies).post(update_policy))
        .route("/admin/policies/new", post(create_policy))
        .route("/admin/rules", post(update_rules))
        .route("/admin/appraisal", post(update_appraisal))
        .route("/admin/policies/presets", post(install_presets))
}

// ---------------------------------------------------------------- policies

#[derive(Template)]
#[template(path = "admin_policies.html")]
struct PoliciesPage {
    ctx: Ctx,
    policies: Vec<PolicyOut>,
    kinds: Vec<&'static str>,
    urgencies: Vec<&'static str>,
    channels: Vec<&'static str>,
    /// The stages a policy sets limits for (coordination's limit is fixed).
    stages: Vec<&'static str>,
    case_rules: civicgrid_api::RulesConfig,
    /// The choices of which replies the hub checks.
    reply_reviews: Vec<&'static str>,
    appraisal: civicgrid_api::AppraisalConfig,
    /// Every category, for the satisfaction exclusions.
    categories: Vec<Choice>,
    errors: FormErrors,
    failed: Option<Failed>,
}

/// Which of the page's forms came back with errors (shown open and marked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failed {
    /// The edit of the policy in force with this id.
    Policy(i64),
    NewPolicy,
    Rules,
    Appraisal,
    Presets,
}

impl PoliciesPage {
    fn failed_is(&self, id: &i64) -> bool {
        self.failed == Some(Failed::Policy(*id))
    }

    fn failed_form(&self, form: &str) -> bool {
        matches!(
            (self.failed, form),
            (Some(Failed::NewPolicy), "new")
                | (Some(Failed::Rules), "rules")
                | (Some(Failed::Appraisal), "appraisal")
                | (Some(Failed::Presets), "presets")
        )
    }

    fn excluded(&self, category: &str) -> bool {
        self.appraisal
            .satisfaction_excluded
            .iter()
            .any(|id| id.to_string() == category)
    }

    fn limit(&self, limit: &Option<LimitIn>) -> String {
        limit
            .as_ref()
            .map_or(String::new(), |l| format!("{} {}", l.amount, l.unit))
    }
}

async fn policies_page(
    state: &AppState,
    browser: &Browser,
    staff: &Staff,
    errors: FormErrors,
    failed: Option<Failed>,
    flash: Option<String>,
) -> Result<PoliciesPage, super::PageError> {
    let reference = state.reference();
    let policies = state
        .store
        .list_policies()
        .await?
        .iter()
        .map(|p| crate::wire::policies::policy_out(p, &reference))
        .collect();
    Ok(PoliciesPage {
        ctx: Ctx::staff(browser, staff, state).with_flash(flash),
        policies,
        kinds: civicgrid_domain::request::Kind::words(),
        urgencies: civicgrid_domain::request::Urgency::words(),
        channels: civicgrid_domain::request::Channel::words(),
        stages: [
            "dispatch", "accept", "respond", "resolve", "callback", "answer", "review", "report",
        ]
        .to_vec(),
        case_rules: crate::state::rules_record(&reference.case_rules),
        reply_reviews: civicgrid_domain::lifecycle::ReplyReview::words(),
        categories: reference
            .categories
            .iter()
            .map(|c| Choice {
                value: c.id.0.to_string(),
                label: format!("{} ({})", c.name, c.code),
            })
            .collect(),
        appraisal: crate::wire::stats::config_out(&reference.appraisal),
        errors,
        failed,
    })
}

async fn policies(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    PageQuery(flash): PageQuery<Flash>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    html(
        policies_page(
            &state,
            &browser,
            &staff,
            FormErrors::default(),
            None,
            flash.text(browser.lang),
        )
        .await?,
    )
}

#[derive(Deserialize)]
struct PolicyForm {
    id: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    dispatch: String,
    #[serde(default)]
    accept: String,
    #[serde(default)]
    respond: String,
    #[serde(default)]
    resolve: String,
    #[serde(default)]
    callback: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    review: String,
    #[serde(default)]
    report: String,
    #[serde(default)]
    yellow: String,
    #[serde(default)]
    orange: String,
    #[serde(default)]
    accountable: String,
}

/// `"3 working_days"` → a limit; empty → none.
fn limit_of(field: &str, text: &str) -> Result<Option<LimitIn>, ApiError> {
    let Some(text) = opt(text) else {
        return Ok(None);
    };
    let mut parts = text.split_whitespace();
    let amount = parts
        .next()
        .and_then(|a| a.parse::<i64>().ok())
        .ok_or_else(|| {
            ApiError::field(field, "write an amount and a unit, e.g. `3 working_days`")
        })?;
    let unit = parts.next().unwrap_or("working_days").to_owned();
    Ok(Some(LimitIn { amount, unit }))
}

async fn update_policy(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    CsrfForm(form): CsrfForm<PolicyForm>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    let reference = state.reference();
    let current = reference
        .policies
        .iter()
        .find(|p| p.id == form.id)
        .map(|p| crate::wire::policies::policy_out(p, &reference));
    let parsed = (|| {
        let current =
            current.ok_or_else(|| ApiError::field("id", "no policy in force has this id"))?;
        let number = |field: &str, text: &str| -> Result<Option<f64>, ApiError> {
            opt(text)
                .map(|t| {
                    t.parse::<f64>()
                        .map_err(|_| ApiError::field(field, "must be a number"))
                })
                .transpose()
        };
        let yellow = number("bands.yellow", &form.yellow)?.unwrap_or(current.bands.yellow);
        let orange = number("bands.orange", &form.orange)?.unwrap_or(current.bands.orange);
        Ok::<_, ApiError>(CreatePolicy {
            name: opt(&form.name).unwrap_or(current.name),
            matches: current.matches,
            limits: limits_of([
                &form.dispatch,
                &form.accept,
                &form.respond,
                &form.resolve,
                &form.callback,
                &form.answer,
                &form.review,
                &form.report,
            ])?,
            bands: Some(civicgrid_api::BandsIn { yellow, orange }),
            accountable_after_working_days: int("accountable", &form.accountable)?,
        })
    })();
    save_policy(&state, &browser, &staff, parsed, Some(form.id)).await
}

/// Stores a policy from a page form (a new version of `id`, or a new policy) and shows
/// the list again, or the form's errors.
async fn save_policy(
    state: &AppState,
    browser: &Browser,
    staff: &Staff,
    parsed: Result<CreatePolicy, ApiError>,
    id: Option<i64>,
) -> PageResult {
    let saved = match parsed
        .and_then(|body| crate::wire::policies::parse_policy(state, &staff.principal, body))
    {
        Ok(new) => match id {
            Some(id) => {
                crate::services::admin::update_policy(state, &staff.principal, id, new).await
            }
            None => crate::services::admin::create_policy(state, &staff.principal, new).await,
        },
        Err(e) => Err(e),
    };
    match saved {
        Ok(p) => Ok(see_other("/admin/policies", Some(&p.name))),
        Err(error) => {
            let failed = id.map_or(Failed::NewPolicy, Failed::Policy);
            shown_again(state, browser, staff, error, failed).await
        }
    }
}

/// The hub's rules that are numbers, as the form on the policies page writes them.
#[derive(Deserialize)]
struct RulesForm {
    #[serde(default)]
    return_window_days: String,
    #[serde(default)]
    return_window_days_complex: String,
    #[serde(default)]
    callback_attempts: String,
    #[serde(default)]
    designate_after: String,
    #[serde(default)]
    target_response_days: String,
    #[serde(default)]
    target_resolution_days: String,
    #[serde(default)]
    reply_review: String,
    #[serde(default)]
    frequent_caller_calls: String,
    #[serde(default)]
    frequent_caller_days: String,
}

async fn update_rules(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    CsrfForm(form): CsrfForm<RulesForm>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    let number = |field: &str, text: &str| -> Result<i64, ApiError> {
        text.trim()
            .parse::<i64>()
            .map_err(|_| ApiError::field(field, "must be a whole number"))
    };
    let parsed = (|| {
        let record = civicgrid_api::RulesConfig {
            return_window_days: number("return_window_days", &form.return_window_days)?,
            return_window_days_complex: number(
                "return_window_days_complex",
                &form.return_window_days_complex,
            )?,
            callback_attempts: number("callback_attempts", &form.callback_attempts)?,
            designate_after: number("designate_after", &form.designate_after)?,
            target_response_days: number("target_response_days", &form.target_response_days)?,
            target_resolution_days: number("target_resolution_days", &form.target_resolution_days)?,
            reply_review: form.reply_review.clone(),
            frequent_caller_calls: number("frequent_caller_calls", &form.frequent_caller_calls)?,
            frequent_caller_days: number("frequent_caller_days", &form.frequent_caller_days)?,
        };
        Ok::<_, ApiError>(crate::state::rules_from_record(&record)?)
    })();
    let saved = match parsed {
        Ok(rules) => crate::services::admin::set_rules(&state, &staff.principal, rules).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => Ok(see_other("/admin/policies", Some("rules"))),
        Err(error) => shown_again(&state, &browser, &staff, error, Failed::Rules).await,
    }
}

/// The appraisal form: categories kept out of the satisfaction rate, and optionally the
/// three-rates preset's weights.
#[derive(Deserialize)]
struct AppraisalForm {
    #[serde(default)]
    excluded: Vec<String>,
    #[serde(default)]
    preset: String,
}

async fn update_appraisal(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    CsrfForm(form): CsrfForm<AppraisalForm>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    let reference = state.reference();
    let parsed = (|| {
        let mut body = crate::wire::stats::config_out(&reference.appraisal);
        body.satisfaction_excluded = form
            .excluded
            .iter()
            .map(|id| {
                id.parse::<i64>()
                    .map_err(|_| ApiError::field("satisfaction_excluded", "category ids"))
            })
            .collect::<Result<_, _>>()?;
        let config = crate::wire::stats::config_in(&body, &reference)?;
        Ok::<_, ApiError>(match form.preset.as_str() {
            "three_rates" => config.three_rates(),
            "" => config,
            _ => return Err(ApiError::field("preset", "the preset is `three_rates`")),
        })
    })();
    let saved = match parsed {
        Ok(config) => crate::services::admin::set_appraisal(&state, &staff.principal, config).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => Ok(see_other("/admin/policies", Some("appraisal"))),
        Err(error) => shown_again(&state, &browser, &staff, error, Failed::Appraisal).await,
    }
}

/// The preset installer's form: the district's outage categories.
#[derive(Deserialize)]
struct PresetsForm {
    #[serde(default)]
    outages: Vec<String>,
}

async fn install_presets(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    CsrfForm(form): CsrfForm<PresetsForm>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    let reference = state.reference();
    let outages: Result<Vec<_>, ApiError> = form
        .outages
        .iter()
        .map(|id| {
            id.parse::<i64>()
                .ok()
                .map(civicgrid_domain::CategoryId)
                .filter(|c| reference.category(*c).is_some())
                .ok_or_else(|| {
                    ApiError::field("outage_categories", "choose categories from the list")
                })
        })
        .collect();
    let installed = match outages {
        Ok(outages) => {
            crate::services::admin::install_presets(&state, &staff.principal, &outages).await
        }
        Err(e) => Err(e),
    };
    match installed {
        Ok(_) => Ok(see_other("/admin/policies", Some("presets"))),
        Err(error) => shown_again(&state, &browser, &staff, error, Failed::Presets).await,
    }
}

/// The page again with the failed form open, its fields' errors named (422).
async fn shown_again(
    state: &AppState,
    browser: &Browser,
    staff: &Staff,
    error: ApiError,
    failed: Failed,
) -> PageResult {
    let errors = form_failure(error)?;
    let page = policies_page(state, browser, staff, errors, Some(failed), None).await?;
    html_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}

/// The five stages' limits as the forms write them, in stage order.
fn limits_of(texts: [&str; 8]) -> Result<PolicyLimits, ApiError> {
    let [
        dispatch,
        accept,
        respond,
        resolve,
        callback,
        answer,
        review,
        report,
    ] = texts;
    Ok(PolicyLimits {
        dispatch: limit_of("limits.dispatch", dispatch)?,
        accept: limit_of("limits.accept", accept)?,
        respond: limit_of("limits.respond", respond)?,
        resolve: limit_of("limits.resolve", resolve)?,
        callback: limit_of("limits.callback", callback)?,
        answer: limit_of("limits.answer", answer)?,
        review: limit_of("limits.review", review)?,
        report: limit_of("limits.report", report)?,
    })
}

/// A new policy: what it matches (any of kind, category code, urgency, channel) and the
/// limits it sets; the stages it leaves empty fall back to less specific policies.
#[derive(Deserialize)]
struct NewPolicyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    dispatch: String,
    #[serde(default)]
    accept: String,
    #[serde(default)]
    respond: String,
    #[serde(default)]
    resolve: String,
    #[serde(default)]
    callback: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    review: String,
    #[serde(default)]
    report: String,
}

async fn create_policy(
    State(state): AppStateRef,
    browser: Browser,
    staff: Staff,
    CsrfForm(form): CsrfForm<NewPolicyForm>,
) -> PageResult {
    require(&staff, &[Role::Admin])?;
    let parsed = (|| {
        Ok::<_, ApiError>(CreatePolicy {
            name: form.name.clone(),
            matches: civicgrid_api::PolicyMatch {
                kind: opt(&form.kind),
                category: opt(&form.category).map(serde_json::Value::String),
                urgency: opt(&form.urgency),
                channel: opt(&form.channel),
            },
            limits: limits_of([
                &form.dispatch,
                &form.accept,
                &form.respond,
                &form.resolve,
                &form.callback,
                &form.answer,
                &form.review,
                &form.report,
            ])?,
            bands: None,
            accountable_after_working_days: None,
        })
    })();
    save_policy(&state, &browser, &staff, parsed, None).await
}
