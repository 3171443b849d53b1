//! The one error type of the core. Every fallible operation of the library ends in one of
//! these; the bindings convert it to the Python exception hierarchy in exactly one place
//! (`bindings/error.rs`).

use crate::client::ApiError;
use crate::payload::PayloadError;
use crate::signature::{Rejection, SecretError};
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The body is not a JSON object we can read (`HelpScoutPayloadError`).
    Payload(PayloadError),
    /// A secret cannot be used (`HelpScoutValidationException`).
    Secret(SecretError),
    /// A signature was rejected (`HelpScoutSecurityException`).
    Rejected(Rejection),
    /// Talking to the Mailbox API failed (`HelpScoutRemoteException` and subclasses).
    Api(ApiError),
    /// An argument cannot be used: wrong type, unknown encoding, unencodable text
    /// (`HelpScoutValidationException`).
    Argument(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Payload(e) => e.fmt(f),
            Error::Secret(e) => e.fmt(f),
            Error::Rejected(r) => f.write_str(r.reason()),
            Error::Api(e) => e.fmt(f),
            Error::Argument(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<PayloadError> for Error {
    fn from(e: PayloadError) -> Self {
        Error::Payload(e)
    }
}

impl From<SecretError> for Error {
    fn from(e: SecretError) -> Self {
        Error::Secret(e)
    }
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        Error::Rejected(r)
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(e)
    }
}
