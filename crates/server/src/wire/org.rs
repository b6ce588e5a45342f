//! The organisation on the wire: users with their roles, categories, routing rules, and the
//! business-line words an administrator types.

use civicgrid_api::{
    CategoryOut, CreateCategory, CreateRoutingRule, CreateUnit, CreateUser, GrantOut,
    RoutingRuleOut, UnitOut, UserOut,
};
use civicgrid_domain::lifecycle::Basis;
use civicgrid_domain::org::{Role, UnitKind, parse_unit_name, parse_username};
use civicgrid_domain::request::parse_word;
use civicgrid_domain::{CategoryId, UnitId};
use civicgrid_store::{NewCategory, NewRoutingRule, NewUnit, UnitRow, UserRow};

use crate::error::{ApiError, ApiResult};
use crate::services::admin::NewAccount;
use crate::state::Reference;

pub(crate) fn user_out(user: &UserRow) -> UserOut {
    let mut roles: Vec<String> = user
        .grants
        .iter()
        .map(|g| g.role.as_str().to_owned())
        .collect();
    roles.sort();
    roles.dedup();
    UserOut {
        id: user.id.0,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        unit: user.unit.0,
        disabled: user.disabled,
        roles,
        grants: user
            .grants
            .iter()
            .map(|g| GrantOut {
                role: g.role.as_str().into(),
                unit: g.unit.0,
                lines: g.lines.clone(),
            })
            .collect(),
    }
}

pub(crate) fn parse_lines(field: &str, lines: &[String]) -> ApiResult<Vec<String>> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let l = l.trim();
            let ok = !l.is_empty()
                && l.len() <= 40
                && l.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if ok {
                Ok(l.to_owned())
            } else {
                Err(ApiError::field(
                    format!("{field}[{i}]"),
                    "use snake_case words",
                ))
            }
        })
        .collect()
}

pub(crate) fn category_out(c: &civicgrid_store::CategoryRow) -> CategoryOut {
    CategoryOut {
        id: c.id.0,
        code: c.code.clone(),
        name: c.name.clone(),
        parent: c.parent.map(|p| p.0),
        line: c.line.clone(),
        retired: c.retired,
    }
}

pub(crate) fn rule_out(r: &civicgrid_domain::routing::RoutingRule) -> RoutingRuleOut {
    RoutingRuleOut {
        id: r.id,
        category: r.category.0,
        area: r.area.map(|a| a.0),
        unit: r.unit.0,
        basis: r.basis.as_str().into(),
    }
}

/// The category (and its parent) for routing; unknown ids or codes name the field.
pub fn resolve_category(
    reference: &Reference,
    raw: Option<&serde_json::Value>,
) -> ApiResult<Option<CategoryId>> {
    let Some(raw) = raw else { return Ok(None) };
    let found = match raw {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(CategoryId)
            .filter(|id| reference.category(*id).is_some()),
        serde_json::Value::String(code) => reference.category_by_code.get(code).copied(),
        _ => return Err(ApiError::field("category", "must be a category id or code")),
    };
    found
        .map(Some)
        .ok_or_else(|| ApiError::field("category", "no such category"))
}

/// A category for a new request: one in use (a retired one is refused, named).
pub fn active_category(
    reference: &Reference,
    raw: Option<&serde_json::Value>,
) -> ApiResult<Option<CategoryId>> {
    let found = resolve_category(reference, raw)?;
    if let Some(id) = found
        && reference.category(id).is_some_and(|c| c.retired)
    {
        return Err(ApiError::field(
            "category",
            "this category is retired: choose one in use",
        ));
    }
    Ok(found)
}

pub fn unit_out(u: UnitRow) -> UnitOut {
    UnitOut {
        id: u.id.0,
        name: u.name,
        kind: u.kind.as_str().into(),
        parent: u.parent.map(|p| p.0),
        lines: u.lines,
        geometry: u.geometry.and_then(|g| serde_json::from_str(&g).ok()),
        disabled: u.disabled,
        code: u.code,
        layer: u.layer,
    }
}

/// A new unit as an administrator sends it: name, kind, business lines and boundary.
pub fn unit_in(body: &CreateUnit) -> ApiResult<NewUnit> {
    let name = parse_unit_name(&body.name)?;
    let kind = parse_word("kind", &body.kind, UnitKind::parse, UnitKind::words)?;
    let lines = parse_lines("lines", &body.lines)?;
    let geometry = match &body.geometry {
        None | Some(serde_json::Value::Null) => None,
        Some(g) => {
            let text = g.to_string();
            if crate::geojson::parse_geometry(&text).is_none() {
                return Err(ApiError::field(
                    "geometry",
                    "must be a GeoJSON Polygon or MultiPolygon",
                ));
            }
            Some(text)
        }
    };
    // Checked by the service against the kind and the parent's code.
    let code = body
        .code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    Ok(NewUnit {
        name,
        kind,
        parent: body.parent.map(UnitId),
        lines,
        geometry,
        code,
    })
}

/// A new category: a code of lowercase words, a name, its parent and business line.
pub fn category_in(body: &CreateCategory) -> ApiResult<NewCategory> {
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
    let line = match &body.line {
        Some(l) => parse_lines("line", std::slice::from_ref(l))?.pop(),
        None => None,
    };
    Ok(NewCategory {
        code: code.to_owned(),
        name,
        parent: body.parent.map(CategoryId),
        line,
    })
}

pub fn rule_in(body: &CreateRoutingRule) -> ApiResult<NewRoutingRule> {
    Ok(NewRoutingRule {
        category: CategoryId(body.category),
        area: body.area.map(UnitId),
        unit: UnitId(body.unit),
        basis: parse_word("basis", &body.basis, Basis::parse, Basis::words)?,
    })
}

/// Roles and business lines as an administrator sends them, checked as words.
pub fn roles_in(roles: &[String], lines: &[String]) -> ApiResult<(Vec<Role>, Vec<String>)> {
    let lines = parse_lines("lines", lines)?;
    let roles = roles
        .iter()
        .enumerate()
        .map(|(i, role)| parse_word(&format!("roles[{i}]"), role, Role::parse, Role::words))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((roles, lines))
}

/// A new account: username, roles and business lines checked as words; the password is
/// checked against the policy by the service that hashes it.
pub fn account_in(body: CreateUser) -> ApiResult<NewAccount> {
    let username = parse_username(&body.username)?;
    let (roles, lines) = roles_in(&body.roles, &body.lines)?;
    Ok(NewAccount {
        username,
        display_name: body.display_name,
        password: body.password,
        unit: UnitId(body.unit),
        roles,
        lines,
    })
}
