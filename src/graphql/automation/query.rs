//! Reading automation rules, their firings, and previews (admins and managers).

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, Object, Result};

use super::inputs::parse_rule_id;
use crate::graphql::context::{page_size_in, services, viewer};
use crate::graphql::cursor;
use crate::graphql::error::{GqlResult, bad_input};
use crate::graphql::incidents::incident_arg;
use crate::graphql::types::automation::{
    AutomationPreviewObject, AutomationRuleObject, AutomationRunObject,
};

/// Automation rules and their firings: for ADMIN and MANAGER (else FORBIDDEN).
#[derive(Default)]
pub struct AutomationQuery;

/// Firings, newest first, with how many there are in all.
pub struct AutomationRunFields {
    total: u64,
}

#[Object]
impl AutomationRunFields {
    /// The rule's firings in all, across pages.
    async fn total_count(&self) -> u64 {
        self.total
    }
}

pub type AutomationRunConnection = Connection<String, AutomationRunObject, AutomationRunFields>;

#[Object]
impl AutomationQuery {
    /// Every automation rule, by name.
    async fn automation_rules(&self, ctx: &Context<'_>) -> Result<Vec<AutomationRuleObject>> {
        let list = services(ctx)?
            .automation_rules(viewer(ctx)?)
            .await
            .gql(ctx)?;
        Ok(list.into_iter().map(AutomationRuleObject).collect())
    }

    /// One automation rule. Errors: NOT_FOUND, BAD_USER_INPUT (not an id).
    async fn automation_rule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rule's id.")] id: ID,
    ) -> Result<AutomationRuleObject> {
        let id = parse_rule_id("id", &id)?;
        let rule = services(ctx)?
            .automation_rule(viewer(ctx)?, id)
            .await
            .gql(ctx)?;
        Ok(AutomationRuleObject(rule))
    }

    /// A rule's firings, newest first, each with its outcome and every action's result.
    #[graphql(complexity = "crate::graphql::limits::list_complexity(first, child_complexity)")]
    async fn automation_runs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rule's id.")] rule_id: ID,
        #[graphql(
            default = 20,
            desc = "How many to return: 0 to 100 (the server's page limit)."
        )]
        first: Option<i32>,
        #[graphql(desc = "The previous page's `pageInfo.endCursor`; absent: the first page.")]
        after: Option<String>,
    ) -> Result<AutomationRunConnection> {
        let rule = parse_rule_id("ruleId", &rule_id)?;
        let first = page_size_in(ctx, first)?;
        let before = after
            .as_deref()
            .map(cursor::parse_run)
            .transpose()
            .map_err(bad_input)?;
        let (mut page, total) = services(ctx)?
            .automation_runs(viewer(ctx)?, rule, before, first + 1)
            .await
            .gql(ctx)?;
        let has_next = page.len() as u64 > first;
        page.truncate(first as usize);
        let mut connection = Connection::with_additional_fields(
            before.is_some(),
            has_next,
            AutomationRunFields { total },
        );
        connection.edges.extend(
            page.into_iter()
                .map(|run| Edge::new(cursor::run(run.id), AutomationRunObject(run))),
        );
        Ok(connection)
    }

    /// What every enabled rule would do to the incident now (which would act, and each
    /// action with templates filled in, or why it could not). Changes nothing.
    async fn preview_automation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident's id or number (`INC-42`).")] incident_id: ID,
    ) -> Result<Vec<AutomationPreviewObject>> {
        let target = incident_arg(&incident_id)?;
        let list = services(ctx)?
            .preview_automation(viewer(ctx)?, target)
            .await
            .gql(ctx)?;
        Ok(list.into_iter().map(AutomationPreviewObject).collect())
    }
}
