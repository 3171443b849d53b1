//! Lazy access to a JSON payload.
//!
//! A [`Document`] owns the body text once. Receiving validates the whole body and scans only
//! the top-level object into (key, span) pairs; nested objects and arrays are scanned when
//! somebody reads them. Nothing is converted until it is asked for, which is what makes
//! receiving a large conversation cheap when the handler reads three fields.

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
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

/// One member of a JSON object: where its key is and the span of its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    key: MemberKey,
    pub value: Span,
}

/// A key is a span of the body; only a key written with escapes is kept decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
enum MemberKey {
    Raw(Span),
    Decoded(Box<str>),
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
        let base = self.text.as_ptr() as usize;
        raw.0
            .into_iter()
            .map(|(k, v)| {
                let key = match k.0 {
                    Cow::Borrowed(b) => {
                        let start = b.as_ptr() as usize - base;
                        MemberKey::Raw(start..start + b.len())
                    }
                    Cow::Owned(o) => MemberKey::Decoded(o.into()),
                };
                Member {
                    key,
                    value: self.offset_of(v),
                }
            })
            .collect()
    }

    /// The (unescaped) key of a member.
    pub fn key<'a>(&'a self, member: &'a Member) -> &'a str {
        match &member.key {
            MemberKey::Raw(span) => self.text.get(span.clone()).unwrap_or(""),
            MemberKey::Decoded(k) => k,
        }
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
    ///
    /// The whole body was validated when the document was made, so nested containers are
    /// read with a structural scanner that only finds boundaries (strings, brackets,
    /// commas): a fraction of the cost of validating them again.
    pub fn members(&self, span: &Span) -> Result<Vec<Member>, PayloadError> {
        let b = self.text.as_bytes();
        let mut out = Vec::new();
        let mut i = skip_ws(b, span.start);
        if b.get(i) != Some(&b'{') {
            return Err(self.structure_error(i));
        }
        i = skip_ws(b, i + 1);
        if b.get(i) == Some(&b'}') {
            return Ok(out);
        }
        loop {
            if b.get(i) != Some(&b'"') {
                return Err(self.structure_error(i));
            }
            let (key_end, escaped) = string_end(b, i).ok_or_else(|| self.structure_error(i))?;
            let key = if escaped {
                let text = self.text.get(i..key_end).unwrap_or("\"\"");
                let decoded: Key<'_> =
                    serde_json::from_str(text).map_err(|e| self.nested_error(&e, &(i..key_end)))?;
                MemberKey::Decoded(decoded.0.into())
            } else {
                MemberKey::Raw(i + 1..key_end - 1)
            };
            i = skip_ws(b, key_end);
            if b.get(i) != Some(&b':') {
                return Err(self.structure_error(i));
            }
            let start = skip_ws(b, i + 1);
            let end = value_end(b, start).ok_or_else(|| self.structure_error(start))?;
            out.push(Member {
                key,
                value: start..end,
            });
            i = skip_ws(b, end);
            match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b'}') => return Ok(out),
                _ => return Err(self.structure_error(i)),
            }
        }
    }

    /// The item spans of the array at `span` (structural scan, as for [`Document::members`]).
    pub fn items(&self, span: &Span) -> Result<Vec<Span>, PayloadError> {
        let b = self.text.as_bytes();
        let mut out = Vec::new();
        let mut i = skip_ws(b, span.start);
        if b.get(i) != Some(&b'[') {
            return Err(self.structure_error(i));
        }
        i = skip_ws(b, i + 1);
        if b.get(i) == Some(&b']') {
            return Ok(out);
        }
        loop {
            let end = value_end(b, i).ok_or_else(|| self.structure_error(i))?;
            out.push(i..end);
            i = skip_ws(b, end);
            match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b']') => return Ok(out),
                _ => return Err(self.structure_error(i)),
            }
        }
    }

    fn structure_error(&self, at: usize) -> PayloadError {
        // Unreachable for a validated document; reported rather than trusted.
        let (line, column) = line_col(self.text.as_bytes(), at);
        PayloadError {
            reason: "syntax",
            message: format!("the payload is not valid JSON near line {line}, column {column}"),
            line: Some(line),
            column: Some(column),
        }
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

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// For a string starting at `i` (its opening quote): the index after the closing quote,
/// and whether it contains escapes.
fn string_end(b: &[u8], i: usize) -> Option<(usize, bool)> {
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        match b.get(j)? {
            b'"' => return Some((j + 1, escaped)),
            b'\\' => {
                escaped = true;
                j += 2;
            }
            _ => j += 1,
        }
    }
}

