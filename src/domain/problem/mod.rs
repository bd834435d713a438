//! Problems (ITIL problem management): the cause behind one or more incidents, its lifecycle
//! (`lifecycle`), and the one place a problem changes: `Problem::apply`, which also says what
//! its timeline records.

pub mod lifecycle;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::DomainError;
use super::ids::{ProblemId, ProblemNumber, UserId};
use super::priority::{Level, Priority};
use super::text::{
    Category, ChangeReference, Description, PermanentFix, ProblemRootCause, Reason, Service, Title,
    Workaround,
};
use lifecycle::{ProblemAction, ProblemStatus};

#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub id: ProblemId,
    pub number: ProblemNumber,
    pub title: String,
    pub description: String,
    pub service: String,
    pub category: Option<String>,
    pub impact: Level,
    pub urgency: Level,
    pub priority: Priority,
    pub status: ProblemStatus,
    pub root_cause: Option<String>,
    pub workaround: Option<String>,
    pub fix: Option<String>,
    pub change_reference: Option<String>,
    pub cancel_reason: Option<String>,
    pub reporter_id: UserId,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub investigating_at: Option<DateTime<Utc>>,
    pub known_error_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// A problem as reported, validated.
#[derive(Debug, Clone)]
pub struct NewProblem {
    pub title: Title,
    pub description: Description,
    pub service: Service,
    pub category: Option<Category>,
    pub impact: Level,
    pub urgency: Level,
}

/// A change to a problem; each needs what its target state requires, in validated form.
#[derive(Debug, Clone)]
pub enum ProblemCommand {
    StartInvestigation,
    /// KNOWN_ERROR requires a root cause and a workaround.
    RecordKnownError {
        root_cause: ProblemRootCause,
        workaround: Workaround,
    },
    /// RESOLVED requires the permanent fix.
    Resolve {
        fix: PermanentFix,
        change_reference: Option<ChangeReference>,
    },
    Close,
    Cancel {
        reason: Reason,
    },
}

impl Problem {
    /// A known error (and, after, its fix) is in the knowledge base: suggested beside past
    /// incidents. A cancelled problem, or one not yet understood, is not.
    pub fn in_knowledge_base(&self) -> bool {
        matches!(
            self.status,
            ProblemStatus::KnownError | ProblemStatus::Resolved | ProblemStatus::Closed
        )
    }
}

impl ProblemCommand {
    pub fn action(&self) -> ProblemAction {
        match self {
            Self::StartInvestigation => ProblemAction::StartInvestigation,
            Self::RecordKnownError { .. } => ProblemAction::RecordKnownError,
            Self::Resolve { .. } => ProblemAction::Resolve,
            Self::Close => ProblemAction::Close,
            Self::Cancel { .. } => ProblemAction::Cancel,
        }
    }
}

/// What a problem's timeline records about a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemEventKind {
    Reported,
    InvestigationStarted,
    KnownErrorRecorded,
    Resolved,
    Closed,
    Cancelled,
    IncidentLinked,
    IncidentUnlinked,
}

impl ProblemEventKind {
    pub const ALL: [ProblemEventKind; 8] = [
        Self::Reported,
        Self::InvestigationStarted,
        Self::KnownErrorRecorded,
        Self::Resolved,
        Self::Closed,
        Self::Cancelled,
        Self::IncidentLinked,
        Self::IncidentUnlinked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reported => "REPORTED",
            Self::InvestigationStarted => "INVESTIGATION_STARTED",
            Self::KnownErrorRecorded => "KNOWN_ERROR_RECORDED",
            Self::Resolved => "RESOLVED",
            Self::Closed => "CLOSED",
            Self::Cancelled => "CANCELLED",
            Self::IncidentLinked => "INCIDENT_LINKED",
            Self::IncidentUnlinked => "INCIDENT_UNLINKED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The timeline entry a change writes.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemChange {
    pub kind: ProblemEventKind,
    pub before: Option<Value>,
    pub after: Value,
}

/// Which problems to list.
#[derive(Debug, Clone, Default)]
pub struct ProblemFilter {
    pub statuses: Vec<ProblemStatus>,
    pub service: Option<String>,
    pub priorities: Vec<Priority>,
}

/// One entry of a problem's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemEvent {
    pub id: i64,
    pub problem_id: ProblemId,
    pub at: DateTime<Utc>,
    pub actor_id: UserId,
    pub kind: ProblemEventKind,
    pub before: Option<Value>,
    pub after: Value,
    /// The problem's version after this change; `None` on events recorded before versions
    /// were kept on the timeline.
    pub version: Option<i32>,
}

