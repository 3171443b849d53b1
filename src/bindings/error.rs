//! Every Python exception the extension raises, and the one conversion from the core's
//! errors to them. The classes are defined in `helpscout/exceptions.py` (docstrings,
//! constructors and pickling live there) and imported here.

use crate::client::ApiError;
use crate::error::Error;
use crate::payload::PayloadError;
use pyo3::prelude::*;

pyo3::import_exception!(helpscout.exceptions, HelpScoutValidationException);
pyo3::import_exception!(helpscout.exceptions, HelpScoutSecurityException);
pyo3::import_exception!(helpscout.exceptions, HelpScoutPayloadError);
pyo3::import_exception!(helpscout.exceptions, HelpScoutRemoteException);
pyo3::import_exception!(helpscout.exceptions, HelpScoutRateLimitException);
pyo3::import_exception!(helpscout.exceptions, HelpScoutTimeoutException);
pyo3::import_exception!(helpscout.exceptions, HelpScoutConnectionException);

/// The message the original raised for every bad signature; kept word for word.
pub(crate) const INVALID_SIGNATURE: &str = "The signature provided by this request was invalid.";

impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        match e {
            Error::Payload(p) => payload_error(p, None),
            Error::Secret(s) => HelpScoutValidationException::new_err(s.to_string()),
            Error::Rejected(r) => {
                HelpScoutSecurityException::new_err((INVALID_SIGNATURE, r.reason()))
            }
            Error::Api(a) => match a {
                ApiError::Validation(m) => HelpScoutValidationException::new_err(m),
                ApiError::Remote { status, message } => {
                    HelpScoutRemoteException::new_err((status, message))
                }
                ApiError::RateLimited {
                    message,
                    retry_after,
                } => HelpScoutRateLimitException::new_err((message, retry_after)),
                ApiError::Timeout(m) => HelpScoutTimeoutException::new_err(m),
                ApiError::Connection(m) => HelpScoutConnectionException::new_err(m),
            },
            Error::Argument(m) => HelpScoutValidationException::new_err(m),
        }
    }
}

impl From<PayloadError> for PyErr {
    fn from(e: PayloadError) -> PyErr {
        payload_error(e, None)
    }
}

impl From<ApiError> for PyErr {
    fn from(e: ApiError) -> PyErr {
        Error::Api(e).into()
    }
}

/// `HelpScoutPayloadError(message, reason, line, column, doc, pos)`: also a
/// `json.JSONDecodeError`, whose `doc` is the body text and `pos` the character offset.
pub(crate) fn payload_error(e: PayloadError, doc: Option<&str>) -> PyErr {
    let pos = match (doc, e.offset) {
        (Some(text), Some(at)) => Some(text.get(..at).map_or(at, |t| t.chars().count())),
        (None, at) => at,
        (Some(_), None) => None,
    };
    HelpScoutPayloadError::new_err((
        e.message,
        e.kind.as_str(),
        e.line,
        e.column,
        doc.unwrap_or("").to_owned(),
        pos,
        e.kind.http_status(),
    ))
}

/// An argument that cannot be used, as `HelpScoutValidationException`.
pub(crate) fn argument(message: impl Into<String>) -> PyErr {
    Error::Argument(message.into()).into()
}
