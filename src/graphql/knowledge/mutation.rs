//! The learning loop's input: responders rate the suggestions they were shown.

use async_graphql::{Context, Object, Result};

use super::inputs::RateSuggestionInput;
use crate::graphql::context::{services, viewer};
use crate::graphql::error::{GqlResult, field_error};
use crate::graphql::incidents::incident_ref;
use crate::graphql::types::IncidentObject;

#[derive(Default)]
pub struct KnowledgeMutation;

#[Object]
impl KnowledgeMutation {
    /// Whether a suggested past incident helped (specialists and above). Shown in both
    /// incidents' timelines; helpful ones rank higher for later, similar incidents.
    async fn rate_suggestion(
        &self,
        ctx: &Context<'_>,
        input: RateSuggestionInput,
    ) -> Result<IncidentObject> {
        let incident =
            incident_ref(&input.incident_id).map_err(|e| field_error("incidentId", e))?;
        let suggested = incident_ref(&input.suggested_incident_id)
            .map_err(|e| field_error("suggestedIncidentId", e))?;
        let updated = services(ctx)?
            .rate_suggestion(viewer(ctx)?, incident, suggested, input.helpful)
            .await
            .gql(ctx)?;
        Ok(IncidentObject(updated))
    }
}
