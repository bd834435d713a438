//! Bad input through the API: text out of bounds, missing required fields, blank required
//! text, unknown and malformed incident ids. Each gets a coded error naming what is wrong;
//! after each, nothing was written and the server goes on answering.

use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, TestApp, transition};

on_both_databases!(
    report_validates_title_description_and_service,
    report_accepts_the_boundaries,
    missing_required_fields_are_named,
    blank_required_text_in_transitions_is_refused,
    unknown_and_malformed_ids,
    malformed_duplicate_of_is_blamed_on_duplicate_of,
    out_of_range_numbers_are_bad_input,
    text_with_a_nul_character_is_stored_or_refused_never_internal,
);

const REPORT: &str = "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id title description service } }";

fn report_input(overrides: Value) -> Value {
    let mut input =
        json!({ "title": "Checkout is slow", "service": "checkout", "description": "p99 at 4 s" });
    for (k, v) in overrides.as_object().expect("an object") {
        input[k] = v.clone();
    }
    json!({ "input": input })
}

/// After a refused request: no incident was written and the server still answers.
async fn assert_nothing_written(app: &TestApp, count_before: i64, what: &str) {
    assert_eq!(
        app.incident_count().await,
        count_before,
        "{what} wrote an incident"
    );
    let data = app.ok(&app.admin(), "{ viewer { id } }", json!({})).await;
    assert_eq!(data["viewer"]["id"], "test-admin");
}

/// Status, version and timeline length of an incident.
async fn snapshot(app: &TestApp, id: &str) -> (String, i64, i64) {
    let admin = app.admin();
    let (status, version) = app.state(&admin, id).await;
    (status, version, app.timeline_len(&admin, id).await)
}

async fn report_validates_title_description_and_service(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token("rep", &["viewer"]);
    let cases = [
        ("empty title", json!({ "title": "" }), "title", "empty"),
        (
            "blank title",
            json!({ "title": " \t\n " }),
            "title",
            "empty",
        ),
        (
            "201-character title",
            json!({ "title": "x".repeat(201) }),
            "title",
            "201",
        ),
        (
            "25,000-character description",
            json!({ "description": "d".repeat(25_000) }),
            "description",
            "25000",
        ),
        (
            "empty service",
            json!({ "service": "" }),
            "service",
            "empty",
        ),
        (
            "blank service",
            json!({ "service": "   " }),
            "service",
            "empty",
        ),
        (
            "101-character service",
            json!({ "service": "s".repeat(101) }),
            "service",
            "101",
        ),
        (
            "empty category",
            json!({ "category": "" }),
            "category",
            "empty",
        ),
    ];
    for (what, overrides, field, detail) in cases {
        let count = app.incident_count().await;
        let (code, message) = app
            .error_code(&token, REPORT, report_input(overrides))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{what}: {message}");
        assert!(message.contains(field), "{what} names {field}: {message}");
        assert!(message.contains(detail), "{what} says {detail}: {message}");
        assert_nothing_written(&app, count, what).await;
    }
}

async fn report_accepts_the_boundaries(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token("rep", &["viewer"]);
    let cases = [
        json!({ "title": "x".repeat(200) }),
        // Characters, not bytes: 200 two-byte characters are 400 bytes.
        json!({ "title": "é".repeat(200) }),
        json!({ "description": "d".repeat(20_000) }),
        json!({ "description": "" }),
        json!({ "service": "s".repeat(100) }),
    ];
    for (n, overrides) in cases.into_iter().enumerate() {
        let data = app
            .ok(&token, REPORT, report_input(overrides.clone()))
            .await;
        for (field, value) in overrides.as_object().expect("object") {
            assert_eq!(&data["reportIncident"][field], value, "{field}");
        }
        assert_eq!(app.incident_count().await, n as i64 + 1);
    }
    // Surrounding whitespace is not part of the title.
    let data = app
        .ok(
            &token,
            REPORT,
            report_input(json!({ "title": "  db down \n" })),
        )
        .await;
    assert_eq!(data["reportIncident"]["title"], "db down");
}

