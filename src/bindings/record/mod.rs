//! `Record` and its per-kind subclasses: typed views over a JSON object that convert a
//! field to Python the first time it is read and cache it.
//!
//! This folder owns the Python side of records only; what a name means (aliases, defaults,
//! lookups, hashing) is decided in the Python-free `crate::record`.
//! - `mod.rs`: the `Record` struct, reading fields, the assignment overlay, `to_api`.
//! - `protocol.rs`: the Python protocol (`__getattribute__`, `__setattr__`, `==`, hash,
//!   pickle, ...) and the public methods.
//! - `repr.rs`: `repr()` and the notebook HTML table.
//! - `classes.rs`: the subclasses, generated from the kind registry.
//! - `names.rs`: field names' text, remembered per `str` object, and the class's own names.

mod cache;
mod classes;
mod names;
mod protocol;
mod repr;

use cache::Cache;
pub(crate) use classes::{instantiate, register_classes};
use std::sync::OnceLock;

use super::convert::{datetime_type, json_loads, py_to_json, to_plain, value_to_py, Dates};
use super::error::argument;
use crate::limits::MAX_DEPTH;
use crate::models::{self, FieldDefault, Kind};
use crate::payload::{Document, JsonType, Member, Span};
use crate::record::{Fields, Found, Lookups, View};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyInt, PyList, PyString};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

/// The base class of every record. Read fields as attributes (`record.first_name`) or items
/// (`record["first_name"]`); `to_api()` gives back the JSON as received (with any fields
/// assigned since).
#[pyclass(subclass, frozen, module = "helpscout._core")]
pub struct Record {
    pub(crate) doc: Document,
    pub(crate) span: Span,
    /// Where the object's members are in the document's index, found on the first read
    /// (a list of 100 threads costs 100 cheap objects until one of them is read): packed
    /// by `MemberRange`, 0 until found.
    members_at: AtomicU64,
    /// Hash lookups, for a large object read many times.
    lookups: Lookups,
    pub(crate) kind: Kind,
    pub(crate) context: Kind,
    /// Fields already converted (and fields assigned), by name.
    cache: Cache,
    /// Fields assigned by the caller, created on the first assignment (boxed: few records
    /// are assigned to, and every record carries the cell; a smaller record is cheaper to
    /// make, which a list of 40 threads does 40 times). The body itself never changes.
    assignments: OnceLock<Box<Assignments>>,
}

struct Assignments {
    /// Fields assigned, by snake_case name, in assignment order.
    assigned: Py<PyDict>,
    /// How an assigned name was spelled when that differs from its snake_case key (an
    /// unknown field is written to `to_api()` as given: `res_id` stays `res_id`,
    /// `resId` stays `resId`).
    spellings: Py<PyDict>,
}

/// A range of index positions packed into one `u64` (start in the high half, length in
/// the low half, the top bit set so that a found empty range is not 0). Index positions
/// are below 2^31: bodies are at most `MAX_BODY_BYTES`.
struct MemberRange;

impl MemberRange {
    const FOUND: u64 = 1 << 63;

    fn pack(range: &Range<u32>) -> u64 {
        Self::FOUND | (u64::from(range.start) << 32) | u64::from(range.end - range.start)
    }

    fn unpack(packed: u64) -> Option<Range<u32>> {
        if packed & Self::FOUND == 0 {
            return None;
        }
        let start = ((packed & !Self::FOUND) >> 32) as u32;
        Some(start..start + (packed & 0xFFFF_FFFF) as u32)
    }
}

impl Record {
    /// A record over `span` (its members are found in the index on its first read).
    pub(crate) fn new(doc: Document, span: Span, kind: Kind, context: Kind) -> Record {
        Record {
            doc,
            span,
            members_at: AtomicU64::new(0),
            lookups: Lookups::default(),
            kind,
            context,
            cache: Cache::default(),
            assignments: OnceLock::new(),
        }
    }

