//! Content negotiation for GraphQL over HTTP: which media type the response uses.

use axum::http::HeaderMap;
use axum::http::header::ACCEPT;

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
pub const JSON: &str = "application/json";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// `application/json`: errors in the body, status 200 for any well-formed request.
    Json,
    /// `application/graphql-response+json`: status codes carry meaning too.
    GraphqlResponseJson,
}

impl MediaType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => JSON,
            Self::GraphqlResponseJson => GRAPHQL_RESPONSE_JSON,
        }
    }
}

/// Picks the response media type from `Accept`: `application/json` when it is missing, asked
/// for or matched by a wildcard; `application/graphql-response+json` when preferred. `None`
/// when the client accepts neither (406).
pub fn response_type(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = headers.get(ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(MediaType::Json);
    };
    if accept.trim().is_empty() {
        return Some(MediaType::Json);
    }
    let mut best: Option<(f32, u8, MediaType)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut q = 1.0f32;
        for param in parts {
            if let Some(v) = param.trim().strip_prefix("q=") {
                q = v.trim().parse().unwrap_or(0.0);
            }
        }
        if q <= 0.0 {
            continue;
        }
        // Ties go to the more specific range, then to the order of our preference.
        let candidate = match media.as_str() {
            GRAPHQL_RESPONSE_JSON => (q, 3, MediaType::GraphqlResponseJson),
            JSON => (q, 2, MediaType::Json),
            "application/*" | "*/*" => (q, 1, MediaType::Json),
            _ => continue,
        };
        if best.is_none_or(|(bq, bs, _)| (candidate.0, candidate.1) > (bq, bs)) {
            best = Some(candidate);
        }
    }
    best.map(|(_, _, m)| m)
}

pub fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, v.parse().expect("header"));
        h
    }

    #[test]
    fn negotiates_as_the_spec_asks() {
        assert_eq!(response_type(&HeaderMap::new()), Some(MediaType::Json));
        assert_eq!(
            response_type(&accept("application/json")),
            Some(MediaType::Json)
        );
        assert_eq!(response_type(&accept("*/*")), Some(MediaType::Json));
        assert_eq!(
            response_type(&accept(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Some(MediaType::GraphqlResponseJson)
        );
        assert_eq!(
            response_type(&accept(
                "application/graphql-response+json;q=0.5, application/json"
            )),
            Some(MediaType::Json)
        );
        assert_eq!(response_type(&accept("text/plain")), None);
    }
}
