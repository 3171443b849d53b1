//! Differential fuzzing of the validating scanner: `payload::Document::parse` accepts exactly
//! what `json.loads` accepts from bytes (decoded strictly: no lone surrogates, which a Rust
//! string cannot hold) as far as serde_json decides what JSON is, up to the documented
//! limits (nesting `MAX_DEPTH`, integer digits `MAX_INT_DIGITS`, no float literal beyond
//! f64 such as `1e999`), and reading every member,
//! item and scalar of an accepted document never panics and gives serde_json's values.

#![no_main]

use helpscout_webhook::limits::{MAX_DEPTH, MAX_INT_DIGITS};
use helpscout_webhook::payload::{Document, PayloadErrorKind, Scalar, Span};
use helpscout_webhook::record::value_hash;
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use serde_json::{Map, Number, Value};

/// `json.detect_encoding` (CPython's Lib/json/__init__.py), written out again on purpose
/// (not the library's table) and followed by a strict decode.
fn python_decode(b: &[u8]) -> Option<String> {
    fn utf16(b: &[u8], le: bool) -> Option<String> {
        if !b.len().is_multiple_of(2) {
            return None;
        }
        let units = b.chunks_exact(2).map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .ok()
    }
    fn utf32(b: &[u8], le: bool) -> Option<String> {
        if !b.len().is_multiple_of(4) {
            return None;
        }
        b.chunks_exact(4)
            .map(|c| {
                let v = if le {
                    u32::from_le_bytes([c[0], c[1], c[2], c[3]])
                } else {
                    u32::from_be_bytes([c[0], c[1], c[2], c[3]])
                };
                char::from_u32(v)
            })
            .collect()
    }
    const BOM32_BE: &[u8] = &[0, 0, 0xFE, 0xFF];
    const BOM32_LE: &[u8] = &[0xFF, 0xFE, 0, 0];
    if b.starts_with(BOM32_BE) {
        return utf32(&b[4..], false);
    }
    if b.starts_with(BOM32_LE) {
        return utf32(&b[4..], true);
    }
    if b.starts_with(&[0xFE, 0xFF]) {
        return utf16(&b[2..], false);
    }
    if b.starts_with(&[0xFF, 0xFE]) {
        return utf16(&b[2..], true);
    }
    if b.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return std::str::from_utf8(&b[3..]).ok().map(str::to_owned);
    }
    if b.len() >= 4 {
        if b[0] == 0 {
            return if b[1] != 0 {
                utf16(b, false)
            } else {
                utf32(b, false)
            };
        }
        if b[1] == 0 {
            return if b[2] != 0 || b[3] != 0 {
                utf16(b, true)
            } else {
                utf32(b, true)
            };
        }
    } else if b.len() == 2 {
        if b[0] == 0 {
            return utf16(b, false);
        }
        if b[1] == 0 {
            return utf16(b, true);
        }
    }
    std::str::from_utf8(b).ok().map(str::to_owned)
}

/// Deepest nesting outside strings, and whether a number is out of the documented range: an
/// integer literal with more than `MAX_INT_DIGITS` digits, or a float literal beyond f64
/// (`1e999`, which would read as infinity). Meaningful for valid JSON.
fn shape(text: &str) -> (usize, bool) {
    let b = text.as_bytes();
    let (mut depth, mut deepest, mut long_int) = (0usize, 0usize, false);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i + 1 < b.len()
                    && matches!(b[i + 1], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                let token = &b[start..=i];
                if !token.iter().any(|c| matches!(c, b'.' | b'e' | b'E')) {
                    long_int |=
                        token.iter().filter(|c| c.is_ascii_digit()).count() > MAX_INT_DIGITS;
                } else if let Ok(f) = std::str::from_utf8(token).unwrap_or("x").parse::<f64>() {
                    long_int |= f.is_infinite();
                }
            }
            _ => {}
        }
        i += 1;
    }
    (deepest, long_int)
}

fn serde_accepts(text: &str) -> bool {
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit(); // called only at a depth of at most MAX_DEPTH
    serde::de::IgnoredAny::deserialize(&mut de).is_ok() && de.end().is_ok()
}

