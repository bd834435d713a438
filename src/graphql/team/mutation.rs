//! The people on an incident and their working log: roles, notes, annotations.

use async_graphql::{Context, ID, Object, Result};

use super::inputs::*;
use crate::domain::ids::{EventId, UserId};
use crate::domain::text::{Annotation, NoteBody};
use crate::graphql::context::{services, viewer};
use crate::graphql::error::{GqlResult, bad_input, code, with_code};
use crate::graphql::incidents::incident_arg;
use crate::graphql::types::{IncidentObject, TimelineEventObject};
use crate::service::team::RoleChange;

/// Roles on an incident and the responders' working log.
#[derive(Default)]
pub struct TeamMutation;

/// Whether a role change gives the role or ends it.
#[derive(Clone, Copy)]
enum RoleAction {
    Assign,
    Relieve,
}

/// `assignRole` and `relieveRole`: the same arguments, parsed once, for either use case.
async fn change_role(
    ctx: &Context<'_>,
    input: RoleInput,
    action: RoleAction,
) -> Result<IncidentObject> {
    let incident = incident_arg(&input.incident_id)?;
    let change = RoleChange {
        user_id: user_id(&input.user_id)?,
        role: input.role.into(),
        expected_version: input.expected_version,
    };
    let (services, viewer) = (services(ctx)?, viewer(ctx)?);
    let updated = match action {
        RoleAction::Assign => services.assign_role(viewer, incident, change).await,
        RoleAction::Relieve => services.relieve_role(viewer, incident, change).await,
    };
    Ok(IncidentObject(updated.gql(ctx)?))
}

fn user_id(id: &ID) -> Result<UserId> {
    let trimmed = id.as_str().trim();
    if trimmed.is_empty() || trimmed.chars().count() > 256 {
        return Err(with_code(
            "userId: must be a user id of 1 to 256 characters, as `viewer { id }` or `users` gives it",
            code::BAD_USER_INPUT,
        ));
    }
    Ok(UserId::from(trimmed))
}

#[Object]
impl TeamMutation {
    /// Gives someone a role on an incident (managers, admins, or the incident's manager). A
    /// new incident manager, communicator or scribe relieves the previous one. Errors:
    /// BAD_USER_INPUT, NOT_FOUND, FORBIDDEN, CONFLICT (`expectedVersion`).
    async fn assign_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident, the person and the role.")] input: AssignRoleInput,
    ) -> Result<IncidentObject> {
        change_role(ctx, input.into(), RoleAction::Assign).await
    }

    /// Ends someone's role on an incident (managers, admins, or the incident's manager).
    /// Anyone may step down from their own role.
    async fn relieve_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident, the person and the role to end.")] input: RelieveRoleInput,
    ) -> Result<IncidentObject> {
        change_role(ctx, input.into(), RoleAction::Relieve).await
    }

    /// A working note in the responders' log (the timeline, visible to responders only).
    /// Who: ADMIN, MANAGER, SPECIALIST, or the incident's manager, specialist or scribe.
    async fn add_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident and the note.")] input: AddNoteInput,
    ) -> Result<TimelineEventObject> {
        let body = NoteBody::parse(&input.body).map_err(bad_input)?;
        let event = services(ctx)?
            .add_note(viewer(ctx)?, incident_arg(&input.incident_id)?, body)
            .await
            .gql(ctx)?;
        Ok(TimelineEventObject(event))
    }

    /// A remark beside a timeline event for the post-incident review (the incident's scribe
    /// or manager, organisation managers and admins). Replaces an earlier remark.
    async fn annotate_timeline_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident, the event and the remark.")]
        input: AnnotateTimelineEventInput,
    ) -> Result<TimelineEventObject> {
        let incident = incident_arg(&input.incident_id)?;
        let event_id = input.event_id.parse().map(EventId).map_err(|_| {
            with_code(
                "eventId: not a timeline event id (take `id` from `timeline`)",
                code::BAD_USER_INPUT,
            )
        })?;
        let body = Annotation::parse(&input.annotation).map_err(bad_input)?;
        let event = services(ctx)?
            .annotate_event(viewer(ctx)?, incident, event_id, body)
            .await
            .gql(ctx)?;
        Ok(TimelineEventObject(event))
    }
}
