//! Creating, changing and deleting SLA policies (admins only).

use async_graphql::{Context, ID, Object, Result};

use super::inputs::*;
use crate::graphql::context::{services, viewer};
use crate::graphql::error::GqlResult;
use crate::graphql::types::sla::SlaPolicyObject;

/// SLA policies. Every mutation here is for ADMIN only (else FORBIDDEN). Invalid settings, a
/// taken name or service, or a second default are BAD_USER_INPUT; an unknown id NOT_FOUND; a
/// stale `expectedVersion` CONFLICT.
#[derive(Default)]
pub struct SlaMutation;

#[Object]
impl SlaMutation {
    /// A policy for the listed services, or the default policy if it lists none (there is
    /// one default; a service belongs to one policy).
    async fn create_sla_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The policy's settings.")] input: CreateSlaPolicyInput,
    ) -> Result<SlaPolicyObject> {
        let draft = draft(
            &input.name,
            &input.services,
            input.calendar.as_ref(),
            input.warn_at_percent,
            &input.targets,
        )?;
        let policy = services(ctx)?
            .create_sla_policy(viewer(ctx)?, draft)
            .await
            .gql(ctx)?;
        Ok(SlaPolicyObject(policy))
    }

    /// Replaces the policy's settings. Clocks read afterwards use the new targets, counted
    /// from each incident's report.
    async fn update_sla_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The policy and its new settings.")] input: UpdateSlaPolicyInput,
    ) -> Result<SlaPolicyObject> {
        let id = parse_sla_policy_id("id", &input.id)?;
        let draft = draft(
            &input.name,
            &input.services,
            input.calendar.as_ref(),
            input.warn_at_percent,
            &input.targets,
        )?;
        let policy = services(ctx)?
            .update_sla_policy(viewer(ctx)?, id, draft, input.expected_version)
            .await
            .gql(ctx)?;
        Ok(SlaPolicyObject(policy))
    }

    /// Deletes a policy; its services fall back to the default, which cannot be deleted.
    async fn delete_sla_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The policy to delete.")] input: DeleteSlaPolicyInput,
    ) -> Result<DeleteSlaPolicyPayload> {
        let id = parse_sla_policy_id("id", &input.id)?;
        services(ctx)?
            .delete_sla_policy(viewer(ctx)?, id)
            .await
            .gql(ctx)?;
        Ok(DeleteSlaPolicyPayload {
            deleted_sla_policy_id: ID(id.to_string()),
        })
    }
}
