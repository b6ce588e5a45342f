//! Administration: creating units, users, categories and routing rules, with the checks
//! each needs. Shared by the API handlers and the admin pages.

use civicgrid_api::{
    CategoryOut, CreateCategory, CreatePolicy, CreateRoutingRule, CreateUnit, CreateUser,
    ErrorCode, PolicyOut, RoutingRuleOut, UnitOut, UserOut,
};
use civicgrid_domain::lifecycle::Basis;
use civicgrid_domain::org::{
    Grant, Principal, Role, UnitKind, check_password, parse_unit_name, parse_username,
};
use civicgrid_domain::request::parse_word;
use civicgrid_domain::{CategoryId, UnitId};
use civicgrid_store::{NewCategory, NewRoutingRule, NewUnit, NewUser};

use crate::access::require_admin;
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::org::{category_out, parse_lines, rule_out, user_out};
use crate::wire::policies::{parse_policy, policy_out};

pub async fn create_unit(
    state: &AppState,
    principal: &Principal,
    body: CreateUnit,
) -> ApiResult<UnitOut> {
    require_admin(principal)?;
    let name = parse_unit_name(&body.name)?;
    let kind = parse_word("kind", &body.kind, UnitKind::parse, UnitKind::words)?;
    let parent = body.parent.map(UnitId);
    if let Some(p) = parent {
        state.unit(p, "parent").await?;
    }
    state.org().check_new_unit(kind, parent)?;
    let lines = parse_lines("lines", &body.lines)?;
    let geometry = match &body.geometry {
        None | Some(serde_json::Value::Null) => None,
        Some(g) => {
            let text = g.to_string();
            if crate::state::parse_geometry(&text).is_none() {
                return Err(ApiError::field(
                    "geometry",
                    "must be a GeoJSON Polygon or MultiPolygon",
                ));
            }
            Some(text)
        }
    };
    let row = state
        .store
        .create_unit(
            NewUnit {
                name,
                kind,
                parent,
                lines,
                geometry,
            },
            state.now(),
        )
        .await?;
    state.reload().await?;
    let out = UnitOut {
        id: row.id.0,
        name: row.name,
        kind: row.kind.as_str().into(),
        parent: row.parent.map(|p| p.0),
        lines: row.lines,
        geometry: row.geometry.and_then(|g| serde_json::from_str(&g).ok()),
    };
    Ok(out)
}

pub async fn create_category(
    state: &AppState,
    principal: &Principal,
    body: CreateCategory,
) -> ApiResult<CategoryOut> {
    require_admin(principal)?;
    let code = body.code.trim();
    let code_ok = !code.is_empty()
        && code.len() <= 60
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.'));
    if !code_ok {
        return Err(ApiError::field(
            "code",
            "use lowercase letters, digits, `_` and `.`",
        ));
    }
    let name = civicgrid_domain::request::parse_text("name", &body.name, 60)?;
    let parent = body.parent.map(CategoryId);
    if let Some(p) = parent {
        let reference = state.reference();
        let parent_row = reference
            .category(p)
            .ok_or_else(|| ApiError::field("parent", "no such category"))?;
        if parent_row.parent.is_some() {
            return Err(ApiError::field(
                "parent",
                "categories have two levels; the parent must be a top-level category",
            ));
        }
    }
    let line = match &body.line {
        Some(l) => parse_lines("line", std::slice::from_ref(l))?.pop(),
        None => None,
    };
    let row = state
        .store
        .create_category(NewCategory {
            code: code.to_owned(),
            name,
            parent,
            line,
        })
        .await?;
    state.reload().await?;
    Ok(category_out(&row))
}

