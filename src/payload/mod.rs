//! Lazy access to a JSON payload.
//!
//! A [`Document`] owns the body text once. Receiving validates the whole body in one pass
//! that also records its structure ([`scan`]); nested objects and arrays are then found by
//! a lookup in that index, never by scanning the text again. Nothing is converted until it
//! is asked for, which is what makes receiving a large conversation cheap when the handler
//! reads three fields.
//!
//! Layout: `scan.rs` (the validating, indexing pass), `text.rs` (string escapes and body
//! encodings), `error.rs` (what can go wrong, with its HTTP status).

mod error;
mod scan;
mod text;

pub use error::{PayloadError, PayloadErrorKind};
pub use text::{unescape, Encoding, LoneSurrogate};

use crate::limits::{MAX_BODY_BYTES, MAX_DEPTH, MAX_INT_DIGITS};
use scan::{Index, ScanError};
use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::sync::OnceLock;

/// The 1-based line and column of byte `offset`, counted as `json.JSONDecodeError` counts
/// them: the column in characters from the start of the line (bytes where the text is not
/// UTF-8).
fn line_col(text: &[u8], offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = match std::str::from_utf8(&before[col_start..]) {
        Ok(t) => t.chars().count(),
        Err(_) => before.len() - col_start,
    };
    (line, column + 1)
}

struct Inner {
    text: Box<str>,
    index: Index,
    encoding: Encoding,
    /// The keys written with escapes, decoded: made the first time one is read (nearly no
    /// payload has one).
    decoded_keys: OnceLock<DecodedKeys>,
}

/// Every escaped key of a document, decoded into one string.
struct DecodedKeys {
    text: String,
    /// (where the key starts in the body, where its decoded text is in `text`), sorted.
    at: Vec<(u32, Range<u32>)>,
}

/// A validated JSON body, shared by every record made from it.
#[derive(Clone)]
pub struct Document {
    inner: Arc<Inner>,
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Document({} bytes)", self.inner.text.len())
    }
}

/// A byte range of the document holding one JSON value.
pub type Span = Range<usize>;

/// One member of a JSON object: where its key and its value are, as the index holds it
/// (16 bytes, `Copy`). Its key is read with [`Document::key`], its value's span is
/// [`Member::value`].
pub use scan::Entry as Member;

/// The JSON type of a value, from its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

impl JsonType {
    fn of(text: &str) -> Option<JsonType> {
        Some(match text.as_bytes().first()? {
            b'{' => JsonType::Object,
            b'[' => JsonType::Array,
            b'"' => JsonType::String,
            b't' | b'f' => JsonType::Bool,
            b'n' => JsonType::Null,
            _ => JsonType::Number,
        })
    }

    /// An article and a name for messages ("an array").
    pub fn describe(self) -> &'static str {
        match self {
            JsonType::Object => "an object",
            JsonType::Array => "an array",
            JsonType::String => "a string",
            JsonType::Number => "a number",
            JsonType::Bool => "a boolean",
            JsonType::Null => "null",
        }
    }
}

