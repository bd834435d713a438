//! Timeline event kinds: what happened to an incident. Each change appends exactly one event.

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
}

impl EventKind {
    pub const ALL: [EventKind; 10] = [
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
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}
