//! `X-HelpScout-Signature`: base64(HMAC-SHA1(secret, raw body)).
//!
//! Verification trims ASCII whitespace around the header value (Ruby and Java encoders
//! append line breaks), decodes it as standard padded base64, rejects anything that is not
//! exactly 20 bytes (the length is public), and compares the tag in constant time with
//! `Mac::verify_slice`. Several secrets may be tried (rotation); every candidate is
//! always computed so the time taken does not reveal which one matched.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use std::fmt;

type HmacSha1 = Hmac<Sha1>;

/// Length of an HMAC-SHA1 tag in bytes.
pub const TAG_LEN: usize = 20;
/// Length of the base64 form of a tag (`=`-padded).
pub const SIGNATURE_LEN: usize = 28;
/// Help Scout's documented maximum secret length, in characters.
pub const MAX_SECRET_CHARS: usize = 40;

/// Why a secret cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretError {
    /// The secret is empty or only whitespace.
    Empty,
    /// No secret was given at all (an empty list of candidates).
    NoSecrets,
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretError::Empty => f.write_str(
                "the webhook secret is empty or only whitespace; pass the secret key you set on the Help Scout webhook",
            ),
            SecretError::NoSecrets => f.write_str("at least one webhook secret is required"),
        }
    }
}

impl std::error::Error for SecretError {}

fn mac(secret: &[u8]) -> HmacSha1 {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    match HmacSha1::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    }
}

/// Whether a secret is empty or only whitespace: Unicode whitespace for a UTF-8 secret
/// (what Python's `str.strip()` removes, bar the four ASCII separators U+001C–U+001F, which
/// are control characters, not spaces), ASCII whitespace for other bytes. The one rule for
/// every place a secret is checked.
pub fn is_blank(secret: &[u8]) -> bool {
    match std::str::from_utf8(secret) {
        Ok(text) => text.trim().is_empty(),
        Err(_) => secret.trim_ascii().is_empty(),
    }
}

/// The raw 20-byte HMAC-SHA1 tag of `body` under `secret`.
pub fn tag(secret: &[u8], body: &[u8]) -> [u8; TAG_LEN] {
    let mut m = mac(secret);
    m.update(body);
    m.finalize().into_bytes().into()
}

/// The `X-HelpScout-Signature` value Help Scout sends for `body`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    STANDARD.encode(tag(secret, body))
}

/// Decode a signature header into a tag, or `None` when it cannot be one.
///
/// Accepted: optional surrounding ASCII whitespace, then exactly 28 characters of standard
/// padded base64 that decode to 20 bytes. Everything else (hex digests, SHA-256 tags,
/// URL-safe alphabet, truncation, several values) is rejected here, before any comparison.
pub fn decode_signature(signature: &[u8]) -> Option<[u8; TAG_LEN]> {
    let trimmed = signature.trim_ascii();
    if trimmed.len() != SIGNATURE_LEN {
        return None;
    }
    let mut out = [0u8; TAG_LEN + 2];
    let n = STANDARD.decode_slice(trimmed, &mut out).ok()?;
    if n != TAG_LEN {
        return None;
    }
    let mut tag = [0u8; TAG_LEN];
    tag.copy_from_slice(&out[..TAG_LEN]);
    Some(tag)
}

/// A set of secrets (the current one first, then older ones during a rotation).
///
/// Each secret is kept as its keyed HMAC state (the inner and outer pads already hashed),
/// so a check hashes only the body and the outer block: two SHA-1 blocks fewer per secret
/// than keying HMAC again for every delivery. `Debug` never shows the secrets.
#[derive(Clone)]
pub struct Verifier {
    keys: Vec<HmacSha1>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Verifier {{ secrets: [REDACTED; {}] }}", self.keys.len())
    }
}

impl Verifier {
    /// Build a verifier; every secret must contain something other than whitespace.
    pub fn new<I, S>(secrets: I) -> Result<Self, SecretError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let mut out = Vec::new();
        for s in secrets {
            let s = s.as_ref();
            if is_blank(s) {
                return Err(SecretError::Empty);
            }
            out.push(mac(s));
        }
        if out.is_empty() {
            return Err(SecretError::NoSecrets);
        }
        Ok(Verifier { keys: out })
    }

    /// How many secrets are tried.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Always false: a verifier holds at least one secret.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The signature of `body` under the current (first) secret.
    pub fn sign(&self, body: &[u8]) -> String {
        let mut m = self.keys[0].clone();
        m.update(body);
        STANDARD.encode(m.finalize().into_bytes())
    }

    /// Which secret (index into the list given to `new`) produced `signature` for `body`,
    /// or `None` when none did or the header is malformed. Constant time per candidate,
    /// and every candidate is checked.
    pub fn verify(&self, signature: &[u8], body: &[u8]) -> Option<usize> {
        self.check(signature, body).ok()
    }

    /// Like [`Verifier::verify`], saying why a signature was rejected.
    pub fn check(&self, signature: &[u8], body: &[u8]) -> Result<usize, Rejection> {
        if signature.trim_ascii().is_empty() {
            return Err(Rejection::Missing);
        }
        let expected = decode_signature(signature).ok_or(Rejection::Malformed)?;
        let mut matched = None;
        for (i, key) in self.keys.iter().enumerate() {
            let mut m = key.clone();
            m.update(body);
            if m.verify_slice(&expected).is_ok() && matched.is_none() {
                matched = Some(i);
            }
        }
        matched.ok_or(Rejection::Mismatch)
    }
}

