//! What can go wrong talking to Help Scout: [`ApiError`], the readable message built from an
//! error answer ([`error_message`]) and the scrubbing of secrets from every message
//! ([`scrub`]).
//!
//! Scrubbing rule: a secret is removed in every form a server may echo it: as is,
//! percent-encoded (either hex case, `+` for a space), JSON-escaped (`\"`, `\\`, `\/`,
//! `\n`, `\uXXXX` with surrogate pairs), as an HTML character reference, and base64 (standard
//! or URL-safe, padded or not, alone or inside a longer value such as a Basic credential),
//! or any mix of these. Secrets of [`MIN_SCRUB_CHARS`] characters or more are removed
//! wherever they appear. A shorter one would also match inside ordinary words, so it is
//! removed wherever it stands as a value of its own (not between two letters or digits),
//! and a base64 value that contains it that way is removed whole.

use super::transport::Response;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use std::fmt;

/// What went wrong talking to Help Scout.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// Refused before anything was sent.
    Validation(String),
    /// Help Scout answered with an error status.
    Remote {
        status: u16,
        message: String,
    },
    /// Still rate limited after the allowed waits.
    RateLimited {
        message: String,
        retry_after: Option<f64>,
    },
    Timeout(String),
    Connection(String),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Validation(m) | ApiError::Timeout(m) | ApiError::Connection(m) => {
                f.write_str(m)
            }
            ApiError::Remote { status, message } => write!(f, "({status}) {message}"),
            ApiError::RateLimited { message, .. } => write!(f, "(429) {message}"),
        }
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// The same error with its message passed through `f`.
    pub(crate) fn map_message(self, f: impl FnOnce(String) -> String) -> ApiError {
        match self {
            ApiError::Validation(m) => ApiError::Validation(f(m)),
            ApiError::Remote { status, message } => ApiError::Remote {
                status,
                message: f(message),
            },
            ApiError::RateLimited {
                message,
                retry_after,
            } => ApiError::RateLimited {
                message: f(message),
                retry_after,
            },
            ApiError::Timeout(m) => ApiError::Timeout(f(m)),
            ApiError::Connection(m) => ApiError::Connection(f(m)),
        }
    }
}

/// A readable message from an error answer: Help Scout's `message`, the field errors of a
/// `vnd.error` body and its `logRef` (quote it to Help Scout support).
pub fn error_message(response: &Response) -> String {
    describe(response, &|text: &str| text.to_owned())
}

/// [`error_message`], with `scrub` applied to the text of an answer that is not JSON before
/// it is cut to 200 characters (a secret cut in two could no longer be recognised).
pub(crate) fn describe(response: &Response, scrub: &dyn Fn(&str) -> String) -> String {
    let reason = match response.status {
        400 => "Bad Request",
        401 => "Unauthorized: the access token is missing, expired or invalid",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        423 => "Locked",
        429 => "Too Many Requests: the account's rate limit was reached",
        500..=599 => "Help Scout server error",
        _ => "error",
    };
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(&response.body) else {
        let text = scrub(String::from_utf8_lossy(&response.body).trim());
        let text = text.trim();
        if text.is_empty() {
            return reason.to_owned();
        }
        let short: String = text.chars().take(200).collect();
        return format!("{reason}: {short}");
    };
    let mut out = match body.get("message").and_then(|m| m.as_str()) {
        Some(m) if !m.is_empty() => format!("{reason}: {m}"),
        _ => match body
            .get("error_description")
            .or_else(|| body.get("error"))
            .and_then(|m| m.as_str())
        {
            Some(m) => format!("{reason}: {m}"),
            None => reason.to_owned(),
        },
    };
    let errors = body
        .pointer("/_embedded/errors")
        .or_else(|| body.get("errors"))
        .and_then(|e| e.as_array());
    let fields: Vec<String> = errors
        .into_iter()
        .flatten()
        .map(|e| {
            let path = e.get("path").and_then(|p| p.as_str()).unwrap_or("?");
            let message = e
                .get("message")
                .and_then(|m| m.as_str())
                .unwrap_or("invalid");
            // rejectedValue is left out: it may be the secret that was refused.
            format!("{path}: {message}")
        })
        .collect();
    if !fields.is_empty() {
        out.push_str(" (");
        out.push_str(&fields.join("; "));
        out.push(')');
    }
    if let Some(log_ref) = body.get("logRef").and_then(|l| l.as_str()) {
        out.push_str(&format!(" [logRef {log_ref}]"));
    }
    out
}