async fn missing_required_fields_are_named(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let id = app.incident_in(&admin, "INVESTIGATING").await;
    let resolved = app.incident_in(&admin, "RESOLVED").await;
    let cases = [
        (
            "report without a title",
            "mutation { reportIncident(input: { service: \"s\" }) { id } }".to_owned(),
            "title",
        ),
        (
            "report without a service",
            "mutation { reportIncident(input: { title: \"t\" }) { id } }".to_owned(),
            "service",
        ),
        (
            "triage without a category",
            format!(
                "mutation {{ triageIncident(input: {{ id: \"{id}\", impact: HIGH, urgency: LOW }}) {{ id }} }}"
            ),
            "category",
        ),
        (
            "triage without an impact",
            format!(
                "mutation {{ triageIncident(input: {{ id: \"{id}\", category: \"db\", urgency: LOW }}) {{ id }} }}"
            ),
            "impact",
        ),
        (
            "triage without an urgency",
            format!(
                "mutation {{ triageIncident(input: {{ id: \"{id}\", category: \"db\", impact: HIGH }}) {{ id }} }}"
            ),
            "urgency",
        ),
        (
            "triage with an unknown impact",
            format!(
                "mutation {{ triageIncident(input: {{ id: \"{id}\", category: \"db\", impact: SEVERE, urgency: LOW }}) {{ id }} }}"
            ),
            "impact",
        ),
        (
            "resolve without a resolution",
            format!("mutation {{ resolveIncident(input: {{ id: \"{id}\" }}) {{ id }} }}"),
            "resolution",
        ),
        (
            "resolve without a resolution summary",
            format!(
                "mutation {{ resolveIncident(input: {{ id: \"{id}\", resolution: {{ rootCause: \"leak\" }} }}) {{ id }} }}"
            ),
            "summary",
        ),
        (
            "reopen without a reason",
            format!("mutation {{ reopenIncident(input: {{ id: \"{resolved}\" }}) {{ id }} }}"),
            "reason",
        ),
        (
            "cancel without a reason",
            format!("mutation {{ cancelIncident(input: {{ id: \"{id}\" }}) {{ id }} }}"),
            "reason",
        ),
    ];
    let before = (snapshot(&app, &id).await, snapshot(&app, &resolved).await);
    for (what, query, field) in cases {
        let count = app.incident_count().await;
        let (status, body) = app.gql(&admin, &query, json!({})).await;
        // A validation error: nothing ran, so there is no `data` at all.
        assert!(body.get("data").is_none(), "{what}: {body}");
        assert_eq!(status, reqwest::StatusCode::OK, "{what}: {body}");
        let error = &body["errors"][0];
        assert_eq!(
            error["extensions"]["code"], "BAD_USER_INPUT",
            "{what}: {body}"
        );
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains(field), "{what} names {field}: {message}");
        assert_nothing_written(&app, count, what).await;
    }

    // The same through variables, as clients usually send them.
    let var_cases = [
        (
            "triage",
            json!({ "id": id, "impact": "HIGH", "urgency": "LOW" }),
            "category",
        ),
        (
            "triage",
            json!({ "id": id, "category": "db", "urgency": "LOW" }),
            "impact",
        ),
        (
            "triage",
            json!({ "id": id, "category": "db", "impact": "HIGH" }),
            "urgency",
        ),
        (
            "triage",
            json!({ "id": id, "category": "db", "impact": "high", "urgency": "LOW" }),
            "impact",
        ),
        (
            "resolve",
            json!({ "id": id, "resolution": { "fix": "patched" } }),
            "summary",
        ),
        ("resolve", json!({ "id": id }), "resolution"),
    ];
    for (action, input, field) in var_cases {
        let (query, _) = transition(action, &id);
        let (code, message) = app
            .error_code(&admin, &query, json!({ "input": input }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{action} {input}: {message}");
        assert!(message.contains(field), "{action} names {field}: {message}");
    }
    assert_eq!(
        (snapshot(&app, &id).await, snapshot(&app, &resolved).await),
        before,
        "a refused mutation wrote something"
    );
}

async fn blank_required_text_in_transitions_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let id = app.incident_in(&admin, "INVESTIGATING").await;
    let resolved = app.incident_in(&admin, "RESOLVED").await;
    let cases = [
        ("triage", &id, json!({ "category": "  " }), "category"),
        (
            "triage",
            &id,
            json!({ "category": "c".repeat(101) }),
            "category",
        ),
        (
            "resolve",
            &id,
            json!({ "resolution": { "summary": " \n " } }),
            "resolution.summary",
        ),
        (
            "resolve",
            &id,
            json!({ "resolution": { "summary": "s".repeat(5_001) } }),
            "resolution.summary",
        ),
        ("reopen", &resolved, json!({ "reason": "" }), "reason"),
        ("cancel", &id, json!({ "reason": "\t" }), "reason"),
        (
            "cancel",
            &id,
            json!({ "reason": "r".repeat(2_001) }),
            "reason",
        ),
    ];
    let before = (snapshot(&app, &id).await, snapshot(&app, &resolved).await);
    for (action, target, fields, field) in cases {
        let (query, mut variables) = transition(action, target);
        for (k, v) in fields.as_object().expect("object") {
            variables["input"][k] = v.clone();
        }
        let (code, message) = app.error_code(&admin, &query, variables).await;
        assert_eq!(code, "BAD_USER_INPUT", "{action}: {message}");
        assert!(
            message.starts_with(&format!("{field}:")),
            "{action} names {field}: {message}"
        );
    }
    assert_eq!(
        (snapshot(&app, &id).await, snapshot(&app, &resolved).await),
        before,
        "a refused mutation wrote something"
    );
}

