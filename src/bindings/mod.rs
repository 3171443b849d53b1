//! PyO3 glue: the `helpscout._core` extension module. Thin by design; all decisions
//! (signatures, events, parsing, model tables) live in the Python-free core.

mod client;
mod convert;
mod event;
mod record;
mod verifier;

use pyo3::prelude::*;

pyo3::import_exception!(helpscout.exceptions, HelpScoutValidationException);
pyo3::import_exception!(helpscout.exceptions, HelpScoutSecurityException);
pyo3::import_exception!(helpscout.exceptions, HelpScoutPayloadError);

/// A payload problem as the Python exception `HelpScoutPayloadError`
/// (a `HelpScoutValidationException` and a `ValueError`).
pub(crate) fn payload_err(e: crate::payload::PayloadError) -> PyErr {
    HelpScoutPayloadError::new_err((e.message, e.reason, e.line, e.column))
}

#[pymodule(gil_used = false)]
mod _core {
    #[pymodule_export]
    use super::client::ApiClient;
    #[pymodule_export]
    use super::event::WebHookEvent;
    #[pymodule_export]
    use super::record::{
        Address, Attachment, AttachmentData, BaseConversation, BeaconChat, Chat, Conversation,
        CustomField, Customer, Deleted, DropdownOption, Email, Embedded, Field, Folder, Mailbox,
        MailboxRef, Organization, Person, Phone, Ping, Rating, Record, SearchConversation,
        SearchCustomer, SocialProfile, Source, SurveyResponse, Tag, Thread, User, UserStatus,
        Website, Workflow,
    };
    #[pymodule_export]
    use super::verifier::Verifier;

    use pyo3::prelude::*;

    /// The `X-HelpScout-Signature` value for `body` under `secret`.
    #[pyfunction]
    fn sign(secret: &[u8], body: &[u8]) -> String {
        crate::signature::sign(secret, body)
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

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add("MAX_SECRET_CHARS", crate::signature::MAX_SECRET_CHARS)?;
        m.add("DEBUG_BUILD", cfg!(debug_assertions))?;
        Ok(())
    }
}
