//! What a record's field names mean, without Python: finding a field by its snake_case
//! name or its API key, following the original library's names into v2 payloads (aliases),
//! the original's defaults for declared fields a payload lacks, and a hash of a JSON value
//! that agrees with equality. The bindings only convert what these functions find.

use crate::models::{self, Alias, FieldDefault, Kind};
use crate::payload::{Document, JsonType, Member, PayloadError, Scalar, Span};
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// Objects with more members than this get hash lookups once they have been read more
/// than [`SCANS_BEFORE_INDEX`] times, so reading every field of a large object is linear,
/// not quadratic, while the usual handful of reads never pays for building the tables.
const INDEXED_ABOVE: usize = 32;
const SCANS_BEFORE_INDEX: usize = 16;
/// Objects this large are indexed on the first read: even a few scans of them cost more
/// than building the tables.
const INDEXED_AT_ONCE_ABOVE: usize = 256;

/// The hash lookups a record builds for a large object, kept by the record (empty until
/// then: most records never build them).
#[derive(Debug, Default)]
pub struct Lookups {
    /// Boxed: most records never build it, and every record carries the cell.
    index: OnceLock<Box<Lookup>>,
    /// Linear lookups made so far (until the index is built).
    scans: AtomicUsize,
}

#[derive(Debug, Default)]
struct Lookup {
    /// The last member with each key (JSON: the last duplicate wins).
    by_key: HashMap<Box<str>, usize>,
    /// The last member with each snake_case name.
    by_snake: HashMap<Box<str>, usize>,
}

/// The members of one object (borrowed from the document's index: nothing is copied) and
/// the lookups a record makes on them.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    members: &'a [Member],
    lookups: &'a Lookups,
}

impl<'a> Fields<'a> {
    /// The fields of an object with `members`, looked up with the record's `lookups`.
    pub fn new(members: &'a [Member], lookups: &'a Lookups) -> Fields<'a> {
        Fields { members, lookups }
    }

    /// The members, in payload order.
    #[inline]
    pub fn members(&self) -> &'a [Member] {
        self.members
    }

    fn lookup(&self, doc: &Document) -> Option<&'a Lookup> {
        let members = self.members;
        if members.len() <= INDEXED_ABOVE {
            return None;
        }
        let cell = &self.lookups.index;
        if let Some(index) = cell.get() {
            return Some(index);
        }
        if members.len() <= INDEXED_AT_ONCE_ABOVE
            && self.lookups.scans.fetch_add(1, Ordering::Relaxed) < SCANS_BEFORE_INDEX
        {
            return None;
        }
        Some(cell.get_or_init(|| {
            let mut l = Box::<Lookup>::default();
            for (i, m) in members.iter().enumerate() {
                let key = doc.key(m);
                l.by_snake
                    .insert(models::to_snake_case(key).into_owned().into(), i);
                l.by_key.insert(key.into(), i);
            }
            l
        }))
    }

    /// The last member whose key is `key`.
    pub fn by_key(&self, doc: &Document, key: &str) -> Option<&'a Member> {
        let members = self.members;
        match self.lookup(doc) {
            Some(l) => l.by_key.get(key).map(|&i| &members[i]),
            None => members.iter().rev().find(|m| doc.key(m) == key),
        }
    }

    /// The last member whose snake_case name is `name`.
    pub fn by_snake(&self, doc: &Document, name: &str) -> Option<&'a Member> {
        let members = self.members;
        if let Some(l) = self.lookup(doc) {
            return l.by_snake.get(name).map(|&i| &members[i]);
        }
        // A key whose first byte is ASCII has a snake form starting with that byte
        // lower-cased (or `_`), so most keys are passed over on their first byte alone (one
        // byte of the body read). Of the others, an ASCII key longer than `name` is not it
        // (its snake form is the key with a `_` put before some of its capitals), a key
        // with the bytes of `name` is `name` when `name` is snake_case already, and the
        // rest are compared by `models::snake_matches`.
        let n = name.as_bytes();
        let Some(&n0) = n.first() else {
            return members.iter().rev().find(|m| doc.key(m).is_empty());
        };
        let text = doc.text().as_bytes();
        if n0.is_ascii_lowercase() {
            // Nearly every name: a key is passed over in a few instructions when it has no
            // escapes and its first byte is ASCII and neither `n0` nor its capital
            // (`k0 | 0x20` is `n0` for exactly those two; for a byte from 0x80 never).
            for m in members.iter().rev() {
                let Some(&k0) = text.get(m.key_start() as usize) else {
                    continue;
                };
                if k0 | 0x20 != n0 && k0 < 0x80 && !m.key_escaped() {
                    continue;
                }
                if Self::may_be(doc, m, k0, name) {
                    return Some(m);
                }
            }
            return None;
        }
        members
            .iter()
            .rev()
            .find(|m| match text.get(m.key_start() as usize) {
                // The empty key (its first byte is the closing quote) is never `name`.
                _ if m.key_len() == 0 => false,
                Some(&k0) if k0.is_ascii() && !m.key_escaped() => {
                    (k0 == n0 || (n0 == b'_' && models::snake_first(k0) == n0))
                        && Self::may_be(doc, m, k0, name)
                }
                _ => models::snake_matches(doc.key(m), name),
            })
    }

    /// Whether member `m`, whose key's first byte `k0` did not rule it out, has the
    /// snake_case name `name` (out of line: the scan over the other members stays small).
    #[inline(never)]
    fn may_be(doc: &Document, m: &Member, k0: u8, name: &str) -> bool {
        let n = name.as_bytes();
        if m.key_escaped() || k0 >= 0x80 {
            return models::snake_matches(doc.key(m), name);
        }
        let key = doc.text().as_bytes().get(m.key_span()).unwrap_or(&[]);
        if key.len() > n.len() {
            // Only a key with non-ASCII text can get shorter when snake-cased.
            if key.is_ascii() {
                return false;
            }
        } else if key == n && models::is_snake(n) {
            return true;
        }
        models::snake_matches(doc.key(m), name)
    }
}

