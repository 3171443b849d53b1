//! `WebHookEvent`: an authenticated delivery, its event name and its typed record.

use super::error::argument;
use super::record::{from_api_dict, top_level, Record};
use crate::events;
use crate::payload::{Document, Encoding};
use pyo3::prelude::*;
use pyo3::pyclass::{PyTraverseError, PyVisit};
use pyo3::types::{IntoPyDict, PyBytes, PyDict, PyString, PyTuple};

/// An authenticated webhook delivery: `event_type` (the `X-HelpScout-Event` header) and
/// `record`, the body parsed into the record class for that event.
#[pyclass(frozen, subclass, module = "helpscout._core")]
pub struct WebHookEvent {
    event_type: Option<String>,
    record: Py<PyAny>,
    secret_index: Option<usize>,
    signature: Option<String>,
    /// The body's bytes when they are not plain UTF-8 (a byte-order mark, UTF-16/32): the
    /// record holds the decoded text, and the envelope must carry the bytes as sent.
    raw: Option<Py<PyBytes>>,
}

impl WebHookEvent {
    pub(crate) fn received(
        py: Python<'_>,
        event_type: Option<String>,
        record: Py<PyAny>,
        secret_index: usize,
        signature: Option<String>,
        raw: Option<&[u8]>,
    ) -> Self {
        WebHookEvent {
            event_type,
            record,
            secret_index: Some(secret_index),
            signature,
            raw: raw.map(|b| PyBytes::new(py, b).unbind()),
        }
    }

    fn record_of<'a>(&'a self, py: Python<'a>) -> Option<&'a Record> {
        self.record.bind(py).cast::<Record>().ok().map(|r| r.get())
    }

    /// The body as sent: the raw bytes if kept, else the record's exact text.
    fn body_bytes(&self, py: Python<'_>) -> Vec<u8> {
        match &self.raw {
            Some(raw) => raw.bind(py).as_bytes().to_vec(),
            None => self
                .record_of(py)
                .map(|r| r.json_text().as_bytes().to_vec())
                .unwrap_or_default(),
        }
    }
}

