//! Learning from past incidents: searching resolutions, and whether suggestions help.

use async_graphql::{Context, Object, Result};
use chrono::{DateTime, Utc};

use super::inputs::ResolutionSearchFilter;
use super::search::ResolutionSearchConnection;
use crate::graphql::context::{services, viewer};
use crate::graphql::error::GqlResult;
use crate::graphql::types::knowledge::KnowledgeStatsObject;

/// The knowledge base: past resolutions and known errors. Any organisation role may read.
#[derive(Default)]
pub struct KnowledgeQuery;

#[Object]
impl KnowledgeQuery {
    /// Free-text search over resolved incidents: words, "quoted phrases", -excluded words.
    /// At most 1,000 characters and 32 terms.
    #[graphql(complexity = "crate::graphql::limits::list_complexity(first, child_complexity)")]
    async fn search_resolutions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The search text: words, \"quoted phrases\", -excluded words.")]
        query: String,
        #[graphql(desc = "Narrows the matches; absent: all resolved incidents and known errors.")]
        filter: Option<ResolutionSearchFilter>,
        #[graphql(
            default = 20,
            desc = "How many to return: 0 to 100 (the server's page limit)."
        )]
        first: Option<i32>,
        #[graphql(desc = "The previous page's `pageInfo.endCursor`; absent: the first page.")]
        after: Option<String>,
    ) -> Result<ResolutionSearchConnection> {
        super::search::search_resolutions(ctx, query, filter, first, after).await
    }

    /// How often suggestions were shown and rated helpful in `[from, to)`, and the median time
    /// to resolve of incidents that had a helpful suggestion versus those that did not.
    async fn knowledge_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Start of the period, included.")] from: DateTime<Utc>,
        #[graphql(desc = "End of the period, excluded; must be after `from` (BAD_USER_INPUT).")]
        to: DateTime<Utc>,
    ) -> Result<KnowledgeStatsObject> {
        let stats = services(ctx)?
            .knowledge_stats(viewer(ctx)?, from, to)
            .await
            .gql(ctx)?;
        Ok(KnowledgeStatsObject { from, to, stats })
    }
}
