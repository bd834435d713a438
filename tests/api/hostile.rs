//! Requests an attacker sends: documents nested to overflow the parser's stack (over POST,
//! GET and the websocket), variables nested past JSON's bound. Each is refused with a coded
//! error and the server goes on answering. Parsing does not depend on the database, so these
//! run on SQLite; the input checks that reach the database run on both.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, TestApp};
use crate::ws_client::{PROTOCOLS, WsClient};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// The shapes that overflowed async-graphql-parser 7.2.1's recursion: about 1,530 nested
/// lists or 1,210 nested objects in an argument, and the mixed form.
fn hostile_documents() -> Vec<(&'static str, String)> {
    let lists = |n: usize| {
        format!(
            "{{ incidents(filter: {{status: {}NEW{}}}) {{ totalCount }} }}",
            "[".repeat(n),
            "]".repeat(n)
        )
    };
    vec![
        ("1,530 nested lists", lists(1_530)),
        ("100,000 nested lists", lists(100_000)),
        (
            "1,210 nested objects",
            format!(
                "{{ incidents(filter: {}) {{ totalCount }} }}",
                "{a: ".repeat(1_210) + "1" + &"}".repeat(1_210)
            ),
        ),
        (
            "mixed lists and objects, unclosed",
            format!(
                "{{ incidents(filter: {}) {{ totalCount }} }}",
                "[{a: ".repeat(2_000)
            ),
        ),
        (
            "nested list types in a variable definition",
            format!(
                "query($v: {}String) {{ viewer {{ id }} }}",
                "[".repeat(3_000)
            ),
        ),
        (
            "nested selection sets",
            format!("{}{}", "{ viewer ".repeat(5_000), "}".repeat(5_000)),
        ),
    ]
}

fn assert_nesting_refused(body: &Value, what: &str) {
    let error = &body["errors"][0];
    assert_eq!(
        error["extensions"]["code"], "BAD_USER_INPUT",
        "{what}: {body}"
    );
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("nested deeper than the limit of 64"),
        "{what}: {message}"
    );
    assert!(body.get("data").is_none(), "{what}: nothing ran: {body}");
}

