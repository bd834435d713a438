//! Our own small format, for scripts and tools without a format of their own:
//! `{"title", "description", "dedupKey", "severity", "status", "labels"}`, one alert per
//! object; a JSON array of such objects (up to `MAX_ALERTS`) sends several at once.
//! Stricter than the webhook formats, since its senders write it by hand: an unknown
//! severity or status is an error rather than a default.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Parsed, json};
use crate::domain::alert::{
    Alert, AlertError, AlertStatus, Grouping, MAX_ALERTS, MAX_ANNOTATION_VALUE_BYTES,
    MAX_SUMMARY_CHARS, RawAlert, Severity, check_text, from_title_and_labels, join, quote,
};

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase", expecting = "an object")]
struct WireAlert {
    title: Option<String>,
    description: Option<String>,
    dedup_key: Option<String>,
    severity: Option<String>,
    status: Option<String>,
    labels: Option<BTreeMap<String, String>>,
}

/// An object or an array of objects. `grouping` does not apply: each object is one alert.
pub fn parse(body: &[u8], _grouping: Grouping) -> Result<Parsed, AlertError> {
    let value = json::parse_body(body)?;
    let alerts = match &value {
        Value::Array(items) => {
            if items.len() > MAX_ALERTS {
                return Err(AlertError::new(
                    "body",
                    format!("{} alerts; at most {MAX_ALERTS} are allowed", items.len()),
                ));
            }
            let wire: Vec<WireAlert> = json::read(&value, "")?;
            wire.into_iter()
                .enumerate()
                .map(|(i, w)| one(w, &format!("[{i}]")))
                .collect::<Result<Vec<_>, _>>()?
        }
        _ => vec![one(json::read(&value, "")?, "")?],
    };
    Ok(Parsed {
        alerts,
        routing_key: None,
    })
}

