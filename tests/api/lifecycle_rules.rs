//! The lifecycle rules through the API: every illegal transition from every status, skipping
//! mitigation, reopening, cancelling (also as a duplicate), re-triage and the ITIL priority
//! matrix, optimistic concurrency with `expectedVersion`, and who may do what (operation × role).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, TestApp, path_to, reviews_not_required, transition};

on_both_databases!(
    illegal_transitions_are_refused_from_every_status,
    mitigation_may_be_skipped,
    reopen_clears_the_resolution_but_the_timeline_keeps_it,
    cancel_from_every_open_status,
    cancel_as_a_duplicate_by_id_or_number,
    cancel_as_a_duplicate_of_nothing_or_itself_is_refused,
    retriage_rederives_the_priority_and_keeps_triaged_at,
    timestamps_in_an_answer_are_the_stored_ones,
    stale_expected_version_conflicts_and_writes_nothing,
    concurrent_transitions_at_one_version_let_exactly_one_through,
    permissions_operation_by_role,
    reading_needs_a_known_role,
    the_reporter_may_close_their_own_incident_and_nothing_more,
);

/// Every lifecycle action, as `transition` names it, with the mutation it runs.
const ACTIONS: [(&str, &str); 7] = [
    ("triage", "triageIncident"),
    ("investigate", "startInvestigation"),
    ("mitigate", "mitigateIncident"),
    ("resolve", "resolveIncident"),
    ("close", "closeIncident"),
    ("reopen", "reopenIncident"),
    ("cancel", "cancelIncident"),
];

/// The transition table as the design states it: the mutations each status allows.
const ALLOWED: [(&str, &[&str]); 7] = [
    ("NEW", &["triageIncident", "cancelIncident"]),
    (
        "TRIAGED",
        &["triageIncident", "startInvestigation", "cancelIncident"],
    ),
    (
        "INVESTIGATING",
        &[
            "triageIncident",
            "mitigateIncident",
            "resolveIncident",
            "cancelIncident",
        ],
    ),
    (
        "MITIGATED",
        &["triageIncident", "resolveIncident", "cancelIncident"],
    ),
    ("RESOLVED", &["closeIncident", "reopenIncident"]),
    ("CLOSED", &[]),
    ("CANCELLED", &[]),
];

/// `LifecycleAction` values for `Incident.allowedActions`, by mutation name.
fn lifecycle_action(mutation: &str) -> &'static str {
    match mutation {
        "triageIncident" => "TRIAGE",
        "startInvestigation" => "START_INVESTIGATION",
        "mitigateIncident" => "MITIGATE",
        "resolveIncident" => "RESOLVE",
        "closeIncident" => "CLOSE",
        "reopenIncident" => "REOPEN",
        "cancelIncident" => "CANCEL",
        other => panic!("unknown mutation {other}"),
    }
}

/// Status, version and timeline length: what a refused mutation must leave untouched.
async fn snapshot(app: &TestApp, id: &str) -> (String, i64, i64) {
    let admin = app.admin();
    let (status, version) = app.state(&admin, id).await;
    (status, version, app.timeline_len(&admin, id).await)
}

async fn incident(app: &TestApp, id: &str, fields: &str) -> Value {
    let data = app
        .ok(
            &app.admin(),
            &format!("query($id: ID!) {{ incident(id: $id) {{ {fields} }} }}"),
            json!({ "id": id }),
        )
        .await;
    data["incident"].clone()
}

/// The kinds of an incident's timeline events, oldest first.
async fn timeline_kinds(app: &TestApp, id: &str) -> Vec<String> {
    let data = incident(app, id, "timeline(first: 100) { nodes { kind } }").await;
    data["timeline"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["kind"].as_str().expect("kind").to_owned())
        .collect()
}

