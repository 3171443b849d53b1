//! The record classes, one per kind, generated from the kind registry
//! (`crate::models::with_kinds`): their definitions, the dispatch that instantiates the
//! right one, their registration in `_core`, and `_core.KINDS`.

use super::Record;
use crate::models::{with_kinds, Kind};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use pyo3::PyClassInitializer;

/// Each kind's class object, in `Kind::ALL` order (filled at module init), for the exact
/// type check `__getattribute__` makes on every read.
static CLASSES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();

/// Whether `obj`'s type is exactly the class of `kind` (not a Python subclass).
pub(crate) fn is_exact_class(obj: &Bound<'_, PyAny>, kind: Kind) -> bool {
    let py = obj.py();
    match CLASSES.get(py) {
        Some(classes) => Kind::ALL
            .iter()
            .position(|k| *k == kind)
            .and_then(|i| classes.get(i))
            .is_some_and(|c| obj.get_type().is(c.bind(py))),
        None => false,
    }
}

/// The kind of a class object: the first class in its MRO that is one of ours.
pub(crate) fn kind_of_class(cls: &Bound<'_, PyType>) -> PyResult<Kind> {
    let py = cls.py();
    if let Some(classes) = CLASSES.get(py) {
        for base in cls.getattr("__mro__")?.cast::<PyTuple>()?.iter() {
            if let Some(i) = classes.iter().position(|c| base.is(c.bind(py))) {
                return Ok(Kind::ALL[i]);
            }
        }
    }
    Ok(Kind::Record)
}

macro_rules! define_classes {
    ($($kind:ident => $class:literal: $doc:literal),* $(,)?) => {
        $(
            #[doc = $doc]
            #[pyclass(extends = Record, subclass, frozen, module = "helpscout._core", name = $class)]
            pub struct $kind;

            #[pymethods]
            impl $kind {
                #[new]
                #[pyo3(signature = (**kwargs))]
                fn py_new(
                    kwargs: ::std::option::Option<&Bound<'_, PyDict>>,
                ) -> PyResult<PyClassInitializer<Self>> {
                    Ok(PyClassInitializer::from(Record::kwargs_record(Kind::$kind, kwargs, true)?)
                        .add_subclass($kind))
                }
            }
        )*

        /// Create the Python object for a record, as the class its kind names.
        pub(crate) fn instantiate(py: Python<'_>, rec: Record) -> PyResult<Py<PyAny>> {
            match rec.kind {
                Kind::Record => Ok(Py::new(py, rec)?.into_any()),
                $(Kind::$kind => Ok(Py::new(py, PyClassInitializer::from(rec).add_subclass($kind))?.into_any()),)*
            }
        }

        /// Add every record class to the module, and `KINDS` (their names, `Record` first).
        pub(crate) fn register_classes(m: &Bound<'_, PyModule>) -> PyResult<()> {
            let py = m.py();
            m.add_class::<Record>()?;
            $(m.add_class::<$kind>()?;)*
            let classes = vec![
                py.get_type::<Record>().unbind(),
                $(py.get_type::<$kind>().unbind(),)*
            ];
            let _ = CLASSES.set(py, classes);
            m.add("KINDS", PyTuple::new(py, Kind::ALL.iter().map(|k| k.class_name()))?)?;
            // The declared field names, interned now rather than on the first read.
            super::names::intern_declared(py)
        }
    };
}

with_kinds!(define_classes);
