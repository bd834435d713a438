//! Problem changes as they flow out: `problemChanged` over a real websocket (order, versions,
//! one problem or all, refusals, nothing for a failed change), webhooks that list problem
//! kinds (signed deliveries naming the problem), and a change on one node heard on another
//! (PostgreSQL).

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, TestApp, skip_postgres};
use crate::webhooks::{Receiver, SECRET, expected_signature, fast, ok};
use crate::ws_client::{LEGACY_WS, PROTOCOLS, Received, TRANSPORT_WS, WsClient};

const CHANGED: &str = "subscription($id: ID) { problemChanged(id: $id) { id kind version at actor { id } problem { id number status version title } event { kind version before after } } }";

on_both_databases!(
    problem_changes_reach_subscribers_in_commit_order_with_versions,
    callers_without_rights_or_with_bad_arguments_hear_nothing,
    a_failed_problem_change_sends_nothing,
    webhooks_that_list_problem_kinds_get_signed_problem_deliveries,
);

async fn report(app: &TestApp, token: &str, title: &str) -> Value {
    app.ok(
        token,
        "mutation($input: ReportProblemInput!) { reportProblem(input: $input) { id number version } }",
        json!({ "input": { "title": title, "service": "checkout", "impact": "HIGH", "urgency": "MEDIUM" } }),
    )
    .await["reportProblem"]
        .clone()
}

async fn start_investigation(app: &TestApp, token: &str, id: &str, expected: i32) -> Value {
    app.ok(
        token,
        "mutation($input: ProblemChangeInput!) { startProblemInvestigation(input: $input) { status version } }",
        json!({ "input": { "id": id, "expectedVersion": expected } }),
    )
    .await["startProblemInvestigation"]
        .clone()
}

async fn record_known_error(app: &TestApp, token: &str, id: &str, expected: i32) -> Value {
    app.ok(
        token,
        "mutation($input: RecordKnownErrorInput!) { recordKnownError(input: $input) { status version } }",
        json!({ "input": { "id": id, "expectedVersion": expected, "rootCause": "pool too small", "workaround": "restart the pods" } }),
    )
    .await["recordKnownError"]
        .clone()
}

fn changed(payload: &Value) -> &Value {
    &payload["data"]["problemChanged"]
}

