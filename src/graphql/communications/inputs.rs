//! Inputs of the communications mutations, each named after its mutation.

use async_graphql::{ID, InputObject};

use crate::graphql::types::enums::{Audience, UpdateStatus};

/// A status update about an incident, for one audience.
#[derive(InputObject)]
pub struct PostUpdateInput {
    /// The incident's id or number (`INC-42`).
    pub incident_id: ID,
    /// Who it is for; PUBLIC also appears on the status page.
    pub audience: Audience,
    /// Markdown, 1–10,000 characters.
    pub body: String,
    /// The state the update announces, if any.
    pub status: Option<UpdateStatus>,
}

/// The incident to follow.
#[derive(InputObject)]
pub struct WatchIncidentInput {
    /// The incident's id or number (`INC-42`).
    pub incident_id: ID,
}

/// The incident to stop following.
#[derive(InputObject)]
pub struct UnwatchIncidentInput {
    /// The incident's id or number (`INC-42`).
    pub incident_id: ID,
}
