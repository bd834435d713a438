//! Resolvers for the people on an incident and the communications about it. Thin: parse,
//! call one use case, convert.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, Object, Result};

use super::PageLimit;
use super::error::{GqlResult, bad_input, code, field_error, with_code};
use super::inputs::incident_ref;
use super::query::{page_size, services, viewer};
use super::team_inputs::*;
use super::types::enums::IncidentRoleKind;
use super::types::team::OverdueUpdateObject;
use super::types::{IncidentObject, StatusUpdateObject, TimelineEventObject, UserObject};
use crate::domain::ids::IncidentRef;
use crate::domain::text::{Annotation, NoteBody, UpdateBody};
use crate::service::communications::NewStatusUpdate;
use crate::service::team::RoleChange;

/// At most this many incidents in `myIncidents` and `overdueUpdates`.
const MAX_LISTED: usize = 200;

fn target(id: &ID) -> Result<IncidentRef> {
    incident_ref(id).map_err(|e| field_error("incidentId", e))
}

fn user_id(id: &ID) -> Result<String> {
    let trimmed = id.as_str().trim();
    if trimmed.is_empty() || trimmed.chars().count() > 256 {
        return Err(with_code(
            "userId: must be a user id of 1 to 256 characters, as `viewer { id }` or `users` gives it",
            code::BAD_USER_INPUT,
        ));
    }
    Ok(trimmed.to_owned())
}

/// The incident and the change of `assignRole` and `relieveRole`, parsed.
fn role_change(
    incident_id: &ID,
    user: &ID,
    role: IncidentRoleKind,
    expected_version: Option<i32>,
) -> Result<(IncidentRef, RoleChange)> {
    let change = RoleChange {
        user_id: user_id(user)?,
        role: role.into(),
        expected_version,
    };
    Ok((target(incident_id)?, change))
}

#[derive(Default)]
pub struct TeamQuery;

pub type UserConnection = Connection<String, UserObject>;

#[Object]
impl TeamQuery {
    /// People hindsight has seen (everyone who has signed in), found by name, email or id:
    /// whom roles can be assigned to.
    #[graphql(complexity = "super::limits::list_complexity(first, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> Result<UserConnection> {
        let first = page_size(first, ctx.data::<PageLimit>()?.0)?;
        if search.as_ref().is_some_and(|s| s.chars().count() > 200) {
            return Err(with_code(
                "search: at most 200 characters",
                code::BAD_USER_INPUT,
            ));
        }
        let after_id = after
            .as_deref()
            .map(super::cursor::parse_user)
            .transpose()
            .map_err(bad_input)?;
        let page = services(ctx)?
            .search_users(viewer(ctx)?, search.as_deref(), after_id.as_deref(), first)
            .await
            .gql(ctx)?;
        let mut connection = Connection::new(after.is_some(), page.has_next_page);
        connection.edges.extend(
            page.items
                .into_iter()
                .map(|u| Edge::new(super::cursor::user(&u.id), UserObject(u))),
        );
        Ok(connection)
    }

    /// The open incidents where the caller holds a role, highest priority first.
    async fn my_incidents(&self, ctx: &Context<'_>) -> Result<Vec<IncidentObject>> {
        let found = services(ctx)?
            .my_incidents(viewer(ctx)?, MAX_LISTED as u64)
            .await
            .gql(ctx)?;
        Ok(found.into_iter().map(IncidentObject).collect())
    }

    /// Open incidents whose next stakeholder update is overdue (see the update cadence),
    /// most overdue first.
    async fn overdue_updates(&self, ctx: &Context<'_>) -> Result<Vec<OverdueUpdateObject>> {
        let overdue = services(ctx)?
            .overdue_updates(viewer(ctx)?, MAX_LISTED)
            .await
            .gql(ctx)?;
        Ok(overdue
            .into_iter()
            .map(|(incident, due_at)| OverdueUpdateObject { incident, due_at })
            .collect())
    }
}

#[derive(Default)]
pub struct TeamMutation;

