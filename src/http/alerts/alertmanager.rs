//! Prometheus Alertmanager's webhook (`webhook_config`, payload `version` "4"). Each alert is
//! keyed by its `fingerprint` (by a hash of its labels if it has none); grouped, the whole
//! notification is one alert keyed by `groupKey` (`webhook.rs` has the shared shape).

use super::{Parsed, webhook};
use crate::domain::alert::{AlertError, Grouping};

pub fn parse(body: &[u8], grouping: Grouping) -> Result<Parsed, AlertError> {
    webhook::parse(body, grouping, "Alertmanager")
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::domain::alert::{AlertStatus, MAX_LABEL_VALUE_BYTES, Severity};

    /// The body Alertmanager's documentation describes (`webhook_config`), with the values of
    /// a real notification (a blackbox probe failure) in its fields.
    fn documented() -> Value {
        json!({
            "version": "4",
            "groupKey": "{}/{severity=\"critical\"}:{alertname=\"ProbeFailure\"}",
            "truncatedAlerts": 0,
            "status": "firing",
            "receiver": "sms",
            "groupLabels": {"alertname": "ProbeFailure"},
            "commonLabels": {
                "alertname": "ProbeFailure",
                "instance": "https://server.example.org",
                "job": "http_checks",
                "monitor": "master",
                "severity": "critical"
            },
            "commonAnnotations": {
                "description": "Instance https://server.example.org has been down for over 5m. Job: http_checks",
                "summary": "BlackBox Probe Failure: https://server.example.org"
            },
            "externalURL": "http://prometheus.example.org:9093",
            "alerts": [{
                "status": "firing",
                "labels": {
                    "alertname": "ProbeFailure",
                    "instance": "https://server.example.org",
                    "job": "http_checks",
                    "monitor": "master",
                    "severity": "critical"
                },
                "annotations": {
                    "description": "Instance https://server.example.org has been down for over 5m. Job: http_checks",
                    "summary": "BlackBox Probe Failure: https://server.example.org"
                },
                "startsAt": "2023-02-06T13:08:45.828Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example.org:9090/graph?g0.expr=probe_success+%3D%3D+0&g0.tab=1",
                "fingerprint": "1a30ba71cca2921f"
            }]
        })
    }

    fn body(value: &Value) -> Vec<u8> {
        serde_json::to_vec(value).unwrap()
    }

    fn fails(value: &Value) -> String {
        parse(&body(value), Grouping::Alert)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn the_documented_payload_gives_one_alert_per_fingerprint() {
        let parsed = parse(&body(&documented()), Grouping::Alert).unwrap();
        assert!(parsed.routing_key.is_none());
        let [alert] = parsed.alerts.as_slice() else {
            panic!("one alert expected: {:?}", parsed.alerts);
        };
        assert_eq!(alert.dedup_key(), "1a30ba71cca2921f");
        assert!(!alert.dedup_key_generated());
        assert_eq!(alert.status(), AlertStatus::Firing);
        assert_eq!(alert.severity(), Some(Severity::Critical));
        assert_eq!(
            alert.title(),
            "BlackBox Probe Failure: https://server.example.org"
        );
        assert!(
            alert
                .description()
                .starts_with("Instance https://server.example.org has been down")
        );
        assert_eq!(
            alert.starts_at().map(|t| t.to_rfc3339()).as_deref(),
            Some("2023-02-06T13:08:45.828+00:00")
        );
        assert_eq!(alert.ends_at(), None);
        let hrefs: Vec<&str> = alert.links().iter().map(|l| l.href.as_str()).collect();
        assert_eq!(
            hrefs,
            [
                "http://prometheus.example.org:9090/graph?g0.expr=probe_success+%3D%3D+0&g0.tab=1",
                "http://prometheus.example.org:9093"
            ]
        );
        assert_eq!(alert.details()["receiver"], "sms");
    }

    #[test]
    fn grouped_the_notification_is_one_alert_per_group_key() {
        let mut payload = documented();
        let mut second = payload["alerts"][0].clone();
        second["fingerprint"] = json!("2b");
        second["status"] = json!("resolved");
        second["labels"]["severity"] = json!("warning");
        second["startsAt"] = json!("2023-02-06T12:00:00Z");
        second["endsAt"] = json!("2023-02-06T13:00:00Z");
        payload["alerts"].as_array_mut().unwrap().push(second);
        let parsed = parse(&body(&payload), Grouping::Group).unwrap();
        let [alert] = parsed.alerts.as_slice() else {
            panic!("one alert expected");
        };
        assert_eq!(
            alert.dedup_key(),
            "{}/{severity=\"critical\"}:{alertname=\"ProbeFailure\"}"
        );
        assert_eq!(alert.status(), AlertStatus::Firing);
        assert_eq!(alert.severity(), Some(Severity::Critical));
        assert_eq!(
            alert.labels().get("job").map(String::as_str),
            Some("http_checks")
        );
        assert_eq!(
            alert.title(),
            "BlackBox Probe Failure: https://server.example.org"
        );
        assert_eq!(
            alert.starts_at().map(|t| t.to_rfc3339()).as_deref(),
            Some("2023-02-06T12:00:00+00:00")
        );
        assert_eq!(alert.details()["alerts"].as_array().map(Vec::len), Some(2));

        payload["status"] = json!("resolved");
        let resolved = parse(&body(&payload), Grouping::Group).unwrap();
        assert_eq!(resolved.alerts[0].status(), AlertStatus::Resolved);
        assert_eq!(
            resolved.alerts[0]
                .ends_at()
                .map(|t| t.to_rfc3339())
                .as_deref(),
            Some("2023-02-06T13:00:00+00:00")
        );

        payload["groupKey"] = Value::Null;
        let err = parse(&body(&payload), Grouping::Group).unwrap_err();
        assert_eq!(err.path(), "groupKey");
    }

    #[test]
    fn resolved_alerts_keep_their_end_and_missing_fingerprints_hash_the_labels() {
        let mut payload = documented();
        payload["alerts"][0]["status"] = json!("resolved");
        payload["alerts"][0]["endsAt"] = json!("2023-02-06T14:00:00Z");
        payload["alerts"][0]["fingerprint"] = Value::Null;
        let alert = &parse(&body(&payload), Grouping::Alert).unwrap().alerts[0];
        assert_eq!(alert.status(), AlertStatus::Resolved);
        assert!(alert.ends_at().is_some());
        assert!(alert.dedup_key().starts_with("labels:"));
        assert!(alert.dedup_key_generated());
    }

    #[test]
    fn nulls_and_unknown_fields_are_accepted() {
        let payload = json!({
            "version": "4", "status": "firing", "groupLabels": null, "commonLabels": null,
            "commonAnnotations": null, "externalURL": null, "somethingNew": {"x": 1},
            "alerts": [{"labels": {"alertname": "Up"}, "annotations": null, "fingerprint": "f",
                        "startsAt": null, "generatorURL": "", "extra": [1, 2]}]
        });
        let parsed = parse(&body(&payload), Grouping::Alert).unwrap();
        assert_eq!(parsed.alerts[0].title(), "Up");
        assert!(parsed.alerts[0].links().is_empty());
        assert!(
            parse(&body(&json!({"alerts": []})), Grouping::Group)
                .unwrap()
                .alerts
                .is_empty()
        );
    }

    #[test]
    fn bad_bodies_are_errors_naming_the_field() {
        assert!(fails(&json!({"version": "4"})).starts_with("alerts: required"));
        assert!(
            parse(b"<html>", Grouping::Alert)
                .unwrap_err()
                .to_string()
                .starts_with("body: not valid JSON")
        );
        assert_eq!(
            fails(&json!({"alerts": {"a": 1}})),
            "alerts: expected an array, found an object"
        );
        assert_eq!(
            fails(&json!({"alerts": [{}, {"labels": {"job": ["x"]}}]})),
            "alerts[1].labels.job: expected a string, found an array"
        );
        assert_eq!(
            fails(&json!({"alerts": [{"status": "exploded"}]})),
            "alerts[0].status: expected firing or resolved, found `exploded`"
        );
        assert_eq!(
            fails(&json!({"alerts": [{"startsAt": "last tuesday"}]})),
            "alerts[0].startsAt: `last tuesday` is not an RFC 3339 timestamp"
        );
        let huge = "v".repeat(MAX_LABEL_VALUE_BYTES + 1);
        let msg = fails(&json!({"alerts": [{"labels": {"team": huge}}]}));
        assert!(
            msg.starts_with("alerts[0].labels.team: is 4097 bytes long"),
            "{msg}"
        );
        let labels: serde_json::Map<String, Value> =
            (0..65).map(|i| (format!("l{i}"), json!("v"))).collect();
        assert_eq!(
            fails(&json!({"alerts": [{"labels": labels}]})),
            "alerts[0].labels: more than 64 labels"
        );
    }

    #[test]
    fn an_alert_without_labels_is_refused() {
        assert_eq!(
            fails(&json!({"alerts": [{"fingerprint": "f", "labels": {}}]})),
            "alerts[0].labels: an alert needs at least one label (Alertmanager and Grafana send `alertname`)"
        );
    }

    #[test]
    fn a_flood_of_alerts_is_refused_before_it_is_read() {
        let alerts: Vec<Value> = (0..10_001)
            .map(|i| json!({"fingerprint": i.to_string()}))
            .collect();
        assert_eq!(
            fails(&json!({"alerts": alerts})),
            "alerts: 10001 alerts; at most 1000 are allowed"
        );
        let alerts: Vec<Value> = (0..1_000)
            .map(|i| json!({"fingerprint": i.to_string(), "labels": {"alertname": "A"}}))
            .collect();
        let parsed = parse(&body(&json!({"alerts": alerts})), Grouping::Alert).unwrap();
        assert_eq!(parsed.alerts.len(), 1_000);
    }
}
