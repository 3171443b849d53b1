//! `Verifier`: the secrets of one webhook, and the receive path (verify, then parse).

use super::event::WebHookEvent;
use super::record::top_level;
use super::{payload_err, HelpScoutSecurityException, HelpScoutValidationException};
use crate::payload::Document;
use crate::signature::{self, Rejection};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};
use std::borrow::Cow;

/// Bodies at least this large are hashed and scanned with the GIL released. Below it the
/// work takes a few microseconds and releasing would cost more than it frees.
const DETACH_BYTES: usize = 16 * 1024;

/// The message the original raised for every bad signature; kept word for word.
pub(crate) const INVALID_SIGNATURE: &str = "The signature provided by this request was invalid.";

fn is_utf8(encoding: &str) -> bool {
    ["utf8", "utf-8", "utf_8"]
        .iter()
        .any(|e| encoding.eq_ignore_ascii_case(e))
}

/// The bytes of a body or signature given as bytes, bytearray, memoryview or str.
fn bytes_of<'a>(obj: &'a Bound<'_, PyAny>, encoding: &str, what: &str) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Cow::Borrowed(b.as_bytes()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        if is_utf8(encoding) {
            return Ok(Cow::Owned(s.to_cow()?.into_owned().into_bytes()));
        }
        let encoded = s.call_method1("encode", (encoding,))?;
        return Ok(Cow::Owned(encoded.cast::<PyBytes>()?.as_bytes().to_vec()));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(Cow::Owned(b.to_vec()));
    }
    // memoryview and other buffer-protocol objects; `memoryview()` refuses everything else
    // (unlike `bytes()`, which would turn an int into that many zero bytes).
    let py = obj.py();
    if let Ok(view) = py.import("builtins")?.getattr("memoryview")?.call1((obj,)) {
        let b = view.call_method0("tobytes")?;
        return Ok(Cow::Owned(b.cast::<PyBytes>()?.as_bytes().to_vec()));
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be bytes, bytearray, memoryview or str, not {}",
        obj.get_type().name()?
    )))
}

fn secret_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned().into_bytes());
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    Err(HelpScoutValidationException::new_err(format!(
        "a webhook secret must be a str (or bytes), not {}",
        obj.get_type().name()?
    )))
}

/// The secrets of one webhook (current first, then older ones) and the receive path.
/// Its `repr` never shows a secret.
#[pyclass(frozen, module = "helpscout._core")]
pub struct Verifier {
    inner: signature::Verifier,
}

impl Verifier {
    fn check(
        &self,
        py: Python<'_>,
        signature: Option<&Bound<'_, PyAny>>,
        body: &[u8],
        encoding: &str,
    ) -> PyResult<Result<usize, Rejection>> {
        let Some(sig) = signature.filter(|s| !s.is_none()) else {
            return Ok(Err(Rejection::Missing));
        };
        let sig = bytes_of(sig, encoding, "signature")?;
        if body.len() >= DETACH_BYTES {
            Ok(py.detach(|| self.inner.check(&sig, body)))
        } else {
            Ok(self.inner.check(&sig, body))
        }
    }
}

impl Verifier {
    fn check_or_raise(
        &self,
        py: Python<'_>,
        signature: Option<&Bound<'_, PyAny>>,
        body: &[u8],
        encoding: &str,
    ) -> PyResult<usize> {
        self.check(py, signature, body, encoding)?
            .map_err(|rejection| {
                HelpScoutSecurityException::new_err((INVALID_SIGNATURE, rejection.reason()))
            })
    }
}

#[pymethods]
impl Verifier {
    #[new]
    fn py_new(secrets: Vec<Bound<'_, PyAny>>) -> PyResult<Self> {
        let raw = secrets
            .iter()
            .map(secret_bytes)
            .collect::<PyResult<Vec<_>>>()?;
        let inner = signature::Verifier::new(raw)
            .map_err(|e| HelpScoutValidationException::new_err(e.to_string()))?;
        Ok(Verifier { inner })
    }

    /// The index of the secret that signed `data`, or `None` if none did (or the signature
    /// is missing or malformed).
    #[pyo3(signature = (signature, data, encoding = "utf8"))]
    fn verify(
        &self,
        py: Python<'_>,
        signature: Option<&Bound<'_, PyAny>>,
        data: &Bound<'_, PyAny>,
        encoding: &str,
    ) -> PyResult<Option<usize>> {
        let body = bytes_of(data, encoding, "data")?;
        Ok(self.check(py, signature, &body, encoding)?.ok())
    }

    /// The index of the secret that signed `data`, or `HelpScoutSecurityException` with
    /// the original's message and a `reason` (the check `receive` makes first).
    #[pyo3(signature = (signature, data, encoding = "utf8"))]
    fn authenticate(
        &self,
        py: Python<'_>,
        signature: Option<&Bound<'_, PyAny>>,
        data: &Bound<'_, PyAny>,
        encoding: &str,
    ) -> PyResult<usize> {
        let body = bytes_of(data, encoding, "data")?;
        self.check_or_raise(py, signature, &body, encoding)
    }

    /// Verify, then parse: a `WebHookEvent`, `HelpScoutSecurityException` for a bad
    /// signature (checked before the body is parsed), `HelpScoutPayloadError` for a body
    /// that is not a JSON object.
    #[pyo3(signature = (event_type, signature, data, encoding = "utf8"))]
    fn receive(
        &self,
        py: Python<'_>,
        event_type: Option<&Bound<'_, PyAny>>,
        signature: Option<&Bound<'_, PyAny>>,
        data: &Bound<'_, PyAny>,
        encoding: &str,
    ) -> PyResult<WebHookEvent> {
        let event_type: Option<String> = match event_type.filter(|e| !e.is_none()) {
            None => None,
            Some(e) => match e.cast::<PyString>() {
                Ok(s) => Some(s.to_cow()?.trim().to_owned()).filter(|s| !s.is_empty()),
                Err(_) => match e.cast::<PyBytes>() {
                    Ok(b) => Some(String::from_utf8_lossy(b.as_bytes()).trim().to_owned())
                        .filter(|s| !s.is_empty()),
                    Err(_) => {
                        return Err(PyTypeError::new_err(format!(
                            "event_type must be a str (the X-HelpScout-Event header), not {}",
                            e.get_type().name()?
                        )))
                    }
                },
            },
        };
        let body = bytes_of(data, encoding, "data")?;
        let index = self.check_or_raise(py, signature, &body, encoding)?;
        let parsed = if body.len() >= DETACH_BYTES {
            py.detach(|| Document::parse(&body))
        } else {
            Document::parse(&body)
        };
        let (doc, members) = parsed.map_err(payload_err)?;
        let kind = crate::events::record_kind(event_type.as_deref().unwrap_or(""));
        let record = top_level(py, doc, members, kind)?;
        Ok(WebHookEvent::received(event_type, record, index))
    }

    /// The `X-HelpScout-Signature` of `data` under the current secret.
    #[pyo3(signature = (data, encoding = "utf8"))]
    fn sign(&self, data: &Bound<'_, PyAny>, encoding: &str) -> PyResult<String> {
        Ok(self.inner.sign(&bytes_of(data, encoding, "data")?))
    }

    /// How many secrets are tried.
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("Verifier(<{} secret(s) redacted>)", self.inner.len())
    }
}
