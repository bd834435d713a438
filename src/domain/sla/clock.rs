//! Reading an incident's SLA clocks at an instant: the target that applies, when it falls
//! due, whether it was met, and how much counted time is left. Nothing is stored: every
//! reading comes from the incident's own stamps and the policy, so a re-triage or a policy
//! change shows at once.

use chrono::{DateTime, Duration, Utc};

use super::policy::{ClockKind, SlaPolicy};
use super::{Calendar, SlaDuration};
use crate::domain::incident::{Incident, resolution_stretch};
use crate::domain::lifecycle::Status;
use crate::domain::priority::Priority;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClockState {
    /// Counting, not yet due.
    Running,
    /// Completed by its due time.
    Met,
    /// Past due, completed or not.
    Breached,
    /// No target for this priority, no policy, or cancelled before completion.
    NotApplicable,
}

impl ClockState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "RUNNING",
            Self::Met => "MET",
            Self::Breached => "BREACHED",
            Self::NotApplicable => "NOT_APPLICABLE",
        }
    }
}

/// What the timeline records about a clock: its warning share reached, or its target missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    Warning,
    Breached,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warning => "WARNING",
            Self::Breached => "BREACHED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Warning, Self::Breached]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One clock at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockReading {
    pub kind: ClockKind,
    pub target: Option<SlaDuration>,
    /// The priority whose target applies (1..5); 0: not yet triaged.
    pub priority_rank: i16,
    pub due_at: Option<DateTime<Utc>>,
    /// When the warning share of the target is reached.
    pub warn_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Counted time spent so far (until completion, if completed).
    pub elapsed: Duration,
    pub state: ClockState,
}

impl ClockReading {
    fn not_applicable(kind: ClockKind, priority_rank: i16) -> Self {
        Self {
            kind,
            target: None,
            priority_rank,
            due_at: None,
            warn_at: None,
            completed_at: None,
            elapsed: Duration::zero(),
            state: ClockState::NotApplicable,
        }
    }

    /// The notices due by `now`, each with the instant it fell due: a warning once the
    /// warning share was reached before completion, a breach once the due time passed before
    /// completion (a late completion still breached, at its due time).
    pub fn notices_due(&self, now: DateTime<Utc>) -> Vec<(NoticeKind, DateTime<Utc>)> {
        let reached = |at: Option<DateTime<Utc>>| {
            at.filter(|&at| at <= now && self.completed_at.is_none_or(|done| done > at))
        };
        if self.state == ClockState::NotApplicable {
            return Vec::new();
        }
        [
            (NoticeKind::Warning, reached(self.warn_at)),
            (NoticeKind::Breached, reached(self.due_at)),
        ]
        .into_iter()
        .filter_map(|(kind, at)| Some((kind, at?)))
        .collect()
    }

    /// Counted time left; negative once breached. `None` without a target.
    pub fn remaining(&self) -> Option<Duration> {
        self.target.map(|t| t.as_duration() - self.elapsed)
    }

    /// Counted time spent, as a share of the target (100 at the due time, more after).
    pub fn elapsed_percent(&self) -> Option<f64> {
        self.target
            .map(|t| self.elapsed.num_milliseconds() as f64 / (t.as_secs() as f64 * 10.0))
    }
}

/// What the clocks read from an incident: its priority and the stamps of its lifecycle.
/// Metrics build it from a few columns, without loading whole incidents.
#[derive(Debug, Clone, Copy)]
pub struct Stamps<'a> {
    pub priority: Option<Priority>,
    pub cancelled: bool,
    pub created_at: DateTime<Utc>,
    pub triaged_at: Option<DateTime<Utc>>,
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub reopened_at: Option<DateTime<Utc>>,
    pub resolution_runs: &'a [(DateTime<Utc>, DateTime<Utc>)],
    /// When an incident manager was first assigned, which is a first response as much as
    /// triage is.
    pub manager_assigned_at: Option<DateTime<Utc>>,
    /// When a monitoring tool first said someone acknowledged its alert: a first response too.
    pub acknowledged_at: Option<DateTime<Utc>>,
}

impl<'a> Stamps<'a> {
    pub fn of(incident: &'a Incident) -> Self {
        Self {
            priority: incident.priority,
            cancelled: incident.status == Status::Cancelled,
            created_at: incident.created_at,
            triaged_at: incident.triaged_at,
            mitigated_at: incident.mitigated_at,
            resolved_at: incident.resolved_at,
            reopened_at: incident.reopened_at,
            resolution_runs: &incident.resolution_runs,
            manager_assigned_at: incident.manager_assigned_at,
            acknowledged_at: incident.acknowledged_at,
        }
    }

