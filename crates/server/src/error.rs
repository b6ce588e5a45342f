//! Turning every failure into the one error shape. Client mistakes become 4xx with a code
//! from the catalogue and the field named; anything else is logged once with its cause and
//! reaches the client as an opaque `internal` error.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use civicgrid_api::{ErrorBody, ErrorCode};
use civicgrid_domain::{Invalid, Refusal};
use civicgrid_store::StoreError;
use serde::de::DeserializeOwned;

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub fields: BTreeMap<String, String>,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        ApiError {
            code,
            message: code.default_message().to_owned(),
            fields: BTreeMap::new(),
        }
    }

    pub fn with_message(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            fields: BTreeMap::new(),
        }
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        let message = message.into();
        let mut fields = BTreeMap::new();
        fields.insert(field.clone(), message.clone());
        ApiError {
            code: ErrorCode::InvalidField,
            message: format!("{field}: {message}"),
            fields,
        }
    }

    /// The same error with every field named under `prefix` (`requests[1].content`), for
    /// a value that sits inside a list of the body.
    pub fn under(mut self, prefix: &str) -> Self {
        if self.fields.is_empty() {
            return self;
        }
        self.fields = std::mem::take(&mut self.fields)
            .into_iter()
            .map(|(field, message)| (format!("{prefix}.{field}"), message))
            .collect();
        self.message = format!("{prefix}.{}", self.message);
        self
    }

    pub fn query(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut error = ApiError::field(field, message);
        error.code = ErrorCode::InvalidQuery;
        error
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        ApiError::new(ErrorCode::Internal)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            Json(ErrorBody::new(self.code, self.message, self.fields)),
        )
            .into_response()
    }
}

impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> Self {
        ApiError::field(invalid.field, invalid.message)
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::IllegalTransition { .. } => {
                ApiError::with_message(ErrorCode::IllegalTransition, refusal.to_string())
            }
            Refusal::Forbidden { .. } => {
                ApiError::with_message(ErrorCode::Forbidden, refusal.to_string())
            }
            Refusal::Invalid(invalid) => invalid.into(),
            Refusal::WindowClosed { ref window, .. } => {
                let mut e = ApiError::with_message(ErrorCode::WindowClosed, refusal.to_string());
                e.fields.insert("window".into(), window.clone());
                e
            }
            Refusal::Retired { .. } => {
                ApiError::with_message(ErrorCode::IllegalTransition, refusal.to_string())
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound("request") => ApiError::new(ErrorCode::RequestNotFound),
            StoreError::NotFound(what) => {
                ApiError::with_message(ErrorCode::NotFound, format!("no such {what}"))
            }
            StoreError::Refused(refusal) => refusal.into(),
            StoreError::UsernameTaken(name) => {
                let mut e = ApiError::new(ErrorCode::UsernameTaken);
                e.fields
                    .insert("username".into(), format!("`{name}` is taken"));
                e
            }
            StoreError::Duplicate(what) => {
                let mut e =
                    ApiError::with_message(ErrorCode::Conflict, format!("`{what}` already exists"));
                e.fields.insert("code".into(), "already exists".into());
                e
            }
            StoreError::SerialsExhausted(_) | StoreError::WriterGone => {
                tracing::error!(%error, "store unavailable");
                ApiError::new(ErrorCode::Unavailable)
            }
            other => ApiError::internal(other),
        }
    }
}

/// A JSON body whose errors name the field: a syntax error is `malformed_json`, a missing,
/// unknown or mistyped field is `invalid_field` with its path.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        parse_json(&headers, &bytes).map(ApiJson)
    }
}

/// The body as bytes, for handlers that keep it unchanged (intake records, photos) or parse
/// it themselves. A body over the limit is `payload_too_large` in the one error shape, like
/// every other error; axum's own `Bytes` would answer plain text.
pub struct RawBody(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::body::Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(ErrorCode::PayloadTooLarge)
                } else {
                    ApiError::with_message(ErrorCode::MalformedJson, rejection.body_text())
                }
            })
    }
}

