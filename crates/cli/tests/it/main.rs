//! Black-box tests of the `civicgrid` binary: the real process, killed with SIGKILL under
//! load, and driven in Chromium serving a demo district.

#![allow(clippy::unwrap_used, clippy::expect_used)] // reason: a test that cannot set up must fail loudly

mod browser;
mod kill9;
