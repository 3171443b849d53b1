//! `Verifier`: the secrets of one webhook, and the receive path (verify, then parse).

use super::error::argument;
use super::event::WebHookEvent;
use super::record::top_level;
use crate::error::Error;
use crate::payload::{Document, Encoding};
use crate::signature::{self, Rejection};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};
use std::borrow::Cow;

/// Bodies at least this large are hashed and scanned with the GIL released. Below it the
/// work takes a few microseconds and releasing would cost more than it frees.
const DETACH_BYTES: usize = 16 * 1024;

fn is_utf8(encoding: &str) -> bool {
    ["utf8", "utf-8", "utf_8"]
        .iter()
        .any(|e| encoding.eq_ignore_ascii_case(e))
}

/// What a body or signature argument holds: the bytes the signature covers, and (for
/// text given as `str`) the text to parse, which is the `str` itself whatever `encoding`
/// says about the bytes on the wire.
struct Input<'a> {
    signed: Cow<'a, [u8]>,
    text: Option<String>,
}

impl Input<'_> {
    fn parse_bytes(&self) -> &[u8] {
        self.text.as_deref().map_or(&self.signed[..], str::as_bytes)
    }
}

/// `str` as text: `None` when it holds a lone surrogate (no UTF-8 form exists).
fn utf8_text(s: &Bound<'_, PyString>) -> Option<String> {
    s.to_cow().ok().map(Cow::into_owned)
}

/// The bytes of a body or signature given as bytes, bytearray, memoryview or str.
fn input<'a>(obj: &'a Bound<'_, PyAny>, encoding: &str, what: &str) -> PyResult<Input<'a>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Input {
            signed: Cow::Borrowed(b.as_bytes()),
            text: None,
        });
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let Some(text) = utf8_text(s) else {
            return Err(argument(format!(
                "{what} holds a lone surrogate (\\ud800-\\udfff), so it is not the text of a request; pass the raw request body bytes"
            )));
        };
        if is_utf8(encoding) {
            return Ok(Input {
                signed: Cow::Owned(text.into_bytes()),
                text: None,
            });
        }
        let encoded = s.call_method1("encode", (encoding,)).map_err(|e| {
            argument(format!(
                "{what} cannot be encoded with encoding={encoding:?}: {e}"
            ))
        })?;
        return Ok(Input {
            signed: Cow::Owned(encoded.cast::<PyBytes>()?.as_bytes().to_vec()),
            text: Some(text),
        });
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(Input {
            signed: Cow::Owned(b.to_vec()),
            text: None,
        });
    }
    // memoryview and other buffer-protocol objects; `memoryview()` refuses everything else
    // (unlike `bytes()`, which would turn an int into that many zero bytes).
    let py = obj.py();
    if let Ok(view) = py.import("builtins")?.getattr("memoryview")?.call1((obj,)) {
        let b = view.call_method0("tobytes")?;
        return Ok(Input {
            signed: Cow::Owned(b.cast::<PyBytes>()?.as_bytes().to_vec()),
            text: None,
        });
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "{what} must be bytes, bytearray, memoryview or str, not {}",
        obj.get_type().name()?
    )))
}

/// The bytes of a signature header. Text that cannot be the header (a lone surrogate) is a
/// malformed signature, never an exception of another kind.
fn signature_bytes<'a>(
    sig: &'a Bound<'_, PyAny>,
    encoding: &str,
) -> PyResult<Result<Cow<'a, [u8]>, Rejection>> {
    if let Ok(s) = sig.cast::<PyString>() {
        return Ok(match utf8_text(s) {
            Some(t) => Ok(Cow::Owned(t.into_bytes())),
            None => Err(Rejection::Malformed),
        });
    }
    Ok(Ok(input(sig, encoding, "signature")?.signed))
}

/// The signature argument's bytes, or why it is no signature at all (missing, or text that
/// cannot be a header).
fn signature_arg<'a>(
    signature: Option<&'a Bound<'_, PyAny>>,
    encoding: &str,
) -> PyResult<Result<Cow<'a, [u8]>, Rejection>> {
    match signature.filter(|s| !s.is_none()) {
        Some(sig) => signature_bytes(sig, encoding),
        None => Ok(Err(Rejection::Missing)),
    }
}

