//! The error-code catalogue: each code's stable snake_case name, HTTP status and default
//! message live in one table, and every error response has the same shape:
//! `{"error": {"code", "message", "fields"}}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! catalogue {
    ($($variant:ident => ($code:literal, $status:literal, $message:literal)),+ $(,)?) => {
        /// Every error the API can return. Codes are stable: clients match on them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode { $($variant),+ }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),+ }
            }

            pub fn status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status),+ }
            }

            pub fn default_message(self) -> &'static str {
                match self { $(ErrorCode::$variant => $message),+ }
            }
        }
    };
}

catalogue! {
    MalformedJson => ("malformed_json", 400, "the body is not valid JSON"),
    InvalidField => ("invalid_field", 422, "a field has an invalid value"),
    InvalidQuery => ("invalid_query", 400, "a query parameter has an invalid value"),
    Unauthenticated => ("unauthenticated", 401, "sign in first: send `Authorization: Bearer TOKEN`"),
    InvalidCredentials => ("invalid_credentials", 401, "wrong username or password"),
    Forbidden => ("forbidden", 403, "your roles do not allow this"),
    NotFound => ("not_found", 404, "no such resource"),
    RequestNotFound => ("request_not_found", 404, "no request with this serial number is visible to you"),
    MethodNotAllowed => ("method_not_allowed", 405, "this method is not allowed here"),
    IllegalTransition => ("illegal_transition", 409, "the request's state does not allow this action"),
    WindowClosed => ("window_closed", 409, "the time allowed for this action has passed"),
    Conflict => ("conflict", 409, "the resource changed meanwhile; reload and try again"),
    UsernameTaken => ("username_taken", 409, "this username is taken"),
    PayloadTooLarge => ("payload_too_large", 413, "the body is too large"),
    UnsupportedMediaType => ("unsupported_media_type", 415, "this content type is not accepted"),
    RateLimited => ("rate_limited", 429, "too many requests; slow down"),
    Internal => ("internal", 500, "an internal error occurred; it has been logged"),
    Unavailable => ("unavailable", 503, "the service is starting or overloaded; try again"),
}

/// The body of every error response.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ErrorDetail {
    /// Stable snake_case code from the catalogue.
    pub code: String,
    /// Human-readable explanation; may change between versions.
    pub message: String,
    /// Field path → what is wrong with it (e.g. `caller.phone`).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

impl ErrorBody {
    pub fn new(
        code: ErrorCode,
        message: impl Into<String>,
        fields: BTreeMap<String, String>,
    ) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code: code.code().to_owned(),
                message: message.into(),
                fields,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_client_errors_are_4xx() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.code()), "duplicate code {}", code.code());
            assert!(
                code.code()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
            );
            let server_side = matches!(code, ErrorCode::Internal | ErrorCode::Unavailable);
            assert_eq!(code.status() >= 500, server_side, "{}", code.code());
        }
    }
}