/// What a scrubbed secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Secrets of at least this many characters are scrubbed wherever they appear; shorter ones
/// only where they stand as a value of their own (see the module documentation).
pub const MIN_SCRUB_CHARS: usize = 4;

/// `message` without any of `secrets`, in any encoding a server may echo them in (see the
/// module documentation for the rule). Empty secrets are ignored.
pub fn scrub(message: &str, secrets: &[&str]) -> String {
    let mut secrets: Vec<&str> = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
    // Longest first: a secret inside another must not leave the rest of the other behind.
    secrets.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    secrets.dedup();
    let mut out = message.to_owned();
    for secret in secrets {
        let alone = secret.chars().count() < MIN_SCRUB_CHARS;
        out = scrub_encoded(&out, secret, alone);
        out = scrub_base64(&out, secret, alone);
    }
    out
}

/// Replace every occurrence of `secret`, each character in any of its [`forms`].
fn scrub_encoded(message: &str, secret: &str, alone: bool) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let mut out = String::with_capacity(message.len());
    let (mut copied, mut at) = (0, 0);
    while at < message.len() {
        if message.is_char_boundary(at) && (!alone || starts_value(&message[..at])) {
            if let Some(end) = match_at(message, at, &chars, alone) {
                out.push_str(&message[copied..at]);
                out.push_str(REDACTED);
                (copied, at) = (end, end);
                continue;
            }
        }
        at += 1;
    }
    out.push_str(&message[copied..]);
    out
}

/// The end of the longest encoded occurrence of `secret` starting at byte `at`.
///
/// Each character may be written in several forms of different lengths, so the match moves
/// one secret character at a time through the set of positions reached so far (sorted,
/// without repeats): the work is bounded by the secret's length times the span of the
/// match, whatever the message.
fn match_at(message: &str, at: usize, secret: &[char], alone: bool) -> Option<usize> {
    let bytes = message.as_bytes();
    let (first, rest) = secret.split_first()?;
    let mut reached = Vec::new();
    forms(bytes, at, *first, &mut |len| reached.push(at + len));
    for c in rest {
        if reached.is_empty() {
            return None;
        }
        let mut next = Vec::with_capacity(reached.len());
        for &p in &reached {
            forms(bytes, p, *c, &mut |len| next.push(p + len));
        }
        next.sort_unstable();
        next.dedup();
        reached = next;
    }
    reached
        .into_iter()
        .rev()
        .find(|&p| message.is_char_boundary(p) && (!alone || ends_value(&message[p..])))
}

/// The lengths of the forms of `c` that `bytes[at..]` starts with: the character itself, its
/// UTF-8 bytes percent-encoded (either hex case), `+` for a space, a JSON escape (`\uXXXX`,
/// a surrogate pair, or the short `\"` `\\` `\/` `\b` `\f` `\n` `\r` `\t`) and an HTML
/// character reference (`&amp;`, `&#38;`, `&#x26;`, ...). Each length is passed to `out`.
fn forms(bytes: &[u8], at: usize, c: char, out: &mut impl FnMut(usize)) {
    let rest = bytes.get(at..).unwrap_or_default();
    let mut buf = [0u8; 4];
    let raw = c.encode_utf8(&mut buf).as_bytes();
    if rest.starts_with(raw) {
        out(raw.len());
    }
    let percent = raw.iter().enumerate().all(|(i, &b)| {
        rest.get(3 * i) == Some(&b'%')
            && rest.get(3 * i + 1..3 * i + 3).and_then(hex) == Some(u32::from(b))
    });
    if percent {
        out(3 * raw.len());
    }
    if c == ' ' && rest.first() == Some(&b'+') {
        out(1);
    }
    if let Some(short) = json_short_escape(c) {
        if rest.starts_with(&[b'\\', short]) {
            out(2);
        }
    }
    let mut units = [0u16; 2];
    let units = c.encode_utf16(&mut units);
    let escaped = units.iter().enumerate().all(|(i, &u)| {
        rest.get(6 * i..6 * i + 2) == Some(b"\\u".as_slice())
            && rest.get(6 * i + 2..6 * i + 6).and_then(hex) == Some(u32::from(u))
    });
    if escaped {
        out(6 * units.len());
    }
    if let Some(len) = html_reference(rest, c) {
        out(len);
    }
}

/// The value of 1 to 8 hex digits.
fn hex(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    digits.iter().try_fold(0u32, |acc, &d| {
        char::from(d).to_digit(16).map(|v| (acc << 4) | v)
    })
}