/// A scalar, or the span of a container, read from the document.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer outside the i64 range (at most `MAX_INT_DIGITS` digits), as its text.
    BigInt(&'a str),
    Float(f64),
    Str(Cow<'a, str>),
    /// A string holding a lone UTF-16 surrogate escape (`"\ud800"`), as its JSON literal
    /// with quotes: valid JSON that only a Python `str` can hold.
    LoneSurrogate(&'a str),
    Array(Span),
    Object(Span),
}

impl Document {
    /// Validate `body` as one JSON object and index it; returns its top-level members.
    ///
    /// The bytes are read as `json.loads` reads bytes: UTF-8, with or without a byte-order
    /// mark, or UTF-16/UTF-32 (found from a mark or from the zero bytes of the first
    /// characters). Every byte is checked here (encoding, JSON syntax, nesting depth,
    /// integer length), so reading fields later cannot meet an error.
    pub fn parse(body: &[u8]) -> Result<(Document, Vec<Member>), PayloadError> {
        let doc = Document::read(body)?;
        let members = doc.members(&(0..doc.text().len()))?.to_vec();
        Ok((doc, members))
    }

    /// [`Document::parse`] without making the list of top-level members (a record makes it
    /// on its first read: a delivery handed on unread never pays for it).
    pub fn read(body: &[u8]) -> Result<Document, PayloadError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(PayloadError::new(
                PayloadErrorKind::TooLarge,
                format!(
                    "the payload has {} bytes; the most this library reads is {MAX_BODY_BYTES}",
                    body.len()
                ),
                None,
            ));
        }
        let (encoding, mark) = Encoding::detect(body);
        let text: Box<str> = match encoding {
            Encoding::Utf8 | Encoding::Utf8Bom => match std::str::from_utf8(&body[mark..]) {
                Ok(t) => t.into(),
                Err(e) => return Err(utf8_error(body, mark + e.valid_up_to())),
            },
            wide => match wide.decode_wide(&body[mark..]) {
                Ok(t) => t.into_boxed_str(),
                Err(at) => {
                    return Err(PayloadError::new(
                        PayloadErrorKind::Utf8,
                        format!(
                            "the payload looks like {} but is not valid {} at byte offset {}; pass the raw request body bytes",
                            wide.name(),
                            wide.name(),
                            mark + at
                        ),
                        None,
                    ))
                }
            },
        };
        Document::from_text(text, encoding)
    }

    /// A document from text that should hold one JSON object (records built in code, pickle);
    /// it is validated like a received body.
    pub fn from_json_text(text: String) -> Result<Document, PayloadError> {
        Document::from_text(text.into_boxed_str(), Encoding::Utf8)
    }

    fn from_text(text: Box<str>, encoding: Encoding) -> Result<Document, PayloadError> {
        let (index, start, _) = scan::scan(text.as_bytes()).map_err(|e| scan_error(&text, e))?;
        let kind = JsonType::of(&text[start..]).unwrap_or(JsonType::Null);
        if kind != JsonType::Object {
            let (line, column) = line_col(text.as_bytes(), start);
            return Err(PayloadError::new(
                PayloadErrorKind::NotObject,
                format!(
                    "the payload must be a JSON object, but it is {} (line {line}, column {column})",
                    kind.describe()
                ),
                Some((line, column, start)),
            ));
        }
        Ok(Document {
            inner: Arc::new(Inner {
                text,
                index,
                encoding,
                decoded_keys: OnceLock::new(),
            }),
        })
    }

    /// How the body's bytes were encoded.
    pub fn encoding(&self) -> Encoding {
        self.inner.encoding
    }

    /// Whether `other` is this same document (not merely an equal text).
    pub fn is(&self, other: &Document) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// How many objects and arrays the document holds.
    pub fn container_count(&self) -> usize {
        self.inner.index.container_count()
    }

    /// The (unescaped) key of a member.
    #[inline]
    pub fn key<'a>(&'a self, member: &Member) -> &'a str {
        if member.key_escaped() {
            return self.decoded_key(member);
        }
        self.inner.text.get(member.key_span()).unwrap_or("")
    }

    /// The key of a member as written in the body (escapes and all) when it has escapes.
    pub fn escaped_key<'a>(&'a self, member: &Member) -> Option<&'a str> {
        if !member.key_escaped() {
            return None;
        }
        self.inner.text.get(member.key_span())
    }

    /// A key written with escapes, decoded (not inlined: nearly no key has escapes). The
    /// document's escaped keys are all decoded the first time one is asked for (in one pass
    /// over the index, at most the size of their text and 12 bytes a key); a key with a
    /// lone surrogate is kept readable, with U+FFFD in its place.
    #[inline(never)]
    fn decoded_key(&self, member: &Member) -> &str {
        let keys = self.inner.decoded_keys.get_or_init(|| {
            // Sized once: a key's decoded text is never longer than its escaped text.
            let escaped = || {
                self.inner
                    .index
                    .all_entries()
                    .iter()
                    .filter(|e| e.key_escaped())
            };
            let mut keys = DecodedKeys {
                text: String::with_capacity(escaped().map(Member::key_len).sum()),
                at: Vec::with_capacity(escaped().count()),
            };
            for e in escaped() {
                let raw = self.slice(&e.key_span());
                let start = keys.text.len();
                match unescape(raw) {
                    Ok(k) => keys.text.push_str(&k),
                    Err(LoneSurrogate) => keys.text.push_str(&lossy_key(raw)),
                }
                // The text is at most a decoded body (below 2^31 bytes, as offsets are).
                let end = keys.text.len();
                keys.at.push((e.key_start(), start as u32..end as u32));
            }
            keys.at.sort_unstable_by_key(|(k, _)| *k);
            keys
        });
        keys.at
            .binary_search_by_key(&member.key_start(), |(k, _)| *k)
            .ok()
            .and_then(|i| {
                keys.text
                    .get(keys.at[i].1.start as usize..keys.at[i].1.end as usize)
            })
            .unwrap_or("")
    }

    /// The whole body text (UTF-8, without a byte-order mark).
    pub fn text(&self) -> &str {
        &self.inner.text
    }

    /// The text of one value.
    pub fn slice(&self, span: &Span) -> &str {
        self.inner.text.get(span.clone()).unwrap_or("null")
    }

    /// The JSON type of the value at `span`.
    pub fn json_type(&self, span: &Span) -> JsonType {
        JsonType::of(self.slice(span)).unwrap_or(JsonType::Null)
    }

    /// Which index entries belong to the container (`open`: `{` or `[`) at `span`.
    pub(crate) fn entry_range(&self, span: &Span, open: u8) -> Result<Range<u32>, PayloadError> {
        // The container at the first byte of `span` that is not JSON whitespace (the
        // top-level record's span is the whole text, whitespace around its object included).
        let text = self.inner.text.as_bytes();
        let blank = text.get(span.clone()).map_or(0, |s| {
            s.iter()
                .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                .count()
        });
        let start = span.start + blank;
        if start >= span.end || text.get(start) != Some(&open) {
            return Err(self.structure_error(start));
        }
        self.inner
            .index
            .range_at(start)
            .ok_or_else(|| self.structure_error(start))
    }

    /// The members of the object whose entries are at `range` (from
    /// [`Document::member_range`]).
    #[inline]
    pub fn members_at(&self, range: Range<u32>) -> &[Member] {
        self.inner.index.entries(range)
    }

    /// Where in the index the members of the object at `span` are (for a record to keep).
    pub fn member_range(&self, span: &Span) -> Result<Range<u32>, PayloadError> {
        self.entry_range(span, b'{')
    }

    /// The members of the object at `span`, from the index (no scanning, no copying).
    pub fn members(&self, span: &Span) -> Result<&[Member], PayloadError> {
        Ok(self.members_at(self.member_range(span)?))
    }

    /// The item spans of the array at `span`, from the index (no scanning).
    pub fn items(&self, span: &Span) -> Result<Vec<Span>, PayloadError> {
        Ok(self
            .inner
            .index
            .entries(self.entry_range(span, b'[')?)
            .iter()
            .map(Member::value)
            .collect())
    }

    fn structure_error(&self, at: usize) -> PayloadError {
        // Unreachable for a span of this document; reported rather than trusted.
        let (line, column) = line_col(self.inner.text.as_bytes(), at);
        PayloadError::new(
            PayloadErrorKind::Syntax,
            format!("no JSON container starts at line {line}, column {column}"),
            Some((line, column, at)),
        )
    }

    /// Read the value at `span`: scalars are decoded, containers are returned as spans.
    pub fn scalar(&self, span: &Span) -> Result<Scalar<'_>, PayloadError> {
        let text = self.slice(span);
        Ok(match JsonType::of(text) {
            Some(JsonType::Object) => Scalar::Object(span.clone()),
            Some(JsonType::Array) => Scalar::Array(span.clone()),
            Some(JsonType::Null) | None => Scalar::Null,
            Some(JsonType::Bool) => Scalar::Bool(text == "true"),
            Some(JsonType::String) => {
                let inner = text.get(1..text.len().saturating_sub(1)).unwrap_or("");
                match unescape(inner) {
                    Ok(s) => Scalar::Str(s),
                    Err(LoneSurrogate) => Scalar::LoneSurrogate(text),
                }
            }
            Some(JsonType::Number) => number(text),
        })
    }
}

