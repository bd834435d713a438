//! Inputs of the problem mutations, parsed into domain values.

use async_graphql::{ID, InputObject};

use crate::domain::DomainError;
use crate::domain::ids::ProblemRef;
use crate::domain::problem::{NewProblem, ProblemCommand};
use crate::domain::text::{
    Category, ChangeReference, Description, PermanentFix, ProblemRootCause, Reason, Service, Title,
    Workaround,
};
use crate::graphql::types::enums::Level;

pub fn problem_ref(field: &'static str, id: &ID) -> Result<ProblemRef, DomainError> {
    id.as_str().parse().map_err(|e: DomainError| match e {
        DomainError::Invalid { message, .. } => DomainError::invalid(field, message),
        other => other,
    })
}

/// A new problem: the unknown cause behind one or more incidents.
#[derive(InputObject)]
pub struct ReportProblemInput {
    /// 1 to 200 characters.
    pub title: String,
    /// Up to 20,000 characters; empty by default.
    #[graphql(default)]
    pub description: String,
    /// The affected service.
    pub service: String,
    /// The kind of failure; optional.
    pub category: Option<String>,
    /// How widely it hurts; with `urgency`, gives the priority.
    pub impact: Level,
    /// How soon it must be dealt with.
    pub urgency: Level,
}

impl ReportProblemInput {
    pub fn parse(&self) -> Result<NewProblem, DomainError> {
        Ok(NewProblem {
            title: Title::parse(&self.title)?,
            description: Description::parse(&self.description)?,
            service: Service::parse(&self.service)?,
            category: self.category.as_deref().map(Category::parse).transpose()?,
            impact: self.impact.into(),
            urgency: self.urgency.into(),
        })
    }
}

/// Names the problem (`id` or `PRB-n`) and the version read.
#[derive(InputObject)]
pub struct ProblemChangeInput {
    /// The problem's id or number (`PRB-7`).
    pub id: ID,
    /// Fails with CONFLICT unless the problem is still at this version; null: no check.
    pub expected_version: Option<i32>,
}

/// The problem, its root cause and its workaround.
#[derive(InputObject)]
pub struct RecordKnownErrorInput {
    /// The problem's id or number (`PRB-7`).
    pub id: ID,
    /// Fails with CONFLICT unless the problem is still at this version; null: no check.
    pub expected_version: Option<i32>,
    /// Why incidents happen (required for a known error).
    pub root_cause: String,
    /// How to restore service meanwhile (required for a known error); open incidents linked
    /// to the problem are told it.
    pub workaround: String,
}

impl RecordKnownErrorInput {
    pub fn command(&self) -> Result<ProblemCommand, DomainError> {
        Ok(ProblemCommand::RecordKnownError {
            root_cause: ProblemRootCause::parse(&self.root_cause)?,
            workaround: Workaround::parse(&self.workaround)?,
        })
    }
}

/// The problem and its permanent fix.
#[derive(InputObject)]
pub struct ResolveProblemInput {
    /// The problem's id or number (`PRB-7`).
    pub id: ID,
    /// Fails with CONFLICT unless the problem is still at this version; null: no check.
    pub expected_version: Option<i32>,
    /// The permanent fix (required).
    pub fix: String,
    /// The change record that carried it, e.g. `CHG-1042`.
    pub change_reference: Option<String>,
}

impl ResolveProblemInput {
    pub fn command(&self) -> Result<ProblemCommand, DomainError> {
        Ok(ProblemCommand::Resolve {
            fix: PermanentFix::parse(&self.fix)?,
            change_reference: self
                .change_reference
                .as_deref()
                .map(ChangeReference::parse)
                .transpose()?,
        })
    }
}

/// The problem that is not one after all, and why.
#[derive(InputObject)]
pub struct CancelProblemInput {
    /// The problem's id or number (`PRB-7`).
    pub id: ID,
    /// Fails with CONFLICT unless the problem is still at this version; null: no check.
    pub expected_version: Option<i32>,
    /// Why it is not a problem.
    pub reason: String,
}

impl CancelProblemInput {
    pub fn command(&self) -> Result<ProblemCommand, DomainError> {
        Ok(ProblemCommand::Cancel {
            reason: Reason::parse(&self.reason)?,
        })
    }
}

/// The incident and the problem it is a symptom of.
#[derive(InputObject)]
pub struct LinkIncidentToProblemInput {
    /// The incident's id or number (`INC-42`).
    pub incident_id: ID,
    /// The problem's id or number (`PRB-7`).
    pub problem_id: ID,
}

/// The incident to unlink from its problem.
#[derive(InputObject)]
pub struct UnlinkIncidentFromProblemInput {
    /// The incident's id or number (`INC-42`).
    pub incident_id: ID,
}
