//! Alert integrations and the alerts on an incident, as the schema shows them. The key is
//! never a field: it is shown once, in `createIntegration`'s and `rotateIntegrationKey`'s
//! payloads.

use async_graphql::connection::{Connection, ConnectionNameType, Edge, EdgeNameType, EmptyFields};
use async_graphql::{Enum, ID, Object, OutputType, SimpleObject};
use chrono::{DateTime, Utc};

use super::enums::Level;
use crate::domain::alert::Severity;
use crate::domain::intake::IncidentAlert;
use crate::domain::integration::Integration;
use crate::graphql::cursor;

/// The body format an integration's endpoint reads.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::alert::AlertFormat")]
pub enum AlertFormat {
    /// Prometheus Alertmanager's webhook (version 4): `POST /alerts/alertmanager`.
    Alertmanager,
    /// Grafana's webhook contact point: `POST /alerts/grafana`.
    Grafana,
    /// PagerDuty Events API v2: `POST /alerts/events/v2`.
    EventsV2,
    /// `{title, description, dedupKey, severity, status, labels}`: `POST /alerts/generic`.
    Generic,
}

/// What one incident stands for, for the webhook formats (Alertmanager, Grafana).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::alert::Grouping")]
pub enum AlertGrouping {
    /// Each alert on its own, deduplicated by its fingerprint.
    Alert,
    /// The notification group (`groupKey`) as one alert.
    Group,
}

/// An alert's severity, as its sender says (mapped from each format's own words).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::alert::Severity")]
pub enum AlertSeverity {
    /// Critical: by default HIGH impact, HIGH urgency.
    Critical,
    /// Error: by default HIGH impact, MEDIUM urgency.
    Error,
    /// Warning: by default MEDIUM impact, MEDIUM urgency.
    Warning,
    /// Informational: by default LOW impact, LOW urgency.
    Info,
}

/// Where an alert stands, by its sender's latest word.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::alert::AlertStatus")]
pub enum AlertState {
    /// The condition holds.
    Firing,
    /// Its sender says someone acknowledged it.
    Acknowledged,
    /// The condition cleared at its source.
    Resolved,
}

/// One row of a severity map: an alert of this severity gets this impact and urgency.
#[derive(SimpleObject)]
pub struct SeverityMapping {
    /// The alert severity.
    pub severity: AlertSeverity,
    /// The impact its incidents get.
    pub impact: Level,
    /// The urgency its incidents get.
    pub urgency: Level,
}

pub struct IntegrationObject(pub Integration);

/// A monitoring tool's way in: alerts posted to its endpoint with its key open, add to and
/// mitigate incidents as the actor `integration:<name>`.
#[Object(name = "Integration")]
impl IntegrationObject {
    /// The integration's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Its unique name; its changes are recorded as `integration:<name>`.
    async fn name(&self) -> &str {
        self.0.draft.name.as_str()
    }

    /// The payload format its sender posts.
    async fn format(&self) -> AlertFormat {
        self.0.draft.format.into()
    }

    /// Where its sender posts, on this server (append `/<key>` if it cannot send a header).
    async fn endpoint(&self) -> &'static str {
        crate::domain::integration::endpoint(self.0.draft.format)
    }

    /// The service of its incidents, unless an alert's `service` label names one.
    async fn service(&self) -> &str {
        self.0.draft.service.as_str()
    }

    /// With a category (here or in an alert's `category` label), an incident is triaged at
    /// once.
    async fn category(&self) -> Option<&str> {
        self.0.draft.category.as_ref().map(|c| c.as_str())
    }

    /// How alerts are grouped into incidents.
    async fn grouping(&self) -> AlertGrouping {
        self.0.draft.grouping.into()
    }

    /// Every severity's impact and urgency.
    async fn severity_map(&self) -> Vec<SeverityMapping> {
        Severity::ALL
            .into_iter()
            .map(|severity| {
                let (impact, urgency) = self.0.draft.severity_map.levels(severity);
                SeverityMapping {
                    severity: severity.into(),
                    impact: impact.into(),
                    urgency: urgency.into(),
                }
            })
            .collect()
    }

    /// When all of an incident's alerts clear, it is mitigated (never resolved: a person
    /// confirms the fix).
    async fn auto_resolve(&self) -> bool {
        self.0.draft.auto_resolve
    }

    /// A disabled integration's endpoint answers 403.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }

    /// Increases with every change; pass it as `expectedVersion` to `updateIntegration`.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When its settings last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// When the current key was issued.
    async fn key_issued_at(&self) -> DateTime<Utc> {
        self.0.key_issued_at
    }

    /// Until when the key before the last rotation still works.
    async fn previous_key_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.previous_key_expires_at
    }
}

