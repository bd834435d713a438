//! What one alert does to incidents: the dedup and reopen decision, as a pure function of what
//! the database holds for the alert's key. The use case (`service/alerts.rs`) reads the key's
//! row under a lock, asks `decide`, and carries the plan out through the incident use cases.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::alert::{AlertStatus, Link, Severity};
use super::event::EventKind;
use super::ids::{IncidentId, IntegrationId};
use super::lifecycle::{Action, Status};

/// One alert (an integration's dedup key) as an incident shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentAlert {
    pub incident_id: IncidentId,
    pub integration_id: IntegrationId,
    pub integration_name: String,
    pub dedup_key: String,
    pub state: AlertStatus,
    pub severity: Option<Severity>,
    /// How many times its sender sent it to this incident.
    pub count: i64,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub links: Vec<Link>,
    /// The incident the key opened before this one, when this one followed it.
    pub previous_incident_id: Option<IncidentId>,
}

/// The incident a key points at, and what the key last said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyHolder {
    pub incident_id: IncidentId,
    pub incident_status: Status,
    pub resolved_at: Option<DateTime<Utc>>,
    /// The alert's state on that incident (the last status its sender gave).
    pub alert_state: AlertStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Open an incident for the key; `previous` is the one it follows (closed, cancelled, or
    /// resolved longer ago than the reopen window).
    Open { previous: Option<IncidentId> },
    /// Count the alert on its open incident; record `event` when the alert's state changed.
    Add { event: Option<EventKind> },
    /// Reopen the resolved incident (within the window), then count the alert on it.
    Reopen,
    /// Count it, record nothing: a resolve or acknowledge for an incident no longer open,
    /// or a resolve of a key that never fired here.
    Quiet,
}

/// The timeline event for an alert moving to `status`.
pub fn event_for(status: AlertStatus) -> EventKind {
    match status {
        AlertStatus::Firing => EventKind::AlertFiring,
        AlertStatus::Acknowledged => EventKind::AlertAcknowledged,
        AlertStatus::Resolved => EventKind::AlertResolved,
    }
}

/// What an alert with `status` does at `now`, given what its key holds.
pub fn decide(
    holder: Option<KeyHolder>,
    status: AlertStatus,
    now: DateTime<Utc>,
    reopen_window: Duration,
) -> Plan {
    let firing = status != AlertStatus::Resolved;
    let Some(h) = holder else {
        return if firing {
            Plan::Open { previous: None }
        } else {
            Plan::Quiet
        };
    };
    if h.incident_status.is_open() {
        let changed = h.alert_state != status;
        return Plan::Add {
            event: changed.then(|| event_for(status)),
        };
    }
    if status != AlertStatus::Firing {
        return Plan::Quiet;
    }
    let recent = h.incident_status == Status::Resolved
        && h.resolved_at.is_some_and(|at| now - at <= reopen_window);
    if recent {
        Plan::Reopen
    } else {
        Plan::Open {
            previous: Some(h.incident_id),
        }
    }
}

/// The transitions that take an incident in `from` to MITIGATED when its alerts cleared:
/// none from NEW (a person has not triaged it) or from MITIGATED and later.
pub fn mitigation_path(from: Status) -> &'static [Action] {
    match from {
        Status::Triaged => &[Action::StartInvestigation, Action::Mitigate],
        Status::Investigating => &[Action::Mitigate],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder(status: Status, alert: AlertStatus, resolved_ago: Option<i64>) -> KeyHolder {
        KeyHolder {
            incident_id: IncidentId::new(),
            incident_status: status,
            resolved_at: resolved_ago.map(|m| at() - Duration::minutes(m)),
            alert_state: alert,
        }
    }

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
    }

    fn window() -> Duration {
        Duration::hours(1)
    }

    #[test]
    fn a_new_key_opens_an_incident_unless_it_only_clears() {
        use AlertStatus::*;
        assert_eq!(
            decide(None, Firing, at(), window()),
            Plan::Open { previous: None }
        );
        assert_eq!(
            decide(None, Acknowledged, at(), window()),
            Plan::Open { previous: None }
        );
        assert_eq!(decide(None, Resolved, at(), window()), Plan::Quiet);
    }

    #[test]
    fn an_open_incident_counts_and_records_state_changes_only() {
        use AlertStatus::*;
        let h = holder(Status::Investigating, Firing, None);
        assert_eq!(
            decide(Some(h), Firing, at(), window()),
            Plan::Add { event: None }
        );
        assert_eq!(
            decide(Some(h), Resolved, at(), window()),
            Plan::Add {
                event: Some(EventKind::AlertResolved)
            }
        );
        let cleared = holder(Status::Mitigated, Resolved, None);
        assert_eq!(
            decide(Some(cleared), Firing, at(), window()),
            Plan::Add {
                event: Some(EventKind::AlertFiring)
            }
        );
    }

    #[test]
    fn a_resolved_incident_reopens_within_the_window_and_is_followed_after_it() {
        let recent = holder(Status::Resolved, AlertStatus::Resolved, Some(59));
        assert_eq!(
            decide(Some(recent), AlertStatus::Firing, at(), window()),
            Plan::Reopen
        );
        let old = holder(Status::Resolved, AlertStatus::Resolved, Some(61));
        assert_eq!(
            decide(Some(old), AlertStatus::Firing, at(), window()),
            Plan::Open {
                previous: Some(old.incident_id)
            }
        );
        let closed = holder(Status::Closed, AlertStatus::Firing, Some(1));
        assert_eq!(
            decide(Some(closed), AlertStatus::Firing, at(), window()),
            Plan::Open {
                previous: Some(closed.incident_id)
            }
        );
        assert_eq!(
            decide(Some(recent), AlertStatus::Resolved, at(), window()),
            Plan::Quiet
        );
    }

    #[test]
    fn mitigation_needs_a_triaged_incident() {
        assert!(mitigation_path(Status::New).is_empty());
        assert_eq!(
            mitigation_path(Status::Triaged),
            &[Action::StartInvestigation, Action::Mitigate]
        );
        assert!(mitigation_path(Status::Mitigated).is_empty());
        for from in Status::ALL {
            let mut s = from;
            for a in mitigation_path(from) {
                s = a.check(s).unwrap();
            }
            if !mitigation_path(from).is_empty() {
                assert_eq!(s, Status::Mitigated);
            }
        }
    }
}