/// The letter of JSON's two-character escape for `c`, if it has one.
fn json_short_escape(c: char) -> Option<u8> {
    Some(match c {
        '"' => b'"',
        '\\' => b'\\',
        '/' => b'/',
        '\u{8}' => b'b',
        '\u{c}' => b'f',
        '\n' => b'n',
        '\r' => b'r',
        '\t' => b't',
        _ => return None,
    })
}

/// The length of the HTML character reference for `c` that `rest` starts with.
fn html_reference(rest: &[u8], c: char) -> Option<usize> {
    if rest.first() != Some(&b'&') {
        return None;
    }
    let named: &[(&[u8], char)] = &[
        (b"&amp;", '&'),
        (b"&lt;", '<'),
        (b"&gt;", '>'),
        (b"&quot;", '"'),
        (b"&apos;", '\''),
    ];
    if let Some((name, _)) = named.iter().find(|(n, ch)| *ch == c && rest.starts_with(n)) {
        return Some(name.len());
    }
    let body = rest.strip_prefix(b"&#")?;
    let (digits_from, radix) = match body.first() {
        Some(b'x' | b'X') => (1, 16),
        _ => (0, 10),
    };
    let digits = body.get(digits_from..)?;
    let n = digits
        .iter()
        .take_while(|d| char::from(**d).is_digit(radix))
        .count();
    if n == 0 || n > 8 || digits.get(n) != Some(&b';') {
        return None;
    }
    let text = std::str::from_utf8(&digits[..n]).ok()?;
    let value = u32::from_str_radix(text, radix).ok()?;
    (value == u32::from(c)).then_some(2 + digits_from + n + 1)
}

/// Whether a value may start after `before`: it is empty, ends with something other than a
/// letter or digit, or ends with an escape (`%HH`, `\uXXXX`, `\n`, ...) whatever it stands for.
fn starts_value(before: &str) -> bool {
    let b = before.as_bytes();
    let n = b.len();
    let ends_with = |len: usize, prefix: &[u8], hex_digits: usize| {
        n >= len
            && b[n - len..].starts_with(prefix)
            && b[n - hex_digits..].iter().all(u8::is_ascii_hexdigit)
    };
    before
        .chars()
        .next_back()
        .is_none_or(|c| !c.is_alphanumeric())
        || ends_with(3, b"%", 2)
        || ends_with(6, b"\\u", 4)
        || (n >= 2 && b[n - 2] == b'\\' && matches!(b[n - 1], b'b' | b'f' | b'n' | b'r' | b't'))
}

/// Whether a value may end before `after`: it is empty or starts with something other than a
/// letter or digit (an escape starts with `%`, `\` or `&`).
fn ends_value(after: &str) -> bool {
    after.chars().next().is_none_or(|c| !c.is_alphanumeric())
}

/// Lenient base64: standard alphabet (URL-safe input is mapped to it), padding optional,
/// non-zero trailing bits accepted (a value may be cut anywhere).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Replace every base64 value (a run of base64 characters, standard or URL-safe, with its
/// padding) that decodes, at any alignment, to bytes containing `secret`.
fn scrub_base64(message: &str, secret: &str, alone: bool) -> String {
    let is_b64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_');
    let bytes = message.as_bytes();
    let mut out = String::with_capacity(message.len());
    let (mut copied, mut at) = (0, 0);
    while at < bytes.len() {
        if !is_b64(bytes[at]) {
            at += 1;
            continue;
        }
        let start = at;
        while at < bytes.len() && is_b64(bytes[at]) {
            at += 1;
        }
        let core_end = at;
        while at < bytes.len() && bytes[at] == b'=' && at - core_end < 2 {
            at += 1;
        }
        if hides(&message[start..core_end], secret.as_bytes(), alone) {
            out.push_str(&message[copied..start]);
            out.push_str(REDACTED);
            copied = at;
        }
    }
    out.push_str(&message[copied..]);
    out
}

/// Whether the base64 text `run` (no padding) decodes, starting at any of its first four
/// characters, to bytes that contain `secret` (standing alone when `alone`).
fn hides(run: &str, secret: &[u8], alone: bool) -> bool {
    let standard: String = run
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            other => other,
        })
        .collect();
    (0..4).any(|skip| {
        let Some(text) = standard.get(skip..) else {
            return false;
        };
        // A length of 4n + 1 cannot be base64: its last character is cut off.
        let text = &text[..text.len() - usize::from(text.len() % 4 == 1)];
        let Ok(decoded) = LENIENT.decode(text) else {
            return false;
        };
        contains(&decoded, secret, alone)
    })
}

