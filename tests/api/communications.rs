//! Communications through the API: status updates by audience and who may post them, working
//! notes that stay with the responders, watchers, and the update cadence.

use std::time::Duration;

use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, TestApp, transition};

on_both_databases!(
    updates_are_stored_in_the_timeline_and_shown_by_audience,
    bad_updates_are_refused_and_write_nothing,
    notes_and_internal_updates_stay_with_the_responders,
    watching_is_idempotent_and_open_to_everyone,
    the_cadence_says_when_the_next_update_is_due,
    overdue_updates_are_listed_most_overdue_first,
    the_scribe_annotates_the_timeline_without_changing_it,
);

const POST: &str = "mutation($input: PostUpdateInput!) { postUpdate(input: $input) { id at audience body status author { id } incident { id } } }";
const NOTE: &str = "mutation($input: AddNoteInput!) { addNote(input: $input) { id kind after } }";
const ASSIGN: &str = "mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }";

fn post(id: &str, audience: &str, body: &str) -> Value {
    json!({ "input": { "incidentId": id, "audience": audience, "body": body } })
}

/// The update bodies and timeline kinds `token` sees on incident `id`.
async fn seen_by(app: &TestApp, token: &str, id: &str) -> (Vec<String>, Vec<String>) {
    let data = app
        .ok(
            token,
            "query($id: ID!) { incident(id: $id) { updates { body } timeline(first: 100) { totalCount edges { node { kind } } } } }",
            json!({ "id": id }),
        )
        .await;
    let bodies = data["incident"]["updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["body"].as_str().unwrap().to_owned())
        .collect();
    let edges = data["incident"]["timeline"]["edges"].as_array().unwrap();
    assert_eq!(
        data["incident"]["timeline"]["totalCount"].as_u64().unwrap() as usize,
        edges.len(),
        "totalCount counts what the caller may see"
    );
    let kinds = edges
        .iter()
        .map(|e| e["node"]["kind"].as_str().unwrap().to_owned())
        .collect();
    (bodies, kinds)
}

async fn updates_are_stored_in_the_timeline_and_shown_by_audience(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let comms = app.sign_in("comms", &["communicator"]).await;
    let id = app.report(&app.admin(), "Payments fail").await;
    let mut variables = post(&id, "PUBLIC", "We are **investigating** failed payments.");
    variables["input"]["status"] = json!("INVESTIGATING");
    let data = app.ok(&comms, POST, variables).await;
    let update = &data["postUpdate"];
    assert_eq!(update["audience"], "PUBLIC");
    assert_eq!(update["status"], "INVESTIGATING");
    assert_eq!(update["author"]["id"], "comms");
    assert_eq!(update["incident"]["id"], id.as_str());
    app.ok(
        &comms,
        POST,
        post(&id, "STAKEHOLDERS", "Card payments are failing in the EU."),
    )
    .await;

    let data = app
        .ok(
            &comms,
            "query($id: ID!) { incident(id: $id) { all: updates { body } newest: updates(first: 1) { body } public: updates(audience: PUBLIC) { body } timeline(first: 10) { edges { node { kind after } } } } }",
            json!({ "id": id }),
        )
        .await;
    let incident = &data["incident"];
    // Newest first.
    assert_eq!(
        incident["all"],
        json!([{ "body": "Card payments are failing in the EU." }, { "body": "We are **investigating** failed payments." }])
    );
    assert_eq!(
        incident["public"],
        json!([{ "body": "We are **investigating** failed payments." }])
    );
    assert_eq!(
        incident["newest"],
        json!([{ "body": "Card payments are failing in the EU." }])
    );
    let (code, _) = app
        .error_code(
            &comms,
            "query($id: ID!) { incident(id: $id) { updates(first: 101) { body } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let last = &incident["timeline"]["edges"][2]["node"];
    assert_eq!(last["kind"], "UPDATE_POSTED");
    assert_eq!(last["after"]["audience"], "STAKEHOLDERS");
}

async fn bad_updates_are_refused_and_write_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let specialist = app.sign_in("spec", &["specialist"]).await;
    let id = app.report(&admin, "Queue backlog").await;
    let before = app.timeline_len(&admin, &id).await;
    for (body, fragment) in [
        ("", "body"),
        ("   \n\t ", "body"),
        (&"x".repeat(10_001) as &str, "10000"),
        ("nul \u{0} byte", "NUL character"),
    ] {
        let (code, message) = app
            .error_code(&admin, POST, post(&id, "PUBLIC", body))
            .await;
        assert_eq!(code, "BAD_USER_INPUT");
        assert!(message.contains(fragment), "{message}");
    }
    assert!(
        app.ok(&admin, POST, post(&id, "INTERNAL", &"x".repeat(10_000)))
            .await["postUpdate"]["id"]
            .is_string()
    );
    let after_one = app.timeline_len(&admin, &id).await;
    assert_eq!(after_one, before + 1);
    // A specialist without the communicator role may not post.
    let (code, _) = app
        .error_code(&specialist, POST, post(&id, "PUBLIC", "all good"))
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = app
        .error_code(&admin, POST, post("INC-404", "PUBLIC", "all good"))
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (_, body) = app
        .gql(&admin, POST, post(&id, "EVERYONE", "all good"))
        .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("EVERYONE"),
        "{body}"
    );
    assert_eq!(app.timeline_len(&admin, &id).await, after_one);
    let data = app
        .ok(
            &admin,
            "query($id: ID!) { incident(id: $id) { updates { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["incident"]["updates"].as_array().unwrap().len(), 1);
    // Notes have the same bounds.
    let (code, _) = app
        .error_code(
            &admin,
            NOTE,
            json!({ "input": { "incidentId": id, "body": "" } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}

async fn notes_and_internal_updates_stay_with_the_responders(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let stakeholder = app.sign_in("stakeholder", &["viewer"]).await;
    let scribe = app.sign_in("scribe", &["viewer"]).await;
    let id = app.report(&admin, "Latency spike").await;
    let data = app
        .ok(
            &admin,
            NOTE,
            json!({ "input": { "incidentId": id, "body": "pool exhausted?" } }),
        )
        .await;
    assert_eq!(data["addNote"]["kind"], "NOTE_ADDED");
    assert_eq!(data["addNote"]["after"]["body"], "pool exhausted?");
    app.ok(&admin, POST, post(&id, "INTERNAL", "rolling back 4.2"))
        .await;
    app.ok(
        &admin,
        POST,
        post(&id, "STAKEHOLDERS", "Slow pages; working on it"),
    )
    .await;

    let (bodies, kinds) = seen_by(&app, &stakeholder, &id).await;
    assert_eq!(bodies, ["Slow pages; working on it"]);
    assert_eq!(kinds, ["REPORTED", "UPDATE_POSTED"]);

    // The same organisation viewer holding a role on the incident is a responder there.
    app.ok(
        &admin,
        ASSIGN,
        json!({ "input": { "incidentId": id, "userId": "scribe", "role": "SCRIBE" } }),
    )
    .await;
    let (bodies, kinds) = seen_by(&app, &scribe, &id).await;
    assert_eq!(bodies, ["Slow pages; working on it", "rolling back 4.2"]);
    assert_eq!(
        kinds,
        [
            "REPORTED",
            "NOTE_ADDED",
            "UPDATE_POSTED",
            "UPDATE_POSTED",
            "ROLE_ASSIGNED"
        ]
    );
    // Organisation responders see everything everywhere.
    let specialist = app.sign_in("spec", &["specialist"]).await;
    let (bodies, kinds) = seen_by(&app, &specialist, &id).await;
    assert_eq!(bodies.len(), 2);
    assert_eq!(kinds.len(), 5);
}

async fn watching_is_idempotent_and_open_to_everyone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let viewer = app.sign_in("vic", &["viewer"]).await;
    app.sign_in("wendy", &["communicator"]).await;
    let wendy = app.token("wendy", &["communicator"]);
    let id = app.report(&app.admin(), "Email delays").await;
    let watch = "mutation($input: WatchIncidentInput!) { watchIncident(input: $input) { viewerIsWatching watchers { id } } }";
    let unwatch = "mutation($input: UnwatchIncidentInput!) { unwatchIncident(input: $input) { viewerIsWatching watchers { id } } }";
    let input = json!({ "input": { "incidentId": id } });
    for _ in 0..2 {
        let data = app.ok(&viewer, watch, input.clone()).await;
        assert_eq!(data["watchIncident"]["viewerIsWatching"], true);
        assert_eq!(data["watchIncident"]["watchers"], json!([{ "id": "vic" }]));
    }
    let data = app.ok(&wendy, watch, input.clone()).await;
    assert_eq!(
        data["watchIncident"]["watchers"],
        json!([{ "id": "vic" }, { "id": "wendy" }])
    );
    let first_only =
        "query($id: ID!) { incident(id: $id) { watchers(first: 1) { id } viewerIsWatching } }";
    let data = app.ok(&wendy, first_only, json!({ "id": id })).await;
    assert_eq!(
        data["incident"],
        json!({ "watchers": [{ "id": "vic" }], "viewerIsWatching": true }),
        "whether I watch does not depend on which watchers are listed"
    );
    let too_many = "query($id: ID!) { incident(id: $id) { watchers(first: 101) { id } } }";
    let (code, message) = app.error_code(&wendy, too_many, json!({ "id": id })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("first"), "{message}");
    for _ in 0..2 {
        let data = app.ok(&viewer, unwatch, input.clone()).await;
        assert_eq!(data["unwatchIncident"]["viewerIsWatching"], false);
        assert_eq!(
            data["unwatchIncident"]["watchers"],
            json!([{ "id": "wendy" }])
        );
    }
    let nobody = app.token("nobody", &[]);
    let (code, _) = app.error_code(&nobody, watch, input).await;
    assert_eq!(code, "NOT_FOUND");
    // Watching is not a change to the incident: no timeline event, no new version.
    assert_eq!(app.state(&app.admin(), &id).await.1, 1);
}

async fn the_cadence_says_when_the_next_update_is_due(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let query = "query($id: ID!) { incident(id: $id) { priority triagedAt nextUpdateDue } }";
    let id = app.report(&admin, "Login fails").await;
    let got = app.ok(&admin, query, json!({ "id": id })).await;
    assert!(
        got["incident"]["nextUpdateDue"].is_null(),
        "untriaged: no priority, no cadence"
    );
    let (q, v) = transition("triage", &id); // HIGH/HIGH: P1, every 30 minutes by default
    app.ok(&admin, &q, v).await;
    let got = app.ok(&admin, query, json!({ "id": id })).await;
    let triaged = parse(&got["incident"]["triagedAt"]);
    assert_eq!(
        parse(&got["incident"]["nextUpdateDue"]),
        triaged + chrono::Duration::minutes(30)
    );

    // An INTERNAL update does not count; one for stakeholders restarts the clock.
    app.ok(&admin, POST, post(&id, "INTERNAL", "db failover running"))
        .await;
    let got = app.ok(&admin, query, json!({ "id": id })).await;
    assert_eq!(
        parse(&got["incident"]["nextUpdateDue"]),
        triaged + chrono::Duration::minutes(30)
    );
    let data = app
        .ok(
            &admin,
            POST,
            post(&id, "STAKEHOLDERS", "Failover in progress"),
        )
        .await;
    let posted = parse(&data["postUpdate"]["at"]);
    let got = app.ok(&admin, query, json!({ "id": id })).await;
    assert_eq!(
        parse(&got["incident"]["nextUpdateDue"]),
        posted + chrono::Duration::minutes(30)
    );

    app.drive_to(&id, "RESOLVED").await;
    let got = app.ok(&admin, query, json!({ "id": id })).await;
    assert!(
        got["incident"]["nextUpdateDue"].is_null(),
        "resolved: nothing more is due"
    );
}

async fn overdue_updates_are_listed_most_overdue_first(backend: Backend) {
    // A two-second P1 cadence so that updates fall overdue while the test waits.
    let app = TestApp::spawn_with(backend, |s| {
        s.communications.update_interval.p1 = "2s".into();
        s.communications.update_interval.p2 = "off".into();
    })
    .await;
    let admin = app.admin();
    let first = app.report(&admin, "First P1").await;
    let second = app.report(&admin, "Second P1").await;
    let p2 = app.report(&admin, "A P2 without cadence").await;
    for id in [&first, &second] {
        let (q, v) = transition("triage", id);
        app.ok(&admin, &q, v).await;
    }
    app.ok(
        &admin,
        "mutation($id: ID!) { triageIncident(input: { id: $id, category: \"db\", impact: HIGH, urgency: MEDIUM }) { priority } }",
        json!({ "id": p2 }),
    )
    .await;
    let overdue = "{ overdueUpdates { dueAt overdueMinutes incident { id } } }";
    let data = app.ok(&admin, overdue, json!({})).await;
    assert_eq!(data["overdueUpdates"], json!([]), "nothing is due yet");

    // Bounded wait: both P1s fall due two seconds after triage.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let listed = loop {
        let data = app.ok(&admin, overdue, json!({})).await;
        let listed: Vec<String> = data["overdueUpdates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["incident"]["id"].as_str().unwrap().to_owned())
            .collect();
        if listed.len() == 2 || std::time::Instant::now() > deadline {
            break listed;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(
        listed,
        [first.clone(), second.clone()],
        "most overdue first, no P2"
    );

    // An update for stakeholders takes an incident off the list until it falls due again.
    app.ok(&admin, POST, post(&first, "PUBLIC", "Still on it"))
        .await;
    let data = app.ok(&admin, overdue, json!({})).await;
    assert_eq!(data["overdueUpdates"][0]["incident"]["id"], second.as_str());
    assert_eq!(data["overdueUpdates"].as_array().unwrap().len(), 1);
}

fn parse(value: &Value) -> chrono::DateTime<chrono::Utc> {
    value.as_str().unwrap().parse().unwrap()
}

async fn the_scribe_annotates_the_timeline_without_changing_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let scribe = app.sign_in("scribe", &["viewer"]).await;
    let specialist = app.sign_in("spec", &["specialist"]).await;
    let id = app.report(&admin, "Disk full").await;
    let other = app.report(&admin, "Another incident").await;
    app.ok(
        &admin,
        ASSIGN,
        json!({ "input": { "incidentId": id, "userId": "scribe", "role": "SCRIBE" } }),
    )
    .await;
    let timeline = "query($id: ID!) { incident(id: $id) { version timeline { edges { node { id kind after annotation { body updatedBy { id } } } } } } }";
    let data = app.ok(&admin, timeline, json!({ "id": id })).await;
    let reported = data["incident"]["timeline"]["edges"][0]["node"].clone();
    let version = data["incident"]["version"].clone();
    let annotate = "mutation($input: AnnotateTimelineEventInput!) { annotateTimelineEvent(input: $input) { id kind annotation { body updatedBy { id } } } }";
    let input = |event: &Value, text: &str| json!({ "input": { "incidentId": id, "eventId": event, "annotation": text } });
    let data = app
        .ok(&scribe, annotate, input(&reported["id"], "paged at 02:10"))
        .await;
    assert_eq!(
        data["annotateTimelineEvent"]["annotation"],
        json!({ "body": "paged at 02:10", "updatedBy": { "id": "scribe" } })
    );
    app.ok(
        &scribe,
        annotate,
        input(&reported["id"], "paged at 02:12 (corrected)"),
    )
    .await;
    let data = app.ok(&admin, timeline, json!({ "id": id })).await;
    let node = &data["incident"]["timeline"]["edges"][0]["node"];
    assert_eq!(node["annotation"]["body"], "paged at 02:12 (corrected)");
    assert_eq!(
        node["after"], reported["after"],
        "the event itself is unchanged"
    );
    assert_eq!(
        data["incident"]["version"], version,
        "an annotation is not a change"
    );

    let (code, _) = app
        .error_code(&specialist, annotate, input(&reported["id"], "mine"))
        .await;
    assert_eq!(code, "FORBIDDEN");
    let other_event =
        app.ok(&admin, timeline, json!({ "id": other })).await["incident"]["timeline"]["edges"][0]
            ["node"]["id"]
            .clone();
    for (bad, expected) in [
        (other_event, "NOT_FOUND"),
        (json!("-9223372036854775808"), "NOT_FOUND"),
        (json!("abc"), "BAD_USER_INPUT"),
    ] {
        let (code, message) = app.error_code(&scribe, annotate, input(&bad, "x")).await;
        assert_eq!(code, expected, "{bad}");
        assert!(message.contains("eventId"), "{message}");
    }
    let (code, _) = app
        .error_code(
            &scribe,
            annotate,
            input(&reported["id"], &"y".repeat(2_001)),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}
