//! GraphQL enums and their explicit conversions to and from domain types.

use async_graphql::Enum;

use crate::auth::OrgRole;
use crate::domain::event::EventKind;
use crate::domain::incident::Source;
use crate::domain::lifecycle::{Action, Status};
use crate::domain::priority::{self, Priority as DomainPriority};
use crate::domain::team;
use crate::store::incidents::ListOrder;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "IncidentStatus")]
pub enum IncidentStatus {
    New,
    Triaged,
    Investigating,
    Mitigated,
    Resolved,
    Closed,
    Cancelled,
}

impl From<Status> for IncidentStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::New => Self::New,
            Status::Triaged => Self::Triaged,
            Status::Investigating => Self::Investigating,
            Status::Mitigated => Self::Mitigated,
            Status::Resolved => Self::Resolved,
            Status::Closed => Self::Closed,
            Status::Cancelled => Self::Cancelled,
        }
    }
}

impl From<IncidentStatus> for Status {
    fn from(s: IncidentStatus) -> Self {
        match s {
            IncidentStatus::New => Self::New,
            IncidentStatus::Triaged => Self::Triaged,
            IncidentStatus::Investigating => Self::Investigating,
            IncidentStatus::Mitigated => Self::Mitigated,
            IncidentStatus::Resolved => Self::Resolved,
            IncidentStatus::Closed => Self::Closed,
            IncidentStatus::Cancelled => Self::Cancelled,
        }
    }
}

/// Impact and urgency, for ITIL prioritization.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Level {
    High,
    Medium,
    Low,
}

impl From<priority::Level> for Level {
    fn from(l: priority::Level) -> Self {
        match l {
            priority::Level::High => Self::High,
            priority::Level::Medium => Self::Medium,
            priority::Level::Low => Self::Low,
        }
    }
}

impl From<Level> for priority::Level {
    fn from(l: Level) -> Self {
        match l {
            Level::High => Self::High,
            Level::Medium => Self::Medium,
            Level::Low => Self::Low,
        }
    }
}

/// Derived from impact × urgency: P1 is the most urgent.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Priority {
    P1,
    P2,
    P3,
    P4,
    P5,
}

impl From<DomainPriority> for Priority {
    fn from(p: DomainPriority) -> Self {
        match p.rank() {
            1 => Self::P1,
            2 => Self::P2,
            3 => Self::P3,
            4 => Self::P4,
            _ => Self::P5,
        }
    }
}

