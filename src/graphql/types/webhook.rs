//! Webhooks and their deliveries as the schema shows them.

use async_graphql::{Enum, ID, Object};
use chrono::{DateTime, Utc};

use super::enums::TimelineEventKind;
use crate::domain::webhook::{Delivery, DeliveryState, Webhook};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::webhook::WebhookFormat")]
pub enum WebhookFormat {
    /// The event, a summary of the incident and, for updates to stakeholders or the public,
    /// the incident's watchers, as JSON.
    Json,
    /// `{"text": "..."}`: one readable line, for Slack-compatible incoming webhooks.
    Slack,
}

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
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn url(&self) -> &str {
        &self.0.url
    }

    /// The event kinds delivered; empty: every kind.
    async fn events(&self) -> Vec<TimelineEventKind> {
        self.0.events.kinds().iter().map(|&k| k.into()).collect()
    }

    async fn format(&self) -> WebhookFormat {
        self.0.format.into()
    }

    /// A disabled webhook gets no new deliveries; its pending ones wait until it is enabled.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }

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

    async fn incident_id(&self) -> ID {
        ID(self.0.incident_id.to_string())
    }

    /// The timeline event delivered.
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.to_string())
    }

    async fn event_kind(&self) -> TimelineEventKind {
        self.0.event_kind.into()
    }

    async fn state(&self) -> WebhookDeliveryState {
        self.0.state.into()
    }

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

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn last_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_attempt_at
    }

    /// When the next attempt is due; null once delivered or failed.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.state == DeliveryState::Pending).then_some(self.0.next_attempt_at)
    }

    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
}
