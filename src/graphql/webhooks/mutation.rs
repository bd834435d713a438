//! Registering, pausing and removing webhooks (admins only).

use async_graphql::{Context, ID, Object, Result};

use super::inputs::*;
use crate::graphql::context::{services, viewer};
use crate::graphql::error::GqlResult;
use crate::graphql::types::webhook::WebhookObject;
use crate::service::webhooks::NewWebhook;

/// Outbound webhooks. Every mutation here is for ADMIN only (else FORBIDDEN); an unknown id
/// is NOT_FOUND, a malformed one BAD_USER_INPUT.
#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Registers an endpoint for signed event deliveries (admins only). The payload carries
    /// the signing secret, shown this once.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint, the events, the secret and the format.")]
        input: CreateWebhookInput,
    ) -> Result<CreateWebhookPayload> {
        let new = NewWebhook {
            url: input.url,
            events: input.events.into_iter().map(Into::into).collect(),
            problem_events: input
                .problem_events
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
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

    /// Stops new deliveries; pending ones wait until the webhook is enabled again (ADMIN).
    async fn disable_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook to pause.")] input: DisableWebhookInput,
    ) -> Result<WebhookObject> {
        let id = parse_webhook_id("id", &input.id)?;
        let webhook = services(ctx)?
            .set_webhook_enabled(viewer(ctx)?, id, false)
            .await
            .gql(ctx)?;
        Ok(WebhookObject(webhook))
    }

    /// Resumes deliveries, the pending ones included (ADMIN).
    async fn enable_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook to resume.")] input: EnableWebhookInput,
    ) -> Result<WebhookObject> {
        let id = parse_webhook_id("id", &input.id)?;
        let webhook = services(ctx)?
            .set_webhook_enabled(viewer(ctx)?, id, true)
            .await
            .gql(ctx)?;
        Ok(WebhookObject(webhook))
    }

    /// Deletes the webhook and its delivery history; pending deliveries are dropped (ADMIN).
    async fn delete_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook to delete.")] input: DeleteWebhookInput,
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
