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

const RATE: &str =
    "mutation($input: RateSuggestionInput!) { rateSuggestion(input: $input) { id } }";

fn rate_problem(incident: &str, problem: &str, helpful: bool) -> Value {
    json!({ "input": { "incidentId": incident, "suggestedProblemId": problem, "helpful": helpful } })
}

/// Rows of `table`, read directly: proof that a refused rating wrote nothing.
async fn rows_in(app: &TestApp, table: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let conn = app.services.db.conn();
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .expect("count")
        .expect("a row");
    row.try_get::<i64>("", "n").expect("n")
}

/// The position of the known error among the incident's suggestions, and its reasons.
async fn known_error_rank(app: &TestApp, token: &str, id: &str) -> Option<(usize, Value)> {
    suggestions(app, token, id)
        .await
        .into_iter()
        .enumerate()
        .find(|(_, s)| s["kind"] == "KNOWN_ERROR")
        .map(|(i, s)| (i, s["reasons"].clone()))
}

async fn drive_to_investigating(app: &TestApp, token: &str, id: &str) {
    app.ok(token, "mutation($id: ID!) { triageIncident(input: { id: $id, category: \"database\", impact: LOW, urgency: LOW }) { id } }", json!({ "id": id })).await;
    app.ok(
        token,
        "mutation($id: ID!) { startInvestigation(input: { id: $id }) { id } }",
        json!({ "id": id }),
    )
    .await;
}

/// A known error PRB-1 whose linked incident reads like the incidents of these tests, and a
/// resolved past incident that reads like them too.
async fn known_error_and_past_incident(app: &TestApp, manager: &str, specialist: &str) {
    let linked = report(
        app,
        manager,
        "Replica lag stalls order history",
        "postgres replica lag grows; order history pages time out",
    )
    .await;
    let past = report(
        app,
        manager,
        "Replica lag stalls order history",
        "postgres replica lag grows; order history pages time out",
    )
    .await;
    drive_to_investigating(app, manager, &past).await;
    app.ok(
        manager,
        "mutation($id: ID!) { resolveIncident(input: { id: $id, resolution: { summary: \"failed over\", fix: \"promote the standby\" } }) { id } }",
        json!({ "id": past }),
    )
    .await;
    app.ok(
        manager,
        "mutation($input: ReportProblemInput!) { reportProblem(input: $input) { number } }",
        json!({ "input": { "title": "Replica lag under vacuum", "service": "checkout", "impact": "HIGH", "urgency": "HIGH" } }),
    )
    .await;
    app.ok(
        manager,
        "mutation($input: LinkIncidentToProblemInput!) { linkIncidentToProblem(input: $input) { id } }",
        json!({ "input": { "incidentId": linked, "problemId": "PRB-1" } }),
    )
    .await;
    app.ok(
        specialist,
        "mutation($input: RecordKnownErrorInput!) { recordKnownError(input: $input) { status } }",
        json!({ "input": { "id": "PRB-1", "rootCause": "Autovacuum on the replica", "workaround": "Pause autovacuum on the replica" } }),
    )
    .await;
}

