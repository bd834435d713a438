//! GraphQL enums. Each mirrors a domain enum variant for variant, and async-graphql derives
//! the conversions both ways (`remote`), so a variant added to one and not the other fails
//! to compile.

use async_graphql::Enum;

use crate::domain::priority::Priority as DomainPriority;

/// Where an incident is in its lifecycle (`Incident.allowedActions` says what may follow).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "IncidentStatus")]
#[graphql(remote = "crate::domain::lifecycle::Status")]
pub enum IncidentStatus {
    /// Reported, not yet triaged (no priority).
    New,
    /// Categorized and prioritized; nobody is investigating yet.
    Triaged,
    /// Responders are diagnosing it.
    Investigating,
    /// A workaround restored service; the investigation goes on.
    Mitigated,
    /// Service is restored for good; waiting for the reporter to confirm (close or reopen).
    Resolved,
    /// The fix held. Final.
    Closed,
    /// Not an incident, or a duplicate of another. Final.
    Cancelled,
}

/// Impact and urgency, for ITIL prioritization.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::priority::Level")]
pub enum Level {
    /// Impact: many users or a whole service. Urgency: must be dealt with now.
    High,
    /// Impact: some users or a part of a service. Urgency: soon, not this minute.
    Medium,
    /// Impact: few users, a workaround exists. Urgency: can wait.
    Low,
}

/// Derived from impact × urgency: P1 is the most urgent.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Priority {
    /// Critical: HIGH impact and HIGH urgency.
    P1,
    /// High.
    P2,
    /// Moderate.
    P3,
    /// Low.
    P4,
    /// Planning: LOW impact and LOW urgency.
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

/// How an incident was noticed.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::incident::Source")]
pub enum IncidentSource {
    /// Reported by a person.
    Manual,
    /// Raised by a monitoring system.
    Monitoring,
    /// Imported from another tracker.
    Imported,
    /// Opened by an alert integration (`createIntegration`) from a monitoring tool's alert.
    Alert,
}

/// A lifecycle mutation, as `Incident.allowedActions` lists them.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::lifecycle::Action")]
pub enum LifecycleAction {
    /// `triageIncident`.
    Triage,
    /// `startInvestigation`.
    StartInvestigation,
    /// `mitigateIncident`.
    Mitigate,
    /// `resolveIncident`.
    Resolve,
    /// `closeIncident`.
    Close,
    /// `reopenIncident`.
    Reopen,
    /// `cancelIncident`.
    Cancel,
}

/// What a timeline event records. `before` and `after` of the event hold the details.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::event::EventKind")]
pub enum TimelineEventKind {
    /// The incident was reported.
    Reported,
    /// It was triaged, or triaged again (`after`: `category`, `impact`, `urgency`, `priority`).
    Triaged,
    /// The investigation started.
    InvestigationStarted,
    /// A workaround restored service.
    Mitigated,
    /// It was resolved (`after.resolution`).
    Resolved,
    /// It was closed.
    Closed,
    /// It was reopened (`after.reason`; `before` holds the dropped resolution).
    Reopened,
    /// It was cancelled (`after`: `reason`, `duplicateOf`).
    Cancelled,
    /// A suggestion was rated helpful or not (`rateSuggestion`).
    SuggestionRated,
    /// It was imported from another tracker (`hindsight import`).
    Imported,
    /// Someone was given an incident role.
    RoleAssigned,
    /// Someone was relieved of an incident role.
    RoleRelieved,
    /// A responder added a working note (INTERNAL).
    NoteAdded,
    /// A status update was posted (`after.audience`).
    UpdatePosted,
    /// An SLA clock reached its policy's warning share (`after` says which clock and when it
    /// is due).
    SlaWarning,
    /// An SLA clock passed its due time before completion; stamped with the due time.
    SlaBreached,
    /// An automation rule paged an address (`after`: `address`, `message`, `rule`); webhooks
    /// subscribed to it deliver it to paging tools.
    Escalation,
    /// An alert of the incident fires again after it had cleared or been acknowledged.
    AlertFiring,
    /// An alert of the incident cleared at its source.
    AlertResolved,
    /// The alert's sender says someone acknowledged it (Events v2 `acknowledge`).
    AlertAcknowledged,
    /// Linked to a problem (`after`: `problem`, `problemId`, `title`).
    ProblemLinked,
    /// Unlinked from its problem.
    ProblemUnlinked,
    /// Its problem became a known error (`after.workaround`) or was fixed (`after.fix`).
    ProblemUpdated,
    /// A post-incident review was started (`after`: `reviewId`, `owner`).
    ReviewStarted,
    /// The post-incident review was published (`after`: `reviewId`, `actionItems`).
    ReviewPublished,
    /// Fields were edited (`updateIncident`): `before` and `after` hold only the changed
    /// fields (`title`, `description`, `service`, `impactStartedAt`, `labels`, `publicTitle`).
    IncidentEdited,
    /// Linked to a related incident (`after`: `relatedId`, `related`), on both incidents.
    RelatedIncidentLinked,
    /// The link to a related incident was removed (`before`: `relatedId`, `related`), on both
    /// incidents.
    RelatedIncidentUnlinked,
}

/// A role on one incident.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "IncidentRole")]
#[graphql(remote = "crate::domain::team::IncidentRole")]
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

/// Who an update is meant for.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::team::Audience")]
pub enum Audience {
    /// The responders only.
    Internal,
    /// Everyone in the organisation who may read incidents, watchers included.
    Stakeholders,
    /// Anyone: also shown on the public status page.
    Public,
}

/// The state a status update announces, in the words status pages use.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::team::UpdateStatus")]
pub enum UpdateStatus {
    /// The cause is being looked for.
    Investigating,
    /// The cause is known and a fix is under way.
    Identified,
    /// A fix is in place and being watched.
    Monitoring,
    /// The incident is over.
    Resolved,
}

/// An organisation role, from the caller's token. It decides what the caller may do in
/// general; incident roles add rights on one incident.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::auth::OrgRole")]
pub enum Role {
    /// Everything, including webhooks, SLA policies, automation and integrations.
    Admin,
    /// Leads responses: every incident operation, problems, reviews; reads SLA, automation
    /// and integrations.
    Manager,
    /// A responder: triages, investigates, mitigates, resolves, adds notes, rates
    /// suggestions, records known errors.
    Specialist,
    /// Posts status updates; sees INTERNAL information.
    Communicator,
    /// Reads, reports and watches incidents.
    Viewer,
}

/// The order of an incident list.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
#[graphql(remote = "crate::domain::listing::ListOrder")]
pub enum IncidentOrder {
    /// Highest number first.
    #[default]
    NewestFirst,
    /// Lowest number first.
    OldestFirst,

    /// P1 first, untriaged last; newest first within a priority.
    Priority,
    /// The SLA clock due soonest first (breached ones, which fell due earliest, lead);
    /// incidents with no clock running last, oldest first among those.
    SlaDue,
}
