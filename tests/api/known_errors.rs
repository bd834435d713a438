//! Known errors in the knowledge base, through the API: a problem recorded as a known error is
//! suggested (workaround first) to a new incident like its linked incidents, searchable with a
//! `kind` filter and facet, and leaves the knowledge base when cancelled.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, TestApp};

const SUGGEST: &str = "query($id: ID!) { incident(id: $id) { suggestions(first: 5) { kind proposedFix reasons highlights { field } incident { number } problem { number workaround } } } }";
const SEARCH: &str = "query($q: String!, $f: ResolutionSearchFilter) { searchResolutions(query: $q, filter: $f) { totalCount facets { kind { value count } } edges { kind node { number } problem { number } } } }";

async fn report(app: &TestApp, token: &str, title: &str, description: &str) -> String {
    let data = app
        .ok(
            token,
            "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }",
            json!({ "input": { "title": title, "description": description, "service": "checkout" } }),
        )
        .await;
    data["reportIncident"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn poll<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

async fn suggestions(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    app.ok(token, SUGGEST, json!({ "id": id })).await["incident"]["suggestions"]
        .as_array()
        .expect("suggestions")
        .clone()
}

async fn search(app: &TestApp, token: &str, q: &str, filter: Value) -> Value {
    app.ok(token, SEARCH, json!({ "q": q, "f": filter })).await["searchResolutions"].clone()
}

async fn a_known_error_is_suggested_with_its_workaround_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.token("u:m", &["manager"]);
    let specialist = app.token("u:s", &["specialist"]);
    // An open incident, linked to a problem that becomes a known error.
    let first = report(
        &app,
        &manager,
        "Checkout pool exhaustion under flash sale load",
        "pgbouncer refuses connections; checkout requests time out",
    )
    .await;
    app.ok(
        &manager,
        "mutation($input: ReportProblemInput!) { reportProblem(input: $input) { number } }",
        json!({ "input": { "title": "Connection pool too small", "service": "checkout", "impact": "HIGH", "urgency": "HIGH" } }),
    )
    .await;
    app.ok(
        &manager,
        "mutation($input: LinkIncidentToProblemInput!) { linkIncidentToProblem(input: $input) { id } }",
        json!({ "input": { "incidentId": first, "problemId": "PRB-1" } }),
    )
    .await;
    // Not a known error yet: not in the knowledge base.
    let probe = report(
        &app,
        &manager,
        "Flash sale: pgbouncer pool exhaustion again",
        "checkout requests time out, pgbouncer refuses connections",
    )
    .await;
    assert_eq!(
        search(&app, &manager, "pgbouncer", Value::Null).await["totalCount"],
        0
    );
    app.ok(
        &specialist,
        "mutation($input: RecordKnownErrorInput!) { recordKnownError(input: $input) { status } }",
        json!({ "input": { "id": "PRB-1", "rootCause": "Pool sized for normal traffic", "workaround": "Raise default_pool_size to 80 and reload pgbouncer" } }),
    )
    .await;
    let found = poll(|| async {
        suggestions(&app, &manager, &probe)
            .await
            .iter()
            .any(|s| s["kind"] == "KNOWN_ERROR")
    })
    .await;
    assert!(found, "{:?}", suggestions(&app, &manager, &probe).await);
    let all = suggestions(&app, &manager, &probe).await;
    let known = all
        .iter()
        .find(|s| s["kind"] == "KNOWN_ERROR")
        .expect("known error");
    assert_eq!(known["problem"]["number"], "PRB-1");
    assert_eq!(known["incident"], Value::Null);
    assert_eq!(
        known["proposedFix"],
        "Raise default_pool_size to 80 and reload pgbouncer"
    );
    assert_eq!(
        all[0]["kind"], "KNOWN_ERROR",
        "the known error ranks first: {all:?}"
    );
    assert!(
        known["reasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .any(|r| r.as_str().is_some_and(|r| r.starts_with("known error"))),
        "{known:?}"
    );

    // Search finds it, filters and counts by kind.
    let r = search(&app, &manager, "pgbouncer", Value::Null).await;
    assert_eq!(r["totalCount"], 1);
    assert_eq!(r["edges"][0]["kind"], "KNOWN_ERROR");
    assert_eq!(r["edges"][0]["node"], Value::Null);
    assert_eq!(r["edges"][0]["problem"]["number"], "PRB-1");
    assert_eq!(
        r["facets"]["kind"],
        json!([{ "value": "KNOWN_ERROR", "count": 1 }])
    );
    let only_incidents = search(&app, &manager, "pgbouncer", json!({ "kind": "INCIDENT" })).await;
    assert_eq!(only_incidents["totalCount"], 0);

    // Cancelled: out of the knowledge base.
    app.ok(
        &manager,
        "mutation($input: CancelProblemInput!) { cancelProblem(input: $input) { status } }",
        json!({ "input": { "id": "PRB-1", "reason": "duplicate of another problem" } }),
    )
    .await;
    let gone = poll(|| async {
        search(&app, &manager, "pgbouncer", Value::Null).await["totalCount"] == 0
    })
    .await;
    assert!(gone, "a cancelled problem leaves the knowledge base");
}

async fn linking_an_incident_updates_the_known_error(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.token("u:m", &["manager"]);
    app.ok(
        &manager,
        "mutation($input: ReportProblemInput!) { reportProblem(input: $input) { number } }",
        json!({ "input": { "title": "Stale DNS cache", "service": "checkout", "impact": "LOW", "urgency": "LOW" } }),
    )
    .await;
    app.ok(
        &manager,
        "mutation($input: RecordKnownErrorInput!) { recordKnownError(input: $input) { status } }",
        json!({ "input": { "id": "PRB-1", "rootCause": "TTL ignored", "workaround": "Flush the resolver" } }),
    )
    .await;
    let incident = report(
        &app,
        &manager,
        "Kerberos tickets rejected",
        "zanzibar realm",
    )
    .await;
    app.ok(
        &manager,
        "mutation($input: LinkIncidentToProblemInput!) { linkIncidentToProblem(input: $input) { id } }",
        json!({ "input": { "incidentId": incident, "problemId": "PRB-1" } }),
    )
    .await;
    let linked =
        poll(|| async { search(&app, &manager, "zanzibar", Value::Null).await["totalCount"] == 1 })
            .await;
    assert!(linked, "the linked incident's words find the known error");
    app.ok(
        &manager,
        "mutation($input: UnlinkIncidentFromProblemInput!) { unlinkIncidentFromProblem(input: $input) { id } }",
        json!({ "input": { "incidentId": incident } }),
    )
    .await;
    let unlinked =
        poll(|| async { search(&app, &manager, "zanzibar", Value::Null).await["totalCount"] == 0 })
            .await;
    assert!(unlinked, "unlinking takes its words away");
}

on_both_databases!(
    a_known_error_is_suggested_with_its_workaround_first,
    linking_an_incident_updates_the_known_error,
);
