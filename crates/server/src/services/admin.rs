//! Administration: creating units, users, categories, routing rules and deadline policies,
//! and the appraisal settings, each with the checks that need the organisation as it is.
//! Shared by the API handlers and the admin pages; both parse their input on the wire
//! first (`wire::org`, `wire::policies`, `wire::stats`) and enter here with store values.

use civicgrid_api::ErrorCode;
use civicgrid_domain::UnitId;
use civicgrid_domain::appraisal::Config;
use civicgrid_domain::deadline::Policy;
use civicgrid_domain::lifecycle::Basis;
use civicgrid_domain::org::{Grant, Principal, Role, check_password};
use civicgrid_domain::routing::RoutingRule;
use civicgrid_store::{
    CategoryRow, NewCategory, NewPolicy, NewRoutingRule, NewUnit, NewUser, UnitRow, UserRow,
};

use crate::access::require_admin;
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Adds a unit under an existing parent, where the organisation allows its kind.
pub async fn create_unit(
    state: &AppState,
    principal: &Principal,
    new: NewUnit,
) -> ApiResult<UnitRow> {
    require_admin(principal)?;
    if let Some(parent) = new.parent {
        state.unit(parent, "parent").await?;
    }
    state.org().check_new_unit(new.kind, new.parent)?;
    let mut new = new;
    new.code = new
        .code
        .map(|raw| place_code(state, new.kind, new.parent, &raw))
        .transpose()?;
    let row = state
        .store
        .create_unit(new, state.now())
        .await
        .map_err(|e| match e {
            civicgrid_store::StoreError::Duplicate(what) => code_taken(&what),
            other => other.into(),
        })?;
    state.reload().await?;
    let after = format!(
        "{} ({}) under {}",
        row.name,
        row.kind.as_str(),
        row.parent
            .map_or_else(|| "—".into(), |p| unit_name(state, p))
    );
    change(
        state,
        principal,
        "create_unit",
        unit_target(&row),
        None,
        Some(after),
    )
    .await?;
    Ok(row)
}

/// Renames, moves or disables (enables) a unit (administrators only). A move keeps the tree
/// a tree and the kinds where they may stand; a disabled unit takes no new work — the
/// routing table's rules to it stand aside — while its open cases and history stay.
fn code_taken(what: &str) -> ApiError {
    ApiError::field("code", format!("{what} already belongs to another unit"))
}

/// A unit's national place code as an administrator typed it: digits of the level the
/// unit's kind has (GB/T 30428), under the parent's code when the parent has one.
fn place_code(
    state: &AppState,
    kind: civicgrid_domain::org::UnitKind,
    parent: Option<UnitId>,
    raw: &str,
) -> ApiResult<String> {
    let code = civicgrid_domain::area_code::AreaCode::parse("code", raw)?;
    match civicgrid_domain::geography::code_level(kind) {
        Some(level) if level == code.level() => {}
        Some(level) => {
            return Err(ApiError::field(
                "code",
                format!("a {kind} has a {level} code of {} digits", level.digits()),
            ));
        }
        None => {
            return Err(ApiError::field(
                "code",
                format!("a {kind} has no place code"),
            ));
        }
    }
    let reference = state.reference();
    if let Some(above) = parent.and_then(|p| reference.codes.code(p))
        && !code.as_str().starts_with(above)
    {
        return Err(ApiError::field(
            "code",
            format!("must lie under the parent's code {above}"),
        ));
    }
    Ok(code.to_string())
}

