//! `WebHookEvent`: an authenticated delivery, its event name and its typed record.

use super::record::{from_api_dict, Record};
use super::HelpScoutValidationException;
use crate::events;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// An authenticated webhook delivery: `event_type` (the `X-HelpScout-Event` header) and
/// `record`, the body parsed into the record class for that event.
#[pyclass(frozen, subclass, module = "helpscout._core")]
pub struct WebHookEvent {
    event_type: Option<String>,
    record: Py<PyAny>,
    secret_index: Option<usize>,
}

impl WebHookEvent {
    pub(crate) fn received(
        event_type: Option<String>,
        record: Py<PyAny>,
        secret_index: usize,
    ) -> Self {
        WebHookEvent {
            event_type,
            record,
            secret_index: Some(secret_index),
        }
    }
}

#[pymethods]
impl WebHookEvent {
    /// `record` may be a record (kept as is) or a dict of API fields, parsed into the class
    /// the event names (unknown events give a generic `Record`).
    #[new]
    #[pyo3(signature = (event_type = None, record = None))]
    fn py_new(
        py: Python<'_>,
        event_type: Option<String>,
        record: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let Some(record) = record else {
            return Err(HelpScoutValidationException::new_err(
                "WebHookEvent needs a record: a dict of API fields or a record object",
            ));
        };
        let record = if let Ok(d) = record.cast::<PyDict>() {
            let kind = events::record_kind(event_type.as_deref().unwrap_or(""));
            from_api_dict(py, kind, d)?
        } else if record.is_instance_of::<Record>() {
            record.unbind()
        } else {
            return Err(HelpScoutValidationException::new_err(format!(
                "WebHookEvent record must be a dict of API fields or a record object, not {}",
                record.get_type().name()?
            )));
        };
        Ok(WebHookEvent {
            event_type,
            record,
            secret_index: None,
        })
    }

    /// The event name from the `X-HelpScout-Event` header.
    #[getter]
    fn event_type(&self) -> Option<&str> {
        self.event_type.as_deref()
    }

    /// The parsed body.
    #[getter]
    fn record(&self, py: Python<'_>) -> Py<PyAny> {
        self.record.clone_ref(py)
    }

    /// Whether this is Help Scout's test delivery (`helpscout.test`).
    #[getter]
    fn is_test(&self) -> bool {
        self.event_type.as_deref().is_some_and(events::is_test)
    }

    /// Whether the event is in this library's catalogue.
    #[getter]
    fn is_known(&self) -> bool {
        self.event_type
            .as_deref()
            .and_then(events::lookup)
            .is_some()
    }

    /// The catalogue's description of the event, or `None` for an unknown event.
    #[getter]
    fn description(&self) -> Option<&'static str> {
        self.event_type
            .as_deref()
            .and_then(events::lookup)
            .map(|e| e.description)
    }

    /// For delete events, what was deleted (`conversation`, `customer`, `tag`, ...).
    #[getter]
    fn deleted_resource(&self) -> Option<&'static str> {
        self.event_type
            .as_deref()
            .and_then(events::deleted_resource)
    }

    /// The payload shape, `"v1"` (legacy) or `"v2"`, for conversations, customers and
    /// ratings; `None` for other records.
    #[getter]
    fn payload_version(&self, py: Python<'_>) -> PyResult<Option<&'static str>> {
        match self.record.bind(py).cast::<Record>() {
            Ok(r) => r.get().payload_version(),
            Err(_) => Ok(None),
        }
    }

    /// Which secret verified the delivery: 0 for the current one, 1.. for older ones given
    /// for rotation; `None` when the event was built in code.
    #[getter]
    fn secret_index(&self) -> Option<usize> {
        self.secret_index
    }

    /// A key for deduplicating deliveries (Help Scout delivers at least once and sends no
    /// delivery id): the SHA-256 hex digest of the event name and the exact body. The same
    /// delivery sent again has the same key; any change to the body gives another.
    #[getter]
    fn dedupe_key(&self, py: Python<'_>) -> PyResult<String> {
        let record = self.record.bind(py).cast::<Record>()?;
        let mut data = self.event_type.clone().unwrap_or_default().into_bytes();
        data.push(b'\n');
        data.extend_from_slice(record.get().json_text().as_bytes());
        let digest = py
            .import("hashlib")?
            .call_method1("sha256", (pyo3::types::PyBytes::new(py, &data),))?;
        digest.call_method0("hexdigest")?.extract()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let record = self.record.bind(py).repr()?;
        Ok(format!(
            "WebHookEvent(event_type={:?}, record={})",
            self.event_type.as_deref().unwrap_or("None"),
            record.to_cow()?
        ))
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let Ok(other) = other.cast::<WebHookEvent>() else {
            return Ok(py.NotImplemented());
        };
        let o = other.get();
        let eq = self.event_type == o.event_type && self.record.bind(py).eq(o.record.bind(py))?;
        Ok(eq.into_pyobject(py)?.to_owned().into_any().unbind())
    }

    #[classattr]
    fn __hash__(py: Python<'_>) -> Py<PyAny> {
        py.None()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let this = slf.get();
        let args = (this.event_type.clone(), this.record.clone_ref(py)).into_pyobject(py)?;
        PyTuple::new(py, [slf.get_type().into_any(), args.into_any()])
    }
}
