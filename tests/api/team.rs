//! Incident roles through the API: assigning and relieving with history and timeline, rights
//! that follow the role on that incident only, who may assign, races between two clients,
//! bad input, `users`, `responders` and `myIncidents`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, TestApp, reviews_not_required, transition};

on_both_databases!(
    assigning_a_new_incident_manager_relieves_the_previous_one,
    assigning_needs_a_known_user_and_an_incident_that_is_not_final,
    incident_roles_grant_rights_on_that_incident_only,
    who_may_assign_roles,
    two_incident_managers_assigned_at_once_exactly_one_wins,
    anyone_may_step_down_but_only_from_a_role_they_hold,
    users_are_found_by_name_email_or_id,
);

const ASSIGN: &str = "mutation($input: AssignRoleInput!) { assignRole(input: $input) { id version roles { role user { id } } } }";
const RELIEVE: &str = "mutation($input: RelieveRoleInput!) { relieveRole(input: $input) { id version roles { role user { id } } } }";

fn role_input(incident: &str, user: &str, role: &str) -> Value {
    json!({ "input": { "incidentId": incident, "userId": user, "role": role } })
}

async fn roles(app: &TestApp, id: &str) -> Value {
    app.ok(
        &app.admin(),
        "query($id: ID!) { incident(id: $id) { version roles(includeRelieved: true) { role active user { id } assignedBy { id } assumedAt relievedAt relievedBy { id } } responders { id } timeline(first: 50) { edges { node { kind after } } } } }",
        json!({ "id": id }),
    )
    .await["incident"]
        .clone()
}

async fn assigning_a_new_incident_manager_relieves_the_previous_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.sign_in("mgr", &["manager"]).await;
    let ada = app.sign_in("ada", &["specialist"]).await;
    app.sign_in("bob", &["specialist"]).await;
    let id = app.report(&manager, "Checkout is down").await;

    app.ok(&manager, ASSIGN, role_input(&id, "ada", "INCIDENT_MANAGER"))
        .await;
    app.ok(&manager, ASSIGN, role_input(&id, "ada", "SPECIALIST"))
        .await;
    let data = app
        .ok(&manager, ASSIGN, role_input(&id, "bob", "INCIDENT_MANAGER"))
        .await;
    let active: Vec<(String, String)> = data["assignRole"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["role"].as_str().unwrap().into(),
                r["user"]["id"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        active,
        [
            ("SPECIALIST".into(), "ada".into()),
            ("INCIDENT_MANAGER".into(), "bob".into())
        ]
    );

    let got = roles(&app, &id).await;
    let history = got["roles"].as_array().unwrap();
    assert_eq!(history.len(), 3, "{got}");
    let first = &history[0];
    assert_eq!(first["user"]["id"], "ada");
    assert_eq!(first["role"], "INCIDENT_MANAGER");
    assert_eq!(first["active"], false);
    assert_eq!(first["assignedBy"]["id"], "mgr");
    assert_eq!(first["relievedBy"]["id"], "mgr");
    assert!(first["relievedAt"].as_str().unwrap() >= first["assumedAt"].as_str().unwrap());
    assert!(history[2]["relievedAt"].is_null());
    let responders: Vec<&str> = got["responders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(responders, ["ada", "bob"]);
    // Three assignments and one relief, each a timeline event; one version per assignment.
    let kinds: Vec<&str> = got["timeline"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "REPORTED",
            "ROLE_ASSIGNED",
            "ROLE_ASSIGNED",
            "ROLE_RELIEVED",
            "ROLE_ASSIGNED"
        ]
    );
    assert_eq!(got["version"], 4);

    // Assigning a role someone already holds changes nothing.
    let again = app
        .ok(&manager, ASSIGN, role_input(&id, "bob", "INCIDENT_MANAGER"))
        .await;
    assert_eq!(again["assignRole"]["version"], 4);

    // myIncidents: ada still holds SPECIALIST; once the incident is resolved it is not open.
    let mine = app.ok(&ada, "{ myIncidents { id } }", json!({})).await;
    assert_eq!(mine["myIncidents"][0]["id"], id.as_str());
    app.drive_to(&id, "RESOLVED").await;
    let mine = app.ok(&ada, "{ myIncidents { id } }", json!({})).await;
    assert_eq!(mine["myIncidents"], json!([]));
}

