//! Inputs of the knowledge base's queries and mutations.

use async_graphql::{ID, InputObject};

use crate::graphql::types::enums::Priority;
use crate::graphql::types::knowledge::KnowledgeKind;

/// Narrows a search over resolved incidents and known errors.
#[derive(InputObject, Default)]
pub struct ResolutionSearchFilter {
    /// Only past incidents, or only known errors; both when absent.
    pub kind: Option<KnowledgeKind>,
    /// Only this service (exact name).
    pub service: Option<String>,
    /// Only this category (exact).
    pub category: Option<String>,
    /// Only incidents of this priority.
    pub priority: Option<Priority>,

    /// Resolved at or after this time.
    pub resolved_after: Option<chrono::DateTime<chrono::Utc>>,
    /// Resolved before this time.
    pub resolved_before: Option<chrono::DateTime<chrono::Utc>>,
}

/// A rating of one suggestion: name either the suggested past incident or the suggested known
/// error, not both.
#[derive(InputObject)]
pub struct RateSuggestionInput {
    /// The incident being diagnosed (id or number).
    pub incident_id: ID,
    /// The suggested past incident (id or number, like INC-42); give this or
    /// `suggestedProblemId`.
    pub suggested_incident_id: Option<ID>,
    /// The suggested known error (problem id or number, like PRB-7), a problem in KNOWN_ERROR,
    /// RESOLVED or CLOSED; give this or `suggestedIncidentId`.
    pub suggested_problem_id: Option<ID>,
    /// Did it help? Rating again replaces your earlier rating of this pair.
    pub helpful: bool,
}
