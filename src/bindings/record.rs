//! `Record` and its per-kind subclasses: typed views over a JSON object that convert a
//! field to Python the first time it is read and cache it.

use super::convert::{json_loads, py_to_json, value_to_py, Dates};
use super::{payload_err, HelpScoutValidationException};
use crate::models::{self, Alias, Kind};
use crate::payload::{Document, JsonType, Member, PayloadError, Span};
use pyo3::exceptions::{PyAttributeError, PyKeyError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString, PyTuple, PyType};
use pyo3::PyClassInitializer;
use std::sync::OnceLock;

static OBJECT_GETATTRIBUTE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static OBJECT_DIR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The base class of every record. Read fields as attributes (`record.first_name`) or items
/// (`record["first_name"]`); `to_api()` gives back the JSON exactly as received.
#[pyclass(subclass, frozen, module = "helpscout._core")]
pub struct Record {
    pub(crate) doc: Document,
    pub(crate) span: Span,
    /// The object's members; scanned on first use for nested records (a list of 100
    /// threads costs 100 cheap objects until one of them is read).
    members: OnceLock<Result<Vec<Member>, PayloadError>>,
    kind: Kind,
    context: Kind,
    /// Fields already converted, by attribute name; created on the first read.
    cache: PyOnceLock<Py<PyDict>>,
}

/// What a name means on a record.
enum Found {
    Value(Py<PyAny>),
    Missing,
}

impl Record {
    /// A record over `span`; `members` when already scanned (the top level).
    pub(crate) fn new(
        doc: Document,
        span: Span,
        members: Option<Vec<Member>>,
        kind: Kind,
        context: Kind,
    ) -> Record {
        let scanned = OnceLock::new();
        if let Some(m) = members {
            let _ = scanned.set(Ok(m));
        }
        Record {
            doc,
            span,
            members: scanned,
            kind,
            context,
            cache: PyOnceLock::new(),
        }
    }

    fn members(&self) -> PyResult<&[Member]> {
        match self.members.get_or_init(|| self.doc.members(&self.span)) {
            Ok(m) => Ok(m),
            Err(e) => Err(payload_err(e.clone())),
        }
    }

    fn key<'a>(&'a self, m: &'a Member) -> &'a str {
        self.doc.key(m)
    }

    /// The snake_case names of the members, in payload order.
    fn snake_names(&self) -> PyResult<Vec<String>> {
        Ok(self
            .members()?
            .iter()
            .map(|m| models::to_snake_case(self.key(m)).into_owned())
            .collect())
    }

    /// The last member whose snake_case name is `name` (JSON: the last duplicate wins).
    fn member_by_snake(&self, name: &str) -> PyResult<Option<&Member>> {
        Ok(self
            .members()?
            .iter()
            .rev()
            .find(|m| models::snake_matches(self.key(m), name)))
    }

    fn member_by_key(&self, key: &str) -> PyResult<Option<&Member>> {
        Ok(self.members()?.iter().rev().find(|m| self.key(m) == key))
    }