/// Why a signature was rejected. None of these reveal anything about the expected value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// No signature header, or an empty one.
    Missing,
    /// Not 28 characters of standard base64 decoding to a 20-byte tag.
    Malformed,
    /// Well-formed, but no secret produced it for this body.
    Mismatch,
}

impl Rejection {
    /// A short machine-readable reason.
    pub fn reason(self) -> &'static str {
        match self {
            Rejection::Missing => "missing_signature",
            Rejection::Malformed => "malformed_signature",
            Rejection::Mismatch => "signature_mismatch",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"It's a Secret to Everybody";

    #[test]
    fn known_answer_vectors() {
        // ../shared/helpscout/SECURITY-CHECKLIST.md
        assert_eq!(
            sign(SECRET, b"Hello, World!"),
            "AdwQ0Mg+cu0kYhnN2RZpZn/iylk="
        );
        assert_eq!(sign(SECRET, b""), "m7VccR7Od8RxlGw3Oh8aWgUJEHQ=");
        assert_eq!(
            sign(SECRET, "{\"subject\":\"Café ☃ 😀\"}".as_bytes()),
            "sLSEG2+0FM1VcSWNWn+2P4TJn9o="
        );
        assert_eq!(
            sign(SECRET, &[0xFF, 0xFE, 0x00]),
            "unicY0LAjcFGdAxB5UIQAll0+9U="
        );
        assert_eq!(sign(&[b'a'; 40], b"{}"), "i1uOPwfHucQi+LWY7L8TlBoMZt0=");
        // Help Scout's documented example (SIGNATURES.md).
        let body = br#"{"ticket":{"id":"1","number":"2"},"customer":{"id":"1","fname":"Jackie","lname":"Chan","email":"jackie.chan@somewhere.com","emails":["jackie.chan@somewhere.com"]}}"#;
        assert_eq!(
            sign(b"your secret key", body),
            "I1KlvGppYqvFTJgJ9jezdQMDiyI="
        );
    }

    #[test]
    fn the_kept_keyed_states_give_the_known_answers_call_after_call() {
        // The verifier keeps each secret's keyed HMAC state and clones it per body: the
        // result must be what keying afresh gives, for short keys, a 64-byte key (one
        // block) and longer keys (hashed first), and must not change with use.
        let long = [b'k'; 65];
        let block = [b'b'; 64];
        let v = Verifier::new([SECRET, &[b'a'; 40][..], &block[..], &long[..]]).unwrap();
        for round in 0..3 {
            assert_eq!(
                v.sign(b"Hello, World!"),
                "AdwQ0Mg+cu0kYhnN2RZpZn/iylk=",
                "round {round}"
            );
            assert_eq!(
                v.verify(b"AdwQ0Mg+cu0kYhnN2RZpZn/iylk=", b"Hello, World!"),
                Some(0)
            );
            assert_eq!(v.verify(b"i1uOPwfHucQi+LWY7L8TlBoMZt0=", b"{}"), Some(1));
            assert_eq!(v.verify(sign(&block, b"x").as_bytes(), b"x"), Some(2));
            assert_eq!(v.verify(sign(&long, b"").as_bytes(), b""), Some(3));
        }
        let only_long = Verifier::new([&long[..]]).unwrap();
        assert_eq!(only_long.sign(b"body"), sign(&long, b"body"));
    }

    #[test]
    fn verify_accepts_and_reports_index() {
        let v = Verifier::new([SECRET]).unwrap();
        assert_eq!(
            v.verify(b"AdwQ0Mg+cu0kYhnN2RZpZn/iylk=", b"Hello, World!"),
            Some(0)
        );
        // surrounding whitespace is trimmed, as the original did
        assert_eq!(
            v.verify(b"\n AdwQ0Mg+cu0kYhnN2RZpZn/iylk=\r\n", b"Hello, World!"),
            Some(0)
        );
    }

    #[test]
    fn verify_rejects_tampering_and_malformed_headers() {
        let v = Verifier::new([SECRET]).unwrap();
        let good = "AdwQ0Mg+cu0kYhnN2RZpZn/iylk=";
        let body = b"Hello, World!";
        assert_eq!(v.verify(good.as_bytes(), b"Hello, World?"), None);
        assert_eq!(v.verify(good.as_bytes(), b"Hello, World!\n"), None);
        assert_eq!(v.verify(good.as_bytes(), b"Hello, World"), None);
        for bad in [
            "",
            "=",
            "AdwQ0Mg+",
            "AdwQ0Mg+cu0kYhnN2RZpZn/iylk",
            "AdwQ0Mg+cu0kYhnN2RZpZn/iylk==",
            "AdwQ0Mg-cu0kYhnN2RZpZn_iylk=",
            "BdwQ0Mg+cu0kYhnN2RZpZn/iylk=",
            "AdwQ0Mg+cu0kYhnN2RZpZn/iylg=",
            "AdwQ0Mg+cu0kYhnN2RZpZn/iylk=,AdwQ0Mg+cu0kYhnN2RZpZn/iylk=",
            "01dc10d0c83e72ed24621ccd3916996667fca259",
            "AdwQ0Mg+cu0kYh nN2RZpZn/iylk=",
            "ÄdwQ0Mg+cu0kYhnN2RZpZn/iyl=",
        ] {
            assert_eq!(
                v.verify(bad.as_bytes(), body),
                None,
                "{bad:?} must be rejected"
            );
        }
        // raw non-ASCII bytes in the header
        assert_eq!(v.verify(&[0xFF; 28], body), None);
        // wrong secret
        let other = Verifier::new([b"another secret".as_slice()]).unwrap();
        assert_eq!(other.verify(good.as_bytes(), body), None);
    }

    #[test]
    fn rejections_say_why() {
        let v = Verifier::new([SECRET]).unwrap();
        assert_eq!(v.check(b"", b"x"), Err(Rejection::Missing));
        assert_eq!(v.check(b" \n", b"x"), Err(Rejection::Missing));
        assert_eq!(v.check(b"abc", b"x"), Err(Rejection::Malformed));
        assert_eq!(
            v.check(b"AdwQ0Mg+cu0kYhnN2RZpZn/iylk=", b"x"),
            Err(Rejection::Mismatch)
        );
        assert_eq!(
            v.check(b"AdwQ0Mg+cu0kYhnN2RZpZn/iylk=", b"Hello, World!"),
            Ok(0)
        );
        assert_eq!(Rejection::Mismatch.reason(), "signature_mismatch");
    }

    #[test]
    fn rotation_reports_which_secret_matched_in_any_order() {
        let old = b"old-secret".as_slice();
        let new = b"new-secret".as_slice();
        let body = b"{}";
        let sig_old = sign(old, body);
        let sig_new = sign(new, body);
        let v = Verifier::new([new, old]).unwrap();
        assert_eq!(v.verify(sig_new.as_bytes(), body), Some(0));
        assert_eq!(v.verify(sig_old.as_bytes(), body), Some(1));
        let v2 = Verifier::new([old, new]).unwrap();
        assert_eq!(v2.verify(sig_new.as_bytes(), body), Some(1));
        assert_eq!(v2.verify(sign(b"neither", body).as_bytes(), body), None);
    }

    #[test]
    fn secrets_must_not_be_blank_and_are_never_printed() {
        assert_eq!(
            Verifier::new([b"".as_slice()]).unwrap_err(),
            SecretError::Empty
        );
        assert_eq!(
            Verifier::new([b" \t\n".as_slice()]).unwrap_err(),
            SecretError::Empty
        );
        assert_eq!(
            Verifier::new(Vec::<Vec<u8>>::new()).unwrap_err(),
            SecretError::NoSecrets
        );
        let v = Verifier::new([b"super-secret-value".as_slice()]).unwrap();
        let dbg = format!("{v:?}");
        assert!(!dbg.contains("super-secret-value"), "{dbg}");
        assert!(dbg.contains("REDACTED"));
    }

    #[test]
    fn round_trip_over_many_bodies() {
        // A deterministic pseudo-random sweep (xorshift) over body lengths and contents.
        let v = Verifier::new([SECRET]).unwrap();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for len in 0..300usize {
            let body: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x & 0xFF) as u8
                })
                .collect();
            let sig = v.sign(&body);
            assert_eq!(sig.len(), SIGNATURE_LEN);
            assert_eq!(v.verify(sig.as_bytes(), &body), Some(0));
            if !body.is_empty() {
                let mut flipped = body.clone();
                flipped[len / 2] ^= 0x01;
                assert_eq!(v.verify(sig.as_bytes(), &flipped), None);
            }
        }
    }
}