/// What a field name means on a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Found<'a> {
    /// The JSON value at `span`, stored under `key`, whose objects are routed by `context`.
    Value {
        span: Span,
        key: Cow<'a, str>,
        context: Kind,
    },
    /// An alias that tests a string (`is_draft` is `state == "draft"`).
    Flag(bool),
    /// A record of `kind` holding only `id`, whose JSON text is at `span` (v2 `mailboxId`
    /// read as the original's `mailbox`).
    IdRecord { span: Span, kind: Kind },
    /// A field the original declared, absent from the payload: its default.
    Default(FieldDefault),
    /// No such field.
    Missing,
}

/// A record's view of its object: the document, the members, its kind and the kind its
/// nested objects are routed by.
#[derive(Clone, Copy)]
pub struct View<'a> {
    pub doc: &'a Document,
    pub fields: Fields<'a>,
    pub kind: Kind,
    pub context: Kind,
}

impl<'a> View<'a> {
    fn value(&self, m: &'a Member) -> Found<'a> {
        Found::Value {
            span: m.value(),
            key: Cow::Borrowed(self.doc.key(m)),
            context: self.context,
        }
    }

    /// The field called `name` (snake_case, or an API key such as `firstName`).
    pub fn find(&self, name: &str) -> Result<Found<'a>, PayloadError> {
        let own = self.fields.by_snake(self.doc, name);
        // An alias wins only over a scalar stored under the original's list name (v2
        // `threads` is a count); otherwise the payload's own key wins.
        let alias_first = own.is_some_and(|m| {
            !matches!(
                self.doc.json_type(&m.value()),
                JsonType::Object | JsonType::Array
            ) && self.kind.alias_overrides_scalar(name)
        });
        if let Some(m) = own.filter(|_| !alias_first) {
            return Ok(self.value(m));
        }
        if let Some(alias) = self.kind.alias(name) {
            let found = self.alias(alias)?;
            if found != Found::Missing {
                return Ok(found);
            }
        }
        if let Some(m) = own {
            return Ok(self.value(m));
        }
        if let Some(default) = self.kind.default_of(name) {
            return Ok(Found::Default(default));
        }
        Ok(match self.fields.by_key(self.doc, name) {
            Some(m) => self.value(m),
            None => Found::Missing,
        })
    }

