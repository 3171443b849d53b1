//! Conversions between JSON spans and Python objects, and Python values to JSON text.

use super::error::argument;
use super::record::{new_child, new_routed_child, Record};
use crate::datetime::UtcDateTime;
use crate::limits::MAX_DEPTH;
use crate::models::{self, Kind};
use crate::payload::JsonType;
use crate::payload::{Document, Scalar, Span};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{IntoPyDict, PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};

static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static JSON_LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static JSON_DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static INT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

pub(crate) fn datetime_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DATETIME.import(py, "datetime", "datetime")
}

pub(crate) fn json_loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    let loads = JSON_LOADS.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("json")?.getattr("loads")?.unbind())
    })?;
    loads.bind(py).call1((text,))
}

/// `json.dumps(value, ensure_ascii=False)`, for records whose fields were assigned.
pub(crate) fn json_dumps(value: &Bound<'_, PyAny>) -> PyResult<String> {
    let py = value.py();
    let dumps = JSON_DUMPS.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("json")?.getattr("dumps")?.unbind())
    })?;
    let kwargs = [("ensure_ascii", true), ("allow_nan", false)].into_py_dict(py)?;
    match dumps.bind(py).call((value,), Some(&kwargs)) {
        Ok(text) => text.extract(),
        // A NaN or infinity put into a list read from a record (assignment refuses them):
        // `json.dumps` would write `NaN`, which is not JSON.
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyValueError>(py) => Err(argument(format!(
            "the record cannot be written as JSON: {} (JSON has no NaN or infinity)",
            e.value(py)
        ))),
        Err(e) => Err(e),
    }
}

fn too_deep(path: &str) -> PyErr {
    argument(format!(
        "{path}: the value is nested more than {MAX_DEPTH} levels deep, or refers to itself"
    ))
}

fn datetime<'py>(py: Python<'py>, d: &UtcDateTime) -> PyResult<Bound<'py, PyAny>> {
    datetime_type(py)?.call1((
        d.year,
        d.month,
        d.day,
        d.hour,
        d.minute,
        d.second,
        d.microsecond,
    ))
}

/// How strings under timestamp keys are read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dates {
    /// ISO-8601 strings under timestamp keys become naive UTC `datetime`s.
    Convert,
    /// Strings stay strings (for `serialize()`).
    Keep,
}

/// The Python value of the JSON value at `span`, stored under `key` in a record whose
/// routing context is `context`. Objects become records of their own class. `depth` counts
/// the arrays already entered (documents are depth-limited when parsed; this is a guard).
pub(crate) fn value_to_py(
    py: Python<'_>,
    doc: &Document,
    span: &Span,
    key: &str,
    context: Kind,
    dates: Dates,
    depth: usize,
) -> PyResult<Py<PyAny>> {
    Ok(match doc.scalar(span)? {
        Scalar::Null => py.None(),
        Scalar::Bool(b) => PyBool::new(py, b).to_owned().into_any().unbind(),
        Scalar::Int(i) => i.into_pyobject(py)?.into_any().unbind(),
        Scalar::BigInt(text) => {
            // At most MAX_INT_DIGITS digits (refused when parsed), which Python converts.
            let int = INT.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
                Ok(py.import("builtins")?.getattr("int")?.unbind())
            })?;
            int.bind(py).call1((text,))?.unbind()
        }
        Scalar::Float(f) => PyFloat::new(py, f).into_any().unbind(),
        Scalar::Str(s) => {
            if dates == Dates::Convert && models::is_timestamp_key(key) {
                if let Some(d) = crate::datetime::parse(&s) {
                    return Ok(datetime(py, &d)?.unbind());
                }
            }
            PyString::new(py, &s).into_any().unbind()
        }
        // A lone surrogate escape: the same `str` that `json.loads` gives.
        Scalar::LoneSurrogate(literal) => json_loads(py, literal)?.unbind(),
        Scalar::Array(span) => {
            if depth >= MAX_DEPTH {
                return Err(too_deep(key));
            }
            let items = doc.items(&span)?;
            // Objects in one array are all routed alike: the kind is found once.
            let route = context.route(key);
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                values.push(if doc.json_type(&item) == JsonType::Object {
                    new_routed_child(py, doc, item, route)?
                } else {
                    value_to_py(py, doc, &item, key, context, dates, depth + 1)?
                });
            }
            PyList::new(py, values)?.into_any().unbind()
        }
        Scalar::Object(span) => new_child(py, doc, span, context, key)?,
    })
}

/// A value in `serialize()` form: objects as dicts of snake_case keys (with `__class__`
/// when `with_class`), arrays as lists.
#[allow(clippy::too_many_arguments)]
pub(crate) fn serialize_value(
    py: Python<'_>,
    doc: &Document,
    span: &Span,
    key: &str,
    context: Kind,
    dates: Dates,
    with_class: bool,
    depth: usize,
) -> PyResult<Py<PyAny>> {
    if depth >= MAX_DEPTH {
        return Err(too_deep(key));
    }
    match doc.json_type(span) {
        JsonType::Object => {
            let (child, ctx) = context.route(key);
            let out = PyDict::new(py);
            for m in doc.members(span)? {
                let k = doc.key(m);
                out.set_item(
                    models::to_snake_case(k),
                    serialize_value(py, doc, &m.value(), k, ctx, dates, with_class, depth + 1)?,
                )?;
            }
            if with_class {
                out.set_item("__class__", child.class_name())?;
            }
            Ok(out.into_any().unbind())
        }
        JsonType::Array => {
            let list = PyList::empty(py);
            for item in doc.items(span)? {
                list.append(serialize_value(
                    py,
                    doc,
                    &item,
                    key,
                    context,
                    dates,
                    with_class,
                    depth + 1,
                )?)?;
            }
            Ok(list.into_any().unbind())
        }
        _ => value_to_py(py, doc, span, key, context, dates, depth),
    }
}

