//! Webhook management through Help Scout's Mailbox API 2.0 (`/v2/webhooks`), OAuth2: the
//! [`Client`], its [`Settings`] and [`Credentials`], and the public names of the rooms below.
//!
//! - `transport`: the HTTP exchange behind the [`Transport`] trait (ureq in production, a fake
//!   in tests) so the retry, token and paging logic is tested without a network;
//! - `retry`: 429 waits, retries of 5xx and connection failures, the one token refresh;
//! - `url`: the base URL policy (https, or plain http to this machine) and form encoding;
//! - `webhook`: the [`Webhook`] model and its validation;
//! - `error`: [`ApiError`], readable messages from error answers, scrubbing of secrets.
//!
//! Policies:
//! - client credentials: a token from `POST /v2/oauth2/token`, cached until shortly before
//!   `expires_in`; a 401 fetches a new one once and retries;
//! - 429: wait `X-RateLimit-Retry-After` (else `Retry-After`, else a backoff), at most
//!   `rate_limit_retries` times and never longer than `max_retry_wait` per wait;
//! - 5xx and connection failures: retried with backoff for GET, PUT and DELETE only; a POST
//!   is never sent twice (it may have been processed);
//! - every message is scrubbed of the app secret, tokens and webhook secrets.

mod error;
#[cfg(test)]
mod fake;
mod retry;
mod transport;
mod url;
mod webhook;

pub use error::{error_message, ApiError};
pub use error::{scrub, MIN_SCRUB_CHARS, REDACTED};
pub use transport::{Method, Request, Response, Transport, TransportError, UreqTransport};
pub use url::{check_base_url, resource_path};
pub use webhook::{check_api_webhook, webhooks_page, Webhook};

use retry::{Attempts, Next};
use serde_json::Value;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use url::form_encode;

/// How the client authenticates.
#[derive(Clone)]
pub enum Credentials {
    /// An internal app's id and secret (client-credentials grant).
    App { app_id: String, app_secret: String },
    /// A token obtained elsewhere; it is not refreshed.
    AccessToken(String),
}

/// Retry and timeout settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub base_url: String,
    pub timeout: Duration,
    /// How many 429 answers are waited out before giving up.
    pub rate_limit_retries: u32,
    /// The longest single wait for a 429; a longer `Retry-After` fails at once.
    pub max_retry_wait: Duration,
    /// How many times a GET, PUT or DELETE is repeated after a 5xx or connection failure.
    pub retries: u32,
    /// The first backoff; it doubles with each retry.
    pub backoff: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            base_url: "https://api.helpscout.net".into(),
            timeout: Duration::from_secs(30),
            rate_limit_retries: 3,
            max_retry_wait: Duration::from_secs(60),
            retries: 2,
            backoff: Duration::from_millis(500),
        }
    }
}

struct Token {
    value: String,
    refresh_at: Instant,
}

/// A Mailbox API 2.0 client for webhooks.
pub struct Client {
    settings: Settings,
    credentials: Credentials,
    token: Mutex<Option<Token>>,
    transport: Box<dyn Transport>,
    sleep: Box<dyn Fn(Duration) + Send + Sync>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match self.credentials {
            Credentials::App { .. } => "client_credentials",
            Credentials::AccessToken(_) => "access_token",
        };
        write!(
            f,
            "Client {{ base_url: {:?}, auth: {auth} }}",
            self.settings.base_url
        )
    }
}

impl Client {
    /// A client over `transport`; `sleep` waits between retries (tests pass a recorder).
    pub fn new(
        settings: Settings,
        credentials: Credentials,
        transport: Box<dyn Transport>,
        sleep: Box<dyn Fn(Duration) + Send + Sync>,
    ) -> Result<Client, ApiError> {
        let base_url = check_base_url(&settings.base_url)?;
        match &credentials {
            Credentials::App { app_id, app_secret }
                if app_id.trim().is_empty() || app_secret.trim().is_empty() =>
            {
                return Err(ApiError::Validation(
                    "app_id and app_secret must both be given (Your Profile → My Apps)".into(),
                ));
            }
            Credentials::AccessToken(t) if t.trim().is_empty() => {
                return Err(ApiError::Validation("access_token is empty".into()));
            }
            _ => {}
        }
        Ok(Client {
            settings: Settings {
                base_url,
                ..settings
            },
            credentials,
            token: Mutex::new(None),
            transport,
            sleep,
        })
    }

    /// A client that talks to Help Scout over HTTPS with ureq.
    pub fn with_ureq(settings: Settings, credentials: Credentials) -> Result<Client, ApiError> {
        let transport = Box::new(UreqTransport::new(settings.timeout));
        Client::new(
            settings,
            credentials,
            transport,
            Box::new(std::thread::sleep),
        )
    }

