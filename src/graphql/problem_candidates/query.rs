//! `problemCandidates`: alike resolved incidents that no problem explains yet.

use async_graphql::{Context, Object, Result};

use super::inputs::ProblemCandidateFilter;
use crate::graphql::context::{services, viewer};
use crate::graphql::error::GqlResult;
use crate::graphql::types::problem_candidate::ProblemCandidatesObject;

#[derive(Default)]
pub struct ProblemCandidateQuery;

#[Object]
impl ProblemCandidateQuery {
    /// Groups of resolved incidents linked to no problem that resemble one another (by the
    /// knowledge base's word similarity), each proposed as one problem; largest first.
    /// Managers and admins only. Bounds: the period spans at most 366 days, and only the
    /// 1,000 most recently resolved incidents in it are compared (`truncated` says when more
    /// matched). `minIncidents` (default 3) is between 2 and 50.
    async fn problem_candidates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The period and, optionally, the service.")]
        filter: ProblemCandidateFilter,
        #[graphql(default = 3, desc = "The fewest incidents a candidate has: 2 to 50.")]
        min_incidents: Option<i32>,
    ) -> Result<ProblemCandidatesObject> {
        let min = min_incidents.unwrap_or(3).try_into().unwrap_or(usize::MAX);
        let found = services(ctx)?
            .problem_candidates(viewer(ctx)?, filter.from, filter.to, filter.service, min)
            .await
            .gql(ctx)?;
        Ok(ProblemCandidatesObject(found))
    }
}
