//! Webhooks: what one is (an endpoint, the events it wants, its format) and what a delivery
//! records. The rules live beside it: which addresses a webhook may reach (`address`), how a
//! delivery is signed (`signing`), and how long to wait before the next attempt (`retry`).

mod address;
mod retry;
mod signing;

use chrono::{DateTime, Utc};

use super::event::EventKind;
use super::ids::{DeliveryId, EventId, IncidentId, UserId, WebhookId};
use super::secret::Secret;
pub use address::{AddressRules, Target, WebhookUrl};
pub use retry::{backoff, jittered};
pub use signing::{MIN_SECRET_CHARS, check_secret, sign};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    /// The event, the incident summary (and watchers, for wide-audience updates) as JSON.
    Json,
    /// `{"text": "..."}`, one readable line, for Slack-compatible incoming webhooks.
    Slack,
}

impl WebhookFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "JSON",
            Self::Slack => "SLACK",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Json, Self::Slack]
            .into_iter()
            .find(|f| f.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    Pending,
    Delivered,
    /// Given up after the maximum age.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Delivered => "DELIVERED",
            Self::Failed => "FAILED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|f| f.as_str() == s)
    }
}

/// The event kinds a webhook wants. Empty means every kind, including kinds added later.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventFilter(Vec<EventKind>);

impl EventFilter {
    pub fn new(kinds: impl IntoIterator<Item = EventKind>) -> Self {
        let mut out: Vec<EventKind> = Vec::new();
        for kind in kinds {
            if !out.contains(&kind) {
                out.push(kind);
            }
        }
        Self(out)
    }

    pub fn kinds(&self) -> &[EventKind] {
        &self.0
    }

    pub fn matches(&self, kind: EventKind) -> bool {
        self.0.is_empty() || self.0.contains(&kind)
    }

    /// The stored form: kinds joined by commas.
    pub fn to_column(&self) -> String {
        self.0
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Unknown names (from a newer version) are ignored rather than failing every read.
    pub fn from_column(s: &str) -> Self {
        Self::new(s.split(',').filter_map(EventKind::parse))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: WebhookId,
    pub url: String,
    pub events: EventFilter,
    /// Signs deliveries; never returned to clients after creation.
    pub secret: Secret,
    pub format: WebhookFormat,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: UserId,
}

/// One delivery: a body for one webhook, and how sending it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub seq: i64,
    pub id: DeliveryId,
    pub webhook_id: WebhookId,
    pub incident_id: IncidentId,
    pub event_id: EventId,
    pub event_kind: EventKind,
    /// Exactly the bytes that are POSTed and signed.
    pub body: String,
    pub state: DeliveryState,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub lease_until: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_filter_matches_every_kind() {
        assert!(EventFilter::default().matches(EventKind::Resolved));
        let f = EventFilter::new([EventKind::Resolved, EventKind::Resolved]);
        assert_eq!(f.kinds(), &[EventKind::Resolved]);
        assert!(!f.matches(EventKind::Reported));
        assert_eq!(EventFilter::from_column(&f.to_column()), f);
        assert_eq!(EventFilter::from_column(""), EventFilter::default());
    }
}