async fn assigning_needs_a_known_user_and_an_incident_that_is_not_final(backend: Backend) {
    let app = TestApp::spawn_with(backend, reviews_not_required).await;
    let admin = app.admin();
    app.sign_in("ada", &["viewer"]).await;
    let id = app.report(&admin, "Search is slow").await;
    let (code, message) = app
        .error_code(&admin, ASSIGN, role_input(&id, "nobody-knows-me", "SCRIBE"))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("userId"), "{message}");
    let (code, _) = app
        .error_code(&admin, ASSIGN, role_input(&id, "  ", "SCRIBE"))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let (code, _) = app
        .error_code(&admin, ASSIGN, role_input("INC-999", "ada", "SCRIBE"))
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (code, _) = app
        .error_code(&admin, ASSIGN, role_input("not an id", "ada", "SCRIBE"))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let (_, body) = app
        .gql(&admin, ASSIGN, role_input(&id, "ada", "CAPTAIN"))
        .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("CAPTAIN"),
        "{body}"
    );

    for status in ["CLOSED", "CANCELLED"] {
        let done = app.incident_in(&admin, status).await;
        let before = roles(&app, &done).await;
        let (code, message) = app
            .error_code(&admin, ASSIGN, role_input(&done, "ada", "SCRIBE"))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{status}");
        assert!(message.contains(status), "{message}");
        assert_eq!(
            roles(&app, &done).await,
            before,
            "nothing changed on a {status} incident"
        );
    }
    // Roles held when an incident closes stay as they were: history, not to be relieved.
    let closing = app.report(&admin, "Closes with a scribe").await;
    app.ok(&admin, ASSIGN, role_input(&closing, "ada", "SCRIBE"))
        .await;
    app.drive_to(&closing, "CLOSED").await;
    let before = roles(&app, &closing).await;
    let (code, message) = app
        .error_code(&admin, RELIEVE, role_input(&closing, "ada", "SCRIBE"))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("CLOSED"), "{message}");
    assert_eq!(roles(&app, &closing).await, before);

    // Nothing was written by any of the refusals.
    let got = roles(&app, &id).await;
    assert_eq!(got["version"], 1);
    assert_eq!(got["roles"], json!([]));
}

