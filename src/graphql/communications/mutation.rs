//! Keeping people informed: status updates by audience, and following an incident.

use async_graphql::{Context, Object, Result};

use super::inputs::*;
use crate::domain::text::UpdateBody;
use crate::graphql::context::{services, viewer};
use crate::graphql::error::{GqlResult, bad_input};
use crate::graphql::incidents::incident_arg;
use crate::graphql::types::{IncidentObject, StatusUpdateObject};
use crate::service::communications::NewStatusUpdate;

/// Status updates and following incidents.
#[derive(Default)]
pub struct CommunicationsMutation;

#[Object]
impl CommunicationsMutation {
    /// A status update for an audience, by the incident's communicator or manager, or an
    /// organisation communicator, manager or admin. PUBLIC updates appear on /status.
    async fn post_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident, the audience and the update.")] input: PostUpdateInput,
    ) -> Result<StatusUpdateObject> {
        let new = NewStatusUpdate {
            audience: input.audience.into(),
            body: UpdateBody::parse(&input.body).map_err(bad_input)?,
            status: input.status.map(Into::into),
        };
        let update = services(ctx)?
            .post_update(viewer(ctx)?, incident_arg(&input.incident_id)?, new)
            .await
            .gql(ctx)?;
        Ok(StatusUpdateObject(update))
    }

    /// Follow an incident's STAKEHOLDERS and PUBLIC updates (any signed-in user).
    async fn watch_incident(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident to follow.")] input: WatchIncidentInput,
    ) -> Result<IncidentObject> {
        let incident = services(ctx)?
            .set_watching(viewer(ctx)?, incident_arg(&input.incident_id)?, true)
            .await
            .gql(ctx)?;
        Ok(IncidentObject(incident))
    }

    /// Stop following an incident's updates (any signed-in user). Unwatching an incident one
    /// does not watch changes nothing.
    async fn unwatch_incident(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident to stop following.")] input: UnwatchIncidentInput,
    ) -> Result<IncidentObject> {
        let incident = services(ctx)?
            .set_watching(viewer(ctx)?, incident_arg(&input.incident_id)?, false)
            .await
            .gql(ctx)?;
        Ok(IncidentObject(incident))
    }
}
