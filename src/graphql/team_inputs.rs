//! Inputs of the team and communications mutations, each named after its mutation.

use async_graphql::{ID, InputObject};

use super::types::enums::{Audience, IncidentRoleKind, UpdateStatus};

#[derive(InputObject)]
pub struct AssignRoleInput {
    /// The incident's id or number (`INC-42`).
    pub incident_id: ID,
    /// The person, as `viewer { id }` or `users` gives it.
    pub user_id: ID,
    pub role: IncidentRoleKind,
    /// Fails with CONFLICT unless the incident is still at this version.
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct RelieveRoleInput {
    pub incident_id: ID,
    pub user_id: ID,
    pub role: IncidentRoleKind,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct AddNoteInput {
    pub incident_id: ID,
    /// The note (1–10,000 characters). Seen by the responders only.
    pub body: String,
}

#[derive(InputObject)]
pub struct PostUpdateInput {
    pub incident_id: ID,
    pub audience: Audience,
    /// Markdown, 1–10,000 characters.
    pub body: String,
    /// The state the update announces, if any.
    pub status: Option<UpdateStatus>,
}

#[derive(InputObject)]
pub struct WatchIncidentInput {
    pub incident_id: ID,
}

#[derive(InputObject)]
pub struct UnwatchIncidentInput {
    pub incident_id: ID,
}