/// A unit's new name, parent, state or place code (administrators only); `None` keeps
/// what it has.
pub async fn update_unit(
    state: &AppState,
    principal: &Principal,
    id: UnitId,
    name: Option<String>,
    parent: Option<UnitId>,
    disabled: Option<bool>,
    code: Option<String>,
) -> ApiResult<UnitRow> {
    require_admin(principal)?;
    let org = state.org();
    let current = org
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::with_message(ErrorCode::NotFound, "no such unit"))?;
    let name = match name {
        Some(raw) => civicgrid_domain::org::parse_unit_name(&raw)?,
        None => current.name.clone(),
    };
    if let Some(parent) = parent
        && Some(parent) != current.parent
    {
        org.check_move(id, parent)?;
    }
    let parent = parent.or(current.parent);
    let disabled = disabled.unwrap_or(current.disabled);
    if disabled && Some(id) == org.root() {
        return Err(ApiError::field("disabled", "the hub cannot be disabled"));
    }
    let current_code = state.reference().codes.code(id).map(str::to_owned);
    let code = match code.as_deref().map(str::trim) {
        Some("") | None => current_code.clone(),
        Some(raw) => Some(place_code(state, current.kind, parent, raw)?),
    };
    let row = state
        .store
        .update_unit(id, &name, parent, disabled, code.as_deref())
        .await
        .map_err(|e| match e {
            civicgrid_store::StoreError::Duplicate(what) => code_taken(&what),
            other => other.into(),
        })?;
    state.reload().await?;
    let describe = |name: &str, parent: Option<UnitId>, disabled: bool, code: Option<&str>| {
        format!(
            "{name}{} under {}{}",
            code.map(|c| format!(" ({c})")).unwrap_or_default(),
            parent.map_or_else(|| "—".into(), |p| unit_name(state, p)),
            if disabled { ", disabled" } else { "" }
        )
    };
    let before = describe(
        &current.name,
        current.parent,
        current.disabled,
        current_code.as_deref(),
    );
    let after = describe(&row.name, row.parent, row.disabled, row.code.as_deref());
    let what = match (current.disabled, row.disabled) {
        (false, true) => "disable_unit",
        (true, false) => "enable_unit",
        _ if current.parent != row.parent => "move_unit",
        _ if current_code != row.code => "code_unit",
        _ => "rename_unit",
    };
    change(
        state,
        principal,
        what,
        unit_target(&row),
        Some(before),
        Some(after),
    )
    .await?;
    Ok(row)
}

/// Renames or retires (brings back) a category (administrators only). A retired category
/// is no longer offered for new requests; requests and rules that name it keep it.
pub async fn update_category(
    state: &AppState,
    principal: &Principal,
    id: civicgrid_domain::CategoryId,
    name: Option<String>,
    retired: Option<bool>,
) -> ApiResult<CategoryRow> {
    require_admin(principal)?;
    let current = state
        .reference()
        .category(id)
        .cloned()
        .ok_or_else(|| ApiError::with_message(ErrorCode::NotFound, "no such category"))?;
    let name = match name {
        Some(raw) => civicgrid_domain::request::parse_text("name", &raw, 50)?,
        None => current.name.clone(),
    };
    let retired = retired.unwrap_or(current.retired);
    let row = state
        .store
        .update_category(id, &name, retired, state.now())
        .await?;
    state.reload().await?;
    let describe =
        |c: &CategoryRow| format!("{}{}", c.name, if c.retired { ", retired" } else { "" });
    let what = match (current.retired, row.retired) {
        (false, true) => "retire_category",
        (true, false) => "restore_category",
        _ => "rename_category",
    };
    let target = format!("category:{}", row.code);
    change(
        state,
        principal,
        what,
        target,
        Some(describe(&current)),
        Some(describe(&row)),
    )
    .await?;
    Ok(row)
}

/// Adds a category, at the top or under a top-level category (two levels).
pub async fn create_category(
    state: &AppState,
    principal: &Principal,
    new: NewCategory,
) -> ApiResult<CategoryRow> {
    require_admin(principal)?;
    if let Some(parent) = new.parent {
        let reference = state.reference();
        let parent_row = reference
            .category(parent)
            .ok_or_else(|| ApiError::field("parent", "no such category"))?;
        if parent_row.parent.is_some() {
            return Err(ApiError::field(
                "parent",
                "categories have two levels; the parent must be a top-level category",
            ));
        }
    }
    let row = state.store.create_category(new).await?;
    state.reload().await?;
    let after = format!("{} {}", row.code, row.name);
    let target = format!("category:{}", row.id.0);
    change(
        state,
        principal,
        "create_category",
        target,
        None,
        Some(after),
    )
    .await?;
    Ok(row)
}

