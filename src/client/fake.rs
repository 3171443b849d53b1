//! Test support: a scripted [`Transport`] that records every request, and a client over it
//! whose waits are recorded instead of slept.

use super::Webhook;
use super::{Client, Credentials, Method, Request, Response, Settings, Transport, TransportError};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Answers from a script and records every request.
#[derive(Clone, Default)]
pub(super) struct Fake {
    pub(super) answers: Arc<Mutex<VecDeque<Result<Response, TransportError>>>>,
    pub(super) seen: Arc<Mutex<Vec<Request>>>,
}

impl Fake {
    pub(super) fn answer(&self, status: u16, headers: &[(&str, &str)], body: &str) -> &Self {
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

    pub(super) fn fail(&self, e: TransportError) -> &Self {
        self.answers.lock().unwrap().push_back(Err(e));
        self
    }

    pub(super) fn seen(&self) -> Vec<(Method, String)> {
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

/// A client over `fake`; the second value records every wait.
pub(super) fn client(fake: &Fake, credentials: Credentials) -> (Client, Arc<Mutex<Vec<Duration>>>) {
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

pub(super) fn app() -> Credentials {
    Credentials::App {
        app_id: "app-id".into(),
        app_secret: "app-secret-value".into(),
    }
}

pub(super) fn hook() -> Webhook {
    Webhook {
        url: Some("https://example.com/hook".into()),
        events: vec!["convo.created".into()],
        secret: Some("webhook-secret-1".into()),
        ..Webhook::default()
    }
}

pub(super) const TOKEN: &str =
    r#"{"token_type":"bearer","access_token":"tok-1","expires_in":172800}"#;
