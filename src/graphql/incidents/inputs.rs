//! GraphQL input types, each named after its mutation, and their parsing into validated
//! domain values. Parsing happens here, once; the use cases take only valid values.

use async_graphql::{ID, InputObject};
use chrono::{DateTime, Utc};

use crate::domain::DomainError;
use crate::domain::ids::{IncidentId, IncidentRef, UserId};
use crate::domain::incident::{Command, NewIncident, Resolution};
use crate::domain::listing::ListFilter;
use crate::domain::text::{
    Category, Description, Fix, Reason, ResolutionSummary, RootCause, Service, Title,
};
use crate::graphql::types::enums::{IncidentSource, IncidentStatus, Level, Priority};
use crate::graphql::types::sla::SlaState;

pub fn incident_ref(id: &ID) -> Result<IncidentRef, DomainError> {
    id.as_str().parse()
}

/// An `incidentId` argument (id or number), with errors that name it.
pub fn incident_arg(id: &ID) -> async_graphql::Result<IncidentRef> {
    incident_ref(id).map_err(|e| crate::graphql::error::field_error("incidentId", e))
}

/// A new incident. It starts NEW, untriaged (no priority) and with the caller as reporter.
#[derive(InputObject)]
pub struct ReportIncidentInput {
    /// What broke, in a line (1–200 characters).
    pub title: String,
    /// Up to 20,000 characters.
    #[graphql(default)]
    pub description: String,
    /// The affected service.
    pub service: String,
    /// The kind of failure (e.g. "database"); null: set at triage.
    pub category: Option<String>,
    /// How it was noticed: MANUAL (the default) or MONITORING. IMPORTED and ALERT are set by
    /// the importer and alert integrations and refused here (BAD_USER_INPUT).
    #[graphql(default_with = "IncidentSource::Manual")]
    pub source: IncidentSource,
}

impl ReportIncidentInput {
    pub fn parse(self) -> Result<NewIncident, DomainError> {
        Ok(NewIncident {
            title: Title::parse(&self.title)?,
            description: Description::parse(&self.description)?,
            service: Service::parse(&self.service)?,
            category: self.category.as_deref().map(Category::parse).transpose()?,
            source: match self.source {
                IncidentSource::Imported => {
                    return Err(DomainError::invalid(
                        "source",
                        "IMPORTED is set by `hindsight import`; report as MANUAL or MONITORING",
                    ));
                }
                IncidentSource::Alert => {
                    return Err(DomainError::invalid(
                        "source",
                        "ALERT is set by alert integrations; report as MANUAL or MONITORING",
                    ));
                }
                other => other.into(),
            },
        })
    }
}

/// The target of a lifecycle mutation and, optionally, the version the client last saw.
pub trait Targeted {
    fn id(&self) -> &ID;
    fn expected_version(&self) -> Option<i32>;
}

macro_rules! targeted {
    ($($name:ident),*) => {$(
        impl Targeted for $name {
            fn id(&self) -> &ID { &self.id }
            fn expected_version(&self) -> Option<i32> { self.expected_version }
        }
    )*};
}

/// Triage: the category and the impact and urgency the priority is derived from.
#[derive(InputObject)]
pub struct TriageIncidentInput {
    /// The incident's id or number (`INC-42`).
    pub id: ID,
    /// Fails with CONFLICT unless the incident is still at this version.
    pub expected_version: Option<i32>,
    /// The kind of failure (e.g. "database").
    pub category: String,
    /// How widely the incident hurts (HIGH: many users or a whole service).
    pub impact: Level,
    /// How soon it must be dealt with (HIGH: now).
    pub urgency: Level,
}

impl TriageIncidentInput {
    pub fn command(&self) -> Result<Command, DomainError> {
        Ok(Command::Triage {
            category: Category::parse(&self.category)?,
            impact: self.impact.into(),
            urgency: self.urgency.into(),
        })
    }
}

/// Which incident starts being investigated.
#[derive(InputObject)]
pub struct StartInvestigationInput {
    /// The incident's id or number (`INC-42`).
    pub id: ID,
    /// Fails with CONFLICT unless the incident is still at this version; null: no check.
    pub expected_version: Option<i32>,
}

/// Which incident has been mitigated.
#[derive(InputObject)]
pub struct MitigateIncidentInput {
    /// The incident's id or number (`INC-42`).
    pub id: ID,
    /// Fails with CONFLICT unless the incident is still at this version; null: no check.
    pub expected_version: Option<i32>,
}

