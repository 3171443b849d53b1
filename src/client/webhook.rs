//! The [`Webhook`] model as Mailbox API 2.0 sends and receives it: the checks Help Scout
//! requires before one is created or updated ([`Webhook::validate`]), and the checks of what
//! comes back ([`check_api_webhook`], [`webhooks_page`]) so that an answer of another shape is
//! an error naming what was expected, never a panic or a surprise later.

use super::error::ApiError;
use crate::events;
use serde::{Deserialize, Serialize};
use serde_json::Value;
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

/// What kind of JSON value `v` is, for messages ("an array", "null", ...).
pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What a webhook field must be, when present and not `null`.
#[derive(Clone, Copy)]
enum Kind {
    Str,
    Bool,
    Strings,
    Integers,
}

const FIELDS: &[(&str, Kind)] = &[
    ("url", Kind::Str),
    ("events", Kind::Strings),
    ("secret", Kind::Str),
    ("label", Kind::Str),
    ("notification", Kind::Bool),
    ("payloadVersion", Kind::Str),
    ("mailboxIds", Kind::Integers),
    ("state", Kind::Str),
];

/// Check that `value` is a webhook as the API sends it: an object with an integer `id`
/// (64-bit) whose known fields, when present and not `null`, have their documented types
/// (`url`, `secret`, `label`, `payloadVersion`, `state`: strings; `events`: strings;
/// `notification`: a boolean; `mailboxIds`: integers). Other keys (`_links`, ...) are kept
/// as they are. The error says what was expected and what came; it never quotes a value.
pub fn check_api_webhook(value: &Value) -> Result<(), String> {
    let Value::Object(map) = value else {
        return Err(format!(
            "expected a webhook object, got {}",
            json_type(value)
        ));
    };
    match map.get("id") {
        None => return Err("the webhook has no `id`".into()),
        Some(id) if id.as_i64().is_none() => {
            let got = match id {
                Value::Number(_) => "a number that is not a 64-bit integer",
                other => json_type(other),
            };
            return Err(format!("the webhook's `id` must be an integer, got {got}"));
        }
        Some(_) => {}
    }
    for (name, kind) in FIELDS {
        let Some(v) = map.get(*name).filter(|v| !v.is_null()) else {
            continue;
        };
        let (ok, expected) = match kind {
            Kind::Str => (v.is_string(), "a string"),
            Kind::Bool => (v.is_boolean(), "a boolean"),
            Kind::Strings => (v.is_array(), "an array of strings"),
            Kind::Integers => (v.is_array(), "an array of integers"),
        };
        if !ok {
            return Err(format!(
                "the webhook's `{name}` must be {expected}, got {}",
                json_type(v)
            ));
        }
        let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
        let bad = items.iter().enumerate().find(|(_, item)| match kind {
            Kind::Strings => !item.is_string(),
            Kind::Integers => item.as_i64().is_none(),
            Kind::Str | Kind::Bool => false,
        });
        if let Some((i, item)) = bad {
            return Err(format!(
                "the webhook's `{name}` must be {expected}, item {} is {}",
                i + 1,
                json_type(item)
            ));
        }
    }
    Ok(())
}