/// A key holding a lone surrogate escape, decoded with U+FFFD in its place.
fn lossy_key(raw: &str) -> String {
    let mut units: Vec<u16> = Vec::new();
    let mut out = String::new();
    let mut rest = raw;
    while !rest.is_empty() {
        if let Some(hex) = rest.strip_prefix("\\u").and_then(|r| r.get(..4)) {
            if let Ok(u) = u16::from_str_radix(hex, 16) {
                units.push(u);
                rest = &rest[6..];
                continue;
            }
        }
        out.extend(char::decode_utf16(units.drain(..)).map(|r| r.unwrap_or('\u{FFFD}')));
        // One other escape (two characters: `\\`, `\n`, ...), or the text up to the next
        // backslash. (Cutting at the next `\u` instead cut `\\u` in half, and lost the
        // text before it.)
        let next = if rest.starts_with('\\') {
            rest.char_indices().nth(2).map_or(rest.len(), |(i, _)| i)
        } else {
            rest.find('\\').unwrap_or(rest.len())
        };
        let (piece, after) = rest.split_at(next);
        out.push_str(&unescape(piece).unwrap_or(Cow::Borrowed("\u{FFFD}")));
        rest = after;
    }
    out.extend(char::decode_utf16(units.drain(..)).map(|r| r.unwrap_or('\u{FFFD}')));
    out
}

