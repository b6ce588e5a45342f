//! The only place that reads the wall clock. Everything else takes `now` from a `Clock`, so
//! tests can hold time still or move it (clippy's `disallowed-methods` enforces this).

use std::sync::Mutex;

use civicgrid_domain::Instant;

pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // reason: this is the one module allowed to read the clock
    fn now(&self) -> Instant {
        chrono::Utc::now()
    }
}

/// A clock that tests set by hand.
pub struct ManualClock(Mutex<Instant>);

impl ManualClock {
    pub fn new(at: Instant) -> Self {
        ManualClock(Mutex::new(at))
    }

    pub fn set(&self, at: Instant) {
        if let Ok(mut now) = self.0.lock() {
            *now = at;
        }
    }

    pub fn advance(&self, by: chrono::Duration) {
        if let Ok(mut now) = self.0.lock() {
            *now += by;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.0.lock().map(|t| *t).unwrap_or_default()
    }
}