    /// Whether the payload carries `name` (itself, under its API key, or through an alias);
    /// defaults do not count.
    pub fn contains(&self, name: &str) -> Result<bool, PayloadError> {
        if self.fields.by_snake(self.doc, name).is_some()
            || self.fields.by_key(self.doc, name).is_some()
        {
            return Ok(true);
        }
        match self.kind.alias(name) {
            Some(alias) => Ok(self.alias(alias)? != Found::Missing),
            None => Ok(false),
        }
    }

    /// The path of API keys that `name` is stored under in this payload, or would be if it
    /// were set: the member's own key when present, an alias's path (`threads` is
    /// `_embedded.threads` on v2), the camelCase form of a declared name, and `name` itself
    /// otherwise.
    pub fn api_path(&self, name: &str) -> Vec<Cow<'a, str>> {
        if let Some(m) = self.fields.by_snake(self.doc, name) {
            let scalar = !matches!(
                self.doc.json_type(&m.value()),
                JsonType::Object | JsonType::Array
            );
            if !(scalar && self.kind.alias_overrides_scalar(name)) {
                return vec![Cow::Borrowed(self.doc.key(m))];
            }
        }
        if let Some(Alias::Path(path)) = self.kind.alias(name) {
            return path.iter().map(|k| Cow::Borrowed(*k)).collect();
        }
        if self.fields.by_key(self.doc, name).is_some() {
            return vec![Cow::Owned(name.to_owned())];
        }
        if self.kind.is_declared(name) {
            return vec![Cow::Owned(models::to_camel_case(name))];
        }
        vec![Cow::Owned(name.to_owned())]
    }

    fn alias(&self, alias: Alias) -> Result<Found<'a>, PayloadError> {
        match alias {
            Alias::Path(path) => Ok(match self.resolve(path)? {
                Some((span, context)) => Found::Value {
                    span,
                    key: Cow::Borrowed(path.last().copied().unwrap_or("")),
                    context,
                },
                None => Found::Missing,
            }),
            Alias::Equals(path, expected) => Ok(match self.resolve(path)? {
                Some((span, _)) => {
                    Found::Flag(matches!(self.doc.scalar(&span)?, Scalar::Str(s) if s == expected))
                }
                None => Found::Missing,
            }),
            Alias::IdRecord(key, kind) => Ok(match self.fields.by_key(self.doc, key) {
                Some(m) if self.doc.json_type(&m.value()) != JsonType::Null => Found::IdRecord {
                    span: m.value(),
                    kind,
                },
                _ => Found::Missing,
            }),
            Alias::FirstValue(path, field) => {
                let Some((span, context)) = self.resolve(path)? else {
                    return Ok(Found::Missing);
                };
                if self.doc.json_type(&span) != JsonType::Array {
                    return Ok(Found::Missing);
                }
                let items = self.doc.items(&span)?;
                let Some(first) = items.first() else {
                    return Ok(Found::Missing);
                };
                if self.doc.json_type(first) != JsonType::Object {
                    return Ok(Found::Missing);
                }
                let members = self.doc.members(first)?;
                let Some(m) = members.iter().rev().find(|m| self.doc.key(m) == field) else {
                    return Ok(Found::Missing);
                };
                let last = path.last().copied().unwrap_or("");
                Ok(Found::Value {
                    span: m.value(),
                    key: Cow::Borrowed(field),
                    context: context.route(last).1,
                })
            }
        }
    }

    /// Follow a path of JSON keys: the span of the value and the routing context it is read
    /// in. A path into `_embedded` also finds the same keys at the top level, where legacy
    /// v1 payloads keep them.
    fn resolve(&self, path: &'static [&'static str]) -> Result<Option<(Span, Kind)>, PayloadError> {
        match self.resolve_exact(path)? {
            None if path.first() == Some(&"_embedded") => self.resolve_exact(&path[1..]),
            found => Ok(found),
        }
    }

    fn resolve_exact(
        &self,
        path: &'static [&'static str],
    ) -> Result<Option<(Span, Kind)>, PayloadError> {
        let Some((first, rest)) = path.split_first() else {
            return Ok(None);
        };
        let Some(m) = self.fields.by_key(self.doc, first) else {
            return Ok(None);
        };
        let mut span = m.value();
        let mut context = self.context;
        let mut key: &str = first;
        for next in rest {
            if self.doc.json_type(&span) != JsonType::Object {
                return Ok(None);
            }
            context = context.route(key).1;
            let members = self.doc.members(&span)?;
            let Some(m) = members.iter().rev().find(|m| self.doc.key(m) == *next) else {
                return Ok(None);
            };
            span = m.value();
            key = next;
        }
        Ok(Some((span, context)))
    }

    /// `v1` or `v2` for conversations, customers and ratings (from their keys).
    pub fn payload_version(&self) -> Option<&'static str> {
        self.kind
            .payload_version(self.fields.members().iter().map(|m| self.doc.key(m)))
    }

    /// The snake_case names of the members, in payload order, each once.
    pub fn snake_names(&self) -> Vec<Cow<'a, str>> {
        let mut seen = std::collections::HashSet::new();
        self.fields
            .members()
            .iter()
            .map(|m| models::to_snake_case(self.doc.key(m)))
            .filter(|n| seen.insert(n.clone()))
            .collect()
    }
}