    /// The object's members, from the index. Found once and kept as a number: threads
    /// that race to find them find the same range, so no lock is needed.
    fn members(&self) -> PyResult<&[Member]> {
        let packed = self.members_at.load(Ordering::Relaxed);
        let range = match MemberRange::unpack(packed) {
            Some(range) => range,
            None => {
                let range = self.doc.member_range(&self.span)?;
                self.members_at
                    .store(MemberRange::pack(&range), Ordering::Relaxed);
                range
            }
        };
        Ok(self.doc.members_at(range))
    }

    pub(crate) fn view(&self) -> PyResult<View<'_>> {
        Ok(View {
            doc: &self.doc,
            fields: Fields::new(self.members()?, &self.lookups),
            kind: self.kind,
            context: self.context,
        })
    }

    /// The exact JSON text this record was read from.
    pub(crate) fn json_text(&self) -> &str {
        self.doc.slice(&self.span)
    }

    /// `v1` or `v2` for conversations, customers and ratings (from their keys).
    pub(crate) fn payload_version(&self) -> PyResult<Option<&'static str>> {
        Ok(self.view()?.payload_version())
    }

    /// Show the garbage collector the record's dicts (`__traverse__`).
    pub(super) fn traverse_dicts(
        &self,
        visit: pyo3::pyclass::PyVisit<'_>,
    ) -> Result<(), pyo3::pyclass::PyTraverseError> {
        self.cache.traverse(&visit)?;
        if let Some(a) = self.assignments.get() {
            visit.call(&a.assigned)?;
            visit.call(&a.spellings)?;
        }
        Ok(())
    }

    fn cached<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.cache.get(py, name)
    }

    fn assigned_dict<'py>(&self, py: Python<'py>) -> Option<&Bound<'py, PyDict>> {
        self.assignments.get().map(|a| a.assigned.bind(py))
    }

    fn spellings_dict<'py>(&self, py: Python<'py>) -> Option<&Bound<'py, PyDict>> {
        self.assignments.get().map(|a| a.spellings.bind(py))
    }

    /// The dicts of assigned fields and their spellings, made on the first assignment.
    fn assignments<'py>(&self, py: Python<'py>) -> &Assignments {
        if let Some(a) = self.assignments.get() {
            return a;
        }
        // Made outside the cell (no Python code runs inside it); if another thread fills
        // it first, these are dropped.
        let fresh = Box::new(Assignments {
            assigned: PyDict::new(py).unbind(),
            spellings: PyDict::new(py).unbind(),
        });
        self.assignments.get_or_init(|| fresh)
    }

    /// A value `find` located, as Python; `None` for a missing field.
    fn to_py(&self, py: Python<'_>, found: Found<'_>) -> PyResult<Option<Py<PyAny>>> {
        Ok(Some(match found {
            Found::Value { span, key, context } => {
                value_to_py(py, &self.doc, &span, &key, context, Dates::Convert, 0)?
            }
            Found::Flag(b) => b.into_pyobject(py)?.to_owned().into_any().unbind(),
            Found::IdRecord { span, kind } => {
                let text = format!("{{\"id\": {}}}", self.doc.slice(&span));
                let doc = Document::from_json_text(text)?;
                let whole = 0..doc.text().len();
                instantiate(py, Record::new(doc, whole, kind, kind))?
            }
            Found::Default(d) => default_to_py(py, d)?,
            Found::Missing => return Ok(None),
        }))
    }

    /// The value for `name` (not yet cached), then cached; `Ok(None)` when the record has
    /// no such field.
    fn field_uncached(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyString>,
        n: &str,
    ) -> PyResult<Option<Py<PyAny>>> {
        let found = self.view()?.find(n)?;
        let Some(value) = self.to_py(py, found)? else {
            return Ok(None);
        };
        self.cache.insert(py, name, &value)?;
        Ok(Some(value))
    }

    /// The value for `name`, from the cache or the payload; `None` for no such field (a
    /// name holding a lone surrogate is none).
    fn field(&self, py: Python<'_>, name: &Bound<'_, PyString>) -> PyResult<Option<Py<PyAny>>> {
        if let Some(v) = self.cached(py, name)? {
            return Ok(Some(v.unbind()));
        }
        match name.to_cow() {
            Ok(n) => {
                if let Some(v) = self.assigned_value(py, &n)? {
                    return Ok(Some(v));
                }
                self.field_uncached(py, name, &n)
            }
            Err(_) => self.surrogate_key_field(py, name),
        }
    }

    /// The value assigned under `name` or any spelling of it (`first_name` and `firstName`
    /// are one field): assignments are kept under the snake_case name.
    fn assigned_value(&self, py: Python<'_>, name: &str) -> PyResult<Option<Py<PyAny>>> {
        let Some(assigned) = self.assigned_dict(py) else {
            return Ok(None);
        };
        Ok(assigned
            .get_item(models::to_snake_case(name).as_ref())?
            .map(Bound::unbind))
    }

    /// A key holding a lone surrogate escape (`"k\udc00"`) is reached by the same `str`
    /// that `json.loads` gives for it.
    pub(super) fn surrogate_key_field(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyString>,
    ) -> PyResult<Option<Py<PyAny>>> {
        let view = self.view()?;
        for m in view.fields.members().iter().rev() {
            let Some(raw) = self.doc.escaped_key(m) else {
                continue;
            };
            if !self.doc.key(m).contains('\u{FFFD}') {
                continue;
            }
            if json_loads(py, &format!("\"{raw}\""))?.eq(name)? {
                return Ok(Some(self.read(py, m)?));
            }
        }
        Ok(None)
    }

    /// A member's value as Python (timestamps as `datetime`, objects as records).
    fn read(&self, py: Python<'_>, m: &Member) -> PyResult<Py<PyAny>> {
        value_to_py(
            py,
            &self.doc,
            &m.value(),
            self.doc.key(m),
            self.context,
            Dates::Convert,
            0,
        )
    }

    /// Assign `value` to field `name` (an attribute or item assignment). As in the
    /// original, `customer_person_type` is not stored: it sets `type` to `customer` or
    /// `user`.
    fn assign(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyString>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        // The same limit as everywhere: no value deeper than MAX_DEPTH, hence no cycle.
        check_depth(value, 1)?;
        if self.kind.is_declared("customer_person_type")
            && name.to_cow().is_ok_and(|n| n == "customer_person_type")
        {
            let person_type = if value.is_truthy().unwrap_or(false) {
                "customer"
            } else {
                "user"
            };
            self.cache.remove(py, name)?;
            return self.assign(
                py,
                &PyString::new(py, "type"),
                PyString::new(py, person_type).as_any(),
            );
        }
        // One field whatever the spelling: kept under its snake_case name.
        let given = name.to_cow()?;
        let key = models::to_snake_case(&given).into_owned();
        let assignments = self.assignments(py);
        let spellings = assignments.spellings.bind(py);
        if given != key {
            spellings.set_item(&key, name)?;
        } else if spellings.contains(&key)? {
            spellings.del_item(&key)?;
        }
        assignments.assigned.bind(py).set_item(&key, value)?;
        self.cache.forget(py, &key)?;
        self.cache.insert_assigned(py, &key, value)?;
        Ok(())
    }

    /// Forget an assignment; `false` when `name` was not assigned.
    fn unassign(&self, py: Python<'_>, name: &Bound<'_, PyString>) -> PyResult<bool> {
        let Some(assigned) = self.assigned_dict(py) else {
            return Ok(false);
        };
        let key = models::to_snake_case(&name.to_cow()?).into_owned();
        if !assigned.contains(&key)? {
            return Ok(false);
        }
        assigned.del_item(&key)?;
        // The spelling it was given goes with it: a long-lived record given a new camelCase
        // name and then losing it, again and again, kept every spelling before.
        if let Some(spellings) = self.spellings_dict(py) {
            if spellings.contains(&key)? {
                spellings.del_item(&key)?;
            }
        }
        self.cache.forget(py, &key)?;
        Ok(true)
    }

    /// Whether this record, or a record read from it, was assigned to, or a list read from
    /// it was changed (added to, cut, or an item replaced).
    pub(crate) fn is_modified(&self, py: Python<'_>, depth: usize) -> PyResult<bool> {
        if self.assigned_dict(py).is_some_and(|d| !d.is_empty()) {
            return Ok(true);
        }
        if depth > MAX_DEPTH {
            return Ok(false);
        }
        for (k, v) in self.cache.items(py) {
            if self.value_changed(&k, &v, depth + 1)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The names whose values differ from the body: assigned ones, and read ones that hold
    /// a modified record, or a list that was changed.
    fn changed<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>> {
        let mut out = Vec::new();
        let assigned = self.assigned_dict(py);
        if let Some(a) = assigned {
            out.extend(a.iter());
        }
        for (k, v) in self.cache.items(py) {
            if assigned.is_some_and(|a| a.contains(&k).unwrap_or(false)) {
                continue;
            }
            if self.value_changed(&k, &v, 1)? {
                out.push((k, v));
            }
        }
        Ok(out)
    }

    /// Whether the value cached under `name` no longer says what the body says: a record
    /// that was modified, or a list that was added to, cut, or had an item replaced (a
    /// `str`, number or `datetime` cannot change in place). `to_api()` gives the body's
    /// text for every value this answers `false` for.
    fn value_changed(
        &self,
        name: &Bound<'_, PyAny>,
        v: &Bound<'_, PyAny>,
        depth: usize,
    ) -> PyResult<bool> {
        let Ok(list) = v.cast::<PyList>() else {
            return value_is_modified(v, depth);
        };
        let Ok(name) = name.cast::<PyString>() else {
            return value_is_modified(v, depth);
        };
        let found = self.view()?.find(&name.to_cow()?)?;
        match found {
            Found::Value { span, key, context } if self.doc.json_type(&span) == JsonType::Array => {
                Ok(!list_is_payload(
                    v.py(),
                    list,
                    &self.doc,
                    &span,
                    &key,
                    context,
                    depth,
                )?)
            }
            _ => value_is_modified(v, depth),
        }
    }

    /// The JSON object as `json.loads` gives it, with assigned fields written in (under
    /// the key the payload uses for them, or their API name, or as given).
    pub(crate) fn to_api_value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if !self.is_modified(py, 0)? {
            return json_loads(py, self.json_text());
        }
        let _nesting = RecordNesting::enter(self.kind)?;
        let out = json_loads(py, self.json_text())?;
        let dict = out.cast::<PyDict>()?;
        let view = self.view()?;
        let spellings = self.spellings_dict(py);
        for (name, value) in self.changed(py)? {
            let spelled = match spellings {
                Some(sp) => sp.get_item(&name)?,
                None => None,
            };
            let name = spelled
                .unwrap_or(name)
                .cast::<PyString>()?
                .to_cow()?
                .into_owned();
            let plain = to_plain(&value, 0)?;
            let path = view.api_path(&name);
            // Into nested objects for multi-key aliases (`threads` is `_embedded.threads`).
            let mut target = dict.clone();
            for key in &path[..path.len() - 1] {
                let next = match target.get_item(key.as_ref())? {
                    Some(d) if d.is_instance_of::<PyDict>() => d.cast_into::<PyDict>()?,
                    _ => {
                        let d = PyDict::new(py);
                        target.set_item(key.as_ref(), &d)?;
                        d
                    }
                };
                target = next;
            }
            target.set_item(path[path.len() - 1].as_ref(), plain)?;
        }
        Ok(out)
    }

    /// `to_api()` as a JSON value (for records stored inside other records).
    pub(crate) fn to_json_value(&self, py: Python<'_>) -> PyResult<serde_json::Value> {
        if !self.is_modified(py, 0)? {
            if let Ok(v) = serde_json::from_str(self.json_text()) {
                return Ok(v);
            }
        }
        py_to_json(&self.to_api_value(py)?, false, self.kind.class_name(), 0)
    }

    fn kwargs_record(
        kind: Kind,
        kwargs: Option<&Bound<'_, PyDict>>,
        camelize: bool,
    ) -> PyResult<Record> {
        let mut value = match kwargs {
            Some(k) => py_to_json(k.as_any(), camelize, kind.class_name(), 0)?,
            None => serde_json::Value::Object(serde_json::Map::new()),
        };
        // The original's Person(customer_person_type=...) sets `type` instead.
        if kind.is_declared("customer_person_type") {
            if let serde_json::Value::Object(map) = &mut value {
                let flag = map
                    .shift_remove("customerPersonType")
                    .or_else(|| map.shift_remove("customer_person_type"));
                if let Some(flag) = flag {
                    let customer = flag.as_bool().unwrap_or(false);
                    map.insert(
                        "type".to_owned(),
                        serde_json::Value::from(if customer { "customer" } else { "user" }),
                    );
                }
            }
        }
        let text = value.to_string();
        let doc = Document::from_json_text(text)?;
        let span = 0..doc.text().len();
        Ok(Record::new(doc, span, kind, kind))
    }
}

