//! Published reviews in the knowledge base: a review's lessons make its incident findable by
//! `searchResolutions` and suggested for a later incident like them, with `reviewAvailable`,
//! the review itself and a reason; a review that is not published adds nothing, even to an
//! index rebuilt from the database.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::*;
use crate::on_both_databases;
use crate::support::{Backend, TestApp};

const LESSONS: &str = "Our xenolith failover runbook skipped the quiesce step: always drain \
                       writes before a replica is promoted.";
const SEARCH: &str = "query($q: String!) { searchResolutions(query: $q) { edges { node { number } reviewAvailable review { id status } highlights { field fragment } } } }";
const SUGGEST: &str = "query($id: ID!) { incident(id: $id) { suggestions(first: 5) { incident { number } reviewAvailable review { id status } reasons } } }";

/// How long the index is given to catch up on a loaded machine.
const SETTLED: Duration = Duration::from_secs(10);

async fn search(app: &TestApp, token: &str, q: &str) -> Vec<Value> {
    app.ok(token, SEARCH, json!({ "q": q })).await["searchResolutions"]["edges"]
        .as_array()
        .expect("edges")
        .clone()
}

async fn numbers(app: &TestApp, token: &str, q: &str) -> Vec<String> {
    search(app, token, q)
        .await
        .iter()
        .map(|e| e["node"]["number"].as_str().expect("number").to_owned())
        .collect()
}

async fn suggestions(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    app.ok(token, SUGGEST, json!({ "id": id })).await["incident"]["suggestions"]
        .as_array()
        .expect("suggestions")
        .clone()
}

