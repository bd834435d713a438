//! Identifiers: the opaque UUID of an incident and its human number (`INC-42`).

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use super::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IncidentId(pub Uuid);

impl IncidentId {
    pub fn new() -> Self {
        // v7: time-ordered, so primary-key inserts stay local in the B-tree.
        Self(Uuid::now_v7())
    }
}

impl Default for IncidentId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
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