fn event_id(change: &Value) -> i64 {
    change["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("a numeric event id")
}

fn error_code(payload: &Value) -> &str {
    payload["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<no code>")
}

async fn problem_changes_reach_subscribers_in_commit_order_with_versions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.token("u:m", &["manager"]);
    let specialist = app.token("u:s", &["specialist"]);
    let viewer = app.token("u:v", &["viewer"]);
    for protocol in PROTOCOLS {
        // A viewer reads problems, so hears of them: everything, and one problem by its
        // number and by its id.
        let mut ws = WsClient::open(&app, protocol, &viewer).await;
        ws.subscribe("all", CHANGED, json!({})).await;
        app.wait_for_subscribers(1).await;
        let first = report(&app, &manager, "Connection pool exhaustion").await;
        let number = first["number"].as_str().expect("number").to_owned();
        let uuid = first["id"].as_str().expect("id").to_owned();
        let payload = ws.next_for("all").await;
        let reported = changed(&payload);
        assert_eq!(reported["kind"], "REPORTED", "{protocol}: {payload}");
        assert_eq!(reported["version"], 1);
        assert_eq!(reported["actor"]["id"], "u:m");
        assert_eq!(reported["problem"]["number"], number.as_str());
        assert_eq!(reported["problem"]["id"], uuid.as_str());
        assert_eq!(reported["problem"]["status"], "NEW");
        assert_eq!(reported["event"]["after"]["status"], "NEW");
        assert!(reported["at"].is_string());

        ws.subscribe("by-number", CHANGED, json!({ "id": number }))
            .await;
        ws.subscribe("by-id", CHANGED, json!({ "id": uuid })).await;
        app.wait_for_subscribers(3).await;
        // Another problem, then two changes of the first in quick succession.
        let other = report(&app, &manager, "DNS flaps").await;
        let started = start_investigation(&app, &manager, &number, 1).await;
        assert_eq!(started["version"], 2);
        let known = record_known_error(&app, &specialist, &number, 2).await;
        assert_eq!(known["version"], 3);

        let mut heard: HashMap<String, Vec<Value>> = HashMap::new();
        for _ in 0..7 {
            let (sub, payload) = ws.next_payload().await;
            heard
                .entry(sub)
                .or_default()
                .push(changed(&payload).clone());
        }
        let summary = |sub: &str| -> Vec<(String, String, i64)> {
            heard[sub]
                .iter()
                .map(|c| {
                    (
                        c["problem"]["number"].as_str().expect("number").to_owned(),
                        c["kind"].as_str().expect("kind").to_owned(),
                        c["version"].as_i64().expect("version"),
                    )
                })
                .collect()
        };
        let other_number = other["number"].as_str().expect("number").to_owned();
        assert_eq!(
            summary("all"),
            [
                (other_number, "REPORTED".to_owned(), 1),
                (number.clone(), "INVESTIGATION_STARTED".to_owned(), 2),
                (number.clone(), "KNOWN_ERROR_RECORDED".to_owned(), 3),
            ],
            "{protocol}"
        );
        let mine = [
            (number.clone(), "INVESTIGATION_STARTED".to_owned(), 2),
            (number.clone(), "KNOWN_ERROR_RECORDED".to_owned(), 3),
        ];
        assert_eq!(summary("by-number"), mine, "{protocol}");
        assert_eq!(summary("by-id"), mine, "{protocol}");
        let ids: Vec<i64> = heard["all"].iter().map(event_id).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "commit order: {ids:?}");
        let known = &heard["by-id"][1];
        assert_eq!(known["actor"]["id"], "u:s");
        assert_eq!(known["problem"]["status"], "KNOWN_ERROR");
        assert_eq!(known["event"]["version"], 3);
        assert_eq!(known["event"]["before"]["status"], "UNDER_INVESTIGATION");
        assert_eq!(known["event"]["after"]["workaround"], "restart the pods");
        // The same events as the problem's own timeline.
        let timeline = app
            .ok(
                &viewer,
                "query($id: ID!) { problem(id: $id) { timeline { id kind version } } }",
                json!({ "id": number }),
            )
            .await;
        let timeline = timeline["problem"]["timeline"]
            .as_array()
            .expect("timeline");
        assert_eq!(timeline.len(), 3);
        assert_eq!(timeline[2]["id"], known["id"]);
        assert_eq!(timeline[2]["version"], 3);
        ws.close().await;
        app.wait_for_no_subscribers("a closed connection kept its subscriptions")
            .await;
    }
}

async fn callers_without_rights_or_with_bad_arguments_hear_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    // No organisation role: no problem may be read, so the connection is refused.
    let no_roles = app.token("nobody", &[]);
    for protocol in PROTOCOLS {
        let mut ws = WsClient::connect(&app, protocol).await;
        let answer = ws
            .init_with(json!({ "Authorization": format!("Bearer {no_roles}") }))
            .await;
        let refused = match answer {
            Received::Closed(code) => code,
            Received::Json(v) => {
                assert_eq!(v["type"], "connection_error", "{protocol}: {v}");
                ws.close_code().await
            }
        };
        assert_eq!(refused, Some(4403), "{protocol}");
    }
    // Arguments are checked before the stream starts.
    let mut ws = WsClient::open(&app, TRANSPORT_WS, &admin).await;
    let unknown = uuid::Uuid::new_v4().to_string();
    for (i, (id, code)) in [
        ("not-a-problem", "BAD_USER_INPUT"),
        ("PRB-0", "BAD_USER_INPUT"),
        ("PRB-999", "NOT_FOUND"),
        (unknown.as_str(), "NOT_FOUND"),
    ]
    .into_iter()
    .enumerate()
    {
        let sub = format!("bad-{i}");
        ws.subscribe(&sub, CHANGED, json!({ "id": id })).await;
        let payload = ws.next_for(&sub).await;
        assert_eq!(error_code(&payload), code, "{id}: {payload}");
        if code == "BAD_USER_INPUT" {
            // Named the way every input error here names its field: first in the message.
            let message = payload["errors"][0]["message"].as_str().expect("message");
            assert!(message.starts_with("id: "), "{payload}");
        }
        let done = ws.json().await;
        assert_eq!(done["type"], "complete", "{done}");
    }
    assert_eq!(app.services.bus.subscriber_count(), 0);
    // Incident subscribers do not hear problem changes, nor problem subscribers incidents'.
    ws.subscribe(
        "incidents",
        "subscription { incidentEvents { kind incident { id } } }",
        json!({}),
    )
    .await;
    ws.subscribe("problems", CHANGED, json!({})).await;
    app.wait_for_subscribers(2).await;
    report(&app, &admin, "Queue backlog").await;
    let incident = app.report(&admin, "orders time out").await;
    let mut heard = HashMap::new();
    while heard.len() < 2 {
        let (sub, payload) = ws.next_payload().await;
        assert!(heard.insert(sub, payload).is_none(), "one each");
    }
    assert_eq!(changed(&heard["problems"])["kind"], "REPORTED");
    assert_eq!(
        heard["incidents"]["data"]["incidentEvents"]["incident"]["id"],
        incident.as_str()
    );
}

