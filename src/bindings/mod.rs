//! PyO3 glue: the `helpscout._core` extension module. Thin by design; all decisions
//! (signatures, events, parsing, record semantics, limits) live in the Python-free core.
//!
//! - `error.rs`: every Python exception raised, and the one conversion from core errors.
//! - `convert.rs`: JSON spans to Python values and Python values to JSON, depth-guarded.
//! - `record/`: the record classes (generated from the kind registry).
//! - `event.rs`, `verifier.rs`: `WebHookEvent` and the receive path.
//! - `client.rs`: the Mailbox API client, with the GIL released around every request.

mod client;
mod convert;
mod error;
mod event;
mod record;
mod verifier;

use pyo3::prelude::*;

#[pymodule(gil_used = false)]
mod _core {
    #[pymodule_export]
    use super::client::ApiClient;
    #[pymodule_export]
    use super::event::WebHookEvent;
    #[pymodule_export]
    use super::verifier::Verifier;

    use pyo3::prelude::*;
    use pyo3::types::PyBytes;

    /// The `X-HelpScout-Signature` value for `body` under `secret`.
    #[pyfunction]
    fn sign(secret: &[u8], body: &[u8]) -> String {
        crate::signature::sign(secret, body)
    }

    /// Whether a secret is empty or only whitespace (the one rule every check uses).
    #[pyfunction]
    fn secret_is_blank(secret: &Bound<'_, PyAny>) -> PyResult<bool> {
        if let Ok(b) = secret.cast::<PyBytes>() {
            return Ok(crate::signature::is_blank(b.as_bytes()));
        }
        // Text with a lone surrogate is not blank; the verifier refuses it with its reason.
        let Ok(text) = secret.extract::<String>() else {
            return Ok(false);
        };
        Ok(crate::signature::is_blank(text.as_bytes()))
    }

    /// The original library's camelCase to snake_case rule.
    #[pyfunction]
    fn to_snake_case(key: &str) -> String {
        crate::models::to_snake_case(key).into_owned()
    }

    /// The original library's snake_case to camelCase rule.
    #[pyfunction]
    fn to_camel_case(name: &str) -> String {
        crate::models::to_camel_case(name)
    }

    /// Every catalogued event as (name, description, record class name, subscribable).
    #[pyfunction]
    fn events() -> Vec<(&'static str, &'static str, &'static str, bool)> {
        crate::events::EVENTS
            .iter()
            .map(|e| (e.name, e.description, e.kind.class_name(), e.subscribable))
            .collect()
    }

    /// The record class name that an event's body parses into (known or not).
    #[pyfunction]
    fn record_class_name(event_type: &str) -> &'static str {
        crate::events::record_kind(event_type).class_name()
    }

    /// The deduplication key of a delivery (SHA-256 of event name, newline, body bytes).
    #[pyfunction]
    fn dedupe_key(event_type: &Bound<'_, PyAny>, body: &[u8]) -> PyResult<String> {
        let name = super::verifier::text_arg(event_type, "event_type")?;
        Ok(crate::envelope::dedupe_key(&name, body))
    }

    /// Rebuild a record from its JSON text (used by pickle).
    #[pyfunction]
    fn _record_from_json(
        py: Python<'_>,
        class_name: &str,
        text: String,
        context: &str,
    ) -> PyResult<Py<PyAny>> {
        super::record::from_json_text(py, class_name, text, context)
    }

    /// Rebuild a pickled `WebHookEvent`.
    #[pyfunction]
    #[pyo3(signature = (event_type, record, secret_index = None, signature = None, raw = None))]
    fn _event_from_state(
        event_type: Option<String>,
        record: Bound<'_, PyAny>,
        secret_index: Option<usize>,
        signature: Option<String>,
        raw: Option<Py<PyBytes>>,
    ) -> PyResult<super::event::WebHookEvent> {
        super::event::from_state(event_type, record, secret_index, signature, raw)
    }

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add("MAX_SECRET_CHARS", crate::signature::MAX_SECRET_CHARS)?;
        m.add("TEST_EVENT", crate::events::TEST_EVENT)?;
        m.add("MAX_DEPTH", crate::limits::MAX_DEPTH)?;
        m.add("MAX_BODY_BYTES", crate::limits::MAX_BODY_BYTES)?;
        m.add(
            "DEFAULT_MAX_BODY_BYTES",
            crate::limits::DEFAULT_MAX_BODY_BYTES,
        )?;
        m.add("MAX_INT_DIGITS", crate::limits::MAX_INT_DIGITS)?;
        m.add("DEBUG_BUILD", cfg!(debug_assertions))?;
        super::record::register_classes(m)?;
        Ok(())
    }
}