/// A number the scan validated: an `i64` when it is an integer that fits, its text when it
/// is a longer integer, else an `f64`. The digits are read once (reading an id was a
/// character search for `.`, `e`, `E` and then `str::parse`, about four times the work).
fn number(text: &str) -> Scalar<'_> {
    let b = text.as_bytes();
    let (negative, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    if digits.is_empty() {
        return Scalar::BigInt(text); // not JSON (the scan refuses it); as `str::parse` did
    }
    let mut value: i64 = 0;
    for (at, &c) in digits.iter().enumerate() {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return float_number(text); // a fraction or an exponent
        }
        let next = value.checked_mul(10).and_then(|v| {
            if negative {
                v.checked_sub(i64::from(d))
            } else {
                v.checked_add(i64::from(d))
            }
        });
        match next {
            Some(v) => value = v,
            None if digits[at..].iter().all(u8::is_ascii_digit) => return Scalar::BigInt(text),
            None => return float_number(text),
        }
    }
    Scalar::Int(value)
}

fn float_number(text: &str) -> Scalar<'_> {
    // JSON number syntax was validated; f64 parsing rounds like Python's float().
    Scalar::Float(text.parse::<f64>().unwrap_or(f64::NAN))
}

fn utf8_error(body: &[u8], at: usize) -> PayloadError {
    let (line, column) = line_col(body, at);
    PayloadError::new(
        PayloadErrorKind::Utf8,
        format!(
            "the payload is not valid UTF-8: byte 0x{:02X} at offset {at} (line {line}, column {column}) cannot start or continue a character; pass the raw request body bytes",
            body.get(at).copied().unwrap_or(0)
        ),
        Some((line, column, at)),
    )
}

