//! Conversions between JSON spans and Python objects, and Python values to JSON text.

use super::record::{new_child, Record};
use super::{payload_err, HelpScoutValidationException};
use crate::datetime::UtcDateTime;
use crate::models::{self, Kind};
use crate::payload::{Document, Scalar, Span};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{IntoPyDict, PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};

static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static JSON_LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
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
/// routing context is `context`. Objects become records of their own class.
pub(crate) fn value_to_py(
    py: Python<'_>,
    doc: &Document,
    span: &Span,
    key: &str,
    context: Kind,
    dates: Dates,
) -> PyResult<Py<PyAny>> {
    Ok(match doc.scalar(span).map_err(payload_err)? {
        Scalar::Null => py.None(),
        Scalar::Bool(b) => PyBool::new(py, b).to_owned().into_any().unbind(),
        Scalar::Int(i) => i.into_pyobject(py)?.into_any().unbind(),
        Scalar::BigInt(text) => {
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
        Scalar::Array(span) => {
            let items = doc.items(&span).map_err(payload_err)?;
            let list = PyList::empty(py);
            for item in &items {
                list.append(value_to_py(py, doc, item, key, context, dates)?)?;
            }
            list.into_any().unbind()
        }
        Scalar::Object(span) => new_child(py, doc, span, context, key)?,
    })
}

/// A Python value (from keyword arguments) as JSON; `camelize` turns dict keys from
/// snake_case into camelCase as the original `Model(**kwargs)` expected.
pub(crate) fn py_to_json(
    value: &Bound<'_, PyAny>,
    camelize: bool,
    path: &str,
) -> PyResult<serde_json::Value> {
    use serde_json::Value;
    let py = value.py();
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
        return Err(HelpScoutValidationException::new_err(format!(
            "{path}: the integer is too large to send as JSON (at most 64 bits)"
        )));
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        let v = f.value();
        return serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| {
                HelpScoutValidationException::new_err(format!("{path}: {v} is not a finite number"))
            });
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(r) = value.cast::<Record>() {
        let rec = r.get();
        return serde_json::from_str(rec.doc.slice(&rec.span))
            .map_err(|e| HelpScoutValidationException::new_err(format!("{path}: {e}")));
    }
    if let Ok(d) = value.cast::<PyDict>() {
        let mut map = serde_json::Map::new();
        for (k, v) in d.iter() {
            let k: String = match k.cast::<PyString>() {
                Ok(s) => s.to_cow()?.into_owned(),
                Err(_) => k.str()?.to_cow()?.into_owned(),
            };
            let child = format!("{path}.{k}");
            let key = if camelize {
                models::to_camel_case(&k)
            } else {
                k
            };
            map.insert(key, py_to_json(&v, camelize, &child)?);
        }
        return Ok(Value::Object(map));
    }
    if value.cast::<PyList>().is_ok() || value.cast::<PyTuple>().is_ok() {
        let mut out = Vec::new();
        for (i, item) in value.try_iter()?.enumerate() {
            out.push(py_to_json(&item?, camelize, &format!("{path}[{i}]"))?);
        }
        return Ok(Value::Array(out));
    }
    let dt = datetime_type(py)?;
    if value.is_instance(dt)? {
        // Naive datetimes are UTC, as the original assumed; aware ones are converted.
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
        return Ok(Value::String(
            naive.call_method1("strftime", (fmt,))?.extract()?,
        ));
    }
    let date = DATE.import(py, "datetime", "date")?;
    if value.is_instance(date)? {
        return Ok(Value::String(value.call_method0("isoformat")?.extract()?));
    }
    Err(HelpScoutValidationException::new_err(format!(
        "{path}: a value of type {} cannot be stored in a record (use str, int, float, bool, None, list, dict, datetime or a record)",
        value.get_type().name()?
    )))
}