    fn cached<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.cache.get(py) {
            Some(cache) => cache.bind(py).get_item(name),
            None => Ok(None),
        }
    }

    /// Follow a path of JSON keys: the span of the value, the routing context it is in and
    /// its key. A path into `_embedded` also finds the same keys at the top level, where
    /// legacy v1 payloads keep them.
    fn resolve(
        &self,
        path: &'static [&'static str],
    ) -> PyResult<Option<(Span, Kind, &'static str)>> {
        match self.resolve_exact(path)? {
            None if path.first() == Some(&"_embedded") => self.resolve_exact(&path[1..]),
            found => Ok(found),
        }
    }

    fn resolve_exact(
        &self,
        path: &'static [&'static str],
    ) -> PyResult<Option<(Span, Kind, &'static str)>> {
        let Some((first, rest)) = path.split_first() else {
            return Ok(None);
        };
        let Some(m) = self.member_by_key(first)? else {
            return Ok(None);
        };
        let mut span = m.value.clone();
        let mut context = self.context;
        let mut key: &str = first;
        for next in rest {
            if self.doc.json_type(&span) != JsonType::Object {
                return Ok(None);
            }
            context = context.route(key).1;
            let members = self.doc.members(&span).map_err(payload_err)?;
            let Some(m) = members.into_iter().rev().find(|m| self.doc.key(m) == *next) else {
                return Ok(None);
            };
            span = m.value;
            key = next;
        }
        let last: &'static str = path.last().copied().unwrap_or("");
        Ok(Some((span, context, last)))
    }

    fn alias_value(&self, py: Python<'_>, alias: Alias) -> PyResult<Option<Py<PyAny>>> {
        match alias {
            Alias::Path(path) => match self.resolve(path)? {
                Some((span, context, key)) => Ok(Some(value_to_py(
                    py,
                    &self.doc,
                    &span,
                    key,
                    context,
                    Dates::Convert,
                )?)),
                None => Ok(None),
            },
            Alias::Equals(path, expected) => match self.resolve(path)? {
                Some((span, _, _)) => {
                    let is = matches!(self.doc.scalar(&span).map_err(payload_err)?, crate::payload::Scalar::Str(s) if s == expected);
                    Ok(Some(is.into_pyobject(py)?.to_owned().into_any().unbind()))
                }
                None => Ok(None),
            },
            Alias::FirstValue(path, field) => {
                let Some((span, context, key)) = self.resolve(path)? else {
                    return Ok(None);
                };
                if self.doc.json_type(&span) != JsonType::Array {
                    return Ok(None);
                }
                let items = self.doc.items(&span).map_err(payload_err)?;
                let Some(first) = items.first() else {
                    return Ok(None);
                };
                if self.doc.json_type(first) != JsonType::Object {
                    return Ok(None);
                }
                let members = self.doc.members(first).map_err(payload_err)?;
                let Some(m) = members.iter().rev().find(|m| self.doc.key(m) == field) else {
                    return Ok(None);
                };
                let ctx = context.route(key).1;
                Ok(Some(value_to_py(
                    py,
                    &self.doc,
                    &m.value,
                    field,
                    ctx,
                    Dates::Convert,
                )?))
            }
        }
    }

    /// A member's value as Python (timestamps as `datetime`, objects as records).
    fn read(&self, py: Python<'_>, m: &Member) -> PyResult<Py<PyAny>> {
        value_to_py(
            py,
            &self.doc,
            &m.value,
            self.key(m),
            self.context,
            Dates::Convert,
        )
    }

    /// The value of field `name` (snake_case), from the payload or an alias.
    fn find(&self, py: Python<'_>, name: &str) -> PyResult<Found> {
        let own = self.member_by_snake(name)?;
        let read = |m: &Member| self.read(py, m);
        // An alias wins only over a scalar stored under the original's list name (v2
        // `threads` is a count); otherwise the payload's own key wins.
        let alias_first = own.is_some_and(|m| {
            !matches!(
                self.doc.json_type(&m.value),
                JsonType::Object | JsonType::Array
            ) && self.kind.alias_overrides_scalar(name)
        });
        if let Some(m) = own.filter(|_| !alias_first) {
            return Ok(Found::Value(read(m)?));
        }
        if let Some(alias) = self.kind.alias(name) {
            if let Some(v) = self.alias_value(py, alias)? {
                return Ok(Found::Value(v));
            }
        }
        match own {
            Some(m) => Ok(Found::Value(read(m)?)),
            None => Ok(Found::Missing),
        }
    }

    /// The exact JSON text of this record.
    pub(crate) fn json_text(&self) -> &str {
        self.doc.slice(&self.span)
    }

    /// `v1` or `v2` for conversations, customers and ratings (from their keys).
    pub(crate) fn payload_version(&self) -> PyResult<Option<&'static str>> {
        Ok(self
            .kind
            .payload_version(self.members()?.iter().map(|m| self.key(m))))
    }

    fn is_declared(&self, name: &str) -> bool {
        self.kind.is_declared(name)
    }

    /// The value for `name` (not yet cached), then cached; `None` for a declared field the
    /// payload lacks; `Ok(None)` when the record has no such field.
    fn field_uncached(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyString>,
        n: &str,
    ) -> PyResult<Option<Py<PyAny>>> {
        let value = match self.find(py, n)? {
            Found::Value(v) => v,
            Found::Missing if self.is_declared(n) => py.None(),
            // An API (camelCase) key works too: record["firstName"].
            Found::Missing => match self.member_by_key(n)? {
                Some(m) => self.read(py, m)?,
                None => return Ok(None),
            },
        };
        let cache = self.cache.get_or_init(py, || PyDict::new(py).unbind());
        cache.bind(py).set_item(name, &value)?;
        Ok(Some(value))
    }

    /// The value for `name`, from the cache or the payload.
    fn field(&self, py: Python<'_>, name: &Bound<'_, PyString>) -> PyResult<Option<Py<PyAny>>> {
        if let Some(v) = self.cached(py, name)? {
            return Ok(Some(v.unbind()));
        }
        self.field_uncached(py, name, &name.to_cow()?)
    }

    fn serialize_to(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let out = PyDict::new(py);
        for (m, snake) in self.members()?.iter().zip(self.snake_names()?) {
            out.set_item(
                snake,
                serialize_value(py, &self.doc, &m.value, self.key(m), self.context)?,
            )?;
        }
        out.set_item("__class__", self.kind.class_name())?;
        Ok(out.into_any().unbind())
    }

    fn kwargs_record(
        kind: Kind,
        kwargs: Option<&Bound<'_, PyDict>>,
        camelize: bool,
    ) -> PyResult<Record> {
        let value = match kwargs {
            Some(k) => py_to_json(k.as_any(), camelize, kind.class_name())?,
            None => serde_json::Value::Object(serde_json::Map::new()),
        };
        let text = value.to_string();
        let (doc, members) = Document::from_json_text(text).map_err(payload_err)?;
        let span = 0..doc.text().len();
        Ok(Record::new(doc, span, Some(members), kind, kind))
    }
}

