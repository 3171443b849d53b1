//! The Python protocol of records and their public methods.

use super::classes::{is_exact_class, kind_of_class};
use super::names::{is_class_attribute, name_of, Name};
use super::{instantiate, Record};
use crate::bindings::convert::{json_dumps, serialize_value, Dates};
use crate::bindings::error::argument;
use crate::models::{self, Kind};
use crate::payload::Document;
use pyo3::exceptions::{PyAttributeError, PyKeyError};
use pyo3::prelude::*;
use pyo3::pyclass::{PyTraverseError, PyVisit};
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};
use std::hash::{Hash, Hasher};

static OBJECT_GETATTRIBUTE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static OBJECT_DIR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
fn object_method<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    name: &str,
) -> PyResult<&'py Bound<'py, PyAny>> {
    cell.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py
            .import("builtins")?
            .getattr("object")?
            .getattr(name)?
            .unbind())
    })
    .map(|f| f.bind(py))
}

fn generic_getattr<'py>(
    slf: &Bound<'py, PyAny>,
    name: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyAny>> {
    object_method(slf.py(), &OBJECT_GETATTRIBUTE, "__getattribute__")?.call1((slf, name))
}

fn read_only_name(kind: Kind, name: &str) -> PyErr {
    PyAttributeError::new_err(format!(
        "'{name}' is a method of {} records and cannot be replaced; set the field as an item: record[{name:?}] = value",
        kind.class_name()
    ))
}

fn bool_obj(py: Python<'_>, b: bool) -> PyResult<Py<PyAny>> {
    Ok(b.into_pyobject(py)?.to_owned().into_any().unbind())
}

#[pymethods]
impl Record {
    #[new]
    #[pyo3(signature = (**kwargs))]
    fn py_new(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Record::kwargs_record(Kind::Record, kwargs, true)
    }