async fn still_answers(app: &TestApp) {
    let data = app.ok(&app.admin(), "{ viewer { id } }", json!({})).await;
    assert_eq!(data["viewer"]["id"], "test-admin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_documents_are_refused_over_post() {
    // Big enough for a million brackets in one body.
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.limits.body_bytes = 4 * 1024 * 1024).await;
    // A viewer, the least right a signed-in caller has, was enough to crash the server.
    let viewer = app.token("someone", &["viewer"]);
    let mut documents = hostile_documents();
    documents.push(("1,000,000 brackets", "[".repeat(1_000_000)));
    for (what, document) in documents {
        let res = app
            .client
            .post(format!("{}/graphql", app.url))
            .bearer_auth(&viewer)
            .header(ACCEPT, GRAPHQL_RESPONSE)
            .json(&json!({ "query": document }))
            .send()
            .await
            .expect("an answer, not a dropped connection");
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{what}");
        let body: Value = res.json().await.expect("JSON");
        assert_nesting_refused(&body, what);
        still_answers(&app).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_documents_are_refused_over_get() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let viewer = app.token("someone", &["viewer"]);
    for (what, document) in hostile_documents() {
        // GET carries the document in the URL; keep it to what a URL can hold.
        if document.len() > 20_000 {
            continue;
        }
        let res = app
            .client
            .get(format!("{}/graphql", app.url))
            .query(&[("query", document.as_str())])
            .bearer_auth(&viewer)
            .header(ACCEPT, GRAPHQL_RESPONSE)
            .send()
            .await
            .expect("an answer");
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{what}");
        let body: Value = res.json().await.expect("JSON");
        assert_nesting_refused(&body, what);
    }
    still_answers(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_documents_are_refused_over_the_websocket() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let viewer = app.token("someone", &["viewer"]);
    for protocol in PROTOCOLS {
        let mut client = WsClient::open(&app, protocol, &viewer).await;
        for (i, (what, document)) in hostile_documents().into_iter().enumerate() {
            if document.len() > 200_000 {
                continue; // over the message size limit, which refuses it on its own
            }
            let id = format!("op{i}");
            client.subscribe(&id, &document, json!({})).await;
            // The previous operation's `complete` may come first.
            let mut message = client.json().await;
            while message["type"] == "complete" {
                message = client.json().await;
            }
            // graphql-transport-ws answers `error` with a list; the legacy protocol `data`
            // (or `error`) with a payload holding `errors`.
            let errors = if message["type"] == "error" && message["payload"].is_array() {
                message["payload"].clone()
            } else {
                message["payload"]["errors"].clone()
            };
            assert_eq!(message["id"], id.as_str(), "{protocol} {what}: {message}");
            assert_nesting_refused(&json!({ "errors": errors }), &format!("{protocol} {what}"));
        }
        // The connection still works.
        client
            .subscribe("after", "{ viewer { id } }", json!({}))
            .await;
        let mut message = client.json().await;
        while message["type"] == "complete" {
            message = client.json().await; // the last refused operation's
        }
        assert_eq!(message["id"], "after", "{protocol}: {message}");
        assert_eq!(
            message["payload"]["data"]["viewer"]["id"], "someone",
            "{protocol}"
        );
        client.close().await;
    }
    still_answers(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn brackets_inside_strings_and_comments_are_not_nesting() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let admin = app.admin();
    let brackets = "[{".repeat(2_000);
    let query = format!(
        "mutation {{ reportIncident(input: {{title: \"Brackets\", service: \"checkout\", description: \"{brackets}\"}}) {{ description }} }} # {brackets}"
    );
    let data = app.ok(&admin, &query, json!({})).await;
    assert_eq!(data["reportIncident"]["description"], brackets.as_str());
    let block = format!(
        "mutation {{ reportIncident(input: {{title: \"Block\", service: \"checkout\", description: \"\"\"{brackets}\"\"\"}}) {{ description }} }}"
    );
    let data = app.ok(&admin, &block, json!({})).await;
    assert_eq!(data["reportIncident"]["description"], brackets.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_variables_are_a_clean_400() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let query = "query($s: [IncidentStatus!]) { incidents(filter: {status: $s}) { totalCount } }";
    for levels in [200, 10_000] {
        // Written by hand: serde_json would itself refuse to build it.
        let variables = format!("{}\"NEW\"{}", "[".repeat(levels), "]".repeat(levels));
        let body = format!(
            "{{\"query\": {}, \"variables\": {{\"s\": {variables}}}}}",
            serde_json::to_string(query).expect("a string")
        );
        let res = app
            .client
            .post(format!("{}/graphql", app.url))
            .bearer_auth(app.admin())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, GRAPHQL_RESPONSE)
            .body(body)
            .send()
            .await
            .expect("an answer");
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{levels} levels");
        let body: Value = res.json().await.expect("JSON");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{body}"
        );
    }
    // Within JSON's bound, a nested variable is a type error, not a crash.
    let variables = json!({ "s": [[[[[["NEW"]]]]]] });
    let (status, body) = app.gql(&app.admin(), query, variables).await;
    assert!(!status.is_server_error(), "{status}: {body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    still_answers(&app).await;
}

on_both_databases!(
    text_with_nul_is_refused_wherever_it_is_sent,
    timestamps_outside_the_supported_years_are_refused,
    a_bad_users_cursor_names_the_argument_once,
);

async fn assert_bad_input(app: &TestApp, query: &str, variables: Value, expect: &str) {
    let (status, body) = app.gql(&app.admin(), query, variables).await;
    assert!(!status.is_server_error(), "{query}: {status} {body}");
    let error = &body["errors"][0];
    assert_eq!(
        error["extensions"]["code"], "BAD_USER_INPUT",
        "{query}: {body}"
    );
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains(expect), "{query}: {message}");
}

/// PostgreSQL refuses text holding U+0000 even in a comparison; SQLite stores it. Both now
/// refuse it before anything runs.
async fn text_with_nul_is_refused_wherever_it_is_sent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app.report(&app.admin(), "Checkout is slow").await;
    let before = app.incident_count().await;
    for (query, variables, expect) in [
        (
            r#"{ incidents(filter: {service: "a\u0000b"}) { totalCount } }"#,
            json!({}),
            "argument `filter` of `incidents`",
        ),
        (
            "query($f: IncidentFilter) { incidents(filter: $f) { totalCount } }",
            json!({ "f": { "service": "a\u{0}b" } }),
            "variable `$f`",
        ),
        (
            "query($q: String!) { searchResolutions(query: $q) { totalCount } }",
            json!({ "q": "pool\u{0}exhausted" }),
            "variable `$q`",
        ),
        (
            r#"{ incident(id: "INC-1\u0000") { id } }"#,
            json!({}),
            "argument `id` of `incident`",
        ),
        (
            "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }",
            json!({ "input": { "title": "a\u{0}b", "service": "checkout" } }),
            "NUL",
        ),
    ] {
        assert_bad_input(&app, query, variables, expect).await;
    }
    assert_eq!(app.incident_count().await, before, "nothing was written");
    // The incident is untouched and the server answers.
    assert_eq!(app.state(&app.admin(), &id).await.0, "NEW");
}

async fn timestamps_outside_the_supported_years_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let stats = "query($from: DateTime!, $to: DateTime!) { knowledgeStats(from: $from, to: $to) { suggestionsShown } }";
    for (from, to, expect) in [
        (
            "-262143-01-01T00:00:00Z",
            "+262142-12-31T23:59:59Z",
            "from:",
        ),
        ("2026-01-01T00:00:00Z", "+262142-12-31T23:59:59Z", "to:"),
        ("1969-12-31T23:59:59Z", "2026-01-01T00:00:00Z", "from:"),
    ] {
        assert_bad_input(&app, stats, json!({ "from": from, "to": to }), expect).await;
    }
    // The widest supported range runs.
    let data = app
        .ok(
            &app.admin(),
            stats,
            json!({ "from": "1970-01-01T00:00:00Z", "to": "9999-12-31T23:59:59Z" }),
        )
        .await;
    assert!(
        data["knowledgeStats"]["suggestionsShown"].is_number(),
        "{data}"
    );
    let search = "query($f: ResolutionSearchFilter) { searchResolutions(query: \"pool\", filter: $f) { totalCount } }";
    assert_bad_input(
        &app,
        search,
        json!({ "f": { "resolvedAfter": "-262143-01-01T00:00:00Z" } }),
        "filter.resolvedAfter",
    )
    .await;
    // The whole supported range searches too, past what the index's clock holds (2262).
    for filter in [
        json!({ "resolvedAfter": "1970-01-01T00:00:00Z", "resolvedBefore": "9999-12-31T23:59:59Z" }),
        json!({ "resolvedAfter": "2294-11-17T01:19:48.000175Z" }),
        json!({ "resolvedBefore": "2300-01-01T00:00:00Z" }),
    ] {
        let data = app.ok(&app.admin(), search, json!({ "f": filter })).await;
        assert!(
            data["searchResolutions"]["totalCount"].is_number(),
            "{filter}: {data}"
        );
    }
}

async fn a_bad_users_cursor_names_the_argument_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for cursor in ["", "bm90LWEtY3Vyc29y", "!!"] {
        let (_, body) = app
            .gql(
                &app.admin(),
                "query($a: String) { users(after: $a) { edges { cursor } } }",
                json!({ "a": cursor }),
            )
            .await;
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("after: "), "{cursor:?}: {message}");
        assert!(!message.contains("after: after"), "{cursor:?}: {message}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    }
}