#[pymethods]
impl WebHookEvent {
    /// The record (and kept bytes) for the garbage collector: a handler that stores the
    /// event on its own record (`event.record.event = event`) makes a cycle through both.
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.record)?;
        if let Some(raw) = &self.raw {
            visit.call(raw)?;
        }
        Ok(())
    }

    /// `record` may be a record (kept as is) or a dict of API fields, parsed into the class
    /// the event names (unknown events give a generic `Record`).
    #[new]
    #[pyo3(signature = (event_type = None, record = None))]
    fn py_new(
        py: Python<'_>,
        event_type: Option<&Bound<'_, PyAny>>,
        record: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let event_type = event_type
            .filter(|e| !e.is_none())
            .map(|e| super::verifier::text_arg(e, "event_type"))
            .transpose()?;
        let Some(record) = record else {
            return Err(argument(
                "WebHookEvent needs a record: a dict of API fields or a record object",
            ));
        };
        let record = if let Ok(d) = record.cast::<PyDict>() {
            let kind = events::record_kind(event_type.as_deref().unwrap_or(""));
            from_api_dict(py, kind, d)?
        } else if record.is_instance_of::<Record>() {
            record.unbind()
        } else {
            return Err(argument(format!(
                "WebHookEvent record must be a dict of API fields or a record object, not {}",
                record.get_type().name()?
            )));
        };
        Ok(WebHookEvent {
            event_type,
            record,
            secret_index: None,
            signature: None,
            raw: None,
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

    /// The `X-HelpScout-Signature` the delivery was verified with (`None` for events built
    /// in code).
    #[getter]
    fn signature(&self) -> Option<&str> {
        self.signature.as_deref()
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
        match self.record_of(py) {
            Some(r) => r.payload_version(),
            None => Ok(None),
        }
    }

    /// Whether the body has the shape of the event's family (a conversation under
    /// `convo.*`, only an id under `*.deleted`, ...). The event header is not signed, so a
    /// signed body can be replayed under another event's name; endpoints can refuse a
    /// mismatch (`refuse_mismatch=True`). Unknown events always match.
    #[getter]
    fn shape_matches(&self, py: Python<'_>) -> PyResult<bool> {
        let Some(r) = self.record_of(py) else {
            return Ok(true);
        };
        let kind = events::record_kind(self.event_type.as_deref().unwrap_or(""));
        let view = r.view()?;
        Ok(kind.shape_matches(view.fields.members().iter().map(|m| view.doc.key(m))))
    }

    /// Which secret verified the delivery: 0 for `secret_key`, 1.. for `secret_keys`;
    /// `None` when the event was built in code.
    #[getter]
    fn secret_index(&self) -> Option<usize> {
        self.secret_index
    }

    /// A key for deduplicating deliveries (Help Scout delivers at least once and sends no
    /// delivery id): the SHA-256 hex digest of the event name, a line break and the exact
    /// body. The same delivery sent again has the same key; any change to the body gives
    /// another.
    #[getter]
    fn dedupe_key(&self, py: Python<'_>) -> String {
        crate::envelope::dedupe_key(
            self.event_type.as_deref().unwrap_or(""),
            &self.body_bytes(py),
        )
    }

    /// For a `notification: true` webhook (whose body carries only the resource's URL): the
    /// full resource, fetched through the API client `hs` (`helpscout.HelpScout`) and
    /// parsed into this event's record class. The same as `hs.fetch(event)`.
    fn fetch(slf: &Bound<'_, Self>, hs: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        Ok(hs.call_method1("fetch", (slf,))?.unbind())
    }

    /// `{"event_type": ..., "record": record.to_api()}`, as the original's `to_api()`.
    fn to_api<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        out.set_item("event_type", self.event_type.as_deref())?;
        out.set_item(
            "record",
            self.record
                .bind(py)
                .call_method0(pyo3::intern!(py, "to_api"))?,
        )?;
        Ok(out)
    }

    /// A JSON-safe dict that carries the delivery exactly, for queues, logs and
    /// `listen --jsonl`: `event_type`, `body` (the exact body text), `signature`,
    /// `secret_index`, `dedupe_key`, and `body_base64` (the bytes as sent) when the body
    /// was not plain UTF-8. `hook.receive_envelope(envelope)` verifies it again.
    fn to_envelope<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        out.set_item("event_type", self.event_type.as_deref())?;
        let text = self.record_of(py).map(|r| r.json_text()).unwrap_or("{}");
        out.set_item("body", text)?;
        out.set_item("signature", self.signature.as_deref())?;
        out.set_item("secret_index", self.secret_index)?;
        out.set_item("dedupe_key", self.dedupe_key(py))?;
        if let Some(raw) = &self.raw {
            let b64 = py
                .import("base64")?
                .call_method1("b64encode", (raw.bind(py),))?
                .call_method1("decode", ("ascii",))?;
            out.set_item("body_base64", b64)?;
        }
        Ok(out)
    }

    /// The event an envelope describes, parsed but NOT verified (use
    /// `hook.receive_envelope` for that): for tests, tooling and replay of trusted logs.
    #[classmethod]
    fn from_envelope(
        cls: &Bound<'_, pyo3::types::PyType>,
        envelope: &Bound<'_, PyDict>,
    ) -> PyResult<Self> {
        let py = cls.py();
        let get = |k: &str| -> PyResult<Option<Bound<'_, PyAny>>> {
            Ok(envelope.get_item(k)?.filter(|v| !v.is_none()))
        };
        let field = |k: &str| argument(format!("the envelope's {k} has the wrong type"));
        let event_type: Option<String> = get("event_type")?
            .map(|v| v.extract().map_err(|_| field("event_type")))
            .transpose()?;
        let signature: Option<String> = get("signature")?
            .map(|v| v.extract().map_err(|_| field("signature")))
            .transpose()?;
        let secret_index: Option<usize> = get("secret_index")?
            .map(|v| v.extract().map_err(|_| field("secret_index")))
            .transpose()?;
        let body: Vec<u8> = match get("body_base64")? {
            Some(b64) => {
                let kwargs = [("validate", true)].into_py_dict(py)?;
                py.import("base64")?
                    .getattr("b64decode")?
                    .call((b64,), Some(&kwargs))
                    .map_err(|_| argument("the envelope's body_base64 is not base64"))?
                    .extract()?
            }
            None => match get("body")? {
                Some(t) => t
                    .cast::<PyString>()
                    .map_err(|_| argument("envelope body must be a str"))?
                    .to_cow()
                    .map_err(|_| argument("envelope body holds a lone surrogate"))?
                    .into_owned()
                    .into_bytes(),
                None => return Err(argument("an envelope needs a body")),
            },
        };
        let doc = Document::read(&body)?;
        let keep_raw = doc.encoding() != Encoding::Utf8;
        let kind = events::record_kind(event_type.as_deref().unwrap_or(""));
        let record = top_level(py, doc, kind)?;
        let mut event = WebHookEvent::received(
            py,
            event_type,
            record,
            0,
            signature,
            keep_raw.then_some(&body[..]),
        );
        event.secret_index = secret_index;
        Ok(event)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let record = self.record.bind(py).repr()?;
        Ok(format!(
            "WebHookEvent(event_type={:?}, record={})",
            self.event_type.as_deref().unwrap_or("None"),
            record.to_string_lossy()
        ))
    }

    /// A table for notebooks: the event, then the record's fields.
    fn _repr_html_(&self, py: Python<'_>) -> PyResult<String> {
        let record_html: String = self
            .record
            .bind(py)
            .call_method0(pyo3::intern!(py, "_repr_html_"))?
            .extract()?;
        let name = self.event_type.as_deref().unwrap_or("(no event)");
        let escaped: String = name
            .chars()
            .map(|c| match c {
                '<' => "&lt;".to_owned(),
                '>' => "&gt;".to_owned(),
                '&' => "&amp;".to_owned(),
                '"' => "&quot;".to_owned(),
                c => c.to_string(),
            })
            .collect();
        let description = self
            .description()
            .unwrap_or("an event this library does not know");
        Ok(format!(
            "<div><p><b>WebHookEvent</b> <code>{escaped}</code>: {description}</p>{record_html}</div>"
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

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        let record_hash = self.record.bind(py).hash()?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        std::hash::Hash::hash(&(self.event_type.as_deref(), record_hash), &mut h);
        Ok(std::hash::Hasher::finish(&h) as isize)
    }

    /// Pickles (and copies) with everything it carries: the signature, `secret_index` and
    /// the body as sent.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let this = slf.get();
        let f = py.import("helpscout._core")?.getattr("_event_from_state")?;
        let args = (
            this.event_type.clone(),
            this.record.clone_ref(py),
            this.secret_index,
            this.signature.clone(),
            this.raw.as_ref().map(|r| r.clone_ref(py)),
        )
            .into_pyobject(py)?;
        PyTuple::new(py, [f, args.into_any()])
    }
}

/// Rebuild a pickled event (see `WebHookEvent.__reduce__`).
pub(crate) fn from_state(
    event_type: Option<String>,
    record: Bound<'_, PyAny>,
    secret_index: Option<usize>,
    signature: Option<String>,
    raw: Option<Py<PyBytes>>,
) -> PyResult<WebHookEvent> {
    if !record.is_instance_of::<Record>() {
        return Err(argument("a pickled WebHookEvent holds a record"));
    }
    Ok(WebHookEvent {
        event_type,
        record: record.unbind(),
        secret_index,
        signature,
        raw,
    })
}
