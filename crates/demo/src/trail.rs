//! The demo's administrative history: a year of an administrator's changes (presets
//! installed, rules and the appraisal set, a reason added, accounts disabled and reset,
//! roles changed, a routing rule corrected), dated through the year and attributed to the
//! `admin` account, so the admin audit page opens on real content. Written once per
//! database, after `serve` has created the administrator.

use std::sync::Arc;

use chrono::Duration;
use civicgrid::error::ApiResult;
use civicgrid_domain::Instant;
use civicgrid_store::{AuditEntry, Store};

/// The flag that says the trail was written.
const WRITTEN: &str = "demo_admin_trail";

/// One change: days before `now`, what (`admin.{what}`), target, value before and after.
type Change = (
    i64,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

const TRAIL: &[Change] = &[
    (
        360,
        "install_preset",
        "national",
        None,
        Some("受理时限(国家)·办理时限(广东2022)"),
    ),
    (
        358,
        "set_rules",
        "rules",
        Some("return_window_days=1 · reply_review=off"),
        Some("return_window_days=1 · reply_review=all"),
    ),
    (
        355,
        "add_cancel_reason",
        "duplicate_call",
        None,
        Some("重复来电,已合并处理"),
    ),
    (
        300,
        "set_appraisal",
        "appraisal",
        Some("satisfaction_excluded=—"),
        Some("satisfaction_excluded=执法类、调解类"),
    ),
    (
        240,
        "update_policy",
        "policy:紧急诉求",
        Some("accept=30 minutes"),
        Some("accept=15 minutes"),
    ),
    (
        180,
        "set_grants",
        "user:head01",
        Some("handler@城市管理局"),
        Some("unit_head@城市管理局"),
    ),
    (
        120,
        "disable_user",
        "user:community45",
        Some("enabled"),
        Some("disabled"),
    ),
    (
        90,
        "update_routing_rule",
        "rule:路灯不亮",
        Some("城市管理局"),
        Some("市政设施管理处"),
    ),
    (30, "reset_password", "user:operator2", None, None),
    (7, "unlock_sign_in", "user:dept12", None, None),
];

/// Writes the trail once, as the `admin` account, if that account exists.
pub async fn ensure_admin_trail(store: &Arc<dyn Store>, now: Instant) -> ApiResult<bool> {
    if store.get_setting(WRITTEN).await?.is_some() {
        return Ok(false);
    }
    let Some(admin) = store.find_user("admin").await? else {
        return Ok(false);
    };
    let entries = TRAIL
        .iter()
        .map(|(days, what, target, before, after)| AuditEntry {
            at: now - Duration::days(*days),
            user: Some(admin.id),
            action: format!("admin.{what}"),
            target: (*target).to_owned(),
            detail: serde_json::json!({ "before": before, "after": after }).to_string(),
        })
        .collect();
    store.audit(entries).await?;
    store.set_setting(WRITTEN, &now.to_rfc3339()).await?;
    Ok(true)
}
