//! Inputs of the knowledge base's queries and mutations.

use async_graphql::{ID, InputObject};

use crate::graphql::types::enums::Priority;
use crate::graphql::types::knowledge::KnowledgeKind;

/// Narrows a search over resolved incidents and known errors.
#[derive(InputObject, Default)]
pub struct ResolutionSearchFilter {
    /// Only past incidents, or only known errors; both when absent.
    pub kind: Option<KnowledgeKind>,
    pub service: Option<String>,
    pub category: Option<String>,
    pub priority: Option<Priority>,
    /// Resolved at or after this time.
    pub resolved_after: Option<chrono::DateTime<chrono::Utc>>,
    /// Resolved before this time.
    pub resolved_before: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(InputObject)]
pub struct RateSuggestionInput {
    /// The incident being diagnosed (id or number).
    pub incident_id: ID,
    /// The suggested past incident (id or number).
    pub suggested_incident_id: ID,
    /// Did it help? Rating again replaces your earlier rating of this pair.
    pub helpful: bool,
}
