//! Posted forms. A page handler that changes anything takes its form through `CsrfForm<T>`
//! (URL-encoded) or `CsrfMultipart` (with a file), which refuse the form unless its
//! `_csrf` field repeats the browser's CSRF cookie, and refuse control characters in any
//! field as the API does; a handler therefore cannot be written without the check. Also
//! here: the errors and values of a form shown again after a failure.
//!
//! Must not know any particular page: the forms' own shapes live with their pages.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use civicgrid_api::ErrorCode;
use serde::de::DeserializeOwned;

use super::{Browser, PageError};
use crate::error::{ApiError, ApiPath, RawBody, control_character, control_message};

/// The hidden field every form carries.
pub const CSRF_FIELD: &str = "_csrf";

/// A URL-encoded form whose CSRF field was checked. Repeated fields (checkboxes) fill a
/// `Vec` field of `T`; fields `T` does not name, `_csrf` among them, are ignored.
pub struct CsrfForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let browser = browser_of(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        let mut csrf = String::new();
        for (name, value) in form_urlencoded::parse(&bytes) {
            check_text(&name, &value)?;
            if name == CSRF_FIELD {
                csrf = value.into_owned();
            }
        }
        check_csrf(&browser, &csrf)?;
        serde_html_form::from_bytes(&bytes)
            .map(CsrfForm)
            .map_err(|e| PageError::Api(ApiError::field("form", e.to_string())))
    }
}

/// A multipart form (the portal's, with a photo) read whole, its CSRF field checked.
pub struct CsrfMultipart {
    /// Text fields in the order sent.
    pub fields: Vec<(String, String)>,
    /// File fields: name, declared content type, bytes (empty files are left out).
    pub files: Vec<(String, Option<String>, Vec<u8>)>,
}

impl CsrfMultipart {
    /// The last value sent for `name` ("" when none).
    pub fn text(&self, name: &str) -> String {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequest<S> for CsrfMultipart {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let browser = browser_of(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let bad_form = |e: axum::extract::multipart::MultipartError| {
            let status = e.status();
            PageError::Api(if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(ErrorCode::PayloadTooLarge)
            } else {
                ApiError::field("form", e.body_text())
            })
        };
        let mut multipart = Multipart::from_request(req, state)
            .await
            .map_err(|e| PageError::Api(ApiError::field("form", e.body_text())))?;
        let mut form = CsrfMultipart {
            fields: Vec::new(),
            files: Vec::new(),
        };
        while let Some(field) = multipart.next_field().await.map_err(bad_form)? {
            let name = field.name().unwrap_or_default().to_owned();
            if field.file_name().is_some() {
                let declared = field.content_type().map(str::to_owned);
                let bytes = field.bytes().await.map_err(bad_form)?;
                if !bytes.is_empty() {
                    form.files.push((name, declared, bytes.to_vec()));
                }
            } else {
                let text = field.text().await.map_err(bad_form)?;
                check_text(&name, &text)?;
                form.fields.push((name, text));
            }
        }
        check_csrf(&browser, &form.text(CSRF_FIELD))?;
        Ok(form)
    }
}

async fn browser_of<S: Send + Sync>(
    parts: &mut axum::http::request::Parts,
    state: &S,
) -> Result<Browser, PageError> {
    Browser::from_request_parts(parts, state)
        .await
        .map_err(|_| PageError::Api(ApiError::internal("form outside the browser middleware")))
}

fn check_text(name: &str, value: &str) -> Result<(), PageError> {
    match control_character(value).or_else(|| control_character(name)) {
        Some(c) => Err(PageError::Api(ApiError::field(name, control_message(c)))),
        None => Ok(()),
    }
}

/// Refuses a form whose CSRF field does not repeat the browser's CSRF cookie (compared in
/// constant time).
fn check_csrf(browser: &Browser, given: &str) -> Result<(), PageError> {
    let a = browser.csrf.as_bytes();
    let b = given.as_bytes();
    let same = a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
    if same && !a.is_empty() {
        Ok(())
    } else {
        Err(PageError::Api(ApiError::with_message(
            ErrorCode::Forbidden,
            "the form expired or came from another site; reload the page and try again",
        )))
    }
}

/// A page's path parameters; one that does not parse (`/cases/x/attachments/abc`) is a
/// not-found page in the reader's language, never axum's plain-text 400.
pub struct PagePath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PagePath<T> {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let ApiPath(value) = ApiPath::<T>::from_request_parts(parts, state).await?;
        Ok(PagePath(value))
    }
}

/// A page's query parameters; a bad one is an error page naming it (as `ApiQuery` names it
/// to the API), never axum's plain-text 400. Repeated names fill a `Vec` field.
pub struct PageQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        // Like the API's query, but repeated names fill a `Vec` field (a page's links carry
        // lists, as its forms do).
        let query = parts.uri.query().unwrap_or_default();
        crate::error::check_query(query)?;
        let de = serde_html_form::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize::<_, T>(de)
            .map(PageQuery)
            .map_err(|e| PageError::Api(crate::error::query_error(e)))
    }
}

/// Field errors of a form, keyed by the form's field names, plus a message for the top.
#[derive(Default)]
pub struct FormErrors {
    pub message: Option<String>,
    pub fields: BTreeMap<String, String>,
}

impl FormErrors {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }

    pub fn any(&self) -> bool {
        self.message.is_some() || !self.fields.is_empty()
    }

    /// The errors of a failed service call, with API field paths mapped to form fields
    /// (`caller.phone` → `caller_phone`).
    pub fn from_api(error: ApiError) -> FormErrors {
        let fields = error
            .fields
            .into_iter()
            .map(|(k, v)| (k.replace('.', "_"), v))
            .collect::<BTreeMap<_, _>>();
        FormErrors {
            message: Some(error.message),
            fields,
        }
    }
}

/// What was typed into a form, to show it again after a failure.
#[derive(Default)]
pub struct FormValues(BTreeMap<String, String>);

impl FormValues {
    pub fn of<const N: usize>(pairs: [(&str, String); N]) -> FormValues {
        FormValues(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    /// The value typed for `field` ("" when none).
    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map_or("", String::as_str)
    }
}

/// A form re-shown after a failure that is a client mistake; anything else is an error page.
pub fn form_failure(error: ApiError) -> Result<FormErrors, PageError> {
    if error.code.status() < 500 && error.code != ErrorCode::Forbidden {
        Ok(FormErrors::from_api(error))
    } else {
        Err(PageError::Api(error))
    }
}
