//! Alert intake through the real endpoints: integrations managed over GraphQL (`management`),
//! each tool's documented payload opening the expected incident, dedup (also under parallel
//! senders and on two nodes), resolve and reopen (`intake`), keys in the path, the header and
//! the body, rotation (`keys`), every bad input refused without a write (`refusals`),
//! senders over their rate told when to come back (`throttle`), and a real Alertmanager
//! sending through the README's receiver (`real_alertmanager`).
//! This file holds the shared helpers and the documented payloads.

mod intake;
mod keys;
mod management;
mod real_alertmanager;
mod refusals;
mod throttle;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::TestApp;

pub const CREATE: &str = "mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { key integration { id name format endpoint service category grouping autoResolve enabled version severityMap { severity impact urgency } } } }";

pub const INCIDENTS: &str = "{ incidents(first: 10) { totalCount nodes { id number title description service category source status priority reporter { id } alerts(first: 5) { totalCount nodes { integrationName dedupKey state count labels { name value } links { href } previousIncidentId } } timeline(first: 20) { nodes { kind } } } } }";

/// Creates an integration; returns (id, key).
pub async fn integration(
    app: &TestApp,
    name: &str,
    format: &str,
    extra: Value,
) -> (String, String) {
    let mut input = json!({"name": name, "format": format, "service": "checkout"});
    if let Value::Object(more) = extra {
        for (k, v) in more {
            input[k] = v;
        }
    }
    let data = app
        .ok(&app.admin(), CREATE, json!({ "input": input }))
        .await;
    let created = &data["createIntegration"];
    (
        created["integration"]["id"].as_str().unwrap().to_owned(),
        created["key"].as_str().unwrap().to_owned(),
    )
}

/// POSTs `body` (bytes) to `path`, with `key` as a bearer token if given.
pub async fn post_raw(
    app: &TestApp,
    path: &str,
    key: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut req = app
        .client
        .post(format!("{}{path}", app.url))
        .header("content-type", "application/json")
        .body(body);
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

pub async fn post(
    app: &TestApp,
    path: &str,
    key: Option<&str>,
    body: &Value,
) -> (StatusCode, Value) {
    post_raw(app, path, key, serde_json::to_vec(body).unwrap()).await
}

/// The incidents, each with `alerts` as the list of its connection's nodes (after checking
/// that `totalCount` says as many).
pub async fn incidents(app: &TestApp) -> Vec<Value> {
    let data = app.ok(&app.admin(), INCIDENTS, json!({})).await;
    let mut list = data["incidents"]["nodes"].as_array().unwrap().clone();
    for incident in &mut list {
        let alerts = incident["alerts"]["nodes"].clone();
        let count = alerts.as_array().map_or(0, Vec::len) as u64;
        assert_eq!(incident["alerts"]["totalCount"], count, "{incident}");
        incident["alerts"] = alerts;
    }
    list
}

pub fn kinds(incident: &Value) -> Vec<String> {
    incident["timeline"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// Alertmanager's webhook as its documentation describes it (a blackbox probe failure).
pub fn alertmanager(status: &str, fingerprint: &str) -> Value {
    json!({
        "version": "4",
        "groupKey": "{}/{severity=\"critical\"}:{alertname=\"ProbeFailure\"}",
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "hindsight",
        "groupLabels": {"alertname": "ProbeFailure"},
        "commonLabels": {"alertname": "ProbeFailure", "instance": "https://server.example.org", "job": "http_checks", "severity": "critical"},
        "commonAnnotations": {"summary": "BlackBox Probe Failure: https://server.example.org"},
        "externalURL": "http://prometheus.example.org:9093",
        "alerts": [{
            "status": status,
            "labels": {"alertname": "ProbeFailure", "instance": "https://server.example.org", "job": "http_checks", "severity": "critical"},
            "annotations": {
                "description": "Instance https://server.example.org has been down for over 5m. Job: http_checks",
                "summary": "BlackBox Probe Failure: https://server.example.org"
            },
            "startsAt": "2023-02-06T13:08:45.828Z",
            "endsAt": if status == "resolved" { "2023-02-06T13:18:45.828Z" } else { "0001-01-01T00:00:00Z" },
            "generatorURL": "http://prometheus.example.org:9090/graph?g0.expr=probe_success+%3D%3D+0&g0.tab=1",
            "fingerprint": fingerprint
        }]
    })
}

/// The example body of Grafana's webhook contact point documentation (two alerts).
pub fn grafana() -> Value {
    let alert = |name: &str, zone: &str, fp: &str| {
        json!({
            "status": "firing",
            "labels": {"alertname": name, "team": "blue", "zone": zone},
            "annotations": {
                "description": "The system has high memory usage",
                "runbook_url": "https://myrunbook.com/runbook/1234",
                "summary": format!("This alert was triggered for zone {zone}")
            },
            "startsAt": "2021-10-12T09:51:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://play.grafana.org/alerting/1afz29v7z/edit",
            "fingerprint": fp,
            "silenceURL": "https://play.grafana.org/alerting/silence/new",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 44.23943737541908, "C": 1}
        })
    };
    json!({
        "receiver": "My Super Webhook",
        "status": "firing",
        "orgId": 1,
        "alerts": [alert("High memory usage", "us-1", "c6eadffa33fcdf37"), alert("High CPU usage", "eu-1", "bc97ff14869b13e3")],
        "groupLabels": {},
        "commonLabels": {"team": "blue"},
        "commonAnnotations": {},
        "externalURL": "https://play.grafana.org/",
        "version": "1",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
        "title": "[FIRING:2]  (blue)",
        "state": "alerting",
        "message": "**Firing**"
    })
}

/// PagerDuty's documented trigger example, with our key as its routing key.
pub fn events_v2(key: &str, action: &str) -> Value {
    json!({
        "payload": {
            "summary": "Example alert on host1.example.com",
            "timestamp": "2015-07-17T08:42:58.315+0000",
            "source": "monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003",
            "severity": "info",
            "component": "postgres",
            "group": "prod-datapipe",
            "class": "deploy",
            "custom_details": {"ping time": "1500ms", "load avg": 0.75}
        },
        "routing_key": key,
        "dedup_key": "samplekeyhere",
        "links": [{"href": "https://example.com/", "text": "Link text"}],
        "event_action": action,
        "client": "Sample Monitoring Service",
        "client_url": "https://monitoring.example.com"
    })
}
