//! Reading from the identity provider: HTTPS (with the operator's extra root certificates),
//! bounded in time and in size, redirects followed only to addresses keys may come from.

use std::path::Path;
use std::time::Duration;

use reqwest::header::{CACHE_CONTROL, HeaderMap};
use url::Url;

use crate::config::provider_url;

/// One request, connection included: a provider that hangs must not hold a refresh (and
/// the requests waiting on an unknown `kid`) for long.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Real key sets are a few kilobytes; this bounds what a broken or hostile one can make us
/// hold.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
const MAX_REDIRECTS: usize = 3;

/// Why a fetch failed, for the log. Holds no secret: addresses and reasons only.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FetchError(pub String);

pub struct Fetched {
    pub body: Vec<u8>,
    /// The response's `Cache-Control: max-age` (zero for `no-cache`/`no-store`).
    pub max_age: Option<Duration>,
}

pub struct Fetcher {
    client: reqwest::Client,
}

impl Fetcher {
    /// A client trusting the public roots and, when given, the certificates in `ca_file`.
    pub fn new(ca_file: Option<&Path>) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(FETCH_TIMEOUT)
            .user_agent(concat!("hindsight/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    attempt.error("too many redirects")
                } else if provider_url("a redirect", attempt.url().as_str()).is_err() {
                    attempt.error("a redirect to an address that is not https://")
                } else {
                    attempt.follow()
                }
            }));
        if let Some(path) = ca_file {
            let pem =
                std::fs::read(path).map_err(|e| format!("auth.ca_file {}: {e}", path.display()))?;
            let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|_| {
                format!(
                    "auth.ca_file {}: not PEM certificates (-----BEGIN CERTIFICATE-----)",
                    path.display()
                )
            })?;
            if certificates.is_empty() {
                return Err(format!(
                    "auth.ca_file {}: holds no certificate",
                    path.display()
                ));
            }
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let client = builder
            .build()
            .map_err(|e| format!("the identity provider's HTTPS client: {e}"))?;
        Ok(Self { client })
    }

    /// GETs `url`: a 2xx answer of at most `MAX_BODY_BYTES`.
    pub async fn get(&self, url: &Url) -> Result<Fetched, FetchError> {
        let fail = |why: String| FetchError(format!("GET {url}: {why}"));
        let mut response = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| fail(describe(&e)))?;
        if !response.status().is_success() {
            return Err(fail(format!("answered {}", response.status())));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_BODY_BYTES as u64)
        {
            return Err(fail(format!("the answer is over {MAX_BODY_BYTES} bytes")));
        }
        let max_age = max_age(response.headers());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| fail(describe(&e)))? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(fail(format!("the answer is over {MAX_BODY_BYTES} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched { body, max_age })
    }
}

/// reqwest's message with its causes (the TLS or connection reason is in a source).
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// `max-age` from `Cache-Control`; `no-cache` and `no-store` read as zero.
pub fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let mut found = None;
    for value in headers.get_all(CACHE_CONTROL) {
        let Ok(value) = value.to_str() else { continue };
        for directive in value.split(',').map(str::trim) {
            let lower = directive.to_ascii_lowercase();
            if lower == "no-cache" || lower == "no-store" {
                return Some(Duration::ZERO);
            }
            if let Some(seconds) = lower.strip_prefix("max-age=")
                && let Ok(seconds) = seconds.trim_matches('"').parse::<u64>()
            {
                found = Some(Duration::from_secs(seconds));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(CACHE_CONTROL, HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    #[test]
    fn max_age_is_read_from_cache_control() {
        assert_eq!(max_age(&headers(&[])), None);
        assert_eq!(
            max_age(&headers(&["public, max-age=600, must-revalidate"])),
            Some(Duration::from_secs(600))
        );
        assert_eq!(
            max_age(&headers(&["public", "Max-Age=\"30\""])),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            max_age(&headers(&["max-age=600", "no-store"])),
            Some(Duration::ZERO)
        );
        assert_eq!(max_age(&headers(&["max-age=soon"])), None);
    }
}
