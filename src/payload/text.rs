//! Decoding JSON string literals and detecting the body's encoding the way `json.loads`
//! does for bytes.

use std::borrow::Cow;

/// A `\uD800`–`\uDFFF` escape that is not half of a pair. Rust strings cannot hold it;
/// Python strings can, so the bindings decode such a string with Python's own `json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoneSurrogate;

fn hex_digit(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'a'..=b'f' => Some(u32::from(c - b'a' + 10)),
        b'A'..=b'F' => Some(u32::from(c - b'A' + 10)),
        _ => None,
    }
}

/// The value of four hex digits at the start of `b`.
fn hex4(b: &[u8]) -> Option<u32> {
    let [a, b, c, d] = *b.get(..4)? else {
        return None;
    };
    Some(hex_digit(a)? << 12 | hex_digit(b)? << 8 | hex_digit(c)? << 4 | hex_digit(d)?)
}

/// Decode the inside of a validated JSON string literal (without its quotes).
pub fn unescape(raw: &str) -> Result<Cow<'_, str>, LoneSurrogate> {
    if !raw.contains('\\') {
        return Ok(Cow::Borrowed(raw));
    }
    let b = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < b.len() {
        let Some(rel) = b[i..].iter().position(|&c| c == b'\\') else {
            out.push_str(&raw[i..]);
            break;
        };
        out.push_str(&raw[i..i + rel]);
        i += rel;
        let c = match b.get(i + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let hi = hex4(b.get(i + 2..).unwrap_or(&[])).ok_or(LoneSurrogate)?;
                i += 6;
                let code = if (0xD800..0xDC00).contains(&hi) {
                    // A high surrogate must be followed by `\u` and a low one.
                    let lo = (b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'u'))
                        .then(|| hex4(b.get(i + 2..).unwrap_or(&[])))
                        .flatten()
                        .filter(|lo| (0xDC00..0xE000).contains(lo))
                        .ok_or(LoneSurrogate)?;
                    i += 6;
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                } else {
                    hi
                };
                out.push(char::from_u32(code).ok_or(LoneSurrogate)?);
                continue;
            }
            // The scanner accepted only the escapes above.
            _ => return Err(LoneSurrogate),
        };
        out.push(c);
        i += 2;
    }
    Ok(Cow::Owned(out))
}

/// How the body's bytes encode its text, found as `json.detect_encoding` finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Utf32Le,
    Utf32Be,
}

impl Encoding {
    /// The encoding of `b` and how many bytes of byte-order mark to skip.
    pub fn detect(b: &[u8]) -> (Encoding, usize) {
        match b {
            [0xFF, 0xFE, 0, 0, ..] => (Encoding::Utf32Le, 4),
            [0, 0, 0xFE, 0xFF, ..] => (Encoding::Utf32Be, 4),
            [0xFF, 0xFE, ..] => (Encoding::Utf16Le, 2),
            [0xFE, 0xFF, ..] => (Encoding::Utf16Be, 2),
            [0xEF, 0xBB, 0xBF, ..] => (Encoding::Utf8Bom, 3),
            [0, 0, _, _, ..] => (Encoding::Utf32Be, 0),
            [0, _, _, _, ..] => (Encoding::Utf16Be, 0),
            [_, 0, 0, 0, ..] => (Encoding::Utf32Le, 0),
            [_, 0, _, _, ..] => (Encoding::Utf16Le, 0),
            [0, _] => (Encoding::Utf16Be, 0),
            [_, 0] => (Encoding::Utf16Le, 0),
            _ => (Encoding::Utf8, 0),
        }
    }

