//! Leaders' instructions (领导批示) as stored: what a leader wrote on which request, for
//! which unit, by when, and the unit's acknowledgement and report. They are written by
//! the decisions that give, acknowledge and report them (`Effects::instructions`); this
//! trait reads them for the leader's and the unit's lists and the case page.

use async_trait::async_trait;
use civicgrid_domain::lifecycle::InstructionState;
use civicgrid_domain::request::State;
use civicgrid_domain::{Instant, RequestId, UnitId, UserId};

use crate::Result;

/// One instruction with its request's serial and state and the names of the people
/// involved.
#[derive(Debug, Clone)]
pub struct InstructionRow {
    pub id: i64,
    pub request: RequestId,
    pub serial: String,
    pub request_state: State,
    /// The request's content, for a list that must say what the case is about.
    pub content: String,
    /// Its number on the request, from 1.
    pub number: u32,
    pub unit: UnitId,
    pub leader: Option<UserId>,
    pub leader_username: Option<String>,
    pub text: String,
    pub working_days: Option<u32>,
    pub deadline: Option<Instant>,
    pub given_at: Instant,
    pub acknowledged_at: Option<Instant>,
    pub acknowledged_by: Option<String>,
    pub report: Option<String>,
    pub reported_at: Option<Instant>,
    pub reported_by: Option<String>,
}

impl InstructionRow {
    pub fn state(&self) -> InstructionState {
        if self.reported_at.is_some() {
            InstructionState::Reported
        } else if self.acknowledged_at.is_some() {
            InstructionState::Acknowledged
        } else {
            InstructionState::Open
        }
    }
}

/// Which instructions a list shows.
#[derive(Debug, Clone, Default)]
pub struct InstructionFilter {
    /// What the reader may see: `None` all; otherwise those this leader gave or those for
    /// these units.
    pub visible: Option<(Option<UserId>, Vec<UnitId>)>,
    /// Only those this leader gave.
    pub leader: Option<UserId>,
    /// Only those for these units.
    pub units: Option<Vec<UnitId>>,
    pub state: Option<InstructionState>,
    /// Only those not reported on yet (open or acknowledged).
    pub pending: bool,
    /// Only pending ones whose deadline passed before this instant.
    pub overdue_at: Option<Instant>,
    pub offset: i64,
    pub limit: i64,
}

#[async_trait]
pub trait InstructionStore: Send + Sync {
    /// Instructions matching `filter`, newest first, and how many match.
    async fn instructions(&self, filter: &InstructionFilter) -> Result<(Vec<InstructionRow>, i64)>;
    /// Every instruction on one request, in the order given.
    async fn instructions_of(&self, request: RequestId) -> Result<Vec<InstructionRow>>;
}