async fn illegal_transitions_are_refused_from_every_status(backend: Backend) {
    let app = TestApp::spawn_with(backend, reviews_not_required).await;
    let admin = app.admin();
    for (status, allowed) in ALLOWED {
        let id = app.incident_in(&admin, status).await;
        let expected_actions: Vec<&str> = allowed.iter().map(|m| lifecycle_action(m)).collect();
        assert_eq!(
            incident(&app, &id, "allowedActions").await["allowedActions"],
            json!(expected_actions),
            "allowedActions of a {status} incident"
        );
        let before = snapshot(&app, &id).await;
        for (action, mutation) in ACTIONS {
            if allowed.contains(&mutation) {
                continue;
            }
            let (q, v) = transition(action, &id);
            let (code, message) = app.error_code(&admin, &q, v).await;
            assert_eq!(code, "BAD_USER_INPUT", "{action} from {status}: {message}");
            assert!(
                message.contains(status),
                "{action} from {status}: {message}"
            );
            // The message names exactly the mutations that are allowed, and no other.
            for (_, other) in ACTIONS {
                assert_eq!(
                    message.contains(other),
                    allowed.contains(&other),
                    "{action} from {status} names {other}?: {message}"
                );
            }
            if allowed.is_empty() {
                assert!(
                    message.contains("final"),
                    "{action} from {status}: {message}"
                );
            }
            assert_eq!(
                snapshot(&app, &id).await,
                before,
                "{action} from {status} wrote something"
            );
        }
    }
}

async fn mitigation_may_be_skipped(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app.incident_in(&app.admin(), "INVESTIGATING").await;
    let (q, v) = transition("resolve", &id);
    let data = app.ok(&app.admin(), &q, v).await;
    assert_eq!(data["resolveIncident"]["status"], "RESOLVED");
    let got = incident(&app, &id, "mitigatedAt resolvedAt resolution { summary }").await;
    assert!(got["mitigatedAt"].is_null(), "{got}");
    assert!(got["resolvedAt"].is_string(), "{got}");
    assert_eq!(got["resolution"]["summary"], "restarted the pool");
    assert_eq!(
        timeline_kinds(&app, &id).await,
        ["REPORTED", "TRIAGED", "INVESTIGATION_STARTED", "RESOLVED"]
    );
}

async fn reopen_clears_the_resolution_but_the_timeline_keeps_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let id = app.incident_in(&admin, "RESOLVED").await;
    let (_, version) = app.state(&admin, &id).await;
    let (q, v) = transition("reopen", &id);
    let data = app.ok(&admin, &q, v).await;
    assert_eq!(data["reopenIncident"]["status"], "INVESTIGATING");
    assert_eq!(data["reopenIncident"]["version"], version + 1);

    let got = incident(
        &app,
        &id,
        "resolution { summary } resolvedAt investigatingAt allowedActions \
         timeline(first: 100) { nodes { kind before after } }",
    )
    .await;
    assert!(got["resolution"].is_null(), "resolution cleared: {got}");
    assert!(got["resolvedAt"].is_null(), "resolvedAt cleared: {got}");
    assert!(got["investigatingAt"].is_string(), "{got}");
    assert!(
        got["allowedActions"]
            .as_array()
            .expect("actions")
            .contains(&json!("RESOLVE")),
        "{got}"
    );
    let events = got["timeline"]["nodes"].as_array().expect("nodes");
    let reopened = events.last().expect("an event");
    assert_eq!(reopened["kind"], "REOPENED");
    assert_eq!(reopened["before"]["status"], "RESOLVED");
    assert_eq!(
        reopened["before"]["resolution"]["summary"],
        "restarted the pool"
    );
    assert_eq!(reopened["before"]["resolution"]["rootCause"], "leak");
    assert_eq!(reopened["after"]["status"], "INVESTIGATING");
    assert_eq!(reopened["after"]["reason"], "it came back");

    // The second fix is recorded on its own.
    let data = app
        .ok(
            &admin,
            "mutation($id: ID!) { resolveIncident(input: { id: $id, resolution: { summary: \"replaced the disk\" } }) { status resolution { summary rootCause } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        data["resolveIncident"],
        json!({ "status": "RESOLVED", "resolution": { "summary": "replaced the disk", "rootCause": null } })
    );
}

async fn cancel_from_every_open_status(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    for status in ["NEW", "TRIAGED", "INVESTIGATING", "MITIGATED"] {
        let id = app.incident_in(&admin, status).await;
        let data = app
            .ok(
                &admin,
                "mutation($id: ID!, $reason: String!) { cancelIncident(input: { id: $id, reason: $reason }) { status cancelReason cancelledAt duplicateOf { id } allowedActions } }",
                json!({ "id": id, "reason": format!("  not an incident after all ({status})  ") }),
            )
            .await;
        let got = &data["cancelIncident"];
        assert_eq!(got["status"], "CANCELLED", "from {status}");
        assert_eq!(
            got["cancelReason"],
            format!("not an incident after all ({status})"),
            "the reason is stored trimmed"
        );
        assert!(got["cancelledAt"].is_string(), "{got}");
        assert!(got["duplicateOf"].is_null(), "{got}");
        assert_eq!(got["allowedActions"], json!([]));
        let kinds = timeline_kinds(&app, &id).await;
        assert_eq!(kinds.last().map(String::as_str), Some("CANCELLED"));
        assert_eq!(kinds.len(), path_to(status).len() + 2);
    }
}

