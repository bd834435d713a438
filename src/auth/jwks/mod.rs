//! An identity provider's published keys (a JWKS), fetched over HTTPS and kept fresh.
//!
//! The keys are fetched once at start, then again when their cache lifetime runs out
//! (`Cache-Control: max-age`, held between 5 minutes and 24 hours, 1 hour when absent) and
//! when a token names a `kid` we do not hold, which is how a provider's key rotation shows
//! up first. That last refresh happens at most once a minute, whatever the tokens say, and
//! concurrent requests share one fetch: made-up `kid`s cannot turn us into a flood against
//! the provider. A failed refresh keeps the keys we have (logged at WARN); a provider that
//! is down at start does not stop the start: tokens it signed are refused until a retry
//! (backing off from 1 s to 1 minute) gets its keys.

mod discovery;
mod fetch;
mod keyset;

use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::{Duration, Instant};

use url::Url;

pub use discovery::document_url;
use fetch::{FetchError, Fetcher};

use crate::auth::verify_key::VerifyKey;
use crate::config::{AuthSettings, provider_url};

pub const MIN_LIFETIME: Duration = Duration::from_secs(5 * 60);
pub const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// The least time between two refreshes that tokens with an unknown `kid` cause.
pub const UNKNOWN_KID_INTERVAL: Duration = Duration::from_secs(60);
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(60);

/// Where the key set is: given, or found through the issuer's discovery document.
enum Source {
    KeySet(Url),
    Discovery { issuer: String },
}

struct FetchState {
    /// The key set's address once known (at once for `KeySet`; after discovery otherwise).
    key_set: Option<Url>,
    /// When a token with an unknown `kid` last caused a fetch.
    last_unknown_kid: Option<Instant>,
}

pub struct RemoteKeys {
    source: Source,
    fetcher: Fetcher,
    keys: RwLock<Arc<Vec<VerifyKey>>>,
    /// Held for the whole of a fetch: one fetch at a time, and those waiting see its keys.
    state: tokio::sync::Mutex<FetchState>,
}

impl RemoteKeys {
    /// The provider's keys as `auth` describes them; `None` when no key set is fetched.
    /// Nothing is fetched until `start`.
    pub fn from_settings(auth: &AuthSettings) -> Result<Option<Arc<Self>>, String> {
        let source = match (&auth.jwks_url, &auth.issuer) {
            (Some(url), _) => {
                Source::KeySet(provider_url("auth.jwks_url", url).map_err(|e| e.to_string())?)
            }
            (None, Some(issuer)) if auth.discovery => {
                document_url(issuer).map_err(|e| e.to_string())?;
                Source::Discovery {
                    issuer: issuer.trim().to_owned(),
                }
            }
            _ => return Ok(None),
        };
        let key_set = match &source {
            Source::KeySet(url) => Some(url.clone()),
            Source::Discovery { .. } => None,
        };
        Ok(Some(Arc::new(Self {
            source,
            fetcher: Fetcher::new(auth.ca_file.as_deref())?,
            keys: RwLock::new(Arc::new(Vec::new())),
            state: tokio::sync::Mutex::new(FetchState {
                key_set,
                last_unknown_kid: None,
            }),
        })))
    }