    /// The secrets this client knows: the app secret or given token, the cached token.
    fn known_secrets(&self) -> Vec<String> {
        let mut secrets = vec![match &self.credentials {
            Credentials::App { app_secret, .. } => app_secret.clone(),
            Credentials::AccessToken(t) => t.clone(),
        }];
        // A poisoned lock still holds the token, and it must still be scrubbed.
        let guard = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = guard.as_ref() {
            secrets.push(t.value.clone());
        }
        secrets
    }

    /// Remove every secret this client knows (and `extra` ones) from a message.
    fn scrub(&self, message: &str, extra: &[&str]) -> String {
        let known = self.known_secrets();
        let all: Vec<&str> = extra
            .iter()
            .copied()
            .chain(known.iter().map(String::as_str))
            .collect();
        error::scrub(message, &all)
    }

    fn scrub_error(&self, e: ApiError, extra: &[&str]) -> ApiError {
        e.map_message(|m| self.scrub(&m, extra))
    }

    fn transport_error(&self, e: TransportError, what: &str) -> ApiError {
        match e {
            TransportError::Timeout(m) => ApiError::Timeout(format!(
                "{what}: Help Scout did not answer within {:.1} s ({m})",
                self.settings.timeout.as_secs_f64()
            )),
            TransportError::Connection(m) => ApiError::Connection(format!(
                "{what}: could not reach {} ({m})",
                self.settings.base_url
            )),
        }
    }

    /// A token for the next request: the given one, the cached one, or a new one from the
    /// token endpoint. `extra` secrets are scrubbed from the text of an error answer before
    /// it is shortened (the caller scrubs the whole message again).
    fn access_token(&self, force_new: bool, extra: &[&str]) -> Result<String, ApiError> {
        let (app_id, app_secret) = match &self.credentials {
            Credentials::AccessToken(t) => return Ok(t.clone()),
            Credentials::App { app_id, app_secret } => (app_id, app_secret),
        };
        let mut guard = self
            .token
            .lock()
            .map_err(|_| ApiError::Connection("token cache poisoned".into()))?;
        if let Some(t) = guard.as_ref() {
            if !force_new && Instant::now() < t.refresh_at {
                return Ok(t.value.clone());
            }
        }
        let request = Request {
            method: Method::Post,
            url: format!("{}/v2/oauth2/token", self.settings.base_url),
            headers: vec![
                (
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
                ("Accept".into(), "application/json".into()),
            ],
            body: Some(
                form_encode(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", app_id),
                    ("client_secret", app_secret),
                ])
                .into_bytes(),
            ),
        };
        let response = self
            .transport
            .send(&request)
            .map_err(|e| self.transport_error(e, "getting an access token"))?;
        if !(200..300).contains(&response.status) {
            // The token lock is held: scrub with the secrets at hand, not `self.scrub`.
            let old = guard.as_ref().map(|t| t.value.as_str());
            let mut secrets: Vec<&str> = extra.to_vec();
            secrets.extend([app_secret.as_str()].into_iter().chain(old));
            let text = error::describe(&response, &|t: &str| error::scrub(t, &secrets));
            return Err(ApiError::Remote {
                status: response.status,
                message: format!("getting an access token failed: {text}"),
            });
        }
        let (value, expires_in) = token_answer(&response.body).map_err(|m| ApiError::Remote {
            status: response.status,
            message: format!("the token endpoint's answer cannot be used: {m}"),
        })?;
        let lifetime = Duration::from_secs_f64(expires_in.unwrap_or(7200.0).clamp(0.0, 1e9));
        // Renew a minute early (or at 90% of a short lifetime).
        let margin = Duration::from_secs(60).min(lifetime / 10);
        *guard = Some(Token {
            value: value.clone(),
            refresh_at: Instant::now() + lifetime - margin,
        });
        Ok(value)
    }

    /// Send one API request with the retry policy; the successful response. Error messages
    /// are scrubbed of the secrets this client knows.
    pub fn execute(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Response, ApiError> {
        self.call(method, path, body, &[])
    }

    /// [`Client::execute`], also scrubbing `extra` secrets (a webhook's) from messages.
    fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        extra: &[&str],
    ) -> Result<Response, ApiError> {
        self.send(method, path, body, extra)
            .map_err(|e| self.scrub_error(e, extra))
    }

    fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        extra: &[&str],
    ) -> Result<Response, ApiError> {
        let url = format!("{}{path}", self.settings.base_url);
        let what = format!("{} {path}", method.as_str());
        let can_refresh = matches!(self.credentials, Credentials::App { .. });
        let describe = |r: &Response| error::describe(r, &|t: &str| self.scrub(t, extra));
        let mut attempts = Attempts::default();
        let mut force_new_token = false;
        loop {
            let token = self.access_token(force_new_token, extra)?;
            force_new_token = false;
            let mut headers = vec![
                ("Authorization".to_owned(), format!("Bearer {token}")),
                ("Accept".to_owned(), "application/json".to_owned()),
            ];
            if body.is_some() {
                headers.push((
                    "Content-Type".to_owned(),
                    "application/json; charset=UTF-8".to_owned(),
                ));
            }
            let request = Request {
                method,
                url: url.clone(),
                headers,
                body: body.clone(),
            };
            let response = match self.transport.send(&request) {
                Ok(r) => r,
                Err(e) => match attempts.after_failure(&self.settings, method) {
                    Some(wait) => {
                        (self.sleep)(wait);
                        continue;
                    }
                    None => return Err(self.transport_error(e, &what)),
                },
            };
            let next = attempts.after_answer(
                &self.settings,
                method,
                can_refresh,
                &what,
                &response,
                &describe,
            );
            match next {
                Next::Done => return Ok(response),
                Next::NewToken => force_new_token = true,
                Next::Wait(wait) => (self.sleep)(wait),
                Next::Fail(e) => return Err(e),
            }
        }
    }

    /// A successful answer's JSON body; an answer that is not JSON is an error.
    fn json_body(response: &Response, what: &str) -> Result<Value, ApiError> {
        serde_json::from_slice(&response.body).map_err(|e| ApiError::Remote {
            status: response.status,
            message: format!("{what}: the answer is not JSON ({e})"),
        })
    }

    /// An answer of a shape the client cannot use.
    fn unexpected(response: &Response, what: &str, problem: String) -> ApiError {
        ApiError::Remote {
            status: response.status,
            message: format!("{what}: unexpected answer: {problem}"),
        }
    }

    /// Create a webhook; its new id (from `Resource-ID`, else `Location`).
    pub fn create_webhook(
        &self,
        hook: &Webhook,
        allow_unknown_events: bool,
    ) -> Result<i64, ApiError> {
        let secret = hook.secret.as_deref().unwrap_or("");
        hook.validate(allow_unknown_events)
            .map_err(|e| self.scrub_error(e, &[secret]))?;
        let body = serde_json::to_vec(&Webhook {
            id: None,
            ..hook.clone()
        })
        .map_err(|e| ApiError::Validation(e.to_string()))?;
        let response = self.call(Method::Post, "/v2/webhooks", Some(body), &[secret])?;
        let id = response
            .header("Resource-ID")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .or_else(|| {
                response
                    .header("Location")
                    .and_then(|l| l.trim_end_matches('/').rsplit('/').next())
                    .and_then(|v| v.parse::<i64>().ok())
            });
        id.ok_or_else(|| ApiError::Remote {
            status: response.status,
            message: "the webhook was created but Help Scout sent neither a Resource-ID nor a Location header".into(),
        })
    }

    /// Replace a webhook's settings (`PUT`: url, events and secret are required).
    pub fn update_webhook(
        &self,
        id: i64,
        hook: &Webhook,
        allow_unknown_events: bool,
    ) -> Result<(), ApiError> {
        let secret = hook.secret.as_deref().unwrap_or("");
        hook.validate(allow_unknown_events)
            .map_err(|e| self.scrub_error(e, &[secret]))?;
        let body = serde_json::to_vec(&Webhook {
            id: None,
            ..hook.clone()
        })
        .map_err(|e| ApiError::Validation(e.to_string()))?;
        self.call(
            Method::Put,
            &format!("/v2/webhooks/{id}"),
            Some(body),
            &[secret],
        )
        .map(|_| ())
    }

    /// Delete a webhook.
    pub fn delete_webhook(&self, id: i64) -> Result<(), ApiError> {
        self.call(Method::Delete, &format!("/v2/webhooks/{id}"), None, &[])
            .map(|_| ())
    }

    /// One webhook, as the API's JSON object (checked by [`check_api_webhook`]).
    pub fn get_webhook(&self, id: i64) -> Result<Value, ApiError> {
        let path = format!("/v2/webhooks/{id}");
        let what = format!("GET {path}");
        let response = self.call(Method::Get, &path, None, &[])?;
        let checked = Self::json_body(&response, &what).and_then(|body| {
            check_api_webhook(&body)
                .map(|()| body)
                .map_err(|m| Self::unexpected(&response, &what, m))
        });
        checked.map_err(|e| self.scrub_error(e, &[]))
    }

    /// A resource by its URL or path (what a `notification: true` webhook's body names):
    /// the JSON object it answers with. Only URLs on this client's `base_url` are fetched,
    /// so the token never leaves the API ([`resource_path`]).
    pub fn get_resource(&self, url_or_path: &str) -> Result<Value, ApiError> {
        let path = resource_path(&self.settings.base_url, url_or_path)?;
        let what = format!("GET {path}");
        let response = self.call(Method::Get, &path, None, &[])?;
        let body = Self::json_body(&response, &what).and_then(|body| match body {
            Value::Object(_) => Ok(body),
            other => Err(Self::unexpected(
                &response,
                &what,
                format!("expected a JSON object, got {}", webhook::json_type(&other)),
            )),
        });
        body.map_err(|e| self.scrub_error(e, &[]))
    }

    /// Every webhook, following all pages (each checked by [`webhooks_page`]).
    pub fn list_webhooks(&self) -> Result<Vec<Value>, ApiError> {
        let mut out = Vec::new();
        let mut page = 1u64;
        loop {
            let path = format!("/v2/webhooks?page={page}");
            let what = format!("GET {path}");
            let response = self.call(Method::Get, &path, None, &[])?;
            let (items, total) = Self::json_body(&response, &what)
                .and_then(|body| {
                    webhooks_page(&body).map_err(|m| Self::unexpected(&response, &what, m))
                })
                .map_err(|e| self.scrub_error(e, &[]))?;
            out.extend(items);
            if page >= total || page >= 1000 {
                return Ok(out);
            }
            page += 1;
        }
    }
}