const CANCEL_AS_DUPLICATE: &str = "mutation($id: ID!, $dup: ID) { cancelIncident(input: { id: $id, reason: \"duplicate\", duplicateOf: $dup }) { status duplicateOf { id number title } } }";

async fn cancel_as_a_duplicate_by_id_or_number(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let original = app.report(&admin, "The original").await;
    let original_number = incident(&app, &original, "number").await["number"]
        .as_str()
        .expect("number")
        .to_owned();
    let expected = json!({ "id": original, "number": original_number, "title": "The original" });

    let by_id = app.report(&admin, "Same thing, by id").await;
    let data = app
        .ok(
            &admin,
            CANCEL_AS_DUPLICATE,
            json!({ "id": by_id, "dup": original }),
        )
        .await;
    assert_eq!(data["cancelIncident"]["status"], "CANCELLED");
    assert_eq!(data["cancelIncident"]["duplicateOf"], expected);

    let by_number = app.report(&admin, "Same thing, by number").await;
    app.drive_to(&by_number, "INVESTIGATING").await;
    let data = app
        .ok(
            &admin,
            CANCEL_AS_DUPLICATE,
            json!({ "id": by_number, "dup": original_number }),
        )
        .await;
    assert_eq!(data["cancelIncident"]["duplicateOf"], expected);

    // Read back (not only the mutation's answer), and the timeline names the original.
    let got = incident(
        &app,
        &by_number,
        "duplicateOf { id } timeline(first: 100) { nodes { kind after } }",
    )
    .await;
    assert_eq!(got["duplicateOf"]["id"], original.as_str());
    let last = got["timeline"]["nodes"]
        .as_array()
        .and_then(|n| n.last())
        .cloned()
        .expect("an event");
    assert_eq!(last["kind"], "CANCELLED");
    assert_eq!(last["after"]["duplicateOf"], original.as_str());
    // The original is untouched.
    assert_eq!(app.state(&admin, &original).await, ("NEW".into(), 1));
}

async fn cancel_as_a_duplicate_of_nothing_or_itself_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let id = app.report(&admin, "Not a duplicate of anything").await;
    let number = incident(&app, &id, "number").await["number"]
        .as_str()
        .expect("number")
        .to_owned();
    let before = snapshot(&app, &id).await;
    let unknown_id = uuid::Uuid::new_v4().to_string();
    for dup in [
        unknown_id.as_str(),
        "INC-999999",
        id.as_str(),
        number.as_str(),
    ] {
        let (code, message) = app
            .error_code(&admin, CANCEL_AS_DUPLICATE, json!({ "id": id, "dup": dup }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "duplicateOf {dup}: {message}");
        assert!(
            message.contains("duplicateOf"),
            "duplicateOf {dup}: {message}"
        );
        assert_eq!(
            snapshot(&app, &id).await,
            before,
            "duplicateOf {dup} wrote something"
        );
    }
}

/// The ITIL matrix: impact × urgency → priority.
const MATRIX: [(&str, &str, &str); 9] = [
    ("HIGH", "HIGH", "P1"),
    ("HIGH", "MEDIUM", "P2"),
    ("MEDIUM", "HIGH", "P2"),
    ("HIGH", "LOW", "P3"),
    ("MEDIUM", "MEDIUM", "P3"),
    ("LOW", "HIGH", "P3"),
    ("MEDIUM", "LOW", "P4"),
    ("LOW", "MEDIUM", "P4"),
    ("LOW", "LOW", "P5"),
];

const TRIAGE: &str = "mutation($id: ID!, $category: String!, $impact: Level!, $urgency: Level!) { triageIncident(input: { id: $id, category: $category, impact: $impact, urgency: $urgency }) { status category impact urgency priority triagedAt version } }";

