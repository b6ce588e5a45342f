//! Photos of a request: checked by their first bytes (JPEG, PNG or WebP, at most 5 MiB),
//! stored with their SHA-256, and served only to those who may read the request.

use civicgrid_api::ErrorCode;
use civicgrid_domain::org::Principal;
use civicgrid_store::Attachment;

use crate::error::{ApiError, ApiResult};
use crate::services::cases::load_visible;
use crate::state::AppState;

/// Adds a photo to the request `serial`, as `principal`, who must be able to read it and
/// hold a role that adds photos. `declared` is the content type the client named.
pub async fn attach_photo(
    state: &AppState,
    principal: &Principal,
    serial: &str,
    declared: Option<&str>,
    body: Vec<u8>,
) -> ApiResult<Attachment> {
    let loaded = load_visible(state, principal, serial).await?;
    crate::access::require_add_photos(principal)?;
    let content_type = check_photo(declared, &body)?;
    let sha = sha256_hex(&body);
    Ok(state
        .store
        .add_attachment(loaded.row.id, content_type, body, &sha, state.now())
        .await?)
}

/// A photo of a request `principal` may read: its content type and bytes.
pub async fn photo(
    state: &AppState,
    principal: &Principal,
    serial: &str,
    id: i64,
) -> ApiResult<(String, Vec<u8>)> {
    let loaded = load_visible(state, principal, serial).await?;
    state
        .store
        .attachment_body(loaded.row.id, id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))
}

/// The hex SHA-256 a photo is stored under.
pub(crate) fn sha256_hex(body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(body))
}

/// Checks an uploaded photo: size and type by its first bytes, not by its name.
pub fn check_photo(content_type: Option<&str>, body: &[u8]) -> ApiResult<&'static str> {
    const MAX: usize = 5 * 1024 * 1024;
    if body.is_empty() {
        return Err(ApiError::field("body", "the file is empty"));
    }
    if body.len() > MAX {
        return Err(ApiError::with_message(
            ErrorCode::PayloadTooLarge,
            "photos may be at most 5 MiB",
        ));
    }
    let sniffed = if body.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if body.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if body.len() > 12 && &body[..4] == b"RIFF" && &body[8..12] == b"WEBP" {
        "image/webp"
    } else {
        return Err(ApiError::with_message(
            ErrorCode::UnsupportedMediaType,
            "photos must be JPEG, PNG or WebP",
        ));
    };
    if content_type.is_some_and(|declared| declared != sniffed) {
        return Err(ApiError::with_message(
            ErrorCode::UnsupportedMediaType,
            "the content type does not match the file",
        ));
    }
    Ok(sniffed)
}