    /// What the garbage collector must see: the dicts of cached and assigned values. A
    /// handler that hangs an object on a record which refers back to it (`record.ctx = ctx`)
    /// makes a cycle; the collector breaks it by clearing those dicts.
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        self.traverse_dicts(visit)
    }

    fn __getattribute__<'py>(
        slf: &Bound<'py, Self>,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let Some(Name {
            text: n,
            class_attribute,
        }) = name_of(py, name)?
        else {
            // A name with a lone surrogate is no field name; Python's own lookup answers.
            return generic_getattr(slf.as_any(), name);
        };
        // The class's own names first (methods, dunders, and anything a Python subclass
        // adds); a JSON key of the same name is still reachable as an item.
        if class_attribute || !is_exact_class(slf.as_any(), this.kind) {
            return match generic_getattr(slf.as_any(), name) {
                Err(e) if e.is_instance_of::<PyAttributeError>(py) => {
                    match this.field(py, name)? {
                        Some(v) => Ok(v.into_bound(py)),
                        None => Err(e),
                    }
                }
                other => other,
            };
        }
        if let Some(v) = this.cached(py, name)? {
            return Ok(v);
        }
        if let Some(v) = this.assigned_value(py, &n)? {
            return Ok(v.into_bound(py));
        }
        if let Some(v) = this.field_uncached(py, name, &n)? {
            return Ok(v.into_bound(py));
        }
        generic_getattr(slf.as_any(), name)
    }

    /// Fields can be assigned (`record.res_id = 42`); `to_api()` and `serialize()` then
    /// carry the new value. The body the record was read from never changes.
    fn __setattr__(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyString>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let n = name
            .to_cow()
            .map_err(|_| argument("a field name cannot hold a lone surrogate"))?;
        if is_class_attribute(py, &n)? {
            return Err(read_only_name(self.kind, &n));
        }
        self.assign(py, name, value)
    }

    fn __delattr__(&self, py: Python<'_>, name: &Bound<'_, PyString>) -> PyResult<()> {
        if self.unassign(py, name)? {
            return Ok(());
        }
        Err(PyAttributeError::new_err(format!(
            "only assigned fields can be deleted; '{}' comes from the payload",
            name.to_string_lossy()
        )))
    }

    fn __getitem__(&self, py: Python<'_>, key: &Bound<'_, PyString>) -> PyResult<Py<PyAny>> {
        match self.field(py, key)? {
            Some(v) => Ok(v),
            None => Err(PyKeyError::new_err(format!(
                "The field \"{}\" does not exist on \"{}\"",
                key.to_string_lossy(),
                self.kind.class_name()
            ))),
        }
    }

    fn __setitem__(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyString>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        if key.to_cow().is_err() {
            return Err(argument("a field name cannot hold a lone surrogate"));
        }
        self.assign(py, key, value)
    }

    fn __delitem__(&self, py: Python<'_>, key: &Bound<'_, PyString>) -> PyResult<()> {
        if self.unassign(py, key)? {
            return Ok(());
        }
        Err(PyKeyError::new_err(format!(
            "only assigned fields can be deleted; \"{}\" comes from the payload",
            key.to_string_lossy()
        )))
    }

    fn __contains__(&self, py: Python<'_>, key: &Bound<'_, PyString>) -> PyResult<bool> {
        match key.to_cow() {
            Ok(k) => Ok(self.assigned_value(py, &k)?.is_some() || self.view()?.contains(&k)?),
            Err(_) => Ok(self.surrogate_key_field(py, key)?.is_some()),
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

    /// The JSON object: the same keys and values as `json.loads` of the body, with any
    /// assigned fields written in.
    fn to_api<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.to_api_value(py)
    }

    /// The record as the original library serialized it: snake_case keys, nested records
    /// as dicts, and `"__class__"` naming each record's class.
    fn serialize(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.serialize_to(py, Dates::Keep, true)
    }

    /// Plain Python for `pandas.DataFrame` and `json_normalize`: snake_case keys, nested
    /// records as dicts, timestamps as `datetime`.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.serialize_to(py, Dates::Convert, false)
    }

    /// The JSON text this record was read from (exact bytes of its span); with assigned
    /// fields, the JSON of `to_api()`.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        if self.is_modified(py, 0)? {
            return json_dumps(&self.to_api_value(py)?);
        }
        Ok(self.json_text().to_owned())
    }

    /// The snake_case names of the fields the payload carries, in payload order, then
    /// assigned ones.
    fn keys(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let mut names: Vec<String> = self
            .view()?
            .snake_names()
            .into_iter()
            .map(|n| n.into_owned())
            .collect();
        if let Some(a) = self.assigned_dict(py) {
            for k in a.keys() {
                let k: String = k.extract()?;
                if !names.contains(&k) {
                    names.push(k);
                }
            }
        }
        Ok(names)
    }

    /// A copy that holds only this record's own JSON, so a small record kept for long does
    /// not keep the whole delivery body alive (a nested record shares its body).
    fn detach(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let text = if this.is_modified(py, 0)? {
            json_dumps(&this.to_api_value(py)?)?
        } else {
            this.json_text().to_owned()
        };
        let doc = Document::from_json_text(text)?;
        let span = 0..doc.text().len();
        instantiate(py, Record::new(doc, span, this.kind, this.context))
    }

    /// Check what can be checked: every field can be read. Returns True, as the original's
    /// `validate()` did; a payload Help Scout sends always validates.
    fn validate(&self, py: Python<'_>) -> PyResult<bool> {
        for m in self.view()?.fields.members() {
            self.read(py, m)?;
        }
        Ok(true)
    }

    /// Whether `other` holds the same values (the original's `equal`).
    fn equal(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let eq = self.__eq__(py, other)?;
        let eq = eq.bind(py);
        // Not a record: not equal (NotImplemented is no answer).
        Ok(!eq.is(py.NotImplemented().bind(py)) && eq.is_truthy()?)
    }

    /// The mapping without its `None` values (the original's static helper).
    #[staticmethod]
    fn get_non_empty_vals<'py>(mapping: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
        let py = mapping.py();
        let out = PyDict::new(py);
        let items = mapping.call_method0("items")?;
        for item in items.try_iter()? {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
            if !v.is_none() {
                out.set_item(k, v)?;
            }
        }
        Ok(out)
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
            return bool_obj(py, false);
        }
        let plain = !self.is_modified(py, 0)? && !o.is_modified(py, 0)?;
        if plain && self.json_text() == o.json_text() {
            return bool_obj(py, true);
        }
        bool_obj(py, self.to_api_value(py)?.eq(o.to_api_value(py)?)?)
    }

    fn __ne__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let eq = self.__eq__(py, other)?;
        let b = eq.bind(py);
        if b.is(py.NotImplemented().bind(py)) {
            return Ok(eq);
        }
        bool_obj(py, !b.is_truthy()?)
    }

    /// Records hash by value, consistently with `==` (the original hashed by identity, so
    /// `{record: 1}` and sets keep working). A record changed after it was used as a key is
    /// not found again under it.
    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.kind.class_name().hash(&mut h);
        let value = if self.is_modified(py, 0)? {
            json_dumps(&self.to_api_value(py)?)
                .ok()
                .and_then(|t| Document::from_json_text(t).ok())
                .and_then(|doc| crate::record::value_hash(&doc, &(0..doc.text().len())).ok())
        } else {
            crate::record::value_hash(&self.doc, &self.span).ok()
        };
        // Unhashable content (never from a payload) falls back to the kind alone, which
        // is still consistent with equality.
        value.unwrap_or(0).hash(&mut h);
        Ok(h.finish() as isize)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        super::repr::repr(self, py)
    }

    /// A table of the fields for Jupyter and other notebooks.
    fn _repr_html_(&self, py: Python<'_>) -> PyResult<String> {
        super::repr::html(self, py, 0)
    }

    fn __dir__(slf: &Bound<'_, Self>) -> PyResult<Vec<String>> {
        let py = slf.py();
        let dir = object_method(py, &OBJECT_DIR, "__dir__")?;
        let mut names: Vec<String> = dir.call1((slf,))?.extract()?;
        let this = slf.get();
        names.extend(this.keys(py)?);
        names.extend(this.kind.declared_names().map(str::to_owned));
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let this = slf.get();
        let f = py.import("helpscout._core")?.getattr("_record_from_json")?;
        let text = if this.is_modified(py, 0)? {
            json_dumps(&this.to_api_value(py)?)?
        } else {
            this.json_text().to_owned()
        };
        let args = (this.kind.class_name(), text, this.context.class_name());
        PyTuple::new(py, [f, args.into_pyobject(py)?.into_any()])
    }
}