async fn retriage_rederives_the_priority_and_keeps_triaged_at(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let id = app.report(&admin, "Prioritize me").await;
    let got = incident(&app, &id, "priority triagedAt").await;
    assert!(
        got["priority"].is_null() && got["triagedAt"].is_null(),
        "{got}"
    );

    let mut triaged_at: Option<Value> = None;
    let mut version = 1;
    // Each combination re-triages the same incident, first while TRIAGED, then while
    // INVESTIGATING; the status stays, only the priority follows.
    for (round, (impact, urgency, priority)) in MATRIX.iter().enumerate() {
        if round == 5 {
            let (q, v) = transition("investigate", &id);
            app.ok(&admin, &q, v).await;
            version += 1;
        }
        let category = format!("category-{round}");
        let data = app
            .ok(
                &admin,
                TRIAGE,
                json!({ "id": id, "category": category, "impact": impact, "urgency": urgency }),
            )
            .await;
        version += 1;
        let got = &data["triageIncident"];
        assert_eq!(got["priority"], *priority, "{impact}/{urgency}");
        assert_eq!(got["impact"], *impact);
        assert_eq!(got["urgency"], *urgency);
        assert_eq!(got["category"], category.as_str());
        assert_eq!(
            got["status"],
            if round < 5 {
                "TRIAGED"
            } else {
                "INVESTIGATING"
            }
        );
        assert_eq!(got["version"], version);
        match &triaged_at {
            // As stored: `timestamps_in_an_answer_are_the_stored_ones` checks the answer of
            // the first triage itself.
            None => {
                triaged_at = Some(incident(&app, &id, "triagedAt").await["triagedAt"].clone());
            }
            Some(first) => assert_eq!(&got["triagedAt"], first, "triagedAt moved on re-triage"),
        }
    }

    // Every triage is in the timeline, with the priority before and after.
    let got = incident(
        &app,
        &id,
        "timeline(first: 100) { nodes { kind before after } }",
    )
    .await;
    let triages: Vec<&Value> = got["timeline"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|e| e["kind"] == "TRIAGED")
        .collect();
    assert_eq!(triages.len(), MATRIX.len());
    assert!(triages[0]["before"]["priority"].is_null());
    assert_eq!(triages[0]["after"]["priority"], "P1");
    assert_eq!(triages[1]["before"]["priority"], "P1");
    assert_eq!(triages[1]["after"]["priority"], "P2");
}

/// A client that keeps a mutation's answer and later reads the incident again must see the
/// same instants, or it will think they changed.
async fn timestamps_in_an_answer_are_the_stored_ones(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let fields = "createdAt updatedAt triagedAt";
    let data = app
        .ok(
            &admin,
            &format!("mutation {{ reportIncident(input: {{ title: \"t\", service: \"s\" }}) {{ id {fields} }} }}"),
            json!({}),
        )
        .await;
    let reported = &data["reportIncident"];
    let id = reported["id"].as_str().expect("id");
    let (q, v) = transition("triage", id);
    let q = q.replace("{ id status version }", &format!("{{ {fields} }}"));
    let data = app.ok(&admin, &q, v).await;
    let triaged = &data["triageIncident"];
    let stored = incident(&app, id, fields).await;
    assert_eq!(stored["createdAt"], reported["createdAt"], "createdAt");
    assert_eq!(stored["updatedAt"], triaged["updatedAt"], "updatedAt");
    assert_eq!(stored["triagedAt"], triaged["triagedAt"], "triagedAt");
}

async fn stale_expected_version_conflicts_and_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let id = app.report(&admin, "Two people at once").await;
    let with_version = |action: &str, version: i64| {
        let (q, mut v) = transition(action, &id);
        v["input"]["expectedVersion"] = json!(version);
        (q, v)
    };

    for stale in [0, 2, 7] {
        let before = snapshot(&app, &id).await;
        let (q, v) = with_version("triage", stale);
        let (code, message) = app.error_code(&admin, &q, v).await;
        assert_eq!(code, "CONFLICT", "expectedVersion {stale}: {message}");
        assert!(
            message.contains("version 1"),
            "says the current version: {message}"
        );
        assert_eq!(snapshot(&app, &id).await, before);
    }

    let (q, v) = with_version("triage", 1);
    let data = app.ok(&admin, &q, v).await;
    assert_eq!(data["triageIncident"]["version"], 2);

    // The lost update the version guards against: a second client still holding version 1.
    let before = snapshot(&app, &id).await;
    let (q, v) = with_version("cancel", 1);
    let (code, _) = app.error_code(&admin, &q, v).await;
    assert_eq!(code, "CONFLICT");
    assert_eq!(snapshot(&app, &id).await, before);

    let (q, v) = with_version("investigate", 2);
    let data = app.ok(&admin, &q, v).await;
    assert_eq!(
        data["startInvestigation"],
        json!({ "id": id, "status": "INVESTIGATING", "version": 3 })
    );
}