async fn incident_roles_grant_rights_on_that_incident_only(backend: Backend) {
    let app = TestApp::spawn_with(backend, reviews_not_required).await;
    let admin = app.admin();
    // Organisation viewers: on their own they may read, report and watch, nothing more.
    let im = app.sign_in("im", &["viewer"]).await;
    let spec = app.sign_in("spec", &["viewer"]).await;
    let comms = app.sign_in("comms", &["viewer"]).await;
    let scribe = app.sign_in("scribe", &["viewer"]).await;
    let ours = app.report(&admin, "Ours").await;
    let other = app.report(&admin, "Someone else's").await;
    for (user, role) in [
        ("im", "INCIDENT_MANAGER"),
        ("spec", "SPECIALIST"),
        ("comms", "COMMUNICATOR"),
        ("scribe", "SCRIBE"),
    ] {
        app.ok(&admin, ASSIGN, role_input(&ours, user, role)).await;
    }

    let outcome = |token: String, query: String, variables: Value| {
        let app = &app;
        async move {
            let (status, body) = app.gql(&token, &query, variables).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            match body["errors"][0]["extensions"]["code"].as_str() {
                None => "OK".to_owned(),
                Some(code) => code.to_owned(),
            }
        }
    };
    let note = |id: &str| {
        (
            "mutation($input: AddNoteInput!) { addNote(input: $input) { id } }".to_owned(),
            json!({ "input": { "incidentId": id, "body": "checked the pool" } }),
        )
    };
    let update = |id: &str| {
        (
            "mutation($input: PostUpdateInput!) { postUpdate(input: $input) { id } }".to_owned(),
            json!({ "input": { "incidentId": id, "audience": "STAKEHOLDERS", "body": "We are on it" } }),
        )
    };

    // The incident manager triages (on their incident only), the specialist investigates.
    let (q, v) = transition("triage", &other);
    assert_eq!(outcome(im.clone(), q, v).await, "FORBIDDEN");
    let (q, v) = transition("triage", &ours);
    assert_eq!(
        outcome(spec.clone(), q.clone(), v.clone()).await,
        "FORBIDDEN"
    );
    assert_eq!(outcome(im.clone(), q, v).await, "OK");
    let (q, v) = transition("investigate", &ours);
    assert_eq!(
        outcome(comms.clone(), q.clone(), v.clone()).await,
        "FORBIDDEN"
    );
    assert_eq!(outcome(spec.clone(), q, v).await, "OK");

    // Notes: specialist, scribe, incident manager; not the communicator; not elsewhere.
    for (token, expected) in [
        (&spec, "OK"),
        (&scribe, "OK"),
        (&im, "OK"),
        (&comms, "FORBIDDEN"),
    ] {
        let (q, v) = note(&ours);
        assert_eq!(outcome(token.clone(), q, v).await, expected);
    }
    let (q, v) = note(&other);
    assert_eq!(outcome(spec.clone(), q, v).await, "FORBIDDEN");

    // Updates: communicator and incident manager; not the specialist; not elsewhere.
    for (token, expected) in [
        (&comms, "OK"),
        (&im, "OK"),
        (&spec, "FORBIDDEN"),
        (&scribe, "FORBIDDEN"),
    ] {
        let (q, v) = update(&ours);
        assert_eq!(outcome(token.clone(), q, v).await, expected);
    }
    let (q, v) = update(&other);
    assert_eq!(outcome(comms.clone(), q, v).await, "FORBIDDEN");

    // The incident manager assigns roles on their incident, not elsewhere.
    let (q, v) = (ASSIGN.to_owned(), role_input(&ours, "scribe", "SPECIALIST"));
    assert_eq!(outcome(im.clone(), q, v).await, "OK");
    let (q, v) = (
        ASSIGN.to_owned(),
        role_input(&other, "scribe", "SPECIALIST"),
    );
    assert_eq!(outcome(im.clone(), q, v).await, "FORBIDDEN");

    // Resolving: specialist yes; then closing is the incident manager's (or the reporter's).
    let (q, v) = transition("resolve", &ours);
    assert_eq!(outcome(spec.clone(), q, v).await, "OK");
    let (q, v) = transition("close", &ours);
    assert_eq!(
        outcome(spec.clone(), q.clone(), v.clone()).await,
        "FORBIDDEN"
    );
    assert_eq!(outcome(im.clone(), q, v).await, "OK");

    // Once relieved, the rights are gone.
    let id2 = app.report(&admin, "Another one").await;
    app.ok(&admin, ASSIGN, role_input(&id2, "spec", "INCIDENT_MANAGER"))
        .await;
    app.ok(
        &admin,
        RELIEVE,
        role_input(&id2, "spec", "INCIDENT_MANAGER"),
    )
    .await;
    let (q, v) = transition("triage", &id2);
    assert_eq!(outcome(spec.clone(), q, v).await, "FORBIDDEN");
}

async fn who_may_assign_roles(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    app.sign_in("ada", &["viewer"]).await;
    let id = app.report(&admin, "Who decides").await;
    for (roles, expected) in [
        (&["admin"][..], None),
        (&["manager"][..], None),
        (&["specialist"][..], Some("FORBIDDEN")),
        (&["communicator"][..], Some("FORBIDDEN")),
        (&["viewer"][..], Some("FORBIDDEN")),
        (&[][..], Some("NOT_FOUND")),
    ] {
        let token = app.token("someone", roles);
        let (_, body) = app
            .gql(&token, ASSIGN, role_input(&id, "ada", "SCRIBE"))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"].as_str(),
            expected,
            "{roles:?}: {body}"
        );
        if expected.is_none() {
            app.ok(&admin, RELIEVE, role_input(&id, "ada", "SCRIBE"))
                .await;
        }
    }
}

