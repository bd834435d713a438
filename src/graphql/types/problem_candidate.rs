//! GraphQL types of problem candidates.

use async_graphql::Object;

use super::IncidentObject;
use crate::service::problem_candidates::{Candidate, Candidates};

pub struct ProblemCandidatesObject(pub Candidates);

/// Problem candidates over a period, and how much was compared.
#[Object(name = "ProblemCandidates")]
impl ProblemCandidatesObject {
    /// Groups of alike incidents, largest first.
    async fn candidates(&self) -> Vec<ProblemCandidateObject> {
        self.0
            .candidates
            .iter()
            .cloned()
            .map(ProblemCandidateObject)
            .collect()
    }

    /// Incidents compared (resolved in the period, linked to no problem).
    async fn examined_count(&self) -> u64 {
        self.0.examined as u64
    }

    /// More incidents matched than the 1,000 compared (the most recently resolved were):
    /// narrow the period or the service to see the rest.
    async fn truncated(&self) -> bool {
        self.0.truncated
    }
}

pub struct ProblemCandidateObject(pub Candidate);

/// Resolved incidents that resemble one another and are linked to no problem: perhaps one
/// problem behind them.
#[Object(name = "ProblemCandidate")]
impl ProblemCandidateObject {
    /// The incidents, at least `minIncidents`.
    async fn incidents(&self) -> Vec<IncidentObject> {
        self.0
            .incidents
            .iter()
            .cloned()
            .map(IncidentObject)
            .collect()
    }

    /// Words most of them share, most telling first.
    async fn shared_terms(&self) -> &[String] {
        &self.0.shared_terms
    }

    /// How alike they are: mean word similarity of the linked pairs, 0 to 1.
    async fn similarity(&self) -> f64 {
        f64::from(self.0.cohesion)
    }
}
