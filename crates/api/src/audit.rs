//! The audit trails on the wire: personal-data reads and administrative changes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Which personal-data reads to list; every parameter narrows.
#[derive(Debug, Clone, Deserialize, Serialize, IntoParams, ToSchema, Default)]
#[into_params(parameter_in = Query)]
pub struct AuditQueryIn {
    /// A request's serial: the reads of its caller's data.
    pub request: Option<String>,
    /// A username: that user's reads.
    pub user: Option<String>,
    /// First day, `YYYY-MM-DD`, district time.
    pub from: Option<chrono::NaiveDate>,
    /// Last day, included.
    pub to: Option<chrono::NaiveDate>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

/// One read of personal data: who, when, what and from where.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditRecordOut {
    pub at: DateTime<Utc>,
    pub user: Option<i64>,
    pub username: Option<String>,
    pub action: String,
    /// The request's serial (or, for a look-up by phone, the masked number).
    pub target: String,
    /// Where it was read: request detail, raw intake record, caller history, an export.
    pub detail: String,
}

/// Which administrative changes to list; every parameter narrows.
#[derive(Debug, Clone, Deserialize, Serialize, IntoParams, ToSchema, Default)]
#[into_params(parameter_in = Query)]
pub struct AdminAuditQueryIn {
    /// A username: that administrator's changes.
    pub user: Option<String>,
    /// First day, `YYYY-MM-DD`, district time.
    pub from: Option<chrono::NaiveDate>,
    /// Last day, included.
    pub to: Option<chrono::NaiveDate>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

/// One administrative change: who, when, what, and the values before and after.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AdminChangeOut {
    pub at: DateTime<Utc>,
    pub user: Option<i64>,
    pub username: Option<String>,
    /// `create_unit`, `create_user`, `disable_user`, `enable_user`, `reset_password`,
    /// `create_category`, `add_cancel_reason`, `retire_cancel_reason`,
    /// `create_routing_rule`, `update_routing_rule`, `delete_routing_rule`,
    /// `create_policy`, `update_policy`, `install_preset`, `set_rules`, `set_appraisal`,
    /// `add_official_days`.
    pub change: String,
    /// What changed: `user:NAME`, `unit:ID`, `routing_rule:ID`, `policy:ID` …
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
}