/// The error for a failed scan. Syntax errors are worded by serde_json (which agrees with
/// the scanner on what is JSON: the tests check it), with our line and column.
fn scan_error(text: &str, e: ScanError) -> PayloadError {
    let b = text.as_bytes();
    if b.iter().all(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r')) {
        return PayloadError::new(
            PayloadErrorKind::Empty,
            "the payload is empty: a Help Scout webhook body is a JSON object".into(),
            Some((1, 1, 0)),
        );
    }
    match e {
        ScanError::TooDeep(at) => {
            let (line, column) = line_col(b, at);
            PayloadError::new(
                PayloadErrorKind::TooDeep,
                format!("the payload nests objects and arrays more than {MAX_DEPTH} levels deep (line {line}, column {column}); Help Scout payloads are fewer than 10 deep"),
                Some((line, column, at)),
            )
        }
        ScanError::Number(at) => {
            let (line, column) = line_col(b, at);
            PayloadError::new(
                PayloadErrorKind::Number,
                format!("the payload has a number no Python value holds exactly as JSON (line {line}, column {column}): an integer with more than {MAX_INT_DIGITS} digits, or a float beyond the largest double (such as 1e999)"),
                Some((line, column, at)),
            )
        }
        ScanError::Syntax(at) | ScanError::Eof(at) => {
            let eof = matches!(e, ScanError::Eof(_));
            let what = if eof {
                "the payload ends too early"
            } else {
                "the payload is not valid JSON"
            };
            // serde_json's wording ("expected value"), which agrees with the scanner on
            // what is JSON (the tests check it), with the position `json` would report.
            let (line, column) = line_col(b, at);
            let wording = match serde_json::from_str::<serde::de::IgnoredAny>(text) {
                Err(se) if !se.is_data() => {
                    let full = se.to_string();
                    match full.rfind(" at line ") {
                        Some(cut) => full[..cut].to_owned(),
                        None => full,
                    }
                }
                _ => "unexpected character".to_owned(),
            };
            let detail = format!("{wording} at line {line} column {column}");
            PayloadError::new(
                if eof {
                    PayloadErrorKind::Eof
                } else {
                    PayloadErrorKind::Syntax
                },
                format!("{what}: {detail}"),
                Some((line, column, at)),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    /// What `number` gave before it read the digits itself: the reference it must agree with.
    fn number_by_parse(text: &str) -> Scalar<'_> {
        if !text.contains(['.', 'e', 'E']) {
            if let Ok(i) = text.parse::<i64>() {
                return Scalar::Int(i);
            }
            return Scalar::BigInt(text);
        }
        Scalar::Float(text.parse::<f64>().unwrap_or(f64::NAN))
    }

    #[test]
    fn numbers_read_as_str_parse_reads_them() {
        let mut cases: Vec<String> = [
            "0",
            "-0",
            "7",
            "-7",
            "10",
            "733531150",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "-9223372036854775809",
            "92233720368547758070",
            "123456789012345678901234567890",
            "0.5",
            "-0.0",
            "1e5",
            "1E+5",
            "-1e-7",
            "1.5e-7",
            "12345678901234567890.5",
            "12345678901234567890e2",
            "99999999999999999999E-2",
            "-12345678901234567890.25",
            "1.0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every integer length around i64's bounds, both signs.
        for len in 1..=21 {
            for first in ['1', '5', '9'] {
                let digits: String = std::iter::once(first)
                    .chain("9".repeat(len - 1).chars())
                    .collect();
                cases.push(digits.clone());
                cases.push(format!("-{digits}"));
                cases.push(format!("{digits}.25"));
                cases.push(format!("-{digits}e3"));
            }
        }
        for text in &cases {
            let (ours, reference) = (super::number(text), number_by_parse(text));
            let same = match (&ours, &reference) {
                (Scalar::Int(a), Scalar::Int(b)) => a == b,
                (Scalar::BigInt(a), Scalar::BigInt(b)) => a == b,
                (Scalar::Float(a), Scalar::Float(b)) => a.to_bits() == b.to_bits(),
                _ => false,
            };
            assert!(same, "{text}: {ours:?} against {reference:?}");
        }
    }

    use super::*;
    use serde::Deserialize;

    /// `read` makes no member list; the members of the whole text (whitespace around the
    /// object included, as the top-level record's span is) are what `parse` gives.
    #[test]
    fn read_then_members_of_the_whole_text_is_parse() {
        for body in [
            &br#"{"a": 1, "b": [2]}"#[..],
            b" \r\n\t {\"a\": 1, \"b\": [2]} \n",
            b"{}",
            b"  {}  ",
        ] {
            let doc = Document::read(body).unwrap();
            let lazy = doc.members(&(0..doc.text().len())).unwrap();
            let (_, eager) = Document::parse(body).unwrap();
            assert_eq!(lazy, eager, "{body:?}");
        }
        let doc = Document::read(b" {\"a\": [1, {\"b\": 2}]}").unwrap();
        let len = doc.text().len();
        // An array is not an object; a span of whitespace holds nothing, whatever follows.
        let array = doc.text().find('[').unwrap();
        assert!(doc.members(&(array..len)).is_err());
        assert!(doc.members(&(array - 1..len)).is_err());
        assert!(doc.members(&(0..1)).is_err());
        assert_eq!(doc.members(&(0..len)).unwrap().len(), 1);
    }

    #[test]
    fn scans_top_level_lazily_and_nested_on_demand() {
        let body = br#"{"id": 12, "subject":"Caf\u00e9 \/ ok", "tags":[{"id":1},{"id":2}], "big": 18446744073709551616, "f": 1.5e3, "n": null, "t": true}"#;
        let (doc, members) = Document::parse(body).unwrap();
        let keys: Vec<&str> = members.iter().map(|m| doc.key(m)).collect();
        assert_eq!(keys, ["id", "subject", "tags", "big", "f", "n", "t"]);
        assert_eq!(doc.scalar(&members[0].value()).unwrap(), Scalar::Int(12));
        assert_eq!(
            doc.scalar(&members[1].value()).unwrap(),
            Scalar::Str("Café / ok".into())
        );
        let Scalar::Array(span) = doc.scalar(&members[2].value()).unwrap() else {
            panic!()
        };
        let items = doc.items(&span).unwrap();
        assert_eq!(items.len(), 2);
        let inner = doc.members(&items[1]).unwrap();
        assert_eq!(doc.scalar(&inner[0].value()).unwrap(), Scalar::Int(2));
        assert_eq!(
            doc.scalar(&members[3].value()).unwrap(),
            Scalar::BigInt("18446744073709551616")
        );
        assert_eq!(
            doc.scalar(&members[4].value()).unwrap(),
            Scalar::Float(1500.0)
        );
        assert_eq!(doc.scalar(&members[5].value()).unwrap(), Scalar::Null);
        assert_eq!(doc.scalar(&members[6].value()).unwrap(), Scalar::Bool(true));
    }

    #[test]
    fn escaped_keys_are_unescaped() {
        let (doc, members) =
            Document::parse(br#"{"a\u0062c": 1, "n": {"x\u0079": [1, {"\"q\"": 2}]}}"#).unwrap();
        assert_eq!(doc.key(&members[0]), "abc");
        let inner = doc.members(&members[1].value()).unwrap();
        assert_eq!(doc.key(&inner[0]), "xy");
        let items = doc.items(&inner[0].value()).unwrap();
        assert_eq!(doc.slice(&items[0]), "1");
        let deepest = doc.members(&items[1]).unwrap();
        assert_eq!(doc.key(&deepest[0]), "\"q\"");
        assert_eq!(doc.slice(&deepest[0].value()), "2");
    }

    #[test]
    fn a_key_with_a_lone_surrogate_keeps_its_other_text() {
        // Found by the fuzzer: an escaped backslash before a `u` (`\\uTTT` in the JSON) was
        // cut in half by the lossy decoding, and the text before it was lost (the key read
        // as "\u{FFFD}\u{FFFD}").
        let body = "{\"io1d\":140,\"T\u{7f}\\\\uTTT\\uddceee\" \n:159}";
        let (doc, members) = Document::parse(body.as_bytes()).unwrap();
        assert_eq!(doc.key(&members[1]), "T\u{7f}\\uTTT\u{FFFD}ee");
        let (doc, members) = Document::parse(br#"{"\n\ud800x\\\"y\udc00": 1, "k": 2}"#).unwrap();
        assert_eq!(doc.key(&members[0]), "\n\u{FFFD}x\\\"y\u{FFFD}");
        assert_eq!(doc.key(&members[1]), "k");
    }

    #[test]
    fn errors_say_what_and_where() {
        let e = Document::parse(b"{\"a\": 1,\n \"b\": }").unwrap_err();
        assert_eq!(e.reason(), "syntax");
        assert_eq!((e.line, e.column), (Some(2), Some(7)));
        assert!(e.message.contains("line 2 column 7"), "{}", e.message);

        let e = Document::parse(b"{\"a\": \"\xff\"}").unwrap_err();
        assert_eq!(e.reason(), "utf8");
        assert!(e.message.contains("0xFF at offset 7"), "{}", e.message);

        let e = Document::parse(b"[1, 2]").unwrap_err();
        assert_eq!(e.reason(), "not_object");
        assert!(e.message.contains("an array"), "{}", e.message);

        let e = Document::parse(b"  \"text\"").unwrap_err();
        assert_eq!(e.reason(), "not_object");
        assert!(e.message.contains("a string"), "{}", e.message);

        let e = Document::parse(b"   ").unwrap_err();
        assert_eq!(e.reason(), "empty");

        let e = Document::parse(b"{\"a\": 1").unwrap_err();
        assert_eq!(e.reason(), "syntax");
        assert!(
            e.message.starts_with("the payload ends too early"),
            "{}",
            e.message
        );

        let e = Document::parse(b"{\"a\": 1} x").unwrap_err();
        assert_eq!(e.reason(), "syntax");
    }

    #[test]
    fn lone_surrogate_reads_as_its_literal_for_python_to_decode() {
        let (doc, members) = Document::parse(br#"{"s": "a\ud800b", "k\udc00": 1}"#).unwrap();
        assert_eq!(
            doc.scalar(&members[0].value()).unwrap(),
            Scalar::LoneSurrogate(r#""a\ud800b""#)
        );
        assert_eq!(doc.key(&members[1]), "k\u{FFFD}");
    }

    #[test]
    fn structural_scan_matches_serde_on_nested_values() {
        let body = br#" { "a" : [ 1 , -2.5e3 , "x\"]}" , { "b" : { } } , [ ] , true , null ] , "c" : { "d" : "}" } } "#;
        let (doc, members) = Document::parse(body).unwrap();
        let items = doc.items(&members[0].value()).unwrap();
        let texts: Vec<&str> = items.iter().map(|s| doc.slice(s)).collect();
        assert_eq!(
            texts,
            [
                "1",
                "-2.5e3",
                r#""x\"]}""#,
                r#"{ "b" : { } }"#,
                "[ ]",
                "true",
                "null"
            ]
        );
        assert!(doc.items(&items[4]).unwrap().is_empty());
        let b = doc.members(&items[3]).unwrap();
        assert!(doc.members(&b[0].value()).unwrap().is_empty());
        let c = doc.members(&members[1].value()).unwrap();
        assert_eq!(doc.scalar(&c[0].value()).unwrap(), Scalar::Str("}".into()));
        // asking for the wrong container type is an error, not a panic
        assert_eq!(doc.members(&items[0]).unwrap_err().reason(), "syntax");
        assert_eq!(
            doc.items(&members[1].value()).unwrap_err().reason(),
            "syntax"
        );
    }

    /// Walk every value of a document, the way attribute reads do.
    fn walk(doc: &Document, span: &Span, depth: usize) {
        if depth > 64 {
            return;
        }
        match doc.scalar(span) {
            Ok(Scalar::Object(s)) => {
                if let Ok(members) = doc.members(&s) {
                    for m in members {
                        let _ = doc.key(m);
                        walk(doc, &m.value(), depth + 1);
                    }
                }
            }
            Ok(Scalar::Array(s)) => {
                if let Ok(items) = doc.items(&s) {
                    for item in &items {
                        walk(doc, item, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }

    /// Deterministic random edits (xorshift): one to four bytes replaced, inserted or
    /// removed, from `alphabet`.
    struct Mutator(u64);

    impl Mutator {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn mutate(&mut self, seed: &[u8], alphabet: &[u8]) -> Vec<u8> {
            let mut body = seed.to_vec();
            for _ in 0..(self.next() % 4 + 1) {
                let at = (self.next() as usize) % body.len();
                let byte = alphabet[(self.next() as usize) % alphabet.len()];
                match self.next() % 3 {
                    0 => body[at] = byte,
                    1 => body.insert(at, byte),
                    _ => {
                        body.remove(at);
                    }
                }
                if body.is_empty() {
                    body.push(b'{');
                }
            }
            body
        }
    }

    #[test]
    fn mutated_bodies_never_panic() {
        let seed = br#"{"id":1,"s":"a\"b\u00e9\/","n":[1,-2.5e3,true,null,{"k":[{}]}],"t":"2020-01-01T00:00:00Z","o":{"x":{"y":"}"}}}"#;
        let mut rng = Mutator(0x2545_F491_4F6C_DD1D);
        let alphabet = b"{}[]\",:\\ 0123456789.eE+-truefalsnl\xff\xc3\xa9\n";
        for _ in 0..20_000 {
            let body = rng.mutate(seed, alphabet);
            if let Ok((doc, members)) = Document::parse(&body) {
                for m in members {
                    walk(&doc, &m.value(), 0);
                }
            }
        }
    }

    #[test]
    fn duplicate_keys_are_all_kept_in_order() {
        let (_, members) = Document::parse(br#"{"a": 1, "a": 2}"#).unwrap();
        assert_eq!(members.len(), 2);
    }

    /// serde_json decides what is JSON (the seeds are far below its recursion limit).
    fn serde_accepts(text: &[u8]) -> bool {
        let Ok(t) = std::str::from_utf8(text) else {
            return false;
        };
        let mut de = serde_json::Deserializer::from_str(t);
        let valid = serde::de::IgnoredAny::deserialize(&mut de).is_ok() && de.end().is_ok();
        // A float beyond f64 (`1e999`) is valid JSON that we refuse on purpose (it would read
        // as infinity); serde_json's full parse names it.
        let overflows = serde_json::from_str::<serde_json::Value>(t)
            .is_err_and(|e| e.to_string().contains("number out of range"));
        valid && !overflows
    }

    #[test]
    fn scanner_agrees_with_serde_on_what_is_json() {
        let seeds: &[&[u8]] = &[
            br#"{"id":1,"s":"a\"b\u00e9\/","n":[1,-2.5e3,true,null,{"k":[{}]}],"t":"2020-01-01T00:00:00Z","o":{"x":{"y":"}"}}}"#,
            br#"{"a":[0,-0,0.5,1E+2,1e-2,-1.0e10,[],{},"",[[]],{"":{}}], "b" : "\ud83d\ude00\n"}"#,
        ];
        let mut rng = Mutator(0x9E37_79B9_7F4A_7C15);
        let alphabet = b"{}[]\",:\\ 0123456789.eE+-truefalsnlu\x01\n\t";
        let (mut accepted, mut refused) = (0, 0);
        for round in 0..60_000 {
            let body = rng.mutate(seeds[round % seeds.len()], alphabet);
            let ours = scan::scan(&body).is_ok();
            assert_eq!(
                ours,
                serde_accepts(&body),
                "scanner and serde disagree on {:?}",
                String::from_utf8_lossy(&body)
            );
            if ours {
                accepted += 1;
            } else {
                refused += 1;
            }
        }
        // The edits must exercise both answers, or the agreement says little.
        assert!(
            accepted > 5_000 && refused > 5_000,
            "{accepted} / {refused}"
        );
    }

    #[test]
    fn scanner_agrees_with_serde_on_tricky_literals() {
        for text in [
            "{}",
            "[]",
            " {} ",
            "{\"a\":1}",
            "[1,]",
            "[,1]",
            "{,}",
            "{\"a\":1,}",
            "01",
            "-",
            "-0",
            "1.",
            ".5",
            "1e",
            "1e+",
            "1E5",
            "tru",
            "nul",
            "true false",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\u12G4\"",
            "\"a\u{1}\"",
            "\"\\ud800\"",
            "[1 2]",
            "{\"a\" 1}",
            "{1:2}",
            "[\"\\\"]",
            "[[[]]]",
            "{\"a\":{\"b\":[{}]}}",
            "\u{a0}{}",
            "{}\u{0}",
            "-01",
            "2.5e-3",
            "[-]",
            "[1e999]",
        ] {
            assert_eq!(
                scan::scan(text.as_bytes()).is_ok(),
                serde_accepts(text.as_bytes()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn depth_is_limited_without_recursion() {
        let ok = format!(
            "{{\"a\":{}{}}}",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert!(Document::parse(ok.as_bytes()).is_ok());
        let deep = format!(
            "{{\"a\":{}{}}}",
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        );
        let e = Document::parse(deep.as_bytes()).unwrap_err();
        assert_eq!(e.kind, PayloadErrorKind::TooDeep);
        assert_eq!(e.reason(), "too_deep");
        // Far deeper than any stack could recurse: refused, not a crash.
        let huge = format!("{{\"a\":{}", "[".repeat(1_000_000));
        assert_eq!(
            Document::parse(huge.as_bytes()).unwrap_err().kind,
            PayloadErrorKind::TooDeep
        );
        let objects = format!("{}1{}", "{\"a\":".repeat(500_000), "}".repeat(500_000));
        assert_eq!(
            Document::parse(objects.as_bytes()).unwrap_err().kind,
            PayloadErrorKind::TooDeep
        );
    }

    #[test]
    fn long_integers_are_refused_and_long_floats_are_not() {
        let ok = format!("{{\"n\": {}}}", "9".repeat(MAX_INT_DIGITS));
        let (doc, m) = Document::parse(ok.as_bytes()).unwrap();
        assert!(matches!(
            doc.scalar(&m[0].value()).unwrap(),
            Scalar::BigInt(_)
        ));
        let long = format!("{{\"n\": -{}}}", "9".repeat(MAX_INT_DIGITS + 1));
        let e = Document::parse(long.as_bytes()).unwrap_err();
        assert_eq!(e.kind, PayloadErrorKind::Number);
        let float = format!("{{\"n\": 0.{}}}", "9".repeat(MAX_INT_DIGITS + 1));
        assert!(Document::parse(float.as_bytes()).is_ok());
        for huge in ["1e999", "-1e309", "1.5e400"] {
            let body = format!("{{\"f\": {huge}}}");
            let e = Document::parse(body.as_bytes()).unwrap_err();
            assert_eq!(e.kind, PayloadErrorKind::Number, "{huge}");
        }
        assert!(Document::parse(b"{\"f\": 1.7976931348623157e308, \"g\": 1e-999}").is_ok());
    }

    #[test]
    fn encodings_are_read_like_json_loads() {
        let utf16: Vec<u8> = "{\"a\": \"é\"}"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let (doc, m) = Document::parse(&utf16).unwrap();
        assert_eq!(doc.encoding(), Encoding::Utf16Le);
        assert_eq!(doc.scalar(&m[0].value()).unwrap(), Scalar::Str("é".into()));
        let (doc, _) = Document::parse(b"\xEF\xBB\xBF{\"a\": 1}").unwrap();
        assert_eq!(doc.encoding(), Encoding::Utf8Bom);
        assert_eq!(doc.text(), "{\"a\": 1}");
        let e = Document::parse(b"\xFF\xFE\x00\xD8{\x00").unwrap_err();
        assert_eq!(e.kind, PayloadErrorKind::Utf8);
    }

    #[test]
    fn oversized_bodies_are_refused_before_reading() {
        let body = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(
            Document::parse(&body).unwrap_err().kind,
            PayloadErrorKind::TooLarge
        );
        assert_eq!(PayloadErrorKind::TooLarge.http_status(), 413);
        assert!(PayloadErrorKind::ALL
            .iter()
            .filter(|k| **k != PayloadErrorKind::TooLarge)
            .all(|k| k.http_status() == 400));
    }

    #[test]
    fn nested_lookups_use_the_index() {
        let mut body = String::from("{\"threads\": [");
        for i in 0..40 {
            if i > 0 {
                body.push(',');
            }
            body.push_str(&format!(
                "{{\"id\": {i}, \"body\": \"{}\"}}",
                "x".repeat(2000)
            ));
        }
        body.push_str("]}");
        let (doc, members) = Document::parse(body.as_bytes()).unwrap();
        assert_eq!(doc.container_count(), 42);
        let items = doc.items(&members[0].value()).unwrap();
        let first = doc.members(&items[0]).unwrap();
        assert_eq!(doc.key(&first[1]), "body");
        let last = doc.members(&items[39]).unwrap();
        assert_eq!(doc.scalar(&last[0].value()).unwrap(), Scalar::Int(39));
    }
}
