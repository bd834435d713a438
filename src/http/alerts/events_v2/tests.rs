//! Events v2 with PagerDuty's documented examples, and the events PagerDuty would refuse.

use serde_json::{Value, json};

use super::*;

/// PagerDuty's "Trigger" example (Send an Alert Event), without its leading comment.
const TRIGGER: &str = r#"{
  "payload": {
    "summary": "Example alert on host1.example.com",
    "timestamp": "2015-07-17T08:42:58.315+0000",
    "source": "monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003",
    "severity": "info",
    "component": "postgres",
    "group": "prod-datapipe",
    "class": "deploy",
    "custom_details": {
      "ping time": "1500ms",
      "load avg": 0.75
    }
  },
  "routing_key": "samplekeyhere",
  "dedup_key": "samplekeyhere",
  "images": [
    {
      "src": "https://www.pagerduty.com/wp-content/uploads/2016/05/pagerduty-logo-green.png",
      "href": "https://example.com/",
      "alt": "Example text"
    }
  ],
  "links": [
    {
      "href": "https://example.com/",
      "text": "Link text"
    }
  ],
  "event_action": "trigger",
  "client": "Sample Monitoring Service",
  "client_url": "https://monitoring.example.com"
}"#;

const ACKNOWLEDGE: &str = r#"{
  "routing_key": "routingkeyhere",
  "dedup_key": "dedupkeyhere",
  "event_action": "acknowledge"
}"#;

const RESOLVE: &str = r#"{
  "routing_key": "routingkeyhere",
  "dedup_key": "dedupkeyhere",
  "event_action": "resolve"
}"#;

fn one(body: &str) -> (Alert, Secret) {
    let parsed = parse(body.as_bytes(), Grouping::Alert).unwrap();
    let routing_key = parsed.routing_key.unwrap();
    let [alert] = <[Alert; 1]>::try_from(parsed.alerts).unwrap();
    (alert, routing_key)
}

fn trigger_with(change: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut event: Value = serde_json::from_str(TRIGGER).unwrap();
    change(&mut event);
    serde_json::to_vec(&event).unwrap()
}

fn fails(body: &[u8]) -> String {
    parse(body, Grouping::Alert).unwrap_err().to_string()
}

#[test]
fn the_documented_trigger() {
    let (alert, routing_key) = one(TRIGGER);
    assert_eq!(routing_key.expose(), "samplekeyhere");
    assert_eq!(alert.dedup_key(), "samplekeyhere");
    assert!(!alert.dedup_key_generated());
    assert_eq!(alert.status(), AlertStatus::Firing);
    assert_eq!(alert.severity(), Some(Severity::Info));
    assert_eq!(alert.title(), "Example alert on host1.example.com");
    assert_eq!(
        alert.source(),
        Some(
            "monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003"
        )
    );
    assert_eq!(
        alert.timestamp().map(|t| t.to_rfc3339()).as_deref(),
        Some("2015-07-17T08:42:58.315+00:00")
    );
    assert_eq!(
        alert.labels().get("component").map(String::as_str),
        Some("postgres")
    );
    assert_eq!(
        alert.labels().get("class").map(String::as_str),
        Some("deploy")
    );
    assert_eq!(alert.details()["custom_details"]["load avg"], 0.75);
    assert_eq!(alert.details()["client"], "Sample Monitoring Service");
    assert_eq!(alert.details()["images"][0]["alt"], "Example text");
    let links: Vec<(&str, Option<&str>)> = alert
        .links()
        .iter()
        .map(|l| (l.href.as_str(), l.text.as_deref()))
        .collect();
    assert_eq!(
        links,
        [
            ("https://example.com/", Some("Link text")),
            (
                "https://monitoring.example.com",
                Some("Sample Monitoring Service")
            ),
        ]
    );
    assert!(alert.details().get("routing_key").is_none());
}

#[test]
fn the_documented_acknowledge_and_resolve() {
    let (ack, key) = one(ACKNOWLEDGE);
    assert_eq!(key.expose(), "routingkeyhere");
    assert_eq!(ack.status(), AlertStatus::Acknowledged);
    assert_eq!(ack.dedup_key(), "dedupkeyhere");
    let (resolve, _) = one(RESOLVE);
    assert_eq!(resolve.status(), AlertStatus::Resolved);
    assert_eq!(resolve.dedup_key(), "dedupkeyhere");
    assert_eq!(resolve.title(), "Alert dedupkeyhere");
}

#[test]
fn a_trigger_without_a_key_gets_a_fresh_one() {
    let body = trigger_with(|e| {
        e.as_object_mut().unwrap().remove("dedup_key");
    });
    let first = &parse(&body, Grouping::Alert).unwrap().alerts[0];
    let second = &parse(&body, Grouping::Alert).unwrap().alerts[0];
    assert!(first.dedup_key_generated());
    assert!(Uuid::parse_str(first.dedup_key()).is_ok());
    assert_ne!(first.dedup_key(), second.dedup_key());
}

