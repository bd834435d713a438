//! Subscriptions across nodes: two servers share one PostgreSQL database, and a subscriber on
//! either hears the changes made on both, in order, once each, with the same visibility
//! rules as for local changes. PostgreSQL only: several nodes can share only a PostgreSQL
//! database (a SQLite file belongs to one process).

use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;
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

/// A connection to `node` subscribed to every event as `ev`, live when this returns (`node`
/// had no subscriber before).
async fn hearing_everything(node: &TestApp, protocol: &'static str, token: &str) -> WsClient {
    let mut ws = WsClient::open(node, protocol, token).await;
    ws.subscribe("ev", EVENTS, json!({})).await;
    node.wait_for_subscribers(1).await;
    ws
}

fn event(payload: &Value) -> &Value {
    &payload["data"]["incidentEvents"]
}

#[derive(Clone, Copy)]
enum Node {
    A,
    B,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribers_on_every_node_hear_every_change_in_commit_order_and_once() {
    let Some((a, b)) = two_nodes(concat!(
        module_path!(),
        "::subscribers_on_every_node_hear_every_change_in_commit_order_and_once"
    ))
    .await
    else {
        return;
    };
    let admin = a.admin();
    // Everything, on both nodes, from before the first change.
    let mut on_a = hearing_everything(&a, LEGACY_WS, &admin).await;
    let mut on_b = hearing_everything(&b, TRANSPORT_WS, &admin).await;

    let id = a.report(&admin, "checkout is down").await;
    let reported = on_b.next_for("ev").await;
    assert_eq!(event(&reported)["kind"], "REPORTED", "{reported}");
    assert_eq!(event(&reported)["actor"]["id"], "test-admin");
    assert_eq!(event(&reported)["incident"]["id"], id.as_str());
    assert_eq!(event(&reported)["incident"]["status"], "NEW");
    let mut heard_on_b = vec![reported];

    // From here B also follows this incident: its versions, and its events alone.
    on_b.subscribe(
        "inc",
        "subscription($id: ID!) { incidentUpdated(id: $id) { status version } }",
        json!({ "id": id }),
    )
    .await;
    on_b.subscribe("mine", EVENTS, json!({ "filter": { "incidentId": id } }))
        .await;
    b.wait_for_subscribers(3).await;

    // The nodes take turns. Each change reaches B once, with nested fields as they stand
    // after it, whichever node made it, B included.
    let steps = [
        (Node::A, "triage", "TRIAGED", "TRIAGED"),
        (
            Node::A,
            "investigate",
            "INVESTIGATION_STARTED",
            "INVESTIGATING",
        ),
        (Node::B, "mitigate", "MITIGATED", "MITIGATED"),
        (Node::A, "resolve", "RESOLVED", "RESOLVED"),
        (Node::B, "reopen", "REOPENED", "INVESTIGATING"),
    ];
    // The report was version 1.
    for (version_after, (node, action, kind, status)) in (2..).zip(steps) {
        let (q, v) = transition(action, &id);
        match node {
            Node::A => a.ok(&admin, &q, v).await,
            Node::B => b.ok(&admin, &q, v).await,
        };
        let [seen, version, mine] = next_each(&mut on_b, ["ev", "inc", "mine"]).await;
        assert_eq!(event(&seen)["kind"], kind, "{seen}");
        assert_eq!(event(&seen)["incident"]["status"], status, "{seen}");
        assert_eq!(event(&mine)["id"], event(&seen)["id"], "{mine}");
        let update = &version["data"]["incidentUpdated"];
        assert_eq!(update["status"], status, "{version}");
        assert_eq!(update["version"], version_after, "{version}");
        heard_on_b.push(seen);
    }

    // Another incident's changes pass the filter by, from either node: the next `mine` is
    // the resolution below, and nothing arrives twice.
    let other = a.report(&admin, "another one").await;
    let [seen] = next_each(&mut on_b, ["ev"]).await;
    assert_eq!(event(&seen)["incident"]["id"], other.as_str(), "{seen}");
    heard_on_b.push(seen);
    let (q, v) = transition("triage", &other);
    b.ok(&admin, &q, v).await;
    let [seen] = next_each(&mut on_b, ["ev"]).await;
    assert_eq!(event(&seen)["kind"], "TRIAGED", "{seen}");
    heard_on_b.push(seen);
    let (q, v) = transition("resolve", &id);
    b.ok(&admin, &q, v).await;
    let [seen, _, mine] = next_each(&mut on_b, ["ev", "inc", "mine"]).await;
    assert_eq!(event(&mine)["kind"], "RESOLVED", "{mine}");
    heard_on_b.push(seen);

    // A heard the same changes in the same order: the order of their commits, which made
    // one after the other is the order of their ids.
    let mut heard_on_a = Vec::new();
    for _ in 0..heard_on_b.len() {
        heard_on_a.push(on_a.next_for("ev").await);
    }
    let ids = |heard: &[Value]| -> Vec<i64> {
        heard
            .iter()
            .map(|p| {
                event(p)["id"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .expect("id")
            })
            .collect()
    };
    let (on_a_ids, on_b_ids) = (ids(&heard_on_a), ids(&heard_on_b));
    assert_eq!(on_a_ids, on_b_ids);
    assert!(on_b_ids.is_sorted(), "in commit order: {on_b_ids:?}");
    let kinds: Vec<&Value> = heard_on_a.iter().map(|p| &event(p)["kind"]).collect();
    assert_eq!(
        kinds,
        [
            "REPORTED",
            "TRIAGED",
            "INVESTIGATION_STARTED",
            "MITIGATED",
            "RESOLVED",
            "REOPENED",
            "REPORTED",
            "TRIAGED",
            "RESOLVED"
        ]
    );
}

/// The next payload of each subscription in `subs`, which may arrive in any order; a second
/// payload for one of them, or one for another subscription, fails the test.
async fn next_each<const N: usize>(ws: &mut WsClient, subs: [&str; N]) -> [Value; N] {
    let mut seen: [Option<Value>; N] = std::array::from_fn(|_| None);
    while seen.iter().any(Option::is_none) {
        let (sub, payload) = ws.next_payload().await;
        let Some(slot) = subs.iter().position(|s| *s == sub) else {
            panic!("unexpected {sub}: {payload}");
        };
        assert!(
            seen[slot].is_none(),
            "two for {sub} before the others: {payload}"
        );
        seen[slot] = Some(payload);
    }
    seen.map(|p| p.expect("seen"))
}

/// A node whose listening connection is cut still tells its subscribers about its own
/// changes, each once and in order, and hears the other nodes again once it reconnects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_loses_its_listening_connection_keeps_its_subscribers_informed() {
    let Some((a, b)) = two_nodes(concat!(
        module_path!(),
        "::a_node_that_loses_its_listening_connection_keeps_its_subscribers_informed"
    ))
    .await
    else {
        return;
    };
    let admin = a.admin();
    let mut on_a = hearing_everything(&a, TRANSPORT_WS, &admin).await;
    let first = a.report(&admin, "before the cut").await;
    let heard = on_a.next_for("ev").await;
    assert_eq!(event(&heard)["incident"]["id"], first.as_str(), "{heard}");

    // Cut every listening connection: A's and B's.
    let url = a.postgres_url().expect("postgres");
    let sql = sea_orm::Database::connect(&url).await.expect("connect");
    let cut = sql
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
        )
        .await
        .expect("terminate");
    assert_eq!(cut.rows_affected(), 2, "both nodes' listeners");

