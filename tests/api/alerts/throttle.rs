//! An integration over its rate is answered 429 with `Retry-After` (PagerDuty's shape on the
//! Events v2 endpoint), writes nothing, and does not slow the other integrations down.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;
use crate::on_both_databases;
use crate::support::{Backend, TestApp};

/// POSTs `body` with `key` as a bearer; the status, `Retry-After` and the body.
async fn send(
    app: &TestApp,
    path: &str,
    key: &str,
    body: &Value,
) -> (StatusCode, Option<String>, Value) {
    let res = app
        .client
        .post(format!("{}{path}", app.url))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .expect("request");
    let status = res.status();
    let retry = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().expect("ascii").to_owned());
    (status, retry, res.json().await.unwrap_or(Value::Null))
}

fn generic(key: &str) -> Value {
    json!({"title": "Disk full", "dedupKey": key, "severity": "warning"})
}

async fn a_sender_over_its_rate_is_told_when_to_come_back(backend: Backend) {
    // One alert a second, two at once (the server refuses a burst below 1,000 at start;
    // tests set the fields directly).
    let app = TestApp::spawn_with(backend, |s| {
        s.alerts.rate_per_second = 1;
        s.alerts.burst = 2;
    })
    .await;
    let (_, noisy) = integration(&app, "noisy", "GENERIC", json!({})).await;
    let (_, quiet) = integration(&app, "quiet", "GENERIC", json!({})).await;
    for n in 0..2 {
        let (status, _, body) =
            send(&app, "/alerts/generic", &noisy, &generic(&format!("k{n}"))).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let (status, retry, body) = send(&app, "/alerts/generic", &noisy, &generic("k2")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(retry.as_deref(), Some("1"));
    let message = body["message"].as_str().expect("message");
    assert!(
        message.contains("`noisy`") && message.contains("1 a second"),
        "{message}"
    );
    // Nothing was written for it: two incidents, not three.
    assert_eq!(incidents(&app).await.len(), 2);

    // Another integration has a bucket of its own.
    let (status, _, body) = send(&app, "/alerts/generic", &quiet, &generic("q")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    // Coming back when told works.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let (status, _, body) = send(&app, "/alerts/generic", &noisy, &generic("k2")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(incidents(&app).await.len(), 4);

    // Events v2 senders get PagerDuty's answer.
    let (_, ev) = integration(&app, "pd", "EVENTS_V2", json!({})).await;
    for _ in 0..2 {
        send(&app, "/alerts/events/v2", &ev, &events_v2(&ev, "trigger")).await;
    }
    let (status, retry, body) =
        send(&app, "/alerts/events/v2", &ev, &events_v2(&ev, "trigger")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(retry.is_some());
    assert_eq!(body["status"], "throttle event");
}

on_both_databases!(a_sender_over_its_rate_is_told_when_to_come_back);
