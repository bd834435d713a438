//! Inputs of the problem-candidate query and mutation.

use async_graphql::{ID, InputObject};
use chrono::{DateTime, Utc};

/// Which resolved incidents to look for candidates among.
#[derive(InputObject)]
pub struct ProblemCandidateFilter {
    /// Resolved at or after this time.
    pub from: DateTime<Utc>,
    /// Resolved before this time; at most 366 days after `from`.
    pub to: DateTime<Utc>,
    /// Only incidents of this service.
    pub service: Option<String>,
}

/// A problem to report for a candidate's incidents.
#[derive(InputObject)]
pub struct CreateProblemFromCandidateInput {
    /// The candidate's incidents (ids or numbers), 2 to 100: each resolved or closed and
    /// linked to no problem.
    pub incident_ids: Vec<ID>,
    /// The problem's title, 1 to 200 characters.
    pub title: String,
}
