//! The GraphQL-over-HTTP contract: status codes, content negotiation, malformed and
//! non-GraphQL bodies, GET versus POST, GraphiQL, the limits on body size, depth, aliases,
//! complexity and page size, request ids, health checks and introspection.
//!
//! These are about HTTP handling, which does not depend on the database, so they run on
//! SQLite only.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap};
use serde_json::{Value, json};

use crate::support::{Backend, TestApp};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// What came back, with the body parsed when it is JSON.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    fn content_type(&self) -> &str {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// A request error: nothing executed, so the body has errors with a code and no `data`.
    fn assert_request_error(&self, status: StatusCode, what: &str) {
        assert_eq!(self.status, status, "{what}: {}", self.text);
        let body = self.json();
        assert!(
            body.get("data").is_none(),
            "{what}: no data expected: {body}"
        );
        let code = &body["errors"][0]["extensions"]["code"];
        assert!(code.is_string(), "{what}: an error with a code: {body}");
    }
}

async fn spawn() -> TestApp {
    TestApp::spawn(Backend::Sqlite).await
}

async fn send(request: reqwest::RequestBuilder) -> Reply {
    let res = request.send().await.expect("a response");
    Reply {
        status: res.status(),
        headers: res.headers().clone(),
        text: res.text().await.expect("a body"),
    }
}

fn post(app: &TestApp) -> reqwest::RequestBuilder {
    app.client
        .post(format!("{}/graphql", app.url))
        .bearer_auth(app.admin())
}

fn get(app: &TestApp, params: &[(&str, &str)]) -> reqwest::RequestBuilder {
    app.client
        .get(format!("{}/graphql", app.url))
        .query(params)
        .bearer_auth(app.admin())
}

/// A POST of this JSON body with the usual headers.
async fn post_body(app: &TestApp, body: &str) -> Reply {
    send(
        post(app)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_owned()),
    )
    .await
}

