//! The incident lifecycle through the API: every transition, the data each requires, the
//! timestamps it stamps and the timeline it appends to.

use serde_json::json;

use crate::on_both_databases;
use crate::support::{Backend, TestApp, reviews_not_required, transition};

on_both_databases!(full_lifecycle_stamps_timestamps_and_timeline);

async fn full_lifecycle_stamps_timestamps_and_timeline(backend: Backend) {
    let app = TestApp::spawn_with(backend, reviews_not_required).await;
    let reporter = app.token("rep", &["viewer"]);
    let manager = app.token("boss", &["manager"]);
    let id = app.report(&reporter, "Checkout returns 500").await;
    for action in ["triage", "investigate", "mitigate", "resolve"] {
        let (q, v) = transition(action, &id);
        app.ok(&manager, &q, v).await;
    }
    // The reporter confirms the fix held.
    let (q, v) = transition("close", &id);
    let data = app.ok(&reporter, &q, v).await;
    assert_eq!(data["closeIncident"]["status"], "CLOSED");
    assert_eq!(data["closeIncident"]["version"], 6);

    let data = app
        .ok(
            &reporter,
            "query($id: ID!) { incident(id: $id) { number priority triagedAt investigatingAt mitigatedAt resolvedAt closedAt cancelledAt resolution { summary rootCause fix } timeline { totalCount edges { node { kind actor { id } } } } } }",
            json!({ "id": id }),
        )
        .await;
    let incident = &data["incident"];
    assert_eq!(incident["priority"], "P1");
    for stamp in [
        "triagedAt",
        "investigatingAt",
        "mitigatedAt",
        "resolvedAt",
        "closedAt",
    ] {
        let value = incident[stamp]
            .as_str()
            .unwrap_or_else(|| panic!("{stamp} missing: {incident}"));
        assert!(
            chrono::DateTime::parse_from_rfc3339(value).is_ok(),
            "{stamp}: {value}"
        );
        assert!(
            value.ends_with('Z') || value.ends_with("+00:00"),
            "{stamp} is UTC: {value}"
        );
    }
    assert!(incident["cancelledAt"].is_null());
    assert_eq!(incident["resolution"]["summary"], "restarted the pool");
    let kinds: Vec<&str> = incident["timeline"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        [
            "REPORTED",
            "TRIAGED",
            "INVESTIGATION_STARTED",
            "MITIGATED",
            "RESOLVED",
            "CLOSED"
        ]
    );
    assert_eq!(incident["timeline"]["totalCount"], 6);
    let number = incident["number"].as_str().expect("number");
    let by_number = app
        .ok(
            &reporter,
            "query($id: ID!) { incident(id: $id) { id } }",
            json!({ "id": number }),
        )
        .await;
    assert_eq!(by_number["incident"]["id"], id.as_str());
}
