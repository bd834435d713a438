//! Identifiers: one type per kind of record id, and an incident's human number (`INC-42`).

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use super::DomainError;

/// A record's opaque id: a time-ordered UUID (v7), so primary-key inserts stay local in the
/// B-tree. One type per kind of record, so an incident's id cannot be passed as a webhook's.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

uuid_id!(
    /// An incident's id.
    IncidentId
);
uuid_id!(
    /// A webhook subscription's id.
    WebhookId
);
uuid_id!(
    /// An SLA policy's id.
    SlaPolicyId
);
uuid_id!(
    /// A problem's id (the cause behind incidents, ITIL problem management).
    ProblemId
);
uuid_id!(
    /// An automation (escalation) rule's id.
    AutomationRuleId
);
uuid_id!(
    /// An alert integration's id.
    IntegrationId
);
uuid_id!(
    /// One webhook delivery's id (sent to the receiver as `X-Hindsight-Delivery`).
    DeliveryId
);
uuid_id!(
    /// A post-incident review's id (one review per incident).
    ReviewId
);
uuid_id!(
    /// A review's action item's id.
    ActionItemId
);

/// A timeline event's id: its position in the journal, increasing in commit order on one
/// database (cursors and the bus rely on that order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(pub i64);

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Who did something: the subject (`sub`) of a person's identity token, or a system principal
/// such as `automation:<rule name>`. Issued by the identity provider, so any non-empty text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct UserId(String);

impl UserId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for UserId {
    fn from(id: &str) -> Self {
        Self::new(id)
    }
}

impl From<String> for UserId {
    fn from(id: String) -> Self {
        Self(id)
    }
}

impl PartialEq<str> for UserId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for UserId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// The human handle of an incident, unique and increasing: `INC-1`, `INC-2`, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IncidentNumber(pub i64);

impl fmt::Display for IncidentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "INC-{}", self.0)
    }
}

/// The human handle of a problem: `PRB-1`, `PRB-2`, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProblemNumber(pub i64);

impl fmt::Display for ProblemNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PRB-{}", self.0)
    }
}

/// How a client may name a problem: by id or by number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemRef {
    Id(ProblemId),
    Number(ProblemNumber),
}

impl FromStr for ProblemRef {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("PRB-").or_else(|| s.strip_prefix("prb-")) {
            return match rest.parse::<i64>() {
                Ok(n) if n > 0 => Ok(Self::Number(ProblemNumber(n))),
                _ => Err(DomainError::invalid(
                    "id",
                    format!("`{s}` is not a problem number like PRB-7"),
                )),
            };
        }
        Uuid::parse_str(s)
            .map(|u| Self::Id(ProblemId(u)))
            .map_err(|_| {
                DomainError::invalid("id", "is neither a problem id nor a number like PRB-7")
            })
    }
}

/// How a client may name an incident: by id or by number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentRef {
    Id(IncidentId),
    Number(IncidentNumber),
}

impl FromStr for IncidentRef {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("INC-").or_else(|| s.strip_prefix("inc-")) {
            return match rest.parse::<i64>() {
                Ok(n) if n > 0 => Ok(Self::Number(IncidentNumber(n))),
                _ => Err(DomainError::invalid(
                    "id",
                    format!("`{s}` is not an incident number like INC-42"),
                )),
            };
        }
        Uuid::parse_str(s)
            .map(|u| Self::Id(IncidentId(u)))
            .map_err(|_| {
                DomainError::invalid("id", "is neither an incident id nor a number like INC-42")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers_and_ids() {
        assert_eq!(
            "INC-7".parse::<IncidentRef>(),
            Ok(IncidentRef::Number(IncidentNumber(7)))
        );
        let id = IncidentId::new();
        assert_eq!(
            id.to_string().parse::<IncidentRef>(),
            Ok(IncidentRef::Id(id))
        );
        assert!("INC-0".parse::<IncidentRef>().is_err());
        assert!("INC-x".parse::<IncidentRef>().is_err());
        assert!("42".parse::<IncidentRef>().is_err());
        assert!("".parse::<IncidentRef>().is_err());
    }
}
