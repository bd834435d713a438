//! Webhooks and their deliveries as the schema shows them.

use async_graphql::{Enum, ID, Object};
use chrono::{DateTime, Utc};

use super::enums::TimelineEventKind;
use super::problem::ProblemEventKind;
use crate::domain::webhook::{Delivery, DeliveryKind, DeliveryState, Webhook};

/// The shape of a webhook's request body.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::webhook::WebhookFormat")]
pub enum WebhookFormat {
    /// The event, a summary of the incident and, for updates to stakeholders or the public,
    /// the incident's watchers, as JSON.
    Json,
    /// `{"text": "..."}`: one readable line, for Slack-compatible incoming webhooks.
    Slack,
}

/// Where a delivery stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::webhook::DeliveryState")]
pub enum WebhookDeliveryState {
    /// Not delivered yet: waiting for its turn, or for its next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed until the maximum age; given up.
    Failed,
}

pub struct WebhookObject(pub Webhook);

/// An endpoint that receives a signed POST for every matching timeline event. Its secret is
/// shown once, by `createWebhook`.
#[Object(name = "Webhook")]
impl WebhookObject {
    /// The webhook's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Where deliveries are POSTed.
    async fn url(&self) -> &str {
        &self.0.url
    }

    /// The incident event kinds delivered; empty: every incident kind, unless
    /// `problemEvents` lists some (then none).
    async fn events(&self) -> Vec<TimelineEventKind> {
        self.0.events.kinds().into_iter().map(Into::into).collect()
    }

    /// The problem event kinds delivered; empty: none.
    async fn problem_events(&self) -> Vec<ProblemEventKind> {
        self.0
            .events
            .problem_kinds()
            .into_iter()
            .map(Into::into)
            .collect()
    }

    /// The body's shape.
    async fn format(&self) -> WebhookFormat {
        self.0.format.into()
    }

    /// A disabled webhook gets no new deliveries; its pending ones wait until it is enabled.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }

    /// When it was registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The id of the admin who registered it.
    async fn created_by(&self) -> &str {
        self.0.created_by.as_str()
    }
}

pub struct WebhookDeliveryObject(pub Delivery);

/// One event sent (or to be sent) to one webhook, and how the attempts went.
#[Object(name = "WebhookDelivery")]
impl WebhookDeliveryObject {
    /// Also sent as the `X-Hindsight-Delivery` header; the same on every attempt, so
    /// receivers can drop duplicates.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The incident whose event this is; null for a problem event.
    async fn incident_id(&self) -> Option<ID> {
        self.0.incident_id().map(|id| ID(id.to_string()))
    }

    /// The problem whose event this is; null for an incident event.
    async fn problem_id(&self) -> Option<ID> {
        self.0.problem_id().map(|id| ID(id.to_string()))
    }

    /// The timeline event delivered (in the incident's timeline, or the problem's).
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.to_string())
    }

    /// The incident event's kind; null for a problem event.
    async fn event_kind(&self) -> Option<TimelineEventKind> {
        match self.0.event_kind {
            DeliveryKind::Incident(kind) => Some(kind.into()),
            DeliveryKind::Problem(_) => None,
        }
    }

    /// The problem event's kind; null for an incident event.
    async fn problem_event_kind(&self) -> Option<ProblemEventKind> {
        match self.0.event_kind {
            DeliveryKind::Problem(kind) => Some(kind.into()),
            DeliveryKind::Incident(_) => None,
        }
    }

    /// Pending, delivered, or given up.
    async fn state(&self) -> WebhookDeliveryState {
        self.0.state.into()
    }

    /// How many times it was sent so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }

    /// The HTTP status of the last answer, if the receiver answered at all.
    async fn last_status_code(&self) -> Option<i32> {
        self.0.last_status
    }

    /// Why the last attempt failed.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }

    /// When the event was queued for this webhook.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it was last sent; null before the first attempt.
    async fn last_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_attempt_at
    }

    /// When the next attempt is due; null once delivered or failed.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.state == DeliveryState::Pending).then_some(self.0.next_attempt_at)
    }

    /// When the receiver answered 2xx; null until then.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
}