    // A's own changes, made while it notices and reconnects, each reach it once, in order.
    for i in 0..5 {
        let id = a.report(&admin, &format!("after the cut {i}")).await;
        let heard = on_a.next_for("ev").await;
        assert_eq!(event(&heard)["incident"]["id"], id.as_str(), "{heard}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // B's changes reach A again once both listen again (those made in between are missed,
    // as the README says): report on B until A hears one, within a bounded wait.
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut reported_on_b = Vec::new();
    let heard = loop {
        assert!(Instant::now() < deadline, "A never heard B again");
        reported_on_b.push(b.report(&admin, "from B").await);
        if let Ok((_, payload)) =
            tokio::time::timeout(Duration::from_millis(500), on_a.next_payload()).await
        {
            break payload;
        }
    };
    let heard_id = event(&heard)["incident"]["id"].as_str().expect("id");
    assert!(reported_on_b.iter().any(|id| id == heard_id), "{heard}");
    // And A's own changes still arrive once each.
    let last = a.report(&admin, "after the reconnection").await;
    loop {
        let payload = on_a.next_for("ev").await;
        let got = event(&payload)["incident"]["id"].as_str().expect("id");
        if got == last {
            break;
        }
        assert!(reported_on_b.iter().any(|id| id == got), "{payload}");
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
    let mut on_b = hearing_everything(&b, TRANSPORT_WS, &admin).await;
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
