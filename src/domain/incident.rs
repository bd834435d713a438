//! The incident aggregate and the one place its state changes: `Incident::apply`.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::DomainError;
use super::event::EventKind;
use super::ids::{IncidentId, IncidentNumber, ProblemId, ProblemNumber, UserId};
use super::lifecycle::{Action, Status};
use super::priority::{Level, Priority};
use super::text::{
    Category, Description, Fix, Labels, Reason, ResolutionSummary, RootCause, Service, Title,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Manual,
    Monitoring,
    /// Imported from another tracker's export (`hindsight import`).
    Imported,
    /// Opened by an alert integration from a monitoring tool's alert.
    Alert,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "MANUAL",
            Self::Monitoring => "MONITORING",
            Self::Imported => "IMPORTED",
            Self::Alert => "ALERT",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "MANUAL" => Some(Self::Manual),
            "MONITORING" => Some(Self::Monitoring),
            "IMPORTED" => Some(Self::Imported),
            "ALERT" => Some(Self::Alert),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub summary: ResolutionSummary,
    pub root_cause: Option<RootCause>,
    pub fix: Option<Fix>,
    /// Past incidents whose suggestion was rated helpful while this one was diagnosed
    /// ("resolved with the help of INC-x"). Filled in by the use case from the ratings.
    pub helped_by: Vec<(IncidentId, IncidentNumber)>,
    /// Known errors whose suggestion was rated helpful while this one was diagnosed, likewise.
    pub helped_by_known_errors: Vec<(ProblemId, ProblemNumber)>,
}

/// Stored text is trusted: it was validated when it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResolution {
    pub summary: String,
    pub root_cause: Option<String>,
    pub fix: Option<String>,
    pub helped_by: Vec<IncidentId>,
    pub helped_by_known_errors: Vec<ProblemId>,
}

impl StoredResolution {
    /// Whether a suggestion (a past incident or a known error) was rated helpful before the
    /// incident was resolved.
    pub fn helped(&self) -> bool {
        !self.helped_by.is_empty() || !self.helped_by_known_errors.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Triage {
    pub category: String,
    pub impact: Level,
    pub urgency: Level,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub id: IncidentId,
    pub number: IncidentNumber,
    pub title: String,
    pub description: String,
    pub service: String,
    pub category: Option<String>,
    pub source: Source,
    pub status: Status,
    pub impact: Option<Level>,
    pub urgency: Option<Level>,
    pub priority: Option<Priority>,
    pub resolution: Option<StoredResolution>,
    pub cancel_reason: Option<String>,
    pub duplicate_of: Option<IncidentId>,
    pub reporter_id: UserId,
    /// The original ticket id of an imported incident.
    pub external_id: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub triaged_at: Option<DateTime<Utc>>,
    pub investigating_at: Option<DateTime<Utc>>,
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// When it was last reopened: the resolution clock runs again from here.
    pub reopened_at: Option<DateTime<Utc>>,
    /// The stretches the resolution clock ran before each reopen (start, mitigated or
    /// resolved), kept as instants so any calendar can count them.
    pub resolution_runs: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// When a monitoring tool first said someone acknowledged its alert: a first response.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// When an incident manager was first assigned (relieved since or not): a first response.
    pub manager_assigned_at: Option<DateTime<Utc>>,
    /// How many times it was reopened.
    pub reopen_count: u32,
    /// When the impact started, if earlier than the report (`created_at`): MTTM and MTTR
    /// are measured from here.
    pub impact_started_at: Option<DateTime<Utc>>,
    /// The title the public status page shows instead of `title`.
    pub public_title: Option<String>,
}

/// The resolution clock's current stretch from an incident's stamps: it starts at the report
/// or the last reopen, and ends at the first mitigation or resolution since then.
pub fn resolution_stretch(
    created_at: DateTime<Utc>,
    reopened_at: Option<DateTime<Utc>>,
    mitigated_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
) -> (DateTime<Utc>, Option<DateTime<Utc>>) {
    let start = reopened_at.unwrap_or(created_at);
    let end = [mitigated_at, resolved_at]
        .into_iter()
        .flatten()
        .filter(|&at| at >= start)
        .min();
    (start, end)
}

/// A validated report: identification and logging.
#[derive(Debug, Clone)]
pub struct NewIncident {
    pub title: Title,
    pub description: Description,
    pub service: Service,
    pub category: Option<Category>,
    pub source: Source,
    /// Its labels from the start (stored beside the incident, not on it).
    pub labels: Labels,
}

/// A validated lifecycle command.
#[derive(Debug, Clone)]
pub enum Command {
    Triage {
        category: Category,
        impact: Level,
        urgency: Level,
    },
    StartInvestigation,
    Mitigate,
    Resolve(Resolution),
    Close,
    Reopen {
        reason: Reason,
    },
    Cancel {
        reason: Reason,
        duplicate_of: Option<IncidentId>,
    },
}

impl Command {
    pub fn action(&self) -> Action {
        match self {
            Self::Triage { .. } => Action::Triage,
            Self::StartInvestigation => Action::StartInvestigation,
            Self::Mitigate => Action::Mitigate,
            Self::Resolve(_) => Action::Resolve,
            Self::Close => Action::Close,
            Self::Reopen { .. } => Action::Reopen,
            Self::Cancel { .. } => Action::Cancel,
        }
    }
}

/// What a change did, for the timeline: the kind and the changed fields before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub kind: EventKind,
    pub before: Option<Value>,
    pub after: Value,
}

impl Incident {
    /// Where the resolution clock's current stretch starts: the report, or the last reopen.
    pub fn resolution_run_start(&self) -> DateTime<Utc> {
        resolution_stretch(
            self.created_at,
            self.reopened_at,
            self.mitigated_at,
            self.resolved_at,
        )
        .0
    }