/// A hash of the JSON value at `span` that agrees with equality of the values `json.loads`
/// gives: object members in any order, numbers by value (`1` and `1.0` alike), strings
/// by their decoded text. Nesting is bounded by the document's depth limit.
pub fn value_hash(doc: &Document, span: &Span) -> Result<u64, PayloadError> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    hash_into(doc, span, &mut h)?;
    Ok(h.finish())
}

fn hash_into(doc: &Document, span: &Span, h: &mut impl Hasher) -> Result<(), PayloadError> {
    match doc.scalar(span)? {
        Scalar::Null => 0u8.hash(h),
        // As numbers: Python's `True == 1 == 1.0`, and records equal by `==` hash alike.
        Scalar::Bool(b) => (2u8, normal_f64(f64::from(u8::from(b)))).hash(h),
        Scalar::Int(i) => (2u8, normal_f64(i as f64)).hash(h),
        Scalar::BigInt(t) => (2u8, normal_f64(t.parse::<f64>().unwrap_or(f64::INFINITY))).hash(h),
        Scalar::Float(f) => (2u8, normal_f64(f)).hash(h),
        Scalar::Str(s) => (3u8, s.as_ref()).hash(h),
        // Equal strings written with different escapes hash alike: surrogates become U+FFFD.
        Scalar::LoneSurrogate(raw) => (3u8, String::from_utf16_lossy(&utf16_units(raw))).hash(h),
        Scalar::Array(s) => {
            4u8.hash(h);
            for item in doc.items(&s)? {
                hash_into(doc, &item, h)?;
            }
        }
        Scalar::Object(s) => {
            // Order-independent, and the last duplicate key wins (as in a dict).
            let members = doc.members(&s)?;
            let mut last: HashMap<&str, &Member> = HashMap::with_capacity(members.len());
            for m in members {
                last.insert(doc.key(m), m);
            }
            let mut sum: u64 = 0;
            for (k, m) in last {
                let mut mh = std::collections::hash_map::DefaultHasher::new();
                k.hash(&mut mh);
                hash_into(doc, &m.value(), &mut mh)?;
                sum = sum.wrapping_add(mh.finish());
            }
            (5u8, sum).hash(h);
        }
    }
    Ok(())
}

/// The bits of a float with `-0.0` and `0.0` alike (they compare equal).
fn normal_f64(f: f64) -> u64 {
    if f == 0.0 {
        0
    } else {
        f.to_bits()
    }
}