fn to_value(doc: &Document, span: &Span) -> Option<Value> {
    Some(
        match doc.scalar(span).expect("a span of the document reads") {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => Value::from(i),
            Scalar::BigInt(text) => match text.parse::<u64>() {
                Ok(u) => Value::from(u),
                Err(_) => Value::Number(Number::from_f64(text.parse::<f64>().ok()?)?),
            },
            Scalar::Float(f) => Value::Number(Number::from_f64(f)?),
            Scalar::Str(s) => Value::String(s.into_owned()),
            Scalar::LoneSurrogate(_) => return None,
            Scalar::Array(s) => Value::Array(
                doc.items(&s)
                    .expect("an array's items")
                    .iter()
                    .map(|item| to_value(doc, item))
                    .collect::<Option<Vec<_>>>()?,
            ),
            Scalar::Object(s) => {
                let mut map = Map::new();
                for m in doc.members(&s).expect("an object's members") {
                    map.insert(doc.key(m).to_owned(), to_value(doc, &m.value())?);
                }
                Value::Object(map)
            }
        },
    )
}

/// serde_json (without `float_roundtrip`) reads some floats a few ulps off; the library
/// rounds correctly. Everything else must be equal.
fn same(ours: &Value, serde: &Value) -> bool {
    match (ours, serde) {
        (Value::Number(a), Value::Number(b)) if a.is_f64() || b.is_f64() => {
            match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs()),
                _ => false,
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, x)| b.get(k).is_some_and(|y| same(x, y)))
        }
        (a, b) => a == b,
    }
}

fuzz_target!(|data: &[u8]| {
    let ours = Document::parse(data);
    let Some(text) = python_decode(data) else {
        assert_eq!(
            ours.as_ref().err().map(|e| e.kind),
            Some(PayloadErrorKind::Utf8),
            "not strictly decodable, yet {:?}",
            ours.as_ref().map(|_| "accepted")
        );
        return;
    };
    let trimmed = text.trim_start_matches([' ', '\t', '\n', '\r']);
    let (depth, long_int) = shape(&text);
    if depth > MAX_DEPTH {
        // serde_json cannot be asked safely; the scanner must refuse, for depth, or for the
        // first problem before it (syntax, a number out of range)
        let kind = ours.as_ref().err().map(|e| e.kind);
        assert!(
            matches!(
                kind,
                Some(
                    PayloadErrorKind::TooDeep
                        | PayloadErrorKind::Syntax
                        | PayloadErrorKind::Eof
                        | PayloadErrorKind::Number
                )
            ),
            "nesting {depth} > {MAX_DEPTH}, yet {kind:?}"
        );
        return;
    }
    let json = serde_accepts(&text);
    let expected = json && !long_int && trimmed.starts_with('{');
    assert_eq!(
        ours.is_ok(),
        expected,
        "serde_json says JSON={json}, long integer={long_int}, object={}; the scanner: {:?}",
        trimmed.starts_with('{'),
        ours.as_ref().err()
    );
    match &ours {
        Err(e) if json && long_int => assert_eq!(e.kind, PayloadErrorKind::Number),
        Err(e) if json => assert_eq!(e.kind, PayloadErrorKind::NotObject),
        Err(e) if trimmed.is_empty() => assert_eq!(e.kind, PayloadErrorKind::Empty),
        // not JSON: the first problem in text order (a long integer may come before it)
        Err(e) => assert!(
            matches!(
                e.kind,
                PayloadErrorKind::Syntax | PayloadErrorKind::Eof | PayloadErrorKind::Number
            ),
            "{e:?}"
        ),
        Ok(_) => {}
    }
    let Ok((doc, members)) = ours else {
        return;
    };
    // every member, item and scalar reads (iteratively; never a panic)
    let mut stack: Vec<Span> = members.iter().map(|m| m.value()).collect();
    for m in &members {
        let _ = doc.key(m);
    }
    while let Some(span) = stack.pop() {
        match doc.scalar(&span).expect("reads") {
            Scalar::Object(o) => {
                for m in doc.members(&o).expect("members") {
                    let _ = doc.key(m);
                    stack.push(m.value());
                }
            }
            Scalar::Array(a) => stack.extend(doc.items(&a).expect("items")),
            _ => {}
        }
    }
    let whole = 0..doc.text().len();
    let start = doc.text().len() - doc.text().trim_start_matches([' ', '\t', '\n', '\r']).len();
    let _ = value_hash(&doc, &(start..whole.end)).expect("hashes");
    if let Ok(serde) = {
        let mut de = serde_json::Deserializer::from_str(&text);
        de.disable_recursion_limit();
        Value::deserialize(&mut de)
    } {
        // (None: a lone surrogate or an integer beyond f64, which serde_json reads otherwise)
        if let Some(ours) = to_value(&doc, &(start..whole.end)) {
            assert!(
                same(&ours, &serde),
                "values differ: {ours:?} vs serde {serde:?}"
            );
        }
    }
});