async fn unknown_and_malformed_ids(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    app.report(&admin, "The only incident").await;
    let random = uuid::Uuid::new_v4().to_string();
    let cases = [
        (random.as_str(), "NOT_FOUND"),
        ("INC-999999", "NOT_FOUND"),
        ("inc-999999", "NOT_FOUND"),
        // The largest number there could be: still just unknown.
        ("INC-9223372036854775807", "NOT_FOUND"),
        ("hello", "BAD_USER_INPUT"),
        ("INC-abc", "BAD_USER_INPUT"),
        ("INC-0", "BAD_USER_INPUT"),
        ("INC--1", "BAD_USER_INPUT"),
        ("INC-99999999999999999999", "BAD_USER_INPUT"),
        ("42", "BAD_USER_INPUT"),
        ("", "BAD_USER_INPUT"),
        ("00000000-0000-0000-0000-00000000000g", "BAD_USER_INPUT"),
    ];
    for (id, expected) in cases {
        let count = app.incident_count().await;
        let (_, body) = app
            .gql(
                &admin,
                "query($id: ID!) { incident(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], expected,
            "incident({id:?}): {body}"
        );
        assert!(
            body["data"]["incident"].is_null(),
            "incident({id:?}): {body}"
        );
        for action in ["triage", "investigate", "cancel"] {
            let (query, variables) = transition(action, id);
            let (code, message) = app.error_code(&admin, &query, variables).await;
            assert_eq!(code, expected, "{action} {id:?}: {message}");
            if expected == "BAD_USER_INPUT" {
                assert!(message.starts_with("id:"), "{action} {id:?}: {message}");
            }
        }
        assert_nothing_written(&app, count, id).await;
    }
}

/// The client's `id` is fine here; the error must point at `duplicateOf`.
async fn malformed_duplicate_of_is_blamed_on_duplicate_of(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let id = app.report(&admin, "A duplicate of gibberish").await;
    let before = snapshot(&app, &id).await;
    for dup in ["hello", "INC-abc", "INC-0"] {
        let (code, message) = app
            .error_code(
                &admin,
                "mutation($id: ID!, $dup: ID) { cancelIncident(input: { id: $id, reason: \"dup\", duplicateOf: $dup }) { id } }",
                json!({ "id": id, "dup": dup }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "duplicateOf {dup}: {message}");
        assert!(
            message.starts_with("duplicateOf"),
            "duplicateOf {dup}: the message blames another field: {message}"
        );
    }
    assert_eq!(snapshot(&app, &id).await, before);
}

async fn out_of_range_numbers_are_bad_input(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let id = app.report(&admin, "Versions and pages").await;
    let before = snapshot(&app, &id).await;
    for version in [json!(2_147_483_648_i64), json!(1.5), json!("1")] {
        let (query, mut variables) = transition("triage", &id);
        variables["input"]["expectedVersion"] = version.clone();
        let (code, message) = app.error_code(&admin, &query, variables).await;
        assert_eq!(
            code, "BAD_USER_INPUT",
            "expectedVersion {version}: {message}"
        );
        // async-graphql names the input type, not the field, when a variable fails to parse.
        assert!(
            message.contains("expectedVersion") || message.contains("TriageIncidentInput"),
            "{message}"
        );
    }
    assert_eq!(snapshot(&app, &id).await, before);
    for first in [-1, 101, 2_147_483_647] {
        let (code, message) = app
            .error_code(
                &admin,
                "query($first: Int) { incidents(first: $first) { totalCount } }",
                json!({ "first": first }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "first {first}: {message}");
        assert!(message.contains("first"), "first {first}: {message}");
    }
}

/// PostgreSQL text cannot hold U+0000; SQLite can. Either way a client must get the same
/// answer on both, and never an internal error.
async fn text_with_a_nul_character_is_stored_or_refused_never_internal(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token("rep", &["viewer"]);
    for overrides in [
        json!({ "title": "db\u{0}down" }),
        json!({ "description": "before\u{0}after" }),
        json!({ "service": "check\u{0}out" }),
    ] {
        let count = app.incident_count().await;
        let (_, body) = app
            .gql(&token, REPORT, report_input(overrides.clone()))
            .await;
        match body["errors"][0]["extensions"]["code"].as_str() {
            None => {
                for (field, value) in overrides.as_object().expect("object") {
                    assert_eq!(&body["data"]["reportIncident"][field], value, "{body}");
                }
                assert_eq!(app.incident_count().await, count + 1);
            }
            Some(code) => {
                assert_eq!(code, "BAD_USER_INPUT", "{overrides}: {body}");
                assert_nothing_written(&app, count, "a NUL character").await;
            }
        }
    }
}