/// The UTF-16 units of a JSON string literal (quotes included) holding lone surrogates.
fn utf16_units(raw: &str) -> Vec<u16> {
    let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
    let mut out = Vec::with_capacity(inner.len());
    let mut rest = inner;
    while let Some(c) = rest.chars().next() {
        if let Some(hex) = rest.strip_prefix("\\u").and_then(|r| r.get(..4)) {
            if let Ok(u) = u16::from_str_radix(hex, 16) {
                out.push(u);
                rest = &rest[6..];
                continue;
            }
        }
        if c == '\\' {
            let escaped = rest.get(..2).unwrap_or("\\");
            let decoded = crate::payload::unescape(escaped).unwrap_or(Cow::Borrowed(""));
            out.extend(decoded.encode_utf16());
            rest = &rest[escaped.len()..];
            continue;
        }
        let mut buf = [0u16; 2];
        out.extend_from_slice(c.encode_utf16(&mut buf));
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view_of(body: &str) -> (Document, Lookups) {
        (Document::read(body.as_bytes()).unwrap(), Lookups::default())
    }

    fn fields<'a>(doc: &'a Document, lookups: &'a Lookups) -> Fields<'a> {
        Fields::new(doc.members(&(0..doc.text().len())).unwrap(), lookups)
    }

    fn text_of<'a>(doc: &'a Document, found: &Found<'_>) -> &'a str {
        match found {
            Found::Value { span, .. } => doc.slice(span),
            other => panic!("not a value: {other:?}"),
        }
    }

    #[test]
    fn original_names_find_v2_fields() {
        let body = r#"{"id": 1, "primaryCustomer": {"id": 7, "first": "Ann"}, "assignee": {"id": 2},
            "threads": 3, "_embedded": {"threads": [{"id": 9}]}, "state": "draft",
            "userUpdatedAt": "2020-01-01T00:00:00Z", "createdBy": {"type": "customer"}}"#;
        let (doc, lookups) = view_of(body);
        let fields = fields(&doc, &lookups);
        let v = View {
            doc: &doc,
            fields,
            kind: Kind::Conversation,
            context: Kind::Conversation,
        };
        assert!(text_of(&doc, &v.find("customer").unwrap()).contains("\"Ann\""));
        assert_eq!(text_of(&doc, &v.find("owner").unwrap()), r#"{"id": 2}"#);
        // v2 `threads` is a count; the original's `threads` is the list
        assert_eq!(text_of(&doc, &v.find("threads").unwrap()), r#"[{"id": 9}]"#);
        assert_eq!(text_of(&doc, &v.find("thread_count").unwrap()), "3");
        assert_eq!(v.find("is_draft").unwrap(), Found::Flag(true));
        assert_eq!(
            text_of(&doc, &v.find("created_by_type").unwrap()),
            "\"customer\""
        );
        assert_eq!(
            text_of(&doc, &v.find("modified_at").unwrap()),
            "\"2020-01-01T00:00:00Z\""
        );
        assert_eq!(
            text_of(&doc, &v.find("userUpdatedAt").unwrap()),
            "\"2020-01-01T00:00:00Z\""
        );
        assert_eq!(v.find("no_such_field").unwrap(), Found::Missing);
        assert!(v.contains("owner").unwrap());
        assert!(!v.contains("spam").unwrap());
        assert_eq!(v.payload_version(), Some("v2"));
        assert_eq!(v.api_path("owner"), ["assignee"]);
        assert_eq!(v.api_path("threads"), ["_embedded", "threads"]);
        assert_eq!(v.api_path("thread_count"), ["threads"]);
        assert_eq!(v.api_path("attachments"), ["attachments"]);
        assert_eq!(v.api_path("user_modified_at"), ["userUpdatedAt"]);
        assert_eq!(
            v.api_path("customer_waiting_since"),
            ["customerWaitingSince"]
        );
        assert_eq!(v.api_path("res_id"), ["res_id"]);
    }

    #[test]
    fn absent_declared_fields_read_as_the_originals_defaults() {
        let (doc, lookups) = view_of(r#"{"id": 1}"#);
        let fields = fields(&doc, &lookups);
        let v = View {
            doc: &doc,
            fields,
            kind: Kind::Customer,
            context: Kind::Customer,
        };
        assert_eq!(
            v.find("gender").unwrap(),
            Found::Default(FieldDefault::Str("unknown"))
        );
        assert_eq!(
            v.find("type").unwrap(),
            Found::Default(FieldDefault::Str("user"))
        );
        assert_eq!(
            v.find("job_title").unwrap(),
            Found::Default(FieldDefault::None)
        );
        assert!(!v.contains("gender").unwrap());
    }

    #[test]
    fn large_objects_are_looked_up_by_hash_with_the_same_answers() {
        let mut body = String::from("{");
        for i in 0..200 {
            body.push_str(&format!("\"fieldNumber{i}\": {i}, "));
        }
        body.push_str("\"fieldNumber5\": \"last wins\"}");
        let (doc, lookups) = view_of(&body);
        let fields = fields(&doc, &lookups);
        let v = View {
            doc: &doc,
            fields,
            kind: Kind::Record,
            context: Kind::Record,
        };
        // Enough reads that the hash tables are built; every answer is the same either way.
        for i in 0..(SCANS_BEFORE_INDEX + 8) {
            if i == 5 {
                continue;
            }
            let name = format!("field_number{i}");
            assert_eq!(text_of(&doc, &v.find(&name).unwrap()), i.to_string());
        }
        assert!(fields.lookups.index.get().is_some());
        assert_eq!(text_of(&doc, &v.find("field_number199").unwrap()), "199");
        assert_eq!(text_of(&doc, &v.find("fieldNumber7").unwrap()), "7");
        assert_eq!(
            text_of(&doc, &v.find("field_number5").unwrap()),
            "\"last wins\""
        );
        assert_eq!(v.snake_names().len(), 200);
    }

    #[test]
    fn the_first_byte_and_length_filter_never_passes_over_a_match() {
        // Every key of up to 4 characters over capitals, small letters, a digit, `_`, `-`,
        // a non-ASCII capital whose small form is longer (`İ`), and an escape; each object
        // holds one key, and every name that is some key's snake form, or near it, must be
        // found exactly when `to_snake_case(key) == name`.
        let alphabet = ["a", "B", "C", "d", "1", "_", "-", r"\u0130", "İ", r"\n"];
        let mut keys = vec![String::new()];
        let mut frontier = vec![String::new()];
        for _ in 0..4 {
            let next: Vec<String> = frontier
                .iter()
                .flat_map(|k| alphabet.iter().map(move |c| format!("{k}{c}")))
                .collect();
            keys.extend(next.iter().cloned());
            frontier = next;
        }
        let mut checked = 0;
        for key in &keys {
            let body = format!("{{\"{key}\": 1}}");
            let (doc, lookups) = view_of(&body);
            let fields = fields(&doc, &lookups);
            let decoded = doc.key(&fields.members()[0]).to_owned();
            let snake = models::to_snake_case(&decoded).into_owned();
            let mut names = vec![
                snake.clone(),
                format!("{snake}_"),
                format!("_{snake}"),
                snake.chars().skip(1).collect(),
                decoded.to_lowercase(),
                decoded.clone(),
            ];
            names.push(snake.replacen('_', "", 1));
            for name in names {
                assert_eq!(
                    fields.by_snake(&doc, &name).is_some(),
                    snake == name,
                    "key {key:?}, name {name:?}"
                );
                checked += 1;
            }
        }
        assert!(checked > 70_000, "{checked}");
    }

    #[test]
    fn value_hash_agrees_with_equality() {
        let h = |t: &str| {
            let (doc, _) = Document::parse(t.as_bytes()).unwrap();
            value_hash(&doc, &(0..doc.text().len())).unwrap()
        };
        assert_eq!(
            h(r#"{"a": 1, "b": [1, "x"]}"#),
            h(r#"{"b":[1.0,"\u0078"],"a":1}"#)
        );
        assert_eq!(h(r#"{"a": 1, "a": 2}"#), h(r#"{"a": 2}"#));
        assert_eq!(h(r#"{"a": -0.0}"#), h(r#"{"a": 0}"#));
        assert_eq!(h(r#"{"s": "\ud800"}"#), h(r#"{"s": "\uD800"}"#));
        assert_ne!(h(r#"{"a": 1}"#), h(r#"{"a": 2}"#));
        assert_ne!(h(r#"{"a": [1, 2]}"#), h(r#"{"a": [2, 1]}"#));
        assert_ne!(h(r#"{"a": "1"}"#), h(r#"{"a": 1}"#));
        // Python's True == 1 == 1.0 and False == 0: the dicts compare equal.
        assert_eq!(h(r#"{"a": true}"#), h(r#"{"a": 1}"#));
        assert_eq!(h(r#"{"a": [false]}"#), h(r#"{"a": [0.0]}"#));
        assert_ne!(h(r#"{"a": true}"#), h(r#"{"a": false}"#));
    }
}
