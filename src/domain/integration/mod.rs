//! Alert integrations: a monitoring tool's door into hindsight. Each has a name (its actor is
//! `integration:<name>`), the format its endpoint reads, the service and category its
//! incidents get when the alert's labels do not say, how its alerts group, its severity map,
//! and whether a cleared alert mitigates the incident. Its key lives in `key`.

mod key;

use chrono::{DateTime, Utc};

pub use key::{IntegrationKey, KeyHash};

use super::DomainError;
use super::alert::{AlertError, AlertFormat, Grouping, SeverityMap, SeverityMapping};
use super::ids::{IntegrationId, UserId};
use super::text::{Category, Service};

/// What an administrator typed, validated: everything about an integration but its key.
#[derive(Debug, Clone, PartialEq)]
pub struct IntegrationDraft {
    pub name: IntegrationName,
    pub format: AlertFormat,
    pub service: Service,
    pub category: Option<Category>,
    pub grouping: Grouping,
    pub severity_map: SeverityMap,
    pub auto_resolve: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Integration {
    pub id: IntegrationId,
    pub draft: IntegrationDraft,
    pub enabled: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: UserId,
    /// When the key was last issued (creation or rotation).
    pub key_issued_at: DateTime<Utc>,
    /// Until when the key before the last rotation still works.
    pub previous_key_expires_at: Option<DateTime<Utc>>,
}

impl Integration {
    /// Who the integration's changes are recorded as.
    pub fn actor_id(&self) -> UserId {
        actor_id(&self.draft.name)
    }
}

/// The path a format's sender posts to.
pub fn endpoint(format: AlertFormat) -> &'static str {
    match format {
        AlertFormat::Alertmanager => "/alerts/alertmanager",
        AlertFormat::Grafana => "/alerts/grafana",
        AlertFormat::EventsV2 => "/alerts/events/v2",
        AlertFormat::Generic => "/alerts/generic",
    }
}

pub fn actor_id(name: &IntegrationName) -> UserId {
    UserId::new(format!("integration:{}", name.as_str()))
}

/// An integration's name: 1 to 64 characters of letters, digits, `-`, `_` and `.`, so the
/// actor id `integration:<name>` reads well in a timeline and in a log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationName(String);

impl IntegrationName {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(DomainError::invalid("name", "must not be empty"));
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(DomainError::invalid(
                "name",
                format!("is longer than {} characters", Self::MAX_CHARS),
            ));
        }
        if let Some(c) = name
            .chars()
            .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(DomainError::invalid(
                "name",
                format!(
                    "may hold letters, digits, `-`, `_` and `.` only, not {}",
                    c.escape_debug()
                ),
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The severity map as rows, one per severity, as the API shows it and the database keeps it.
pub fn severity_rows(map: &SeverityMap) -> Vec<SeverityMapping> {
    super::alert::Severity::ALL
        .into_iter()
        .map(|severity| {
            let (impact, urgency) = map.levels(severity);
            SeverityMapping {
                severity: severity.as_str().to_owned(),
                impact: impact.as_str().to_owned(),
                urgency: urgency.as_str().to_owned(),
            }
        })
        .collect()
}

/// An `AlertError` from the admin's input as a `DomainError` naming `severityMap`.
pub fn severity_map(rows: &[SeverityMapping]) -> Result<SeverityMap, DomainError> {
    SeverityMap::from_mappings("severityMap", rows)
        .map_err(|e: AlertError| DomainError::invalid("severityMap", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short_plain_words() {
        assert_eq!(
            IntegrationName::parse(" prod-alertmanager ")
                .unwrap()
                .as_str(),
            "prod-alertmanager"
        );
        assert!(IntegrationName::parse("   ").is_err());
        assert!(IntegrationName::parse("has space").is_err());
        assert!(IntegrationName::parse(&"x".repeat(65)).is_err());
        let err = IntegrationName::parse("a:b").unwrap_err().to_string();
        assert!(err.starts_with("name:"), "{err}");
    }

    #[test]
    fn severity_rows_read_back_as_the_same_map() {
        let map = SeverityMap::default();
        assert_eq!(severity_map(&severity_rows(&map)).unwrap(), map);
        let err = severity_map(&[SeverityMapping {
            severity: "LOUD".into(),
            impact: "HIGH".into(),
            urgency: "HIGH".into(),
        }])
        .unwrap_err()
        .to_string();
        assert!(err.contains("severityMap[0].severity"), "{err}");
    }
}
