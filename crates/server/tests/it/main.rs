//! Integration tests of the server, driven as a black box over HTTP on every backend.

#![allow(clippy::unwrap_used, clippy::expect_used)] // reason: a test that cannot set up must fail loudly

mod administration;
mod coordination;
mod deadlines;
mod edge;
mod errors;
mod fuzz;
mod helpers;
mod hub;
mod instances;
mod instructions;
mod lifecycle;
mod openapi;
mod pages;
mod people;
mod permissions;
mod places;
mod real_messages;
mod review;
mod supervision;
mod tidy;