    /// When the current stretch ended: mitigated or resolved since it started, whichever
    /// came first. A mitigation before the last reopen belongs to an earlier stretch.
    pub fn resolution_completed_at(&self) -> Option<DateTime<Utc>> {
        resolution_stretch(
            self.created_at,
            self.reopened_at,
            self.mitigated_at,
            self.resolved_at,
        )
        .1
    }

    /// Identification and logging: a NEW incident. The caller supplies id, number and time.
    pub fn report(
        new: NewIncident,
        id: IncidentId,
        number: IncidentNumber,
        reporter_id: UserId,
        now: DateTime<Utc>,
    ) -> (Self, Change) {
        let labels = new.labels.to_strings();
        let incident = Self {
            id,
            number,
            title: new.title.into_inner(),
            description: new.description.into_inner(),
            service: new.service.into_inner(),
            category: new.category.map(Category::into_inner),
            source: new.source,
            status: Status::New,
            impact: None,
            urgency: None,
            priority: None,
            resolution: None,
            cancel_reason: None,
            duplicate_of: None,
            reporter_id,
            external_id: None,
            version: 1,
            created_at: now,
            updated_at: now,
            triaged_at: None,
            investigating_at: None,
            mitigated_at: None,
            resolved_at: None,
            closed_at: None,
            cancelled_at: None,
            reopened_at: None,
            resolution_runs: Vec::new(),
            acknowledged_at: None,
            manager_assigned_at: None,
            reopen_count: 0,
            impact_started_at: None,
            public_title: None,
        };
        let change = Change {
            kind: EventKind::Reported,
            before: None,
            after: json!({
                "status": incident.status.as_str(),
                "title": incident.title,
                "service": incident.service,
                "category": incident.category,
                "source": incident.source.as_str(),
            }),
        };
        let mut change = change;
        if !labels.is_empty() {
            change.after["labels"] = json!(labels);
        }
        (incident, change)
    }

    /// The incident after a change that is not a lifecycle transition (a role assigned, say):
    /// same state, next version, so clients holding the old version see that it changed.
    pub fn touched(&self, now: DateTime<Utc>) -> Self {
        let mut next = self.clone();
        next.version += 1;
        next.updated_at = now;
        next
    }

    /// Closed and cancelled incidents are final: nobody takes on a role there any more.
    pub fn is_final(&self) -> bool {
        matches!(self.status, Status::Closed | Status::Cancelled)
    }

    /// Open: not yet resolved, closed or cancelled.
    pub fn is_open(&self) -> bool {
        !matches!(
            self.status,
            Status::Resolved | Status::Closed | Status::Cancelled
        )
    }

    /// Resolved and closed incidents are the knowledge base: their fixes are suggested.
    pub fn in_knowledge_base(&self) -> bool {
        matches!(self.status, Status::Resolved | Status::Closed)
    }

    /// Whether going from `self` to `next` changes what the knowledge base should hold for
    /// this incident: it enters or leaves, or an indexed field changed while it is in.
    pub fn changes_knowledge_base(&self, next: &Incident) -> bool {
        if self.in_knowledge_base() != next.in_knowledge_base() {
            return true;
        }
        next.in_knowledge_base()
            && (self.title != next.title
                || self.description != next.description
                || self.service != next.service
                || self.category != next.category
                || self.priority != next.priority
                || self.resolution != next.resolution
                || self.resolved_at != next.resolved_at)
    }

