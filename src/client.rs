//! Webhook management through Help Scout's Mailbox API 2.0 (`/v2/webhooks`), OAuth2.
//!
//! The HTTP exchange is behind [`Transport`] so the retry, token and paging logic is tested
//! with a fake; [`UreqTransport`] is the real one (ureq, rustls). Policies:
//! - client credentials: a token from `POST /v2/oauth2/token`, cached until shortly before
//!   `expires_in`; a 401 fetches a new one once and retries;
//! - 429: wait `X-RateLimit-Retry-After` (else `Retry-After`, else a backoff), at most
//!   `rate_limit_retries` times and never longer than `max_retry_wait` per wait;
//! - 5xx and connection failures: retried with backoff for GET, PUT and DELETE only; a POST
//!   is never sent twice (it may have been processed);
//! - every message is scrubbed of the app secret, tokens and webhook secrets.

use crate::events;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// An HTTP method the client uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    /// Whether repeating the request cannot do anything twice.
    pub fn idempotent(self) -> bool {
        self != Method::Post
    }
}

/// One HTTP request.
#[derive(Clone)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Headers carry the bearer token and bodies carry secrets: never printed.
        write!(f, "Request {{ {} {} }}", self.method.as_str(), self.url)
    }
}

/// One HTTP response.
#[derive(Debug, Clone, Default)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// A header's value, looked up case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request got no HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    Timeout(String),
    /// DNS, refused or reset connections, TLS failures.
    Connection(String),
}

/// Sends one request and returns the answer, whatever its status.
pub trait Transport: Send + Sync {
    fn send(&self, request: &Request) -> Result<Response, TransportError>;
}

/// The real transport: ureq with rustls, no redirects followed, statuses returned as-is.
pub struct UreqTransport {
    agent: ureq::Agent,
}

impl UreqTransport {
    pub fn new(timeout: Duration) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("helpscout-webhook/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        UreqTransport { agent }
    }
}

impl Transport for UreqTransport {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let mut builder = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(&request.url);
        for (k, v) in &request.headers {
            builder = builder.header(k, v);
        }
        let http_request = builder
            .body(request.body.clone().unwrap_or_default())
            .map_err(|e| TransportError::Connection(format!("invalid request: {e}")))?;
        let mut response = self.agent.run(http_request).map_err(|e| match e {
            ureq::Error::Timeout(t) => TransportError::Timeout(format!("no answer in time ({t})")),
            ureq::Error::HostNotFound => {
                TransportError::Connection("the host name could not be resolved (DNS)".into())
            }
            ureq::Error::ConnectionFailed => {
                TransportError::Connection("the connection failed".into())
            }
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
                TransportError::Timeout(format!("no answer in time ({io})"))
            }
            other => TransportError::Connection(other.to_string()),
        })?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(16 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::Timeout(t) => {
                    TransportError::Timeout(format!("the answer did not arrive in time ({t})"))
                }
                other => TransportError::Connection(format!("reading the answer failed: {other}")),
            })?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

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