async fn concurrent_transitions_at_one_version_let_exactly_one_through(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let id = app.report(&admin, "Everyone triages at once").await;
    let requests = MATRIX.iter().map(|(impact, urgency, _)| {
        let query = "mutation($id: ID!, $impact: Level!, $urgency: Level!) { triageIncident(input: { id: $id, expectedVersion: 1, category: \"db\", impact: $impact, urgency: $urgency }) { priority } }";
        app.gql(
            &admin,
            query,
            json!({ "id": id, "impact": impact, "urgency": urgency }),
        )
    });
    let responses = futures::future::join_all(requests).await;
    let mut winners = Vec::new();
    for (status, body) in &responses {
        assert_eq!(*status, StatusCode::OK, "{body}");
        match body["errors"][0]["extensions"]["code"].as_str() {
            None => winners.push(body["data"]["triageIncident"]["priority"].clone()),
            Some(code) => assert_eq!(code, "CONFLICT", "{body}"),
        }
    }
    assert_eq!(winners.len(), 1, "{responses:?}");
    let got = incident(&app, &id, "priority version timeline { totalCount }").await;
    assert_eq!(got["version"], 2);
    assert_eq!(got["priority"], winners[0]);
    assert_eq!(got["timeline"]["totalCount"], 2);
}

/// The columns of the permission table.
const ROLES: [(&str, &[&str]); 8] = [
    ("admin", &["admin"]),
    ("manager", &["manager"]),
    ("specialist", &["specialist"]),
    ("communicator", &["communicator"]),
    ("viewer", &["viewer"]),
    ("no roles", &[]),
    ("unknown role only", &["wizard"]),
    ("no token", &[]),
];

/// What each role gets, in the order of `ROLES`. `OK` means allowed. A token without a known
/// role may not read incidents, so to it they do not exist (NOT_FOUND), as the design asks.
const OK: &str = "OK";
const FORBIDDEN: &str = "FORBIDDEN";
const NOT_FOUND: &str = "NOT_FOUND";
const UNAUTH: &str = "UNAUTHENTICATED";
const RESPONDERS: [&str; 8] = [
    OK, OK, OK, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, UNAUTH,
];
const LEADS: [&str; 8] = [
    OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, UNAUTH,
];

/// action, the status it starts from, the status it leads to, who may run it on an incident
/// someone else reported.
const TABLE: [(&str, &str, &str, [&str; 8]); 7] = [
    ("triage", "NEW", "TRIAGED", RESPONDERS),
    ("investigate", "TRIAGED", "INVESTIGATING", RESPONDERS),
    ("mitigate", "INVESTIGATING", "MITIGATED", RESPONDERS),
    ("resolve", "INVESTIGATING", "RESOLVED", RESPONDERS),
    ("close", "RESOLVED", "CLOSED", LEADS),
    ("reopen", "RESOLVED", "INVESTIGATING", LEADS),
    ("cancel", "NEW", "CANCELLED", LEADS),
];

fn token_for(app: &TestApp, role: &str, roles: &[&str]) -> String {
    if role == "no token" {
        return String::new();
    }
    app.token(&format!("actor-{}", role.replace(' ', "-")), roles)
}

