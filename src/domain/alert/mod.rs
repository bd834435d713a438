//! Alerts from monitoring tools, whatever their format: one `Alert` per thing that fires. The
//! transport modules (`http/alerts/`) read each format into a `RawAlert`; `Alert::from_raw`
//! checks its limits (`bounds`) and settles its deduplication key (`key`); `render` derives
//! the incident's title and description; `severity` maps a severity to impact and urgency.

mod bounds;
mod error;
mod instant;
mod key;
mod render;
mod severity;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

pub use bounds::{
    MAX_ALERTS, MAX_ANNOTATION_VALUE_BYTES, MAX_ANNOTATIONS, MAX_LABEL_NAME_BYTES,
    MAX_LABEL_VALUE_BYTES, MAX_LABELS, MAX_LINK_TEXT_CHARS, MAX_LINKS, MAX_SOURCE_CHARS,
    MAX_SUMMARY_CHARS, MAX_URL_BYTES,
};
pub use bounds::{check_text, check_url};
pub use error::{AlertError, join, quote, segment};
pub use instant::parse_instant;
pub use key::{MAX_DEDUP_KEY_CHARS, from_title_and_labels};
pub use severity::{Severity, SeverityMap, SeverityMapping};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertFormat {
    /// Prometheus Alertmanager's webhook (`version` "4").
    Alertmanager,
    /// Grafana's webhook contact point (unified alerting, `version` "1").
    Grafana,
    /// PagerDuty Events API v2 (`/v2/enqueue`).
    EventsV2,
    /// Our own small format: `{title, description, dedupKey, severity, status, labels}`.
    Generic,
}

impl AlertFormat {
    pub const ALL: [Self; 4] = [
        Self::Alertmanager,
        Self::Grafana,
        Self::EventsV2,
        Self::Generic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alertmanager => "ALERTMANAGER",
            Self::Grafana => "GRAFANA",
            Self::EventsV2 => "EVENTS_V2",
            Self::Generic => "GENERIC",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AlertStatus {
    #[default]
    Firing,
    /// Someone is on it (Events v2 `acknowledge`, generic `acknowledged`).
    Acknowledged,
    Resolved,
}

impl AlertStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Firing => "FIRING",
            Self::Acknowledged => "ACKNOWLEDGED",
            Self::Resolved => "RESOLVED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Firing, Self::Acknowledged, Self::Resolved]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// What one alert of a webhook payload stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Grouping {
    /// Each alert on its own, deduplicated by its fingerprint.
    #[default]
    Alert,
    /// The whole notification group (Alertmanager's and Grafana's `groupKey`) as one alert.
    Group,
}

impl Grouping {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alert => "ALERT",
            Self::Group => "GROUP",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Alert, Self::Group]
            .into_iter()
            .find(|g| g.as_str() == s)
    }
}

/// A link a sender attached: the rule's page, a dashboard, a silence form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub href: String,
    pub text: Option<String>,
}

/// An alert as a transport module read it, before its limits are checked.
#[derive(Debug, Clone, Default)]
pub struct RawAlert {
    /// As sent; `None` derives one from the labels (`key::from_labels`).
    pub dedup_key: Option<String>,
    /// The sender gave no key and the parser made one up (a UUID, a hash).
    pub dedup_key_generated: bool,
    pub status: AlertStatus,
    pub summary: Option<String>,
    pub severity: Option<Severity>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub source: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub timestamp: Option<DateTime<Utc>>,
    pub links: Vec<Link>,
    /// Everything else worth keeping on the timeline (custom details, values, receiver).
    pub details: Value,
}

/// One alert, checked: every field within its limit, a dedup key of at most 255 characters.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    dedup_key: String,
    dedup_key_generated: bool,
    status: AlertStatus,
    summary: Option<String>,
    severity: Option<Severity>,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    service: Option<String>,
    category: Option<String>,
    source: Option<String>,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    timestamp: Option<DateTime<Utc>>,
    links: Vec<Link>,
    details: Value,
}