pub struct IncidentAlertObject(pub IncidentAlert);

/// A link the sender attached (the rule, a dashboard, a panel).
#[derive(SimpleObject)]
pub struct AlertLink {
    /// The URL.
    pub href: String,
    /// Its caption; null if the sender gave none.
    pub text: Option<String>,
}

/// A name and value pair: one of an alert's labels or annotations.
#[derive(SimpleObject)]
pub struct AlertLabel {
    /// The label's name, e.g. `service`.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// One alert (an integration's dedup key) on an incident.
#[Object(name = "IncidentAlert")]
impl IncidentAlertObject {
    /// The integration it came through.
    async fn integration_name(&self) -> &str {
        &self.0.integration_name
    }

    /// The key that identifies the alert across sends (fingerprint, group key or `dedupKey`).
    async fn dedup_key(&self) -> &str {
        &self.0.dedup_key
    }

    /// Firing, acknowledged or resolved, by the latest send.
    async fn state(&self) -> AlertState {
        self.0.state.into()
    }

    /// Its severity; null if the sender gave none.
    async fn severity(&self) -> Option<AlertSeverity> {
        self.0.severity.map(Into::into)
    }

    /// How many times its sender sent it while this incident held it.
    async fn count(&self) -> i64 {
        self.0.count
    }

    /// When this incident first received it.
    async fn first_seen_at(&self) -> DateTime<Utc> {
        self.0.first_seen_at
    }

    /// When it was last sent.
    async fn last_seen_at(&self) -> DateTime<Utc> {
        self.0.last_seen_at
    }

    /// Its labels, e.g. `alertname`, `service`.
    async fn labels(&self) -> Vec<AlertLabel> {
        pairs(&self.0.labels)
    }

    /// Its annotations, e.g. `summary`, `description`, `runbook_url`.
    async fn annotations(&self) -> Vec<AlertLabel> {
        pairs(&self.0.annotations)
    }

    /// Links the sender attached.
    async fn links(&self) -> Vec<AlertLink> {
        self.0
            .links
            .iter()
            .map(|l| AlertLink {
                href: l.href.clone(),
                text: l.text.clone(),
            })
            .collect()
    }

    /// The incident this key opened before, when this one followed it (resolved longer ago
    /// than `alerts.reopen_window`, or closed).
    async fn previous_incident_id(&self) -> Option<ID> {
        self.0.previous_incident_id.map(|i| ID(i.to_string()))
    }
}

fn pairs(map: &std::collections::BTreeMap<String, String>) -> Vec<AlertLabel> {
    map.iter()
        .map(|(name, value)| AlertLabel {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

/// The alerts of an incident: a connection of its own name.
pub type IncidentAlerts = Connection<
    String,
    IncidentAlertObject,
    AlertFields,
    EmptyFields,
    IncidentAlertsName,
    IncidentAlertEdgeName,
>;

pub struct IncidentAlertsName;

impl ConnectionNameType for IncidentAlertsName {
    fn type_name<T: OutputType>() -> String {
        "IncidentAlertConnection".to_owned()
    }
}

pub struct IncidentAlertEdgeName;

impl EdgeNameType for IncidentAlertEdgeName {
    fn type_name<T: OutputType>() -> String {
        "IncidentAlertEdge".to_owned()
    }
}

pub struct AlertFields {
    total: usize,
}

#[Object]
impl AlertFields {
    /// How many alerts the incident has.
    async fn total_count(&self) -> u64 {
        self.total as u64
    }
}

/// The page of `all` (most recently seen first) after `offset`, `first` long.
pub fn alert_page(all: Vec<IncidentAlert>, offset: usize, first: usize) -> IncidentAlerts {
    let total = all.len();
    let has_next = offset.saturating_add(first) < total;
    let mut connection =
        Connection::with_additional_fields(offset > 0, has_next, AlertFields { total });
    connection.edges.extend(
        all.into_iter()
            .enumerate()
            .skip(offset)
            .take(first)
            .map(|(i, alert)| Edge::new(cursor::offset(i), IncidentAlertObject(alert))),
    );
    connection
}
