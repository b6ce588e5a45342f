//! Sign-in tokens and the cache of resolved sessions: a token is random, stored only as
//! its SHA-256, and resolved to a principal once per `TTL` (or until any instance changes
//! sessions, users or grants). Must not know HTTP or the store.

use civicgrid_domain::org::Principal;

/// A new random bearer token (256 bits, hex).
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// Resolved sessions, kept so a busy client does not cost two database reads per call. An
/// entry lives at most `TTL` and never past its session's expiry; and every instance
/// forgets them all as soon as any session, user or grant changes anywhere
/// (`AppState::refresh`), so a revoked session stops working at once on every instance.
#[derive(Default)]
pub struct SessionCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, (Principal, Instant)>>,
}

type Instant = civicgrid_domain::Instant;

impl SessionCache {
    const TTL_SECONDS: i64 = 30;
    const MAX_ENTRIES: usize = 10_000;

    pub fn get(&self, token_hash: &str, now: Instant) -> Option<Principal> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(token_hash)
            .filter(|(_, until)| now < *until)
            .map(|(p, _)| p.clone())
    }

    /// Forgets every cached session (another instance changed sessions, users or grants).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    pub fn remove(&self, token_hash: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(token_hash);
        }
    }

    pub fn put(&self, token_hash: String, principal: Principal, now: Instant, expires: Instant) {
        let until = expires.min(now + chrono::Duration::seconds(Self::TTL_SECONDS));
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= Self::MAX_ENTRIES {
                entries.retain(|_, (_, u)| now < *u);
                if entries.len() >= Self::MAX_ENTRIES {
                    entries.clear();
                }
            }
            entries.insert(token_hash, (principal, until));
        }
    }
}
