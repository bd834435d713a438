//! The people working on one incident: the roles they hold there, and who hears what.

use chrono::{DateTime, Utc};

use super::ids::{IncidentId, UserId};

/// A role held on one incident. It grants rights on that incident only, on top of the
/// holder's organisation role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IncidentRole {
    /// Runs the response. At most one at a time.
    IncidentManager,
    /// Diagnoses and fixes. Any number.
    Specialist,
    /// Keeps stakeholders informed. At most one at a time.
    Communicator,
    /// Keeps the record. At most one at a time.
    Scribe,
}

impl IncidentRole {
    pub const ALL: [IncidentRole; 4] = [
        Self::IncidentManager,
        Self::Specialist,
        Self::Communicator,
        Self::Scribe,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::IncidentManager => "INCIDENT_MANAGER",
            Self::Specialist => "SPECIALIST",
            Self::Communicator => "COMMUNICATOR",
            Self::Scribe => "SCRIBE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether assigning someone new relieves the current holder.
    pub fn has_single_holder(self) -> bool {
        self != Self::Specialist
    }
}

/// Who an update or a timeline event is meant for. Each audience also sees what is meant for
/// the wider ones after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Audience {
    /// The responders: organisation responders and anyone holding a role on the incident.
    Internal,
    /// Everyone in the organisation who may read incidents, watchers included.
    Stakeholders,
    /// Anyone, on the public status page.
    Public,
}

impl Audience {
    pub const ALL: [Audience; 3] = [Self::Internal, Self::Stakeholders, Self::Public];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Internal => "INTERNAL",
            Self::Stakeholders => "STAKEHOLDERS",
            Self::Public => "PUBLIC",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// The state a status update announces, in the words status pages use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UpdateStatus {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl UpdateStatus {
    pub const ALL: [UpdateStatus; 4] = [
        Self::Investigating,
        Self::Identified,
        Self::Monitoring,
        Self::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Investigating => "INVESTIGATING",
            Self::Identified => "IDENTIFIED",
            Self::Monitoring => "MONITORING",
            Self::Resolved => "RESOLVED",
        }
    }

    /// The word a status page shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::Investigating => "Investigating",
            Self::Identified => "Identified",
            Self::Monitoring => "Monitoring",
            Self::Resolved => "Resolved",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in IncidentRole::ALL {
            assert_eq!(IncidentRole::parse(r.as_str()), Some(r));
        }
        for a in Audience::ALL {
            assert_eq!(Audience::parse(a.as_str()), Some(a));
        }
        for s in UpdateStatus::ALL {
            assert_eq!(UpdateStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(IncidentRole::parse("incident_manager"), None);
    }

    #[test]
    fn only_specialists_come_in_numbers() {
        assert!(!IncidentRole::Specialist.has_single_holder());
        assert!(IncidentRole::IncidentManager.has_single_holder());
        assert!(IncidentRole::Communicator.has_single_holder());
        assert!(IncidentRole::Scribe.has_single_holder());
    }
}

/// One person holding one role on one incident, for a while.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub id: i64,
    pub incident_id: IncidentId,
    pub user_id: UserId,
    pub role: IncidentRole,
    pub assumed_at: DateTime<Utc>,
    pub assigned_by: UserId,
    pub relieved_at: Option<DateTime<Utc>>,
    pub relieved_by: Option<UserId>,
}

impl Assignment {
    pub fn is_active(&self) -> bool {
        self.relieved_at.is_none()
    }
}