#[Object]
impl TeamMutation {
    /// Gives someone a role on an incident (managers, admins, or the incident's manager). A
    /// new incident manager, communicator or scribe relieves the previous one.
    async fn assign_role(
        &self,
        ctx: &Context<'_>,
        input: AssignRoleInput,
    ) -> Result<IncidentObject> {
        let (incident, change) = role_change(
            &input.incident_id,
            &input.user_id,
            input.role,
            input.expected_version,
        )?;
        let incident = services(ctx)?
            .assign_role(viewer(ctx)?, incident, change)
            .await
            .gql(ctx)?;
        Ok(IncidentObject(incident))
    }

    /// Ends someone's role on an incident. Anyone may step down from their own role.
    async fn relieve_role(
        &self,
        ctx: &Context<'_>,
        input: RelieveRoleInput,
    ) -> Result<IncidentObject> {
        let (incident, change) = role_change(
            &input.incident_id,
            &input.user_id,
            input.role,
            input.expected_version,
        )?;
        let incident = services(ctx)?
            .relieve_role(viewer(ctx)?, incident, change)
            .await
            .gql(ctx)?;
        Ok(IncidentObject(incident))
    }

    /// A working note in the responders' log (the timeline, visible to responders only).
    async fn add_note(
        &self,
        ctx: &Context<'_>,
        input: AddNoteInput,
    ) -> Result<TimelineEventObject> {
        let body = NoteBody::parse(&input.body).map_err(super::error::bad_input)?;
        let event = services(ctx)?
            .add_note(viewer(ctx)?, target(&input.incident_id)?, body)
            .await
            .gql(ctx)?;
        Ok(TimelineEventObject(event))
    }

    /// A status update for an audience, by the incident's communicator or manager, or an
    /// organisation communicator, manager or admin. PUBLIC updates appear on /status.
    async fn post_update(
        &self,
        ctx: &Context<'_>,
        input: PostUpdateInput,
    ) -> Result<StatusUpdateObject> {
        let new = NewStatusUpdate {
            audience: input.audience.into(),
            body: UpdateBody::parse(&input.body).map_err(super::error::bad_input)?,
            status: input.status.map(Into::into),
        };
        let update = services(ctx)?
            .post_update(viewer(ctx)?, target(&input.incident_id)?, new)
            .await
            .gql(ctx)?;
        Ok(StatusUpdateObject(update))
    }

    /// A remark beside a timeline event for the post-incident review (the incident's scribe
    /// or manager, organisation managers and admins). Replaces an earlier remark.
    async fn annotate_timeline_event(
        &self,
        ctx: &Context<'_>,
        input: AnnotateTimelineEventInput,
    ) -> Result<TimelineEventObject> {
        let incident = target(&input.incident_id)?;
        let event_id: i64 = input.event_id.parse().map_err(|_| {
            with_code(
                "eventId: not a timeline event id (take `id` from `timeline`)",
                code::BAD_USER_INPUT,
            )
        })?;
        let body = Annotation::parse(&input.annotation).map_err(super::error::bad_input)?;
        let event = services(ctx)?
            .annotate_event(viewer(ctx)?, incident, event_id, body)
            .await
            .gql(ctx)?;
        Ok(TimelineEventObject(event))
    }

    /// Follow an incident's STAKEHOLDERS and PUBLIC updates (any signed-in user).
    async fn watch_incident(
        &self,
        ctx: &Context<'_>,
        input: WatchIncidentInput,
    ) -> Result<IncidentObject> {
        let incident = services(ctx)?
            .set_watching(viewer(ctx)?, target(&input.incident_id)?, true)
            .await
            .gql(ctx)?;
        Ok(IncidentObject(incident))
    }

    async fn unwatch_incident(
        &self,
        ctx: &Context<'_>,
        input: UnwatchIncidentInput,
    ) -> Result<IncidentObject> {
        let incident = services(ctx)?
            .set_watching(viewer(ctx)?, target(&input.incident_id)?, false)
            .await
            .gql(ctx)?;
        Ok(IncidentObject(incident))
    }
}
