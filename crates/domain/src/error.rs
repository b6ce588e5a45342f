//! The two ways a rule says no: input that is not a valid value (`Invalid`, naming the field),
//! and a valid command that the current state or the actor's rights do not allow (`Refusal`).

use std::fmt;

/// Input that cannot become a domain value. `field` is the path the client sent
/// (e.g. `caller.phone`), so the API can name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for Invalid {}

/// A command that is well-formed but not allowed now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The request's state does not allow this action.
    IllegalTransition {
        action: &'static str,
        state: &'static str,
    },
    /// The actor lacks the role or the unit scope for this action.
    Forbidden { action: &'static str },
    /// A value is valid on its own but not in this situation (e.g. merging into oneself).
    Invalid(Invalid),
    /// The action was allowed only within a window of time, which has closed.
    WindowClosed {
        action: &'static str,
        /// The window as a person says it, e.g. "1 working day after dispatch".
        window: String,
        closed_at: crate::Instant,
    },
    /// The action is no longer taken; `instead` says what is.
    Retired {
        action: &'static str,
        instead: &'static str,
    },
}

impl From<Invalid> for Refusal {
    fn from(value: Invalid) -> Self {
        Refusal::Invalid(value)
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::IllegalTransition { action, state } => {
                write!(f, "a request in state `{state}` cannot be `{action}`")
            }
            Refusal::Forbidden { action } => write!(f, "not allowed to `{action}` this request"),
            Refusal::Invalid(invalid) => invalid.fmt(f),
            Refusal::WindowClosed {
                action,
                window,
                closed_at,
            } => write!(
                f,
                "`{action}` is allowed only within {window}; that window closed at {}",
                closed_at.to_rfc3339()
            ),
            Refusal::Retired { action, instead } => {
                write!(f, "`{action}` is not taken any more: {instead}")
            }
        }
    }
}

impl std::error::Error for Refusal {}
