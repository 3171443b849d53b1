//! A record's cache of converted values, by the exact name they were read under.
//!
//! Most records are read once: a thread whose body is read, an email whose value is, the
//! customer of a conversation. The first value a record converts is kept in a slot of its
//! own, and a dict is made only for the second; a record read once never makes one
//! (creating, filling and freeing a dict is about 500 instructions, a third of a nested
//! read).

use super::names;
use crate::models;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// A dict a record creates when it first needs it. A plain `OnceLock` filled with a dict
/// made beforehand: creating a dict cannot block, so the cell never needs to let go of the
/// GIL while it waits (as `PyOnceLock` does, at a cost on every record's first read), and
/// no Python code runs while the cell is being filled.
#[derive(Default)]
pub(super) struct DictCell(OnceLock<Py<PyDict>>);

impl DictCell {
    /// The dict, if made (reading it needs no Python token, so the garbage collector's
    /// traversal may call this too).
    pub(super) fn get(&self) -> Option<&Py<PyDict>> {
        self.0.get()
    }

    pub(super) fn get_or_create<'py>(&self, py: Python<'py>) -> &Bound<'py, PyDict> {
        if let Some(d) = self.0.get() {
            return d.bind(py);
        }
        // Made outside the cell; if another thread fills it first, this one is dropped.
        let fresh = PyDict::new(py).unbind();
        self.0.get_or_init(|| fresh).bind(py)
    }
}

/// Values already converted (and fields assigned), by the exact `str` they were read
/// under: the first in a slot, the others in a dict.
#[derive(Default)]
pub(super) struct Cache {
    /// The first value converted, and the name it was read under (an exact `str`).
    first: OnceLock<(Py<PyString>, Py<PyAny>)>,
    /// Set for good when `first` no longer holds: its field was assigned or deleted. Its
    /// objects stay referenced (and traversed) until the record goes.
    first_gone: AtomicBool,
    rest: DictCell,
}

impl Cache {
    fn first(&self) -> Option<&(Py<PyString>, Py<PyAny>)> {
        if self.first_gone.load(Ordering::Acquire) {
            return None;
        }
        self.first.get()
    }

    /// Whether `key` (an exact `str`) is the slot's name: the same object (attribute names
    /// are interned) or the same text (a `str`'s hash is kept in it, so two hashes tell
    /// most other names apart without comparing text).
    fn first_is(py: Python<'_>, name: &Py<PyString>, key: &Bound<'_, PyString>) -> PyResult<bool> {
        if name.is(key) {
            return Ok(true);
        }
        let name = name.bind(py);
        Ok(name.hash()? == key.hash()? && name.as_any().eq(key)?)
    }

    /// The value cached under `name`.
    pub(super) fn get<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let first = self.first();
        let rest = self.rest.get();
        if first.is_none() && rest.is_none() {
            return Ok(None);
        }
        let key = names::exact_str(name);
        if let Some((n, v)) = first {
            if Self::first_is(py, n, &key)? {
                return Ok(Some(v.bind(py).clone()));
            }
        }
        match rest {
            Some(d) => d.bind(py).get_item(key),
            None => Ok(None),
        }
    }

    /// Keep `value`, just converted for `name`.
    pub(super) fn insert(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyString>,
        value: &Py<PyAny>,
    ) -> PyResult<()> {
        let key = names::exact_str(name);
        if self.first.get().is_none() && !self.first_gone.load(Ordering::Acquire) {
            let _ = self.first.set((key.clone().unbind(), value.clone_ref(py)));
            if self.first.get().is_some_and(|(n, _)| n.is(&key)) {
                return Ok(());
            }
        }
        self.rest.get_or_create(py).set_item(key, value)
    }

    /// Keep an assigned `value` under the snake_case name `key` (after [`Cache::forget`]).
    pub(super) fn insert_assigned(
        &self,
        py: Python<'_>,
        key: &str,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        self.rest.get_or_create(py).set_item(key, value)
    }

    /// Drop the value cached under exactly `name`.
    pub(super) fn remove(&self, py: Python<'_>, name: &Bound<'_, PyString>) -> PyResult<()> {
        let key = names::exact_str(name);
        if let Some((n, _)) = self.first() {
            if Self::first_is(py, n, &key)? {
                self.first_gone.store(true, Ordering::Release);
            }
        }
        if let Some(d) = self.rest.get() {
            let _ = d.bind(py).del_item(key);
        }
        Ok(())
    }

    /// Drop the values read under any spelling of the snake_case name `key`.
    pub(super) fn forget(&self, py: Python<'_>, key: &str) -> PyResult<()> {
        let spelled_as_key = |s: &Bound<'_, PyString>| {
            s.to_cow()
                .ok()
                .is_some_and(|t| models::to_snake_case(&t) == key)
        };
        if let Some((n, _)) = self.first() {
            if spelled_as_key(n.bind(py)) {
                self.first_gone.store(true, Ordering::Release);
            }
        }
        let Some(cache) = self.rest.get() else {
            return Ok(());
        };
        let cache = cache.bind(py);
        let stale: Vec<Bound<'_, PyAny>> = cache
            .keys()
            .iter()
            .filter(|k| k.cast::<PyString>().is_ok_and(&spelled_as_key))
            .collect();
        for k in stale {
            cache.del_item(k)?;
        }
        Ok(())
    }

    /// Every cached name and value.
    pub(super) fn items<'py>(
        &self,
        py: Python<'py>,
    ) -> Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let mut out = Vec::new();
        if let Some((n, v)) = self.first() {
            out.push((n.bind(py).clone().into_any(), v.bind(py).clone()));
        }
        if let Some(d) = self.rest.get() {
            out.extend(d.bind(py).iter());
        }
        out
    }

    /// Show the garbage collector what the cache holds.
    pub(super) fn traverse(
        &self,
        visit: &pyo3::pyclass::PyVisit<'_>,
    ) -> Result<(), pyo3::pyclass::PyTraverseError> {
        if let Some((n, v)) = self.first.get() {
            visit.call(n)?;
            visit.call(v)?;
        }
        if let Some(d) = self.rest.get() {
            visit.call(d)?;
        }
        Ok(())
    }
}
