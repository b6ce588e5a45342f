//! Accounts and sessions: argon2 password hashes, random bearer tokens stored only as their
//! SHA-256, and the extractor that turns `Authorization: Bearer …` into a `Principal`.

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use civicgrid_api::ErrorCode;
use civicgrid_domain::Instant;
use civicgrid_domain::org::Principal;
use civicgrid_store::UserRow;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};
use crate::session::new_token;
use crate::state::AppState;

/// Hashes a password with argon2id and a fresh random salt (PHC string).
pub fn hash_password(password: &str) -> ApiResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

/// Checks a password against a stored PHC string.
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// Hashes off the async workers: argon2 takes tens of milliseconds by design.
pub async fn hash_password_blocking(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(ApiError::internal)?
}

/// A hash made with the same parameters as real ones, of a password nobody knows. Login
/// verifies unknown usernames against it, so an unknown user costs the same argon2 work as
/// a wrong password and timing does not tell which usernames exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&new_token()).unwrap_or_default())
}

pub async fn verify_password_blocking(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn principal_of(user: &UserRow) -> Principal {
    Principal {
        user: user.id,
        username: user.username.clone(),
        unit: user.unit,
        grants: user.grants.clone(),
    }
}

/// The signed-in user of this request. Rejects with 401 `unauthenticated`.
pub struct Auth(pub Principal);

impl FromRequestParts<Arc<AppState>> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let token = header
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))?;
        principal_for_token(state, token)
            .await?
            .map(Auth)
            .ok_or_else(|| {
                ApiError::with_message(
                    ErrorCode::Unauthenticated,
                    "the token is unknown or expired",
                )
            })
    }
}

/// The principal of a session token (bearer header or page cookie alike), if the session
/// exists and has not expired.
pub async fn principal_for_token(state: &AppState, token: &str) -> ApiResult<Option<Principal>> {
    let hash = token_hash(token);
    let now = state.now();
    if let Some(principal) = state.sessions.get(&hash, now) {
        return Ok(Some(principal));
    }
    let Some((user, expires)) = state.store.session_user(&hash, now).await? else {
        return Ok(None);
    };
    let principal = principal_of(&user);
    state.sessions.put(hash, principal.clone(), now, expires);
    Ok(Some(principal))
}

/// Signs in with username and password, with the same throttling, timing and session
/// length for the API and the pages. A user whose password an administrator reset must
/// give `new_password` (checked against the policy) and signs in with it set. Returns the
/// new session token and the user.
pub async fn sign_in(
    state: &AppState,
    client: &str,
    username: &str,
    password: String,
    new_password: Option<String>,
) -> ApiResult<(String, Instant, UserRow)> {
    use crate::throttle::{LOGIN_FAILURES_PER_USER, LOGIN_PER_CLIENT};
    let now = state.now();
    let username = username.trim().to_owned();
    // A username with too many failures is locked for the window, right password or not.
    state.throttle.admit(
        &LOGIN_PER_CLIENT,
        client,
        &LOGIN_FAILURES_PER_USER,
        &username,
        now,
    )?;
    let user = state.store.find_user(&username).await?;
    // Verify against a fixed hash when the user is unknown, so timing does not tell.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    // A new password after a reset must not be the temporary one.
    let unchanged = new_password.as_deref() == Some(password.as_str());
    let ok = verify_password_blocking(password, hash).await;
    let user = match (ok, user) {
        (true, Some(user)) => user,
        _ => {
            state
                .throttle
                .record(&LOGIN_FAILURES_PER_USER, &username, now)?;
            return Err(ApiError::new(ErrorCode::InvalidCredentials));
        }
    };
    // Told only to whoever knows the password.
    if user.disabled {
        return Err(ApiError::with_message(
            ErrorCode::Forbidden,
            "this account is disabled; ask an administrator",
        ));
    }
    if user.must_change_password {
        let chosen = new_password.filter(|p| !p.is_empty()).ok_or_else(|| {
            ApiError::field(
                "new_password",
                "an administrator reset your password: choose a new one to sign in",
            )
        })?;
        civicgrid_domain::org::check_password(&chosen)
            .map_err(|e| ApiError::field("new_password", e.message))?;
        if unchanged {
            return Err(ApiError::field(
                "new_password",
                "must differ from the temporary password",
            ));
        }
        let hash = hash_password_blocking(chosen).await?;
        state.store.set_password(user.id, &hash, false).await?;
    }
    let token = new_token();
    let expires = now + chrono::Duration::hours(state.session_hours);
    state
        .store
        .create_session(&token_hash(&token), user.id, now, expires)
        .await?;
    Ok((token, expires, user))
}

/// Ends a session: removed from the database and from this instance's cache.
pub async fn sign_out(state: &AppState, token: &str) -> ApiResult<()> {
    let hash = token_hash(token);
    state.sessions.remove(&hash);
    state.store.end_session(&hash).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_costs() {
        let real =
            argon2::password_hash::phc::PasswordHash::new(&hash_password("password123").unwrap())
                .unwrap()
                .params
                .to_string();
        let dummy = argon2::password_hash::phc::PasswordHash::new(dummy_hash()).unwrap();
        assert_eq!(
            dummy.params.to_string(),
            real,
            "same memory, time and lanes as real hashes"
        );
        assert!(!verify_password("password123", dummy_hash()));
    }
}