impl Record {
    fn serialize_to(&self, py: Python<'_>, dates: Dates, with_class: bool) -> PyResult<Py<PyAny>> {
        let _nesting = super::RecordNesting::enter(self.kind)?;
        let out = PyDict::new(py);
        let view = self.view()?;
        for m in view.fields.members() {
            let key = self.doc.key(m);
            out.set_item(
                models::to_snake_case(key),
                serialize_value(
                    py,
                    &self.doc,
                    &m.value(),
                    key,
                    self.context,
                    dates,
                    with_class,
                    0,
                )?,
            )?;
        }
        'changed: for (name, value) in self.changed(py)? {
            let plain = serialize_plain(&value, dates, with_class, 0)?;
            // Where the body's member was written: under its snake_case key, inside the
            // objects of a multi-key alias (v2 `threads` is `_embedded.threads`); a name
            // read as `record["firstName"]` is the same member as `first_name`.
            let Some(text) = name
                .cast::<PyString>()
                .ok()
                .and_then(|n| n.to_cow().ok())
                .map(|t| t.into_owned())
            else {
                out.set_item(&name, plain)?;
                continue;
            };
            let path: Vec<String> = view
                .api_path(&text)
                .iter()
                .map(|k| models::to_snake_case(k).into_owned())
                .collect();
            let Some((last, parents)) = path.split_last() else {
                out.set_item(models::to_snake_case(&text), plain)?;
                continue;
            };
            let mut target = out.clone();
            for key in parents {
                match target.get_item(key)? {
                    Some(d) if d.is_exact_instance_of::<PyDict>() => {
                        target = d.cast_into::<PyDict>()?
                    }
                    // The alias's objects are not in the body: at the top, under its name.
                    _ => {
                        out.set_item(models::to_snake_case(&text), &plain)?;
                        continue 'changed;
                    }
                }
            }
            target.set_item(last, plain)?;
        }
        if with_class {
            out.set_item("__class__", self.kind.class_name())?;
        }
        Ok(out.into_any().unbind())
    }
}

/// An assigned value in `serialize()`/`to_dict()` form: records as dicts, lists mapped.
fn serialize_plain(
    value: &Bound<'_, PyAny>,
    dates: Dates,
    with_class: bool,
    depth: usize,
) -> PyResult<Py<PyAny>> {
    let py = value.py();
    if depth > crate::limits::MAX_DEPTH {
        return Err(argument(format!(
            "a value is nested more than {} levels deep, or refers to itself",
            crate::limits::MAX_DEPTH
        )));
    }
    if let Ok(r) = value.cast::<Record>() {
        return r.get().serialize_to(py, dates, with_class);
    }
    if let Ok(list) = value.cast::<pyo3::types::PyList>() {
        let out = pyo3::types::PyList::empty(py);
        for item in list.iter() {
            out.append(serialize_plain(&item, dates, with_class, depth + 1)?)?;
        }
        return Ok(out.into_any().unbind());
    }
    Ok(value.clone().unbind())
}
