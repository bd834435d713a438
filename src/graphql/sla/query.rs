//! Reading SLA policies and recorded breaches (admins and managers).

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

use super::inputs::parse_sla_policy_id;
use crate::domain::sla::notice::BreachFilter;
use crate::graphql::context::{page_size_in, services, viewer};
use crate::graphql::error::GqlResult;
use crate::graphql::types::enums::Priority;
use crate::graphql::types::sla::{SlaBreachObject, SlaPolicyObject};

/// Which breaches to list: by the time they fell due (`from` inclusive, `to` exclusive),
/// service and priority.
#[derive(InputObject, Default)]
pub struct SlaBreachFilter {
    /// Fell due at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Fell due before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Only incidents of this service.
    pub service: Option<String>,
    /// Only breaches of this priority's targets.
    pub priority: Option<Priority>,
}

/// SLA policies and breaches: for ADMIN and MANAGER (else FORBIDDEN).
#[derive(Default)]
pub struct SlaQuery;

#[Object]
impl SlaQuery {
    /// Every SLA policy, the default first, then by name (admins and managers).
    async fn sla_policies(&self, ctx: &Context<'_>) -> Result<Vec<SlaPolicyObject>> {
        let list = services(ctx)?.sla_policies(viewer(ctx)?).await.gql(ctx)?;
        Ok(list.into_iter().map(SlaPolicyObject).collect())
    }

    /// One SLA policy (admins and managers). Errors: NOT_FOUND, BAD_USER_INPUT (not an id).
    async fn sla_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The policy's id.")] id: ID,
    ) -> Result<SlaPolicyObject> {
        let id = parse_sla_policy_id("id", &id)?;
        let policy = services(ctx)?.sla_policy(viewer(ctx)?, id).await.gql(ctx)?;
        Ok(SlaPolicyObject(policy))
    }

    /// Missed targets, the most recent breach first, at most `first` (admins and managers).
    #[graphql(complexity = "crate::graphql::limits::list_complexity(first, child_complexity)")]
    async fn sla_breaches(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which breaches; absent: all.")] filter: Option<SlaBreachFilter>,

        #[graphql(
            default = 50,
            desc = "How many to return: 0 to 100 (the server's page limit)."
        )]
        first: Option<i32>,
    ) -> Result<Vec<SlaBreachObject>> {
        let limit = page_size_in(ctx, first)?;
        let filter = filter.unwrap_or_default();
        let filter = BreachFilter {
            from: filter.from,
            to: filter.to,
            service: filter.service,
            priority_rank: filter.priority.map(|p| p.to_domain().rank()),
        };
        let list = services(ctx)?
            .sla_breaches(viewer(ctx)?, filter, limit)
            .await
            .gql(ctx)?;
        Ok(list.into_iter().map(SlaBreachObject).collect())
    }
}