fn serialize_value(
    py: Python<'_>,
    doc: &Document,
    span: &Span,
    key: &str,
    context: Kind,
) -> PyResult<Py<PyAny>> {
    match doc.json_type(span) {
        JsonType::Object => {
            let (child, ctx) = context.route(key);
            let rec = Record::new(doc.clone(), span.clone(), None, child, ctx);
            rec.serialize_to(py)
        }
        JsonType::Array => {
            let list = PyList::empty(py);
            for item in doc.items(span).map_err(payload_err)? {
                list.append(serialize_value(py, doc, &item, key, context)?)?;
            }
            Ok(list.into_any().unbind())
        }
        _ => value_to_py(py, doc, span, key, context, Dates::Keep),
    }
}

/// A value as shown inside a record's `repr`: strings cut at 40 characters, nested
/// records inline when short.
fn short_repr(v: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    let py = v.py();
    if v.is_none() {
        return Ok(None);
    }
    Ok(Some(match v.cast::<PyString>() {
        Ok(s) => {
            let s = s.to_cow()?;
            let short: String = s.chars().take(40).collect();
            let ellipsis = if short.len() < s.len() { "…" } else { "" };
            format!("{}{ellipsis}", PyString::new(py, &short).repr()?.to_cow()?)
        }
        Err(_) if v.is_instance_of::<Record>() => {
            let text = v.repr()?.to_cow()?.into_owned();
            if text.chars().count() <= 60 {
                text
            } else {
                format!("<{}>", v.get_type().name()?)
            }
        }
        Err(_) => v.repr()?.to_cow()?.into_owned(),
    }))
}

fn generic_getattr<'py>(
    slf: &Bound<'py, PyAny>,
    name: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let f = OBJECT_GETATTRIBUTE.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py
            .import("builtins")?
            .getattr("object")?
            .getattr("__getattribute__")?
            .unbind())
    })?;
    f.bind(py).call1((slf, name))
}

/// The kind of a class object: the first class in its MRO that is one of ours.
fn kind_of_class(cls: &Bound<'_, PyType>) -> PyResult<Kind> {
    for base in cls.getattr("__mro__")?.cast::<PyTuple>()?.iter() {
        let module: String = base.getattr("__module__")?.extract()?;
        if module == "helpscout._core" {
            let name: String = base.getattr("__name__")?.extract()?;
            if let Some(k) = Kind::from_class_name(&name) {
                return Ok(k);
            }
        }
    }
    Ok(Kind::Record)
}

#[pymethods]
impl Record {
    #[new]
    #[pyo3(signature = (**kwargs))]
    fn py_new(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Record::kwargs_record(Kind::Record, kwargs, true)
    }

