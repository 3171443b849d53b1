//! The retry policy: how long a 429 is waited out (`X-RateLimit-Retry-After`, else
//! `Retry-After`, else a backoff), when a 5xx answer or a failed connection is retried (GET,
//! PUT and DELETE only, with a doubling backoff) and when a 401 gets a new token. The client
//! sends; [`Attempts`] says what to do with each outcome.

use super::error::ApiError;
use super::transport::{Method, Response};
use super::Settings;
use std::time::Duration;

/// A number of seconds from a header (`"2"`, `"0.5"`); `None` when it is not a finite,
/// non-negative number.
pub(crate) fn parse_seconds(value: &str) -> Option<f64> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
}

/// The wait a 429 answer asks for: `X-RateLimit-Retry-After`, else `Retry-After` (the first
/// of the two present decides).
pub(crate) fn retry_after(response: &Response) -> Option<f64> {
    response
        .header("X-RateLimit-Retry-After")
        .or_else(|| response.header("Retry-After"))
        .and_then(parse_seconds)
}

/// How long to wait before repeating a rate-limited request; `None` when the answer asks
/// for longer than `max_retry_wait` (give up at once). Without a usable header: the
/// backoff, at least a second, at most `max_retry_wait`.
pub(crate) fn rate_limit_wait(settings: &Settings, response: &Response) -> Option<Duration> {
    match retry_after(response) {
        Some(s) if s > settings.max_retry_wait.as_secs_f64() => None,
        Some(s) => Some(Duration::from_secs_f64(s)),
        None => Some(
            settings
                .backoff
                .max(Duration::from_secs(1))
                .min(settings.max_retry_wait),
        ),
    }
}

/// What the client does after an answer.
#[derive(Debug, PartialEq)]
pub(crate) enum Next {
    /// A 2xx answer: return it.
    Done,
    /// The token was refused: get a new one and send again (once).
    NewToken,
    /// Wait, then send again.
    Wait(Duration),
    /// Give up with this error.
    Fail(ApiError),
}

/// The retries used so far for one request.
#[derive(Debug, Default)]
pub(crate) struct Attempts {
    rate_waits: u32,
    retries: u32,
    refreshed: bool,
}

impl Attempts {
    /// The wait before the next retry of a 5xx or connection failure; it doubles each time.
    fn backoff(&self, settings: &Settings) -> Duration {
        settings
            .backoff
            .saturating_mul(2u32.saturating_pow(self.retries))
    }

    /// After a request got no answer: how long to wait before sending it again, or `None`
    /// to give up (a POST is never repeated: it may have been processed).
    pub(crate) fn after_failure(
        &mut self,
        settings: &Settings,
        method: Method,
    ) -> Option<Duration> {
        if method.idempotent() && self.retries < settings.retries {
            let wait = self.backoff(settings);
            self.retries += 1;
            Some(wait)
        } else {
            None
        }
    }