async fn a_failed_problem_change_sends_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast).await;
    let receiver = Receiver::start(ok).await;
    let admin = app.admin();
    app.ok(
        &admin,
        "mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }",
        json!({ "input": { "url": receiver.url("/problems"), "events": [], "problemEvents": ["REPORTED", "INVESTIGATION_STARTED", "RESOLVED", "KNOWN_ERROR_RECORDED"] } }),
    )
    .await;
    let manager = app.token("u:m", &["manager"]);
    let number = report(&app, &manager, "Cache stampede").await["number"]
        .as_str()
        .expect("number")
        .to_owned();
    receiver
        .wait_for("/problems", 1, Duration::from_secs(10))
        .await;
    let mut ws = WsClient::open(&app, LEGACY_WS, &admin).await;
    ws.subscribe("one", CHANGED, json!({ "id": number })).await;
    app.wait_for_subscribers(1).await;

    // Not allowed from NEW: BAD_USER_INPUT.
    let (code, _) = app
        .error_code(
            &manager,
            "mutation($input: ResolveProblemInput!) { resolveProblem(input: $input) { version } }",
            json!({ "input": { "id": number, "fix": "bigger cache" } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    // A stale version: CONFLICT.
    let (code, _) = app
        .error_code(
            &manager,
            "mutation($input: ProblemChangeInput!) { startProblemInvestigation(input: $input) { version } }",
            json!({ "input": { "id": number, "expectedVersion": 5 } }),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    // Not allowed for this role: FORBIDDEN.
    let (code, _) = app
        .error_code(
            &app.token("u:v", &["viewer"]),
            "mutation($input: ProblemChangeInput!) { startProblemInvestigation(input: $input) { version } }",
            json!({ "input": { "id": number } }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");

    // The first thing heard, and the next delivery, is the change that committed.
    start_investigation(&app, &manager, &number, 1).await;
    let payload = ws.next_for("one").await;
    assert_eq!(
        changed(&payload)["kind"],
        "INVESTIGATION_STARTED",
        "{payload}"
    );
    assert_eq!(changed(&payload)["version"], 2);
    let got = receiver
        .wait_for("/problems", 2, Duration::from_secs(10))
        .await;
    let kinds: Vec<String> = got.iter().map(|r| r.kind()).collect();
    assert_eq!(kinds, ["PROBLEM_REPORTED", "PROBLEM_INVESTIGATION_STARTED"]);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        receiver
            .wait_for("/problems", 2, Duration::from_secs(1))
            .await
            .len(),
        2,
        "no delivery for a failed change"
    );
}

async fn webhooks_that_list_problem_kinds_get_signed_problem_deliveries(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast).await;
    let receiver = Receiver::start(ok).await;
    let admin = app.admin();
    let create = "mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id events problemEvents } } }";
    let problems_only = app
        .ok(
            &admin,
            create,
            json!({ "input": { "url": receiver.url("/problems"), "events": [], "problemEvents": ["REPORTED", "INVESTIGATION_STARTED", "KNOWN_ERROR_RECORDED", "REPORTED"], "secret": SECRET } }),
        )
        .await;
    let webhook = &problems_only["createWebhook"]["webhook"];
    assert_eq!(webhook["events"], json!([]));
    assert_eq!(
        webhook["problemEvents"],
        json!(["REPORTED", "INVESTIGATION_STARTED", "KNOWN_ERROR_RECORDED"])
    );
    let problems_id = webhook["id"].as_str().expect("id").to_owned();
    // The same problem kinds beside one incident kind, in Slack's format.
    app.ok(
        &admin,
        create,
        json!({ "input": { "url": receiver.url("/slack"), "events": ["REPORTED"], "problemEvents": ["KNOWN_ERROR_RECORDED"], "format": "SLACK" } }),
    )
    .await;
    // An existing-style webhook (every kind, nothing said of problems) gets incident
    // events only, with the bodies it always had.
    app.ok(
        &admin,
        create,
        json!({ "input": { "url": receiver.url("/incidents"), "events": [] } }),
    )
    .await;
    // A bad kind is refused as input.
    let (code, message) = app
        .error_code(
            &admin,
            create,
            json!({ "input": { "url": receiver.url("/x"), "events": [], "problemEvents": ["EXPLODED"] } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{message}");

    let manager = app.token("u:m", &["manager"]);
    let specialist = app.token("u:s", &["specialist"]);
    let p = report(&app, &manager, "Connection pool exhaustion").await;
    let number = p["number"].as_str().expect("number").to_owned();
    start_investigation(&app, &manager, &number, 1).await;
    record_known_error(&app, &specialist, &number, 2).await;
    let incident = app.report(&admin, "orders time out").await;

    let got = receiver
        .wait_for("/problems", 3, Duration::from_secs(10))
        .await;
    let kinds: Vec<String> = got.iter().map(|r| r.kind()).collect();
    assert_eq!(
        kinds,
        [
            "PROBLEM_REPORTED",
            "PROBLEM_INVESTIGATION_STARTED",
            "PROBLEM_KNOWN_ERROR_RECORDED"
        ]
    );
    for r in &got {
        let ts = r.header("x-hindsight-timestamp");
        assert_eq!(
            r.header("x-hindsight-signature"),
            expected_signature(SECRET, ts, &r.body),
            "signed like every delivery"
        );
    }
    let known = got[2].json();
    assert_eq!(known["event"]["kind"], "KNOWN_ERROR_RECORDED", "{known}");
    assert_eq!(known["event"]["version"], 3);
    assert_eq!(known["event"]["actorId"], "u:s");
    assert_eq!(known["event"]["actorName"], "User u:s");
    assert_eq!(known["event"]["after"]["workaround"], "restart the pods");
    assert!(known["event"]["id"].is_i64());
    let problem = &known["problem"];
    assert_eq!(problem["id"], p["id"]);
    assert_eq!(problem["number"], number.as_str());
    assert_eq!(problem["status"], "KNOWN_ERROR");
    assert_eq!(problem["title"], "Connection pool exhaustion");
    assert_eq!(problem["priority"], "P2");
    assert!(known.get("incident").is_none());
    assert_eq!(got[0].json()["problem"]["status"], "NEW");

    let slack = receiver
        .wait_for("/slack", 2, Duration::from_secs(10))
        .await;
    // Order holds per incident or problem, not across them.
    let mut slack_kinds: Vec<String> = slack.iter().map(|r| r.kind()).collect();
    slack_kinds.sort();
    assert_eq!(slack_kinds, ["PROBLEM_KNOWN_ERROR_RECORDED", "REPORTED"]);
    let known_line = slack
        .iter()
        .find(|r| r.kind() == "PROBLEM_KNOWN_ERROR_RECORDED")
        .expect("the known error");
    assert_eq!(
        known_line.json()["text"],
        format!(
            "{number} [P2] checkout: Connection pool exhaustion — known error recorded by User u:s"
        )
    );

    let plain = receiver
        .wait_for("/incidents", 1, Duration::from_secs(10))
        .await;
    assert_eq!(plain.len(), 1, "no problem events unless listed");
    assert_eq!(plain[0].kind(), "REPORTED");
    assert_eq!(plain[0].json()["incident"]["id"], incident.as_str());

    // The history names the problem and the problem kind.
    let list = app
        .ok(
            &admin,
            "query($id: ID!) { webhookDeliveries(webhookId: $id, first: 10) { edges { node { incidentId problemId eventId eventKind problemEventKind state } } } }",
            json!({ "id": problems_id }),
        )
        .await;
    let newest = &list["webhookDeliveries"]["edges"][0]["node"];
    assert_eq!(newest["problemId"], p["id"]);
    assert_eq!(newest["incidentId"], Value::Null);
    assert_eq!(newest["eventKind"], Value::Null);
    assert_eq!(newest["problemEventKind"], "KNOWN_ERROR_RECORDED");
    assert_eq!(newest["eventId"], known["event"]["id"].to_string().as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_problem_change_on_one_node_reaches_a_subscriber_on_another() {
    let Some(backend) = Backend::postgres() else {
        skip_postgres(concat!(
            module_path!(),
            "::a_problem_change_on_one_node_reaches_a_subscriber_on_another (several nodes can share only a PostgreSQL database)"
        ));
        return;
    };
    let a = TestApp::spawn(backend).await;
    let b = a.another_node(|_| {}).await;
    let manager = a.token("u:m", &["manager"]);
    let specialist = a.token("u:s", &["specialist"]);
    let mut on_b = WsClient::open(&b, TRANSPORT_WS, &a.admin()).await;
    on_b.subscribe("all", CHANGED, json!({})).await;
    b.wait_for_subscribers(1).await;
    let mut on_a = WsClient::open(&a, LEGACY_WS, &a.admin()).await;
    on_a.subscribe("all", CHANGED, json!({})).await;
    a.wait_for_subscribers(1).await;

    // The changes alternate between the nodes, back to back: each node hears them all, in
    // commit order, once, with the version each change made.
    let number = report(&a, &manager, "Connection pool exhaustion").await["number"]
        .as_str()
        .expect("number")
        .to_owned();
    start_investigation(&b, &manager, &number, 1).await;
    record_known_error(&a, &specialist, &number, 2).await;
    for (node, ws) in [("B", &mut on_b), ("A", &mut on_a)] {
        let mut heard = Vec::new();
        for _ in 0..3 {
            let payload = ws.next_for("all").await;
            let c = changed(&payload);
            assert_eq!(c["problem"]["number"], number.as_str(), "{node}: {payload}");
            heard.push((
                c["kind"].as_str().expect("kind").to_owned(),
                c["version"].as_i64().expect("version"),
            ));
        }
        assert_eq!(
            heard,
            [
                ("REPORTED".to_owned(), 1),
                ("INVESTIGATION_STARTED".to_owned(), 2),
                ("KNOWN_ERROR_RECORDED".to_owned(), 3),
            ],
            "on node {node}"
        );
    }
    // Incident events still cross nodes beside problem events.
    on_b.subscribe(
        "inc",
        "subscription { incidentEvents { kind incident { id } } }",
        json!({}),
    )
    .await;
    b.wait_for_subscribers(2).await;
    let incident = a.report(&a.admin(), "orders time out").await;
    let (q, v) = crate::support::transition("triage", &incident);
    a.ok(&a.admin(), &q, v).await;
    for kind in ["REPORTED", "TRIAGED"] {
        let payload = on_b.next_for("inc").await;
        assert_eq!(payload["data"]["incidentEvents"]["kind"], kind, "{payload}");
        assert_eq!(
            payload["data"]["incidentEvents"]["incident"]["id"],
            incident.as_str()
        );
    }
}
