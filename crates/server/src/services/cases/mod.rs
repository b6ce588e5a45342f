//! Requests, the spine of the platform: intake, reading, lists, lifecycle actions and
//! public tracking. Callers use the functions re-exported here.

mod act;
mod coordination;
mod intake;
mod list;
mod photos;
mod read;
mod track;

pub use act::*;
pub use coordination::*;
pub use intake::*;
pub use list::*;
pub use photos::*;
pub use read::*;
pub use track::*;