/// Whether `haystack` contains `needle` (with no ASCII letter or digit right before or
/// after it when `alone`).
fn contains(haystack: &[u8], needle: &[u8], alone: bool) -> bool {
    if needle.is_empty() || haystack.len() < needle.len() {
        return false;
    }
    (0..=haystack.len() - needle.len()).any(|i| {
        haystack[i..].starts_with(needle)
            && (!alone
                || (i
                    .checked_sub(1)
                    .and_then(|j| haystack.get(j))
                    .is_none_or(|b| !b.is_ascii_alphanumeric())
                    && haystack
                        .get(i + needle.len())
                        .is_none_or(|b| !b.is_ascii_alphanumeric())))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

    /// Every byte but unreserved ones as `%HH`, in upper or lower hex.
    fn percent(s: &str, upper: bool) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    char::from(b).to_string()
                }
                _ if upper => format!("%{b:02X}"),
                _ => format!("%{b:02x}"),
            })
            .collect()
    }

    /// JSON string contents with every non-ASCII character as `\uXXXX` (surrogate pairs).
    fn json_ascii(s: &str) -> String {
        let mut out = String::new();
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '/' => out.push_str("\\/"),
                c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
                c => {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{u:04x}"));
                    }
                }
            }
        }
        out
    }

    fn html(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '&' => "&amp;".to_owned(),
                '"' => "&quot;".to_owned(),
                '<' => "&lt;".to_owned(),
                c if !c.is_ascii() => format!("&#x{:X};", u32::from(c)),
                ' ' => "&#32;".to_owned(),
                c => c.to_string(),
            })
            .collect()
    }

    const SECRET: &str = "Ab+/c d=é&\"\\ü😀~!x";

    fn encodings(s: &str) -> Vec<(&'static str, String)> {
        vec![
            ("raw", s.to_owned()),
            ("percent, upper hex", percent(s, true)),
            ("percent, lower hex", percent(s, false)),
            ("form (+ for space)", percent(s, true).replace("%20", "+")),
            ("JSON (serde)", serde_json::to_string(s).unwrap()),
            ("JSON (ASCII only)", json_ascii(s)),
            ("HTML references", html(s)),
            ("base64", STANDARD.encode(s)),
            ("base64 URL-safe, no padding", URL_SAFE_NO_PAD.encode(s)),
            (
                "Basic credential",
                format!("Basic {}", STANDARD.encode(format!("app-id:{s}"))),
            ),
            (
                "base64 after 1 byte",
                URL_SAFE_NO_PAD.encode(format!("x{s}y")),
            ),
            ("base64 after 2 bytes", STANDARD.encode(format!("xy{s}"))),
        ]
    }

    #[test]
    fn a_secret_is_scrubbed_in_every_encoding() {
        for (name, encoded) in encodings(SECRET) {
            let message = format!("invalid_request: client_secret={encoded}&x=1 (logRef 7)");
            let out = scrub(&message, &[SECRET]);
            assert!(out.contains(REDACTED), "{name}: {out}");
            assert!(!out.contains(&encoded), "{name}: {out}");
            assert!(
                out.starts_with("invalid_request: client_secret="),
                "{name}: {out}"
            );
            assert!(out.ends_with("&x=1 (logRef 7)"), "{name}: {out}");
            // A prefix of the encoded secret long enough to mean something is gone too.
            let prefix: String = encoded.chars().take(8).collect();
            assert!(
                !out.contains(&prefix) || name.starts_with("Basic"),
                "{name}: {out}"
            );
        }
    }

    #[test]
    fn encodings_may_be_mixed_and_text_around_is_kept() {
        // a server that escapes some characters and not others
        let mixed = "Ab%2B/c+d%3d\\u00e9&amp;\\\"%5Cü\\ud83d\\ude00~!x";
        let out = scrub(&format!("[{mixed}]"), &[SECRET]);
        assert_eq!(out, format!("[{REDACTED}]"));
        let clean = "Bad Request: client credentials are invalid (logRef abc-123)";
        assert_eq!(scrub(clean, &[SECRET, "tok-1234", "hook-secret"]), clean);
        assert_eq!(scrub("", &[SECRET]), "");
        assert_eq!(scrub("nothing to hide", &[]), "nothing to hide");
        assert_eq!(scrub("nothing to hide", &[""]), "nothing to hide");
    }

    #[test]
    fn secrets_inside_other_secrets_and_repeats() {
        let out = scrub(
            "a=tok-123456 b=tok-1234 c=TOK-1234",
            &["tok-1234", "tok-123456"],
        );
        assert_eq!(out, format!("a={REDACTED} b={REDACTED} c=TOK-1234"));
        let out = scrub("x tok-1234tok-1234 y", &["tok-1234"]);
        assert_eq!(out, format!("x {REDACTED}{REDACTED} y"));
    }

    #[test]
    fn short_secrets_are_scrubbed_where_they_stand_alone() {
        assert_eq!(MIN_SCRUB_CHARS, 4);
        // inside words a short secret is ordinary text
        let text = "could not reach the host (the connection failed)";
        assert_eq!(
            scrub(text, &["t", "on", "the"]),
            text.replace("the", REDACTED)
        );
        for (echo, want) in [
            (
                "client_secret=abc&grant_type=x",
                format!("client_secret={REDACTED}&grant_type=x"),
            ),
            (
                "client_secret%3Dabc%26",
                format!("client_secret%3D{REDACTED}%26"),
            ),
            (
                "{\"secret\":\"abc\"}",
                format!("{{\"secret\":\"{REDACTED}\"}}"),
            ),
            ("token \\u0061bc.", format!("token {REDACTED}.")),
            ("token %61%62%63", format!("token {REDACTED}")),
            ("Bearer abc", format!("Bearer {REDACTED}")),
            ("abcdef xabc abcx", "abcdef xabc abcx".to_owned()),
        ] {
            assert_eq!(scrub(echo, &["abc"]), want, "{echo}");
        }
        // base64: alone, or as a value of its own inside a base64 credential
        let basic = STANDARD.encode("app-id:abc");
        assert_eq!(
            scrub(&format!("Basic {basic}"), &["abc"]),
            format!("Basic {REDACTED}")
        );
        assert_eq!(scrub("got YWJj", &["abc"]), format!("got {REDACTED}"));
        let word = STANDARD.encode("xabcx");
        assert_eq!(
            scrub(&format!("got {word}"), &["abc"]),
            format!("got {word}")
        );
        // a short secret at the very start and end of a message
        assert_eq!(scrub("ab", &["ab"]), REDACTED);
        assert_eq!(scrub("é", &["é"]), REDACTED);
    }

    #[test]
    fn long_secrets_are_scrubbed_anywhere() {
        let out = scrub("xxhook-secret-1yy", &["hook-secret-1"]);
        assert_eq!(out, format!("xx{REDACTED}yy"));
        // base64 at every alignment inside a longer value
        for prefix in ["", "a", "ab", "abc", "abcd", "abcde"] {
            let value = STANDARD.encode(format!("{prefix}hook-secret-1:more"));
            let out = scrub(&format!("header {value}."), &["hook-secret-1"]);
            assert_eq!(out, format!("header {REDACTED}."), "{prefix}");
        }
    }

    #[test]
    fn scrubbing_stays_fast_on_hostile_text() {
        // every character has two forms here (raw and escaped backslash)
        let secret = "\\".repeat(40);
        let message = "\\".repeat(200_000);
        let start = std::time::Instant::now();
        let out = scrub(&message, &[&secret]);
        assert!(!out.contains(&"\\".repeat(40)));
        let base64ish = "QUFB".repeat(100_000);
        let _ = scrub(&base64ish, &[&secret, "AAAA", "abc"]);
        assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
    }

    #[test]
    fn error_answers_become_readable_messages() {
        let answer = |status, body: &str| Response {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        };
        assert_eq!(error_message(&answer(404, "")), "Not Found");
        assert_eq!(error_message(&answer(418, " teapot ")), "error: teapot");
        let long = "x".repeat(300);
        assert_eq!(
            error_message(&answer(500, &long)).len(),
            "Help Scout server error: ".len() + 200
        );
        assert_eq!(
            error_message(&answer(400, r#"{"error":"invalid_grant"}"#)),
            "Bad Request: invalid_grant"
        );
        // odd JSON shapes fall back to the status text, never panic
        for odd in [
            "[1,2]",
            "\"x\"",
            "5",
            "null",
            r#"{"message":5,"errors":"x","logRef":1}"#,
            r#"{"errors":[1,"a",{"path":5}]}"#,
        ] {
            assert!(
                error_message(&answer(400, odd)).starts_with("Bad Request"),
                "{odd}"
            );
        }
        // a secret cut in two by the 200-character limit is scrubbed before the cut
        let secret = "s3cr3t/value+0123456789";
        let text = format!("{}{}", "y".repeat(190), percent(secret, false));
        let scrub_it = |t: &str| scrub(t, &[secret]);
        let out = describe(&answer(400, &text), &scrub_it);
        assert!(!out.contains("s3cr3t"), "{out}");
        assert!(out.ends_with("[REDACTED]"), "{out}");
    }
}