async fn two_incident_managers_assigned_at_once_exactly_one_wins(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let people: Vec<String> = (0..6).map(|i| format!("lead-{i}")).collect();
    for p in &people {
        app.sign_in(p, &["manager"]).await;
    }
    let app = &app;
    // From the same version: exactly one assignment goes through, the others are CONFLICT.
    let id = app.report(&admin, "Everyone wants to lead").await;
    let requests = people.iter().map(|p| {
        let token = app.token(p, &["manager"]);
        let variables = json!({ "input": {
            "incidentId": id, "userId": p, "role": "INCIDENT_MANAGER", "expectedVersion": 1
        } });
        async move { app.gql(&token, ASSIGN, variables).await }
    });
    let responses = futures::future::join_all(requests).await;
    let winners = responses
        .iter()
        .filter(|(_, body)| body.get("errors").is_none())
        .count();
    for (_, body) in &responses {
        if let Some(code) = body["errors"][0]["extensions"]["code"].as_str() {
            assert_eq!(code, "CONFLICT", "{body}");
        }
    }
    assert_eq!(winners, 1, "{responses:?}");
    let active = |got: &Value| {
        got["roles"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["active"] == true && r["role"] == "INCIDENT_MANAGER")
            .count()
    };
    assert_eq!(active(&roles(app, &id).await), 1);

    // Without expectedVersion the requests may each win in turn (the later relieving the
    // earlier) or lose to a simultaneous one, but there is never more than one manager.
    let id = app.report(&admin, "Everyone wants to lead, again").await;
    let requests = people.iter().map(|p| {
        let token = app.token(p, &["manager"]);
        let variables = role_input(&id, p, "INCIDENT_MANAGER");
        async move { app.gql(&token, ASSIGN, variables).await }
    });
    for (_, body) in futures::future::join_all(requests).await {
        if let Some(code) = body["errors"][0]["extensions"]["code"].as_str() {
            assert_eq!(code, "CONFLICT", "{body}");
        }
    }
    assert_eq!(active(&roles(app, &id).await), 1);
}

async fn anyone_may_step_down_but_only_from_a_role_they_hold(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let ada = app.sign_in("ada", &["viewer"]).await;
    let bob = app.sign_in("bob", &["viewer"]).await;
    let id = app.report(&admin, "Stepping down").await;
    app.ok(&admin, ASSIGN, role_input(&id, "ada", "SCRIBE"))
        .await;
    app.ok(&admin, ASSIGN, role_input(&id, "bob", "SPECIALIST"))
        .await;
    // Bob may not relieve Ada...
    let (code, _) = app
        .error_code(&bob, RELIEVE, role_input(&id, "ada", "SCRIBE"))
        .await;
    assert_eq!(code, "FORBIDDEN");
    // ...nor relieve himself of a role he does not hold.
    let (code, message) = app
        .error_code(&bob, RELIEVE, role_input(&id, "bob", "SCRIBE"))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("is not SCRIBE"), "{message}");
    // Ada steps down herself.
    let data = app
        .ok(&ada, RELIEVE, role_input(&id, "ada", "SCRIBE"))
        .await;
    assert_eq!(
        data["relieveRole"]["roles"],
        json!([{ "role": "SPECIALIST", "user": { "id": "bob" } }])
    );
}

async fn users_are_found_by_name_email_or_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for sub in ["alice", "alfred", "bob", "100%_sure"] {
        app.sign_in(sub, &["viewer"]).await;
    }
    let token = app.token("alice", &["viewer"]);
    let query = "query($s: String, $after: String) { users(search: $s, first: 2, after: $after) { edges { cursor node { id name } } pageInfo { hasNextPage endCursor } } }";
    let ids = |data: &Value| -> Vec<String> {
        data["users"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let data = app.ok(&token, query, json!({ "s": "AL" })).await;
    assert_eq!(ids(&data), ["alfred", "alice"]);
    assert_eq!(data["users"]["pageInfo"]["hasNextPage"], false);
    // LIKE wildcards in the search are literal characters.
    let data = app.ok(&token, query, json!({ "s": "%_" })).await;
    assert_eq!(ids(&data), ["100%_sure"]);
    // Names match too ("User <sub>" in test tokens), and pages continue after the cursor.
    let data = app.ok(&token, query, json!({ "s": "user " })).await;
    assert_eq!(ids(&data).len(), 2);
    assert_eq!(data["users"]["pageInfo"]["hasNextPage"], true);
    let after = data["users"]["pageInfo"]["endCursor"].clone();
    let data = app
        .ok(&token, query, json!({ "s": "user ", "after": after }))
        .await;
    assert_eq!(ids(&data).len(), 2);
    let (code, _) = app
        .error_code(&token, query, json!({ "s": "x".repeat(201) }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let (code, _) = app
        .error_code(&token, query, json!({ "after": "garbage" }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}
