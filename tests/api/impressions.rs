//! `timesShown` counts a suggestion once per incident and viewer: a console that refetches
//! `suggestions` does not inflate it, a second responder seeing the same suggestion does count.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, TestApp};

const REPORT: &str =
    "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }";
const SUGGEST: &str =
    "query($id: ID!) { incident(id: $id) { suggestions(first: 5) { incident { id } } } }";
const STATS: &str = "query($from: DateTime!, $to: DateTime!) { knowledgeStats(from: $from, to: $to) { suggestionsShown timesShown } }";

async fn report(app: &TestApp, token: &str, title: &str) -> String {
    let data = app
        .ok(
            token,
            REPORT,
            json!({ "input": { "title": title, "description": "cache misses spike", "service": "catalog" } }),
        )
        .await;
    data["reportIncident"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn resolve(app: &TestApp, token: &str, id: &str) {
    for (q, v) in [
        (
            "mutation($id: ID!) { triageIncident(input: { id: $id, category: \"cache\", impact: LOW, urgency: LOW }) { id } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { startInvestigation(input: { id: $id }) { id } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { resolveIncident(input: { id: $id, resolution: { summary: \"Raised maxmemory\" } }) { id } }",
            json!({ "id": id }),
        ),
    ] {
        app.ok(token, q, v).await;
    }
}

async fn shown(app: &TestApp, token: &str, id: &str) -> usize {
    let data = app.ok(token, SUGGEST, json!({ "id": id })).await;
    data["incident"]["suggestions"]
        .as_array()
        .expect("suggestions")
        .len()
}

async fn stats(app: &TestApp, token: &str) -> Value {
    let from = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let to = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    app.ok(token, STATS, json!({ "from": from, "to": to }))
        .await["knowledgeStats"]
        .clone()
}

on_both_databases!(a_refetching_console_does_not_inflate_times_shown);

async fn a_refetching_console_does_not_inflate_times_shown(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let lead = app.admin();
    let specialist = app.token("spec-1", &["specialist"]);
    for title in ["Redis cache eviction storm", "Redis eviction storm again"] {
        let id = report(&app, &lead, title).await;
        resolve(&app, &lead, &id).await;
    }
    let new = report(&app, &lead, "Redis cache eviction storm on catalog").await;
    let started = Instant::now();
    while shown(&app, &lead, &new).await < 2 {
        assert!(started.elapsed() < Duration::from_secs(20), "never indexed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The console refetches: the same two suggestions to the same viewer.
    for _ in 0..4 {
        assert_eq!(shown(&app, &lead, &new).await, 2);
    }
    assert_eq!(
        stats(&app, &lead).await,
        json!({ "suggestionsShown": 2, "timesShown": 2 })
    );
    // Another responder sees them: each counts once more.
    for _ in 0..3 {
        assert_eq!(shown(&app, &specialist, &new).await, 2);
    }
    assert_eq!(
        stats(&app, &lead).await,
        json!({ "suggestionsShown": 2, "timesShown": 4 })
    );
}