async fn rating_a_known_error_feeds_the_learning_loop(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.token("u:m", &["manager"]);
    let specialist = app.token("u:s", &["specialist"]);
    let admin = app.admin();
    known_error_and_past_incident(&app, &manager, &specialist).await;
    let probe = report(
        &app,
        &manager,
        "Order history times out: replica lag",
        "replica lag on postgres; order history pages time out",
    )
    .await;
    let both_in = poll(|| async { suggestions(&app, &manager, &probe).await.len() == 2 }).await;
    assert!(both_in, "{:?}", suggestions(&app, &manager, &probe).await);
    let (rank_before, reasons) = known_error_rank(&app, &manager, &probe)
        .await
        .expect("the known error is suggested");
    assert!(!reasons.to_string().contains("marked helpful"), "{reasons}");

    // Rated helpful, by number; the same rating again changes nothing.
    let events = app.timeline_len(&admin, &probe).await;
    app.ok(&specialist, RATE, rate_problem(&probe, "PRB-1", true))
        .await;
    app.ok(&specialist, RATE, rate_problem(&probe, "prb-1", true))
        .await;
    assert_eq!(rows_in(&app, "problem_suggestion_ratings").await, 1);
    assert_eq!(
        app.timeline_len(&admin, &probe).await,
        events + 1,
        "one event for one rating"
    );
    let data = app
        .ok(
            &admin,
            "query($id: ID!) { incident(id: $id) { timeline(first: 50) { edges { node { kind after } } } } }",
            json!({ "id": probe }),
        )
        .await;
    let rated: Vec<&Value> = data["incident"]["timeline"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"])
        .filter(|n| n["kind"] == "SUGGESTION_RATED")
        .collect();
    assert_eq!(rated.len(), 1, "{data}");
    let after: Value = match &rated[0]["after"] {
        Value::String(text) => serde_json::from_str(text).expect("json"),
        other => other.clone(),
    };
    assert_eq!(after["suggestedProblem"], "PRB-1", "{after}");
    assert_eq!(after["helpful"], true, "{after}");

    // The known error's document carries the rating: a later, similar incident sees it marked
    // helpful, ranked at least as high as before.
    let later = report(
        &app,
        &manager,
        "Replica lag again: order history times out",
        "order history pages time out while postgres replica lag grows",
    )
    .await;
    let counted = poll(|| async {
        known_error_rank(&app, &manager, &later)
            .await
            .is_some_and(|(_, r)| r.to_string().contains("marked helpful 1 time"))
    })
    .await;
    assert!(counted, "{:?}", suggestions(&app, &manager, &later).await);
    let (rank_after, _) = known_error_rank(&app, &manager, &later)
        .await
        .expect("still suggested");
    assert!(rank_after <= rank_before, "{rank_after} > {rank_before}");

    // Resolving the rated incident records what helped, and the statistics count it.
    drive_to_investigating(&app, &manager, &probe).await;
    let data = app
        .ok(
            &manager,
            "mutation($id: ID!) { resolveIncident(input: { id: $id, resolution: { summary: \"paused autovacuum\" } }) { resolution { resolvedWithTheHelpOf { number } resolvedWithTheHelpOfKnownErrors { number } } timeline(first: 50) { edges { node { kind after } } } } }",
            json!({ "id": probe }),
        )
        .await;
    let resolved = &data["resolveIncident"];
    assert_eq!(
        resolved["resolution"]["resolvedWithTheHelpOfKnownErrors"],
        json!([{ "number": "PRB-1" }])
    );
    assert_eq!(resolved["resolution"]["resolvedWithTheHelpOf"], json!([]));
    assert!(
        resolved["timeline"]
            .to_string()
            .contains("\"resolvedWithTheHelpOfKnownErrors\":[\"PRB-1\"]"),
        "{resolved}"
    );
    let from = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let to = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let data = app
        .ok(&admin, "query($from: DateTime!, $to: DateTime!) { knowledgeStats(from: $from, to: $to) { resolvedWithHelp { count } resolvedWithoutHelp { count } } }", json!({ "from": from, "to": to }))
        .await;
    assert_eq!(
        data["knowledgeStats"]["resolvedWithHelp"]["count"], 1,
        "{data}"
    );
    assert_eq!(
        data["knowledgeStats"]["resolvedWithoutHelp"]["count"], 1,
        "{data}"
    );
}

async fn bad_known_error_ratings_are_refused_and_write_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.token("u:m", &["manager"]);
    let specialist = app.token("u:s", &["specialist"]);
    let viewer = app.token("u:v", &["viewer"]);
    let admin = app.admin();
    known_error_and_past_incident(&app, &manager, &specialist).await;
    app.ok(
        &manager,
        "mutation($input: ReportProblemInput!) { reportProblem(input: $input) { number } }",
        json!({ "input": { "title": "Not understood yet", "service": "checkout", "impact": "LOW", "urgency": "LOW" } }),
    )
    .await;
    let probe = report(&app, &manager, "Replica lag", "order history").await;
    let past_number = app
        .ok(
            &admin,
            "{ incidents(first: 10) { edges { node { number status } } } }",
            json!({}),
        )
        .await["incidents"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| e["node"]["status"] == "RESOLVED")
        .expect("the resolved past incident")["node"]["number"]
        .as_str()
        .expect("number")
        .to_owned();
    let events = app.timeline_len(&admin, &probe).await;
    let changes = rows_in(&app, "index_changes").await;

    let cases = [
        (
            json!({ "incidentId": probe, "suggestedIncidentId": past_number, "suggestedProblemId": "PRB-1", "helpful": true }),
            "BAD_USER_INPUT",
            "suggestedProblemId",
        ),
        (
            json!({ "incidentId": probe, "helpful": true }),
            "BAD_USER_INPUT",
            "suggestedIncidentId",
        ),
        (
            json!({ "incidentId": probe, "suggestedProblemId": "PRB-99", "helpful": true }),
            "NOT_FOUND",
            "suggestedProblemId",
        ),
        (
            json!({ "incidentId": probe, "suggestedProblemId": uuid::Uuid::new_v4().to_string(), "helpful": true }),
            "NOT_FOUND",
            "suggestedProblemId",
        ),
        (
            json!({ "incidentId": probe, "suggestedProblemId": "PRB-x", "helpful": true }),
            "BAD_USER_INPUT",
            "suggestedProblemId",
        ),
        (
            // PRB-2 is NEW: not in the knowledge base.
            json!({ "incidentId": probe, "suggestedProblemId": "PRB-2", "helpful": true }),
            "BAD_USER_INPUT",
            "suggestedProblemId",
        ),
    ];
    for (input, code, field) in cases {
        let (got, message) = app
            .error_code(&specialist, RATE, json!({ "input": input }))
            .await;
        assert_eq!(got, code, "{input}: {message}");
        assert!(message.contains(field), "{input}: {message}");
    }
    // Rights as for incident ratings: a viewer may not rate.
    let (got, _) = app
        .error_code(&viewer, RATE, rate_problem(&probe, "PRB-1", true))
        .await;
    assert_eq!(got, "FORBIDDEN");

    assert_eq!(rows_in(&app, "problem_suggestion_ratings").await, 0);
    assert_eq!(rows_in(&app, "suggestion_ratings").await, 0);
    assert_eq!(rows_in(&app, "index_changes").await, changes);
    assert_eq!(app.timeline_len(&admin, &probe).await, events);
}

