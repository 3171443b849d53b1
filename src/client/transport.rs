//! The HTTP exchange: [`Method`], [`Request`], [`Response`], [`TransportError`], the
//! [`Transport`] trait the client sends through (tests pass a fake) and [`UreqTransport`], the
//! real one (ureq with rustls, no redirects followed, every status returned as-is).

use std::fmt;
use std::time::Duration;

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