async fn permissions_operation_by_role(backend: Backend) {
    let app = TestApp::spawn_with(backend, reviews_not_required).await;
    let reporter = app.token("someone-else", &["viewer"]);
    let mut failures = Vec::new();

    // Reporting: any known role.
    let report = "mutation { reportIncident(input: { title: \"t\", service: \"s\" }) { status reporter { id } } }";
    let expected_report = [OK, OK, OK, OK, OK, FORBIDDEN, FORBIDDEN, UNAUTH];
    for ((role, roles), expected) in ROLES.iter().zip(expected_report) {
        let count = app.incident_count().await;
        let token = token_for(&app, role, roles);
        let (status, body) = app.gql(&token, report, json!({})).await;
        let got = body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or(OK);
        if got != expected {
            failures.push(format!(
                "report as {role}: expected {expected}, got {got}: {body}"
            ));
        }
        if expected == UNAUTH {
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        let written = if expected == OK { 1 } else { 0 };
        assert_eq!(
            app.incident_count().await,
            count + written,
            "report as {role}"
        );
    }

    for (action, from, to, expected) in TABLE {
        for ((role, roles), expected) in ROLES.iter().zip(expected) {
            let id = app.incident_in(&reporter, from).await;
            let before = snapshot(&app, &id).await;
            let (q, v) = transition(action, &id);
            let (_, body) = app.gql(&token_for(&app, role, roles), &q, v).await;
            let got = body["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or(OK);
            if got != expected {
                failures.push(format!(
                    "{action} as {role}: expected {expected}, got {got}: {body}"
                ));
            }
            let after = snapshot(&app, &id).await;
            if expected == OK {
                assert_eq!(after.0, to, "{action} as {role}");
            } else {
                assert_eq!(after, before, "{action} as {role} wrote something");
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

async fn reading_needs_a_known_role(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app.report(&app.admin(), "Who may see me").await;
    let by_id = "query($id: ID!) { incident(id: $id) { id } }";
    let list = "{ incidents { totalCount } }";
    for (role, roles) in ROLES {
        let token = token_for(&app, role, roles);
        let known = roles.iter().any(|r| *r != "wizard");
        for target in [id.as_str(), "INC-1"] {
            let (_, body) = app.gql(&token, by_id, json!({ "id": target })).await;
            if known {
                assert_eq!(
                    body["data"]["incident"]["id"],
                    id.as_str(),
                    "{role}: {body}"
                );
            } else {
                let code = &body["errors"][0]["extensions"]["code"];
                let expected = if role == "no token" {
                    UNAUTH
                } else {
                    NOT_FOUND
                };
                assert_eq!(code, expected, "incident({target}) as {role}: {body}");
                assert!(body["data"]["incident"].is_null(), "{role}: {body}");
            }
        }
        let (_, body) = app.gql(&token, list, json!({})).await;
        if known {
            assert_eq!(body["data"]["incidents"]["totalCount"], 1, "{role}: {body}");
        } else {
            let expected = if role == "no token" {
                UNAUTH
            } else {
                FORBIDDEN
            };
            assert_eq!(
                body["errors"][0]["extensions"]["code"], expected,
                "incidents as {role}: {body}"
            );
        }
    }
}

async fn the_reporter_may_close_their_own_incident_and_nothing_more(backend: Backend) {
    let app = TestApp::spawn_with(backend, reviews_not_required).await;
    for role in ["viewer", "communicator", "specialist"] {
        let owner = app.token(&format!("owner-{role}"), &[role]);
        let id = app.incident_in(&owner, "RESOLVED").await;
        // Closure is theirs; reopening and cancelling are not.
        let before = snapshot(&app, &id).await;
        let (q, v) = transition("reopen", &id);
        assert_eq!(app.error_code(&owner, &q, v).await.0, FORBIDDEN, "{role}");
        assert_eq!(snapshot(&app, &id).await, before);
        let (q, v) = transition("close", &id);
        let data = app.ok(&owner, &q, v).await;
        assert_eq!(data["closeIncident"]["status"], "CLOSED", "{role}");
    }

    let owner = app.token("owner-of-new", &["viewer"]);
    let id = app.report(&owner, "My own, still new").await;
    let (q, v) = transition("cancel", &id);
    assert_eq!(app.error_code(&owner, &q, v).await.0, FORBIDDEN);

    // A viewer may not close someone else's incident.
    let id = app.incident_in(&owner, "RESOLVED").await;
    let stranger = app.token("stranger", &["viewer"]);
    let (q, v) = transition("close", &id);
    assert_eq!(app.error_code(&stranger, &q, v).await.0, FORBIDDEN);
    assert_eq!(app.state(&app.admin(), &id).await.0, "RESOLVED");

    // The reporter whose token no longer carries a known role grants nothing, not even this.
    for roles in [&[][..], &["wizard"][..]] {
        let roleless = app.token("owner-of-new", roles);
        let (q, v) = transition("close", &id);
        assert_eq!(
            app.error_code(&roleless, &q, v).await.0,
            NOT_FOUND,
            "{roles:?}"
        );
        assert_eq!(app.state(&app.admin(), &id).await.0, "RESOLVED");
    }
}