fn check_encoding(py: Python<'_>, encoding: &str) -> PyResult<()> {
    if is_utf8(encoding) {
        return Ok(());
    }
    py.import("codecs")?
        .call_method1("lookup", (encoding,))
        .map(|_| ())
        .map_err(|_| argument(format!("unknown encoding {encoding:?}")))
}

fn secret_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return utf8_text(s).map(String::into_bytes).ok_or_else(|| {
            argument("a webhook secret holds a lone surrogate (\\ud800-\\udfff); it must be text")
        });
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    Err(argument(format!(
        "a webhook secret must be a str (or bytes), not {}",
        obj.get_type().name()?
    )))
}

/// The secrets of one webhook (current first, then older ones) and the receive path.
/// Its `repr` never shows a secret.
#[pyclass(frozen, module = "helpscout._core")]
pub struct Verifier {
    inner: signature::Verifier,
    /// Added to the index of the matching secret (1 when only older secrets are given, so
    /// that `secret_index` 0 always means `secret_key`).
    first_index: usize,
}

impl Verifier {
    fn check(
        &self,
        py: Python<'_>,
        signature: Option<&Bound<'_, PyAny>>,
        body: &[u8],
        encoding: &str,
    ) -> PyResult<Result<usize, Rejection>> {
        Ok(match signature_arg(signature, encoding)? {
            Ok(sig) => self.check_bytes(py, &sig, body),
            Err(r) => Err(r),
        })
    }

    /// Check the signature header's bytes against `body` (with the GIL released for a
    /// large body).
    fn check_bytes(&self, py: Python<'_>, sig: &[u8], body: &[u8]) -> Result<usize, Rejection> {
        let found = if body.len() >= DETACH_BYTES {
            py.detach(|| self.inner.check(sig, body))
        } else {
            self.inner.check(sig, body)
        };
        found.map(|i| i + self.first_index)
    }

    fn check_or_raise(
        &self,
        py: Python<'_>,
        signature: Option<&Bound<'_, PyAny>>,
        body: &[u8],
        encoding: &str,
    ) -> PyResult<usize> {
        Ok(self
            .check(py, signature, body, encoding)?
            .map_err(Error::Rejected)?)
    }
}

/// A `str` argument as text; a lone surrogate (or another type) is a bad argument.
pub(crate) fn text_arg(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    let s = obj.cast::<PyString>().map_err(|_| {
        argument(format!(
            "{what} must be a str, not {}",
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })?;
    utf8_text(s).ok_or_else(|| argument(format!("{what} holds a lone surrogate (\\ud800-\\udfff)")))
}

/// The `encoding` argument (default UTF-8); anything but a known codec name is a bad
/// argument.
fn encoding_arg(
    py: Python<'_>,
    encoding: Option<&Bound<'_, PyAny>>,
) -> PyResult<Cow<'static, str>> {
    let Some(e) = encoding.filter(|e| !e.is_none()) else {
        return Ok(Cow::Borrowed("utf8"));
    };
    let name = text_arg(e, "encoding")?;
    check_encoding(py, &name)?;
    Ok(Cow::Owned(name))
}

/// `text` without surrounding whitespace, reusing its allocation when there is none.
fn trimmed(text: String) -> String {
    let t = text.trim();
    if t.len() == text.len() {
        text
    } else {
        t.to_owned()
    }
}

pub(crate) fn event_name(event_type: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    let Some(e) = event_type.filter(|e| !e.is_none()) else {
        return Ok(None);
    };
    let text = if e.is_instance_of::<PyString>() {
        text_arg(e, "event_type")?
    } else if let Ok(b) = e.cast::<PyBytes>() {
        String::from_utf8_lossy(b.as_bytes()).into_owned()
    } else {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "event_type must be a str (the X-HelpScout-Event header), not {}",
            e.get_type().name()?
        )));
    };
    Ok(Some(trimmed(text)).filter(|s| !s.is_empty()))
}