/// A Python value as plain JSON-able Python (for `to_api()` of assigned fields): records
/// as their `to_api()`, datetimes as ISO-8601 UTC strings, containers mapped.
pub(crate) fn to_plain<'py>(
    value: &Bound<'py, PyAny>,
    depth: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let py = value.py();
    if depth > MAX_DEPTH {
        return Err(too_deep("value"));
    }
    if let Ok(r) = value.cast::<Record>() {
        return r.get().to_api_value(py);
    }
    if value.cast::<PyList>().is_ok() || value.cast::<PyTuple>().is_ok() {
        let out = PyList::empty(py);
        for item in value.try_iter()? {
            out.append(to_plain(&item?, depth + 1)?)?;
        }
        return Ok(out.into_any());
    }
    if let Ok(d) = value.cast::<PyDict>() {
        let out = PyDict::new(py);
        for (k, v) in d.iter() {
            out.set_item(k, to_plain(&v, depth + 1)?)?;
        }
        return Ok(out.into_any());
    }
    if value.is_instance(datetime_type(py)?)? {
        return Ok(PyString::new(py, &datetime_text(value)?).into_any());
    }
    Ok(value.clone())
}

/// A `datetime` as Help Scout writes it: UTC, `Z`, microseconds only when present.
fn datetime_text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    let py = value.py();
    let utc = py.import("datetime")?.getattr("timezone")?.getattr("utc")?;
    let naive = if value.getattr("tzinfo")?.is_none() {
        value.clone()
    } else {
        value.call_method1("astimezone", (utc,))?.call_method(
            "replace",
            (),
            Some(&[("tzinfo", py.None())].into_py_dict(py)?),
        )?
    };
    let fmt = if naive.getattr("microsecond")?.extract::<u32>()? == 0 {
        "%Y-%m-%dT%H:%M:%SZ"
    } else {
        "%Y-%m-%dT%H:%M:%S.%fZ"
    };
    naive.call_method1("strftime", (fmt,))?.extract()
}

/// A Python value (from keyword arguments) as JSON; `camelize` turns dict keys from
/// snake_case into camelCase as the original `Model(**kwargs)` expected. Nesting deeper
/// than `MAX_DEPTH` (which is what a value that contains itself does) is refused.
pub(crate) fn py_to_json(
    value: &Bound<'_, PyAny>,
    camelize: bool,
    path: &str,
    depth: usize,
) -> PyResult<serde_json::Value> {
    use serde_json::Value;
    let py = value.py();
    // The record's own object is level 1 of the document, so a value at `depth` sits at
    // level `depth + 1`: refused here rather than by the scanner, with a clear message.
    if depth >= MAX_DEPTH {
        return Err(too_deep(path));
    }
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(i) = value.cast::<PyInt>() {
        if let Ok(v) = i.extract::<i64>() {
            return Ok(Value::from(v));
        }
        if let Ok(v) = i.extract::<u64>() {
            return Ok(Value::from(v));
        }
        return Err(argument(format!(
            "{path}: the integer is too large to send as JSON (at most 64 bits)"
        )));
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        let v = f.value();
        return serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| argument(format!("{path}: {v} is not a finite number")));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(text_of(s, path)?));
    }
    if let Ok(r) = value.cast::<Record>() {
        return r.get().to_json_value(py);
    }
    if let Ok(d) = value.cast::<PyDict>() {
        let mut map = serde_json::Map::new();
        for (k, v) in d.iter() {
            let k: String = match k.cast::<PyString>() {
                Ok(s) => text_of(s, path)?,
                Err(_) => k.str()?.to_string_lossy().into_owned(),
            };
            let child = format!("{path}.{k}");
            let key = if camelize {
                models::to_camel_case(&k)
            } else {
                k
            };
            if map.contains_key(&key) {
                return Err(argument(format!(
                    "{child}: two arguments give the same field {key:?} (e.g. first_name= and firstName=); pass one"
                )));
            }
            map.insert(key, py_to_json(&v, camelize, &child, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if value.cast::<PyList>().is_ok() || value.cast::<PyTuple>().is_ok() {
        let mut out = Vec::new();
        for (i, item) in value.try_iter()?.enumerate() {
            out.push(py_to_json(
                &item?,
                camelize,
                &format!("{path}[{i}]"),
                depth + 1,
            )?);
        }
        return Ok(Value::Array(out));
    }
    if value.is_instance(datetime_type(py)?)? {
        return Ok(Value::String(datetime_text(value)?));
    }
    let date = DATE.import(py, "datetime", "date")?;
    if value.is_instance(date)? {
        return Ok(Value::String(value.call_method0("isoformat")?.extract()?));
    }
    Err(argument(format!(
        "{path}: a value of type {} cannot be stored in a record (use str, int, float, bool, None, list, dict, datetime or a record)",
        value.get_type().name()?
    )))
}

fn text_of(s: &Bound<'_, PyString>, path: &str) -> PyResult<String> {
    match s.to_cow() {
        Ok(t) => Ok(t.into_owned()),
        Err(_) => Err(argument(format!(
            "{path}: the text holds a lone surrogate (\\ud800-\\udfff), which JSON sent to Help Scout cannot carry"
        ))),
    }
}
