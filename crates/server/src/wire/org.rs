//! The organisation on the wire: users with their roles, categories, routing rules, and the
//! business-line words an administrator types.

use civicgrid_api::{CategoryOut, GrantOut, RoutingRuleOut, UserOut};
use civicgrid_domain::CategoryId;
use civicgrid_store::UserRow;

use crate::error::{ApiError, ApiResult};
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