#[pymethods]
impl Verifier {
    #[new]
    #[pyo3(signature = (secrets, first_index = 0))]
    fn py_new(secrets: Vec<Bound<'_, PyAny>>, first_index: usize) -> PyResult<Self> {
        let raw = secrets
            .iter()
            .map(secret_bytes)
            .collect::<PyResult<Vec<_>>>()?;
        let inner = signature::Verifier::new(raw).map_err(Error::Secret)?;
        Ok(Verifier { inner, first_index })
    }

    /// The index of the secret that signed `data`, or `None` if none did (or the signature
    /// is missing or malformed).
    #[pyo3(signature = (signature, data, encoding = None))]
    fn verify(
        &self,
        py: Python<'_>,
        signature: Option<&Bound<'_, PyAny>>,
        data: &Bound<'_, PyAny>,
        encoding: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<usize>> {
        let encoding = &encoding_arg(py, encoding)?;
        let body = input(data, encoding, "data")?;
        Ok(self.check(py, signature, &body.signed, encoding)?.ok())
    }

    /// The index of the secret that signed `data`, or `HelpScoutSecurityException` with
    /// the original's message and a `reason` (the check `receive` makes first).
    #[pyo3(signature = (signature, data, encoding = None))]
    fn authenticate(
        &self,
        py: Python<'_>,
        signature: Option<&Bound<'_, PyAny>>,
        data: &Bound<'_, PyAny>,
        encoding: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<usize> {
        let encoding = &encoding_arg(py, encoding)?;
        let body = input(data, encoding, "data")?;
        self.check_or_raise(py, signature, &body.signed, encoding)
    }

    /// Verify, then parse: a `WebHookEvent`, `HelpScoutSecurityException` for a bad
    /// signature (checked before the body is parsed), `HelpScoutPayloadError` for a body
    /// that is not a JSON object we can read.
    #[pyo3(signature = (event_type, signature, data, encoding = None))]
    fn receive(
        &self,
        py: Python<'_>,
        event_type: Option<&Bound<'_, PyAny>>,
        signature: Option<&Bound<'_, PyAny>>,
        data: &Bound<'_, PyAny>,
        encoding: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<WebHookEvent> {
        let encoding = &encoding_arg(py, encoding)?;
        let event_type = event_name(event_type)?;
        let body = input(data, encoding, "data")?;
        // The header is read once: its bytes are checked, then kept as text on the event.
        let sig = signature_arg(signature, encoding)?.map_err(Error::Rejected)?;
        let text = body.parse_bytes();
        // Verified, then parsed only when the signature holds; a large body with the GIL
        // released once for both (each release and re-acquire is a hand-off other threads
        // queue behind).
        let verify_then_parse = || {
            self.inner
                .check(&sig, &body.signed)
                .map(|i| (i + self.first_index, Document::read(text)))
        };
        let (index, parsed) = if body.signed.len().max(text.len()) >= DETACH_BYTES {
            py.detach(verify_then_parse)
        } else {
            verify_then_parse()
        }
        .map_err(Error::Rejected)?;
        let doc = match parsed {
            Ok(p) => p,
            Err(e) => {
                let doc = std::str::from_utf8(text).ok();
                return Err(super::error::payload_error(e, doc));
            }
        };
        // The bytes as sent are kept when the record's text is not them.
        let keep_raw = doc.encoding() != Encoding::Utf8 || body.text.is_some();
        let kind = crate::events::record_kind(event_type.as_deref().unwrap_or(""));
        let record = top_level(py, doc, kind)?;
        // For the envelope: the header's bytes as UTF-8, trimmed (as it was compared).
        let signature = String::from_utf8(sig.into_owned()).ok().map(trimmed);
        Ok(WebHookEvent::received(
            py,
            event_type,
            record,
            index,
            signature,
            keep_raw.then_some(&body.signed[..]),
        ))
    }

    /// The `X-HelpScout-Signature` of `data` under the current secret.
    #[pyo3(signature = (data, encoding = None))]
    fn sign(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        encoding: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let encoding = &encoding_arg(py, encoding)?;
        Ok(self.inner.sign(&input(data, encoding, "data")?.signed))
    }

    /// How many secrets are tried.
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("Verifier(<{} secret(s) redacted>)", self.inner.len())
    }
}
