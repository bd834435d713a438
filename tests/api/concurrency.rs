//! Concurrent writers: incident numbers stay unique and increasing, and two transitions of one
//! incident can never both succeed from the same state.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::json;

use crate::on_both_databases;
use crate::support::{Backend, TestApp, transition};

on_both_databases!(
    numbers_are_unique_under_concurrent_reports,
    one_transition_wins_a_race
);

async fn numbers_are_unique_under_concurrent_reports(backend: Backend) {
    let app = Arc::new(TestApp::spawn(backend).await);
    let token = app.token("u-1", &["viewer"]);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (app, token) = (app.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let data = app
                .ok(
                    &token,
                    "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { number createdAt } }",
                    json!({ "input": { "title": format!("concurrent {i}"), "service": "s" } }),
                )
                .await;
            let number = data["reportIncident"]["number"].as_str().expect("number").to_owned();
            number.trim_start_matches("INC-").parse::<i64>().expect("INC-n")
        }));
    }
    let mut numbers = BTreeSet::new();
    for task in tasks {
        assert!(
            numbers.insert(task.await.expect("task")),
            "duplicate number"
        );
    }
    assert_eq!(
        numbers,
        (1..=40).collect::<BTreeSet<_>>(),
        "no gaps, no duplicates"
    );
    // Newest first follows the numbers.
    let data = app
        .ok(
            &token,
            "{ incidents(first: 1) { edges { node { number } } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["incidents"]["edges"][0]["node"]["number"], "INC-40");
}

async fn one_transition_wins_a_race(backend: Backend) {
    let app = Arc::new(TestApp::spawn(backend).await);
    let token = app.token("lead", &["manager"]);
    let id = app.report(&token, "race").await;
    let (q, v) = transition("triage", &id);
    app.ok(&token, &q, v).await;

    // Without expectedVersion: the loser finds the incident already INVESTIGATING (or loses
    // the compare-and-set); either way exactly one succeeds.
    let (q, v) = transition("investigate", &id);
    let outcomes = race(&app, &token, &q, &v, 8).await;
    assert_eq!(
        outcomes.iter().filter(|o| o.is_none()).count(),
        1,
        "{outcomes:?}"
    );
    for code in outcomes.iter().flatten() {
        assert!(
            code == "BAD_USER_INPUT" || code == "CONFLICT",
            "{outcomes:?}"
        );
    }
    // With expectedVersion: one wins, the rest get CONFLICT.
    let (_, version) = app.state(&token, &id).await;
    let (q, mut v) = transition("triage", &id);
    v["input"]["expectedVersion"] = json!(version);
    let outcomes = race(&app, &token, &q, &v, 8).await;
    assert_eq!(
        outcomes.iter().filter(|o| o.is_none()).count(),
        1,
        "{outcomes:?}"
    );
    assert!(
        outcomes.iter().flatten().all(|c| c == "CONFLICT"),
        "{outcomes:?}"
    );
    // Exactly one event per successful transition.
    assert_eq!(app.timeline_len(&token, &id).await, 4);
    assert_eq!(app.state(&token, &id).await.1, version + 1);
}

/// Sends the same mutation `n` times at once; `None` for a success, else the error code.
async fn race(
    app: &Arc<TestApp>,
    token: &str,
    query: &str,
    vars: &serde_json::Value,
    n: usize,
) -> Vec<Option<String>> {
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (app, token, query, vars, barrier) = (
            app.clone(),
            token.to_owned(),
            query.to_owned(),
            vars.clone(),
            barrier.clone(),
        );
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let (_, body) = app.gql(&token, &query, vars).await;
            body["errors"][0]["extensions"]["code"]
                .as_str()
                .map(str::to_owned)
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("task"));
    }
    out
}
