//! The hash chain over a request's events: each event's hash covers the previous event's
//! hash and the event's canonical text, so editing or dropping an event breaks every hash
//! after it. The chain is per request, which keeps writes to different requests
//! independent (no global lock) and is what a sharded deployment needs.

use sha2::{Digest, Sha256};

use crate::lifecycle::Event;

/// The canonical text of an event: fields in a fixed order, separated by U+001F. The
/// request is named by its serial number, which is known before the row is stored, so a
/// whole new case (values, events, hashes) can be written in one statement per table.
pub fn canonical(serial: &str, seq: i64, event: &Event) -> String {
    let opt = |v: Option<String>| v.unwrap_or_default();
    let mut parts = vec![
        serial.to_owned(),
        seq.to_string(),
        event.kind.as_str().to_owned(),
        event.at.timestamp_millis().to_string(),
        opt(event.actor.user.map(|u| u.to_string())),
        opt(event.actor.unit.map(|u| u.to_string())),
        opt(event.from.map(|s| s.as_str().to_owned())),
        event.to.as_str().to_owned(),
        opt(event.reason.clone()),
    ];
    for (key, value) in &event.detail {
        parts.push(format!("{key}={value}"));
    }
    parts.join("\u{1f}")
}

/// The hash of an event given the previous one's (empty for the first event).
pub fn link(previous: &str, canonical_text: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(previous.as_bytes());
    hasher.update([0x1e]);
    hasher.update(canonical_text.as_bytes());
    hex::encode(hasher.finalize())
}

/// Checks a stored chain: `(canonical text, stored hash)` in order. Returns the index of the
/// first event whose hash does not match, if any.
pub fn first_break<'a>(links: impl IntoIterator<Item = (String, &'a str)>) -> Option<usize> {
    let mut previous = String::new();
    for (index, (text, stored)) in links.into_iter().enumerate() {
        let expected = link(&previous, &text);
        if expected != stored {
            return Some(index);
        }
        previous = expected;
    }
    None
}
