//! The responders' own view: the incidents where the caller holds a role.

use async_graphql::{Context, Object, Result};

use crate::graphql::context::{services, viewer};
use crate::graphql::error::GqlResult;
use crate::graphql::limits;
use crate::graphql::types::IncidentObject;

#[derive(Default)]
pub struct TeamQuery;

#[Object]
impl TeamQuery {
    /// The open incidents where the caller holds a role, highest priority first.
    async fn my_incidents(&self, ctx: &Context<'_>) -> Result<Vec<IncidentObject>> {
        let found = services(ctx)?
            .my_incidents(viewer(ctx)?, limits::MAX_LISTED as u64)
            .await
            .gql(ctx)?;
        Ok(found.into_iter().map(IncidentObject).collect())
    }
}