/// The webhooks of one page of `GET /v2/webhooks` and the number of pages. `_embedded` is
/// absent when there are no webhooks; without `page` there is one page.
pub fn webhooks_page(body: &Value) -> Result<(Vec<Value>, u64), String> {
    let Value::Object(map) = body else {
        return Err(format!(
            "expected a page object (`_embedded.webhooks`, `page`), got {}",
            json_type(body)
        ));
    };
    let hooks = match map.get("_embedded").filter(|v| !v.is_null()) {
        None => &[][..],
        Some(Value::Object(embedded)) => match embedded.get("webhooks").filter(|v| !v.is_null()) {
            None => &[][..],
            Some(Value::Array(items)) => items.as_slice(),
            Some(other) => {
                return Err(format!(
                    "`_embedded.webhooks` must be an array of webhooks, got {}",
                    json_type(other)
                ))
            }
        },
        Some(other) => {
            return Err(format!(
                "`_embedded` must be an object, got {}",
                json_type(other)
            ))
        }
    };
    for (i, hook) in hooks.iter().enumerate() {
        check_api_webhook(hook).map_err(|e| format!("webhook {} of the page: {e}", i + 1))?;
    }
    let total = match map.get("page").filter(|v| !v.is_null()) {
        None => 1,
        Some(Value::Object(page)) => match page.get("totalPages").filter(|v| !v.is_null()) {
            None => 1,
            Some(t) => t.as_u64().ok_or_else(|| {
                let got = match t {
                    Value::Number(_) => "a negative or fractional number",
                    other => json_type(other),
                };
                format!("`page.totalPages` must be a non-negative integer, got {got}")
            })?,
        },
        Some(other) => {
            return Err(format!(
                "`page` must be an object, got {}",
                json_type(other)
            ))
        }
    };
    Ok((hooks.to_vec(), total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn webhooks_from_the_api_are_checked() {
        let ok = json!({"id": 1, "url": "https://x", "events": ["convo.created"], "label": null,
            "notification": false, "payloadVersion": "V2", "mailboxIds": [1, 2], "state": "enabled",
            "_links": {"self": {"href": "x"}}, "somethingNew": [1]});
        assert_eq!(check_api_webhook(&ok), Ok(()));
        assert_eq!(check_api_webhook(&json!({"id": 7, "events": null})), Ok(()));
        for (odd, want) in [
            (json!([1, 2]), "expected a webhook object, got an array"),
            (json!("x"), "expected a webhook object, got a string"),
            (json!(5), "expected a webhook object, got a number"),
            (json!(null), "expected a webhook object, got null"),
            (json!({}), "the webhook has no `id`"),
            (json!({"id": "5"}), "`id` must be an integer, got a string"),
            (
                json!({"id": 1.5}),
                "`id` must be an integer, got a number that is not",
            ),
            (
                json!({"id": 18446744073709551615u64}),
                "`id` must be an integer, got a number",
            ),
            (
                json!({"id": 1, "events": 5}),
                "`events` must be an array of strings, got a number",
            ),
            (
                json!({"id": 1, "events": "convo.created"}),
                "`events` must be an array of strings, got a string",
            ),
            (
                json!({"id": 1, "events": ["a", 1]}),
                "`events` must be an array of strings, item 2 is a number",
            ),
            (
                json!({"id": 1, "mailboxIds": ["a"]}),
                "`mailboxIds` must be an array of integers, item 1 is a string",
            ),
            (
                json!({"id": 1, "url": {}}),
                "`url` must be a string, got an object",
            ),
            (
                json!({"id": 1, "notification": "no"}),
                "`notification` must be a boolean, got a string",
            ),
            (
                json!({"id": 1, "secret": 5}),
                "`secret` must be a string, got a number",
            ),
            (
                json!({"id": 1, "state": true}),
                "`state` must be a string, got a boolean",
            ),
        ] {
            let err = check_api_webhook(&odd).unwrap_err();
            assert!(err.contains(want), "{odd}: {err}");
        }
    }

    #[test]
    fn pages_of_webhooks_are_checked() {
        let page =
            json!({"_embedded": {"webhooks": [{"id": 1}, {"id": 2}]}, "page": {"totalPages": 3}});
        let (hooks, total) = webhooks_page(&page).unwrap();
        assert_eq!((hooks.len(), total), (2, 3));
        for empty in [
            json!({}),
            json!({"_embedded": null, "page": null}),
            json!({"_embedded": {}, "page": {"totalPages": null}}),
            json!({"_embedded": {"webhooks": []}, "page": {"totalPages": 0}}),
        ] {
            let (hooks, total) = webhooks_page(&empty).unwrap();
            assert!(hooks.is_empty() && total <= 1, "{empty}");
        }
        for (odd, want) in [
            (json!([1, 2]), "expected a page object"),
            (json!("x"), "got a string"),
            (json!(null), "got null"),
            (
                json!({"_embedded": {"webhooks": "x"}}),
                "`_embedded.webhooks` must be an array of webhooks, got a string",
            ),
            (
                json!({"_embedded": {"webhooks": {"id": 1}}}),
                "got an object",
            ),
            (
                json!({"_embedded": 5}),
                "`_embedded` must be an object, got a number",
            ),
            (
                json!({"_embedded": {"webhooks": [{"id": 1}, 2]}}),
                "webhook 2 of the page: expected a webhook object, got a number",
            ),
            (
                json!({"_embedded": {"webhooks": [{"url": "x"}]}}),
                "webhook 1 of the page: the webhook has no `id`",
            ),
            (
                json!({"page": {"totalPages": "3"}}),
                "`page.totalPages` must be a non-negative integer, got a string",
            ),
            (
                json!({"page": {"totalPages": -1}}),
                "got a negative or fractional number",
            ),
            (
                json!({"page": {"totalPages": 2.5}}),
                "got a negative or fractional number",
            ),
            (
                json!({"page": [1]}),
                "`page` must be an object, got an array",
            ),
        ] {
            let err = webhooks_page(&odd).unwrap_err();
            assert!(err.contains(want), "{odd}: {err}");
        }
    }
}