/// How an incident was resolved; it feeds the knowledge base and later suggestions.
#[derive(InputObject)]
pub struct ResolutionInput {
    /// What restored service (required).
    pub summary: String,
    /// Why it broke, if known.
    pub root_cause: Option<String>,
    /// What was done.
    pub fix: Option<String>,
}

/// Service is restored for good: the incident and how it was resolved.
#[derive(InputObject)]
pub struct ResolveIncidentInput {
    /// The incident's id or number (`INC-42`).
    pub id: ID,
    /// Fails with CONFLICT unless the incident is still at this version; null: no check.
    pub expected_version: Option<i32>,
    /// What restored service, why it broke and what was done.
    pub resolution: ResolutionInput,
}

impl ResolveIncidentInput {
    pub fn command(&self) -> Result<Command, DomainError> {
        let r = &self.resolution;
        Ok(Command::Resolve(Resolution {
            summary: ResolutionSummary::parse(&r.summary)?,
            root_cause: r.root_cause.as_deref().map(RootCause::parse).transpose()?,
            fix: r.fix.as_deref().map(Fix::parse).transpose()?,
            helped_by: Vec::new(),
            helped_by_known_errors: Vec::new(),
        }))
    }
}

/// The resolved incident whose fix held.
#[derive(InputObject)]
pub struct CloseIncidentInput {
    /// The incident's id or number (`INC-42`).
    pub id: ID,
    /// Fails with CONFLICT unless the incident is still at this version; null: no check.
    pub expected_version: Option<i32>,
}

/// The resolved incident whose fix did not hold, and why.
#[derive(InputObject)]
pub struct ReopenIncidentInput {
    /// The incident's id or number (`INC-42`).
    pub id: ID,
    /// Fails with CONFLICT unless the incident is still at this version; null: no check.
    pub expected_version: Option<i32>,
    /// Why the fix did not hold.
    pub reason: String,
}

/// The incident that is not one (or duplicates another), and why.
#[derive(InputObject)]
pub struct CancelIncidentInput {
    /// The incident's id or number (`INC-42`).
    pub id: ID,
    /// Fails with CONFLICT unless the incident is still at this version; null: no check.
    pub expected_version: Option<i32>,
    /// Why this is not an incident, or which one it duplicates.
    pub reason: String,
    /// The id or number of the incident this one duplicates.
    pub duplicate_of: Option<ID>,
}

impl CancelIncidentInput {
    /// The duplicate is resolved to an id by the resolver (it may be given as a number).
    pub fn command(&self, duplicate_of: Option<IncidentId>) -> Result<Command, DomainError> {
        Ok(Command::Cancel {
            reason: Reason::parse(&self.reason)?,
            duplicate_of,
        })
    }
}

targeted!(
    TriageIncidentInput,
    StartInvestigationInput,
    MitigateIncidentInput,
    ResolveIncidentInput,
    CloseIncidentInput,
    ReopenIncidentInput,
    CancelIncidentInput
);

/// Which incidents to list; every field given must match (AND), absent fields match all.
#[derive(InputObject, Default)]
pub struct IncidentFilter {
    /// Any of these statuses; absent or empty: any status.
    pub status: Option<Vec<IncidentStatus>>,
    /// Any of these priorities; absent or empty: any priority (untriaged included).
    pub priority: Option<Vec<Priority>>,
    /// Exactly this service name.
    pub service: Option<String>,
    /// Exactly this category.
    pub category: Option<String>,

    /// The reporter's user id.
    pub reporter: Option<ID>,
    /// Any of these SLA states, for the incident as a whole: BREACHED if either clock is,
    /// else RUNNING if either runs, else MET if either was met, else NOT_APPLICABLE.
    pub sla_state: Option<Vec<SlaState>>,
    /// A clock still running falls due before this instant (e.g. now + 1h: at risk).
    pub sla_due_before: Option<DateTime<Utc>>,
}

impl IncidentFilter {
    pub fn parse(self) -> ListFilter {
        ListFilter {
            statuses: self
                .status
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            priorities: self
                .priority
                .unwrap_or_default()
                .into_iter()
                .map(Priority::to_domain)
                .collect(),
            service: self.service,
            category: self.category,
            reporter: self.reporter.map(|r| UserId::from(r.0)),
            sla_states: self
                .sla_state
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            sla_due_before: self.sla_due_before,
        }
    }
}
