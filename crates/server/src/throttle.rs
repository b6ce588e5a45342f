//! Throttling of the public endpoints that guess-work could abuse: signing in (password
//! guessing) and public tracking (a verification code has six digits, so a serial's code
//! falls to a million tries without a limit). Fixed windows counted in memory, per client
//! address and per target (a username, a serial), measured on the application's clock so
//! tests control time.
//!
//! Written here rather than taken from a crate: the rate-limiting middleware crates count
//! requests per route, but these limits count *failures per target* (a username, a serial),
//! which only the handler knows. The counts are per instance; with N instances behind a
//! load balancer a client gets N times the per-client allowance, while the per-target
//! lock still bounds guessing to N × 10 tries per window.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::Duration;
use civicgrid_api::ErrorCode;
use civicgrid_domain::Instant;

use crate::error::{ApiError, ApiResult};

/// A limit: at most `max` counted events per `window` for one key.
pub struct Rule {
    pub name: &'static str,
    pub max: u32,
    pub window_minutes: i64,
}

/// Sign-in attempts from one client address per minute.
pub const LOGIN_PER_CLIENT: Rule = Rule {
    name: "login_client",
    max: 60,
    window_minutes: 1,
};
/// Failed sign-ins for one username before it is locked for the rest of the window.
pub const LOGIN_FAILURES_PER_USER: Rule = Rule {
    name: "login_user",
    max: 10,
    window_minutes: 15,
};
/// Tracking look-ups from one client address per minute.
pub const TRACK_PER_CLIENT: Rule = Rule {
    name: "track_client",
    max: 120,
    window_minutes: 1,
};
/// Wrong verification codes for one serial before it is locked for the rest of the window.
pub const TRACK_FAILURES_PER_SERIAL: Rule = Rule {
    name: "track_serial",
    max: 10,
    window_minutes: 60,
};

/// Requests submitted on the public portal from one client address per hour.
pub const SUBMIT_PER_CLIENT: Rule = Rule {
    name: "submit_client",
    max: 30,
    window_minutes: 60,
};

/// Entries kept before stale windows are swept out.
const PRUNE_ABOVE: usize = 50_000;

struct Window {
    start: Instant,
    count: u32,
}

#[derive(Default)]
pub struct Throttle {
    windows: Mutex<HashMap<(&'static str, String), Window>>,
}

impl Throttle {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut HashMap<(&'static str, String), Window>) -> T,
    ) -> ApiResult<T> {
        let mut windows = self
            .windows
            .lock()
            .map_err(|_| ApiError::internal("throttle lock poisoned"))?;
        Ok(f(&mut windows))
    }

    fn limited(rule: &Rule) -> ApiError {
        ApiError::with_message(
            ErrorCode::RateLimited,
            format!(
                "too many attempts; try again in {} minute(s)",
                rule.window_minutes
            ),
        )
    }

    /// Admits an attempt: counts it against the client's allowance and refuses it when
    /// that is used up, or when the target (a username, a serial) is locked by failures.
    pub fn admit(
        &self,
        client_rule: &Rule,
        client: &str,
        target_rule: &Rule,
        target: &str,
        now: Instant,
    ) -> ApiResult<()> {
        self.hit(client_rule, client, now)?;
        self.check(target_rule, target, now)
    }

    /// Counts one event for `key` and refuses it when the window is full.
    pub fn hit(&self, rule: &Rule, key: &str, now: Instant) -> ApiResult<()> {
        let allowed = self.with(|windows| {
            let window = Self::current(windows, rule, key, now);
            window.count += 1;
            window.count <= rule.max
        })?;
        if allowed {
            Ok(())
        } else {
            Err(Self::limited(rule))
        }
    }

    /// Refuses when `key` has used up its window, without counting anything.
    pub fn check(&self, rule: &Rule, key: &str, now: Instant) -> ApiResult<()> {
        let full = self.with(|windows| {
            windows.get(&(rule.name, key.to_owned())).is_some_and(|w| {
                now - w.start < Duration::minutes(rule.window_minutes) && w.count >= rule.max
            })
        })?;
        if full {
            Err(Self::limited(rule))
        } else {
            Ok(())
        }
    }

    /// Forgets `key`'s window: an administrator unlocked it. Returns whether it was locked.
    pub fn forget(&self, rule: &Rule, key: &str, now: Instant) -> ApiResult<bool> {
        let locked = self.check(rule, key, now).is_err();
        self.with(|windows| windows.remove(&(rule.name, key.to_owned())))?;
        Ok(locked)
    }

    /// Counts one failure for `key`.
    pub fn record(&self, rule: &Rule, key: &str, now: Instant) -> ApiResult<()> {
        self.with(|windows| {
            Self::current(windows, rule, key, now).count += 1;
        })
    }

    fn current<'m>(
        windows: &'m mut HashMap<(&'static str, String), Window>,
        rule: &Rule,
        key: &str,
        now: Instant,
    ) -> &'m mut Window {
        if windows.len() > PRUNE_ABOVE {
            // Windows are at most an hour long; anything older is over.
            windows.retain(|_, w| now - w.start < Duration::hours(1));
        }
        let window = windows
            .entry((rule.name, key.to_owned()))
            .or_insert(Window {
                start: now,
                count: 0,
            });
        if now - window.start >= Duration::minutes(rule.window_minutes) {
            *window = Window {
                start: now,
                count: 0,
            };
        }
        window
    }
}

/// The client's address as the server saw the connection ("local" when served without
/// connection info, as in-process tests are).
pub fn client_key(extensions: &axum::http::Extensions) -> String {
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "local".to_owned(), |info| info.0.ip().to_string())
}
