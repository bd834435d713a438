//! Creating, changing, enabling, disabling and deleting automation rules (admins only).

use async_graphql::{Context, ID, Object, Result};

use super::inputs::*;
use crate::graphql::context::{services, viewer};
use crate::graphql::error::GqlResult;
use crate::graphql::types::automation::AutomationRuleObject;

/// Automation rules. Every mutation here is for ADMIN only (else FORBIDDEN). Invalid settings
/// are BAD_USER_INPUT, an unknown id NOT_FOUND, a stale `expectedVersion` CONFLICT.
#[derive(Default)]
pub struct AutomationMutation;

#[Object]
impl AutomationMutation {
    /// A rule: when `trigger`, if `conditions`, then `actions`, acting as
    /// `automation:<name>` through the same checks as a person.
    async fn create_automation_rule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rule's name, trigger, conditions and actions.")]
        input: CreateAutomationRuleInput,
    ) -> Result<AutomationRuleObject> {
        let draft = draft(
            &input.name,
            input.enabled,
            &input.trigger,
            input.conditions.as_ref(),
            &input.actions,
        )?;
        let rule = services(ctx)?
            .create_automation_rule(viewer(ctx)?, draft)
            .await
            .gql(ctx)?;
        Ok(AutomationRuleObject(rule))
    }

    /// Replaces the rule's settings (every field).
    async fn update_automation_rule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rule and its new settings.")] input: UpdateAutomationRuleInput,
    ) -> Result<AutomationRuleObject> {
        let id = parse_rule_id("id", &input.id)?;
        let draft = draft(
            &input.name,
            input.enabled,
            &input.trigger,
            input.conditions.as_ref(),
            &input.actions,
        )?;
        let rule = services(ctx)?
            .update_automation_rule(viewer(ctx)?, id, draft, input.expected_version)
            .await
            .gql(ctx)?;
        Ok(AutomationRuleObject(rule))
    }

    /// Switches a rule back on.
    async fn enable_automation_rule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rule to enable.")] input: AutomationRuleRefInput,
    ) -> Result<AutomationRuleObject> {
        set_enabled(ctx, &input.id, true).await
    }

    /// A disabled rule does nothing until enabled; its firings stay listed.
    async fn disable_automation_rule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rule to disable.")] input: AutomationRuleRefInput,
    ) -> Result<AutomationRuleObject> {
        set_enabled(ctx, &input.id, false).await
    }

    /// Deletes the rule and its firings.
    async fn delete_automation_rule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rule to delete.")] input: AutomationRuleRefInput,
    ) -> Result<DeleteAutomationRulePayload> {
        let id = parse_rule_id("id", &input.id)?;
        services(ctx)?
            .delete_automation_rule(viewer(ctx)?, id)
            .await
            .gql(ctx)?;
        Ok(DeleteAutomationRulePayload {
            deleted_automation_rule_id: ID(id.to_string()),
        })
    }
}

async fn set_enabled(ctx: &Context<'_>, id: &ID, enabled: bool) -> Result<AutomationRuleObject> {
    let id = parse_rule_id("id", id)?;
    let rule = services(ctx)?
        .set_automation_rule_enabled(viewer(ctx)?, id, enabled)
        .await
        .gql(ctx)?;
    Ok(AutomationRuleObject(rule))
}