    fn __getattribute__<'py>(
        slf: &Bound<'py, Self>,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        if let Some(v) = this.cached(py, name)? {
            return Ok(v);
        }
        let n = name.to_cow()?;
        if n.starts_with("__") {
            // Python's own names first (`__class__`, `__dict__`, ...); a JSON key that
            // happens to start with "__" is still reachable after them.
            return match generic_getattr(slf.as_any(), name) {
                Err(e) if e.is_instance_of::<PyAttributeError>(py) => {
                    match this.field_uncached(py, name, &n)? {
                        Some(v) => Ok(v.into_bound(py)),
                        None => Err(e),
                    }
                }
                other => other,
            };
        }
        if let Some(v) = this.field_uncached(py, name, &n)? {
            return Ok(v.into_bound(py));
        }
        generic_getattr(slf.as_any(), name)
    }

    fn __setattr__(&self, name: &str, _value: &Bound<'_, PyAny>) -> PyResult<()> {
        Err(PyAttributeError::new_err(format!(
            "{} records are read-only (cannot set '{name}'); build a new one with {}(**changes) or {}.from_api(**api_fields)",
            self.kind.class_name(),
            self.kind.class_name(),
            self.kind.class_name()
        )))
    }

    fn __delattr__(&self, name: &str) -> PyResult<()> {
        Err(PyAttributeError::new_err(format!(
            "{} records are read-only (cannot delete '{name}')",
            self.kind.class_name()
        )))
    }

    fn __getitem__(&self, py: Python<'_>, key: &Bound<'_, PyString>) -> PyResult<Py<PyAny>> {
        match self.field(py, key)? {
            Some(v) => Ok(v),
            None => Err(PyKeyError::new_err(format!(
                "The field \"{}\" does not exist on \"{}\"",
                key.to_cow()?,
                self.kind.class_name()
            ))),
        }
    }

    fn __contains__(&self, py: Python<'_>, key: &Bound<'_, PyString>) -> PyResult<bool> {
        let n = key.to_cow()?;
        if self.member_by_snake(&n)?.is_some() || self.member_by_key(&n)?.is_some() {
            return Ok(true);
        }
        match self.kind.alias(&n) {
            Some(alias) => Ok(self.alias_value(py, alias)?.is_some()),
            None => Ok(false),
        }
    }

    /// The field's value, or `default` when the record has no such field.
    #[pyo3(signature = (key, default = None))]
    fn get(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyString>,
        default: Option<Py<PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        Ok(match self.field(py, key)? {
            Some(v) => v,
            None => default.unwrap_or_else(|| py.None()),
        })
    }

    /// The JSON object exactly as received: the same keys and values as `json.loads`.
    fn to_api<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, self.doc.slice(&self.span))
    }

    /// The record as the original library serialized it: snake_case keys, nested records
    /// as dicts, and `"__class__"` naming each record's class.
    fn serialize(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.serialize_to(py)
    }

    /// The JSON text this record was read from (exact bytes of its span).
    fn to_json(&self) -> &str {
        self.json_text()
    }

    /// The snake_case names of the fields the payload carries, in payload order.
    fn keys(&self) -> PyResult<Vec<String>> {
        let mut seen = std::collections::HashSet::new();
        Ok(self
            .snake_names()?
            .into_iter()
            .filter(|n| seen.insert(n.clone()))
            .collect())
    }

    /// Build a record from API (camelCase) fields, as the original `from_api` did.
    #[classmethod]
    #[pyo3(signature = (**kwargs))]
    fn from_api(
        cls: &Bound<'_, PyType>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let py = cls.py();
        let kind = kind_of_class(cls)?;
        instantiate(py, Record::kwargs_record(kind, kwargs, false)?)
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let Ok(other) = other.cast::<Record>() else {
            return Ok(py.NotImplemented());
        };
        let o = other.get();
        if o.kind != self.kind {
            return Ok(false.into_pyobject(py)?.to_owned().into_any().unbind());
        }
        let same_text = self.doc.slice(&self.span) == o.doc.slice(&o.span);
        let equal = same_text || self.to_api(py)?.eq(o.to_api(py)?)?;
        Ok(equal.into_pyobject(py)?.to_owned().into_any().unbind())
    }

    fn __ne__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let eq = self.__eq__(py, other)?;
        let b = eq.bind(py);
        if b.is(py.NotImplemented().bind(py)) {
            return Ok(eq);
        }
        Ok((!b.is_truthy()?)
            .into_pyobject(py)?
            .to_owned()
            .into_any()
            .unbind())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut parts = Vec::new();
        for name in self.kind.repr_fields() {
            let key = PyString::new(py, name);
            let Some(v) = self.field(py, &key)? else {
                continue;
            };
            if let Some(text) = short_repr(v.bind(py))? {
                parts.push(format!("{name}={text}"));
            }
        }
        if parts.is_empty() {
            // Nothing identifying: show the first two scalar fields instead.
            for m in self.members()? {
                if parts.len() == 2 {
                    break;
                }
                if matches!(
                    self.doc.json_type(&m.value),
                    JsonType::Object | JsonType::Array | JsonType::Null
                ) {
                    continue;
                }
                let v = self.read(py, m)?;
                if let Some(text) = short_repr(v.bind(py))? {
                    parts.push(format!("{}={text}", models::to_snake_case(self.key(m))));
                }
            }
        }
        Ok(format!("{}({})", self.kind.class_name(), parts.join(", ")))
    }

    /// A table of the fields for Jupyter and other notebooks.
    fn _repr_html_(&self, py: Python<'_>) -> PyResult<String> {
        fn escape(text: &str) -> String {
            text.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        }
        let members = self.members()?;
        let mut rows = String::new();
        for m in members {
            let v = self.read(py, m)?;
            let text = short_repr(v.bind(py))?.unwrap_or_else(|| "None".to_owned());
            let short: String = text.chars().take(120).collect();
            let ellipsis = if short.len() < text.len() { "…" } else { "" };
            rows.push_str(&format!(
                "<tr><th style=\"text-align:left\">{}</th><td style=\"text-align:left\"><code>{}{ellipsis}</code></td></tr>",
                escape(&models::to_snake_case(self.key(m))),
                escape(&short)
            ));
        }
        Ok(format!(
            "<table><caption style=\"text-align:left\"><b>{}</b>, {} field(s)</caption>{rows}</table>",
            self.kind.class_name(),
            members.len()
        ))
    }

    fn __dir__(slf: &Bound<'_, Self>) -> PyResult<Vec<String>> {
        let py = slf.py();
        let dir = OBJECT_DIR.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py
                .import("builtins")?
                .getattr("object")?
                .getattr("__dir__")?
                .unbind())
        })?;
        let mut names: Vec<String> = dir.bind(py).call1((slf,))?.extract()?;
        let this = slf.get();
        names.extend(this.snake_names()?);
        names.extend(this.kind.declared_names().map(str::to_owned));
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let this = slf.get();
        let f = py.import("helpscout._core")?.getattr("_record_from_json")?;
        let args = (
            this.kind.class_name(),
            this.doc.slice(&this.span),
            this.context.class_name(),
        );
        PyTuple::new(py, [f, args.into_pyobject(py)?.into_any()])
    }

    /// Records are mutable in the original and compare by value, so they are unhashable.
    #[classattr]
    fn __hash__(py: Python<'_>) -> Py<PyAny> {
        py.None()
    }
}

