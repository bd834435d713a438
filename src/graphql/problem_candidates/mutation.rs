//! Turning a problem candidate into a problem.

use async_graphql::{Context, Object, Result};

use super::inputs::CreateProblemFromCandidateInput;
use crate::domain::text::Title;
use crate::graphql::context::{services, viewer};
use crate::graphql::error::{GqlResult, field_error};
use crate::graphql::incidents::incident_ref;
use crate::graphql::types::problem::ProblemObject;

#[derive(Default)]
pub struct ProblemCandidateMutation;

#[Object]
impl ProblemCandidateMutation {
    /// Reports a problem (status NEW, impact and urgency MEDIUM, the incidents' most common
    /// service and category) and links the candidate's incidents to it, in one transaction
    /// (managers and admins). Nothing is written if any incident is unknown, unresolved,
    /// listed twice or already linked to a problem.
    async fn create_problem_from_candidate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incidents and the problem's title.")]
        input: CreateProblemFromCandidateInput,
    ) -> Result<ProblemObject> {
        let refs = input
            .incident_ids
            .iter()
            .map(incident_ref)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| field_error("incidentIds", e))?;
        let title = Title::parse(&input.title).map_err(|e| field_error("title", e))?;
        let problem = services(ctx)?
            .create_problem_from_candidate(viewer(ctx)?, refs, title)
            .await
            .gql(ctx)?;
        Ok(ProblemObject(problem))
    }
}
