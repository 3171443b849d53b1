//! `ApiClient`: the Mailbox API 2.0 webhook client; every request runs with the GIL released.

use super::error::argument;
use crate::client::{Client, Credentials, Settings, Webhook};
use pyo3::prelude::*;
use std::time::Duration;

fn seconds(name: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| argument(format!("{name} must be a non-negative number of seconds")))
}

fn parse_hook(hook_json: &str) -> PyResult<Webhook> {
    serde_json::from_str(hook_json)
        .map_err(|e| argument(format!("the webhook cannot be sent: {e}")))
}

/// A Help Scout Mailbox API 2.0 client for webhooks. Its `repr` never shows a secret.
#[pyclass(frozen, module = "helpscout._core")]
pub struct ApiClient {
    inner: Client,
}

#[pymethods]
impl ApiClient {
    #[new]
    #[pyo3(signature = (app_id = None, app_secret = None, access_token = None, base_url = "https://api.helpscout.net", timeout = 30.0, rate_limit_retries = 3, max_retry_wait = 60.0, retries = 2))]
    #[allow(clippy::too_many_arguments)]
    fn py_new(
        app_id: Option<String>,
        app_secret: Option<String>,
        access_token: Option<String>,
        base_url: &str,
        timeout: f64,
        rate_limit_retries: u32,
        max_retry_wait: f64,
        retries: u32,
    ) -> PyResult<Self> {
        let credentials = match (app_id, app_secret, access_token) {
            (_, _, Some(token)) => Credentials::AccessToken(token),
            (Some(app_id), Some(app_secret), None) => Credentials::App { app_id, app_secret },
            (Some(_), None, None) => {
                return Err(argument(
                    "app_secret is missing. Help Scout retired API keys with Mailbox API 1.0 (November 2019): \
                     create an app under Your Profile → My Apps and pass HelpScout(app_id, app_secret), \
                     or pass access_token=...",
                ))
            }
            _ => {
                return Err(argument(
                    "pass HelpScout(app_id, app_secret) for an internal app, or access_token=...",
                ))
            }
        };
        let settings = Settings {
            base_url: base_url.to_owned(),
            timeout: seconds("timeout", timeout)?,
            rate_limit_retries,
            max_retry_wait: seconds("max_retry_wait", max_retry_wait)?,
            retries,
            ..Settings::default()
        };
        Ok(ApiClient {
            inner: Client::with_ureq(settings, credentials).map_err(PyErr::from)?,
        })
    }

    /// Create a webhook from its API JSON; the new id.
    fn create_webhook(
        &self,
        py: Python<'_>,
        hook_json: &str,
        allow_unknown_events: bool,
    ) -> PyResult<i64> {
        let hook = parse_hook(hook_json)?;
        py.detach(|| self.inner.create_webhook(&hook, allow_unknown_events))
            .map_err(PyErr::from)
    }

    /// Replace webhook `id` with the settings in `hook_json`.
    fn update_webhook(
        &self,
        py: Python<'_>,
        id: i64,
        hook_json: &str,
        allow_unknown_events: bool,
    ) -> PyResult<()> {
        let hook = parse_hook(hook_json)?;
        py.detach(|| self.inner.update_webhook(id, &hook, allow_unknown_events))
            .map_err(PyErr::from)
    }

    fn delete_webhook(&self, py: Python<'_>, id: i64) -> PyResult<()> {
        py.detach(|| self.inner.delete_webhook(id))
            .map_err(PyErr::from)
    }

    /// Webhook `id` as JSON text.
    fn get_webhook(&self, py: Python<'_>, id: i64) -> PyResult<String> {
        py.detach(|| self.inner.get_webhook(id))
            .map(|v| v.to_string())
            .map_err(PyErr::from)
    }

    /// Every webhook (all pages) as a JSON array text.
    fn list_webhooks(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| self.inner.list_webhooks())
            .map(|v| serde_json::Value::Array(v).to_string())
            .map_err(PyErr::from)
    }

    /// A resource by URL or path (notification webhooks), as JSON text; only URLs on the
    /// client's base URL are fetched.
    fn get_resource(&self, py: Python<'_>, url: &str) -> PyResult<String> {
        py.detach(|| self.inner.get_resource(url))
            .map(|v| v.to_string())
            .map_err(PyErr::from)
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.inner)
    }
}