fn one(wire: WireAlert, path: &str) -> Result<Alert, AlertError> {
    let status = match wire.status.as_deref().map(str::trim) {
        None | Some("") => AlertStatus::Firing,
        Some(s) => ["firing", "acknowledged", "resolved"]
            .into_iter()
            .zip([
                AlertStatus::Firing,
                AlertStatus::Acknowledged,
                AlertStatus::Resolved,
            ])
            .find(|(name, _)| name.eq_ignore_ascii_case(s))
            .map(|(_, status)| status)
            .ok_or_else(|| {
                AlertError::new(
                    join(path, "status"),
                    format!(
                        "expected firing, acknowledged or resolved, found {}",
                        quote(s)
                    ),
                )
            })?,
    };
    let severity = match wire.severity.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(Severity::parse(s).ok_or_else(|| {
            AlertError::new(
                join(path, "severity"),
                format!(
                    "unknown severity {}; expected critical, error, warning or info",
                    quote(s)
                ),
            )
        })?),
    };
    let title = wire
        .title
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    let dedup_key = wire.dedup_key.filter(|k| !k.trim().is_empty());
    // A firing alert opens an incident, which needs a title; a later update only needs to say
    // which alert it is about.
    if title.is_none() && (status == AlertStatus::Firing || dedup_key.is_none()) {
        return Err(AlertError::required(join(path, "title")));
    }
    if let Some(title) = &title {
        check_text(&join(path, "title"), title, MAX_SUMMARY_CHARS)?;
    }
    let labels = wire.labels.unwrap_or_default();
    let mut annotations = BTreeMap::new();
    if let Some(description) = wire.description.filter(|d| !d.trim().is_empty()) {
        if description.len() > MAX_ANNOTATION_VALUE_BYTES {
            return Err(AlertError::new(
                join(path, "description"),
                format!(
                    "is {} bytes long; at most {MAX_ANNOTATION_VALUE_BYTES} are allowed",
                    description.len()
                ),
            ));
        }
        annotations.insert("description".to_owned(), description);
    }
    // Without a key, the same title and labels are the same alert, so a script can resolve
    // what it raised by sending the same body with `"status": "resolved"`.
    let (dedup_key, dedup_key_generated) = match dedup_key {
        Some(key) => (key, false),
        None => (
            from_title_and_labels(title.as_deref().unwrap_or_default(), &labels),
            true,
        ),
    };
    let raw = RawAlert {
        dedup_key: Some(dedup_key),
        dedup_key_generated,
        status,
        summary: title,
        severity,
        labels,
        annotations,
        details: json!({}),
        ..RawAlert::default()
    };
    Alert::from_raw(raw, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(body: Value) -> Vec<Alert> {
        parse(&serde_json::to_vec(&body).unwrap(), Grouping::Alert)
            .unwrap()
            .alerts
    }

    fn fails(body: Value) -> String {
        parse(&serde_json::to_vec(&body).unwrap(), Grouping::Alert)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn one_object_is_one_alert() {
        let alerts = parsed(json!({
            "title": "Disk full on db-1",
            "description": "/var is at 99%",
            "dedupKey": "disk-db-1",
            "severity": "P1",
            "labels": {"service": "billing", "host": "db-1"}
        }));
        let [alert] = alerts.as_slice() else {
            panic!("one alert expected");
        };
        assert_eq!(alert.title(), "Disk full on db-1");
        assert_eq!(
            alert.description(),
            "/var is at 99%\n\nLabels: host=db-1, service=billing"
        );
        assert_eq!(alert.dedup_key(), "disk-db-1");
        assert_eq!(alert.severity(), Some(Severity::Critical));
        assert_eq!(alert.status(), AlertStatus::Firing);
        assert_eq!(alert.service(), Some("billing"));
    }

    #[test]
    fn without_a_key_the_same_title_and_labels_are_the_same_alert() {
        let firing = parsed(json!({"title": "Backup failed", "labels": {"job": "nightly"}}));
        let resolved = parsed(json!({
            "title": "Backup failed", "status": "RESOLVED", "labels": {"job": "nightly"}
        }));
        assert_eq!(firing[0].dedup_key(), resolved[0].dedup_key());
        assert!(firing[0].dedup_key_generated());
        assert_eq!(resolved[0].status(), AlertStatus::Resolved);
        let other = parsed(json!({"title": "Backup failed", "labels": {"job": "weekly"}}));
        assert_ne!(firing[0].dedup_key(), other[0].dedup_key());
    }

    #[test]
    fn an_array_sends_several() {
        let alerts = parsed(json!([
            {"title": "a", "severity": "warning"},
            {"dedupKey": "b", "status": "acknowledged"}
        ]));
        assert_eq!(alerts.len(), 2);
        assert_eq!(alerts[1].status(), AlertStatus::Acknowledged);
        assert!(parsed(json!([])).is_empty());
        let many: Vec<Value> = (0..10_001)
            .map(|i| json!({"title": i.to_string()}))
            .collect();
        assert_eq!(
            fails(json!(many)),
            "body: 10001 alerts; at most 1000 are allowed"
        );
    }

    #[test]
    fn mistakes_are_errors_naming_the_field() {
        assert_eq!(fails(json!({"severity": "info"})), "title: required");
        assert_eq!(fails(json!({"status": "resolved"})), "title: required");
        assert_eq!(
            fails(json!([{"title": "ok"}, {"title": "x", "severity": "sev9"}])),
            "[1].severity: unknown severity `sev9`; expected critical, error, warning or info"
        );
        assert_eq!(
            fails(json!({"title": "x", "status": "open"})),
            "status: expected firing, acknowledged or resolved, found `open`"
        );
        assert_eq!(
            fails(json!({"title": "x", "labels": ["a"]})),
            "labels: expected an object, found an array"
        );
        assert_eq!(
            fails(json!({"title": 7})),
            "title: expected a string, found an integer"
        );
        assert!(fails(json!("just a string")).starts_with("body: expected an object"));
        let long = "x".repeat(MAX_ANNOTATION_VALUE_BYTES + 1);
        assert!(
            fails(json!({"title": "x", "description": long}))
                .starts_with("description: is 32769 bytes")
        );
        let labels: serde_json::Map<String, Value> =
            (0..65).map(|i| (format!("l{i}"), json!("v"))).collect();
        assert_eq!(
            fails(json!({"title": "x", "labels": labels})),
            "labels: more than 64 labels"
        );
    }
}