/// Whether `host` (as written in a URL) is the local machine.
fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h == "::1"
        || h.parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Check a base URL: https, or plain http only to a loopback host (tokens and secrets
/// never travel in clear text). Returns it without a trailing slash.
pub fn check_base_url(url: &str) -> Result<String, ApiError> {
    let trimmed = url.trim().trim_end_matches('/');
    let lower = trimmed.to_ascii_lowercase();
    let (secure, rest) = if let Some(r) = lower.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = lower.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(ApiError::Validation(format!(
            "base_url must start with https://, got {url:?}"
        )));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = if host_port.starts_with('[') {
        host_port
            .split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or("").to_owned()
    };
    if host.is_empty() {
        return Err(ApiError::Validation(format!(
            "base_url has no host: {url:?}"
        )));
    }
    if !secure && !is_loopback(&host) {
        return Err(ApiError::Validation(format!(
            "base_url {url:?} uses plain http:// to a host that is not this machine; use https:// so tokens and secrets are not sent in clear text"
        )));
    }
    Ok(trimmed.to_owned())
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

fn form_encode(pairs: &[(&str, &str)]) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

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

fn parse_seconds(value: &str) -> Option<f64> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
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

    fn wait_for_rate_limit(&self, response: &Response) -> Option<Duration> {
        let header = response
            .header("X-RateLimit-Retry-After")
            .or_else(|| response.header("Retry-After"));
        let seconds = header.and_then(parse_seconds);
        match seconds {
            Some(s) if s > self.settings.max_retry_wait.as_secs_f64() => None,
            Some(s) => Some(Duration::from_secs_f64(s)),
            None => Some(
                self.settings
                    .backoff
                    .max(Duration::from_secs(1))
                    .min(self.settings.max_retry_wait),
            ),
        }
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
        let (mut rate_waits, mut retries, mut refreshed) = (0u32, 0u32, false);
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
            let backoff = self.settings.backoff * 2u32.saturating_pow(retries);
            let response = match self.transport.send(&request) {
                Ok(r) => r,
                Err(_) if method.idempotent() && retries < self.settings.retries => {
                    retries += 1;
                    (self.sleep)(backoff);
                    continue;
                }
                Err(e) => return Err(self.transport_error(e, &what)),
            };
            match response.status {
                200..=299 => return Ok(response),
                401 if can_refresh && !refreshed => {
                    refreshed = true;
                    force_new_token = true;
                }
                429 => {
                    let wait = self.wait_for_rate_limit(&response);
                    match wait {
                        Some(w) if rate_waits < self.settings.rate_limit_retries => {
                            rate_waits += 1;
                            (self.sleep)(w);
                        }
                        _ => {
                            let retry_after = response
                                .header("X-RateLimit-Retry-After")
                                .or_else(|| response.header("Retry-After"))
                                .and_then(parse_seconds);
                            let after = retry_after
                                .map(|s| format!("; retry after {s} s"))
                                .unwrap_or_default();
                            return Err(ApiError::RateLimited {
                                message: format!(
                                    "{what}: {} (gave up after {rate_waits} wait(s){after})",
                                    error_message(&response)
                                ),
                                retry_after,
                            });
                        }
                    }
                }
                500..=599 if method.idempotent() && retries < self.settings.retries => {
                    retries += 1;
                    (self.sleep)(backoff);
                }
                status => {
                    return Err(ApiError::Remote {
                        status,
                        message: format!("{what}: {}", error_message(&response)),
                    })
                }
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
    use super::*;
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};

    /// Answers from a script and records every request.
    #[derive(Clone, Default)]
    struct Fake {
        answers: Arc<Mutex<VecDeque<Result<Response, TransportError>>>>,
        seen: Arc<Mutex<Vec<Request>>>,
    }

    impl Fake {
        fn answer(&self, status: u16, headers: &[(&str, &str)], body: &str) -> &Self {
            let r = Response {
                status,
                headers: headers
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                body: body.as_bytes().to_vec(),
            };
            self.answers.lock().unwrap().push_back(Ok(r));
            self
        }
        fn fail(&self, e: TransportError) -> &Self {
            self.answers.lock().unwrap().push_back(Err(e));
            self
        }
        fn seen(&self) -> Vec<(Method, String)> {
            self.seen
                .lock()
                .unwrap()
                .iter()
                .map(|r| (r.method, r.url.clone()))
                .collect()
        }
    }

    impl Transport for Fake {
        fn send(&self, request: &Request) -> Result<Response, TransportError> {
            self.seen.lock().unwrap().push(request.clone());
            self.answers
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or(Err(TransportError::Connection("no scripted answer".into())))
        }
    }

    fn client(fake: &Fake, credentials: Credentials) -> (Client, Arc<Mutex<Vec<Duration>>>) {
        let waits = Arc::new(Mutex::new(Vec::new()));
        let w = waits.clone();
        let settings = Settings {
            base_url: "http://127.0.0.1:9".into(),
            ..Settings::default()
        };
        let c = Client::new(
            settings,
            credentials,
            Box::new(fake.clone()),
            Box::new(move |d| w.lock().unwrap().push(d)),
        )
        .unwrap();
        (c, waits)
    }

    fn app() -> Credentials {
        Credentials::App {
            app_id: "app-id".into(),
            app_secret: "app-secret-value".into(),
        }
    }

    fn hook() -> Webhook {
        Webhook {
            url: Some("https://example.com/hook".into()),
            events: vec!["convo.created".into()],
            secret: Some("webhook-secret-1".into()),
            ..Webhook::default()
        }
    }

    const TOKEN: &str = r#"{"token_type":"bearer","access_token":"tok-1","expires_in":172800}"#;

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

    #[test]
    fn base_urls() {
        assert_eq!(
            check_base_url("https://api.helpscout.net/").unwrap(),
            "https://api.helpscout.net"
        );
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost",
            "http://[::1]:9000/x",
            "http://127.5.5.5",
            "HTTPS://Example.com",
        ] {
            assert!(check_base_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com",
            "http://10.0.0.1",
            "http://127.0.0.1.evil.example",
            "ftp://x",
            "api.helpscout.net",
            "https://",
            "http://user@evil.example",
        ] {
            assert!(
                matches!(check_base_url(bad), Err(ApiError::Validation(_))),
                "{bad}"
            );
        }
        assert!(is_loopback("localhost") && !is_loopback("localhost.example"));
    }
}
