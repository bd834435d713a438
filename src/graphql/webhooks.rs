//! Outbound webhooks in the schema: admins register endpoints and read what was delivered.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::error::{GqlResult, bad_input, code, with_code};
use super::query::{page_size, services, viewer};
use super::types::enums::TimelineEventKind;
use super::{PageLimit, cursor};
use crate::domain::webhook::{self, DeliveryState};
use crate::service::webhooks::NewWebhook;
use crate::store::webhooks::{Delivery, Webhook};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum WebhookFormat {
    /// The event, a summary of the incident and, for updates to stakeholders or the public,
    /// the incident's watchers, as JSON.
    Json,
    /// `{"text": "..."}`: one readable line, for Slack-compatible incoming webhooks.
    Slack,
}

impl From<WebhookFormat> for webhook::WebhookFormat {
    fn from(f: WebhookFormat) -> Self {
        match f {
            WebhookFormat::Json => Self::Json,
            WebhookFormat::Slack => Self::Slack,
        }
    }
}

impl From<webhook::WebhookFormat> for WebhookFormat {
    fn from(f: webhook::WebhookFormat) -> Self {
        match f {
            webhook::WebhookFormat::Json => Self::Json,
            webhook::WebhookFormat::Slack => Self::Slack,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum WebhookDeliveryState {
    /// Not delivered yet: waiting for its turn, or for its next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed until the maximum age; given up.
    Failed,
}

impl From<DeliveryState> for WebhookDeliveryState {
    fn from(s: DeliveryState) -> Self {
        match s {
            DeliveryState::Pending => Self::Pending,
            DeliveryState::Delivered => Self::Delivered,
            DeliveryState::Failed => Self::Failed,
        }
    }
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
        &self.0.created_by
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

#[derive(InputObject)]
pub struct CreateWebhookInput {
    /// http or https. Must resolve to public addresses only, unless the operator allowed the
    /// network (`webhooks.allowed_networks`).
    pub url: String,
    /// The event kinds to deliver; an empty list delivers every kind, including kinds added
    /// in later versions.
    pub events: Vec<TimelineEventKind>,
    /// Signs every delivery (16–256 characters). Omitted: a strong one is generated. Either
    /// way it is returned once, in the payload, and never again.
    pub secret: Option<String>,
    #[graphql(default_with = "WebhookFormat::Json")]
    pub format: WebhookFormat,
}

#[derive(InputObject)]
pub struct DisableWebhookInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct EnableWebhookInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct DeleteWebhookInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct CreateWebhookPayload {
    pub webhook: WebhookObject,
    /// The signing secret. Shown only here: store it now.
    pub secret: String,
}

#[derive(SimpleObject)]
pub struct DeleteWebhookPayload {
    pub deleted_webhook_id: ID,
}

fn parse_webhook_id(field: &'static str, id: &ID) -> Result<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| {
        with_code(
            format!("{field}: `{}` is not a webhook id", id.as_str()),
            code::BAD_USER_INPUT,
        )
    })
}

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// Every registered webhook, oldest first (admins only).
    async fn webhooks(&self, ctx: &Context<'_>) -> Result<Vec<WebhookObject>> {
        let list = services(ctx)?.webhooks(viewer(ctx)?).await.gql(ctx)?;
        Ok(list.into_iter().map(WebhookObject).collect())
    }

    /// A webhook's deliveries, newest first (admins only).
    #[graphql(complexity = "crate::graphql::limits::list_complexity(first, child_complexity)")]
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        webhook_id: ID,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, WebhookDeliveryObject>> {
        let limit = page_size(first, ctx.data::<PageLimit>()?.0)?;
        let before = after
            .as_deref()
            .map(cursor::parse_delivery)
            .transpose()
            .map_err(bad_input)?;
        let id = parse_webhook_id("webhookId", &webhook_id)?;
        let mut rows = services(ctx)?
            .webhook_deliveries(viewer(ctx)?, id, before, limit + 1)
            .await
            .gql(ctx)?;
        let has_next_page = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let mut connection = Connection::new(before.is_some(), has_next_page);
        connection.edges.extend(
            rows.into_iter()
                .map(|d| Edge::new(cursor::delivery(d.seq), WebhookDeliveryObject(d))),
        );
        Ok(connection)
    }
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Registers an endpoint for signed event deliveries (admins only). The payload carries
    /// the signing secret, shown this once.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookInput,
    ) -> Result<CreateWebhookPayload> {
        let new = NewWebhook {
            url: input.url,
            events: input.events.into_iter().map(Into::into).collect(),
            secret: input.secret,
            format: input.format.into(),
        };
        let (webhook, secret) = services(ctx)?
            .create_webhook(viewer(ctx)?, new)
            .await
            .gql(ctx)?;
        Ok(CreateWebhookPayload {
            webhook: WebhookObject(webhook),
            secret: secret.expose().to_owned(),
        })
    }

    /// Stops new deliveries; pending ones wait until the webhook is enabled again.
    async fn disable_webhook(
        &self,
        ctx: &Context<'_>,
        input: DisableWebhookInput,
    ) -> Result<WebhookObject> {
        let id = parse_webhook_id("id", &input.id)?;
        let webhook = services(ctx)?
            .set_webhook_enabled(viewer(ctx)?, id, false)
            .await
            .gql(ctx)?;
        Ok(WebhookObject(webhook))
    }

    async fn enable_webhook(
        &self,
        ctx: &Context<'_>,
        input: EnableWebhookInput,
    ) -> Result<WebhookObject> {
        let id = parse_webhook_id("id", &input.id)?;
        let webhook = services(ctx)?
            .set_webhook_enabled(viewer(ctx)?, id, true)
            .await
            .gql(ctx)?;
        Ok(WebhookObject(webhook))
    }

    /// Deletes the webhook and its delivery history; pending deliveries are dropped.
    async fn delete_webhook(
        &self,
        ctx: &Context<'_>,
        input: DeleteWebhookInput,
    ) -> Result<DeleteWebhookPayload> {
        let id = parse_webhook_id("id", &input.id)?;
        services(ctx)?
            .delete_webhook(viewer(ctx)?, id)
            .await
            .gql(ctx)?;
        Ok(DeleteWebhookPayload {
            deleted_webhook_id: ID(id.to_string()),
        })
    }
}
