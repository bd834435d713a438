//! The request time limit: a request stuck behind a database lock is cancelled with a clear
//! error, nothing is written, and the server keeps serving. (SQLite only: an exclusive lock
//! taken by another process is the simplest honest way to make a request wait.)

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, TransactionTrait};
use serde_json::json;

use crate::support::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_over_the_time_limit_is_cancelled_and_changes_nothing() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.limits.request_timeout_seconds = 1).await;
    let token = app.token("u-1", &["viewer"]);
    app.ok(&token, "{ viewer { id } }", json!({})).await;

    // Another process holds the write lock for longer than the limit.
    let path = app.data_dir().join("hindsight.db");
    let other = Database::connect(format!("sqlite://{}", path.display()))
        .await
        .expect("connect");
    let txn = other.begin().await.expect("begin");
    txn.execute_unprepared("UPDATE counters SET value = value")
        .await
        .expect("take the write lock");

    let started = Instant::now();
    let (status, body) = app
        .gql(
            &token,
            "mutation { reportIncident(input: { title: \"stuck\", service: \"s\" }) { id } }",
            json!({}),
        )
        .await;
    let waited = started.elapsed();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("limit of 1 s"),
        "{body}"
    );
    assert!(
        waited < Duration::from_secs(4),
        "cancelled at the limit, not at the 5 s busy timeout: {waited:?}"
    );
    txn.rollback().await.expect("release");

    let data = app
        .ok(&token, "{ incidents { totalCount } }", json!({}))
        .await;
    assert_eq!(
        data["incidents"]["totalCount"], 0,
        "the cancelled report left nothing behind"
    );
    app.report(&token, "after the lock").await;
}