    /// Applies a lifecycle command: checks the transition table, stamps the transition's own
    /// timestamp, bumps the version and describes the change. Nothing changes on error.
    pub fn apply(
        &self,
        command: Command,
        now: DateTime<Utc>,
    ) -> Result<(Self, Change), DomainError> {
        let target = command.action().check(self.status)?;
        let mut next = self.clone();
        next.status = target;
        next.version += 1;
        next.updated_at = now;
        let status_before = json!(self.status.as_str());
        let status_after = json!(target.as_str());

        let change = match command {
            Command::Triage {
                category,
                impact,
                urgency,
            } => {
                let priority = Priority::derive(impact, urgency);
                next.category = Some(category.into_inner());
                next.impact = Some(impact);
                next.urgency = Some(urgency);
                next.priority = Some(priority);
                // The first triage is the acknowledgement that MTTA measures; re-triage is
                // recorded in the timeline but does not move it.
                next.triaged_at.get_or_insert(now);
                Change {
                    kind: EventKind::Triaged,
                    before: Some(json!({
                        "status": status_before,
                        "category": self.category,
                        "impact": self.impact.map(Level::as_str),
                        "urgency": self.urgency.map(Level::as_str),
                        "priority": self.priority.map(|p| format!("P{}", p.rank())),
                    })),
                    after: json!({
                        "status": status_after,
                        "category": next.category,
                        "impact": impact.as_str(),
                        "urgency": urgency.as_str(),
                        "priority": format!("P{}", priority.rank()),
                    }),
                }
            }
            Command::StartInvestigation => {
                next.investigating_at = Some(now);
                status_change(EventKind::InvestigationStarted, status_before, status_after)
            }
            Command::Mitigate => {
                next.mitigated_at = Some(now);
                status_change(EventKind::Mitigated, status_before, status_after)
            }
            Command::Resolve(resolution) => {
                let helped_by_numbers: Vec<String> = resolution
                    .helped_by
                    .iter()
                    .map(|(_, n)| n.to_string())
                    .collect();
                let known_error_numbers: Vec<String> = resolution
                    .helped_by_known_errors
                    .iter()
                    .map(|(_, n)| n.to_string())
                    .collect();
                let stored = StoredResolution {
                    summary: resolution.summary.into_inner(),
                    root_cause: resolution.root_cause.map(RootCause::into_inner),
                    fix: resolution.fix.map(Fix::into_inner),
                    helped_by: resolution.helped_by.iter().map(|(id, _)| *id).collect(),
                    helped_by_known_errors: resolution
                        .helped_by_known_errors
                        .iter()
                        .map(|(id, _)| *id)
                        .collect(),
                };
                next.resolved_at = Some(now);
                let after = json!({
                    "status": status_after,
                    "resolution": {
                        "summary": stored.summary,
                        "rootCause": stored.root_cause,
                        "fix": stored.fix,
                        "resolvedWithTheHelpOf": helped_by_numbers,
                        "resolvedWithTheHelpOfKnownErrors": known_error_numbers,
                    },
                });
                next.resolution = Some(stored);
                Change {
                    kind: EventKind::Resolved,
                    before: Some(json!({ "status": status_before })),
                    after,
                }
            }
            Command::Close => {
                next.closed_at = Some(now);
                status_change(EventKind::Closed, status_before, status_after)
            }
            Command::Reopen { reason } => {
                // The fix did not hold: the incident is no longer resolved. The previous
                // resolution stays in the timeline (the `before` of this event).
                let before = json!({
                    "status": status_before,
                    "resolvedAt": self.resolved_at,
                    "resolution": self.resolution.as_ref().map(|r| json!({
                        "summary": r.summary,
                        "rootCause": r.root_cause,
                        "fix": r.fix,
                    })),
                });
                next.resolved_at = None;
                next.resolution = None;
                next.investigating_at = Some(now);
                if let Some(end) = self.resolution_completed_at() {
                    next.resolution_runs
                        .push((self.resolution_run_start(), end));
                }
                next.reopened_at = Some(now);
                next.reopen_count = self.reopen_count.saturating_add(1);
                Change {
                    kind: EventKind::Reopened,
                    before: Some(before),
                    after: json!({ "status": status_after, "reason": reason.as_str() }),
                }
            }
            Command::Cancel {
                reason,
                duplicate_of,
            } => {
                if duplicate_of == Some(self.id) {
                    return Err(DomainError::invalid(
                        "duplicateOf",
                        "an incident cannot be a duplicate of itself",
                    ));
                }
                next.cancelled_at = Some(now);
                next.cancel_reason = Some(reason.into_inner());
                next.duplicate_of = duplicate_of;
                Change {
                    kind: EventKind::Cancelled,
                    before: Some(json!({ "status": status_before })),
                    after: json!({
                        "status": status_after,
                        "reason": next.cancel_reason,
                        "duplicateOf": duplicate_of.map(|d| d.to_string()),
                    }),
                }
            }
        };
        Ok((next, change))
    }
}

fn status_change(kind: EventKind, before: Value, after: Value) -> Change {
    Change {
        kind,
        before: Some(json!({ "status": before })),
        after: json!({ "status": after }),
    }
}

/// A freshly reported incident ("db down") on `service`, for unit tests here and elsewhere.
#[cfg(test)]
pub(crate) fn reported_for_tests(service: &str) -> Incident {
    let new = NewIncident {
        title: Title::parse("db down").expect("valid"),
        description: Description::parse("").expect("valid"),
        service: Service::parse(service).expect("valid"),
        category: None,
        source: Source::Manual,
        labels: Default::default(),
    };
    Incident::report(
        new,
        IncidentId::new(),
        IncidentNumber(1),
        "u1".into(),
        Utc::now(),
    )
    .0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reported() -> Incident {
        reported_for_tests("db")
    }

    fn triage(impact: Level, urgency: Level) -> Command {
        Command::Triage {
            category: Category::parse("database").expect("valid"),
            impact,
            urgency,
        }
    }

    #[test]
    fn triage_derives_priority_and_stamps_once() {
        let t0 = Utc::now();
        let (triaged, change) = reported()
            .apply(triage(Level::High, Level::Medium), t0)
            .expect("legal");
        assert_eq!(triaged.priority.map(Priority::rank), Some(2));
        assert_eq!(triaged.triaged_at, Some(t0));
        assert_eq!(triaged.version, 2);
        assert_eq!(change.after["priority"], "P2");

        let t1 = t0 + chrono::Duration::minutes(5);
        let (retriaged, _) = triaged
            .apply(triage(Level::Low, Level::Low), t1)
            .expect("legal");
        assert_eq!(retriaged.priority.map(Priority::rank), Some(5));
        assert_eq!(
            retriaged.triaged_at,
            Some(t0),
            "re-triage must not move MTTA"
        );
        assert_eq!(retriaged.status, Status::Triaged);
    }

    #[test]
    fn reopen_clears_the_resolution_but_keeps_it_in_the_event() {
        let mut incident = reported();
        let now = incident.created_at + chrono::Duration::hours(1);
        for command in [
            triage(Level::Low, Level::Low),
            Command::StartInvestigation,
            Command::Resolve(Resolution {
                summary: ResolutionSummary::parse("restarted").expect("valid"),
                root_cause: None,
                fix: None,
                helped_by: vec![],
                helped_by_known_errors: vec![],
            }),
        ] {
            incident = incident.apply(command, now).expect("legal").0;
        }
        assert!(incident.resolved_at.is_some());
        let (reopened, change) = incident
            .apply(
                Command::Reopen {
                    reason: Reason::parse("came back").expect("valid"),
                },
                now,
            )
            .expect("legal");
        assert_eq!(reopened.status, Status::Investigating);
        assert!(reopened.resolution.is_none() && reopened.resolved_at.is_none());
        assert_eq!(
            change.before.expect("before")["resolution"]["summary"],
            "restarted"
        );
        // The resolution clock ran from the report to the resolution; it resumes now.
        assert_eq!(reopened.resolution_runs, vec![(incident.created_at, now)]);
        assert_eq!(reopened.reopened_at, Some(now));
        assert_eq!(reopened.resolution_completed_at(), None);
    }

    #[test]
    fn illegal_command_changes_nothing() {
        let incident = reported();
        let err = incident.apply(Command::Close, Utc::now()).unwrap_err();
        assert!(matches!(err, DomainError::IllegalTransition { .. }));
        assert_eq!(incident.version, 1);
    }

    #[test]
    fn cannot_be_duplicate_of_itself() {
        let incident = reported();
        let err = incident
            .apply(
                Command::Cancel {
                    reason: Reason::parse("dup").expect("valid"),
                    duplicate_of: Some(incident.id),
                },
                Utc::now(),
            )
            .unwrap_err();
        assert!(err.to_string().contains("duplicateOf"));
    }
}