impl Priority {
    pub fn to_domain(self) -> DomainPriority {
        let rank = match self {
            Self::P1 => 1,
            Self::P2 => 2,
            Self::P3 => 3,
            Self::P4 => 4,
            Self::P5 => 5,
        };
        DomainPriority::from_rank(rank).unwrap_or_else(|| unreachable!("1..=5 are priorities"))
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum IncidentSource {
    /// Reported by a person.
    Manual,
    /// Raised by a monitoring system.
    Monitoring,
    /// Imported from another tracker.
    Imported,
}

impl From<Source> for IncidentSource {
    fn from(s: Source) -> Self {
        match s {
            Source::Manual => Self::Manual,
            Source::Monitoring => Self::Monitoring,
            Source::Imported => Self::Imported,
        }
    }
}

impl From<IncidentSource> for Source {
    fn from(s: IncidentSource) -> Self {
        match s {
            IncidentSource::Manual => Self::Manual,
            IncidentSource::Monitoring => Self::Monitoring,
            IncidentSource::Imported => Self::Imported,
        }
    }
}

/// A lifecycle mutation, as `Incident.allowedActions` lists them.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum LifecycleAction {
    Triage,
    StartInvestigation,
    Mitigate,
    Resolve,
    Close,
    Reopen,
    Cancel,
}

impl From<Action> for LifecycleAction {
    fn from(a: Action) -> Self {
        match a {
            Action::Triage => Self::Triage,
            Action::StartInvestigation => Self::StartInvestigation,
            Action::Mitigate => Self::Mitigate,
            Action::Resolve => Self::Resolve,
            Action::Close => Self::Close,
            Action::Reopen => Self::Reopen,
            Action::Cancel => Self::Cancel,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum TimelineEventKind {
    Reported,
    Triaged,
    InvestigationStarted,
    Mitigated,
    Resolved,
    Closed,
    Reopened,
    Cancelled,
    SuggestionRated,
    Imported,
    RoleAssigned,
    RoleRelieved,
    NoteAdded,
    UpdatePosted,
}

impl From<EventKind> for TimelineEventKind {
    fn from(k: EventKind) -> Self {
        match k {
            EventKind::Reported => Self::Reported,
            EventKind::Triaged => Self::Triaged,
            EventKind::InvestigationStarted => Self::InvestigationStarted,
            EventKind::Mitigated => Self::Mitigated,
            EventKind::Resolved => Self::Resolved,
            EventKind::Closed => Self::Closed,
            EventKind::Reopened => Self::Reopened,
            EventKind::Cancelled => Self::Cancelled,
            EventKind::SuggestionRated => Self::SuggestionRated,
            EventKind::Imported => Self::Imported,
            EventKind::RoleAssigned => Self::RoleAssigned,
            EventKind::RoleRelieved => Self::RoleRelieved,
            EventKind::NoteAdded => Self::NoteAdded,
            EventKind::UpdatePosted => Self::UpdatePosted,
        }
    }
}

impl From<TimelineEventKind> for EventKind {
    fn from(k: TimelineEventKind) -> Self {
        match k {
            TimelineEventKind::Reported => Self::Reported,
            TimelineEventKind::Triaged => Self::Triaged,
            TimelineEventKind::InvestigationStarted => Self::InvestigationStarted,
            TimelineEventKind::Mitigated => Self::Mitigated,
            TimelineEventKind::Resolved => Self::Resolved,
            TimelineEventKind::Closed => Self::Closed,
            TimelineEventKind::Reopened => Self::Reopened,
            TimelineEventKind::Cancelled => Self::Cancelled,
            TimelineEventKind::SuggestionRated => Self::SuggestionRated,
            TimelineEventKind::Imported => Self::Imported,
            TimelineEventKind::RoleAssigned => Self::RoleAssigned,
            TimelineEventKind::RoleRelieved => Self::RoleRelieved,
            TimelineEventKind::NoteAdded => Self::NoteAdded,
            TimelineEventKind::UpdatePosted => Self::UpdatePosted,
        }
    }
}

/// A role on one incident.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "IncidentRole")]
pub enum IncidentRoleKind {
    /// Runs the response; at most one at a time.
    IncidentManager,
    /// Diagnoses and fixes; any number.
    Specialist,
    /// Keeps stakeholders informed; at most one at a time.
    Communicator,
    /// Keeps the record; at most one at a time.
    Scribe,
}

impl From<IncidentRoleKind> for team::IncidentRole {
    fn from(r: IncidentRoleKind) -> Self {
        match r {
            IncidentRoleKind::IncidentManager => Self::IncidentManager,
            IncidentRoleKind::Specialist => Self::Specialist,
            IncidentRoleKind::Communicator => Self::Communicator,
            IncidentRoleKind::Scribe => Self::Scribe,
        }
    }
}

impl From<team::IncidentRole> for IncidentRoleKind {
    fn from(r: team::IncidentRole) -> Self {
        match r {
            team::IncidentRole::IncidentManager => Self::IncidentManager,
            team::IncidentRole::Specialist => Self::Specialist,
            team::IncidentRole::Communicator => Self::Communicator,
            team::IncidentRole::Scribe => Self::Scribe,
        }
    }
}

/// Who an update is meant for.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Audience {
    /// The responders only.
    Internal,
    /// Everyone in the organisation who may read incidents, watchers included.
    Stakeholders,
    /// Anyone: also shown on the public status page.
    Public,
}

impl From<Audience> for team::Audience {
    fn from(a: Audience) -> Self {
        match a {
            Audience::Internal => Self::Internal,
            Audience::Stakeholders => Self::Stakeholders,
            Audience::Public => Self::Public,
        }
    }
}

impl From<team::Audience> for Audience {
    fn from(a: team::Audience) -> Self {
        match a {
            team::Audience::Internal => Self::Internal,
            team::Audience::Stakeholders => Self::Stakeholders,
            team::Audience::Public => Self::Public,
        }
    }
}

/// The state a status update announces, in the words status pages use.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum UpdateStatus {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl From<UpdateStatus> for team::UpdateStatus {
    fn from(a: UpdateStatus) -> Self {
        match a {
            UpdateStatus::Investigating => Self::Investigating,
            UpdateStatus::Identified => Self::Identified,
            UpdateStatus::Monitoring => Self::Monitoring,
            UpdateStatus::Resolved => Self::Resolved,
        }
    }
}

impl From<team::UpdateStatus> for UpdateStatus {
    fn from(a: team::UpdateStatus) -> Self {
        match a {
            team::UpdateStatus::Investigating => Self::Investigating,
            team::UpdateStatus::Identified => Self::Identified,
            team::UpdateStatus::Monitoring => Self::Monitoring,
            team::UpdateStatus::Resolved => Self::Resolved,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Role {
    Admin,
    Manager,
    Specialist,
    Communicator,
    Viewer,
}

impl From<OrgRole> for Role {
    fn from(r: OrgRole) -> Self {
        match r {
            OrgRole::Admin => Self::Admin,
            OrgRole::Manager => Self::Manager,
            OrgRole::Specialist => Self::Specialist,
            OrgRole::Communicator => Self::Communicator,
            OrgRole::Viewer => Self::Viewer,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum IncidentOrder {
    /// Highest number first.
    #[default]
    NewestFirst,
    OldestFirst,
    /// P1 first, untriaged last; newest first within a priority.
    Priority,
}

impl From<IncidentOrder> for ListOrder {
    fn from(o: IncidentOrder) -> Self {
        match o {
            IncidentOrder::NewestFirst => Self::NewestFirst,
            IncidentOrder::OldestFirst => Self::OldestFirst,
            IncidentOrder::Priority => Self::Priority,
        }
    }
}