    /// After an answer to `what` (`"GET /v2/webhooks"`): what to do next. `can_refresh`
    /// says whether the client can get a new token (client credentials); `describe` makes
    /// the message of an error answer.
    pub(crate) fn after_answer(
        &mut self,
        settings: &Settings,
        method: Method,
        can_refresh: bool,
        what: &str,
        response: &Response,
        describe: &dyn Fn(&Response) -> String,
    ) -> Next {
        match response.status {
            200..=299 => Next::Done,
            401 if can_refresh && !self.refreshed => {
                self.refreshed = true;
                Next::NewToken
            }
            429 => match rate_limit_wait(settings, response) {
                Some(wait) if self.rate_waits < settings.rate_limit_retries => {
                    self.rate_waits += 1;
                    Next::Wait(wait)
                }
                _ => {
                    let retry_after = retry_after(response);
                    let after = retry_after
                        .map(|s| format!("; retry after {s} s"))
                        .unwrap_or_default();
                    Next::Fail(ApiError::RateLimited {
                        message: format!(
                            "{what}: {} (gave up after {} wait(s){after})",
                            describe(response),
                            self.rate_waits
                        ),
                        retry_after,
                    })
                }
            },
            500..=599 if method.idempotent() && self.retries < settings.retries => {
                let wait = self.backoff(settings);
                self.retries += 1;
                Next::Wait(wait)
            }
            status => Next::Fail(ApiError::Remote {
                status,
                message: format!("{what}: {}", describe(response)),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::error::error_message;
    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)]) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: Vec::new(),
        }
    }

    #[test]
    fn seconds_from_headers() {
        assert_eq!(parse_seconds(" 2 "), Some(2.0));
        assert_eq!(parse_seconds("0.5"), Some(0.5));
        for bad in [
            "",
            "-1",
            "NaN",
            "inf",
            "soon",
            "Wed, 21 Oct 2015 07:28:00 GMT",
        ] {
            assert_eq!(parse_seconds(bad), None, "{bad}");
        }
        // the first header present decides, even when it cannot be read
        let r = answer(
            429,
            &[("x-ratelimit-retry-after", "x"), ("Retry-After", "3")],
        );
        assert_eq!(retry_after(&r), None);
        assert_eq!(
            retry_after(&answer(429, &[("Retry-After", "3")])),
            Some(3.0)
        );
    }

    #[test]
    fn rate_limit_waits_are_bounded() {
        let settings = Settings::default();
        let wait = |h: &[(&str, &str)]| rate_limit_wait(&settings, &answer(429, h));
        assert_eq!(
            wait(&[("X-RateLimit-Retry-After", "2")]),
            Some(Duration::from_secs(2))
        );
        assert_eq!(wait(&[("Retry-After", "61")]), None, "longer than 60 s");
        assert_eq!(
            wait(&[]),
            Some(Duration::from_secs(1)),
            "backoff, at least 1 s"
        );
    }

    #[test]
    fn server_errors_back_off_and_posts_are_never_repeated() {
        let settings = Settings::default();
        let mut a = Attempts::default();
        let r500 = answer(500, &[]);
        let next = |a: &mut Attempts, m| {
            a.after_answer(&settings, m, true, "GET /x", &r500, &error_message)
        };
        assert_eq!(
            next(&mut a, Method::Get),
            Next::Wait(Duration::from_millis(500))
        );
        assert_eq!(
            a.after_failure(&settings, Method::Get),
            Some(Duration::from_millis(1000))
        );
        assert!(matches!(
            next(&mut a, Method::Get),
            Next::Fail(ApiError::Remote { status: 500, .. })
        ));
        let mut post = Attempts::default();
        assert!(matches!(next(&mut post, Method::Post), Next::Fail(_)));
        assert_eq!(post.after_failure(&settings, Method::Post), None);
        // a huge retry count saturates instead of overflowing
        let many = Settings {
            retries: u32::MAX,
            ..Settings::default()
        };
        let mut a = Attempts::default();
        for _ in 0..40 {
            assert!(a.after_failure(&many, Method::Delete).is_some());
        }
    }

    #[test]
    fn a_refused_token_is_renewed_once() {
        let settings = Settings::default();
        let mut a = Attempts::default();
        let r401 = answer(401, &[]);
        assert_eq!(
            a.after_answer(
                &settings,
                Method::Get,
                true,
                "GET /x",
                &r401,
                &error_message
            ),
            Next::NewToken
        );
        assert!(matches!(
            a.after_answer(
                &settings,
                Method::Get,
                true,
                "GET /x",
                &r401,
                &error_message
            ),
            Next::Fail(ApiError::Remote { status: 401, .. })
        ));
        let mut given = Attempts::default();
        assert!(matches!(
            given.after_answer(
                &settings,
                Method::Get,
                false,
                "GET /x",
                &r401,
                &error_message
            ),
            Next::Fail(_)
        ));
    }
}
