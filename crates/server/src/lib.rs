//! The civicgrid server: the HTTP API, the web pages, the background jobs and the
//! application state they share. It wires the rules (`civicgrid-domain`), the wire types
//! (`civicgrid-api`) and storage (`civicgrid-store`) together; it holds no rules of its own
//! and no SQL.

pub mod access;
pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod error;
pub mod geojson;
pub mod http;
pub mod pages;
pub mod services;
pub mod session;
pub mod state;
pub mod sweeper;
pub mod telemetry;
pub mod throttle;
pub mod wire;
