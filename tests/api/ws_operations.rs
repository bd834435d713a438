//! Queries and mutations sent over the websocket get the bounds they get over HTTP: the
//! request time limit, and a cap on how many run at once on one connection. A mutation is
//! made to wait the honest way: another connection holds the incident-number counter's lock
//! (a row lock on PostgreSQL, the write lock on SQLite).

use std::time::{Duration, Instant};

use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, TransactionTrait,
};
use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, TestApp};
use crate::ws_client::{PROTOCOLS, TRANSPORT_WS, WsClient};

const REPORT: &str =
    "mutation { reportIncident(input: { title: \"stuck\", service: \"s\" }) { id } }";

on_both_databases!(
    an_operation_over_the_time_limit_is_cancelled_and_changes_nothing,
    the_21st_operation_in_flight_is_refused_and_the_others_complete,
);

/// The alias limit holds over the websocket too, for queries and for subscriptions, on both
/// protocols; the connection stays usable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_aliases_are_refused_over_the_websocket() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let admin = app.admin();
    let aliased = |n: usize, root: &str| {
        let fields: Vec<String> = (0..n).map(|i| format!("a{i}: __typename")).collect();
        format!("{root} {{ {} }}", fields.join(" "))
    };
    for protocol in PROTOCOLS {
        let mut ws = WsClient::open(&app, protocol, &admin).await;
        for (id, query) in [
            ("query", aliased(31, "query")),
            (
                "subscription",
                format!(
                    "subscription {{ {} }}",
                    (0..31)
                        .map(|i| format!("a{i}: updatesPosted {{ id }}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            ),
        ] {
            ws.subscribe(id, &query, json!({})).await;
            let (answered, payload) = next_result(&mut ws).await;
            assert_eq!(answered, id, "{protocol}: {payload}");
            assert_eq!(
                payload["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
                "{protocol}: {payload}"
            );
            assert!(
                payload["errors"][0]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("31 aliases"),
                "{protocol}: {payload}"
            );
            assert!(
                payload.get("data").is_none_or(Value::is_null),
                "{protocol}: {payload}"
            );
        }
        ws.subscribe("within", &aliased(30, "query"), json!({}))
            .await;
        let (answered, payload) = next_result(&mut ws).await;
        assert_eq!(answered, "within");
        assert_eq!(payload["data"]["a29"], "Query", "{protocol}: {payload}");
    }
}

/// Another connection holding the lock every report needs, until the transaction ends.
async fn hold_the_counter(app: &TestApp) -> (DatabaseConnection, DatabaseTransaction) {
    let url = app
        .postgres_url()
        .unwrap_or_else(|| format!("sqlite://{}", app.data_dir().join("hindsight.db").display()));
    let other = Database::connect(url).await.expect("connect");
    let txn = other.begin().await.expect("begin");
    txn.execute_unprepared("UPDATE counters SET value = value")
        .await
        .expect("take the lock");
    (other, txn)
}

/// The next result for an operation (skipping `complete` and keep-alives), with its id.
async fn next_result(ws: &mut WsClient) -> (String, Value) {
    loop {
        let message = ws.json().await;
        match message["type"].as_str() {
            Some("next" | "data") => {
                return (
                    message["id"].as_str().expect("id").to_owned(),
                    message["payload"].clone(),
                );
            }
            Some("complete" | "ka" | "ping" | "pong") => continue,
            _ => panic!("expected a result, got {message}"),
        }
    }
}

async fn an_operation_over_the_time_limit_is_cancelled_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.limits.request_timeout_seconds = 1).await;
    let admin = app.admin();
    let mut earlier = Vec::new();
    for (reported_before, protocol) in PROTOCOLS.into_iter().enumerate() {
        let mut ws = WsClient::open(&app, protocol, &admin).await;
        // A subscription is not bound by the time limit: this one outlives it below.
        ws.subscribe(
            "ev",
            "subscription { incidentEvents { kind incident { title } } }",
            json!({}),
        )
        .await;
        app.wait_for_subscribers(reported_before + 1).await;

        let (_other, txn) = hold_the_counter(&app).await;
        let started = Instant::now();
        ws.subscribe("stuck", REPORT, json!({})).await;
        let (id, payload) = next_result(&mut ws).await;
        let waited = started.elapsed();
        assert_eq!(id, "stuck");
        let error = &payload["errors"][0];
        assert_eq!(
            error["extensions"]["code"], "INTERNAL",
            "{protocol}: {payload}"
        );
        assert!(
            error["message"]
                .as_str()
                .unwrap_or_default()
                .contains("took longer than the limit of 1 s"),
            "{protocol}: {payload}"
        );
        assert!(
            waited < Duration::from_secs(4),
            "{protocol}: cancelled at the limit: {waited:?}"
        );
        txn.rollback().await.expect("release");

        // Nothing was written, and the connection goes on: a query on it answers, and the
        // subscription hears the next report.
        ws.subscribe("count", "{ incidents { totalCount } }", json!({}))
            .await;
        let (id, payload) = next_result(&mut ws).await;
        assert_eq!(id, "count");
        assert_eq!(
            payload["data"]["incidents"]["totalCount"], reported_before,
            "{protocol}: the cancelled report left nothing behind: {payload}"
        );
        app.report(&admin, &format!("after the lock, {protocol}"))
            .await;
        let (id, payload) = next_result(&mut ws).await;
        assert_eq!(id, "ev", "{payload}");
        assert_eq!(
            payload["data"]["incidentEvents"]["incident"]["title"],
            format!("after the lock, {protocol}")
        );
        // Kept open, so the next round counts its subscription on top of this one.
        earlier.push(ws);
    }
}

async fn the_21st_operation_in_flight_is_refused_and_the_others_complete(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let mut ws = WsClient::open(&app, TRANSPORT_WS, &admin).await;
    let (_other, txn) = hold_the_counter(&app).await;
    for i in 1..=21 {
        ws.subscribe(&format!("op-{i}"), REPORT, json!({})).await;
    }
    // The 21st is refused at once, while the twenty wait for the lock.
    let (id, payload) = next_result(&mut ws).await;
    assert_eq!(id, "op-21", "{payload}");
    assert_eq!(
        payload["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "{payload}"
    );
    assert!(
        payload["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("20 queries and mutations in flight"),
        "{payload}"
    );
    txn.rollback().await.expect("release");

    // The twenty complete once the lock is released, and their places come back.
    let mut done = Vec::new();
    while done.len() < 20 {
        let (id, payload) = next_result(&mut ws).await;
        assert!(payload.get("errors").is_none(), "{id}: {payload}");
        assert!(payload["data"]["reportIncident"]["id"].is_string());
        done.push(id);
    }
    done.sort();
    let mut expected: Vec<String> = (1..=20).map(|i| format!("op-{i}")).collect();
    expected.sort();
    assert_eq!(done, expected);
    for i in 22..=42 {
        ws.subscribe(
            &format!("op-{i}"),
            "{ incidents { totalCount } }",
            json!({}),
        )
        .await;
        let (id, payload) = next_result(&mut ws).await;
        assert_eq!(id, format!("op-{i}"));
        assert_eq!(payload["data"]["incidents"]["totalCount"], 20, "{payload}");
    }
}