/// Create the Python object for a record, as the class its kind names.
pub(crate) fn instantiate(py: Python<'_>, rec: Record) -> PyResult<Py<PyAny>> {
    macro_rules! dispatch {
        ($($k:ident),*) => {
            match rec.kind {
                Kind::Record => Ok(Py::new(py, rec)?.into_any()),
                Kind::Option => Ok(Py::new(py, PyClassInitializer::from(rec).add_subclass(DropdownOption))?.into_any()),
                $(Kind::$k => Ok(Py::new(py, PyClassInitializer::from(rec).add_subclass($k))?.into_any()),)*
            }
        };
    }
    dispatch!(
        Embedded,
        Conversation,
        Thread,
        Customer,
        Person,
        User,
        Rating,
        Source,
        MailboxRef,
        Attachment,
        Tag,
        Field,
        CustomField,
        Email,
        Phone,
        Chat,
        BeaconChat,
        SocialProfile,
        Website,
        Address,
        Organization,
        UserStatus,
        SurveyResponse,
        Deleted,
        Ping,
        Folder,
        Mailbox,
        Workflow,
        SearchConversation,
        SearchCustomer,
        BaseConversation,
        AttachmentData
    )
}

fn kind_named(name: &str) -> Kind {
    Kind::from_class_name(name).unwrap_or(Kind::Record)
}

/// A nested object stored under `key` in a record routed by `context`.
pub(crate) fn new_child(
    py: Python<'_>,
    doc: &Document,
    span: Span,
    context: Kind,
    key: &str,
) -> PyResult<Py<PyAny>> {
    let (kind, ctx) = context.route(key);
    instantiate(py, Record::new(doc.clone(), span, None, kind, ctx))
}

