//! Creating, changing, switching and deleting alert integrations, and rotating their keys
//! (admins only).

use async_graphql::{Context, ID, Object, Result};

use super::inputs::*;
use crate::graphql::context::{services, viewer};
use crate::graphql::error::GqlResult;
use crate::graphql::types::integration::IntegrationObject;

/// Alert integrations. Every mutation here is for ADMIN only (else FORBIDDEN). Invalid
/// settings are BAD_USER_INPUT, an unknown id NOT_FOUND, a stale `expectedVersion` CONFLICT.
#[derive(Default)]
pub struct IntegrationMutation;

#[Object]
impl IntegrationMutation {
    /// Creates an integration. The payload carries its key, shown this once; the key is kept
    /// only as a hash.
    async fn create_integration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration's settings.")] input: CreateIntegrationInput,
    ) -> Result<IntegrationKeyPayload> {
        let draft = input.parse()?;
        let (integration, key) = services(ctx)?
            .create_integration(viewer(ctx)?, draft)
            .await
            .gql(ctx)?;
        Ok(IntegrationKeyPayload {
            integration: IntegrationObject(integration),
            key: key.expose().to_owned(),
        })
    }

    /// Changes the settings given; the others stay.
    async fn update_integration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration and the settings to change.")]
        input: UpdateIntegrationInput,
    ) -> Result<IntegrationObject> {
        let (id, expected, patch) = input.parse()?;
        let integration = services(ctx)?
            .update_integration(viewer(ctx)?, id, patch, expected)
            .await
            .gql(ctx)?;
        Ok(IntegrationObject(integration))
    }

    /// Its endpoint refuses its alerts (403) until it is enabled again.
    async fn disable_integration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration to disable.")] input: IntegrationIdInput,
    ) -> Result<IntegrationObject> {
        let id = parse_integration_id("id", &input.id)?;
        let integration = services(ctx)?
            .set_integration_enabled(viewer(ctx)?, id, false)
            .await
            .gql(ctx)?;
        Ok(IntegrationObject(integration))
    }

    /// Its endpoint accepts alerts again.
    async fn enable_integration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration to enable.")] input: IntegrationIdInput,
    ) -> Result<IntegrationObject> {
        let id = parse_integration_id("id", &input.id)?;
        let integration = services(ctx)?
            .set_integration_enabled(viewer(ctx)?, id, true)
            .await
            .gql(ctx)?;
        Ok(IntegrationObject(integration))
    }

    /// Issues a new key (shown this once). The old one keeps working for the grace period
    /// (`alerts.key_grace`, 24 h by default), so senders can move over without losing alerts.
    async fn rotate_integration_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration whose key to rotate.")] input: IntegrationIdInput,
    ) -> Result<IntegrationKeyPayload> {
        let id = parse_integration_id("id", &input.id)?;
        let (integration, key) = services(ctx)?
            .rotate_integration_key(viewer(ctx)?, id)
            .await
            .gql(ctx)?;
        Ok(IntegrationKeyPayload {
            integration: IntegrationObject(integration),
            key: key.expose().to_owned(),
        })
    }

    /// Deletes the integration; its incidents and their alerts stay.
    async fn delete_integration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration to delete.")] input: IntegrationIdInput,
    ) -> Result<DeleteIntegrationPayload> {
        let id = parse_integration_id("id", &input.id)?;
        services(ctx)?
            .delete_integration(viewer(ctx)?, id)
            .await
            .gql(ctx)?;
        Ok(DeleteIntegrationPayload {
            deleted_integration_id: ID(id.to_string()),
        })
    }
}
