//! Inputs of the communications mutations, each named after its mutation.

use async_graphql::{ID, InputObject};

use crate::graphql::types::enums::{Audience, UpdateStatus};

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