    /// The name Python's codecs use.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8-sig",
            Encoding::Utf16Le => "utf-16-le",
            Encoding::Utf16Be => "utf-16-be",
            Encoding::Utf32Le => "utf-32-le",
            Encoding::Utf32Be => "utf-32-be",
        }
    }

    /// Decode UTF-16 or UTF-32 `b` (after its mark) to UTF-8; `Err(offset)` at the first
    /// unit that is not a character. UTF-8 is not handled here (it is checked in place).
    pub fn decode_wide(self, b: &[u8]) -> Result<String, usize> {
        match self {
            Encoding::Utf16Le | Encoding::Utf16Be => {
                if b.len() % 2 != 0 {
                    return Err(b.len() - 1);
                }
                let units = b.chunks_exact(2).map(|c| {
                    if self == Encoding::Utf16Le {
                        u16::from_le_bytes([c[0], c[1]])
                    } else {
                        u16::from_be_bytes([c[0], c[1]])
                    }
                });
                let mut out = String::with_capacity(b.len() / 2);
                for (n, r) in char::decode_utf16(units).enumerate() {
                    out.push(r.map_err(|_| n * 2)?);
                }
                Ok(out)
            }
            Encoding::Utf32Le | Encoding::Utf32Be => {
                if b.len() % 4 != 0 {
                    return Err(b.len() - b.len() % 4);
                }
                let mut out = String::with_capacity(b.len() / 4);
                for (n, c) in b.chunks_exact(4).enumerate() {
                    let v = if self == Encoding::Utf32Le {
                        u32::from_le_bytes([c[0], c[1], c[2], c[3]])
                    } else {
                        u32::from_be_bytes([c[0], c[1], c[2], c[3]])
                    };
                    out.push(char::from_u32(v).ok_or(n * 4)?);
                }
                Ok(out)
            }
            Encoding::Utf8 | Encoding::Utf8Bom => Err(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_like_json() {
        assert_eq!(unescape("plain").unwrap(), "plain");
        assert_eq!(
            unescape(r#"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00"#).unwrap(),
            "a\"b\\c/d\u{8}\u{c}\n\r\té😀"
        );
        assert_eq!(unescape(r"\ud800"), Err(LoneSurrogate));
        assert_eq!(unescape(r"a\ud800b"), Err(LoneSurrogate));
        assert_eq!(unescape(r"\udc00"), Err(LoneSurrogate));
        assert_eq!(unescape(r"\ud800\u0041"), Err(LoneSurrogate));
    }

    #[test]
    fn hex_escapes_in_every_case() {
        assert_eq!(hex4(b"00e9"), Some(0xe9));
        assert_eq!(hex4(b"ABCD"), Some(0xabcd));
        assert_eq!(hex4(b"aBcD"), Some(0xabcd));
        assert_eq!(hex4(b"ffff"), Some(0xffff));
        assert_eq!(hex4(b"0g00"), None);
        assert_eq!(hex4(b"+123"), None);
        assert_eq!(hex4(b"12"), None);
        assert_eq!(hex4(b"123\xc3\xa9"), None);
        assert_eq!(unescape(r"\u00E9\u00e9").unwrap(), "éé");
    }

    #[test]
    fn detects_encodings_like_python() {
        assert_eq!(Encoding::detect(b"{}"), (Encoding::Utf8, 0));
        assert_eq!(Encoding::detect(b"\xEF\xBB\xBF{}"), (Encoding::Utf8Bom, 3));
        assert_eq!(Encoding::detect(b"\xFF\xFE{\0}\0"), (Encoding::Utf16Le, 2));
        assert_eq!(Encoding::detect(b"{\0}\0"), (Encoding::Utf16Le, 0));
        assert_eq!(Encoding::detect(b"\0{\0}"), (Encoding::Utf16Be, 0));
        assert_eq!(Encoding::detect(b"{\0\0\0"), (Encoding::Utf32Le, 0));
        assert_eq!(Encoding::detect(b"\0\0\0{"), (Encoding::Utf32Be, 0));
        assert_eq!(
            Encoding::Utf16Be.decode_wide(b"\0{\0}").unwrap(),
            "{}".to_owned()
        );
        assert_eq!(Encoding::Utf16Le.decode_wide(b"\x00\xd8"), Err(0));
        assert_eq!(
            Encoding::Utf32Le.decode_wide(b"{\0\0\0}\0\0\0").unwrap(),
            "{}"
        );
    }
}
