//! Webhooks: what one is (an endpoint, the events it wants, its format) and what a delivery
//! records. The rules live beside it: which addresses a webhook may reach (`address`), how a
//! delivery is signed (`signing`), and how long to wait before the next attempt (`retry`).

mod address;
mod retry;
mod signing;

use chrono::{DateTime, Utc};

use uuid::Uuid;

use super::event::EventKind;
use super::ids::{DeliveryId, IncidentId, ProblemId, UserId, WebhookId};
use super::problem::ProblemEventKind;
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

/// What a delivery carries: an incident's timeline event or a problem's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryKind {
    Incident(EventKind),
    Problem(ProblemEventKind),
}

impl DeliveryKind {
    /// The name stored and sent in the `X-Hindsight-Event` header: an incident kind as it is
    /// (`RESOLVED`), a problem kind with `PROBLEM_` before it (`PROBLEM_RESOLVED`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incident(kind) => kind.as_str(),
            Self::Problem(kind) => match kind {
                ProblemEventKind::Reported => "PROBLEM_REPORTED",
                ProblemEventKind::InvestigationStarted => "PROBLEM_INVESTIGATION_STARTED",
                ProblemEventKind::KnownErrorRecorded => "PROBLEM_KNOWN_ERROR_RECORDED",
                ProblemEventKind::Resolved => "PROBLEM_RESOLVED",
                ProblemEventKind::Closed => "PROBLEM_CLOSED",
                ProblemEventKind::Cancelled => "PROBLEM_CANCELLED",
                ProblemEventKind::IncidentLinked => "PROBLEM_INCIDENT_LINKED",
                ProblemEventKind::IncidentUnlinked => "PROBLEM_INCIDENT_UNLINKED",
            },
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        EventKind::parse(s).map(Self::Incident).or_else(|| {
            ProblemEventKind::ALL
                .into_iter()
                .map(Self::Problem)
                .find(|k| k.as_str() == s)
        })
    }
}

/// The event kinds a webhook wants. Empty means every incident kind, including kinds added
/// later. Problem kinds are delivered only to webhooks that list them (their bodies name a
/// problem, not an incident), so listing only problem kinds delivers no incident event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventFilter(Vec<DeliveryKind>);

impl EventFilter {
    pub fn new(kinds: impl IntoIterator<Item = DeliveryKind>) -> Self {
        let mut out: Vec<DeliveryKind> = Vec::new();
        for kind in kinds {
            if !out.contains(&kind) {
                out.push(kind);
            }
        }
        Self(out)
    }

    /// The incident kinds listed.
    pub fn kinds(&self) -> Vec<EventKind> {
        self.0
            .iter()
            .filter_map(|k| match k {
                DeliveryKind::Incident(k) => Some(*k),
                DeliveryKind::Problem(_) => None,
            })
            .collect()
    }

    /// The problem kinds listed.
    pub fn problem_kinds(&self) -> Vec<ProblemEventKind> {
        self.0
            .iter()
            .filter_map(|k| match k {
                DeliveryKind::Problem(k) => Some(*k),
                DeliveryKind::Incident(_) => None,
            })
            .collect()
    }

    pub fn matches(&self, kind: DeliveryKind) -> bool {
        match kind {
            DeliveryKind::Incident(_) => self.0.is_empty() || self.0.contains(&kind),
            DeliveryKind::Problem(_) => self.0.contains(&kind),
        }
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
        Self::new(s.split(',').filter_map(DeliveryKind::parse))
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
    /// The incident's id, or for a problem event the problem's: deliveries of one subject to
    /// one webhook go out in order.
    pub subject_id: Uuid,
    /// The timeline event delivered (in the incident's or the problem's timeline).
    pub event_id: i64,
    pub event_kind: DeliveryKind,
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

impl Delivery {
    pub fn incident_id(&self) -> Option<IncidentId> {
        matches!(self.event_kind, DeliveryKind::Incident(_)).then_some(IncidentId(self.subject_id))
    }

    pub fn problem_id(&self) -> Option<ProblemId> {
        matches!(self.event_kind, DeliveryKind::Problem(_)).then_some(ProblemId(self.subject_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_filter_matches_every_incident_kind() {
        let resolved = DeliveryKind::Incident(EventKind::Resolved);
        assert!(EventFilter::default().matches(resolved));
        let f = EventFilter::new([resolved, resolved]);
        assert_eq!(f.kinds(), [EventKind::Resolved]);
        assert!(!f.matches(DeliveryKind::Incident(EventKind::Reported)));
        assert_eq!(EventFilter::from_column(&f.to_column()), f);
        assert_eq!(EventFilter::from_column(""), EventFilter::default());
    }

    #[test]
    fn problem_kinds_are_delivered_only_when_listed() {
        let known = DeliveryKind::Problem(ProblemEventKind::KnownErrorRecorded);
        assert!(!EventFilter::default().matches(known));
        let f = EventFilter::new([known]);
        assert!(f.matches(known));
        assert!(!f.matches(DeliveryKind::Problem(ProblemEventKind::Reported)));
        assert!(
            !f.matches(DeliveryKind::Incident(EventKind::Resolved)),
            "only problem kinds listed: no incident events"
        );
        assert_eq!(f.problem_kinds(), [ProblemEventKind::KnownErrorRecorded]);
        assert!(f.kinds().is_empty());
        assert_eq!(f.to_column(), "PROBLEM_KNOWN_ERROR_RECORDED");
        assert_eq!(EventFilter::from_column(&f.to_column()), f);
    }

    #[test]
    fn every_kind_name_is_distinct_and_parses_back() {
        let all: Vec<DeliveryKind> = EventKind::ALL
            .into_iter()
            .map(DeliveryKind::Incident)
            .chain(ProblemEventKind::ALL.into_iter().map(DeliveryKind::Problem))
            .collect();
        for kind in &all {
            assert_eq!(DeliveryKind::parse(kind.as_str()), Some(*kind));
        }
        let names: std::collections::HashSet<_> = all.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), all.len());
    }
}
