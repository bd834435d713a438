//! Subscriptions over a real websocket, in both protocols: authentication at
//! `connection_init`, argument errors before the stream starts, visibility of INTERNAL
//! events and status updates, the per-connection cap, order, nothing for a rolled-back
//! change, and a client that stops reading.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, TestApp, reviews_not_required, transition};
use crate::ws_client::{LEGACY_WS, PROTOCOLS, Received, TRANSPORT_WS, WAIT, WsClient};

const EVENTS: &str = "subscription($filter: IncidentEventFilter) { incidentEvents(filter: $filter) { id kind actor { id } incident { id status } } }";

on_both_databases!(
    events_arrive_in_order_in_both_protocols,
    a_missing_or_bad_token_closes_the_connection,
    bad_arguments_fail_before_the_stream_starts,
    the_21st_subscription_is_refused_and_the_others_go_on,
    internal_events_and_updates_reach_only_those_who_may_see_them,
    a_rolled_back_change_publishes_nothing,
    a_client_that_stops_reading_lags_without_stalling_the_server,
    a_silent_connection_is_closed_at_the_keepalive,
    the_connection_ends_when_its_token_expires,
    incident_updated_delivers_new_versions_only,
    subscription_events_keep_the_order_of_the_query,
);

impl TestApp {
    /// Waits (bounded) until this node has at least `n` live subscriptions: a subscription
    /// is live once the server has run its resolver, a moment after the client sent it.
    pub async fn wait_for_subscribers(&self, n: usize) {
        let deadline = Instant::now() + WAIT;
        while self.services.bus.subscriber_count() < n {
            assert!(
                Instant::now() < deadline,
                "only {} of {n} subscriptions became live",
                self.services.bus.subscriber_count()
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Waits until no subscription is live; `what` says which failure a timeout means.
    pub async fn wait_for_no_subscribers(&self, what: &str) {
        let deadline = Instant::now() + WAIT;
        while self.services.bus.subscriber_count() > 0 {
            assert!(Instant::now() < deadline, "{what}");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

fn event_id(event: &Value) -> i64 {
    event["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("a numeric event id")
}

fn error_code(payload: &Value) -> &str {
    payload["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<no code>")
}

async fn events_arrive_in_order_in_both_protocols(backend: Backend) {
    let app = TestApp::spawn_with(backend, reviews_not_required).await;
    let admin = app.admin();
    let mut latencies = Vec::new();
    for protocol in PROTOCOLS {
        let mut ws = WsClient::open(&app, protocol, &admin).await;
        ws.subscribe("all", EVENTS, json!({})).await;
        app.wait_for_subscribers(1).await;
        // One change at a time: nested fields are loaded afresh for each event (the
        // incident shows the state after the change), not cached from the first event.
        let id = app.report(&admin, "orders time out").await;
        let payload = ws.next_for("all").await;
        let event = &payload["data"]["incidentEvents"];
        assert_eq!(event["kind"], "REPORTED", "{protocol}: {payload}");
        assert_eq!(event["actor"]["id"], "test-admin");
        assert_eq!(event["incident"]["id"], id.as_str());
        assert_eq!(event["incident"]["status"], "NEW");
        let (q, v) = transition("triage", &id);
        app.ok(&admin, &q, v).await;
        let payload = ws.next_for("all").await;
        let event = &payload["data"]["incidentEvents"];
        assert_eq!(event["kind"], "TRIAGED", "{protocol}: {payload}");
        assert_eq!(
            event["incident"]["status"], "TRIAGED",
            "{protocol}: {payload}"
        );
        let mut last_id: i64 = event_id(event);

        // Changes in quick succession arrive in commit order.
        let actions = ["investigate", "mitigate", "resolve", "close"];
        for action in actions {
            let (q, v) = transition(action, &id);
            app.ok(&admin, &q, v).await;
        }
        for kind in ["INVESTIGATION_STARTED", "MITIGATED", "RESOLVED", "CLOSED"] {
            let payload = ws.next_for("all").await;
            let event = &payload["data"]["incidentEvents"];
            assert_eq!(event["kind"], kind, "{protocol}: {payload}");
            let this_id = event_id(event);
            assert!(this_id > last_id, "events out of order: {payload}");
            last_id = this_id;
        }

        // Latency: from the mutation's answer to the event on the socket, on this node.
        for _ in 0..10 {
            app.report(&admin, "latency probe").await;
            let returned = Instant::now();
            let payload = ws.next_for("all").await;
            assert_eq!(payload["data"]["incidentEvents"]["kind"], "REPORTED");
            latencies.push(returned.elapsed());
        }
        ws.complete("all").await;
        let done = ws.json().await;
        assert_eq!(done["type"], "complete", "{protocol}: {done}");
        ws.close().await;
    }
    latencies.sort();
    eprintln!(
        "subscription latency after the mutation returned ({} samples): min {:?}, median {:?}, max {:?}",
        latencies.len(),
        latencies[0],
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1]
    );
}

async fn a_missing_or_bad_token_closes_the_connection(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let no_roles = app.token("nobody", &[]);
    let cases = [
        (json!({}), 4401),
        (json!({ "Authorization": "Bearer not-a-token" }), 4401),
        (json!({ "Authorization": "Basic dXNlcjpwdw==" }), 4401),
        (
            json!({ "Authorization": format!("Bearer {no_roles}") }),
            4403,
        ),
    ];
    for protocol in PROTOCOLS {
        for (payload, code) in &cases {
            let mut ws = WsClient::connect(&app, protocol).await;
            let answer = ws.init_with(payload.clone()).await;
            if protocol == LEGACY_WS {
                // The legacy protocol reports the refusal as a message first.
                let Received::Json(error) = answer else {
                    panic!("{protocol}: expected connection_error, got {answer:?}");
                };
                assert_eq!(error["type"], "connection_error", "{error}");
                assert_eq!(ws.close_code().await, Some(*code), "{protocol} {payload}");
            } else {
                let Received::Closed(got) = answer else {
                    panic!("{protocol}: expected a close, got {answer:?}");
                };
                assert_eq!(got, Some(*code), "{protocol} {payload}");
            }
        }
        // A subscription before connection_init is refused too.
        let mut ws = WsClient::connect(&app, protocol).await;
        ws.subscribe("1", EVENTS, json!({})).await;
        let code = ws.close_code().await;
        assert_eq!(code, Some(4401), "{protocol}");
    }
    // The key of the token is accepted in any case.
    let mut ws = WsClient::connect(&app, TRANSPORT_WS).await;
    let answer = ws
        .init_with(json!({ "authorization": format!("Bearer {}", app.admin()) }))
        .await;
    assert!(
        matches!(&answer, Received::Json(v) if v["type"] == "connection_ack"),
        "{answer:?}"
    );
    // No subprotocol: not a GraphQL websocket.
    let res = app
        .client
        .get(format!("{}/graphql/ws", app.url))
        .header("Connection", "upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 400);
}

async fn bad_arguments_fail_before_the_stream_starts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let unknown = uuid::Uuid::new_v4().to_string();
    let cases = [
        (
            EVENTS,
            json!({ "filter": { "incidentId": "not-an-id" } }),
            "BAD_USER_INPUT",
        ),
        (
            EVENTS,
            json!({ "filter": { "incidentId": unknown } }),
            "NOT_FOUND",
        ),
        (
            EVENTS,
            json!({ "filter": { "incidentId": "INC-999" } }),
            "NOT_FOUND",
        ),
        (
            EVENTS,
            json!({ "filter": { "service": "" } }),
            "BAD_USER_INPUT",
        ),
        (
            EVENTS,
            json!({ "filter": { "minPriority": "P9" } }),
            "BAD_USER_INPUT",
        ),
        (
            "subscription($id: ID!) { incidentUpdated(id: $id) { id } }",
            json!({ "id": unknown }),
            "NOT_FOUND",
        ),
        ("subscription { nope }", json!({}), "BAD_USER_INPUT"),
    ];
    for protocol in PROTOCOLS {
        let mut ws = WsClient::open(&app, protocol, &admin).await;
        for (i, (query, variables, code)) in cases.iter().enumerate() {
            let id = format!("bad-{i}");
            ws.subscribe(&id, query, variables.clone()).await;
            let payload = ws.next_for(&id).await;
            assert_eq!(
                error_code(&payload),
                *code,
                "{protocol} {variables}: {payload}"
            );
            let done = ws.json().await;
            assert_eq!(done["type"], "complete", "{done}");
        }
        assert_eq!(app.services.bus.subscriber_count(), 0);
        // The connection is still good: a valid subscription on a real incident works.
        let id = app.report(&admin, "a real one").await;
        ws.subscribe(
            "good",
            "subscription($id: ID!) { incidentUpdated(id: $id) { id status version } }",
            json!({ "id": id }),
        )
        .await;
        app.wait_for_subscribers(1).await;
        let (q, v) = transition("triage", &id);
        app.ok(&admin, &q, v).await;
        let payload = ws.next_for("good").await;
        assert_eq!(payload["data"]["incidentUpdated"]["status"], "TRIAGED");
        assert_eq!(payload["data"]["incidentUpdated"]["version"], 2);
        ws.close().await;
        app.wait_for_no_subscribers("a closed connection kept its subscription")
            .await;
    }
}

async fn the_21st_subscription_is_refused_and_the_others_go_on(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let mut ws = WsClient::open(&app, TRANSPORT_WS, &admin).await;
    for i in 0..20 {
        ws.subscribe(&format!("s{i}"), EVENTS, json!({})).await;
    }
    app.wait_for_subscribers(20).await;
    ws.subscribe("s20", EVENTS, json!({})).await;
    let payload = ws.next_for("s20").await;
    assert_eq!(error_code(&payload), "RATE_LIMITED", "{payload}");
    assert_eq!(ws.json().await["type"], "complete");

    let id = app.report(&admin, "fan out").await;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..20 {
        let (sub, payload) = ws.next_payload().await;
        assert_eq!(
            payload["data"]["incidentEvents"]["incident"]["id"],
            id.as_str()
        );
        assert!(seen.insert(sub.clone()), "{sub} got the event twice");
    }
    assert!(!seen.contains("s20"));

    // Completing one frees its slot.
    ws.complete("s0").await;
    assert_eq!(ws.json().await["type"], "complete");
    ws.subscribe("again", EVENTS, json!({})).await;
    app.wait_for_subscribers(20).await;
    app.report(&admin, "after the swap").await;
    let mut got_again = false;
    for _ in 0..20 {
        let (sub, _) = ws.next_payload().await;
        got_again |= sub == "again";
        assert_ne!(sub, "s0");
    }
    assert!(got_again);
    // A second connection has its own 20.
    let mut other = WsClient::open(&app, LEGACY_WS, &admin).await;
    other.subscribe("x", EVENTS, json!({})).await;
    app.wait_for_subscribers(21).await;
}

async fn internal_events_and_updates_reach_only_those_who_may_see_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let stakeholder = app.token("stake", &["viewer"]);
    let incident = app.report(&admin, "payments flap").await;

    // The stakeholder (known to the server once they have called it) watches this
    // incident, and not another one.
    app.ok(&stakeholder, "{ viewer { id } }", json!({})).await;
    let unwatched = app.report(&admin, "unwatched").await;
    app.ok(
        &stakeholder,
        "mutation($id: ID!) { watchIncident(input: { incidentId: $id }) { id } }",
        json!({ "id": incident }),
    )
    .await;

    let mut insider = WsClient::open(&app, TRANSPORT_WS, &admin).await;
    let mut outsider = WsClient::open(&app, LEGACY_WS, &stakeholder).await;
    let filter = json!({ "filter": { "incidentId": incident } });
    insider.subscribe("ev", EVENTS, filter.clone()).await;
    outsider.subscribe("ev", EVENTS, filter).await;
    let updates = "subscription($a: Audience) { updatesPosted(audience: $a) { audience body incident { id } author { id } } }";
    insider.subscribe("up", updates, json!({})).await;
    insider
        .subscribe("up-internal", updates, json!({ "a": "INTERNAL" }))
        .await;
    outsider.subscribe("up", updates, json!({})).await;
    app.wait_for_subscribers(5).await;

    app.ok(
        &admin,
        "mutation($id: ID!) { addNote(input: { incidentId: $id, body: \"the primary is flapping\" }) { id } }",
        json!({ "id": incident }),
    )
    .await;
    let post = "mutation($id: ID!, $a: Audience!, $b: String!) { postUpdate(input: { incidentId: $id, audience: $a, body: $b }) { id } }";
    for (id, audience, body) in [
        (&unwatched, "STAKEHOLDERS", "elsewhere"),
        (&incident, "INTERNAL", "for responders"),
        (&incident, "PUBLIC", "we are on it"),
    ] {
        app.ok(&admin, post, json!({ "id": id, "a": audience, "b": body }))
            .await;
    }
    let (q, v) = transition("triage", &incident);
    app.ok(&admin, &q, v).await;

    // The insider hears everything, in order.
    let mut insider_events = Vec::new();
    let mut insider_updates = Vec::new();
    let mut internal_only = Vec::new();
    while insider_events.len() < 4 || insider_updates.len() < 3 || internal_only.is_empty() {
        let (sub, payload) = insider.next_payload().await;
        match sub.as_str() {
            "ev" => insider_events.push(payload["data"]["incidentEvents"]["kind"].clone()),
            "up" => insider_updates.push(payload["data"]["updatesPosted"]["body"].clone()),
            "up-internal" => {
                internal_only.push(payload["data"]["updatesPosted"]["audience"].clone())
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        insider_events,
        ["NOTE_ADDED", "UPDATE_POSTED", "UPDATE_POSTED", "TRIAGED"]
    );
    assert_eq!(
        insider_updates,
        ["elsewhere", "for responders", "we are on it"]
    );
    assert_eq!(internal_only, ["INTERNAL"]);

    // The stakeholder: no note, no INTERNAL update, no update of an incident not watched.
    let mut outsider_events = Vec::new();
    let mut outsider_updates = Vec::new();
    while outsider_events.len() < 2 || outsider_updates.is_empty() {
        let (sub, payload) = outsider.next_payload().await;
        match sub.as_str() {
            "ev" => outsider_events.push(payload["data"]["incidentEvents"]["kind"].clone()),
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

async fn a_rolled_back_change_publishes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let id = app.report(&admin, "disk full").await;
    let mut ws = WsClient::open(&app, TRANSPORT_WS, &admin).await;
    ws.subscribe("ev", EVENTS, json!({ "filter": { "incidentId": id } }))
        .await;
    ws.subscribe(
        "inc",
        "subscription($id: ID!) { incidentUpdated(id: $id) { version } }",
        json!({ "id": id }),
    )
    .await;
    app.wait_for_subscribers(2).await;

    // Not allowed from NEW: BAD_USER_INPUT.
    let (q, v) = transition("resolve", &id);
    let (code, _) = app.error_code(&admin, &q, v).await;
    assert_eq!(code, "BAD_USER_INPUT");
    // A stale version: CONFLICT.
    let (q, mut v) = transition("triage", &id);
    v["input"]["expectedVersion"] = json!(7);
    let (code, _) = app.error_code(&admin, &q, v).await;
    assert_eq!(code, "CONFLICT");
    // Not allowed for this role: FORBIDDEN.
    let (q, v) = transition("triage", &id);
    let (code, _) = app.error_code(&app.token("v", &["viewer"]), &q, v).await;
    assert_eq!(code, "FORBIDDEN");
    assert_eq!(app.timeline_len(&admin, &id).await, 1);

    let (q, v) = transition("triage", &id);
    app.ok(&admin, &q, v).await;
    // The first thing each subscription hears is the change that committed.
    let mut heard = std::collections::HashMap::new();
    while heard.len() < 2 {
        let (sub, payload) = ws.next_payload().await;
        assert!(heard.insert(sub, payload).is_none());
    }
    assert_eq!(heard["ev"]["data"]["incidentEvents"]["kind"], "TRIAGED");
    assert_eq!(heard["inc"]["data"]["incidentUpdated"]["version"], 2);
}

async fn a_client_that_stops_reading_lags_without_stalling_the_server(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.limits.subscription_buffer_events = 16;
        s.limits.websocket_keepalive_seconds = 120;
    })
    .await;
    let admin = app.admin();
    let big = "x".repeat(20_000);
    let heavy = "subscription { incidentEvents { id incident { description } } }";
    let mut slow = WsClient::connect_small_buffer(&app, TRANSPORT_WS).await;
    slow.init(&admin).await;
    slow.subscribe("slow", heavy, json!({})).await;
    let mut fast = WsClient::open(&app, TRANSPORT_WS, &admin).await;
    fast.subscribe("fast", "subscription { incidentEvents { id } }", json!({}))
        .await;
    app.wait_for_subscribers(2).await;

    // Far more than the socket buffers and the bus buffer hold (each event ~20 kB).
    let total = 300;
    let mut last_fast = 0;
    for i in 0..total {
        app.ok(
            &admin,
            "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }",
            json!({ "input": { "title": format!("flood {i}"), "service": "flood", "description": big } }),
        )
        .await;
        // A reading subscriber keeps up, in order, while the other one is stuck.
        let payload = fast.next_for("fast").await;
        let id: i64 = event_id(&payload["data"]["incidentEvents"]);
        assert!(id > last_fast);
        last_fast = id;
    }
    // The server still answers.
    let started = Instant::now();
    assert_eq!(app.incident_count().await, total);
    eprintln!(
        "a query while a client was stalled took {:?}",
        started.elapsed()
    );

    // Reading again: some events, then one error saying how many were skipped, then on.
    let mut delivered = 0;
    let lag = loop {
        let payload = slow.next_for("slow").await;
        if payload.get("errors").is_some() {
            break payload;
        }
        delivered += 1;
        assert!(delivered < total, "never told it lagged");
    };
    assert_eq!(error_code(&lag), "RATE_LIMITED", "{lag}");
    let message = lag["errors"][0]["message"].as_str().expect("a message");
    assert!(
        message.starts_with("you fell ") && message.contains("re-sync"),
        "{message}"
    );
    eprintln!("the stalled client got {delivered} events before: {message}");
    // What is left in the buffer, then the stream goes on with new events.
    let marker = app.report(&admin, "after the lag").await;
    loop {
        let payload = slow.next_for("slow").await;
        assert!(payload.get("errors").is_none(), "{payload}");
        if payload["data"]["incidentEvents"]["incident"]["description"] == "it broke" {
            break;
        }
    }
    let _ = marker;
}

async fn a_silent_connection_is_closed_at_the_keepalive(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.limits.websocket_keepalive_seconds = 1).await;
    let mut ws = WsClient::open(&app, TRANSPORT_WS, &app.admin()).await;
    ws.subscribe("ev", EVENTS, json!({})).await;
    app.wait_for_subscribers(1).await;
    // The behaviour under test is a client that stays silent (does not even answer the
    // server's pings) past two keep-alive intervals; waiting is the test.
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert_eq!(ws.close_code().await, Some(3008));
    app.wait_for_no_subscribers("the closed connection kept its subscription")
        .await;
}

async fn the_connection_ends_when_its_token_expires(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.auth.leeway_seconds = 0).await;
    let token = app.token_valid_for("short", &["admin"], Duration::from_secs(2));
    let mut ws = WsClient::open(&app, TRANSPORT_WS, &token).await;
    ws.subscribe("ev", EVENTS, json!({})).await;
    app.wait_for_subscribers(1).await;
    // Until the token expires, events arrive...
    let id = app.report(&app.admin(), "before expiry").await;
    let (_, payload) = ws.next_payload().await;
    assert_eq!(
        payload["data"]["incidentEvents"]["incident"]["id"],
        id.as_str()
    );
    // ...then the server closes the connection as unauthenticated, and drops its subscriptions.
    assert_eq!(ws.close_code().await, Some(4401));
    app.wait_for_no_subscribers("the closed connection kept its subscription")
        .await;
}

async fn incident_updated_delivers_new_versions_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let stakeholder = app.token("stake", &["viewer"]);
    let id = app.report(&admin, "versions only").await;
    let mut ws = WsClient::open(&app, LEGACY_WS, &stakeholder).await;
    ws.subscribe(
        "inc",
        "subscription($id: ID!) { incidentUpdated(id: $id) { id version status } }",
        json!({ "id": id }),
    )
    .await;
    app.wait_for_subscribers(1).await;
    // A note and an INTERNAL update make no new version: nothing reaches the stakeholder, not
    // even the moment they happened.
    app.ok(
        &admin,
        "mutation($id: ID!) { addNote(input: { incidentId: $id, body: \"secret\" }) { id } }",
        json!({ "id": id }),
    )
    .await;
    app.ok(
        &admin,
        "mutation($id: ID!) { postUpdate(input: { incidentId: $id, audience: INTERNAL, body: \"secret\" }) { id } }",
        json!({ "id": id }),
    )
    .await;
    let (q, v) = transition("triage", &id);
    app.ok(&admin, &q, v).await;
    let (sub, payload) = ws.next_payload().await;
    assert_eq!(sub, "inc");
    assert_eq!(
        payload["data"]["incidentUpdated"],
        json!({ "id": id, "version": 2, "status": "TRIAGED" }),
        "the first delivery is the triage, not the note or the update"
    );
}

/// Each event's fields come in the order the subscription selected them, a DataLoader field
/// (`actor`) first included, over both protocols.
async fn subscription_events_keep_the_order_of_the_query(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    for protocol in PROTOCOLS {
        let mut ws = WsClient::open(&app, protocol, &admin).await;
        ws.subscribe(
            "ordered",
            "subscription { incidentEvents { actor { name id } incident { title number } kind id } }",
            json!({}),
        )
        .await;
        app.wait_for_subscribers(1).await;
        app.report(&admin, "orders time out").await;
        let payload = ws.next_for("ordered").await;
        let event = payload["data"]["incidentEvents"]
            .as_object()
            .expect("an event");
        let keys: Vec<&str> = event.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["actor", "incident", "kind", "id"],
            "{protocol}: {payload}"
        );
        let actor: Vec<&str> = event["actor"]
            .as_object()
            .expect("actor")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(actor, ["name", "id"], "{protocol}: {payload}");
        ws.close().await;
        app.wait_for_subscribers(0).await;
    }
}