/// The access token and lifetime (seconds) from the token endpoint's answer: an object with
/// a non-empty `access_token` string of visible ASCII (it goes into a header) and, optionally,
/// a number `expires_in`. The error says what was expected; it never quotes the answer.
fn token_answer(body: &[u8]) -> Result<(String, Option<f64>), String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("it is not JSON ({e})"))?;
    let Value::Object(map) = &value else {
        return Err(format!(
            "expected an object with an access_token, got {}",
            webhook::json_type(&value)
        ));
    };
    let token = match map.get("access_token") {
        None => return Err("it has no access_token".into()),
        Some(Value::String(t)) if t.is_empty() => return Err("its access_token is empty".into()),
        Some(Value::String(t)) if !t.bytes().all(|b| b.is_ascii_graphic()) => {
            return Err("its access_token has characters that cannot be sent in a header".into())
        }
        Some(Value::String(t)) => t.clone(),
        Some(other) => {
            return Err(format!(
                "its access_token must be a string, got {}",
                webhook::json_type(other)
            ))
        }
    };
    let expires_in = match map.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_f64(),
        Some(other) => {
            return Err(format!(
                "its expires_in must be a number of seconds, got {}",
                webhook::json_type(other)
            ))
        }
    };
    Ok((token, expires_in))
}

#[cfg(test)]
mod tests {
    use super::fake::{app, client, hook, Fake, TOKEN};
    use super::*;

