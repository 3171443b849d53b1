//! Lazy access to a JSON payload.
//!
//! A [`Document`] owns the body text once. Receiving validates the whole body and scans only
//! the top-level object into (key, span) pairs; nested objects and arrays are scanned when
//! somebody reads them. Nothing is converted until it is asked for, which is what makes
//! receiving a large conversation cheap when the handler reads three fields.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// Why a payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadError {
    /// A short machine-readable reason: `utf8`, `syntax`, `empty`, `not_object`, `string`.
    pub reason: &'static str,
    /// What went wrong and where, for a person.
    pub message: String,
    /// 1-based line of the problem, when known.
    pub line: Option<usize>,
    /// 1-based column of the problem, when known.
    pub column: Option<usize>,
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PayloadError {}

fn line_col(text: &[u8], offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    (line, offset - col_start + 1)
}

/// A validated JSON body, shared by every record made from it.
#[derive(Clone)]
pub struct Document {
    text: Arc<str>,
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Document({} bytes)", self.text.len())
    }
}

/// A byte range of the document holding one JSON value.
pub type Span = Range<usize>;

/// One member of a JSON object: its (unescaped) key and the span of its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub key: Box<str>,
    pub value: Span,
}

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
    /// An integer outside the i64 range, as its decimal text.
    BigInt(&'a str),
    Float(f64),
    Str(Cow<'a, str>),
    Array(Span),
    Object(Span),
}

struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

struct RawMembers<'a>(Vec<(Key<'a>, &'a RawValue)>);

impl<'de> Deserialize<'de> for RawMembers<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawMembers<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(k) = map.next_key::<Key<'de>>()? {
                    let v: &'de RawValue = map.next_value()?;
                    out.push((k, v));
                }
                Ok(RawMembers(out))
            }
        }
        d.deserialize_map(V)
    }
}

struct RawItems<'a>(Vec<&'a RawValue>);

impl<'de> Deserialize<'de> for RawItems<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawItems<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(8));
                while let Some(v) = seq.next_element::<&'de RawValue>()? {
                    out.push(v);
                }
                Ok(RawItems(out))
            }
        }
        d.deserialize_seq(V)
    }
}

impl Document {
    /// Validate `body` as one JSON object and scan its top level.
    ///
    /// Every byte is checked here (UTF-8 and JSON syntax), so reading fields later cannot
    /// meet a syntax error.
    pub fn parse(body: &[u8]) -> Result<(Document, Vec<Member>), PayloadError> {
        let text = match std::str::from_utf8(body) {
            Ok(t) => t,
            Err(e) => {
                let at = e.valid_up_to();
                let (line, column) = line_col(body, at);
                return Err(PayloadError {
                    reason: "utf8",
                    message: format!(
                        "the payload is not valid UTF-8: byte 0x{:02X} at offset {at} (line {line}, column {column}) cannot start or continue a character; pass the raw request body bytes",
                        body.get(at).copied().unwrap_or(0)
                    ),
                    line: Some(line),
                    column: Some(column),
                });
            }
        };
        let doc = Document {
            text: Arc::from(text),
        };
        let members = doc.scan_top_level()?;
        Ok((doc, members))
    }

    /// A document from text that is known to hold one JSON object (for records built in
    /// code); it is validated like a received body.
    pub fn from_json_text(text: String) -> Result<(Document, Vec<Member>), PayloadError> {
        let doc = Document {
            text: Arc::from(text),
        };
        let members = doc.scan_top_level()?;
        Ok((doc, members))
    }

    fn scan_top_level(&self) -> Result<Vec<Member>, PayloadError> {
        let text: &str = &self.text;
        let start = text.len() - text.trim_start().len();
        let Some(kind) = JsonType::of(&text[start..]) else {
            return Err(PayloadError {
                reason: "empty",
                message: "the payload is empty: a Help Scout webhook body is a JSON object".into(),
                line: Some(1),
                column: Some(1),
            });
        };
        if kind != JsonType::Object {
            // Validate first so a broken non-object reports its syntax error.
            if let Err(e) = serde_json::from_str::<de::IgnoredAny>(text) {
                return Err(syntax_error(&e));
            }
            let (line, column) = line_col(text.as_bytes(), start);
            return Err(PayloadError {
                reason: "not_object",
                message: format!(
                    "the payload must be a JSON object, but it is {} (line {line}, column {column})",
                    kind.describe()
                ),
                line: Some(line),
                column: Some(column),
            });
        }
        match serde_json::from_str::<RawMembers<'_>>(text) {
            Ok(raw) => Ok(self.members_from(raw)),
            Err(e) => Err(syntax_error(&e)),
        }
    }

    fn offset_of(&self, raw: &RawValue) -> Span {
        let start = raw.get().as_ptr() as usize - self.text.as_ptr() as usize;
        start..start + raw.get().len()
    }

    fn members_from(&self, raw: RawMembers<'_>) -> Vec<Member> {
        raw.0
            .into_iter()
            .map(|(k, v)| Member {
                key: k.0.into(),
                value: self.offset_of(v),
            })
            .collect()
    }

    /// The whole body text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text of one value.
    pub fn slice(&self, span: &Span) -> &str {
        self.text.get(span.clone()).unwrap_or("null")
    }

    /// The JSON type of the value at `span`.
    pub fn json_type(&self, span: &Span) -> JsonType {
        JsonType::of(self.slice(span)).unwrap_or(JsonType::Null)
    }

    /// The members of the object at `span`.
    pub fn members(&self, span: &Span) -> Result<Vec<Member>, PayloadError> {
        serde_json::from_str::<RawMembers<'_>>(self.slice(span))
            .map(|raw| self.members_from(raw))
            .map_err(|e| self.nested_error(&e, span))
    }

    /// The item spans of the array at `span`.
    pub fn items(&self, span: &Span) -> Result<Vec<Span>, PayloadError> {
        serde_json::from_str::<RawItems<'_>>(self.slice(span))
            .map(|raw| raw.0.into_iter().map(|v| self.offset_of(v)).collect())
            .map_err(|e| self.nested_error(&e, span))
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
                let key: Key<'_> =
                    serde_json::from_str(text).map_err(|e| self.nested_error(&e, span))?;
                Scalar::Str(key.0)
            }
            Some(JsonType::Number) => number(text),
        })
    }

    fn nested_error(&self, e: &serde_json::Error, span: &Span) -> PayloadError {
        // Syntax was validated on receipt, so what can fail here is decoding a string
        // (a lone UTF-16 surrogate escape such as "\ud800").
        let (line, column) = line_col(self.text.as_bytes(), span.start);
        PayloadError {
            reason: "string",
            message: format!("the payload has a value that cannot be decoded ({e}) in the value starting at line {line}, column {column}"),
            line: Some(line),
            column: Some(column),
        }
    }
}

