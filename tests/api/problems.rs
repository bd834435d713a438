//! Problems through the API: the lifecycle and its refusals, who may do what, versions,
//! linking incidents (one problem per incident) and what linked incidents hear, the list.

use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, TestApp};

const FIELDS: &str = "id number status version priority rootCause workaround fix changeReference";

fn mutation(name: &str, input_type: &str) -> String {
    format!("mutation($input: {input_type}!) {{ {name}(input: $input) {{ {FIELDS} }} }}")
}

async fn report_problem(app: &TestApp, token: &str, title: &str, service: &str) -> Value {
    app.ok(
        token,
        &mutation("reportProblem", "ReportProblemInput"),
        json!({ "input": { "title": title, "service": service, "impact": "HIGH", "urgency": "MEDIUM" } }),
    )
    .await["reportProblem"]
        .clone()
}

async fn timeline_kinds(app: &TestApp, problem: &str) -> Vec<String> {
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { problem(id: $id) { timeline { kind actor { id } } } }",
            json!({ "id": problem }),
        )
        .await;
    data["problem"]["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind").to_owned())
        .collect()
}

async fn a_problem_goes_from_new_to_closed_and_refuses_the_rest(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.token("u:m", &["manager"]);
    let specialist = app.token("u:s", &["specialist"]);
    let viewer = app.token("u:v", &["viewer"]);
    let p = report_problem(&app, &manager, "Connection pool exhaustion", "checkout").await;
    assert_eq!(p["number"], "PRB-1");
    assert_eq!(p["status"], "NEW");
    assert_eq!(p["priority"], "P2");
    let read = app
        .ok(
            &viewer,
            "{ problem(id: \"PRB-1\") { title status } }",
            json!({}),
        )
        .await;
    assert_eq!(
        read["problem"]["status"], "NEW",
        "everyone who reads incidents reads problems"
    );

    // Illegal from NEW: resolve, close; each names what is allowed.
    for (name, input_type, input) in [
        (
            "resolveProblem",
            "ResolveProblemInput",
            json!({ "id": "PRB-1", "fix": "x" }),
        ),
        (
            "closeProblem",
            "ProblemChangeInput",
            json!({ "id": "PRB-1" }),
        ),
    ] {
        let (code, message) = app
            .error_code(
                &manager,
                &mutation(name, input_type),
                json!({ "input": input }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{name}: {message}");
        assert!(
            message.contains("allowed: startProblemInvestigation, recordKnownError, cancelProblem"),
            "{message}"
        );
    }
    // A specialist may not report or start, but may record the known error.
    let (code, _) = app
        .error_code(
            &specialist,
            &mutation("reportProblem", "ReportProblemInput"),
            json!({ "input": { "title": "x", "service": "s", "impact": "LOW", "urgency": "LOW" } }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let started = app
        .ok(
            &manager,
            &mutation("startProblemInvestigation", "ProblemChangeInput"),
            json!({ "input": { "id": "PRB-1", "expectedVersion": 1 } }),
        )
        .await;
    assert_eq!(
        started["startProblemInvestigation"]["status"],
        "UNDER_INVESTIGATION"
    );
    // A known error needs both a root cause and a workaround.
    let (code, message) = app
        .error_code(
            &specialist,
            &mutation("recordKnownError", "RecordKnownErrorInput"),
            json!({ "input": { "id": "PRB-1", "rootCause": "a leak", "workaround": "  " } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("workaround"), "{message}");
    // A stale version is a conflict.
    let (code, _) = app
        .error_code(
            &specialist,
            &mutation("recordKnownError", "RecordKnownErrorInput"),
            json!({ "input": { "id": "PRB-1", "expectedVersion": 1, "rootCause": "a leak", "workaround": "restart" } }),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    let known = app
        .ok(
            &specialist,
            &mutation("recordKnownError", "RecordKnownErrorInput"),
            json!({ "input": { "id": "PRB-1", "expectedVersion": 2, "rootCause": "a leak in the pool", "workaround": "restart the pool" } }),
        )
        .await["recordKnownError"]
        .clone();
    assert_eq!(known["status"], "KNOWN_ERROR");
    assert_eq!(known["workaround"], "restart the pool");
    assert_eq!(known["version"], 3);
    let (code, _) = app
        .error_code(
            &specialist,
            &mutation("resolveProblem", "ResolveProblemInput"),
            json!({ "input": { "id": "PRB-1", "fix": "bounded pool" } }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN", "resolving is for managers");
    let fixed = app
        .ok(
            &manager,
            &mutation("resolveProblem", "ResolveProblemInput"),
            json!({ "input": { "id": known["id"], "fix": "bounded the pool", "changeReference": "CHG-1042" } }),
        )
        .await["resolveProblem"]
        .clone();
    assert_eq!(fixed["status"], "RESOLVED");
    assert_eq!(fixed["changeReference"], "CHG-1042");
    let (code, _) = app
        .error_code(
            &manager,
            &mutation("cancelProblem", "CancelProblemInput"),
            json!({ "input": { "id": "PRB-1", "reason": "late" } }),
        )
        .await;
    assert_eq!(
        code, "BAD_USER_INPUT",
        "a resolved problem cannot be cancelled"
    );
    let closed = app
        .ok(
            &manager,
            &mutation("closeProblem", "ProblemChangeInput"),
            json!({ "input": { "id": "PRB-1" } }),
        )
        .await;
    assert_eq!(closed["closeProblem"]["status"], "CLOSED");
    for (name, input_type, input) in [
        (
            "startProblemInvestigation",
            "ProblemChangeInput",
            json!({ "id": "PRB-1" }),
        ),
        (
            "recordKnownError",
            "RecordKnownErrorInput",
            json!({ "id": "PRB-1", "rootCause": "a", "workaround": "b" }),
        ),
        (
            "cancelProblem",
            "CancelProblemInput",
            json!({ "id": "PRB-1", "reason": "x" }),
        ),
    ] {
        let (code, message) = app
            .error_code(
                &manager,
                &mutation(name, input_type),
                json!({ "input": input }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{name}");
        assert!(message.contains("final"), "{message}");
    }
    assert_eq!(
        timeline_kinds(&app, "PRB-1").await,
        [
            "REPORTED",
            "INVESTIGATION_STARTED",
            "KNOWN_ERROR_RECORDED",
            "RESOLVED",
            "CLOSED"
        ]
    );
    let (code, _) = app
        .error_code(&manager, "{ problem(id: \"PRB-99\") { id } }", json!({}))
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (code, _) = app
        .error_code(&manager, "{ problem(id: \"PRB-x\") { id } }", json!({}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}

async fn incidents_link_to_one_problem_and_hear_of_its_workaround(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.token("u:m", &["manager"]);
    let incident = app.report(&manager, "checkout times out").await;
    let other = app.report(&manager, "checkout slow").await;
    report_problem(&app, &manager, "Pool exhaustion", "checkout").await;
    report_problem(&app, &manager, "Something else", "checkout").await;
    let link = "mutation($i: ID!, $p: ID!) { linkIncidentToProblem(input: { incidentId: $i, problemId: $p }) { id problem { number } } }";
    let linked = app
        .ok(&manager, link, json!({ "i": incident, "p": "PRB-1" }))
        .await;
    assert_eq!(
        linked["linkIncidentToProblem"]["problem"]["number"],
        "PRB-1"
    );
    app.ok(&manager, link, json!({ "i": other, "p": "PRB-1" }))
        .await;
    // One problem per incident; unknown and cancelled problems refused.
    let (code, message) = app
        .error_code(&manager, link, json!({ "i": incident, "p": "PRB-2" }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("already linked to PRB-1"), "{message}");
    let (code, _) = app
        .error_code(&manager, link, json!({ "i": incident, "p": "PRB-77" }))
        .await;
    assert_eq!(code, "NOT_FOUND");
    app.ok(
        &manager,
        &mutation("cancelProblem", "CancelProblemInput"),
        json!({ "input": { "id": "PRB-2", "reason": "a duplicate of PRB-1" } }),
    )
    .await;
    let fresh = app.report(&manager, "third").await;
    let (code, message) = app
        .error_code(&manager, link, json!({ "i": fresh, "p": "PRB-2" }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("CANCELLED"), "{message}");
    let specialist = app.token("u:s", &["specialist"]);
    let (code, _) = app
        .error_code(&specialist, link, json!({ "i": fresh, "p": "PRB-1" }))
        .await;
    assert_eq!(code, "FORBIDDEN");

    let listed = app
        .ok(
            &manager,
            "{ problem(id: \"PRB-1\") { incidents(first: 1) { totalCount edges { cursor node { id } } pageInfo { hasNextPage } } } }",
            json!({}),
        )
        .await;
    let page = &listed["problem"]["incidents"];
    assert_eq!(page["totalCount"], 2);
    assert_eq!(page["edges"][0]["node"]["id"], incident);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);

    // The known error reaches the open incidents' timelines, workaround first.
    app.ok(
        &manager,
        &mutation("recordKnownError", "RecordKnownErrorInput"),
        json!({ "input": { "id": "PRB-1", "rootCause": "a leak", "workaround": "restart the pool" } }),
    )
    .await;
    let events = app
        .ok(
            &manager,
            "query($id: ID!) { incident(id: $id) { timeline(first: 50) { edges { node { kind after } } } } }",
            json!({ "id": incident }),
        )
        .await;
    let told: Vec<&Value> = events["incident"]["timeline"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"])
        .filter(|n| n["kind"] == "PROBLEM_UPDATED")
        .collect();
    assert_eq!(told.len(), 1, "{events}");
    assert_eq!(told[0]["after"]["workaround"], "restart the pool");
    assert_eq!(told[0]["after"]["status"], "KNOWN_ERROR");

    let unlink = "mutation($i: ID!) { unlinkIncidentFromProblem(input: { incidentId: $i }) { problem { number } } }";
    let unlinked = app.ok(&manager, unlink, json!({ "i": other })).await;
    assert_eq!(
        unlinked["unlinkIncidentFromProblem"]["problem"],
        Value::Null
    );
    let (code, _) = app
        .error_code(&manager, unlink, json!({ "i": other }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "nothing left to unlink");
    assert_eq!(
        timeline_kinds(&app, "PRB-1").await,
        [
            "REPORTED",
            "INCIDENT_LINKED",
            "INCIDENT_LINKED",
            "KNOWN_ERROR_RECORDED",
            "INCIDENT_UNLINKED"
        ]
    );
}

async fn problems_are_listed_by_status_service_and_priority(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.token("u:m", &["manager"]);
    for (title, service) in [("a", "checkout"), ("b", "search"), ("c", "checkout")] {
        report_problem(&app, &manager, title, service).await;
    }
    app.ok(
        &manager,
        &mutation("startProblemInvestigation", "ProblemChangeInput"),
        json!({ "input": { "id": "PRB-3" } }),
    )
    .await;
    let list = "query($filter: ProblemFilter, $after: String) { problems(filter: $filter, first: 1, after: $after) { totalCount edges { cursor node { number } } pageInfo { hasNextPage } } }";
    let checkout = app
        .ok(
            &manager,
            list,
            json!({ "filter": { "service": "checkout" } }),
        )
        .await;
    assert_eq!(checkout["problems"]["totalCount"], 2);
    assert_eq!(checkout["problems"]["edges"][0]["node"]["number"], "PRB-3");
    let cursor = checkout["problems"]["edges"][0]["cursor"].clone();
    let next = app
        .ok(
            &manager,
            list,
            json!({ "filter": { "service": "checkout" }, "after": cursor }),
        )
        .await;
    assert_eq!(next["problems"]["edges"][0]["node"]["number"], "PRB-1");
    assert_eq!(next["problems"]["pageInfo"]["hasNextPage"], false);
    let new_only = app
        .ok(
            &manager,
            list,
            json!({ "filter": { "status": ["NEW"], "priority": ["P2"] } }),
        )
        .await;
    assert_eq!(new_only["problems"]["totalCount"], 2);
    let (code, _) = app
        .error_code(&manager, list, json!({ "after": "bm9wZQ" }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}

on_both_databases!(
    a_problem_goes_from_new_to_closed_and_refuses_the_rest,
    incidents_link_to_one_problem_and_hear_of_its_workaround,
    problems_are_listed_by_status_service_and_priority,
);