async fn resolving_a_linked_incident_refreshes_its_known_error(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.token("u:m", &["manager"]);
    let specialist = app.token("u:s", &["specialist"]);
    app.ok(
        &manager,
        "mutation($input: ReportProblemInput!) { reportProblem(input: $input) { number } }",
        json!({ "input": { "title": "Stale DNS cache", "service": "checkout", "impact": "LOW", "urgency": "LOW" } }),
    )
    .await;
    app.ok(
        &specialist,
        "mutation($input: RecordKnownErrorInput!) { recordKnownError(input: $input) { status } }",
        json!({ "input": { "id": "PRB-1", "rootCause": "TTL ignored", "workaround": "Flush the resolver" } }),
    )
    .await;
    let incident = report(&app, &manager, "Kerberos tickets rejected", "realm").await;
    app.ok(
        &manager,
        "mutation($input: LinkIncidentToProblemInput!) { linkIncidentToProblem(input: $input) { id } }",
        json!({ "input": { "incidentId": incident, "problemId": "PRB-1" } }),
    )
    .await;
    // The resolution's words come to the known error once the linked incident is resolved...
    drive_to_investigating(&app, &manager, &incident).await;
    app.ok(
        &manager,
        "mutation($id: ID!) { resolveIncident(input: { id: $id, resolution: { summary: \"rotated the quixotic keytab\" } }) { id } }",
        json!({ "id": incident }),
    )
    .await;
    let found = poll(|| async {
        search(&app, &manager, "quixotic", json!({ "kind": "KNOWN_ERROR" })).await["totalCount"]
            == 1
    })
    .await;
    assert!(
        found,
        "the linked incident's resolution finds the known error"
    );
    // ... and leave it when the incident is reopened.
    app.ok(
        &manager,
        "mutation($id: ID!) { reopenIncident(input: { id: $id, reason: \"came back\" }) { id } }",
        json!({ "id": incident }),
    )
    .await;
    let gone = poll(|| async {
        search(&app, &manager, "quixotic", json!({ "kind": "KNOWN_ERROR" })).await["totalCount"]
            == 0
    })
    .await;
    assert!(gone, "a reopened incident's resolution no longer finds it");
}

on_both_databases!(
    a_known_error_is_suggested_with_its_workaround_first,
    linking_an_incident_updates_the_known_error,
    rating_a_known_error_feeds_the_learning_loop,
    bad_known_error_ratings_are_refused_and_write_nothing,
    resolving_a_linked_incident_refreshes_its_known_error,
);
