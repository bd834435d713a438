//! GraphQL input types, each named after its mutation, and their parsing into validated
//! domain values. Parsing happens here, once; the use cases take only valid values.

use async_graphql::{ID, InputObject, MaybeUndefined};
use chrono::{DateTime, Utc};

use crate::domain::DomainError;
use crate::domain::edit::Edit;
use crate::domain::ids::{IncidentId, IncidentRef, UserId};
use crate::domain::incident::{Command, NewIncident, Resolution};
use crate::domain::listing::ListFilter;
use crate::domain::text::{
    Category, Description, Fix, Labels, PublicTitle, Reason, ResolutionSummary, RootCause, Service,
    Title,
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
    /// Labels, e.g. `customer-facing`: trimmed and lowercased, 1–64 characters each, at most
    /// 20 different ones.
    pub labels: Option<Vec<String>>,
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
            labels: Labels::parse(self.labels.as_deref().unwrap_or_default())?,
        })
    }
}

/// `updateIncident`: only the fields given change; the others stay as they are.
#[derive(InputObject)]
pub struct UpdateIncidentInput {
    /// The incident's id or number (`INC-42`).
    pub id: ID,
    /// Fails with CONFLICT unless the incident is still at this version.
    pub expected_version: Option<i32>,
    /// What broke, in a line (1–200 characters).
    pub title: Option<String>,
    /// Up to 20,000 characters; an empty string clears it.
    pub description: Option<String>,
    /// The affected service.
    pub service: Option<String>,
    /// When the impact started, if before the report: at or before the report time, in the
    /// years 1970–9999. MTTM and MTTR are measured from it. `null` clears it (the impact
    /// started at the report).
    pub impact_started_at: MaybeUndefined<DateTime<Utc>>,
    /// Replaces the whole set of labels (an empty list removes them all); same rules as at
    /// the report.
    pub labels: Option<Vec<String>>,
    /// The title the public status page shows instead of `title` (1–200 characters), so
    /// internal wording stays internal. `null` clears it.
    pub public_title: MaybeUndefined<String>,
}

/// An optional field that `null` clears: `None` absent, `Some(None)` cleared.
fn clearable<T, U>(
    value: &MaybeUndefined<T>,
    parse: impl FnOnce(&T) -> Result<U, DomainError>,
) -> Result<Option<Option<U>>, DomainError> {
    Ok(match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(parse(v)?)),
    })
}

impl UpdateIncidentInput {
    pub fn edit(&self) -> Result<Edit, DomainError> {
        Ok(Edit {
            title: self.title.as_deref().map(Title::parse).transpose()?,
            description: self
                .description
                .as_deref()
                .map(Description::parse)
                .transpose()?,
            service: self.service.as_deref().map(Service::parse).transpose()?,
            impact_started_at: clearable(&self.impact_started_at, |at| Ok(*at))?,
            labels: self.labels.as_deref().map(Labels::parse).transpose()?,
            public_title: clearable(&self.public_title, |t| PublicTitle::parse(t))?,
        })
    }
}

/// `linkRelatedIncidents` and `unlinkRelatedIncidents`: the two incidents.
#[derive(InputObject)]
pub struct RelatedIncidentsInput {
    /// One incident's id or number (`INC-42`); the caller's rights on it decide.
    pub id: ID,
    /// The other incident's id or number.
    pub related_id: ID,
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
    /// Incidents having every one of these labels (compared after trimming and lowercasing);
    /// at most 20.
    pub labels: Option<Vec<String>>,
}

impl IncidentFilter {
    pub fn parse(self) -> Result<ListFilter, DomainError> {
        let labels = Labels::parse(self.labels.as_deref().unwrap_or_default())?;
        Ok(ListFilter {
            labels: labels.as_slice().to_vec(),
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
        })
    }
}
