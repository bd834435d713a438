//! Error answers are part of the contract: the whole JSON body of each error code, as a
//! client receives it over HTTP, is snapshotted (`tests/api/snapshots/`), so a change in
//! wording or shape shows in review. Both databases must give the same bodies.
//!
//! A deliberate change: run the tests with `INSTA_UPDATE=always`, then read the diff of the
//! `.snap` files before committing them.

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, TestApp};

on_both_databases!(every_error_code_keeps_its_body);

/// Status and body of one request, for a snapshot.
async fn answer(app: &TestApp, token: Option<&str>, body: Value) -> Value {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.url))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let res = request.send().await.expect("an answer");
    let status: StatusCode = res.status();
    let body: Value = res.json().await.expect("a JSON body");
    json!({ "status": status.as_u16(), "body": body })
}

async fn every_error_code_keeps_its_body(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let specialist = app.sign_in("spec", &["specialist"]).await;
    let id = app.report(&admin, "Snapshot subject").await;

    let query = |q: &str| json!({ "query": q });
    insta::assert_json_snapshot!(
        "unauthenticated",
        answer(&app, None, query("{ viewer { id } }")).await
    );
    insta::assert_json_snapshot!(
        "bad_user_input_validation",
        answer(
            &app,
            Some(&admin),
            query("mutation { reportIncident(input: { title: \"  \", service: \"api\" }) { id } }")
        )
        .await
    );
    insta::assert_json_snapshot!(
        "bad_user_input_syntax",
        answer(&app, Some(&admin), query("{ incident(")).await
    );
    let deep = format!(
        "{{ incidents(filter: {{status: {}NEW{}}}) {{ totalCount }} }}",
        "[".repeat(100),
        "]".repeat(100)
    );
    insta::assert_json_snapshot!(
        "bad_user_input_nesting",
        answer(&app, Some(&admin), query(&deep)).await
    );
    insta::assert_json_snapshot!(
        "forbidden",
        answer(
            &app,
            Some(&specialist),
            query("mutation { createWebhook(input: { url: \"https://example.com/hook\", events: [] }) { secret } }")
        )
        .await
    );
    insta::assert_json_snapshot!(
        "not_found",
        answer(
            &app,
            Some(&admin),
            query("{ incident(id: \"INC-999\") { id } }")
        )
        .await
    );
    insta::assert_json_snapshot!(
        "conflict",
        answer(
            &app,
            Some(&admin),
            json!({
                "query": "mutation($id: ID!) { triageIncident(input: { id: $id, expectedVersion: 7, category: \"db\", impact: HIGH, urgency: HIGH }) { id } }",
                "variables": { "id": id },
            })
        )
        .await
    );
    // Last: a table gone underneath makes the next read fail inside the server.
    let url = app.postgres_url().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rw",
            app.data_dir().join("hindsight.db").display()
        )
    });
    let db = Database::connect(&url)
        .await
        .expect("connect to the app's database");
    db.execute_unprepared("ALTER TABLE incidents RENAME TO incidents_elsewhere")
        .await
        .expect("rename the table");
    insta::assert_json_snapshot!(
        "internal",
        answer(
            &app,
            Some(&admin),
            query("{ incident(id: \"INC-1\") { id } }")
        )
        .await
    );
}