/// Disables or enables an account (administrators only, never their own): a disabled user
/// cannot sign in, and its sessions end at once on every instance.
pub async fn set_user_disabled(
    state: &AppState,
    principal: &Principal,
    id: civicgrid_domain::UserId,
    disabled: bool,
) -> ApiResult<civicgrid_store::UserRow> {
    require_admin(principal)?;
    if disabled && id == principal.user {
        return Err(ApiError::field(
            "disabled",
            "you cannot disable your own account",
        ));
    }
    let before = state.store.get_user(id).await?.map(|u| u.disabled);
    // An unknown id is "no such user" (404) through the store error's own conversion.
    let user = state
        .store
        .set_user_disabled(id, disabled, state.now())
        .await?;
    // This instance forgets its cached sessions now; the others at their next coherence
    // check (the sessions generation moved).
    state.sessions.clear();
    let word = |disabled: bool| if disabled { "disabled" } else { "enabled" }.to_owned();
    let what = if disabled {
        "disable_user"
    } else {
        "enable_user"
    };
    let target = format!("user:{}", user.username);
    change(
        state,
        principal,
        what,
        target,
        before.map(word),
        Some(word(disabled)),
    )
    .await?;
    Ok(user)
}

/// Changes a user's unit, roles and business lines (administrators only); the new roles
/// hold from the user's next request, on every instance. An administrator cannot take
/// the administrator role from themselves.
pub async fn set_grants(
    state: &AppState,
    principal: &Principal,
    id: civicgrid_domain::UserId,
    unit: UnitId,
    roles: Vec<Role>,
    lines: Vec<String>,
) -> ApiResult<UserRow> {
    require_admin(principal)?;
    let unit = state.unit(unit, "unit").await?;
    if roles.is_empty() {
        return Err(ApiError::field("roles", "grant at least one role"));
    }
    if id == principal.user && !roles.contains(&Role::Admin) {
        return Err(ApiError::field(
            "roles",
            "you cannot take the administrator role from yourself",
        ));
    }
    let before = state
        .store
        .get_user(id)
        .await?
        .ok_or_else(|| ApiError::with_message(ErrorCode::NotFound, "no such user"))?;
    let grants: Vec<Grant> = roles
        .iter()
        .map(|role| Grant {
            role: *role,
            unit: unit.id,
            lines: lines.clone(),
        })
        .collect();
    let user = state.store.set_grants(id, unit.id, &grants).await?;
    state.sessions.clear();
    let describe = |u: &UserRow| {
        let roles = u
            .grants
            .iter()
            .map(|g| {
                if g.lines.is_empty() {
                    g.role.as_str().to_owned()
                } else {
                    format!("{} ({})", g.role.as_str(), g.lines.join(","))
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!("{} at {}", roles, unit_name(state, u.unit))
    };
    let target = format!("user:{}", user.username);
    change(
        state,
        principal,
        "set_grants",
        target,
        Some(describe(&before)),
        Some(describe(&user)),
    )
    .await?;
    Ok(user)
}

/// Lifts the sign-in lock a user's failed attempts put on the account (administrators
/// only). The lock is kept per server instance: this lifts it on the instance that answers;
/// elsewhere it ends with its 15-minute window.
pub async fn unlock_sign_in(
    state: &AppState,
    principal: &Principal,
    id: civicgrid_domain::UserId,
) -> ApiResult<bool> {
    require_admin(principal)?;
    let user = state
        .store
        .get_user(id)
        .await?
        .ok_or_else(|| ApiError::with_message(ErrorCode::NotFound, "no such user"))?;
    let was_locked = state.throttle.forget(
        &crate::throttle::LOGIN_FAILURES_PER_USER,
        &user.username,
        state.now(),
    )?;
    let target = format!("user:{}", user.username);
    let before = Some(if was_locked { "locked" } else { "not locked" }.to_owned());
    change(
        state,
        principal,
        "unlock_sign_in",
        target,
        before,
        Some("unlocked".into()),
    )
    .await?;
    Ok(was_locked)
}

/// Resets a user's password (administrators only): the temporary password must meet the
/// policy; the user's sessions end and the next sign-in must choose a new password.
pub async fn reset_password(
    state: &AppState,
    principal: &Principal,
    id: civicgrid_domain::UserId,
    password: String,
) -> ApiResult<()> {
    require_admin(principal)?;
    check_password(&password)?;
    let hash = auth::hash_password_blocking(password).await?;
    state.store.set_password(id, &hash, true).await?;
    state.sessions.clear();
    let username = state.store.get_user(id).await?.map(|u| u.username);
    let target = format!("user:{}", username.unwrap_or_else(|| id.0.to_string()));
    let after = "temporary password; a new one at the next sign-in".to_owned();
    change(
        state,
        principal,
        "reset_password",
        target,
        None,
        Some(after),
    )
    .await?;
    Ok(())
}

/// Adds a non-acceptance (cancel) reason (administrators only): a snake_case code of 2–40
/// characters, unused so far (retired codes stay taken, so history keeps its meaning),
/// and what it says.
pub async fn add_cancel_reason(
    state: &AppState,
    principal: &Principal,
    code: &str,
    name: &str,
) -> ApiResult<civicgrid_store::CancelReason> {
    require_admin(principal)?;
    let code = code.trim();
    let valid = (2..=40).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(ApiError::field(
            "code",
            "2 to 40 characters: lowercase letters, digits and _, starting with a letter",
        ));
    }
    let label = civicgrid_domain::request::parse_text("name", name, 60)?;
    let added = state
        .store
        .add_cancel_reason(civicgrid_store::CancelReason {
            code: code.to_owned(),
            label,
        })
        .await
        .map_err(|e| match e {
            civicgrid_store::StoreError::Duplicate(_) => {
                ApiError::field("code", "this code is in use (or was, by a retired reason)")
            }
            other => other.into(),
        })?;
    let target = format!("cancel_reason:{}", added.code);
    let after = Some(added.label.clone());
    change(state, principal, "add_cancel_reason", target, None, after).await?;
    Ok(added)
}

/// Retires a non-acceptance reason: no longer offered; cancellations that cite it keep it.
pub async fn retire_cancel_reason(
    state: &AppState,
    principal: &Principal,
    code: &str,
) -> ApiResult<()> {
    require_admin(principal)?;
    let before = state
        .store
        .list_cancel_reasons()
        .await?
        .into_iter()
        .find(|r| r.code == code)
        .map(|r| r.label);
    state.store.retire_cancel_reason(code, state.now()).await?;
    let target = format!("cancel_reason:{code}");
    let after = Some("retired".to_owned());
    change(
        state,
        principal,
        "retire_cancel_reason",
        target,
        before,
        after,
    )
    .await
}

/// Adds a rule of the routing table (a statute, an agreement or a designation; the
/// territorial fallback and manual dispatch are not rules).
pub async fn create_routing_rule(
    state: &AppState,
    principal: &Principal,
    new: NewRoutingRule,
) -> ApiResult<RoutingRule> {
    require_admin(principal)?;
    check_rule(state, &new).await?;
    let rule = state.store.create_routing_rule(new).await?;
    state.reload().await?;
    let after = Some(rule_text(state, &rule));
    let target = format!("routing_rule:{}", rule.id);
    change(state, principal, "create_routing_rule", target, None, after).await?;
    Ok(rule)
}

/// Changes a rule of the routing table (administrators only), checked like a new one.
pub async fn update_routing_rule(
    state: &AppState,
    principal: &Principal,
    id: i64,
    new: NewRoutingRule,
) -> ApiResult<RoutingRule> {
    require_admin(principal)?;
    check_rule(state, &new).await?;
    let before = rule_in_force(state, id);
    let rule = state.store.update_routing_rule(id, new).await?;
    state.reload().await?;
    let after = Some(rule_text(state, &rule));
    let target = format!("routing_rule:{id}");
    change(
        state,
        principal,
        "update_routing_rule",
        target,
        before,
        after,
    )
    .await?;
    Ok(rule)
}

/// Removes a rule of the routing table (administrators only); requests it routed keep
/// their history, new ones fall back to the next rule or the territory.
pub async fn delete_routing_rule(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> ApiResult<()> {
    require_admin(principal)?;
    let before = rule_in_force(state, id);
    state.store.delete_routing_rule(id).await?;
    state.reload().await?;
    let target = format!("routing_rule:{id}");
    change(
        state,
        principal,
        "delete_routing_rule",
        target,
        before,
        None,
    )
    .await
}

async fn check_rule(state: &AppState, new: &NewRoutingRule) -> ApiResult<()> {
    if matches!(new.basis, Basis::Territorial | Basis::Manual) {
        return Err(ApiError::field(
            "basis",
            "must be one of: statute, agreement, designation",
        ));
    }
    if state.reference().category(new.category).is_none() {
        return Err(ApiError::field("category", "no such category"));
    }
    state.unit(new.unit, "unit").await?;
    if let Some(area) = new.area {
        let unit = state.unit(area, "area").await?;
        if !unit.kind.is_territorial() {
            return Err(ApiError::field(
                "area",
                "must be a hub, street, community or grid",
            ));
        }
    }
    Ok(())
}

/// A new account as an administrator asks for it: the password in clear until hashed here.
#[derive(Clone)]
pub struct NewAccount {
    pub username: String,
    /// Defaults to the username.
    pub display_name: Option<String>,
    pub password: String,
    pub unit: UnitId,
    /// At least one; each granted on `unit`, limited to `lines` when any are named.
    pub roles: Vec<Role>,
    pub lines: Vec<String>,
}

impl std::fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccount")
            .field("username", &self.username)
            .field("unit", &self.unit)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

/// Creates an account; the password must meet the policy and is stored only as its hash.
pub async fn create_user(
    state: &AppState,
    principal: &Principal,
    new: NewAccount,
) -> ApiResult<UserRow> {
    require_admin(principal)?;
    check_password(&new.password)?;
    let unit = state.unit(new.unit, "unit").await?;
    if new.roles.is_empty() {
        return Err(ApiError::field("roles", "grant at least one role"));
    }
    let grants = new
        .roles
        .iter()
        .map(|role| Grant {
            role: *role,
            unit: unit.id,
            lines: new.lines.clone(),
        })
        .collect();
    let display_name = new
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(&new.username)
        .to_owned();
    let password_hash = auth::hash_password_blocking(new.password).await?;
    let roles = new
        .roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let after = format!("{} at {}: {roles}", new.username, unit.name);
    let user = state
        .store
        .create_user(
            NewUser {
                username: new.username,
                display_name,
                password_hash,
                unit: unit.id,
                grants,
            },
            state.now(),
        )
        .await?;
    let target = format!("user:{}", user.username);
    change(state, principal, "create_user", target, None, Some(after)).await?;
    Ok(user)
}

/// A new version of a policy in force; the default policy keeps matching everything.
pub async fn update_policy(
    state: &AppState,
    principal: &Principal,
    id: i64,
    new: NewPolicy,
) -> ApiResult<Policy> {
    require_admin(principal)?;
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
    let before = state
        .reference()
        .policies
        .iter()
        .find(|p| p.id == id)
        .map(policy_text);
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
    let target = format!("policy:{}", policy.id);
    let after = Some(policy_text(&policy));
    change(state, principal, "update_policy", target, before, after).await?;
    Ok(policy)
}

/// Adds a deadline policy (administrators only).
pub async fn create_policy(
    state: &AppState,
    principal: &Principal,
    new: NewPolicy,
) -> ApiResult<Policy> {
    require_admin(principal)?;
    let policy = state.store.create_policy(new, state.now()).await?;
    state.reload().await?;
    let target = format!("policy:{}", policy.id);
    let after = Some(policy_text(&policy));
    change(state, principal, "create_policy", target, None, after).await?;
    Ok(policy)
}

/// Installs the national and local preset policies (`deadline::presets`) that are not in
/// force yet (by name and match), with `outages` as the water, power, gas and heating
/// outage categories; returns the policies it added. Installing twice adds nothing.
pub async fn install_presets(
    state: &AppState,
    principal: &Principal,
    outages: &[civicgrid_domain::CategoryId],
) -> ApiResult<Vec<Policy>> {
    require_admin(principal)?;
    let in_force = state.reference().policies.clone();
    let mut added = Vec::new();
    for (name, matches, limits) in civicgrid_domain::deadline::presets(outages) {
        if in_force
            .iter()
            .any(|p| p.name == name && p.matches == matches)
        {
            continue;
        }
        let new = NewPolicy {
            name: name.to_owned(),
            matches,
            limits,
            thresholds: Default::default(),
            accountable_after: civicgrid_domain::deadline::DEFAULT_ACCOUNTABLE_AFTER,
            created_by: Some(principal.user),
        };
        added.push(state.store.create_policy(new, state.now()).await?);
    }
    state.reload().await?;
    for policy in &added {
        let target = format!("policy:{}", policy.id);
        let after = Some(policy_text(policy));
        change(state, principal, "install_preset", target, None, after).await?;
    }
    Ok(added)
}

/// Replaces the hub's rules (administrators only); returns them as stored.
pub async fn set_rules(
    state: &AppState,
    principal: &Principal,
    rules: civicgrid_domain::lifecycle::Rules,
) -> ApiResult<civicgrid_domain::lifecycle::Rules> {
    require_admin(principal)?;
    let text = serde_json::to_string(&crate::state::rules_record(&rules))
        .map_err(crate::error::ApiError::internal)?;
    let before = state.store.get_setting(crate::state::RULES_SETTING).await?;
    state
        .store
        .set_setting(crate::state::RULES_SETTING, &text)
        .await?;
    state.reload().await?;
    change(state, principal, "set_rules", "rules", before, Some(text)).await?;
    Ok(rules)
}

/// Replaces the appraisal configuration (administrators only); returns it as stored.
pub async fn set_appraisal(
    state: &AppState,
    principal: &Principal,
    config: Config,
) -> ApiResult<Config> {
    require_admin(principal)?;
    let text = crate::state::appraisal_to_setting(&config)?;
    let before = state
        .store
        .get_setting(crate::state::APPRAISAL_SETTING)
        .await?;
    state
        .store
        .set_setting(crate::state::APPRAISAL_SETTING, &text)
        .await?;
    state.reload().await?;
    change(
        state,
        principal,
        "set_appraisal",
        "appraisal",
        before,
        Some(text),
    )
    .await?;
    Ok(config)
}

use crate::services::audit::admin_change as change;

fn unit_name(state: &AppState, id: UnitId) -> String {
    state
        .org()
        .get(id)
        .map_or_else(|| id.0.to_string(), |u| u.name.clone())
}

fn unit_target(row: &UnitRow) -> String {
    format!("unit:{}", row.id.0)
}

/// A routing rule in words: category → unit, on what basis, where.
fn rule_text(state: &AppState, rule: &RoutingRule) -> String {
    let reference = state.reference();
    let category = reference
        .category(rule.category)
        .map_or_else(|| rule.category.0.to_string(), |c| c.code.clone());
    let area = rule
        .area
        .map_or_else(String::new, |a| format!(" in {}", unit_name(state, a)));
    format!(
        "{category} → {} ({}){area}",
        unit_name(state, rule.unit),
        rule.basis.as_str()
    )
}

fn rule_in_force(state: &AppState, id: i64) -> Option<String> {
    let rule = state
        .reference()
        .rules
        .iter()
        .find(|r| r.id == id)
        .cloned()?;
    Some(rule_text(state, &rule))
}

/// A policy in words: its name and each stage's limit.
fn policy_text(policy: &Policy) -> String {
    let limits = policy
        .limits
        .iter()
        .map(|(stage, limit)| {
            format!(
                "{} {} {}",
                stage.as_str(),
                limit.amount,
                limit.unit.as_str()
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!("{}: {limits}", policy.name)
}