pub async fn create_routing_rule(
    state: &AppState,
    principal: &Principal,
    body: CreateRoutingRule,
) -> ApiResult<RoutingRuleOut> {
    require_admin(principal)?;
    let basis = parse_word("basis", &body.basis, Basis::parse, Basis::words)?;
    if matches!(basis, Basis::Territorial | Basis::Manual) {
        return Err(ApiError::field(
            "basis",
            "must be one of: statute, agreement, designation",
        ));
    }
    if state
        .reference()
        .category(CategoryId(body.category))
        .is_none()
    {
        return Err(ApiError::field("category", "no such category"));
    }
    state.unit(UnitId(body.unit), "unit").await?;
    if let Some(area) = body.area {
        let unit = state.unit(UnitId(area), "area").await?;
        if !unit.kind.is_territorial() {
            return Err(ApiError::field(
                "area",
                "must be a hub, street, community or grid",
            ));
        }
    }
    let rule = state
        .store
        .create_routing_rule(NewRoutingRule {
            category: CategoryId(body.category),
            area: body.area.map(UnitId),
            unit: UnitId(body.unit),
            basis,
        })
        .await?;
    state.reload().await?;
    Ok(rule_out(&rule))
}

pub async fn create_user(
    state: &AppState,
    principal: &Principal,
    body: CreateUser,
) -> ApiResult<UserOut> {
    require_admin(principal)?;
    let username = parse_username(&body.username)?;
    check_password(&body.password)?;
    let unit = state.unit(UnitId(body.unit), "unit").await?;
    if body.roles.is_empty() {
        return Err(ApiError::field("roles", "grant at least one role"));
    }
    let lines = parse_lines("lines", &body.lines)?;
    let mut grants = Vec::new();
    for (i, role) in body.roles.iter().enumerate() {
        let role = parse_word(&format!("roles[{i}]"), role, Role::parse, Role::words)?;
        grants.push(Grant {
            role,
            unit: unit.id,
            lines: lines.clone(),
        });
    }
    let display_name = body
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(&username)
        .to_owned();
    let password_hash = auth::hash_password_blocking(body.password).await?;
    let user = state
        .store
        .create_user(
            NewUser {
                username,
                display_name,
                password_hash,
                unit: unit.id,
                grants,
            },
            state.now(),
        )
        .await?;
    Ok(user_out(&user))
}

/// A new version of a policy in force; the default policy keeps matching everything.
pub async fn update_policy(
    state: &AppState,
    principal: &Principal,
    id: i64,
    body: CreatePolicy,
) -> ApiResult<PolicyOut> {
    require_admin(principal)?;
    let new = parse_policy(state, principal, body)?;
    let was_default = state
        .reference()
        .policies
        .iter()
        .any(|p| p.id == id && p.matches == civicgrid_domain::deadline::Match::default());
    let defaults = state
        .reference()
        .policies
        .iter()
        .filter(|p| p.matches == civicgrid_domain::deadline::Match::default())
        .count();
    if was_default && defaults == 1 && new.matches != civicgrid_domain::deadline::Match::default() {
        return Err(ApiError::field(
            "match",
            "this is the default policy: it keeps matching every request (create another policy for the narrower match)",
        ));
    }
    let policy = state
        .store
        .supersede_policy(id, new, state.now())
        .await
        .map_err(|e| match e {
            civicgrid_store::StoreError::NotFound(_) => {
                ApiError::with_message(ErrorCode::NotFound, "no policy in force has this id")
            }
            other => other.into(),
        })?;
    state.reload().await?;
    Ok(policy_out(&policy, &state.reference()))
}

/// Adds a deadline policy (administrators only).
pub async fn create_policy(
    state: &AppState,
    principal: &Principal,
    body: CreatePolicy,
) -> ApiResult<PolicyOut> {
    require_admin(principal)?;
    let new = parse_policy(state, principal, body)?;
    let policy = state.store.create_policy(new, state.now()).await?;
    state.reload().await?;
    Ok(policy_out(&policy, &state.reference()))
}

/// Replaces the appraisal configuration (administrators only); returns it as stored.
pub async fn set_appraisal(
    state: &AppState,
    principal: &Principal,
    body: civicgrid_api::AppraisalConfig,
) -> ApiResult<civicgrid_api::AppraisalConfig> {
    require_admin(principal)?;
    let config = civicgrid_domain::appraisal::Config::parse(
        &body.weights,
        body.min_sample,
        body.basically_satisfied_credit,
        body.accountability_penalty,
        body.sample_percent,
    )?;
    let out = crate::services::stats::config_out(&config);
    let text = serde_json::to_string(&out).map_err(ApiError::internal)?;
    state
        .store
        .set_setting(crate::state::APPRAISAL_SETTING, &text)
        .await?;
    state.reload().await?;
    Ok(out)
}