/// The index just after the JSON value starting at `i`.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i).map(|(end, _)| end),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => {
                        j = string_end(b, j)?.0;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while !matches!(
                b.get(j),
                None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            ) {
                j += 1;
            }
            (j > i).then_some(j)
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
        let keys: Vec<&str> = members.iter().map(|m| doc.key(m)).collect();
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
        let (doc, members) =
            Document::parse(br#"{"a\u0062c": 1, "n": {"x\u0079": [1, {"\"q\"": 2}]}}"#).unwrap();
        assert_eq!(doc.key(&members[0]), "abc");
        let inner = doc.members(&members[1].value).unwrap();
        assert_eq!(doc.key(&inner[0]), "xy");
        let items = doc.items(&inner[0].value).unwrap();
        assert_eq!(doc.slice(&items[0]), "1");
        let deepest = doc.members(&items[1]).unwrap();
        assert_eq!(doc.key(&deepest[0]), "\"q\"");
        assert_eq!(doc.slice(&deepest[0].value), "2");
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
    fn structural_scan_matches_serde_on_nested_values() {
        let body = br#" { "a" : [ 1 , -2.5e3 , "x\"]}" , { "b" : { } } , [ ] , true , null ] , "c" : { "d" : "}" } } "#;
        let (doc, members) = Document::parse(body).unwrap();
        let items = doc.items(&members[0].value).unwrap();
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
        assert!(doc.members(&b[0].value).unwrap().is_empty());
        let c = doc.members(&members[1].value).unwrap();
        assert_eq!(doc.scalar(&c[0].value).unwrap(), Scalar::Str("}".into()));
        // asking for the wrong container type is an error, not a panic
        assert_eq!(doc.members(&items[0]).unwrap_err().reason, "syntax");
        assert_eq!(doc.items(&members[1].value).unwrap_err().reason, "syntax");
    }

    /// Walk every value of a document, the way attribute reads do.
    fn walk(doc: &Document, span: &Span, depth: usize) {
        if depth > 64 {
            return;
        }
        match doc.scalar(span) {
            Ok(Scalar::Object(s)) => {
                if let Ok(members) = doc.members(&s) {
                    for m in &members {
                        let _ = doc.key(m);
                        walk(doc, &m.value, depth + 1);
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

    #[test]
    fn mutated_bodies_never_panic() {
        let seed = br#"{"id":1,"s":"a\"b\u00e9\/","n":[1,-2.5e3,true,null,{"k":[{}]}],"t":"2020-01-01T00:00:00Z","o":{"x":{"y":"}"}}}"#;
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let alphabet = b"{}[]\",:\\ 0123456789.eE+-truefalsnl\xff\xc3\xa9\n";
        for _ in 0..20_000 {
            let mut body = seed.to_vec();
            for _ in 0..(next() % 4 + 1) {
                let at = (next() as usize) % body.len();
                let byte = alphabet[(next() as usize) % alphabet.len()];
                match next() % 3 {
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
            if let Ok((doc, members)) = Document::parse(&body) {
                for m in &members {
                    walk(&doc, &m.value, 0);
                }
            }
        }
    }

    #[test]
    fn duplicate_keys_are_all_kept_in_order() {
        let (_, members) = Document::parse(br#"{"a": 1, "a": 2}"#).unwrap();
        assert_eq!(members.len(), 2);
    }
}
