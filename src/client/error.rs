//! What can go wrong talking to Help Scout: [`ApiError`], the readable message built from an
//! error answer ([`error_message`]) and the scrubbing of secrets from every message.

use super::transport::Response;
use std::fmt;

/// What went wrong talking to Help Scout.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// Refused before anything was sent.
    Validation(String),
    /// Help Scout answered with an error status.
    Remote {
        status: u16,
        message: String,
    },
    /// Still rate limited after the allowed waits.
    RateLimited {
        message: String,
        retry_after: Option<f64>,
    },
    Timeout(String),
    Connection(String),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Validation(m) | ApiError::Timeout(m) | ApiError::Connection(m) => {
                f.write_str(m)
            }
            ApiError::Remote { status, message } => write!(f, "({status}) {message}"),
            ApiError::RateLimited { message, .. } => write!(f, "(429) {message}"),
        }
    }
}

impl std::error::Error for ApiError {}

/// A readable message from an error answer: Help Scout's `message`, the field errors of a
/// `vnd.error` body and its `logRef` (quote it to Help Scout support).
pub fn error_message(response: &Response) -> String {
    let reason = match response.status {
        400 => "Bad Request",
        401 => "Unauthorized: the access token is missing, expired or invalid",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        423 => "Locked",
        429 => "Too Many Requests: the account's rate limit was reached",
        500..=599 => "Help Scout server error",
        _ => "error",
    };
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(&response.body) else {
        let text = String::from_utf8_lossy(&response.body);
        let text = text.trim();
        if text.is_empty() {
            return reason.to_owned();
        }
        let short: String = text.chars().take(200).collect();
        return format!("{reason}: {short}");
    };
    let mut out = match body.get("message").and_then(|m| m.as_str()) {
        Some(m) if !m.is_empty() => format!("{reason}: {m}"),
        _ => match body
            .get("error_description")
            .or_else(|| body.get("error"))
            .and_then(|m| m.as_str())
        {
            Some(m) => format!("{reason}: {m}"),
            None => reason.to_owned(),
        },
    };
    let errors = body
        .pointer("/_embedded/errors")
        .or_else(|| body.get("errors"))
        .and_then(|e| e.as_array());
    let fields: Vec<String> = errors
        .into_iter()
        .flatten()
        .map(|e| {
            let path = e.get("path").and_then(|p| p.as_str()).unwrap_or("?");
            let message = e
                .get("message")
                .and_then(|m| m.as_str())
                .unwrap_or("invalid");
            // rejectedValue is left out: it may be the secret that was refused.
            format!("{path}: {message}")
        })
        .collect();
    if !fields.is_empty() {
        out.push_str(" (");
        out.push_str(&fields.join("; "));
        out.push(')');
    }
    if let Some(log_ref) = body.get("logRef").and_then(|l| l.as_str()) {
        out.push_str(&format!(" [logRef {log_ref}]"));
    }
    out
}
