//! Subscriptions across nodes: two servers share one PostgreSQL database, and a subscriber on
//! either hears the changes made on both, in order, once each, with the same visibility
//! rules as for local changes. PostgreSQL only: several nodes can share only a PostgreSQL
//! database (a SQLite file belongs to one process).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{Backend, TestApp, skip_postgres, transition};
use crate::ws_client::{LEGACY_WS, TRANSPORT_WS, WsClient};

const EVENTS: &str = "subscription($filter: IncidentEventFilter) { incidentEvents(filter: $filter) { id kind actor { id } incident { id status version } } }";

/// Two nodes on one fresh PostgreSQL database, or `None` (with the reason printed).
async fn two_nodes(test: &str) -> Option<(TestApp, TestApp)> {
    let Some(backend) = Backend::postgres() else {
        skip_postgres(&format!(
            "{test} (several nodes can share only a PostgreSQL database)"
        ));
        return None;
    };
    let a = TestApp::spawn(backend).await;
    let b = a.another_node(|_| {}).await;
    Some((a, b))
}

fn event(payload: &Value) -> &Value {
    &payload["data"]["incidentEvents"]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_hears_changes_made_on_another_node_in_order_and_once() {
    let Some((a, b)) = two_nodes(concat!(
        module_path!(),
        "::a_subscriber_hears_changes_made_on_another_node_in_order_and_once"
    ))
    .await
    else {
        return;
    };
    let admin = a.admin();
    let mut on_b = WsClient::open(&b, TRANSPORT_WS, &admin).await;
    on_b.subscribe("ev", EVENTS, json!({})).await;
    b.wait_for_subscribers(1).await;

    // Changes on A reach B in order, with nested fields as they stand after each change.
    let id = a.report(&admin, "checkout is down").await;
    on_b.subscribe(
        "inc",
        "subscription($id: ID!) { incidentUpdated(id: $id) { status version } }",
        json!({ "id": id }),
    )
    .await;
    b.wait_for_subscribers(2).await;
    let first = on_b.next_for("ev").await;
    assert_eq!(event(&first)["kind"], "REPORTED", "{first}");
    assert_eq!(event(&first)["actor"]["id"], "test-admin");
    assert_eq!(event(&first)["incident"]["id"], id.as_str());
    assert_eq!(event(&first)["incident"]["status"], "NEW");
    let mut last_event_id: i64 = event(&first)["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("id");
    for (action, status) in [("triage", "TRIAGED"), ("investigate", "INVESTIGATING")] {
        let (q, v) = transition(action, &id);
        a.ok(&admin, &q, v).await;
        let (seen, version) = event_and_version(&mut on_b).await;
        assert_eq!(event(&seen)["kind"], action_kind(action), "{seen}");
        assert_eq!(event(&seen)["incident"]["status"], status, "{seen}");
        let event_id: i64 = event(&seen)["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("id");
        assert!(event_id > last_event_id, "in order: {seen}");
        last_event_id = event_id;
        assert_eq!(
            version["data"]["incidentUpdated"]["status"], status,
            "{version}"
        );
    }

    // A change on B itself reaches B's subscriber once: the next event after it is the
    // next change made on A, not B's own change relayed back.
    let (q, v) = transition("mitigate", &id);
    b.ok(&admin, &q, v).await;
    let (own, version) = event_and_version(&mut on_b).await;
    assert_eq!(event(&own)["kind"], "MITIGATED", "{own}");
    assert_eq!(version["data"]["incidentUpdated"]["status"], "MITIGATED");
    let (q, v) = transition("resolve", &id);
    a.ok(&admin, &q, v).await;
    let (next, version) = event_and_version(&mut on_b).await;
    assert_eq!(event(&next)["kind"], "RESOLVED", "not a duplicate: {next}");
    assert_eq!(version["data"]["incidentUpdated"]["status"], "RESOLVED");

    // And the other way round: A's subscriber hears B's changes, once.
    let mut on_a = WsClient::open(&a, LEGACY_WS, &admin).await;
    on_a.subscribe("ev", EVENTS, json!({ "filter": { "incidentId": id } }))
        .await;
    a.wait_for_subscribers(1).await;
    let (q, v) = transition("reopen", &id);
    b.ok(&admin, &q, v).await;
    let reopened = on_a.next_for("ev").await;
    assert_eq!(event(&reopened)["kind"], "REOPENED", "{reopened}");
    assert_eq!(
        event(&reopened)["incident"]["status"],
        "INVESTIGATING",
        "{reopened}"
    );
    // Another incident's changes pass the filter by, from either node.
    let other = a.report(&admin, "another one").await;
    let (q, v) = transition("triage", &other);
    b.ok(&admin, &q, v).await;
    let (q, v) = transition("resolve", &id);
    b.ok(&admin, &q, v).await;
    let resolved = on_a.next_for("ev").await;
    assert_eq!(event(&resolved)["kind"], "RESOLVED", "{resolved}");
}

/// The next `ev` and `inc` payloads, which two subscriptions deliver in either order.
async fn event_and_version(ws: &mut WsClient) -> (Value, Value) {
    let (mut seen_event, mut seen_version) = (None, None);
    while seen_event.is_none() || seen_version.is_none() {
        let (sub, payload) = ws.next_payload().await;
        let slot = match sub.as_str() {
            "ev" => &mut seen_event,
            "inc" => &mut seen_version,
            other => panic!("unexpected {other}"),
        };
        assert!(slot.is_none(), "two for {sub} before the other: {payload}");
        *slot = Some(payload);
    }
    (seen_event.expect("event"), seen_version.expect("version"))
}

fn action_kind(action: &str) -> &'static str {
    match action {
        "triage" => "TRIAGED",
        "investigate" => "INVESTIGATION_STARTED",
        other => panic!("no kind for {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_events_from_another_node_reach_only_those_who_may_see_them() {
    let Some((a, b)) = two_nodes(concat!(
        module_path!(),
        "::internal_events_from_another_node_reach_only_those_who_may_see_them"
    ))
    .await
    else {
        return;
    };
    let admin = a.admin();
    let stakeholder = a.sign_in("stake", &["viewer"]).await;
    let incident = a.report(&admin, "payments flap").await;
    a.ok(
        &stakeholder,
        "mutation($id: ID!) { watchIncident(input: { incidentId: $id }) { id } }",
        json!({ "id": incident }),
    )
    .await;

    let mut insider = WsClient::open(&b, TRANSPORT_WS, &admin).await;
    let mut outsider = WsClient::open(&b, LEGACY_WS, &stakeholder).await;
    let filter = json!({ "filter": { "incidentId": incident } });
    insider.subscribe("ev", EVENTS, filter.clone()).await;
    outsider.subscribe("ev", EVENTS, filter).await;
    let updates = "subscription { updatesPosted { audience body incident { id } author { id } } }";
    insider.subscribe("up", updates, json!({})).await;
    outsider.subscribe("up", updates, json!({})).await;
    b.wait_for_subscribers(4).await;

    // All on A.
    a.ok(
        &admin,
        "mutation($id: ID!) { addNote(input: { incidentId: $id, body: \"the primary is flapping\" }) { id } }",
        json!({ "id": incident }),
    )
    .await;
    let post = "mutation($id: ID!, $a: Audience!, $b: String!) { postUpdate(input: { incidentId: $id, audience: $a, body: $b }) { id } }";
    for (audience, body) in [("INTERNAL", "for responders"), ("PUBLIC", "we are on it")] {
        a.ok(
            &admin,
            post,
            json!({ "id": incident, "a": audience, "b": body }),
        )
        .await;
    }
    let (q, v) = transition("triage", &incident);
    a.ok(&admin, &q, v).await;

    let mut insider_events = Vec::new();
    let mut insider_updates = Vec::new();
    while insider_events.len() < 4 || insider_updates.len() < 2 {
        let (sub, payload) = insider.next_payload().await;
        match sub.as_str() {
            "ev" => insider_events.push(event(&payload)["kind"].clone()),
            "up" => insider_updates.push(payload["data"]["updatesPosted"]["body"].clone()),
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        insider_events,
        ["NOTE_ADDED", "UPDATE_POSTED", "UPDATE_POSTED", "TRIAGED"]
    );
    assert_eq!(insider_updates, ["for responders", "we are on it"]);

    // The stakeholder: neither the note nor the INTERNAL update.
    let mut outsider_events = Vec::new();
    let mut outsider_updates = Vec::new();
    while outsider_events.len() < 2 || outsider_updates.is_empty() {
        let (sub, payload) = outsider.next_payload().await;
        match sub.as_str() {
            "ev" => outsider_events.push(event(&payload)["kind"].clone()),
            "up" => {
                let update = &payload["data"]["updatesPosted"];
                assert_eq!(update["author"]["id"], "test-admin");
                assert_eq!(update["incident"]["id"], incident.as_str());
                outsider_updates.push(update["body"].clone());
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(outsider_events, ["UPDATE_POSTED", "TRIAGED"]);
    assert_eq!(outsider_updates, ["we are on it"]);
}

/// Not an assertion on time (that would be flaky): the latency from a mutation's answer on
/// one node to the event on another, printed for the README.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_node_latency_is_measured() {
    let Some((a, b)) = two_nodes(concat!(module_path!(), "::cross_node_latency_is_measured")).await
    else {
        return;
    };
    let admin = a.admin();
    let mut on_b = WsClient::open(&b, TRANSPORT_WS, &admin).await;
    on_b.subscribe("ev", EVENTS, json!({})).await;
    b.wait_for_subscribers(1).await;
    let mut latencies = Vec::new();
    for i in 0..50 {
        let id = a.report(&admin, &format!("incident {i}")).await;
        let answered = Instant::now();
        let payload = on_b.next_for("ev").await;
        latencies.push(answered.elapsed());
        assert_eq!(event(&payload)["incident"]["id"], id.as_str(), "{payload}");
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let first = latencies[0];
    latencies.sort();
    eprintln!(
        "cross-node latency, mutation answered on A to event on B, 50 reports: first {:.2} ms, median {:.2} ms, p90 {:.2} ms, max {:.2} ms",
        ms(first),
        ms(latencies[25]),
        ms(latencies[45]),
        ms(latencies[49])
    );
}