    #[test]
    fn create_gets_a_token_once_and_reads_the_id() {
        let fake = Fake::default();
        fake.answer(200, &[], TOKEN)
            .answer(201, &[("resource-id", "77")], "")
            .answer(
                201,
                &[("Location", "https://api.helpscout.net/v2/webhooks/78")],
                "",
            );
        let (c, _) = client(&fake, app());
        assert_eq!(c.create_webhook(&hook(), false), Ok(77));
        assert_eq!(c.create_webhook(&hook(), false), Ok(78));
        let seen = fake.seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 3, "one token request, two creates");
        assert!(seen[0].url.ends_with("/v2/oauth2/token"));
        let form = String::from_utf8(seen[0].body.clone().unwrap()).unwrap();
        assert_eq!(
            form,
            "grant_type=client_credentials&client_id=app-id&client_secret=app-secret-value"
        );
        assert!(seen[1]
            .headers
            .contains(&("Authorization".into(), "Bearer tok-1".into())));
        let body: serde_json::Value =
            serde_json::from_slice(seen[1].body.as_ref().unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"url": "https://example.com/hook", "events": ["convo.created"], "secret": "webhook-secret-1"})
        );
    }

    #[test]
    fn a_401_refreshes_the_token_once() {
        let fake = Fake::default();
        fake.answer(200, &[], TOKEN)
            .answer(401, &[], r#"{"message":"expired"}"#)
            .answer(200, &[], r#"{"access_token":"tok-2","expires_in":172800}"#)
            .answer(204, &[], "");
        let (c, _) = client(&fake, app());
        assert_eq!(c.delete_webhook(5), Ok(()));
        let seen = fake.seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 4);
        assert!(seen[3]
            .headers
            .contains(&("Authorization".into(), "Bearer tok-2".into())));
        // a second 401 in a row is an error, not a loop
        fake.answer(401, &[], "")
            .answer(200, &[], TOKEN)
            .answer(401, &[], r#"{"message":"nope"}"#);
        let err = c.delete_webhook(5).unwrap_err();
        assert!(
            matches!(err, ApiError::Remote { status: 401, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn rate_limits_are_waited_out_then_reported() {
        let fake = Fake::default();
        fake.answer(429, &[("X-RateLimit-Retry-After", "2")], "")
            .answer(204, &[], "");
        let (c, waits) = client(&fake, Credentials::AccessToken("given-token".into()));
        assert_eq!(c.delete_webhook(1), Ok(()));
        assert_eq!(*waits.lock().unwrap(), vec![Duration::from_secs(2)]);
        for _ in 0..4 {
            fake.answer(429, &[("Retry-After", "1")], "");
        }
        let err = c.delete_webhook(1).unwrap_err();
        assert!(
            matches!(
                err,
                ApiError::RateLimited {
                    retry_after: Some(_),
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(waits.lock().unwrap().len(), 4, "1 + the 3 allowed waits");
        // a wait longer than max_retry_wait fails at once
        fake.answer(429, &[("X-RateLimit-Retry-After", "3600")], "");
        assert!(matches!(
            c.delete_webhook(1),
            Err(ApiError::RateLimited { .. })
        ));
        assert_eq!(waits.lock().unwrap().len(), 4);
    }

    #[test]
    fn server_errors_are_retried_only_when_idempotent() {
        let fake = Fake::default();
        fake.answer(500, &[], "")
            .fail(TransportError::Connection("reset".into()))
            .answer(200, &[], r#"{"id":3}"#);
        let (c, waits) = client(&fake, Credentials::AccessToken("given-token".into()));
        assert_eq!(c.get_webhook(3).unwrap()["id"], 3);
        assert_eq!(
            *waits.lock().unwrap(),
            vec![Duration::from_millis(500), Duration::from_millis(1000)]
        );
        fake.answer(503, &[], "")
            .answer(201, &[("Resource-ID", "9")], "");
        let err = c.create_webhook(&hook(), false).unwrap_err();
        assert!(
            matches!(err, ApiError::Remote { status: 503, .. }),
            "{err:?}"
        );
        let posts = fake
            .seen()
            .iter()
            .filter(|(m, _)| *m == Method::Post)
            .count();
        assert_eq!(posts, 1, "a POST is never sent twice");
        fake.answers.lock().unwrap().clear();
        fake.fail(TransportError::Timeout("slow".into()));
        assert!(matches!(
            c.create_webhook(&hook(), false),
            Err(ApiError::Timeout(_))
        ));
    }

    #[test]
    fn list_follows_every_page_and_tolerates_no_embedded() {
        let fake = Fake::default();
        fake.answer(
            200,
            &[],
            r#"{"_embedded":{"webhooks":[{"id":1},{"id":2}]},"page":{"totalPages":3,"number":1}}"#,
        )
        .answer(
            200,
            &[],
            r#"{"_embedded":{"webhooks":[{"id":3}]},"page":{"totalPages":3,"number":2}}"#,
        )
        .answer(
            200,
            &[],
            r#"{"_embedded":{"webhooks":[{"id":4}]},"page":{"totalPages":3,"number":3}}"#,
        );
        let (c, _) = client(&fake, Credentials::AccessToken("given-token".into()));
        let ids: Vec<i64> = c
            .list_webhooks()
            .unwrap()
            .iter()
            .map(|w| w["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [1, 2, 3, 4]);
        assert!(fake.seen()[2].1.ends_with("/v2/webhooks?page=3"));
        fake.answer(
            200,
            &[],
            r#"{"page":{"size":50,"totalElements":0,"totalPages":0,"number":1}}"#,
        );
        assert!(c.list_webhooks().unwrap().is_empty());
    }

    #[test]
    fn validation_happens_before_anything_is_sent() {
        let fake = Fake::default();
        let (c, _) = client(&fake, app());
        let cases: Vec<(Webhook, &str)> = vec![
            (
                Webhook {
                    url: None,
                    ..hook()
                },
                "url is required",
            ),
            (
                Webhook {
                    url: Some("example.com/hook".into()),
                    ..hook()
                },
                "absolute http(s) URL",
            ),
            (
                Webhook {
                    url: Some("https:///nohost".into()),
                    ..hook()
                },
                "absolute http(s) URL",
            ),
            (
                Webhook {
                    events: vec![],
                    ..hook()
                },
                "events is empty",
            ),
            (
                Webhook {
                    events: vec!["convo.create".into()],
                    ..hook()
                },
                "unknown event(s) convo.create; known events: beacon.chat.agent.replied",
            ),
            (
                Webhook {
                    secret: None,
                    ..hook()
                },
                "secret_key is required",
            ),
            (
                Webhook {
                    secret: Some("  ".into()),
                    ..hook()
                },
                "empty",
            ),
            (
                Webhook {
                    secret: Some("x".repeat(41)),
                    ..hook()
                },
                "41 characters; Help Scout accepts at most 40",
            ),
        ];
        for (h, want) in cases {
            let err = c.create_webhook(&h, false).unwrap_err();
            assert!(
                matches!(&err, ApiError::Validation(m) if m.contains(want)),
                "{want}: {err:?}"
            );
        }
        assert!(fake.seen().is_empty());
        let newer = Webhook {
            events: vec!["convo.future".into()],
            ..hook()
        };
        fake.answer(200, &[], TOKEN)
            .answer(201, &[("Resource-ID", "1")], "");
        assert_eq!(c.create_webhook(&newer, true), Ok(1));
        let ok = Webhook {
            secret: Some("é".repeat(40)),
            ..hook()
        };
        assert!(ok.validate(false).is_ok(), "40 characters, more bytes");
    }

    #[test]
    fn vnd_error_bodies_become_readable_and_secrets_are_scrubbed() {
        let fake = Fake::default();
        let body = r#"{"logRef":"abc-123","message":"Validation error","_embedded":{"errors":[{"path":"secret","message":"may not be longer than 40","rejectedValue":"webhook-secret-1"},{"path":"url","message":"must be reachable: https://example.com/hook?token=tok-1"}]}}"#;
        fake.answer(200, &[], TOKEN).answer(
            400,
            &[("Content-Type", "application/vnd.error+json")],
            body,
        );
        let (c, _) = client(&fake, app());
        let err = c.create_webhook(&hook(), false).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("(400) POST /v2/webhooks: Bad Request: Validation error (secret: may not be longer than 40; url: must be reachable"), "{text}");
        assert!(text.ends_with("[logRef abc-123]"), "{text}");
        assert!(
            !text.contains("webhook-secret-1") && !text.contains("tok-1"),
            "{text}"
        );
        assert!(text.contains("[REDACTED]"));
        let dbg = format!("{:?} {:?} {:?}", c, hook(), fake.seen.lock().unwrap()[1]);
        for secret in ["app-secret-value", "webhook-secret-1", "tok-1"] {
            assert!(!dbg.contains(secret), "{dbg}");
        }
    }

    #[test]
    fn token_endpoint_failures_are_clear() {
        let fake = Fake::default();
        fake.answer(
            401,
            &[],
            r#"{"error":"invalid_client","error_description":"Bad client credentials"}"#,
        );
        let (c, _) = client(&fake, app());
        let err = c.delete_webhook(1).unwrap_err().to_string();
        assert_eq!(err, "(401) getting an access token failed: Unauthorized: the access token is missing, expired or invalid: Bad client credentials");
        fake.fail(TransportError::Connection("refused".into()));
        let err = c.delete_webhook(1).unwrap_err();
        assert!(
            matches!(&err, ApiError::Connection(m) if m.contains("getting an access token: could not reach http://127.0.0.1:9")),
            "{err:?}"
        );
    }

    /// An app whose secret needs escaping in every encoding.
    const ODD_SECRET: &str = "Ab+/c d=é&\"\\ü😀~!x";

    fn odd_app() -> Credentials {
        Credentials::App {
            app_id: "app-id".into(),
            app_secret: ODD_SECRET.into(),
        }
    }

    #[test]
    fn a_client_secret_echoed_by_the_token_endpoint_is_scrubbed_in_any_encoding() {
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        use base64::Engine;
        let form = form_encode(&[("client_secret", ODD_SECRET)]);
        let encoded = form.trim_start_matches("client_secret=").to_owned();
        let lower = {
            let mut out = String::new();
            let mut hex_left = 0;
            for c in encoded.chars() {
                if c == '%' {
                    hex_left = 2;
                    out.push(c);
                } else if hex_left > 0 {
                    hex_left -= 1;
                    out.push(c.to_ascii_lowercase());
                } else {
                    out.push(c);
                }
            }
            out
        };
        let echoes = [
            ("raw", ODD_SECRET.to_owned()),
            ("percent-encoded, upper hex", encoded.clone()),
            ("percent-encoded, lower hex", lower),
            ("form-encoded", encoded.replace("%20", "+")),
            ("JSON-escaped", serde_json::to_string(ODD_SECRET).unwrap()),
            (
                "JSON-escaped, ASCII only",
                serde_json::to_string(ODD_SECRET)
                    .unwrap()
                    .replace('é', "\\u00e9")
                    .replace('ü', "\\u00FC")
                    .replace('😀', "\\ud83d\\ude00"),
            ),
            ("base64", STANDARD.encode(ODD_SECRET)),
            ("base64 URL-safe", URL_SAFE_NO_PAD.encode(ODD_SECRET)),
            (
                "Basic credential",
                format!("Basic {}", STANDARD.encode(format!("app-id:{ODD_SECRET}"))),
            ),
        ];
        for (name, echo) in echoes {
            let fake = Fake::default();
            let (c, _) = client(&fake, odd_app());
            // echoed in a JSON answer (the message is decoded) ...
            let json_body = serde_json::json!({
                "error": "invalid_request",
                "error_description": format!("cannot parse grant_type=client_credentials&client_id=app-id&client_secret={echo}"),
            });
            fake.answer(400, &[], &json_body.to_string());
            // ... and in a plain text answer (shown as is, cut to 200 characters)
            // (176 + 14 characters: the echo straddles the cut at 200 characters)
            let text_body = format!("{}client_secret={echo}", "-".repeat(176));
            fake.answer(400, &[("Content-Type", "text/plain")], &text_body);
            for _ in 0..2 {
                let err = c.delete_webhook(1).unwrap_err();
                let text = err.to_string();
                assert!(
                    matches!(err, ApiError::Remote { status: 400, .. }),
                    "{name}: {text}"
                );
                // (the marker itself may be cut at 200 characters)
                assert!(text.contains("[RED"), "{name}: {text}");
                let prefix: String = echo.chars().take(6).collect();
                for leak in [
                    ODD_SECRET,
                    echo.as_str(),
                    &prefix,
                    "Ab+/c",
                    "Ab%2B",
                    "Ab%2b",
                ] {
                    if name == "Basic credential" && leak == prefix {
                        continue; // "Basic " is not the secret
                    }
                    assert!(!text.contains(leak), "{name}: {leak:?} in {text}");
                }
            }
            // the form the client sent is the one a server echoes
            let seen = fake.seen.lock().unwrap()[0].body.clone().unwrap();
            assert!(String::from_utf8(seen).unwrap().ends_with(&form));
        }
    }

    #[test]
    fn tokens_and_webhook_secrets_are_scrubbed_in_any_encoding() {
        use base64::engine::general_purpose::STANDARD;
        use base64::Engine;
        let fake = Fake::default();
        let (c, _) = client(&fake, app());
        fake.answer(200, &[], TOKEN).answer(
            400,
            &[],
            &serde_json::json!({
                "message": format!(
                    "echo: Authorization: Bearer tok-1; secret=webhook%2Dsecret%2D1; {}",
                    STANDARD.encode("webhook-secret-1")
                )
            })
            .to_string(),
        );
        let text = c.create_webhook(&hook(), false).unwrap_err().to_string();
        assert!(
            !text.contains("tok-1") && !text.contains("webhook-") && !text.contains("webhook%"),
            "{text}"
        );
        assert!(
            !text.contains(&STANDARD.encode("webhook-secret-1")),
            "{text}"
        );
        assert_eq!(text.matches(REDACTED).count(), 3, "{text}");
    }

    #[test]
    fn short_secrets_are_scrubbed_where_they_stand_alone() {
        let fake = Fake::default();
        let (c, _) = client(&fake, Credentials::AccessToken("t1".into()));
        fake.answer(
            401,
            &[],
            r#"{"message":"token t1 is not valid; try t10 or at1"}"#,
        );
        let text = c.delete_webhook(1).unwrap_err().to_string();
        assert_eq!(
            text,
            "(401) DELETE /v2/webhooks/1: Unauthorized: the access token is missing, expired or invalid: token [REDACTED] is not valid; try t10 or at1"
        );
        // a message that only contains the letters of a short secret inside words is kept
        fake.fail(TransportError::Connection("refused".into()));
        let (c, _) = client(&fake, Credentials::AccessToken("t".into()));
        let text = c.create_webhook(&hook(), false).unwrap_err().to_string();
        assert!(
            text.contains("could not reach http://127.0.0.1:9"),
            "{text}"
        );
    }

    #[test]
    fn odd_webhook_answers_are_remote_errors() {
        let cases = [
            ("[1,2]", "expected a webhook object, got an array"),
            ("\"x\"", "expected a webhook object, got a string"),
            ("5", "expected a webhook object, got a number"),
            ("null", "expected a webhook object, got null"),
            ("{}", "the webhook has no `id`"),
            (r#"{"id":"3"}"#, "`id` must be an integer, got a string"),
            (
                r#"{"id":3,"events":5}"#,
                "`events` must be an array of strings, got a number",
            ),
            (r#"{"id":3,"mailboxIds":[1,"x"]}"#, "item 2 is a string"),
            ("<html>oops</html>", "the answer is not JSON"),
            ("", "the answer is not JSON"),
        ];
        for (body, want) in cases {
            let fake = Fake::default();
            let (c, _) = client(&fake, Credentials::AccessToken("given-token".into()));
            fake.answer(200, &[], body);
            let err = c.get_webhook(3).unwrap_err();
            assert!(
                matches!(&err, ApiError::Remote { status: 200, message } if message.starts_with("GET /v2/webhooks/3: ") && message.contains(want)),
                "{body}: {err:?}"
            );
        }
    }

    #[test]
    fn odd_list_answers_are_remote_errors() {
        let cases = [
            ("[1,2]", "expected a page object"),
            (
                "\"x\"",
                "expected a page object (`_embedded.webhooks`, `page`), got a string",
            ),
            ("5", "got a number"),
            ("null", "got null"),
            (r#"{"events":5}"#, ""),
            (
                r#"{"_embedded":{"webhooks":"x"}}"#,
                "`_embedded.webhooks` must be an array of webhooks, got a string",
            ),
            (
                r#"{"_embedded":{"webhooks":[{"id":1},[2]]}}"#,
                "webhook 2 of the page: expected a webhook object, got an array",
            ),
            (
                r#"{"_embedded":{"webhooks":[{"url":"https://x"}]}}"#,
                "webhook 1 of the page: the webhook has no `id`",
            ),
            (
                r#"{"page":{"totalPages":"2"}}"#,
                "`page.totalPages` must be a non-negative integer",
            ),
        ];
        for (body, want) in cases {
            let fake = Fake::default();
            let (c, _) = client(&fake, Credentials::AccessToken("given-token".into()));
            fake.answer(200, &[], body);
            let result = c.list_webhooks();
            if want.is_empty() {
                // unknown keys are ignored: an object without `_embedded` has no webhooks
                assert_eq!(result, Ok(vec![]), "{body}");
                continue;
            }
            let err = result.unwrap_err();
            assert!(
                matches!(&err, ApiError::Remote { status: 200, message } if message.starts_with("GET /v2/webhooks?page=1: unexpected answer: ") && message.contains(want)),
                "{body}: {err:?}"
            );
        }
        // a bad second page is reported with its page number
        let fake = Fake::default();
        let (c, _) = client(&fake, Credentials::AccessToken("given-token".into()));
        fake.answer(
            200,
            &[],
            r#"{"_embedded":{"webhooks":[{"id":1}]},"page":{"totalPages":2}}"#,
        )
        .answer(200, &[], "[]");
        let err = c.list_webhooks().unwrap_err().to_string();
        assert!(
            err.starts_with("(200) GET /v2/webhooks?page=2: unexpected answer"),
            "{err}"
        );
    }

    #[test]
    fn odd_token_answers_are_remote_errors() {
        let cases = [
            (
                "[1,2]",
                "expected an object with an access_token, got an array",
            ),
            ("\"x\"", "got a string"),
            ("5", "got a number"),
            ("null", "got null"),
            (r#"{"token_type":"bearer"}"#, "it has no access_token"),
            (
                r#"{"access_token":5}"#,
                "its access_token must be a string, got a number",
            ),
            (r#"{"access_token":""}"#, "its access_token is empty"),
            ("{\"access_token\":\"a\\nb\"}", "cannot be sent in a header"),
            (
                r#"{"access_token":"tok-9","expires_in":"3600"}"#,
                "its expires_in must be a number of seconds, got a string",
            ),
            ("<html>", "it is not JSON"),
        ];
        for (body, want) in cases {
            let fake = Fake::default();
            let (c, _) = client(&fake, app());
            fake.answer(200, &[], body);
            let err = c.delete_webhook(1).unwrap_err();
            assert!(
                matches!(&err, ApiError::Remote { status: 200, message } if message.starts_with("the token endpoint's answer cannot be used: ") && message.contains(want)),
                "{body}: {err:?}"
            );
            assert_eq!(
                fake.seen().len(),
                1,
                "nothing sent with a token that cannot be used"
            );
        }
        // expires_in may be null or absent (two hours), or negative (renewed every time)
        let fake = Fake::default();
        let (c, _) = client(&fake, app());
        fake.answer(200, &[], r#"{"access_token":"tok-9","expires_in":null}"#)
            .answer(204, &[], "")
            .answer(204, &[], "");
        assert_eq!(c.delete_webhook(1), Ok(()));
        assert_eq!(c.delete_webhook(1), Ok(()));
        assert_eq!(fake.seen().len(), 3, "the token was cached");
        let fake = Fake::default();
        let (c, _) = client(&fake, app());
        fake.answer(200, &[], r#"{"access_token":"tok-9","expires_in":-5}"#)
            .answer(204, &[], "")
            .answer(200, &[], r#"{"access_token":"tok-10","expires_in":1e300}"#)
            .answer(204, &[], "");
        assert_eq!(c.delete_webhook(1), Ok(()));
        assert_eq!(c.delete_webhook(1), Ok(()));
        assert_eq!(
            fake.seen().len(),
            4,
            "a token that expired at once is renewed"
        );
    }
}
