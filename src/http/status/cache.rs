//! The rendered status page, reused for `status_page.cache_seconds` so a traffic spike on the
//! public page costs the database one refresh per window, not one per request.
//!
//! Single flight: the slot is a tokio mutex held across the refresh, so requests that arrive
//! while it runs wait for it and then share its result instead of each querying.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use tokio::sync::Mutex;

use super::{html, json};
use crate::config::StatusPageSettings;
use crate::service::{ServiceError, Services};

/// One refresh, rendered both ways.
pub struct Rendered {
    pub html: Bytes,
    pub json: Bytes,
}

struct Snapshot {
    taken: Instant,
    rendered: Arc<Rendered>,
}

pub struct StatusCache {
    ttl: Duration,
    resolved_days: u32,
    title: String,
    slot: Mutex<Option<Snapshot>>,
}

impl StatusCache {
    pub fn new(settings: &StatusPageSettings) -> Self {
        Self {
            ttl: Duration::from_secs(settings.cache_seconds),
            resolved_days: settings.resolved_days,
            title: settings.title.trim().to_owned(),
            slot: Mutex::new(None),
        }
    }

    /// What `Cache-Control: max-age` may promise: the same window the server reuses a page.
    pub fn max_age_seconds(&self) -> u64 {
        self.ttl.as_secs()
    }

    /// The current page: the cached one while it is fresh, else a new one. When the database
    /// fails and an older page exists, that page is served (and kept for another window, so
    /// a database outage is not hammered by every visitor); with no page yet, the error.
    pub async fn get(&self, services: &Services) -> Result<Arc<Rendered>, ServiceError> {
        let mut slot = self.slot.lock().await;
        if let Some(snapshot) = slot.as_ref()
            && snapshot.taken.elapsed() < self.ttl
        {
            return Ok(snapshot.rendered.clone());
        }
        match services.status_page(self.resolved_days).await {
            Ok(page) => {
                let rendered = Arc::new(Rendered {
                    html: Bytes::from(html::render(&page, &self.title).into_string()),
                    json: Bytes::from(json::render(&page).to_string()),
                });
                *slot = Some(Snapshot {
                    taken: Instant::now(),
                    rendered: rendered.clone(),
                });
                Ok(rendered)
            }
            Err(e) => match slot.as_mut() {
                Some(stale) => {
                    tracing::warn!(error = %e, "status page refresh failed; serving the previous page");
                    stale.taken = Instant::now();
                    Ok(stale.rendered.clone())
                }
                None => Err(e),
            },
        }
    }
}
