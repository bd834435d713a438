//! The incident lifecycle: the one transition table, and what each action requires.
//!
//! NEW → TRIAGED → INVESTIGATING → MITIGATED → RESOLVED → CLOSED, with MITIGATED skippable,
//! REOPEN (RESOLVED → INVESTIGATING) and CANCEL from any open state. Re-triage keeps the
//! status and re-derives the priority.

use super::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    New,
    Triaged,
    Investigating,
    Mitigated,
    Resolved,
    Closed,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Self::New,
        Self::Triaged,
        Self::Investigating,
        Self::Mitigated,
        Self::Resolved,
        Self::Closed,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "NEW",
            Self::Triaged => "TRIAGED",
            Self::Investigating => "INVESTIGATING",
            Self::Mitigated => "MITIGATED",
            Self::Resolved => "RESOLVED",
            Self::Closed => "CLOSED",
            Self::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// Open incidents still need work: they can be cancelled.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::New | Self::Triaged | Self::Investigating | Self::Mitigated
        )
    }
}

/// A lifecycle action a client can ask for; each is one GraphQL mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Triage,
    StartInvestigation,
    Mitigate,
    Resolve,
    Close,
    Reopen,
    Cancel,
}

impl Action {
    pub const ALL: [Action; 7] = [
        Self::Triage,
        Self::StartInvestigation,
        Self::Mitigate,
        Self::Resolve,
        Self::Close,
        Self::Reopen,
        Self::Cancel,
    ];

    pub fn verb(self) -> &'static str {
        match self {
            Self::Triage => "triage",
            Self::StartInvestigation => "start investigating",
            Self::Mitigate => "mitigate",
            Self::Resolve => "resolve",
            Self::Close => "close",
            Self::Reopen => "reopen",
            Self::Cancel => "cancel",
        }
    }

    pub fn mutation_name(self) -> &'static str {
        match self {
            Self::Triage => "triageIncident",
            Self::StartInvestigation => "startInvestigation",
            Self::Mitigate => "mitigateIncident",
            Self::Resolve => "resolveIncident",
            Self::Close => "closeIncident",
            Self::Reopen => "reopenIncident",
            Self::Cancel => "cancelIncident",
        }
    }

    /// The transition table. `None`: the action is not allowed from `from`.
    pub fn target(self, from: Status) -> Option<Status> {
        use Status::*;
        match (self, from) {
            (Self::Triage, New) => Some(Triaged),
            // Re-triage re-derives the priority and keeps the status.
            (Self::Triage, s @ (Triaged | Investigating | Mitigated)) => Some(s),
            (Self::StartInvestigation, Triaged) => Some(Investigating),
            (Self::Mitigate, Investigating) => Some(Mitigated),
            (Self::Resolve, Investigating | Mitigated) => Some(Resolved),
            (Self::Close, Resolved) => Some(Closed),
            (Self::Reopen, Resolved) => Some(Investigating),
            (Self::Cancel, s) if s.is_open() => Some(Cancelled),
            _ => None,
        }
    }

    /// Every action allowed from `from`, in a stable order (for error messages and the API).
    pub fn allowed_from(from: Status) -> Vec<Action> {
        Self::ALL
            .into_iter()
            .filter(|a| a.target(from).is_some())
            .collect()
    }

    /// Checks the table and returns the status the incident moves to.
    pub fn check(self, from: Status) -> Result<Status, DomainError> {
        self.target(from)
            .ok_or_else(|| DomainError::IllegalTransition {
                from,
                action: self,
                allowed: Self::allowed_from(from),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn happy_path_and_skipping_mitigation() {
        use Action::*;
        use Status::*;
        assert_eq!(Triage.check(New), Ok(Triaged));
        assert_eq!(StartInvestigation.check(Triaged), Ok(Investigating));
        assert_eq!(Mitigate.check(Investigating), Ok(Mitigated));
        assert_eq!(Resolve.check(Mitigated), Ok(Resolved));
        assert_eq!(Resolve.check(Investigating), Ok(Resolved));
        assert_eq!(Close.check(Resolved), Ok(Closed));
        assert_eq!(Reopen.check(Resolved), Ok(Investigating));
    }

    #[test]
    fn final_states_allow_nothing() {
        for status in [Status::Closed, Status::Cancelled] {
            assert!(Action::allowed_from(status).is_empty());
            let err = Action::Reopen.check(status).unwrap_err();
            assert!(err.to_string().contains("final"), "{err}");
        }
    }

    #[test]
    fn illegal_transition_names_the_allowed_ones() {
        let err = Action::Close.check(Status::New).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot close an incident that is NEW; allowed from NEW: triageIncident, cancelIncident"
        );
    }

    #[test]
    fn cancel_only_while_open() {
        for status in Status::ALL {
            assert_eq!(
                Action::Cancel.check(status).is_ok(),
                status.is_open(),
                "{status:?}"
            );
        }
    }
}
