//! What identifies a delivery, independent of how it is carried: the deduplication key.
//! (The envelope itself, a JSON-safe dict, is built by the bindings from the event.)

use sha2::{Digest, Sha256};

/// The SHA-256 hex digest of the event name, a line break and the exact body bytes. Help
/// Scout sends no delivery id; a delivery sent again has the same key, and any change to
/// the body (or another event name) gives another.
pub fn dedupe_key(event_type: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(event_type.as_bytes());
    h.update(b"\n");
    h.update(body);
    let digest = h.finalize();
    let mut out = String::with_capacity(64);
    for byte in digest.iter() {
        out.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedupe_key_is_sha256_of_event_newline_body() {
        // printf 'convo.created\n{}' | sha256sum
        assert_eq!(
            dedupe_key("convo.created", b"{}"),
            "88a135e2a23ac4c0ade3567cfcddf0c0c0150cfbcb431602252d287673e1fa7c"
        );
        assert_ne!(
            dedupe_key("convo.created", b"{}"),
            dedupe_key("convo.deleted", b"{}")
        );
        assert_ne!(
            dedupe_key("convo.created", b"{}"),
            dedupe_key("convo.created", b"{ }")
        );
        assert_eq!(dedupe_key("a", b"b").len(), 64);
    }
}
