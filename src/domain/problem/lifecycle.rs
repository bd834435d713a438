//! The problem lifecycle (ITIL problem management), one transition table in the style of the
//! incident's: NEW → UNDER_INVESTIGATION → KNOWN_ERROR → RESOLVED → CLOSED, with a known error
//! recordable straight from NEW, and CANCEL from any state before RESOLVED.

use crate::domain::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemStatus {
    New,
    UnderInvestigation,
    /// The root cause and a workaround are known; the permanent fix is not in yet.
    KnownError,
    /// The permanent fix is in.
    Resolved,
    Closed,
    Cancelled,
}

impl ProblemStatus {
    pub const ALL: [ProblemStatus; 6] = [
        Self::New,
        Self::UnderInvestigation,
        Self::KnownError,
        Self::Resolved,
        Self::Closed,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "NEW",
            Self::UnderInvestigation => "UNDER_INVESTIGATION",
            Self::KnownError => "KNOWN_ERROR",
            Self::Resolved => "RESOLVED",
            Self::Closed => "CLOSED",
            Self::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Still being worked on: incidents may be linked to it.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::New | Self::UnderInvestigation | Self::KnownError
        )
    }
}

/// A lifecycle action on a problem; each is one GraphQL mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemAction {
    StartInvestigation,
    RecordKnownError,
    Resolve,
    Close,
    Cancel,
}

impl ProblemAction {
    pub const ALL: [ProblemAction; 5] = [
        Self::StartInvestigation,
        Self::RecordKnownError,
        Self::Resolve,
        Self::Close,
        Self::Cancel,
    ];

    pub fn mutation_name(self) -> &'static str {
        match self {
            Self::StartInvestigation => "startProblemInvestigation",
            Self::RecordKnownError => "recordKnownError",
            Self::Resolve => "resolveProblem",
            Self::Close => "closeProblem",
            Self::Cancel => "cancelProblem",
        }
    }

    /// The transition table. `None`: not allowed from `from`.
    pub fn target(self, from: ProblemStatus) -> Option<ProblemStatus> {
        use ProblemStatus::*;
        match (self, from) {
            (Self::StartInvestigation, New) => Some(UnderInvestigation),
            // A known error may be recorded again to correct its cause or workaround.
            (Self::RecordKnownError, New | UnderInvestigation | KnownError) => Some(KnownError),
            (Self::Resolve, UnderInvestigation | KnownError) => Some(Resolved),
            (Self::Close, Resolved) => Some(Closed),
            (Self::Cancel, s) if s.is_open() => Some(Cancelled),
            _ => None,
        }
    }

    /// Checks the table; the error names what is allowed instead.
    pub fn check(self, from: ProblemStatus) -> Result<ProblemStatus, DomainError> {
        self.target(from).ok_or_else(|| {
            let allowed: Vec<&str> = Self::ALL
                .into_iter()
                .filter(|a| a.target(from).is_some())
                .map(Self::mutation_name)
                .collect();
            DomainError::invalid(
                "id",
                format!(
                    "{} is not allowed on a problem that is {}; allowed: {}",
                    self.mutation_name(),
                    from.as_str(),
                    if allowed.is_empty() {
                        "nothing (it is final)".to_owned()
                    } else {
                        allowed.join(", ")
                    }
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProblemAction::*;
    use ProblemStatus::*;

    #[test]
    fn the_table_from_every_state() {
        let table: [(ProblemStatus, [Option<ProblemStatus>; 5]); 6] = [
            (
                New,
                [
                    Some(UnderInvestigation),
                    Some(KnownError),
                    None,
                    None,
                    Some(Cancelled),
                ],
            ),
            (
                UnderInvestigation,
                [
                    None,
                    Some(KnownError),
                    Some(Resolved),
                    None,
                    Some(Cancelled),
                ],
            ),
            (
                KnownError,
                [
                    None,
                    Some(KnownError),
                    Some(Resolved),
                    None,
                    Some(Cancelled),
                ],
            ),
            (Resolved, [None, None, None, Some(Closed), None]),
            (Closed, [None; 5]),
            (Cancelled, [None; 5]),
        ];
        for (from, targets) in table {
            for (action, expected) in ProblemAction::ALL.into_iter().zip(targets) {
                assert_eq!(action.target(from), expected, "{action:?} from {from:?}");
            }
        }
    }

    #[test]
    fn a_refusal_names_what_is_allowed() {
        let e = Resolve.check(New).unwrap_err().to_string();
        assert!(
            e.contains("resolveProblem is not allowed on a problem that is NEW"),
            "{e}"
        );
        assert!(
            e.contains("startProblemInvestigation, recordKnownError, cancelProblem"),
            "{e}"
        );
        assert!(
            Close
                .check(Closed)
                .unwrap_err()
                .to_string()
                .contains("final")
        );
    }
}
