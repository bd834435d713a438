//! OIDC discovery: the provider's `/.well-known/openid-configuration` names its key set.
//! The document must be the configured issuer's own (its `issuer` equal to ours, as OpenID
//! Connect Discovery 1.0 section 4.3 requires), or a token could be checked with keys from
//! a document that merely sits at that address.

use url::Url;

use super::fetch::{FetchError, Fetcher};
use crate::config::provider_url;

#[derive(serde::Deserialize)]
struct Document {
    issuer: String,
    jwks_uri: String,
}

/// Where `issuer`'s discovery document is.
pub fn document_url(issuer: &str) -> Result<Url, FetchError> {
    let address = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim().trim_end_matches('/')
    );
    provider_url("auth.issuer", &address).map_err(|e| FetchError(e.to_string()))
}

/// The key set's address, from `issuer`'s discovery document.
pub async fn jwks_uri(fetcher: &Fetcher, issuer: &str) -> Result<Url, FetchError> {
    let url = document_url(issuer)?;
    let fetched = fetcher.get(&url).await?;
    let document: Document = serde_json::from_slice(&fetched.body).map_err(|_| {
        FetchError(format!(
            "GET {url}: not a discovery document (a JSON object with `issuer` and `jwks_uri`)"
        ))
    })?;
    if document.issuer != issuer.trim() {
        return Err(FetchError(format!(
            "GET {url}: the document is for the issuer {:?}, not the configured auth.issuer {:?}",
            document.issuer,
            issuer.trim()
        )));
    }
    provider_url("the discovery document's jwks_uri", &document.jwks_uri)
        .map_err(|e| FetchError(e.to_string()))
}
