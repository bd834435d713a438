//! Post-incident reviews through the API: a review pre-filled from the timeline and the
//! resolution, edited with versions, published, and the close rule it satisfies; action
//! items and the list of late ones; the Markdown export over GET; published reviews in the
//! knowledge base; who may do what; and every bad input refused without writing anything. This file holds the shared helpers.

mod action_items;
mod export;
mod knowledge;
mod lifecycle;
mod refusals;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, transition};

pub(super) const REVIEW: &str = "id status version owner { id } participants { id } summary customerImpact whatHappened rootCause contributingFactors wentWell wentBadly lessons publishedAt actionItems { id title status }";
pub(super) const ITEM: &str =
    "id title status reason dueDate kind overdue version owner { id } problem { number }";

pub(super) fn mutation(name: &str, input_type: &str, fields: &str) -> String {
    format!("mutation($input: {input_type}!) {{ {name}(input: $input) {{ {fields} }} }}")
}

pub(super) async fn start(app: &TestApp, token: &str, incident: &str) -> Value {
    app.ok(
        token,
        &mutation("startReview", "StartReviewInput", REVIEW),
        json!({ "input": { "incidentId": incident } }),
    )
    .await["startReview"]
        .clone()
}

pub(super) async fn try_start(app: &TestApp, token: &str, input: Value) -> (String, String) {
    app.error_code(
        token,
        &mutation("startReview", "StartReviewInput", "id"),
        json!({ "input": input }),
    )
    .await
}

pub(super) async fn update(app: &TestApp, token: &str, input: Value) -> Value {
    app.ok(
        token,
        &mutation("updateReview", "UpdateReviewInput", REVIEW),
        json!({ "input": input }),
    )
    .await["updateReview"]
        .clone()
}

pub(super) async fn move_review(app: &TestApp, token: &str, name: &str, id: &Value) -> Value {
    app.ok(
        token,
        &mutation(name, "ReviewChangeInput", REVIEW),
        json!({ "input": { "id": id } }),
    )
    .await[name]
        .clone()
}

pub(super) async fn add_item(app: &TestApp, token: &str, input: Value) -> Value {
    app.ok(
        token,
        &mutation("addActionItem", "AddActionItemInput", ITEM),
        json!({ "input": input }),
    )
    .await["addActionItem"]
        .clone()
}

pub(super) async fn update_item(app: &TestApp, token: &str, input: Value) -> (StatusCode, Value) {
    app.gql(
        token,
        &mutation("updateActionItem", "UpdateActionItemInput", ITEM),
        json!({ "input": input }),
    )
    .await
}

pub(super) fn code_of(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<no error>")
}

pub(super) async fn close(app: &TestApp, token: &str, id: &str) -> (StatusCode, Value) {
    let (q, v) = transition("close", id);
    app.gql(token, &q, v).await
}

pub(super) async fn kinds(app: &TestApp, id: &str) -> Vec<String> {
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { incident(id: $id) { timeline(first: 100) { edges { node { kind } } } } }",
            json!({ "id": id }),
        )
        .await;
    data["incident"]["timeline"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["kind"].as_str().expect("kind").to_owned())
        .collect()
}

pub(super) fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

pub(super) fn in_days(days: i64) -> String {
    (today() + chrono::Days::new(days as u64)).to_string()
}

/// A P1 incident (the test harness triages HIGH/HIGH), resolved, reported by `reporter`.
pub(super) async fn resolved_p1(app: &TestApp, reporter: &str) -> String {
    app.incident_in(reporter, "RESOLVED").await
}

pub(super) async fn get_markdown(
    app: &TestApp,
    token: Option<&str>,
    path: &str,
) -> reqwest::Response {
    let mut req = app.client.get(format!("{}/reviews/{path}", app.url));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.expect("request")
}
