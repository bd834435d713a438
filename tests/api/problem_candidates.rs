//! Problem candidates through the API: alike resolved incidents without a problem are proposed
//! as one, a manager turns one into a problem in one mutation, bad input is refused naming its
//! field and writes nothing, and only managers and admins see candidates.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, TestApp};

const CANDIDATES: &str = "query($f: ProblemCandidateFilter!, $min: Int) { problemCandidates(filter: $f, minIncidents: $min) { examinedCount truncated candidates { sharedTerms similarity incidents { id number } } } }";
const CREATE: &str = "mutation($input: CreateProblemFromCandidateInput!) { createProblemFromCandidate(input: $input) { number status service incidents { totalCount } } }";

async fn resolved(app: &TestApp, token: &str, title: &str, description: &str) -> String {
    let data = app
        .ok(
            token,
            "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }",
            json!({ "input": { "title": title, "description": description, "service": "checkout" } }),
        )
        .await;
    let id = data["reportIncident"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for (q, v) in [
        (
            "mutation($id: ID!) { triageIncident(input: { id: $id, category: \"database\", impact: HIGH, urgency: LOW }) { id } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { startInvestigation(input: { id: $id }) { id } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { resolveIncident(input: { id: $id, resolution: { summary: \"restarted\" } }) { id } }",
            json!({ "id": id }),
        ),
    ] {
        app.ok(token, q, v).await;
    }
    id
}

fn filter(days: i64) -> Value {
    let now = Utc::now();
    json!({ "from": (now - Duration::days(days)).to_rfc3339(), "to": (now + Duration::hours(1)).to_rfc3339() })
}

async fn seed(app: &TestApp, token: &str) -> Vec<String> {
    let mut alike = Vec::new();
    for (title, description) in [
        (
            "Payment gateway timeout at checkout",
            "stripe gateway timeout on card payment",
        ),
        (
            "Stripe gateway timeouts on card payments",
            "checkout card payment gateway timeout",
        ),
        (
            "Checkout fails: stripe payment gateway timeout",
            "card payment gateway timeout again",
        ),
    ] {
        alike.push(resolved(app, token, title, description).await);
    }
    resolved(app, token, "Disk full on the log volume", "rotation failed").await;
    resolved(app, token, "TLS certificate expired", "x509 expired on api").await;
    alike
}

async fn alike_incidents_become_a_problem_in_one_mutation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.token("u:m", &["manager"]);
    let alike = seed(&app, &manager).await;
    let data = app
        .ok(&manager, CANDIDATES, json!({ "f": filter(30), "min": 3 }))
        .await;
    let found = &data["problemCandidates"];
    assert_eq!(found["examinedCount"], 5);
    assert_eq!(found["truncated"], false);
    let candidates = found["candidates"].as_array().expect("candidates");
    assert_eq!(candidates.len(), 1, "{candidates:?}");
    let mut ids: Vec<String> = candidates[0]["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    let mut expected = alike.clone();
    expected.sort();
    assert_eq!(ids, expected);
    assert!(
        candidates[0]["sharedTerms"]
            .as_array()
            .expect("terms")
            .iter()
            .any(|t| t == "gateway"),
        "{:?}",
        candidates[0]["sharedTerms"]
    );

    let created = app
        .ok(
            &manager,
            CREATE,
            json!({ "input": { "incidentIds": alike, "title": "Stripe gateway timeouts" } }),
        )
        .await;
    let p = &created["createProblemFromCandidate"];
    assert_eq!(p["number"], "PRB-1");
    assert_eq!(p["status"], "NEW");
    assert_eq!(p["service"], "checkout");
    assert_eq!(p["incidents"]["totalCount"], 3);
    // Linked now: no longer a candidate.
    let after = app
        .ok(&manager, CANDIDATES, json!({ "f": filter(30), "min": 2 }))
        .await;
    assert_eq!(after["problemCandidates"]["examinedCount"], 2);
    assert_eq!(after["problemCandidates"]["candidates"], json!([]));
    // Already linked: refused, nothing written.
    let (code, message) = app
        .error_code(
            &manager,
            CREATE,
            json!({ "input": { "incidentIds": alike, "title": "Again" } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{message}");
    assert!(message.contains("already linked"), "{message}");
    let count = app
        .ok(&manager, "{ problems { totalCount } }", json!({}))
        .await;
    assert_eq!(count["problems"]["totalCount"], 1);
}

/// The error's code, and the field its message names first (`field: ...`).
async fn field_of(app: &TestApp, token: &str, query: &str, variables: Value) -> (String, String) {
    let (code, message) = app.error_code(token, query, variables).await;
    let field = message.split(':').next().unwrap_or_default().to_owned();
    (code, field)
}

async fn bad_input_names_its_field_and_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.token("u:m", &["manager"]);
    let alike = seed(&app, &manager).await;
    for (variables, field) in [
        (json!({ "f": filter(3650), "min": 3 }), "filter.from"),
        (json!({ "f": filter(30), "min": 1 }), "minIncidents"),
        (json!({ "f": filter(30), "min": 100_000 }), "minIncidents"),
    ] {
        let (code, named) = field_of(&app, &manager, CANDIDATES, variables).await;
        assert_eq!(code, "BAD_USER_INPUT");
        assert_eq!(named, field);
    }
    let unknown = "0193a6f2-7c1e-7d3a-9f00-00000000002a";
    for (input, field) in [
        (
            json!({ "incidentIds": [alike[0], unknown], "title": "x" }),
            "incidentIds",
        ),
        (
            json!({ "incidentIds": [alike[0], "INC-999"], "title": "x" }),
            "incidentIds",
        ),
        (
            json!({ "incidentIds": [alike[0]], "title": "x" }),
            "incidentIds",
        ),
        (
            json!({ "incidentIds": [alike[0], alike[0]], "title": "x" }),
            "incidentIds",
        ),
        (
            json!({ "incidentIds": [alike[0], "not an id"], "title": "x" }),
            "incidentIds",
        ),
        (
            json!({ "incidentIds": [alike[0], alike[1]], "title": "" }),
            "title",
        ),
    ] {
        let (code, named) = field_of(&app, &manager, CREATE, json!({ "input": input })).await;
        assert_eq!(code, "BAD_USER_INPUT", "{input}");
        assert_eq!(named, field, "{input}");
    }
    let count = app
        .ok(&manager, "{ problems { totalCount } }", json!({}))
        .await;
    assert_eq!(count["problems"]["totalCount"], 0, "nothing written");
}

async fn only_managers_and_admins_see_candidates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.token("u:m", &["manager"]);
    let alike = seed(&app, &manager).await;
    for role in ["admin", "manager"] {
        let token = app.token("u:x", &[role]);
        app.ok(&token, CANDIDATES, json!({ "f": filter(30) })).await;
    }
    for role in ["specialist", "communicator", "viewer"] {
        let token = app.token("u:y", &[role]);
        let (code, _) = app
            .error_code(&token, CANDIDATES, json!({ "f": filter(30) }))
            .await;
        assert_eq!(code, "FORBIDDEN", "{role}");
        let (code, message) = app
            .error_code(
                &token,
                CREATE,
                json!({ "input": { "incidentIds": alike, "title": "x" } }),
            )
            .await;
        assert_eq!(code, "FORBIDDEN", "{role}: {message}");
    }
}

on_both_databases!(
    alike_incidents_become_a_problem_in_one_mutation,
    bad_input_names_its_field_and_writes_nothing,
    only_managers_and_admins_see_candidates,
);
