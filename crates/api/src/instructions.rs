//! Leaders' instructions (领导批示) on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::refs::UnitRef;

/// One instruction: what the leader wrote, for which unit, by when, and where it stands.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InstructionOut {
    /// The request's serial.
    pub serial: String,
    /// Its number on the request, from 1 (the `instruction` of `acknowledge_instruction`
    /// and `report_instruction`).
    pub number: u32,
    /// `open` (not acknowledged), `acknowledged` or `reported`.
    pub state: String,
    /// The request's own state.
    pub request_state: String,
    /// The request's content, shortened.
    pub summary: String,
    pub unit: UnitRef,
    pub leader: Option<String>,
    pub text: String,
    pub working_days: Option<u32>,
    pub deadline: Option<DateTime<Utc>>,
    /// Past its deadline without a report.
    pub overdue: bool,
    pub given_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub report: Option<String>,
    pub reported_at: Option<DateTime<Utc>>,
    pub reported_by: Option<String>,
}

/// Which instructions to list. Leaders see those they gave and those for units in their
/// subtree; units those for them; the hub all.
#[derive(Debug, Clone, Deserialize, Serialize, IntoParams, ToSchema, Default)]
#[into_params(parameter_in = Query)]
pub struct InstructionQuery {
    /// Only those the reader gave (a leader's own list).
    pub mine: Option<bool>,
    /// Only those for this unit (and its subtree).
    pub unit: Option<i64>,
    /// `open`, `acknowledged`, `reported`, or `pending` (not reported yet) or `overdue`
    /// (pending past the deadline).
    pub state: Option<String>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}