impl Alert {
    /// Checks `raw` against the limits in `bounds`; `path` prefixes every error's field
    /// (`alerts[3]`, or empty for a payload that is one alert).
    pub fn from_raw(raw: RawAlert, path: &str) -> Result<Self, AlertError> {
        bounds::check_map(&join(path, "labels"), &raw.labels, &bounds::LABELS)?;
        bounds::check_map(
            &join(path, "annotations"),
            &raw.annotations,
            &bounds::ANNOTATIONS,
        )?;
        let summary = non_blank(raw.summary);
        if let Some(summary) = &summary {
            bounds::check_text(&join(path, "summary"), summary, MAX_SUMMARY_CHARS)?;
        }
        let source = non_blank(raw.source);
        if let Some(source) = &source {
            bounds::check_text(&join(path, "source"), source, MAX_SOURCE_CHARS)?;
        }
        if raw.links.len() > MAX_LINKS {
            return Err(AlertError::new(
                join(path, "links"),
                format!("more than {MAX_LINKS} links"),
            ));
        }
        for (i, link) in raw.links.iter().enumerate() {
            let at = join(path, &format!("links[{i}]"));
            bounds::check_url(&join(&at, "href"), &link.href)?;
            if let Some(text) = &link.text {
                bounds::check_text(&join(&at, "text"), text, MAX_LINK_TEXT_CHARS)?;
            }
        }
        let (dedup_key, dedup_key_generated) =
            match raw.dedup_key.as_deref().and_then(key::normalize) {
                Some(k) => (k, raw.dedup_key_generated),
                None => (key::from_labels(&raw.labels), true),
            };
        let label = |name: &str| non_blank(raw.labels.get(name).cloned());
        Ok(Self {
            service: label("service"),
            category: label("category"),
            dedup_key,
            dedup_key_generated,
            status: raw.status,
            summary,
            severity: raw.severity,
            labels: raw.labels,
            annotations: raw.annotations,
            source,
            starts_at: raw.starts_at,
            ends_at: raw.ends_at,
            timestamp: raw.timestamp,
            links: raw.links,
            details: raw.details,
        })
    }

    pub fn dedup_key(&self) -> &str {
        &self.dedup_key
    }

    /// The sender gave no key: it was made up here (Events v2 trigger without `dedup_key`,
    /// an Alertmanager alert without a fingerprint, a generic alert without `dedupKey`).
    pub fn dedup_key_generated(&self) -> bool {
        self.dedup_key_generated
    }

    pub fn status(&self) -> AlertStatus {
        self.status
    }

    pub fn summary(&self) -> Option<&str> {
        self.summary.as_deref()
    }

    pub fn severity(&self) -> Option<Severity> {
        self.severity
    }

    /// The severity to act on: an alert without one is a warning (`Severity::DEFAULT`).
    pub fn severity_or_default(&self) -> Severity {
        self.severity.unwrap_or(Severity::DEFAULT)
    }

    pub fn labels(&self) -> &BTreeMap<String, String> {
        &self.labels
    }

    pub fn annotations(&self) -> &BTreeMap<String, String> {
        &self.annotations
    }

    /// The `service` label: which service the incident is about.
    pub fn service(&self) -> Option<&str> {
        self.service.as_deref()
    }

    /// The `category` label: the triage category.
    pub fn category(&self) -> Option<&str> {
        self.category.as_deref()
    }

    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    pub fn starts_at(&self) -> Option<DateTime<Utc>> {
        self.starts_at
    }

    pub fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.ends_at
    }

    pub fn timestamp(&self) -> Option<DateTime<Utc>> {
        self.timestamp
    }

    pub fn links(&self) -> &[Link] {
        &self.links
    }

    pub fn details(&self) -> &Value {
        &self.details
    }
}

fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests;