async fn post_query(app: &TestApp, accept: &str, query: &str) -> Reply {
    send(
        post(app)
            .header(ACCEPT, accept)
            .json(&json!({ "query": query })),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_is_400_without_data() {
    let app = spawn().await;
    for body in [
        "{\"query\":",
        "not json",
        "",
        "{\"query\": \"{ viewer { id } }\"} trailing",
    ] {
        let reply = post_body(&app, body).await;
        reply.assert_request_error(StatusCode::BAD_REQUEST, body);
        assert_eq!(
            reply.json()["errors"][0]["extensions"]["code"],
            "BAD_USER_INPUT"
        );
        assert!(
            reply.content_type().starts_with("application/json"),
            "{body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_that_is_not_a_graphql_request_is_400() {
    let app = spawn().await;
    for body in [
        r#"{"foo":1}"#,
        "[1,2]",
        r#""x""#,
        "null",
        "42",
        r#"{"query":5}"#,
        r#"{"query":null}"#,
        r#"{"query":"{ viewer { id } }","variables":[1]}"#,
        r#"{"query":"{ viewer { id } }","variables":"{}"}"#,
        r#"{"query":"{ viewer { id } }","operationName":5}"#,
        r#"{"query":"{ viewer { id } }","extensions":"x"}"#,
        // No batching: a list of requests is not a request.
        r#"[{"query":"{ viewer { id } }"}]"#,
    ] {
        post_body(&app, body)
            .await
            .assert_request_error(StatusCode::BAD_REQUEST, body);
    }
    // The same body, well formed, is served.
    let reply = post_body(&app, r#"{"query":"{ viewer { id } }","variables":null}"#).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["viewer"]["id"], "test-admin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_fields_fail_validation() {
    let app = spawn().await;
    let query = "{ viewer { id shoeSize } }";
    // application/json: a well-formed request is 200 even when it fails validation.
    let reply = post_query(&app, "application/json", query).await;
    reply.assert_request_error(StatusCode::OK, "application/json");
    let body = reply.json();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("shoeSize"),
        "{body}"
    );
    // application/graphql-response+json: 400, and still no data.
    let reply = post_query(&app, GRAPHQL_RESPONSE, query).await;
    reply.assert_request_error(StatusCode::BAD_REQUEST, GRAPHQL_RESPONSE);
    assert!(reply.content_type().starts_with(GRAPHQL_RESPONSE));
    // Unknown arguments and types too.
    for query in [
        "{ incidents(sortBy: 1) { totalCount } }",
        "query($x: Shoe) { viewer { id } }",
        "{ viewer { id } ",
    ] {
        let reply = post_query(&app, "application/json", query).await;
        reply.assert_request_error(StatusCode::OK, query);
        assert_eq!(
            reply.json()["errors"][0]["extensions"]["code"],
            "BAD_USER_INPUT"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_variable_types_are_bad_user_input() {
    let app = spawn().await;
    let token = app.admin();
    let cases = [
        (
            "query($first: Int) { incidents(first: $first) { totalCount } }",
            json!({ "first": "ten" }),
        ),
        (
            "query($first: Int) { incidents(first: $first) { totalCount } }",
            json!({ "first": 1.5 }),
        ),
        (
            "query($id: ID!) { incident(id: $id) { id } }",
            json!({ "id": { "a": 1 } }),
        ),
        ("query($id: ID!) { incident(id: $id) { id } }", json!({})),
        (
            "query($id: ID!) { incident(id: $id) { id } }",
            json!({ "id": null }),
        ),
        (
            "query($s: [IncidentStatus!]) { incidents(filter: { status: $s }) { totalCount } }",
            json!({ "s": ["ON_FIRE"] }),
        ),
        // Declared with the wrong type for where it is used.
        (
            "query($first: String) { incidents(first: $first) { totalCount } }",
            json!({ "first": "1" }),
        ),
    ];
    for (query, variables) in cases {
        let (status, body) = app.gql(&token, query, variables.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{query} {variables}: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_runs_queries_but_not_mutations() {
    let app = spawn().await;
    let reply = send(get(
        &app,
        &[
            (
                "query",
                "query($n: Int) { incidents(first: $n) { totalCount } viewer { id } }",
            ),
            ("variables", r#"{"n": 5}"#),
        ],
    ))
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.json()["data"],
        json!({ "incidents": { "totalCount": 0 }, "viewer": { "id": "test-admin" } })
    );

    let mutation = "mutation { reportIncident(input: { title: \"t\", service: \"s\" }) { id } }";
    let reply = send(get(&app, &[("query", mutation)])).await;
    reply.assert_request_error(StatusCode::METHOD_NOT_ALLOWED, "a mutation over GET");
    assert_eq!(
        reply.headers.get("allow").and_then(|v| v.to_str().ok()),
        Some("POST")
    );

    // A document with both: the operation name decides.
    let both = "query Read { viewer { id } } mutation Write { reportIncident(input: { title: \"t\", service: \"s\" }) { id } }";
    let reply = send(get(&app, &[("query", both), ("operationName", "Write")])).await;
    reply.assert_request_error(StatusCode::METHOD_NOT_ALLOWED, "the mutation of two");
    let reply = send(get(&app, &[("query", both)])).await;
    reply.assert_request_error(StatusCode::METHOD_NOT_ALLOWED, "no name, one is a mutation");
    let reply = send(get(&app, &[("query", both), ("operationName", "Read")])).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["viewer"]["id"], "test-admin");
    assert_eq!(app.incident_count().await, 0, "GET wrote something");

    // The same mutation over POST is fine.
    let reply = post_query(&app, "application/json", mutation).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(app.incident_count().await, 1);

    let reply = send(get(&app, &[("variables", "{}")])).await;
    reply.assert_request_error(StatusCode::BAD_REQUEST, "GET without a query");
    let reply = send(get(
        &app,
        &[("query", "{ viewer { id } }"), ("variables", "[1]")],
    ))
    .await;
    reply.assert_request_error(StatusCode::BAD_REQUEST, "GET with list variables");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_is_served_to_browsers_without_a_token() {
    let app = spawn().await;
    let url = format!("{}/graphql", app.url);
    let accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let reply = send(app.client.get(&url).header(ACCEPT, accept)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(
        reply.content_type().starts_with("text/html"),
        "{}",
        reply.content_type()
    );
    assert!(
        reply.text.to_lowercase().contains("graphiql"),
        "{}",
        reply.text
    );
    assert!(!reply.text.contains(crate::support::SECRET));

    // A client that does not ask for HTML gets GraphQL, which needs a query (and a token).
    let reply = send(app.client.get(&url).header(ACCEPT, "application/json")).await;
    assert!(
        !reply.content_type().starts_with("text/html"),
        "{}",
        reply.text
    );
    assert!(reply.status.is_client_error(), "{}", reply.status);

    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.graphql.graphiql = false).await;
    let reply = send(
        app.client
            .get(format!("{}/graphql", app.url))
            .header(ACCEPT, accept),
    )
    .await;
    assert!(
        !reply.content_type().starts_with("text/html"),
        "GraphiQL was switched off"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_use_the_media_type_the_client_accepts() {
    let app = spawn().await;
    let ok = "{ viewer { id } }";
    let cases = [
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (
            "application/graphql-response+json, application/json;q=0.9",
            GRAPHQL_RESPONSE,
        ),
        (
            "application/graphql-response+json;q=0.5, application/json",
            "application/json",
        ),
    ];
    for (accept, expected) in cases {
        let reply = post_query(&app, accept, ok).await;
        assert_eq!(reply.status, StatusCode::OK, "{accept}: {}", reply.text);
        assert!(
            reply.content_type().starts_with(expected),
            "Accept {accept}: got {}",
            reply.content_type()
        );
    }
    // No Accept at all: application/json.
    let reply = send(post(&app).json(&json!({ "query": ok }))).await;
    assert!(reply.content_type().starts_with("application/json"));

    // A field error is not a request error: 200 and a `data` entry, even in the stricter
    // media type.
    let missing = format!("{{ incident(id: \"{}\") {{ id }} }}", uuid::Uuid::new_v4());
    let reply = post_query(&app, GRAPHQL_RESPONSE, &missing).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = reply.json();
    assert!(body.get("data").is_some(), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");

    let reply = post_query(&app, "text/plain", ok).await;
    reply.assert_request_error(StatusCode::NOT_ACCEPTABLE, "Accept text/plain");
}

/// The GraphQL spec: a field error is handled as though the (nullable) field returned null;
/// the other fields of the response are unaffected and every selected field is present.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_error_nulls_that_field_only() {
    let app = spawn().await;
    let missing = uuid::Uuid::new_v4();
    for accept in ["application/json", GRAPHQL_RESPONSE] {
        let query = format!("{{ viewer {{ id }} incident(id: \"{missing}\") {{ id }} }}");
        let body = post_query(&app, accept, &query).await.json();
        assert_eq!(
            body["data"],
            json!({ "viewer": { "id": "test-admin" }, "incident": null }),
            "{accept}: {body}"
        );
        assert_eq!(body["errors"][0]["path"], json!(["incident"]), "{body}");

        let query = format!("{{ incident(id: \"{missing}\") {{ id }} }}");
        let body = post_query(&app, accept, &query).await.json();
        assert_eq!(
            body["data"],
            json!({ "incident": null }),
            "{accept}: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_needs_a_json_content_type() {
    let app = spawn().await;
    let body = r#"{"query":"{ viewer { id } }"}"#;
    let reply = send(post(&app).body(body)).await;
    reply.assert_request_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "no Content-Type");
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin1",
        "application/graphql",
    ] {
        let reply = send(post(&app).header(CONTENT_TYPE, content_type).body(body)).await;
        reply.assert_request_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, content_type);
    }
    for content_type in ["application/json; charset=utf-8", "Application/JSON"] {
        let reply = send(post(&app).header(CONTENT_TYPE, content_type).body(body)).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{content_type}: {}",
            reply.text
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_the_limit_are_413() {
    let app = spawn().await;
    let padded = |bytes: usize| {
        json!({ "query": "{ viewer { id } }", "variables": { "padding": "x".repeat(bytes) } })
            .to_string()
    };
    let reply = post_body(&app, &padded(300 * 1024)).await;
    reply.assert_request_error(StatusCode::PAYLOAD_TOO_LARGE, "300 KiB");
    let message = reply.json()["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains(&(256 * 1024).to_string()),
        "names the limit: {message}"
    );

    // Just under the limit of 256 KiB is served.
    let reply = post_body(&app, &padded(250 * 1024)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["viewer"]["id"], "test-admin");
}

/// `{ incident(id: "INC-1") { duplicateOf { duplicateOf { ... { id } } } } }`, `levels` deep.
fn nested(levels: usize) -> String {
    let inner = "duplicateOf { ".repeat(levels - 2) + "id" + &" }".repeat(levels - 2);
    format!("{{ incident(id: \"INC-1\") {{ {inner} }} }}")
}

fn message_of(reply: &Reply) -> String {
    reply.json()["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_deeper_than_the_limit_are_refused() {
    let app = spawn().await;
    let reply = post_query(&app, GRAPHQL_RESPONSE, &nested(20)).await;
    reply.assert_request_error(StatusCode::BAD_REQUEST, "20 levels");
    let message = message_of(&reply);
    assert!(message.contains("limit of 12"), "{message}");
    assert!(message.contains("deep"), "{message}");
    // At the limit it runs (and finds nothing).
    let reply = post_query(&app, GRAPHQL_RESPONSE, &nested(12)).await;
    assert_eq!(
        reply.json()["errors"][0]["extensions"]["code"],
        "NOT_FOUND",
        "{}",
        reply.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_aliases_are_refused() {
    let app = spawn().await;
    let aliases = |n: usize| {
        let fields: Vec<String> = (0..n).map(|i| format!("a{i}: viewer {{ id }}")).collect();
        format!("{{ {} }}", fields.join(" "))
    };
    let reply = post_query(&app, GRAPHQL_RESPONSE, &aliases(100)).await;
    reply.assert_request_error(StatusCode::BAD_REQUEST, "100 aliases");
    let message = message_of(&reply);
    assert!(message.contains("aliases"), "{message}");
    assert!(message.contains("30"), "names the limit: {message}");
    let reply = post_query(&app, GRAPHQL_RESPONSE, &aliases(30)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["a29"]["id"], "test-admin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_more_complex_than_the_limit_are_refused() {
    let app = spawn().await;
    let query = "{ incidents(first: 100) { edges { node { id timeline(first: 100) { edges { node { id kind } } } } } } }";
    let reply = post_query(&app, GRAPHQL_RESPONSE, query).await;
    reply.assert_request_error(StatusCode::BAD_REQUEST, "complexity");
    let message = message_of(&reply);
    assert!(message.contains("complex"), "{message}");
    assert!(message.contains("2000"), "names the limit: {message}");
    // Small pages of the same shape are fine.
    let query = query.replace("100", "5");
    let reply = post_query(&app, GRAPHQL_RESPONSE, &query).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

/// The cost estimate multiplies `first` by the cost of what is below; the largest `first`
/// values must give an error, not an arithmetic overflow inside the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_page_sizes_are_refused_not_crashed_on() {
    let app = spawn().await;
    let max = i32::MAX;
    let queries = [
        format!(
            "{{ incidents(first: {max}) {{ edges {{ node {{ id title description timeline(first: {max}) {{ edges {{ node {{ id at kind before after actor {{ id name email }} }} }} }} }} }} }} }}"
        ),
        // Found by schemathesis: huge lists under a plain field (`incident`) used to overflow
        // the sum async-graphql makes for that field, and the debug server dropped the
        // connection.
        "{ overdueUpdates { incident { suggestions(first: 1928083101) { incident {            suggestions(first: 72979) { incident { duplicateOf { duplicateOf { nextUpdateDue }            updates(audience: INTERNAL) { status } } updates(first: 65536) { incident { nextUpdateDue } } } } } } } } }"
            .to_string(),
        format!(
            "{{ a: viewer {{ id }} overdueUpdates {{ incident {{ suggestions(first: {max}) {{ incident {{ suggestions(first: {max}) {{ incident {{ suggestions(first: {max}) {{ incident {{ id }} }} }} }} }} }} }} }} }}"
        ),
    ];
    for query in queries {
        let res = post(&app)
            .header(ACCEPT, GRAPHQL_RESPONSE)
            .json(&json!({ "query": query }))
            .send()
            .await;
        match res {
            Ok(res) => {
                let status = res.status();
                let body: Value = res.json().await.expect("a JSON body");
                assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
                assert_eq!(
                    body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
                    "{query}: {body}"
                );
                let message = body["errors"][0]["message"].as_str().unwrap_or_default();
                assert!(message.contains("complex"), "{query}: {body}");
            }
            Err(e) => panic!("the server dropped the connection instead of answering {query}: {e}"),
        }
    }
    // And the server is still there.
    assert_eq!(app.incident_count().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_sizes_are_limited_to_100() {
    let app = spawn().await;
    let token = app.admin();
    for query in [
        "{ incidents(first: 101) { totalCount } }",
        "{ incidents(first: -1) { totalCount } }",
        "{ incident(id: \"INC-1\") { timeline(first: 101) { totalCount } } }",
    ] {
        app.report(&token, "something to page through").await;
        let (code, message) = app.error_code(&token, query, json!({})).await;
        assert_eq!(code, "BAD_USER_INPUT", "{query}: {message}");
        assert!(message.contains("first"), "{message}");
        assert!(message.contains("100"), "names the limit: {message}");
    }
    let data = app
        .ok(
            &token,
            "{ incidents(first: 100) { totalCount edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["incidents"]["edges"].as_array().map(Vec::len), Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_a_request_id() {
    let app = spawn().await;
    let url = |path: &str| format!("{}{path}", app.url);
    let replies = [
        (
            "query",
            post_query(&app, "application/json", "{ viewer { id } }").await,
        ),
        (
            "validation error",
            post_query(&app, GRAPHQL_RESPONSE, "{ nope }").await,
        ),
        ("malformed JSON", post_body(&app, "{").await),
        ("no Content-Type", send(post(&app).body("{}")).await),
        ("too large", post_body(&app, &"x".repeat(300 * 1024)).await),
        (
            "mutation over GET",
            send(get(&app, &[("query", "mutation { __typename }")])).await,
        ),
        (
            "no token",
            send(
                app.client
                    .post(url("/graphql"))
                    .json(&json!({ "query": "{ viewer { id } }" })),
            )
            .await,
        ),
        ("healthz", send(app.client.get(url("/healthz"))).await),
        ("readyz", send(app.client.get(url("/readyz"))).await),
        ("unknown path", send(app.client.get(url("/nope"))).await),
    ];
    let mut seen = std::collections::HashSet::new();
    for (what, reply) in &replies {
        let id = reply
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{what} ({}) has no x-request-id", reply.status));
        assert!(!id.is_empty(), "{what}");
        assert!(seen.insert(id.to_owned()), "{what}: request ids are unique");
    }
    // A caller's own request id is kept, so logs on both sides line up.
    let reply = send(
        post(&app)
            .header("x-request-id", "trace-me-42")
            .json(&json!({ "query": "{ viewer { id } }" })),
    )
    .await;
    assert_eq!(
        reply
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("trace-me-42")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_checks_need_no_token() {
    let app = spawn().await;
    for (path, status) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let reply = send(app.client.get(format!("{}{path}", app.url))).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        assert_eq!(reply.json()["status"], status, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_needs_a_valid_token() {
    let app = spawn().await;
    let url = format!("{}/graphql", app.url);
    let body = json!({ "query": "{ viewer { id } }" });
    for request in [
        app.client.post(&url).json(&body),
        app.client.post(&url).bearer_auth("not-a-jwt").json(&body),
        app.client
            .post(&url)
            .header("authorization", "Basic dXNlcjpwYXNz")
            .json(&body),
    ] {
        let reply = send(request).await;
        reply.assert_request_error(StatusCode::UNAUTHORIZED, "no valid token");
        assert_eq!(
            reply.json()["errors"][0]["extensions"]["code"],
            "UNAUTHENTICATED"
        );
        assert_eq!(
            reply
                .headers
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer")
        );
    }
}

const INTROSPECTION: &str =
    "{ __schema { queryType { name } } __type(name: \"Incident\") { name } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_works_by_default() {
    let app = spawn().await;
    let data = app.ok(&app.admin(), INTROSPECTION, json!({})).await;
    assert_eq!(
        data,
        json!({ "__schema": { "queryType": { "name": "Query" } }, "__type": { "name": "Incident" } })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_can_be_switched_off() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.graphql.introspection = false).await;
    let token = app.admin();
    for query in [
        INTROSPECTION,
        "{ __schema { types { name } } }",
        "{ __type(name: \"Incident\") { fields { name } } }",
    ] {
        let (_, body) = app.gql(&token, query, json!({})).await;
        // async-graphql answers null without an error when introspection is off; what matters
        // is that nothing about the schema comes back.
        assert!(
            body["data"]["__schema"].is_null() && body["data"]["__type"].is_null(),
            "{query}: {body}"
        );
    }
    // Ordinary queries still work.
    let data = app.ok(&token, "{ viewer { id } }", json!({})).await;
    assert_eq!(data["viewer"]["id"], "test-admin");
}

/// The specification asks that the response map keep the selection's order, whatever order
/// the fields finish in (`reporter` loads through a DataLoader; `number` is at hand).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_fields_keep_the_order_of_the_query() {
    let app = spawn().await;
    let id = app.report(&app.admin(), "disk full").await;
    for (query, expected) in [
        (
            "query($id: ID!) { incident(id: $id) { reporter { name id } number title } }",
            r#"{"data":{"incident":{"reporter":{"name":"#,
        ),
        (
            "query($id: ID!) { incident(id: $id) { title number reporter { id } } }",
            r#"{"data":{"incident":{"title":"disk full","number":"INC-1","reporter":{"id":"#,
        ),
    ] {
        let reply =
            send(post(&app).json(&json!({ "query": query, "variables": { "id": id } }))).await;
        assert!(reply.text.starts_with(expected), "{query}: {}", reply.text);
    }
    let reply = send(post(&app).json(&json!({
        "query": "query($id: ID!) { incident(id: $id) { reporter { name id } number title } }",
        "variables": { "id": id },
    })))
    .await;
    let number = reply.text.find("\"number\"").expect("number");
    let reporter = reply.text.find("\"reporter\"").expect("reporter");
    let title = reply.text.find("\"title\"").expect("title");
    assert!(reporter < number && number < title, "{}", reply.text);
}

/// Someone who opens the server's address in a browser finds where to go, without a token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_root_page_points_to_graphiql_and_the_status_page() {
    let app = spawn().await;
    let reply = send(app.client.get(format!("{}/", app.url))).await;
    assert_eq!(reply.status, StatusCode::OK);
    let content_type = reply.headers[CONTENT_TYPE].to_str().expect("ascii");
    assert!(content_type.starts_with("text/html"), "{content_type}");
    for link in ["href=\"/graphql\"", "href=\"/status\"", "href=\"/readyz\""] {
        assert!(reply.text.contains(link), "{link} in {}", reply.text);
    }
    assert!(!reply.text.contains("INC-"), "nothing about incidents");
}
