//! What intake takes and gives, in domain values: a `Submission` from any front door (the
//! API, the pages, Open311, a transfer from 110 or 12345, an import) and the `Registered`
//! request it became. Pure data; the rules live in `request` (parsing) and `lifecycle`.

use crate::Instant;
use crate::ids::CategoryId;
use crate::request::{NewRequest, State};
use crate::routing::Proposal;

/// A request to register.
#[derive(Debug, Clone)]
pub struct Submission {
    pub request: NewRequest,
    pub category: Option<CategoryId>,
    /// The reply, when the operator answers on the spot.
    pub answer: Option<String>,
    /// The intake record exactly as received, kept unchanged and linked to the request.
    pub raw: String,
}

/// What intake registered.
#[derive(Debug, Clone)]
pub struct Registered {
    pub serial: String,
    pub verification_code: String,
    pub state: State,
    /// The routing table's proposal, for a request that waits for dispatch.
    pub proposal: Option<Proposal>,
    pub created_at: Instant,
}
