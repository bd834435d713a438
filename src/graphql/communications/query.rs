//! What stakeholders are owed: incidents whose next update is overdue.

use async_graphql::{Context, Object, Result};

use crate::graphql::context::{services, viewer};
use crate::graphql::error::GqlResult;
use crate::graphql::limits;
use crate::graphql::types::team::OverdueUpdateObject;

#[derive(Default)]
pub struct CommunicationsQuery;

#[Object]
impl CommunicationsQuery {
    /// Open incidents whose next stakeholder update is overdue (see the update cadence),
    /// most overdue first.
    async fn overdue_updates(&self, ctx: &Context<'_>) -> Result<Vec<OverdueUpdateObject>> {
        let overdue = services(ctx)?
            .overdue_updates(viewer(ctx)?, limits::MAX_LISTED)
            .await
            .gql(ctx)?;
        Ok(overdue
            .into_iter()
            .map(|(incident, due_at)| OverdueUpdateObject { incident, due_at })
            .collect())
    }
}