fn number(text: &str) -> Scalar<'_> {
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(i) = text.parse::<i64>() {
            return Scalar::Int(i);
        }
        return Scalar::BigInt(text);
    }
    // JSON number syntax was validated; f64 parsing rounds like Python's float().
    Scalar::Float(text.parse::<f64>().unwrap_or(f64::NAN))
}

fn syntax_error(e: &serde_json::Error) -> PayloadError {
    let (line, column) = (e.line(), e.column());
    let what = match e.classify() {
        serde_json::error::Category::Eof => "the payload ends too early",
        _ => "the payload is not valid JSON",
    };
    // serde_json's Display already ends in "at line L column C".
    PayloadError {
        reason: "syntax",
        message: format!("{what}: {e}"),
        line: Some(line),
        column: Some(column),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_top_level_lazily_and_nested_on_demand() {
        let body = br#"{"id": 12, "subject":"Caf\u00e9 \/ ok", "tags":[{"id":1},{"id":2}], "big": 18446744073709551616, "f": 1.5e3, "n": null, "t": true}"#;
        let (doc, members) = Document::parse(body).unwrap();
        let keys: Vec<&str> = members.iter().map(|m| &*m.key).collect();
        assert_eq!(keys, ["id", "subject", "tags", "big", "f", "n", "t"]);
        assert_eq!(doc.scalar(&members[0].value).unwrap(), Scalar::Int(12));
        assert_eq!(
            doc.scalar(&members[1].value).unwrap(),
            Scalar::Str("Café / ok".into())
        );
        let Scalar::Array(span) = doc.scalar(&members[2].value).unwrap() else {
            panic!()
        };
        let items = doc.items(&span).unwrap();
        assert_eq!(items.len(), 2);
        let inner = doc.members(&items[1]).unwrap();
        assert_eq!(doc.scalar(&inner[0].value).unwrap(), Scalar::Int(2));
        assert_eq!(
            doc.scalar(&members[3].value).unwrap(),
            Scalar::BigInt("18446744073709551616")
        );
        assert_eq!(
            doc.scalar(&members[4].value).unwrap(),
            Scalar::Float(1500.0)
        );
        assert_eq!(doc.scalar(&members[5].value).unwrap(), Scalar::Null);
        assert_eq!(doc.scalar(&members[6].value).unwrap(), Scalar::Bool(true));
    }

    #[test]
    fn escaped_keys_are_unescaped() {
        let (_, members) = Document::parse(br#"{"a\u0062c": 1}"#).unwrap();
        assert_eq!(&*members[0].key, "abc");
    }

    #[test]
    fn errors_say_what_and_where() {
        let e = Document::parse(b"{\"a\": 1,\n \"b\": }").unwrap_err();
        assert_eq!(e.reason, "syntax");
        assert_eq!((e.line, e.column), (Some(2), Some(7)));
        assert!(e.message.contains("line 2 column 7"), "{}", e.message);

        let e = Document::parse(b"{\"a\": \"\xff\"}").unwrap_err();
        assert_eq!(e.reason, "utf8");
        assert!(e.message.contains("0xFF at offset 7"), "{}", e.message);

        let e = Document::parse(b"[1, 2]").unwrap_err();
        assert_eq!(e.reason, "not_object");
        assert!(e.message.contains("an array"), "{}", e.message);

        let e = Document::parse(b"  \"text\"").unwrap_err();
        assert_eq!(e.reason, "not_object");
        assert!(e.message.contains("a string"), "{}", e.message);

        let e = Document::parse(b"   ").unwrap_err();
        assert_eq!(e.reason, "empty");

        let e = Document::parse(b"{\"a\": 1").unwrap_err();
        assert_eq!(e.reason, "syntax");
        assert!(
            e.message.starts_with("the payload ends too early"),
            "{}",
            e.message
        );

        let e = Document::parse(b"{\"a\": 1} x").unwrap_err();
        assert_eq!(e.reason, "syntax");
    }

    #[test]
    fn lone_surrogate_is_an_error_on_read_not_a_panic() {
        let (doc, members) = Document::parse(br#"{"s": "\ud800"}"#).unwrap();
        let e = doc.scalar(&members[0].value).unwrap_err();
        assert_eq!(e.reason, "string");
    }

    #[test]
    fn duplicate_keys_are_all_kept_in_order() {
        let (_, members) = Document::parse(br#"{"a": 1, "a": 2}"#).unwrap();
        assert_eq!(members.len(), 2);
    }
}
