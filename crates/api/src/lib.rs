//! civicgrid's wire types: every JSON body the HTTP API reads or writes, and the one
//! catalogue of error codes. Shapes only: this crate must not know about storage, HTTP
//! routing or the rules (it does not depend on the domain crate), so a change of wire
//! format is visible here and nowhere else.

pub mod audit;
pub mod error;
pub mod instructions;
pub mod places;
pub mod refs;
pub mod stats;
pub mod types;

pub use audit::*;
pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use instructions::*;
pub use places::*;
pub use refs::UnitRef;
pub use stats::*;
pub use types::*;
