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
pub use transport::{Method, Request, Response, Transport, TransportError, UreqTransport};
pub use url::check_base_url;
pub use webhook::Webhook;

use retry::{Attempts, Next};
use serde::Deserialize;
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

    /// Remove every secret this client knows (and `extra` ones) from a message.
    fn scrub(&self, message: String, extra: &[&str]) -> String {
        let mut secrets: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
        match &self.credentials {
            Credentials::App { app_secret, .. } => secrets.push(app_secret.clone()),
            Credentials::AccessToken(t) => secrets.push(t.clone()),
        }
        if let Ok(guard) = self.token.lock() {
            if let Some(t) = guard.as_ref() {
                secrets.push(t.value.clone());
            }
        }
        secrets
            .into_iter()
            .filter(|s| s.len() >= 4)
            .fold(message, |m, s| m.replace(&s, "[REDACTED]"))
    }

    fn scrub_error(&self, e: ApiError, extra: &[&str]) -> ApiError {
        match e {
            ApiError::Validation(m) => ApiError::Validation(self.scrub(m, extra)),
            ApiError::Remote { status, message } => ApiError::Remote {
                status,
                message: self.scrub(message, extra),
            },
            ApiError::RateLimited {
                message,
                retry_after,
            } => ApiError::RateLimited {
                message: self.scrub(message, extra),
                retry_after,
            },
            ApiError::Timeout(m) => ApiError::Timeout(self.scrub(m, extra)),
            ApiError::Connection(m) => ApiError::Connection(self.scrub(m, extra)),
        }
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

    fn access_token(&self, force_new: bool) -> Result<String, ApiError> {
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
            return Err(ApiError::Remote {
                status: response.status,
                message: format!(
                    "getting an access token failed: {}",
                    error_message(&response)
                ),
            });
        }
        #[derive(Deserialize)]
        struct TokenAnswer {
            access_token: String,
            #[serde(default)]
            expires_in: Option<f64>,
        }
        let answer: TokenAnswer =
            serde_json::from_slice(&response.body).map_err(|e| ApiError::Remote {
                status: response.status,
                message: format!("the token endpoint answered without an access_token ({e})"),
            })?;
        let lifetime = Duration::from_secs_f64(answer.expires_in.unwrap_or(7200.0).clamp(0.0, 1e9));
        // Renew a minute early (or at 90% of a short lifetime).
        let margin = Duration::from_secs(60).min(lifetime / 10);
        let value = answer.access_token;
        *guard = Some(Token {
            value: value.clone(),
            refresh_at: Instant::now() + lifetime - margin,
        });
        Ok(value)
    }

    /// Send one API request with the retry policy; the successful response.
    pub fn execute(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Response, ApiError> {
        let url = format!("{}{path}", self.settings.base_url);
        let what = format!("{} {path}", method.as_str());
        let can_refresh = matches!(self.credentials, Credentials::App { .. });
        let mut attempts = Attempts::default();
        let mut force_new_token = false;
        loop {
            let token = self.access_token(force_new_token)?;
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
            match attempts.after_answer(&self.settings, method, can_refresh, &what, &response) {
                Next::Done => return Ok(response),
                Next::NewToken => force_new_token = true,
                Next::Wait(wait) => (self.sleep)(wait),
                Next::Fail(e) => return Err(e),
            }
        }
    }

    fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        secrets: &[&str],
    ) -> Result<Response, ApiError> {
        self.execute(method, path, body)
            .map_err(|e| self.scrub_error(e, secrets))
    }

    /// Create a webhook; its new id (from `Resource-ID`, else `Location`).
    pub fn create_webhook(
        &self,
        hook: &Webhook,
        allow_unknown_events: bool,
    ) -> Result<i64, ApiError> {
        hook.validate(allow_unknown_events)?;
        let secret = hook.secret.as_deref().unwrap_or("");
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
        hook.validate(allow_unknown_events)?;
        let secret = hook.secret.as_deref().unwrap_or("");
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

    /// One webhook, as the API's JSON object.
    pub fn get_webhook(&self, id: i64) -> Result<serde_json::Value, ApiError> {
        let response = self.call(Method::Get, &format!("/v2/webhooks/{id}"), None, &[])?;
        serde_json::from_slice(&response.body).map_err(|e| ApiError::Remote {
            status: response.status,
            message: format!("GET /v2/webhooks/{id}: the answer is not JSON ({e})"),
        })
    }

    /// Every webhook, following all pages.
    pub fn list_webhooks(&self) -> Result<Vec<serde_json::Value>, ApiError> {
        let mut out = Vec::new();
        let mut page = 1u64;
        loop {
            let path = format!("/v2/webhooks?page={page}");
            let response = self.call(Method::Get, &path, None, &[])?;
            let body: serde_json::Value =
                serde_json::from_slice(&response.body).map_err(|e| ApiError::Remote {
                    status: response.status,
                    message: format!("GET {path}: the answer is not JSON ({e})"),
                })?;
            // `_embedded` is absent when there are no webhooks.
            if let Some(items) = body
                .pointer("/_embedded/webhooks")
                .and_then(|w| w.as_array())
            {
                out.extend(items.iter().cloned());
            }
            let total = body
                .pointer("/page/totalPages")
                .and_then(|t| t.as_u64())
                .unwrap_or(1);
            if page >= total || page >= 1000 {
                return Ok(out);
            }
            page += 1;
        }
    }
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
}