    /// The first response: triage, an incident manager or an acknowledged alert, whichever
    /// came first (or mitigation or resolution, which answer it too).
    pub fn responded_at(&self) -> Option<DateTime<Utc>> {
        [
            self.triaged_at,
            self.manager_assigned_at,
            self.acknowledged_at,
            self.mitigated_at,
            self.resolved_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

/// Both clocks of an incident at `now`, under `policy` (`None`: no policy applies).
pub fn read(
    policy: Option<&SlaPolicy>,
    incident: &Stamps<'_>,
    now: DateTime<Utc>,
) -> [ClockReading; 2] {
    let rank = incident.priority.map_or(0, |p| p.rank());
    let Some(policy) = policy else {
        return ClockKind::ALL.map(|k| ClockReading::not_applicable(k, rank));
    };
    let draft = &policy.draft;
    let calendar = &draft.calendar;
    let warn = i64::from(draft.warn_at_percent);
    let cancelled = incident.cancelled;

    // Response: from the report to the first response. Before triage the strictest
    // response target applies: it may be a P1.
    let response_target = match incident.priority {
        Some(p) => draft.targets_for(p).response,
        None => draft.untriaged_response(),
    };
    let response = reading(
        ClockKind::Response,
        calendar,
        Run {
            start: incident.created_at,
            spent: Duration::zero(),
            completed: incident.responded_at(),
        },
        (response_target, rank, warn),
        cancelled,
        now,
    );

    // Resolution: from the report to mitigated or resolved; a reopen resumes it, counting
    // the stretches it ran before. Without a priority there is no target yet.
    let resolution_target = incident
        .priority
        .and_then(|p| draft.targets_for(p).resolution);
    let spent = incident
        .resolution_runs
        .iter()
        .map(|&(from, to)| calendar.elapsed(from, to))
        .fold(Duration::zero(), |a, b| a + b);
    let (start, completed) = resolution_stretch(
        incident.created_at,
        incident.reopened_at,
        incident.mitigated_at,
        incident.resolved_at,
    );
    let resolution = reading(
        ClockKind::Resolution,
        calendar,
        Run {
            start,
            spent,
            completed,
        },
        (resolution_target, rank, warn),
        cancelled,
        now,
    );
    [response, resolution]
}

/// The current stretch of a clock: counting from `start`, with `spent` counted before it.
struct Run {
    start: DateTime<Utc>,
    spent: Duration,
    completed: Option<DateTime<Utc>>,
}

fn reading(
    kind: ClockKind,
    calendar: &Calendar,
    run: Run,
    (target, rank, warn_percent): (Option<SlaDuration>, i16, i64),
    cancelled: bool,
    now: DateTime<Utc>,
) -> ClockReading {
    let Some(target) = target else {
        return ClockReading::not_applicable(kind, rank);
    };
    if cancelled && run.completed.is_none() {
        return ClockReading::not_applicable(kind, rank);
    }
    let total = target.as_duration();
    // When `share` of the target will have been counted, this stretch included. A share
    // already spent before this stretch fell due at its start.
    let when = |share: Duration| {
        let left = share - run.spent;
        if left <= Duration::zero() {
            run.start
        } else {
            calendar.due_at(run.start, left)
        }
    };
    let due_at = when(total);
    let warn_at = when(Duration::milliseconds(
        total.num_milliseconds() * warn_percent / 100,
    ));
    let until = run.completed.unwrap_or(now).max(run.start);
    let elapsed = run.spent + calendar.elapsed(run.start, until);
    let state = match run.completed {
        Some(done) if done <= due_at && elapsed <= total => ClockState::Met,
        Some(_) => ClockState::Breached,
        None if now < due_at => ClockState::Running,
        None => ClockState::Breached,
    };
    ClockReading {
        kind,
        target: Some(target),
        priority_rank: rank,
        due_at: Some(due_at),
        warn_at: Some(warn_at),
        completed_at: run.completed,
        elapsed,
        state,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::ids::{SlaPolicyId, UserId};
    use crate::domain::incident::reported_for_tests;
    use crate::domain::priority::Level;
    use crate::domain::sla::policy::PolicyDraft;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0)
            .single()
            .expect("valid")
    }

    fn policy() -> SlaPolicy {
        SlaPolicy {
            id: SlaPolicyId::new(),
            draft: PolicyDraft::shipped_default(),
            version: 1,
            created_at: at(0, 0),
            updated_at: at(0, 0),
            updated_by: UserId::from("admin"),
        }
    }

    /// A P1 (high/high) reported at 10:00.
    fn p1() -> Incident {
        let mut incident = reported_for_tests("checkout");
        incident.created_at = at(10, 0);
        incident.impact = Some(Level::High);
        incident.urgency = Some(Level::High);
        incident.priority = Some(crate::domain::priority::Priority::derive(
            Level::High,
            Level::High,
        ));
        incident.status = Status::Triaged;
        incident
    }

    #[test]
    fn a_p1_response_is_due_15_minutes_after_the_report() {
        let mut incident = p1();
        incident.triaged_at = Some(at(10, 10));
        let [response, resolution] = read(Some(&policy()), &Stamps::of(&incident), at(10, 30));
        assert_eq!(response.due_at, Some(at(10, 15)));
        assert_eq!(response.warn_at, Some(at(10, 11) + Duration::seconds(15)));
        assert_eq!(response.state, ClockState::Met);
        assert_eq!(response.remaining(), Some(Duration::minutes(5)));
        assert_eq!(resolution.due_at, Some(at(14, 0)));
        assert_eq!(resolution.state, ClockState::Running);
        assert_eq!(resolution.elapsed, Duration::minutes(30));
        assert_eq!(resolution.elapsed_percent(), Some(12.5));
    }

    #[test]
    fn an_incident_manager_assigned_first_is_the_response() {
        let mut incident = p1();
        incident.triaged_at = Some(at(10, 40));
        let [late, _] = read(Some(&policy()), &Stamps::of(&incident), at(11, 0));
        assert_eq!(late.state, ClockState::Breached);
        assert_eq!(late.remaining(), Some(Duration::minutes(-25)));
        incident.manager_assigned_at = Some(at(10, 5));
        let [early, _] = read(Some(&policy()), &Stamps::of(&incident), at(11, 0));
        assert_eq!(early.state, ClockState::Met);
        assert_eq!(early.completed_at, Some(at(10, 5)));
        // An acknowledged alert answers it too, whichever came first.
        incident.acknowledged_at = Some(at(10, 2));
        let [acked, _] = read(Some(&policy()), &Stamps::of(&incident), at(11, 0));
        assert_eq!(acked.completed_at, Some(at(10, 2)));
    }

    #[test]
    fn an_untriaged_incident_is_held_to_the_strictest_response_and_no_resolution() {
        let mut incident = reported_for_tests("checkout");
        incident.created_at = at(10, 0);
        let [response, resolution] = read(Some(&policy()), &Stamps::of(&incident), at(10, 20));
        assert_eq!(response.due_at, Some(at(10, 15)));
        assert_eq!(response.state, ClockState::Breached);
        assert_eq!(response.priority_rank, 0);
        assert_eq!(resolution.state, ClockState::NotApplicable);
    }

    #[test]
    fn mitigation_or_resolution_answers_the_response_too() {
        let mut incident = reported_for_tests("checkout");
        incident.created_at = at(10, 0);
        incident.resolved_at = Some(at(10, 10));
        incident.status = Status::Resolved;
        let [response, _] = read(Some(&policy()), &Stamps::of(&incident), at(12, 0));
        assert_eq!(response.completed_at, Some(at(10, 10)));
        assert_eq!(response.state, ClockState::Met);
        assert!(response.notices_due(at(12, 0)).is_empty());
    }

    #[test]
    fn a_reopen_resumes_the_resolution_clock_with_the_time_already_spent() {
        let mut incident = p1();
        // Ran 10:00-11:00 (mitigated), reopened at 12:00: 3 hours are left from 12:00.
        incident.resolution_runs = vec![(at(10, 0), at(11, 0))];
        incident.reopened_at = Some(at(12, 0));
        incident.mitigated_at = Some(at(11, 0));
        incident.status = Status::Investigating;
        let [_, resolution] = read(Some(&policy()), &Stamps::of(&incident), at(13, 0));
        assert_eq!(resolution.due_at, Some(at(15, 0)));
        assert_eq!(resolution.elapsed, Duration::hours(2));
        assert_eq!(
            resolution.completed_at, None,
            "the earlier mitigation is history"
        );
        assert_eq!(resolution.state, ClockState::Running);
    }

    #[test]
    fn notices_fall_due_at_the_warning_share_and_the_due_time() {
        let incident = p1();
        let [response, _] = read(Some(&policy()), &Stamps::of(&incident), at(10, 5));
        assert!(response.notices_due(at(10, 5)).is_empty());
        let warn = at(10, 11) + Duration::seconds(15);
        assert_eq!(
            response.notices_due(at(10, 12)),
            [(NoticeKind::Warning, warn)]
        );
        assert_eq!(
            response.notices_due(at(10, 20)),
            [
                (NoticeKind::Warning, warn),
                (NoticeKind::Breached, at(10, 15))
            ]
        );
        // Triaged at 10:12: warned, not breached, whenever the worker looks.
        let mut triaged = p1();
        triaged.triaged_at = Some(at(10, 12));
        let [response, _] = read(Some(&policy()), &Stamps::of(&triaged), at(12, 0));
        assert_eq!(
            response.notices_due(at(12, 0)),
            [(NoticeKind::Warning, warn)]
        );
    }

    #[test]
    fn no_policy_no_target_or_cancelled_is_not_applicable() {
        let incident = p1();
        let [r, _] = read(None, &Stamps::of(&incident), at(11, 0));
        assert_eq!(r.state, ClockState::NotApplicable);
        let mut p5 = p1();
        p5.priority = Some(crate::domain::priority::Priority::derive(
            Level::Low,
            Level::Low,
        ));
        let [r, s] = read(Some(&policy()), &Stamps::of(&p5), at(11, 0));
        assert_eq!(
            (r.state, s.state),
            (ClockState::NotApplicable, ClockState::NotApplicable)
        );
        let mut cancelled = p1();
        cancelled.status = Status::Cancelled;
        let [r, _] = read(Some(&policy()), &Stamps::of(&cancelled), at(11, 0));
        assert_eq!(r.state, ClockState::NotApplicable);
    }
}