#[test]
fn replies_copy_pagerduty() {
    assert_eq!(
        success_reply("samplekeyhere"),
        json!({"status": "success", "message": "Event processed", "dedup_key": "samplekeyhere"})
    );
    let err = AlertError::required("payload.summary");
    assert_eq!(
        error_reply(&err),
        json!({
            "status": "invalid event",
            "message": "Event object is invalid",
            "errors": ["payload.summary: required"]
        })
    );
    assert_eq!(ACCEPTED.as_u16(), 202);
    assert_eq!(INVALID.as_u16(), 400);
}

#[test]
fn what_pagerduty_refuses_we_refuse() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"not json".to_vec(), "body: not valid JSON"),
        (b"[]".to_vec(), "body: expected an object, found an array"),
        (
            trigger_with(|e| e["routing_key"] = Value::Null),
            "routing_key: required",
        ),
        (
            trigger_with(|e| e["routing_key"] = json!(42)),
            "routing_key: expected a string, found an integer",
        ),
        (
            trigger_with(|e| e["event_action"] = json!("explode")),
            "event_action: expected trigger, acknowledge or resolve, found `explode`",
        ),
        (
            trigger_with(|e| e["payload"]["summary"] = json!("  ")),
            "payload.summary: required",
        ),
        (
            trigger_with(|e| e["payload"]["summary"] = json!("s".repeat(1_025))),
            "payload.summary: is 1025 characters long; at most 1024 are allowed",
        ),
        (
            trigger_with(|e| {
                e["payload"].as_object_mut().unwrap().remove("source");
            }),
            "payload.source: required",
        ),
        (
            trigger_with(|e| e["payload"]["severity"] = json!("crit")),
            "payload.severity: expected critical, error, warning or info, found `crit`",
        ),
        (
            trigger_with(|e| e["payload"]["timestamp"] = json!("17/07/2015")),
            "payload.timestamp: `17/07/2015` is not an RFC 3339 timestamp",
        ),
        (
            trigger_with(|e| e["payload"] = json!("summary")),
            "payload: expected an object, found a string",
        ),
        (
            trigger_with(|e| e["links"][0]["href"] = json!("javascript:alert(1)")),
            "links[0].href: `javascript:alert(1)` is not an http or https URL",
        ),
        (
            trigger_with(|e| e["images"][0]["src"] = Value::Null),
            "images[0].src: required",
        ),
        (
            br#"{"routing_key": "k", "event_action": "resolve"}"#.to_vec(),
            "dedup_key: required to acknowledge or resolve",
        ),
        (
            br#"{"routing_key": "k", "event_action": "trigger"}"#.to_vec(),
            "payload: required",
        ),
    ];
    for (body, expected) in cases {
        let got = fails(&body);
        assert!(
            got.starts_with(expected),
            "{got} should start with {expected}"
        );
    }
}

#[test]
fn errors_never_echo_the_routing_key_or_long_values() {
    let body = trigger_with(|e| e["routing_key"] = json!("k".repeat(10_000)));
    let msg = fails(&body);
    assert_eq!(
        msg,
        "routing_key: is 10000 characters long; at most 256 are allowed"
    );
    let body = trigger_with(|e| e["payload"]["severity"] = json!("x".repeat(10_000)));
    assert!(fails(&body).len() < 140);
}

#[test]
fn deep_custom_details_are_an_error_not_a_crash() {
    let nested = format!(
        r#"{{"routing_key":"k","event_action":"trigger","payload":{{"summary":"s","source":"h","severity":"error","custom_details":{}1{}}}}}"#,
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    assert!(fails(nested.as_bytes()).starts_with("body: not valid JSON"));
    // Within serde_json's depth limit it is kept as sent.
    let fine = format!(
        r#"{{"routing_key":"k","event_action":"trigger","payload":{{"summary":"s","source":"h","severity":"error","custom_details":{}1{}}}}}"#,
        "[".repeat(100),
        "]".repeat(100)
    );
    let (alert, _) = one(&fine);
    assert!(alert.details()["custom_details"].is_array());
}

#[test]
fn long_dedup_keys_are_hashed_stably() {
    let key = "d".repeat(300);
    let body = trigger_with(|e| e["dedup_key"] = json!(key));
    let a = &parse(&body, Grouping::Alert).unwrap().alerts[0];
    let b = &parse(&body, Grouping::Alert).unwrap().alerts[0];
    assert!(a.dedup_key().starts_with("sha256:"));
    assert_eq!(a.dedup_key(), b.dedup_key());
}
