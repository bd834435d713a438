//! The learning loop's input: responders rate the suggestions they were shown.

use async_graphql::{Context, Object, Result};

use super::inputs::RateSuggestionInput;
use crate::domain::DomainError;
use crate::domain::ids::ProblemRef;
use crate::graphql::context::{services, viewer};
use crate::graphql::error::{GqlResult, bad_input, field_error};
use crate::graphql::incidents::incident_ref;
use crate::graphql::types::IncidentObject;
use crate::service::knowledge::RatedSuggestion;

/// Rating suggestions: the knowledge base's feedback loop.
#[derive(Default)]
pub struct KnowledgeMutation;

#[Object]
impl KnowledgeMutation {
    /// Whether a suggested past incident or known error helped (specialists and above). Shown
    /// in the rated incident's timeline (and a suggested incident's); helpful ones rank higher
    /// for later, similar incidents, and count as help when the incident is resolved.
    /// Who: ADMIN, MANAGER, SPECIALIST, or the incident's manager or specialist.
    async fn rate_suggestion(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident, the suggestion and whether it helped.")]
        input: RateSuggestionInput,
    ) -> Result<IncidentObject> {
        let incident =
            incident_ref(&input.incident_id).map_err(|e| field_error("incidentId", e))?;
        let suggested = match (&input.suggested_incident_id, &input.suggested_problem_id) {
            (Some(id), None) => RatedSuggestion::Incident(
                incident_ref(id).map_err(|e| field_error("suggestedIncidentId", e))?,
            ),
            (None, Some(id)) => RatedSuggestion::KnownError(
                id.as_str()
                    .parse::<ProblemRef>()
                    .map_err(|e| field_error("suggestedProblemId", e))?,
            ),
            (Some(_), Some(_)) => {
                return Err(bad_input(DomainError::invalid(
                    "suggestedProblemId",
                    "give either suggestedIncidentId or suggestedProblemId, not both",
                )));
            }
            (None, None) => {
                return Err(bad_input(DomainError::invalid(
                    "suggestedIncidentId",
                    "give the suggested incident (suggestedIncidentId) or known error (suggestedProblemId)",
                )));
            }
        };
        let updated = services(ctx)?
            .rate_suggestion(viewer(ctx)?, incident, suggested, input.helpful)
            .await
            .gql(ctx)?;
        Ok(IncidentObject(updated))
    }
}