thread_local! {
    /// How many records this thread is converting inside one another right now.
    static RECORDS_INSIDE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Held while a record's own content is written out (`to_api()`, `serialize()`, and all
/// that build on them). Assigned values may hold records, which may hold records: a record
/// that holds itself (`r.x = r`, or a list assigned and then given the record) would be
/// walked until the stack overflows. More than `MAX_DEPTH` records inside one another are
/// refused, with the error a too-deep value gets.
pub(crate) struct RecordNesting(());

impl RecordNesting {
    pub(crate) fn enter(kind: Kind) -> PyResult<RecordNesting> {
        RECORDS_INSIDE.with(|inside| {
            let level = inside.get();
            if level >= MAX_DEPTH {
                return Err(argument(format!(
                    "a {} record refers to itself, or records are nested more than {MAX_DEPTH} levels deep",
                    kind.class_name()
                )));
            }
            inside.set(level + 1);
            Ok(RecordNesting(()))
        })
    }
}

impl Drop for RecordNesting {
    fn drop(&mut self) {
        RECORDS_INSIDE.with(|inside| inside.set(inside.get().saturating_sub(1)));
    }
}

/// Refuse a value nested deeper than `MAX_DEPTH` (lists, tuples, dicts), which is also what
/// a value that contains itself is, and floats JSON cannot write (NaN, infinity).
fn check_depth(value: &Bound<'_, PyAny>, depth: usize) -> PyResult<()> {
    if value.is_instance_of::<PyString>() || value.is_instance_of::<Record>() {
        return Ok(());
    }
    // JSON has no NaN or infinity: to_api() and to_json() could not carry them.
    if let Ok(f) = value.cast::<pyo3::types::PyFloat>() {
        if !f.value().is_finite() {
            return Err(argument(format!(
                "{} cannot be stored in a record: JSON has no NaN or infinity",
                f.value()
            )));
        }
        return Ok(());
    }
    let nested = value.is_instance_of::<PyList>()
        || value.is_instance_of::<pyo3::types::PyTuple>()
        || value.is_instance_of::<PyDict>();
    if !nested {
        return Ok(());
    }
    if depth >= MAX_DEPTH {
        return Err(argument(format!(
            "the value is nested more than {MAX_DEPTH} levels deep, or refers to itself"
        )));
    }
    if let Ok(d) = value.cast::<PyDict>() {
        for v in d.values() {
            check_depth(&v, depth + 1)?;
        }
    } else {
        for item in value.try_iter()? {
            check_depth(&item?, depth + 1)?;
        }
    }
    Ok(())
}

/// Whether `list` still holds what the array at `span` converts to: as many items, each a
/// record read from the same place and not modified, a list for which this holds, or a
/// value of the same type that is equal and prints the same (so `0.0` replaced by `-0.0`,
/// `1` by `True`, or a `datetime` by the same instant in another zone, counts as a change).
fn list_is_payload(
    py: Python<'_>,
    list: &Bound<'_, PyList>,
    doc: &Document,
    span: &Span,
    key: &str,
    context: Kind,
    depth: usize,
) -> PyResult<bool> {
    let items = doc.items(span)?;
    if items.len() != list.len() {
        return Ok(false);
    }
    if depth > MAX_DEPTH {
        return Ok(true);
    }
    for (item, at) in list.iter().zip(items) {
        let same = match doc.json_type(&at) {
            JsonType::Object => match item.cast::<Record>() {
                Ok(r) => {
                    let r = r.get();
                    r.doc.is(doc) && r.span == at && !r.is_modified(py, depth + 1)?
                }
                Err(_) => false,
            },
            JsonType::Array => match item.cast::<PyList>() {
                Ok(inner) if inner.is_exact_instance_of::<PyList>() => {
                    list_is_payload(py, inner, doc, &at, key, context, depth + 1)?
                }
                _ => false,
            },
            _ => {
                let fresh = value_to_py(py, doc, &at, key, context, Dates::Convert, depth + 1)?;
                same_scalar(&item, fresh.bind(py))?
            }
        };
        if !same {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether `a` (an item of a cached list) is the scalar `b` (converted afresh from the
/// body): the same object, or the same type, equal, and written alike (`-0.0` is not
/// `0.0`; two equal naive `datetime`s, which is what the body's are, write the same text).
fn same_scalar(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<bool> {
    if a.is(b) {
        return Ok(true);
    }
    if !a.get_type().is(b.get_type()) {
        return Ok(false);
    }
    if let (Ok(x), Ok(y)) = (a.cast::<PyFloat>(), b.cast::<PyFloat>()) {
        return Ok(x.value().to_bits() == y.value().to_bits());
    }
    if !a.eq(b)? {
        return Ok(false);
    }
    let plain = a.is_exact_instance_of::<PyString>()
        || a.is_exact_instance_of::<PyInt>()
        || a.get_type().is(datetime_type(a.py())?);
    Ok(plain || a.repr()?.to_cow()? == b.repr()?.to_cow()?)
}

fn value_is_modified(v: &Bound<'_, PyAny>, depth: usize) -> PyResult<bool> {
    if let Ok(r) = v.cast::<Record>() {
        return r.get().is_modified(v.py(), depth);
    }
    if let Ok(list) = v.cast::<PyList>() {
        for item in list.iter() {
            if let Ok(r) = item.cast::<Record>() {
                if r.get().is_modified(v.py(), depth)? {
                    return Ok(true);
                }
            }
        }
    }
    Ok(false)
}

fn default_to_py(py: Python<'_>, d: FieldDefault) -> PyResult<Py<PyAny>> {
    Ok(match d {
        FieldDefault::None => py.None(),
        FieldDefault::Str(s) => PyString::new(py, s).into_any().unbind(),
        FieldDefault::Int(i) => i.into_pyobject(py)?.into_any().unbind(),
        FieldDefault::Bool(b) => b.into_pyobject(py)?.to_owned().into_any().unbind(),
    })
}

/// A nested object stored under `key` in a record routed by `context`.
pub(crate) fn new_child(
    py: Python<'_>,
    doc: &Document,
    span: Span,
    context: Kind,
    key: &str,
) -> PyResult<Py<PyAny>> {
    new_routed_child(py, doc, span, context.route(key))
}

/// A nested record whose kind and routing context are already known (`Kind::route`).
pub(crate) fn new_routed_child(
    py: Python<'_>,
    doc: &Document,
    span: Span,
    (kind, ctx): (Kind, Kind),
) -> PyResult<Py<PyAny>> {
    instantiate(py, Record::new(doc.clone(), span, kind, ctx))
}

/// The record of `kind` for a whole parsed document.
pub(crate) fn top_level(py: Python<'_>, doc: Document, kind: Kind) -> PyResult<Py<PyAny>> {
    let span = 0..doc.text().len();
    instantiate(py, Record::new(doc, span, kind, kind))
}

/// A record of the class called `class_name` from JSON text (pickle, `WebHookEvent`).
pub(crate) fn from_json_text(
    py: Python<'_>,
    class_name: &str,
    text: String,
    context: &str,
) -> PyResult<Py<PyAny>> {
    let kind = Kind::from_class_name(class_name)
        .ok_or_else(|| argument(format!("unknown record class {class_name:?}")))?;
    let context = Kind::from_class_name(context).unwrap_or(kind);
    let doc = Document::from_json_text(text)?;
    let span = 0..doc.text().len();
    instantiate(py, Record::new(doc, span, kind, context))
}

/// A record of `kind` from a Python dict of API fields.
pub(crate) fn from_api_dict(
    py: Python<'_>,
    kind: Kind,
    data: &Bound<'_, PyDict>,
) -> PyResult<Py<PyAny>> {
    instantiate(py, Record::kwargs_record(kind, Some(data), false)?)
}