/// A top-level record of `kind` for a parsed document.
pub(crate) fn top_level(
    py: Python<'_>,
    doc: Document,
    members: Vec<Member>,
    kind: Kind,
) -> PyResult<Py<PyAny>> {
    let span = 0..doc.text().len();
    instantiate(py, Record::new(doc, span, Some(members), kind, kind))
}

/// A record of the class called `class_name` from JSON text (pickle, `WebHookEvent`).
pub(crate) fn from_json_text(
    py: Python<'_>,
    class_name: &str,
    text: String,
    context: &str,
) -> PyResult<Py<PyAny>> {
    let kind = Kind::from_class_name(class_name).ok_or_else(|| {
        HelpScoutValidationException::new_err(format!("unknown record class {class_name:?}"))
    })?;
    let context = Kind::from_class_name(context).unwrap_or(kind);
    let (doc, members) = Document::from_json_text(text).map_err(payload_err)?;
    let span = 0..doc.text().len();
    instantiate(py, Record::new(doc, span, Some(members), kind, context))
}

/// A record of `kind` from a Python dict of API fields.
pub(crate) fn from_api_dict(
    py: Python<'_>,
    kind: Kind,
    data: &Bound<'_, PyDict>,
) -> PyResult<Py<PyAny>> {
    instantiate(py, Record::kwargs_record(kind, Some(data), false)?)
}

macro_rules! record_classes {
    ($($name:ident = $kind:literal: $doc:literal),* $(,)?) => {$(
        #[doc = $doc]
        #[pyclass(extends = Record, subclass, frozen, module = "helpscout._core", name = $kind)]
        pub struct $name;

        #[pymethods]
        impl $name {
            #[new]
            #[pyo3(signature = (**kwargs))]
            fn py_new(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<PyClassInitializer<Self>> {
                Ok(PyClassInitializer::from(Record::kwargs_record(kind_named($kind), kwargs, true)?).add_subclass($name))
            }
        }
    )*};
}

record_classes! {
    Embedded = "Embedded": "An `_embedded` HAL object; its members are typed by the record that owns it.",
    Conversation = "Conversation": "A conversation (v2 or legacy v1 payload).",
    Thread = "Thread": "A conversation thread: a reply, note, line item, chat or phone entry.",
    Customer = "Customer": "A customer (v2 or legacy v1 payload).",
    Person = "Person": "A reference to a customer, user or team inside another record.",
    User = "User": "A Help Scout user.",
    Rating = "Rating": "A satisfaction rating.",
    Source = "Source": "Where a conversation or thread came from (`type`, `via`).",
    MailboxRef = "MailboxRef": "A reference to a mailbox (legacy v1 `{id, name}`).",
    Attachment = "Attachment": "A file attached to a thread.",
    Tag = "Tag": "A tag (full v2 tag, or the short `{id, color, tag}` form inside a conversation).",
    Field = "Field": "A custom field value on a conversation or chat.",
    CustomField = "CustomField": "A custom field definition.",
    Email = "Email": "A customer email address.",
    Phone = "Phone": "A customer phone number.",
    Chat = "Chat": "A customer chat handle (`value`, `type`); Beacon chats are `BeaconChat`.",
    BeaconChat = "BeaconChat": "A Beacon (live) chat.",
    SocialProfile = "SocialProfile": "A customer social profile.",
    Website = "Website": "A customer website.",
    Address = "Address": "A customer address.",
    Organization = "Organization": "An organization.",
    UserStatus = "UserStatus": "A user's availability (`user.status.changed`).",
    SurveyResponse = "SurveyResponse": "A survey response (`message.survey.response.received`).",
    Deleted = "Deleted": "The body of a delete event: the id of what was deleted.",
    Ping = "Ping": "The body of a `helpscout.test` delivery.",
    DropdownOption = "Option": "A dropdown option of a custom field definition.",
    Folder = "Folder": "A mailbox folder.",
    Mailbox = "Mailbox": "A mailbox.",
    Workflow = "Workflow": "A workflow.",
    SearchConversation = "SearchConversation": "A conversation as returned by search.",
    SearchCustomer = "SearchCustomer": "A customer as returned by search.",
    BaseConversation = "BaseConversation": "The fields every conversation shape has.",
    AttachmentData = "AttachmentData": "Attachment data (base64).",
}