/// The one rule for control characters in text: C0 control characters other than tab, line
/// feed and carriage return (U+0000–U+001F) and DEL (U+007F) are refused wherever text
/// enters, naming the field. Refused rather than stripped: a silently altered complaint or
/// name is worse than a clear error, and NUL cannot be stored in PostgreSQL text at all.
pub fn control_character(text: &str) -> Option<char> {
    text.chars()
        .find(|c| (*c as u32) < 0x80 && c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// The message naming a refused control character.
pub fn control_message(c: char) -> String {
    format!(
        "control character U+{:04X} is not accepted in text",
        c as u32
    )
}

/// The path of the first string (or object key) in `value` holding a refused control
/// character, with the character.
fn find_control(value: &serde_json::Value, path: &mut String) -> Option<char> {
    match value {
        serde_json::Value::String(text) => control_character(text),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                if let Some(c) = find_control(item, path) {
                    return Some(c);
                }
                path.truncate(len);
            }
            None
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                if let Some(c) = control_character(key).or_else(|| find_control(item, path)) {
                    return Some(c);
                }
                path.truncate(len);
            }
            None
        }
        _ => None,
    }
}

/// Parses a JSON body that was already read (handlers that also keep the raw bytes use
/// this directly), with the same errors as `ApiJson`.
pub fn parse_json<T: DeserializeOwned>(
    headers: &axum::http::HeaderMap,
    bytes: &[u8],
) -> Result<T, ApiError> {
    let is_json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return Err(ApiError::with_message(
            ErrorCode::UnsupportedMediaType,
            "send `Content-Type: application/json`",
        ));
    }
    // A control character appears in JSON text as a `\u00XX` escape, or as DEL itself
    // (which JSON need not escape): look closer only when one is there, so ordinary bodies
    // are parsed once.
    if (bytes.contains(&0x7f) || bytes.windows(4).any(|w| w == b"\\u00"))
        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes)
    {
        let mut path = String::new();
        if let Some(c) = find_control(&value, &mut path) {
            let field = if path.is_empty() { "body".into() } else { path };
            return Err(ApiError::field(field, control_message(c)));
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => Ok(value),
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                return Err(ApiError::with_message(
                    ErrorCode::MalformedJson,
                    inner.to_string(),
                ));
            }
            let full = inner.to_string();
            // serde appends the position; the field path says more to a client.
            let message = full.split(" at line ").next().unwrap_or(&full).to_owned();
            // A missing field is named in the message, not in the path (an unknown one is
            // already the last element of the path).
            let missing = message
                .starts_with("missing field")
                .then(|| extract_quoted(&message))
                .flatten();
            let field = match (path.as_str(), missing) {
                (".", Some(name)) => name,
                (".", None) => "body".into(),
                (_, Some(name)) => format!("{path}.{name}"),
                (_, None) => path,
            };
            Err(ApiError::field(field, message))
        }
    }
}

fn extract_quoted(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = message[start..].find('`')? + start;
    Some(message[start..end].to_owned())
}

/// Query parameters whose errors name the parameter: a mistyped one (`page=x`) or a missing
/// one is `invalid_query` with its name, in the one error shape (axum's own `Query` answers
/// plain text).
pub struct ApiQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        check_query(query)?;
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize::<_, T>(de)
            .map(ApiQuery)
            .map_err(query_error)
    }
}

/// Refuses control characters in a query's names and values.
pub(crate) fn check_query(query: &str) -> Result<(), ApiError> {
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if let Some(c) = control_character(&value).or_else(|| control_character(&name)) {
            return Err(ApiError::query(name.into_owned(), control_message(c)));
        }
    }
    Ok(())
}

/// A query that did not deserialize, as `invalid_query` naming the parameter.
pub(crate) fn query_error<E: std::fmt::Display>(error: serde_path_to_error::Error<E>) -> ApiError {
    let path = error.path().to_string();
    let message = error.into_inner().to_string();
    let missing = message
        .starts_with("missing field")
        .then(|| extract_quoted(&message))
        .flatten();
    let field = match (path.as_str(), missing) {
        (_, Some(name)) => name,
        (".", None) => "query".into(),
        (_, None) => path,
    };
    ApiError::query(field, message)
}

/// Path parameters whose rejection is the JSON error: a segment that cannot be what the
/// route expects (`/notices/abc/read`) names no resource, so it is `not_found` (axum's own
/// `Path` answers plain text).
pub struct ApiPath<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| ApiPath(value))
            .map_err(|_| ApiError::new(ErrorCode::NotFound))
    }
}