    /// The keys as last fetched (empty before the first success).
    pub fn current(&self) -> Arc<Vec<VerifyKey>> {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn holds(&self, kid: &str) -> bool {
        self.current().iter().any(|k| k.kid.as_deref() == Some(kid))
    }

    /// Fetches the keys once (a provider that is down is logged, not fatal), then keeps them
    /// fresh in the background for as long as these keys are in use.
    pub async fn start(self: &Arc<Self>) {
        let wait = match self.refresh().await {
            Ok(lifetime) => refresh_after(lifetime),
            Err(e) => {
                tracing::warn!(
                    error = %e,
                    "could not fetch the identity provider's keys; starting without them: tokens it signed are refused until a retry gets them"
                );
                RETRY_FIRST
            }
        };
        tokio::spawn(keep_fresh(Arc::downgrade(self), wait));
    }

    /// Called for a token whose `kid` no key has: fetches the keys again unless a fetch for
    /// that reason happened in the last minute. True when the keys now hold `kid`.
    pub async fn refresh_for_unknown_kid(&self, kid: &str) -> bool {
        let mut state = self.state.lock().await;
        // A fetch we waited for may have brought it.
        if self.holds(kid) {
            return true;
        }
        if state
            .last_unknown_kid
            .is_some_and(|at| at.elapsed() < UNKNOWN_KID_INTERVAL)
        {
            return false;
        }
        state.last_unknown_kid = Some(Instant::now());
        match self.fetch(&mut state).await {
            Ok(_) => self.holds(kid),
            Err(e) => {
                tracing::warn!(error = %e, "could not refresh the identity provider's keys for a token with a new key id; the keys fetched before stay in use");
                false
            }
        }
    }

    /// A scheduled refresh: the keys' lifetime on success.
    async fn refresh(&self) -> Result<Duration, FetchError> {
        let mut state = self.state.lock().await;
        self.fetch(&mut state).await
    }

    /// Fetches the key set (after discovery when needed) and replaces the keys; returns their
    /// cache lifetime. On failure the keys stay as they were.
    async fn fetch(&self, state: &mut FetchState) -> Result<Duration, FetchError> {
        let url = match (&state.key_set, &self.source) {
            (Some(url), _) => url.clone(),
            (None, Source::Discovery { issuer }) => {
                let url = discovery::jwks_uri(&self.fetcher, issuer).await?;
                state.key_set = Some(url.clone());
                url
            }
            (None, Source::KeySet(url)) => url.clone(),
        };
        let result = self.fetch_key_set(&url).await;
        if result.is_err() && matches!(self.source, Source::Discovery { .. }) {
            // The provider may have moved its key set: ask the discovery document again.
            state.key_set = None;
        }
        result
    }

    async fn fetch_key_set(&self, url: &Url) -> Result<Duration, FetchError> {
        let fetched = self.fetcher.get(url).await?;
        let keys =
            keyset::parse(&fetched.body).map_err(|why| FetchError(format!("GET {url}: {why}")))?;
        let lifetime = lifetime(fetched.max_age);
        let kids = |keys: &[VerifyKey]| {
            let mut kids: Vec<String> = keys.iter().filter_map(|k| k.kid.clone()).collect();
            kids.sort();
            kids
        };
        let before = kids(&self.current());
        let after = kids(&keys);
        if before != after {
            tracing::info!(
                jwks.keys = keys.len(),
                jwks.kids = %after.join(","),
                jwks.lifetime_seconds = lifetime.as_secs(),
                "fetched the identity provider's keys"
            );
        } else {
            tracing::debug!(
                keys = keys.len(),
                "the identity provider's keys are unchanged"
            );
        }
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
        Ok(lifetime)
    }
}

/// How long fetched keys are fresh: the provider's `max-age`, within our bounds.
pub fn lifetime(max_age: Option<Duration>) -> Duration {
    max_age
        .unwrap_or(DEFAULT_LIFETIME)
        .clamp(MIN_LIFETIME, MAX_LIFETIME)
}

/// Refresh a little before the lifetime runs out, so a slow fetch still lands in time.
fn refresh_after(lifetime: Duration) -> Duration {
    lifetime.mul_f64(0.9)
}

/// Refreshes on schedule, and retries with a growing wait after a failure, until the keys
/// are no longer used (the server that held them has stopped).
async fn keep_fresh(keys: Weak<RemoteKeys>, mut wait: Duration) {
    let mut backoff = RETRY_FIRST;
    loop {
        tokio::time::sleep(wait).await;
        let Some(remote) = keys.upgrade() else { return };
        wait = match remote.refresh().await {
            Ok(lifetime) => {
                backoff = RETRY_FIRST;
                refresh_after(lifetime)
            }
            Err(e) => {
                let held = remote.current().len();
                tracing::warn!(
                    error = %e,
                    jwks.keys = held,
                    jwks.retry_seconds = backoff.as_secs(),
                    "could not refresh the identity provider's keys; the keys fetched before stay in use"
                );
                let this = backoff;
                backoff = (backoff * 2).min(RETRY_MAX);
                this
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifetime_is_max_age_within_bounds() {
        assert_eq!(lifetime(None), DEFAULT_LIFETIME);
        assert_eq!(lifetime(Some(Duration::ZERO)), MIN_LIFETIME);
        assert_eq!(
            lifetime(Some(Duration::from_secs(7200))),
            Duration::from_secs(7200)
        );
        assert_eq!(
            lifetime(Some(Duration::from_secs(30 * 86_400))),
            MAX_LIFETIME
        );
        assert!(refresh_after(DEFAULT_LIFETIME) < DEFAULT_LIFETIME);
    }
}
