//! The incident lifecycle: report, then one mutation per transition; and the edits outside
//! it (fields, related incidents).

use async_graphql::{Context, ID, Object, Result};

use super::inputs::*;
use crate::domain::ids::{IncidentId, IncidentRef};
use crate::domain::incident::Command;
use crate::graphql::context::{services, viewer};
use crate::graphql::error::{GqlResult, bad_input, field_error, field_refused};
use crate::graphql::types::IncidentObject;

/// The incident lifecycle mutations. Each returns the incident as changed. Lifecycle errors:
/// BAD_USER_INPUT (invalid input or a transition the current status does not allow),
/// NOT_FOUND, FORBIDDEN (roles), CONFLICT (`expectedVersion` is stale).
#[derive(Default)]
pub struct IncidentMutation;

/// Runs one lifecycle transition for any `*IncidentInput`.
async fn transition(
    ctx: &Context<'_>,
    input: &impl Targeted,
    command: Command,
) -> Result<IncidentObject> {
    let target = incident_ref(input.id()).map_err(bad_input)?;
    let incident = services(ctx)?
        .transition(viewer(ctx)?, target, input.expected_version(), command)
        .await
        .gql(ctx)?;
    Ok(IncidentObject(incident))
}

/// `duplicateOf` may be an id or a number; errors name `duplicateOf`, not `id`.
async fn resolve_duplicate(ctx: &Context<'_>, raw: &ID) -> Result<IncidentId> {
    match incident_ref(raw).map_err(|e| field_error("duplicateOf", e))? {
        IncidentRef::Id(id) => Ok(id),
        number @ IncidentRef::Number(_) => {
            let found = services(ctx)?.incident(viewer(ctx)?, number).await;
            found
                .map(|i| i.id)
                .map_err(|e| field_refused(ctx, "duplicateOf", e))
        }
    }
}

#[Object]
impl IncidentMutation {
    /// Identification and logging: a new incident, reported by the caller. Any organisation
    /// role may report. Errors: BAD_USER_INPUT, FORBIDDEN (no known role).
    async fn report_incident(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident to report.")] input: ReportIncidentInput,
    ) -> Result<IncidentObject> {
        let new = input.parse().map_err(bad_input)?;
        let incident = services(ctx)?
            .report_incident(viewer(ctx)?, new)
            .await
            .gql(ctx)?;
        Ok(IncidentObject(incident))
    }

    /// Categorize and prioritize: sets category, impact and urgency; priority is derived.
    /// Allowed again while the incident is open, to re-prioritize. Who: ADMIN, MANAGER,
    /// SPECIALIST, or the incident's incident manager.
    async fn triage_incident(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident and its category, impact and urgency.")]
        input: TriageIncidentInput,
    ) -> Result<IncidentObject> {
        let command = input.command().map_err(bad_input)?;
        transition(ctx, &input, command).await
    }

    /// TRIAGED → INVESTIGATING: responders are diagnosing. Who: ADMIN, MANAGER, SPECIALIST,
    /// or the incident's incident manager or specialist.
    async fn start_investigation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident to investigate.")] input: StartInvestigationInput,
    ) -> Result<IncidentObject> {
        transition(ctx, &input, Command::StartInvestigation).await
    }

    /// Service is restored by a workaround; the investigation goes on. Who: ADMIN, MANAGER,
    /// SPECIALIST, or the incident's incident manager or specialist.
    async fn mitigate_incident(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident that is mitigated.")] input: MitigateIncidentInput,
    ) -> Result<IncidentObject> {
        transition(ctx, &input, Command::Mitigate).await
    }

    /// Service is restored for good; the resolution is recorded and indexed for suggestions.
    /// Who: ADMIN, MANAGER, SPECIALIST, or the incident's incident manager or specialist.
    async fn resolve_incident(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident and how it was resolved.")] input: ResolveIncidentInput,
    ) -> Result<IncidentObject> {
        let command = input.command().map_err(bad_input)?;
        transition(ctx, &input, command).await
    }

    /// The fix held: RESOLVED → CLOSED. Who: ADMIN, MANAGER, the incident's incident manager,
    /// or its reporter.
    async fn close_incident(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The resolved incident to close.")] input: CloseIncidentInput,
    ) -> Result<IncidentObject> {
        transition(ctx, &input, Command::Close).await
    }

    /// The fix did not hold: RESOLVED → INVESTIGATING. Who: ADMIN, MANAGER, or the incident's
    /// incident manager.
    async fn reopen_incident(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident to reopen, and why.")] input: ReopenIncidentInput,
    ) -> Result<IncidentObject> {
        let reason = crate::domain::text::Reason::parse(&input.reason).map_err(bad_input)?;
        transition(ctx, &input, Command::Reopen { reason }).await
    }

    /// Not an incident, or a duplicate of another: → CANCELLED. Who: ADMIN, MANAGER, or the
    /// incident's incident manager.
    async fn cancel_incident(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident to cancel, why, and what it duplicates.")]
        input: CancelIncidentInput,
    ) -> Result<IncidentObject> {
        let duplicate_of = match &input.duplicate_of {
            None => None,
            Some(raw) => Some(resolve_duplicate(ctx, raw).await?),
        };
        let command = input.command(duplicate_of).map_err(bad_input)?;
        transition(ctx, &input, command).await
    }

    /// Corrects or completes an incident: title, description, service, when the impact
    /// started, labels, public title. Only the fields given change; the timeline gets one
    /// INCIDENT_EDITED event whose `before` and `after` hold the changed fields. Changing
    /// nothing records nothing and keeps the version. For responders (admins, managers,
    /// specialists), the incident's manager and specialists, and its reporter.
    async fn update_incident(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The incident, its expected version, and the fields to change (only those given change)."
        )]
        input: UpdateIncidentInput,
    ) -> Result<IncidentObject> {
        let target = incident_ref(&input.id).map_err(bad_input)?;
        let edit = input.edit().map_err(bad_input)?;
        let incident = services(ctx)?
            .update_incident(viewer(ctx)?, target, input.expected_version, edit)
            .await
            .gql(ctx)?;
        Ok(IncidentObject(incident))
    }

    /// Links two incidents as related, both ways (beside `duplicateOf`, which cancels one);
    /// both timelines get a RELATED_INCIDENT_LINKED event. Already linked: nothing changes.
    /// Returns the incident `id` names.
    async fn link_related_incidents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident and the one to link to it (both ways).")]
        input: RelatedIncidentsInput,
    ) -> Result<IncidentObject> {
        let (target, related) = related_refs(&input)?;
        let incident = services(ctx)?
            .link_related(viewer(ctx)?, target, related)
            .await
            .gql(ctx)?;
        Ok(IncidentObject(incident))
    }

    /// Removes the link between two related incidents, both ways; both timelines get a
    /// RELATED_INCIDENT_UNLINKED event. Not linked: nothing changes. Returns the incident
    /// `id` names.
    async fn unlink_related_incidents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident and the one to unlink from it (both ways).")]
        input: RelatedIncidentsInput,
    ) -> Result<IncidentObject> {
        let (target, related) = related_refs(&input)?;
        let incident = services(ctx)?
            .unlink_related(viewer(ctx)?, target, related)
            .await
            .gql(ctx)?;
        Ok(IncidentObject(incident))
    }
}

fn related_refs(input: &RelatedIncidentsInput) -> Result<(IncidentRef, IncidentRef)> {
    let target = incident_ref(&input.id).map_err(bad_input)?;
    let related = incident_ref(&input.related_id).map_err(|e| field_error("relatedId", e))?;
    Ok((target, related))
}