impl Problem {
    pub fn report(
        new: NewProblem,
        id: ProblemId,
        number: ProblemNumber,
        reporter: UserId,
        now: DateTime<Utc>,
    ) -> (Self, ProblemChange) {
        let problem = Self {
            id,
            number,
            title: new.title.as_str().to_owned(),
            description: new.description.as_str().to_owned(),
            service: new.service.as_str().to_owned(),
            category: new.category.map(|c| c.as_str().to_owned()),
            impact: new.impact,
            urgency: new.urgency,
            priority: Priority::derive(new.impact, new.urgency),
            status: ProblemStatus::New,
            root_cause: None,
            workaround: None,
            fix: None,
            change_reference: None,
            cancel_reason: None,
            reporter_id: reporter,
            version: 1,
            created_at: now,
            updated_at: now,
            investigating_at: None,
            known_error_at: None,
            resolved_at: None,
            closed_at: None,
            cancelled_at: None,
        };
        let change = ProblemChange {
            kind: ProblemEventKind::Reported,
            before: None,
            after: json!({
                "status": problem.status.as_str(),
                "title": problem.title,
                "service": problem.service,
                "priority": format!("P{}", problem.priority.rank()),
            }),
        };
        (problem, change)
    }

    /// The problem after `command` at `now`, and its timeline entry; or why not.
    pub fn apply(
        &self,
        command: ProblemCommand,
        now: DateTime<Utc>,
    ) -> Result<(Self, ProblemChange), DomainError> {
        let target = command.action().check(self.status)?;
        let mut next = self.clone();
        next.status = target;
        next.version += 1;
        next.updated_at = now;
        let before = json!({ "status": self.status.as_str() });
        let (kind, after) = match command {
            ProblemCommand::StartInvestigation => {
                next.investigating_at = Some(now);
                (ProblemEventKind::InvestigationStarted, json!({}))
            }
            ProblemCommand::RecordKnownError {
                root_cause,
                workaround,
            } => {
                next.known_error_at = Some(now);
                next.root_cause = Some(root_cause.as_str().to_owned());
                next.workaround = Some(workaround.as_str().to_owned());
                (
                    ProblemEventKind::KnownErrorRecorded,
                    json!({ "rootCause": next.root_cause, "workaround": next.workaround }),
                )
            }
            ProblemCommand::Resolve {
                fix,
                change_reference,
            } => {
                next.resolved_at = Some(now);
                next.fix = Some(fix.as_str().to_owned());
                next.change_reference = change_reference.map(|c| c.as_str().to_owned());
                (
                    ProblemEventKind::Resolved,
                    json!({ "fix": next.fix, "changeReference": next.change_reference }),
                )
            }
            ProblemCommand::Close => {
                next.closed_at = Some(now);
                (ProblemEventKind::Closed, json!({}))
            }
            ProblemCommand::Cancel { reason } => {
                next.cancelled_at = Some(now);
                next.cancel_reason = Some(reason.as_str().to_owned());
                (
                    ProblemEventKind::Cancelled,
                    json!({ "reason": next.cancel_reason }),
                )
            }
        };
        let mut after = after;
        after["status"] = json!(target.as_str());
        Ok((
            next,
            ProblemChange {
                kind,
                before: Some(before),
                after,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reported() -> Problem {
        let new = NewProblem {
            title: Title::parse("connection pool exhaustion").unwrap(),
            description: Description::parse("").unwrap(),
            service: Service::parse("checkout").unwrap(),
            category: None,
            impact: Level::High,
            urgency: Level::Medium,
        };
        Problem::report(
            new,
            ProblemId::new(),
            ProblemNumber(1),
            UserId::from("u"),
            Utc::now(),
        )
        .0
    }

    #[test]
    fn a_known_error_then_a_fix_each_stamp_and_record_what_they_need() {
        let p = reported();
        assert_eq!(p.priority.rank(), 2);
        let (known, change) = p
            .apply(
                ProblemCommand::RecordKnownError {
                    root_cause: ProblemRootCause::parse("leak in the pool").unwrap(),
                    workaround: Workaround::parse("restart nightly").unwrap(),
                },
                Utc::now(),
            )
            .unwrap();
        assert_eq!(known.status, ProblemStatus::KnownError);
        assert_eq!(known.version, 2);
        assert_eq!(change.after["workaround"], "restart nightly");
        assert!(known.known_error_at.is_some());
        let (fixed, _) = known
            .apply(
                ProblemCommand::Resolve {
                    fix: PermanentFix::parse("bounded pool").unwrap(),
                    change_reference: ChangeReference::parse("CHG-7").ok(),
                },
                Utc::now(),
            )
            .unwrap();
        assert_eq!(fixed.status, ProblemStatus::Resolved);
        assert_eq!(fixed.change_reference.as_deref(), Some("CHG-7"));
        assert!(
            fixed
                .apply(ProblemCommand::StartInvestigation, Utc::now())
                .is_err()
        );
    }

    #[test]
    fn a_known_error_needs_a_workaround_and_a_resolution_a_fix() {
        assert!(Workaround::parse("  ").is_err());
        assert!(PermanentFix::parse("").is_err());
        assert!(ProblemRootCause::parse("").is_err());
    }
}
