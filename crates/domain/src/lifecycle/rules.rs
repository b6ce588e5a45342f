//! The hub's rules that are numbers a district sets, never constants.

use crate::error::Invalid;

/// The hub's rules that are numbers a district sets (the `rules` setting), never constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Working days after a unit receives a case within which it may return it.
    pub return_window_days: u32,
    /// The same for a case marked complex.
    pub return_window_days_complex: u32,
    /// Failed callback attempts, each on a different day, before "callback not possible".
    pub callback_attempts: u32,
    /// Dispatches without an owner after which the hub must designate one (指定).
    pub designate_after: u32,
    /// The 12345 targets, measured from intake: a first response within this many working
    /// days, and resolution within this many.
    pub target_response_days: u32,
    pub target_resolution_days: u32,
    /// Which replies the hub checks before the callback.
    pub reply_review: super::ReplyReview,
    /// A caller with at least this many requests in `frequent_caller_days` days is
    /// flagged as a frequent caller on the console.
    pub frequent_caller_calls: u32,
    pub frequent_caller_days: u32,
}

impl Default for Rules {
    /// National guidance as the hotline rules summarise it (docs/RULES.md).
    fn default() -> Self {
        Rules {
            return_window_days: 1,
            return_window_days_complex: 2,
            callback_attempts: 3,
            designate_after: 3,
            target_response_days: 1,
            target_resolution_days: 5,
            reply_review: super::ReplyReview::All,
            frequent_caller_calls: 5,
            frequent_caller_days: 30,
        }
    }
}

impl Rules {
    /// Checks values from the edge; every bad field is named.
    pub fn parse(
        return_window_days: i64,
        return_window_days_complex: i64,
        callback_attempts: i64,
        designate_after: i64,
    ) -> Result<Rules, Invalid> {
        let days = |field: &str, n: i64| -> Result<u32, Invalid> {
            if (1..=30).contains(&n) {
                Ok(n as u32)
            } else {
                Err(Invalid::new(field, "must be between 1 and 30"))
            }
        };
        let rules = Rules {
            return_window_days: days("return_window_days", return_window_days)?,
            return_window_days_complex: days(
                "return_window_days_complex",
                return_window_days_complex,
            )?,
            callback_attempts: days("callback_attempts", callback_attempts)?,
            designate_after: days("designate_after", designate_after)?,
            ..Rules::default()
        };
        if rules.return_window_days_complex < rules.return_window_days {
            return Err(Invalid::new(
                "return_window_days_complex",
                "must be at least return_window_days",
            ));
        }
        Ok(rules)
    }

    /// The same rules with the hub's reply check set (`all`, `signed` or `off`).
    pub fn with_reply_review(mut self, word: &str) -> Result<Rules, Invalid> {
        self.reply_review = super::ReplyReview::parse(word).ok_or_else(|| {
            Invalid::new(
                "reply_review",
                format!("must be one of: {}", super::ReplyReview::words().join(", ")),
            )
        })?;
        Ok(self)
    }

    /// The same rules with the frequent-caller flag set: `calls` requests (2–100) within
    /// `days` days (1–365).
    pub fn with_frequent_callers(mut self, calls: i64, days: i64) -> Result<Rules, Invalid> {
        if !(2..=100).contains(&calls) {
            return Err(Invalid::new(
                "frequent_caller_calls",
                "must be between 2 and 100",
            ));
        }
        if !(1..=365).contains(&days) {
            return Err(Invalid::new(
                "frequent_caller_days",
                "must be between 1 and 365",
            ));
        }
        self.frequent_caller_calls = calls as u32;
        self.frequent_caller_days = days as u32;
        Ok(self)
    }

    /// The same rules with the 12345 targets set (1–60 working days each; resolution no
    /// sooner than the first response).
    pub fn with_targets(mut self, response: i64, resolution: i64) -> Result<Rules, Invalid> {
        let days = |field: &str, n: i64| -> Result<u32, Invalid> {
            if (1..=60).contains(&n) {
                Ok(n as u32)
            } else {
                Err(Invalid::new(field, "must be between 1 and 60"))
            }
        };
        self.target_response_days = days("target_response_days", response)?;
        self.target_resolution_days = days("target_resolution_days", resolution)?;
        if self.target_resolution_days < self.target_response_days {
            return Err(Invalid::new(
                "target_resolution_days",
                "must be at least target_response_days",
            ));
        }
        Ok(self)
    }
}
