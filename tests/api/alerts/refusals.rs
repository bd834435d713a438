//! Every bad input from issue 17 gets a 4xx naming the problem and writes nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;
use crate::on_both_databases;
use crate::support::{Backend, TestApp};

/// What is wrong, the path, the key (as a bearer), the body, the status and a word the
/// answer must contain.
type Case = (
    &'static str,
    &'static str,
    Option<String>,
    Vec<u8>,
    StatusCode,
    &'static str,
);

async fn bad_input_is_refused_and_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, am) = integration(&app, "prom", "ALERTMANAGER", json!({})).await;
    let (_, ev) = integration(&app, "pd", "EVENTS_V2", json!({})).await;
    let good = alertmanager("firing", "x");
    let mut cases: Vec<Case> = vec![
        (
            "malformed JSON",
            "/alerts/alertmanager",
            Some(am.clone()),
            b"{\"alerts\": [".to_vec(),
            StatusCode::BAD_REQUEST,
            "JSON",
        ),
        (
            "invalid UTF-8",
            "/alerts/alertmanager",
            Some(am.clone()),
            b"{\"a\": \"\xff\xfe\"}".to_vec(),
            StatusCode::BAD_REQUEST,
            "UTF-8",
        ),
        (
            "wrong endpoint",
            "/alerts/grafana",
            Some(am.clone()),
            serde_json::to_vec(&good).unwrap(),
            StatusCode::BAD_REQUEST,
            "/alerts/alertmanager",
        ),
        (
            "missing key",
            "/alerts/alertmanager",
            None,
            serde_json::to_vec(&good).unwrap(),
            StatusCode::UNAUTHORIZED,
            "key",
        ),
        (
            "unknown key",
            "/alerts/alertmanager",
            Some("hsk_nope".into()),
            serde_json::to_vec(&good).unwrap(),
            StatusCode::UNAUTHORIZED,
            "key",
        ),
        (
            "2 MiB body",
            "/alerts/alertmanager",
            Some(am.clone()),
            vec![b' '; 2 * 1024 * 1024],
            StatusCode::PAYLOAD_TOO_LARGE,
            "body",
        ),
    ];
    let mut many = good.clone();
    many["alerts"] = Value::Array(
        (0..5_000)
            .map(|i| json!({"labels": {"alertname": "A"}, "fingerprint": i.to_string()}))
            .collect(),
    );
    let mut long = good.clone();
    long["alerts"][0]["labels"]["instance"] = json!("x".repeat(10_000));
    let mut no_labels = good.clone();
    no_labels["alerts"][0]["labels"] = json!({});
    let mut far_future = good.clone();
    far_future["alerts"][0]["startsAt"] = json!("3000-01-01T00:00:00Z");
    let mut not_date = good.clone();
    not_date["alerts"][0]["startsAt"] = json!("yesterday");
    let mut unknown_status = good.clone();
    unknown_status["alerts"][0]["status"] = json!("exploding");
    for (what, body, needle) in [
        ("5,000 alerts", many, "alerts"),
        ("10,000-character label", long, "labels"),
        ("startsAt not a date", not_date, "startsAt"),
        ("no labels", no_labels, "labels"),
        ("startsAt in the year 3000", far_future, "startsAt"),
        ("unknown status", unknown_status, "status"),
    ] {
        cases.push((
            what,
            "/alerts/alertmanager",
            Some(am.clone()),
            serde_json::to_vec(&body).unwrap(),
            StatusCode::BAD_REQUEST,
            needle,
        ));
    }
    let mut action = events_v2(&ev, "explode");
    cases.push((
        "unknown event_action",
        "/alerts/events/v2",
        None,
        serde_json::to_vec(&action).unwrap(),
        StatusCode::BAD_REQUEST,
        "event_action",
    ));
    action = events_v2(&ev, "trigger");
    action["payload"]["severity"] = json!("apocalyptic");
    cases.push((
        "unknown severity",
        "/alerts/events/v2",
        None,
        serde_json::to_vec(&action).unwrap(),
        StatusCode::BAD_REQUEST,
        "severity",
    ));

    let mut unknown_body = None;
    for (what, path, key, body, expected, needle) in cases {
        let (status, reply) = post_raw(&app, path, key.as_deref(), body).await;
        assert_eq!(status, expected, "{what}: {reply}");
        assert!(reply.to_string().contains(needle), "{what}: {reply}");
        if path.contains("events") {
            assert_eq!(reply["status"], "invalid event", "{what}: {reply}");
        }
        if status == StatusCode::UNAUTHORIZED {
            // Missing and unknown keys get the very same answer.
            match &unknown_body {
                None => unknown_body = Some(reply),
                Some(first) => assert_eq!(first, &reply, "{what}"),
            }
        }
    }
    let disable = "mutation($id: ID!) { disableIntegration(input: {id: $id}) { enabled } }";
    app.ok(&app.admin(), disable, json!({"id": id})).await;
    let (status, reply) = post(&app, "/alerts/alertmanager", Some(&am), &good).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{reply}");
    assert!(reply.to_string().contains("disabled"), "{reply}");
    assert_eq!(app.incident_count().await, 0);
    // Still serving.
    let (status, _) = post(&app, "/alerts/events/v2", None, &events_v2(&ev, "trigger")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

on_both_databases!(bad_input_is_refused_and_writes_nothing);
