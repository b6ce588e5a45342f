//! Integration tests of the server, driven as a black box over HTTP on every backend.

mod errors;
mod helpers;
mod kill9;
mod lifecycle;
mod openapi;
mod permissions;
mod tidy;
