//! The capabilities, one module each: what every entry point (the API, the pages, the CLI,
//! the sweeper, the demo) calls to change or read anything. Services check permissions,
//! parse into domain values, run the rules and go to the store; they know nothing of HTTP.

pub mod admin;
pub mod audit;
pub mod calendar;
pub mod cases;
pub mod instructions;
pub mod places;
pub mod stats;
pub mod supervision;
