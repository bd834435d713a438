//! Inputs of the team mutations, each named after its mutation.

use async_graphql::{ID, InputObject};

use crate::graphql::types::enums::IncidentRoleKind;

/// Who gets which role on which incident.
#[derive(InputObject)]
pub struct AssignRoleInput {
    /// The incident's id or number (`INC-42`).
    pub incident_id: ID,
    /// The person, as `viewer { id }` or `users` gives it.
    pub user_id: ID,
    /// The role to give.
    pub role: IncidentRoleKind,
    /// Fails with CONFLICT unless the incident is still at this version.
    pub expected_version: Option<i32>,
}

/// Whose role on which incident ends.
#[derive(InputObject)]
pub struct RelieveRoleInput {
    /// The incident's id or number (`INC-42`).
    pub incident_id: ID,
    /// The person holding the role.
    pub user_id: ID,
    /// The role to end.
    pub role: IncidentRoleKind,
    /// Fails with CONFLICT unless the incident is still at this version.
    pub expected_version: Option<i32>,
}

/// What `assignRole` and `relieveRole` both carry.
pub struct RoleInput {
    pub incident_id: ID,
    pub user_id: ID,
    pub role: IncidentRoleKind,
    pub expected_version: Option<i32>,
}

impl From<AssignRoleInput> for RoleInput {
    fn from(i: AssignRoleInput) -> Self {
        Self {
            incident_id: i.incident_id,
            user_id: i.user_id,
            role: i.role,
            expected_version: i.expected_version,
        }
    }
}

impl From<RelieveRoleInput> for RoleInput {
    fn from(i: RelieveRoleInput) -> Self {
        Self {
            incident_id: i.incident_id,
            user_id: i.user_id,
            role: i.role,
            expected_version: i.expected_version,
        }
    }
}

/// A working note for an incident's responders.
#[derive(InputObject)]
pub struct AddNoteInput {
    /// The incident's id or number (`INC-42`).
    pub incident_id: ID,
    /// The note (1–10,000 characters). Seen by the responders only.
    pub body: String,
}

/// A remark beside one timeline event, for the post-incident review.
#[derive(InputObject)]
pub struct AnnotateTimelineEventInput {
    /// The incident's id or number (`INC-42`).
    pub incident_id: ID,

    /// The timeline event's id.
    pub event_id: ID,
    /// The remark (1–2,000 characters); replaces an earlier one.
    pub annotation: String,
}
