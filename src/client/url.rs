//! URL policy and encoding: [`check_base_url`] (https, or plain http only to this machine),
//! the loopback rule behind it, and the form encoding of the token request.

use super::error::ApiError;

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

/// The API path of a resource given by its URL (as a notification webhook's body carries it)
/// or by its path. A URL must start with the client's own `base_url`, so the bearer token is
/// only ever sent to the API it belongs to; a path must be absolute and plain.
pub fn resource_path(base_url: &str, given: &str) -> Result<String, ApiError> {
    let given = given.trim();
    let refuse = |why: &str| {
        Err(ApiError::Validation(format!(
            "cannot fetch {given:?}: {why}"
        )))
    };
    if given.chars().any(|c| c.is_control() || c.is_whitespace()) || given.contains('#') {
        return refuse("it holds spaces, control characters or a fragment");
    }
    let path = if given.starts_with('/') && !given.starts_with("//") {
        given
    } else {
        let base = base_url.trim_end_matches('/');
        match given.get(..base.len()) {
            Some(head) if head.eq_ignore_ascii_case(base) => &given[base.len()..],
            _ => return refuse(&format!("it is not on the API's base URL {base}")),
        }
    };
    if !path.starts_with("/v2/") {
        return refuse("only Mailbox API 2.0 resources (/v2/...) can be fetched");
    }
    if path.split(['/', '?']).any(|seg| seg == ".." || seg == ".") {
        return refuse("it holds a relative path segment");
    }
    Ok(path.to_owned())
}

pub(crate) fn form_encode(pairs: &[(&str, &str)]) -> String {
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

#[cfg(test)]
mod tests {

    #[test]
    fn resources_are_fetched_only_from_the_api() {
        let base = "https://api.helpscout.net";
        assert_eq!(
            resource_path(base, "https://api.helpscout.net/v2/conversations/501").unwrap(),
            "/v2/conversations/501"
        );
        assert_eq!(
            resource_path(base, "HTTPS://API.HELPSCOUT.NET/v2/customers/7?embed=x").unwrap(),
            "/v2/customers/7?embed=x"
        );
        assert_eq!(resource_path(base, "/v2/tags/3").unwrap(), "/v2/tags/3");
        for bad in [
            "https://evil.example/v2/conversations/1",
            "https://api.helpscout.net.evil.example/v2/x",
            "https://api.helpscout.net@evil.example/v2/x",
            "//evil.example/v2/x",
            "/v1/conversations/1",
            "/v2/../oauth2/token",
            "/v2/x y",
            "/v2/x\ny",
            "/v2/x#frag",
            "",
        ] {
            assert!(resource_path(base, bad).is_err(), "{bad:?}");
        }
    }

    use super::*;

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

    #[test]
    fn form_encoding_escapes_all_but_unreserved() {
        assert_eq!(
            form_encode(&[("a b", "x/y+z&=é"), ("k", "A-z_0.9~")]),
            "a%20b=x%2Fy%2Bz%26%3D%C3%A9&k=A-z_0.9~"
        );
    }
}
