//! Why a domain rule refused an input. Each variant is written for the client to read.

use super::lifecycle::{Action, Status};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A value broke a rule: `field` names the input field, `message` says what is wrong.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },

    /// The requested lifecycle action is not allowed from the incident's current status.
    #[error("cannot {action} an incident that is {from}; allowed from {from}: {allowed}", action = .action.verb(), from = .from.as_str(), allowed = describe_allowed(.allowed))]
    IllegalTransition {
        from: Status,
        action: Action,
        allowed: Vec<Action>,
    },
}

impl DomainError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }

    pub fn missing(field: &'static str) -> Self {
        Self::invalid(field, "is required")
    }
}

fn describe_allowed(allowed: &[Action]) -> String {
    if allowed.is_empty() {
        return "nothing (the incident is final)".to_owned();
    }
    allowed
        .iter()
        .map(|a| a.mutation_name())
        .collect::<Vec<_>>()
        .join(", ")
}
