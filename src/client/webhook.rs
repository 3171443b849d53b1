//! The [`Webhook`] model as Mailbox API 2.0 sends and receives it, and the checks Help Scout
//! requires before one is created or updated ([`Webhook::validate`]).

use super::error::ApiError;
use crate::events;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A webhook as the API sends and receives it. `Debug` hides the secret.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox_ids: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("events", &self.events)
            .field("secret", &self.secret.as_ref().map(|_| "[REDACTED]"))
            .finish_non_exhaustive()
    }
}

impl Webhook {
    /// Check what Help Scout requires before anything is sent.
    pub fn validate(&self, allow_unknown_events: bool) -> Result<(), ApiError> {
        let invalid = |m: String| Err(ApiError::Validation(m));
        match self.url.as_deref() {
            None | Some("") => {
                return invalid("url is required: the address Help Scout posts events to".into())
            }
            Some(url) => {
                let lower = url.to_ascii_lowercase();
                let rest = lower
                    .strip_prefix("https://")
                    .or_else(|| lower.strip_prefix("http://"));
                if rest.is_none_or(|r| r.split(['/', '?', '#']).next().unwrap_or("").is_empty()) {
                    return invalid(format!("url must be an absolute http(s) URL, got {url:?}"));
                }
            }
        }
        if self.events.is_empty() {
            return invalid(
                "events is empty: subscribe to at least one event (see helpscout.events.EVENTS)"
                    .into(),
            );
        }
        if !allow_unknown_events {
            let unknown: Vec<&str> = self
                .events
                .iter()
                .map(String::as_str)
                .filter(|e| events::lookup(e).is_none())
                .collect();
            if !unknown.is_empty() {
                let known: Vec<&str> = events::EVENTS.iter().map(|e| e.name).collect();
                return invalid(format!(
                    "unknown event(s) {}; known events: {} (pass allow_unknown_events=True for events newer than this library)",
                    unknown.join(", "),
                    known.join(", ")
                ));
            }
        }
        let delivery_only: Vec<&str> = self
            .events
            .iter()
            .map(String::as_str)
            .filter(|e| events::lookup(e).is_some_and(|info| !info.subscribable))
            .collect();
        if !delivery_only.is_empty() {
            return invalid(format!(
                "event(s) {} cannot be subscribed: Help Scout's webhook create and update documentation does not list them; they are only seen in deliveries (subscribe to the documented events, see `helpscout-webhook events`)",
                delivery_only.join(", ")
            ));
        }
        match self.secret.as_deref() {
            None => {
                return invalid(
                    "secret_key is required: Help Scout signs every delivery with it".into(),
                )
            }
            Some(s) if s.trim().is_empty() => {
                return invalid("secret_key is empty or only whitespace".into())
            }
            Some(s) if s.chars().count() > crate::signature::MAX_SECRET_CHARS => {
                return invalid(format!(
                    "secret_key has {} characters; Help Scout accepts at most {}",
                    s.chars().count(),
                    crate::signature::MAX_SECRET_CHARS
                ))
            }
            Some(_) => {}
        }
        Ok(())
    }
}
