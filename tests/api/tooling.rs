//! What front-end and operations tooling does to hindsight: load the schema with graphql-js's
//! introspection query (GraphiQL, codegen, graphql-inspector), send documents of several
//! operations with an operation name (GraphiQL's tabs), start the binary in a Kubernetes pod.

use std::process::Stdio;

use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, free_port, hindsight_command, wait_ready};

/// `getIntrospectionQuery()` of graphql-js 16, as tests/conformance/introspection-queries.mjs
/// wrote it: nests 15 levels of fields, deeper than the depth limit of 12.
const GRAPHQL_JS_INTROSPECTION: &str = include_str!("../fixtures/introspection-graphql-js.graphql");
/// The same with every option on, as GraphiQL asks.
const GRAPHIQL_INTROSPECTION: &str = include_str!("../fixtures/introspection-graphiql.graphql");

async fn post(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let res = app
        .client
        .post(format!("{}/graphql", app.url))
        .bearer_auth(app.admin())
        .header(ACCEPT, "application/graphql-response+json")
        .json(&body)
        .send()
        .await
        .expect("an answer");
    (res.status(), res.json().await.expect("JSON"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standard_introspection_queries_load_the_schema() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for (tool, query) in [
        ("graphql-js", GRAPHQL_JS_INTROSPECTION),
        ("GraphiQL", GRAPHIQL_INTROSPECTION),
    ] {
        let (status, body) = post(
            &app,
            json!({ "query": query, "operationName": "IntrospectionQuery" }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{tool}: {body}");
        assert!(body.get("errors").is_none(), "{tool}: {body}");
        let types = body["data"]["__schema"]["types"].as_array().expect("types");
        let incident = types
            .iter()
            .find(|t| t["name"] == "Incident")
            .unwrap_or_else(|| panic!("{tool}: Incident is among the types"));
        assert!(
            incident["fields"].as_array().is_some_and(|f| !f.is_empty()),
            "{tool}"
        );
        assert_eq!(
            body["data"]["__schema"]["queryType"]["name"], "Query",
            "{tool}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deep_ordinary_query_is_still_refused_beside_introspection() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let deep = "duplicateOf { ".repeat(18) + "id" + &" }".repeat(18);
    let query =
        format!("{{ __schema {{ queryType {{ name }} }} incident(id: \"INC-1\") {{ {deep} }} }}");
    let (status, body) = post(&app, json!({ "query": query })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("limit of 12 levels"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_selected_operation_counts_against_the_limits() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let big = "query Big { incidents(first: 100) { edges { node { id timeline(first: 100) { edges { node { id kind } } } } } } }";
    let document = format!("query A {{ viewer {{ id }} }} {big}");
    let (status, body) = post(&app, json!({ "query": document, "operationName": "A" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["viewer"]["id"], "test-admin", "{body}");
    // The large one alone is still refused, with the same document.
    let (status, body) = post(&app, json!({ "query": document, "operationName": "Big" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("complex"), "{message}");
    // Fragments only the other operation uses do not fail the selected one.
    let document = "query A { viewer { ...Me } } query B { viewer { ...Other } } fragment Me on Viewer { id } fragment Other on Viewer { name }";
    let (status, body) = post(&app, json!({ "query": document, "operationName": "A" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["viewer"]["id"], "test-admin", "{body}");
    // Without a name, several operations are still ambiguous.
    let (status, body) = post(&app, json!({ "query": document })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fragment_bomb_is_refused_at_once() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut document = String::from("{ ...F0 }");
    for i in 0..40 {
        document.push_str(&format!(
            " fragment F{i} on Query {{ ...F{n} ...F{n} }}",
            n = i + 1
        ));
    }
    document.push_str(" fragment F40 on Query { viewer { id } }");
    let (status, body) = post(&app, json!({ "query": document })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
}

#[tokio::test]
async fn the_server_starts_in_a_kubernetes_pod_environment() {
    let cwd = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    // What a Service named `hindsight` injects into every pod of its namespace.
    let mut child = hindsight_command()
        .current_dir(cwd.path())
        .env("HINDSIGHT_PORT", "tcp://10.96.0.7:8080")
        .env("HINDSIGHT_PORT_8080_TCP", "tcp://10.96.0.7:8080")
        .env("HINDSIGHT_PORT_8080_TCP_ADDR", "10.96.0.7")
        .env("HINDSIGHT_PORT_8080_TCP_PORT", "8080")
        .env("HINDSIGHT_PORT_8080_TCP_PROTO", "tcp")
        .env("HINDSIGHT_SERVICE_HOST", "10.96.0.7")
        .env("HINDSIGHT_SERVICE_PORT", "8080")
        .env("HINDSIGHT_LISTEN", format!("127.0.0.1:{port}"))
        .args(["serve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_ready(&mut child, port).await;
    child.kill().ok();
    let out = child.wait_with_output().expect("output");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        log.contains("HINDSIGHT_PORT_8080_TCP_ADDR"),
        "the warning names them: {log}"
    );
    assert!(log.contains("HINDSIGHT_SERVICE_HOST"), "{log}");
    assert!(
        !log.contains("HINDSIGHT_LISTEN"),
        "a known variable is not warned about: {log}"
    );
}