/// Waits (bounded) until searching `q` finds exactly `expected`.
async fn search_finds(app: &TestApp, token: &str, q: &str, expected: &[&str]) {
    let started = Instant::now();
    loop {
        let got = numbers(app, token, q).await;
        if got == expected {
            return;
        }
        assert!(
            started.elapsed() < SETTLED,
            "`{q}` found {got:?}, not {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

on_both_databases!(
    a_published_review_enters_the_knowledge_base,
    suggestions_load_their_reviews_in_one_statement,
);

/// Reports an incident in the lessons' words, in another service than the harness's.
async fn report_like_the_lessons(app: &TestApp, token: &str) -> String {
    let data = app
        .ok(
            token,
            "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }",
            json!({ "input": {
                "title": "Replica promoted too early on the xenolith cluster",
                "description": "The failover skipped the quiesce step; writes were not drained.",
                "service": "storage",
            } }),
        )
        .await;
    data["reportIncident"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// Starts, fills in (lessons) and publishes the review of `incident` (a number).
async fn publish_with_lessons(app: &TestApp, token: &str, incident: &str) -> Value {
    let review = start(app, token, incident).await;
    let review = update(
        app,
        token,
        json!({ "id": review["id"], "expectedVersion": review["version"], "lessons": LESSONS }),
    )
    .await;
    move_review(app, token, "submitReview", &review["id"]).await;
    move_review(app, token, "publishReview", &review["id"]).await
}

async fn a_published_review_enters_the_knowledge_base(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.sign_in("u:m", &["manager"]).await;
    let first = resolved_p1(&app, &manager).await;
    search_finds(&app, &manager, "restarted pool", &["INC-1"]).await;

    // A later incident in other words than INC-1's own, but like the lessons to come.
    let later = report_like_the_lessons(&app, &manager).await;

    let review = start(&app, &manager, "INC-1").await;
    let review = update(
        &app,
        &manager,
        json!({ "id": review["id"], "expectedVersion": review["version"], "lessons": LESSONS }),
    )
    .await;
    assert_eq!(review["lessons"], LESSONS);
    let review = move_review(&app, &manager, "submitReview", &review["id"]).await;
    assert_eq!(review["status"], "IN_REVIEW");

    // Not published: an index rebuilt from the database now (a fresh data folder) holds
    // INC-1 without the review's words.
    let app = app.restart(|_| {}).await;
    let manager = app.sign_in("u:m", &["manager"]).await;
    search_finds(&app, &manager, "restarted pool", &["INC-1"]).await;
    assert!(numbers(&app, &manager, "xenolith").await.is_empty());
    let edge = &search(&app, &manager, "restarted pool").await[0];
    assert_eq!(edge["reviewAvailable"], false, "{edge}");
    assert_eq!(edge["review"], Value::Null, "{edge}");
    let before = suggestions(&app, &manager, &later).await;
    assert!(
        !before.iter().any(|s| s["incident"]["number"] == "INC-1"),
        "{before:#?}"
    );

    let published = move_review(&app, &manager, "publishReview", &review["id"]).await;
    assert_eq!(published["status"], "PUBLISHED");

    // A word only the lessons hold finds the incident, highlighted in the review.
    search_finds(&app, &manager, "xenolith", &["INC-1"]).await;
    let edge = &search(&app, &manager, "xenolith").await[0];
    assert_eq!(edge["reviewAvailable"], true, "{edge}");
    assert_eq!(edge["review"]["id"], review["id"], "{edge}");
    assert_eq!(edge["review"]["status"], "PUBLISHED", "{edge}");
    let highlight = edge["highlights"]
        .as_array()
        .expect("highlights")
        .iter()
        .find(|h| h["field"] == "REVIEW")
        .unwrap_or_else(|| panic!("a REVIEW highlight in {edge}"));
    assert!(
        highlight["fragment"]
            .as_str()
            .is_some_and(|f| f.contains("<mark>xenolith</mark>")),
        "{highlight}"
    );

    // The later incident like the lessons is now offered INC-1, review and all.
    let got = suggestions(&app, &manager, &later).await;
    let suggestion = got
        .iter()
        .find(|s| s["incident"]["number"] == "INC-1")
        .unwrap_or_else(|| panic!("INC-1 among {got:#?}"));
    assert_eq!(suggestion["reviewAvailable"], true, "{suggestion}");
    assert_eq!(suggestion["review"]["id"], review["id"], "{suggestion}");
    let reasons: Vec<&str> = suggestion["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let reason = reasons
        .iter()
        .find(|r| r.starts_with("review available: lessons match \""))
        .unwrap_or_else(|| panic!("a review reason in {reasons:?}"));
    // The words named are the review's (those of its best fragment), not INC-1's own.
    let words = reason
        .trim_start_matches("review available: lessons match \"")
        .trim_end_matches('"');
    for word in words.split(", ") {
        assert!(
            LESSONS.to_lowercase().contains(&word.to_lowercase()),
            "{word} of {reason}"
        );
    }
    assert!(!words.is_empty(), "{reason}");

    // The start-up rebuild includes the published review too.
    let app = app.restart(|_| {}).await;
    let manager = app.sign_in("u:m", &["manager"]).await;
    search_finds(&app, &manager, "xenolith", &["INC-1"]).await;
    assert_eq!(app.state(&manager, &first).await.0, "RESOLVED");
}

/// `reviewAvailable`, `review` and the review reason of a list of suggestions cost one
/// statement together, whatever the number of suggestions.
async fn suggestions_load_their_reviews_in_one_statement(backend: Backend) {
    // No index polling: its statements would be counted with the query's.
    let app = TestApp::spawn_with(backend, |s| s.knowledge.poll_interval_ms = 3_600_000).await;
    let manager = app.sign_in("u:m", &["manager"]).await;
    for _ in 0..3 {
        let id = resolved_p1(&app, &manager).await;
        let number = app
            .ok(
                &manager,
                "query($id: ID!) { incident(id: $id) { number } }",
                json!({ "id": id }),
            )
            .await["incident"]["number"]
            .as_str()
            .expect("number")
            .to_owned();
        publish_with_lessons(&app, &manager, &number).await;
    }
    let probe = report_like_the_lessons(&app, &manager).await;
    let started = Instant::now();
    loop {
        let got = suggestions(&app, &manager, &probe).await;
        if got.len() == 3 && got.iter().all(|s| s["reviewAvailable"] == true) {
            break;
        }
        assert!(started.elapsed() < SETTLED, "{got:#?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let statements = |query: &'static str| {
        let app = &app;
        let manager = &manager;
        let probe = &probe;
        async move {
            let before = app.services.db.statements_executed();
            let data = app.ok(manager, query, json!({ "id": probe })).await;
            (app.services.db.statements_executed() - before, data)
        }
    };
    let (plain, _) = statements(
        "query($id: ID!) { incident(id: $id) { suggestions(first: 5) { incident { number } } } }",
    )
    .await;
    let (with_reviews, data) = statements(SUGGEST).await;
    let got = data["incident"]["suggestions"]
        .as_array()
        .expect("suggestions");
    assert_eq!(got.len(), 3, "{data}");
    assert!(
        got.iter().all(|s| s["review"]["status"] == "PUBLISHED"),
        "{data}"
    );
    assert_eq!(
        with_reviews,
        plain + 1,
        "one statement for every suggestion's review"
    );
}
