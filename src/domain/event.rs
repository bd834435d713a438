//! Timeline event kinds: what happened to an incident. Each change appends exactly one event.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::ids::{EventId, IncidentId, UserId};
use super::team::Audience;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    Reported,
    Triaged,
    InvestigationStarted,
    Mitigated,
    Resolved,
    Closed,
    Reopened,
    Cancelled,
    /// A suggestion for this incident, or this incident as a suggestion, was rated.
    SuggestionRated,
    /// The incident was imported from another tracker.
    Imported,
    /// Someone took on a role on the incident.
    RoleAssigned,
    /// Someone was relieved of a role on the incident.
    RoleRelieved,
    /// A working note in the responders' log.
    NoteAdded,
    /// A status update for an audience.
    UpdatePosted,
    /// An SLA clock reached its policy's warning share.
    SlaWarning,
    /// An SLA clock passed its due time before completion.
    SlaBreached,
    /// An automation rule paged an address: paging tools receive it through webhooks.
    Escalation,
    /// An alert of the incident fires again after it had cleared or been acknowledged.
    AlertFiring,
    /// An alert of the incident cleared at its source.
    AlertResolved,
    /// The alert's sender says someone acknowledged it (Events v2 `acknowledge`).
    AlertAcknowledged,
    /// The incident was linked to a problem.
    ProblemLinked,
    /// The incident's link to its problem was removed.
    ProblemUnlinked,
    /// The incident's problem became a known error (with a workaround) or was fixed.
    ProblemUpdated,
    /// A post-incident review of the incident was started.
    ReviewStarted,
    /// The incident's post-incident review was published.
    ReviewPublished,
    /// Fields of the incident were edited (`updateIncident`).
    IncidentEdited,
    /// The incident was linked to a related incident.
    RelatedIncidentLinked,
    /// The incident's link to a related incident was removed.
    RelatedIncidentUnlinked,
}

impl EventKind {
    pub const ALL: [EventKind; 28] = [
        Self::Reported,
        Self::Triaged,
        Self::InvestigationStarted,
        Self::Mitigated,
        Self::Resolved,
        Self::Closed,
        Self::Reopened,
        Self::Cancelled,
        Self::SuggestionRated,
        Self::Imported,
        Self::RoleAssigned,
        Self::RoleRelieved,
        Self::NoteAdded,
        Self::UpdatePosted,
        Self::SlaWarning,
        Self::SlaBreached,
        Self::Escalation,
        Self::AlertFiring,
        Self::AlertResolved,
        Self::AlertAcknowledged,
        Self::ProblemLinked,
        Self::ProblemUnlinked,
        Self::ProblemUpdated,
        Self::ReviewStarted,
        Self::ReviewPublished,
        Self::IncidentEdited,
        Self::RelatedIncidentLinked,
        Self::RelatedIncidentUnlinked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reported => "REPORTED",
            Self::Triaged => "TRIAGED",
            Self::InvestigationStarted => "INVESTIGATION_STARTED",
            Self::Mitigated => "MITIGATED",
            Self::Resolved => "RESOLVED",
            Self::Closed => "CLOSED",
            Self::Reopened => "REOPENED",
            Self::Cancelled => "CANCELLED",
            Self::SuggestionRated => "SUGGESTION_RATED",
            Self::Imported => "IMPORTED",
            Self::RoleAssigned => "ROLE_ASSIGNED",
            Self::RoleRelieved => "ROLE_RELIEVED",
            Self::NoteAdded => "NOTE_ADDED",
            Self::UpdatePosted => "UPDATE_POSTED",
            Self::SlaWarning => "SLA_WARNING",
            Self::SlaBreached => "SLA_BREACHED",
            Self::Escalation => "ESCALATION",
            Self::AlertFiring => "ALERT_FIRING",
            Self::AlertResolved => "ALERT_RESOLVED",
            Self::AlertAcknowledged => "ALERT_ACKNOWLEDGED",
            Self::ProblemLinked => "PROBLEM_LINKED",
            Self::ProblemUnlinked => "PROBLEM_UNLINKED",
            Self::ProblemUpdated => "PROBLEM_UPDATED",
            Self::ReviewStarted => "REVIEW_STARTED",
            Self::ReviewPublished => "REVIEW_PUBLISHED",
            Self::IncidentEdited => "INCIDENT_EDITED",
            Self::RelatedIncidentLinked => "RELATED_INCIDENT_LINKED",
            Self::RelatedIncidentUnlinked => "RELATED_INCIDENT_UNLINKED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: EventId,
    pub incident_id: IncidentId,
    pub at: DateTime<Utc>,
    pub actor_id: UserId,
    pub kind: EventKind,
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// Who may see it; `None`: anyone who may read the incident.
    pub audience: Option<Audience>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    pub body: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: UserId,
}
