//! Listing alert integrations (managers and admins).

use async_graphql::{Context, Object, Result};

use crate::graphql::context::{services, viewer};
use crate::graphql::error::GqlResult;
use crate::graphql::types::integration::IntegrationObject;

#[derive(Default)]
pub struct IntegrationQuery;

#[Object]
impl IntegrationQuery {
    /// Every alert integration, by name (managers and admins). Keys are never shown.
    async fn integrations(&self, ctx: &Context<'_>) -> Result<Vec<IntegrationObject>> {
        let list = services(ctx)?.integrations(viewer(ctx)?).await.gql(ctx)?;
        Ok(list.into_iter().map(IntegrationObject).collect())
    }
}
