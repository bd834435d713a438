//! Listing incidents by SLA: `incidents(filter: {slaState, slaDueBefore})`,
//! `orderBy: SLA_DUE` with its cursors, `Incident.sla { state nextDueAt }`, and a policy
//! change reaching the listing through the SLA worker.

use std::time::Duration;

use serde_json::{Value, json};

use crate::on_both_databases;
use crate::sla::{at, create_policy};
use crate::support::{Backend, TestApp, transition};

const LIST: &str = "query($filter: IncidentFilter, $order: IncidentOrder, $first: Int, $after: String) { \
    incidents(filter: $filter, orderBy: $order, first: $first, after: $after) { \
    totalCount edges { cursor node { number sla { state nextDueAt } } } pageInfo { hasNextPage } } }";

async fn report(app: &TestApp, service: &str) -> String {
    let data = app
        .ok(
            &app.admin(),
            "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }",
            json!({ "input": { "title": "checkout is slow", "service": service } }),
        )
        .await;
    data["reportIncident"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn triage(app: &TestApp, id: &str, level: &str) {
    let (q, mut v) = transition("triage", id);
    v["input"]["impact"] = json!(level);
    v["input"]["urgency"] = json!(level);
    app.ok(&app.admin(), &q, v).await;
}

async fn list(app: &TestApp, variables: Value) -> Value {
    app.ok(&app.admin(), LIST, variables).await["incidents"].clone()
}

fn numbers(page: &Value) -> Vec<i64> {
    page["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| handle(&e["node"]["number"]))
        .collect()
}

async fn number_of(app: &TestApp, id: &str) -> i64 {
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { incident(id: $id) { number } }",
            json!({ "id": id }),
        )
        .await;
    handle(&data["incident"]["number"])
}

/// `INC-42` → 42.
fn handle(number: &Value) -> i64 {
    number
        .as_str()
        .and_then(|n| n.strip_prefix("INC-"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("an incident number, got {number}"))
}

async fn incidents_are_listed_and_ordered_by_sla(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.sla.check_interval_ms = 100).await;
    // Untriaged incidents are held to the strictest response target: 2s here.
    create_policy(&app, "Checkout", &["checkout"], ("2s", "1h"), 75).await;
    let running = report(&app, "checkout").await;
    triage(&app, &running, "HIGH").await; // response met; resolution due in 1h
    let breached = report(&app, "checkout").await; // no response within 2s
    let met = report(&app, "checkout").await;
    for action in ["triage", "investigate", "mitigate"] {
        let (q, v) = transition(action, &met);
        app.ok(&app.admin(), &q, v).await;
    }
    let untargeted = report(&app, "intranet").await;
    triage(&app, &untargeted, "LOW").await; // P5: the shipped default has no P5 targets
    let [running, breached, met, untargeted] = [
        number_of(&app, &running).await,
        number_of(&app, &breached).await,
        number_of(&app, &met).await,
        number_of(&app, &untargeted).await,
    ];
    tokio::time::sleep(Duration::from_millis(2_200)).await;

    for (state, expected) in [
        ("BREACHED", vec![breached]),
        ("RUNNING", vec![running]),
        ("MET", vec![met]),
        ("NOT_APPLICABLE", vec![untargeted]),
    ] {
        let page = list(
            &app,
            json!({ "filter": { "slaState": [state] }, "order": "OLDEST_FIRST" }),
        )
        .await;
        assert_eq!(numbers(&page), expected, "{state}: {page}");
        assert_eq!(page["totalCount"], expected.len(), "{state}");
        for edge in page["edges"].as_array().expect("edges") {
            assert_eq!(edge["node"]["sla"]["state"], state, "{edge}");
        }
    }
    let both = list(
        &app,
        json!({ "filter": { "slaState": ["BREACHED", "MET"] }, "order": "OLDEST_FIRST" }),
    )
    .await;
    assert_eq!(numbers(&both), [breached, met]);

    // Due within ten minutes: the breached response clock still runs; the 1h one does not.
    let soon = (chrono::Utc::now() + chrono::Duration::minutes(10)).to_rfc3339();
    let page = list(&app, json!({ "filter": { "slaDueBefore": soon } })).await;
    assert_eq!(numbers(&page), [breached]);

    // SLA_DUE: the earliest running clock first, then those with none running, oldest first;
    // the cursors carry the due time across pages.
    let first = list(&app, json!({ "order": "SLA_DUE", "first": 1 })).await;
    assert_eq!(numbers(&first), [breached]);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let mut seen = numbers(&first);
    let mut after = first["edges"][0]["cursor"].clone();
    loop {
        let page = list(
            &app,
            json!({ "order": "SLA_DUE", "first": 1, "after": after }),
        )
        .await;
        seen.extend(numbers(&page));
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["edges"][0]["cursor"].clone();
    }
    let mut rest = vec![met, untargeted];
    rest.sort();
    assert_eq!(seen, [vec![breached, running], rest].concat());
    let due: Vec<Value> = list(&app, json!({ "order": "SLA_DUE", "first": 2 })).await["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["sla"]["nextDueAt"].clone())
        .collect();
    assert!(at(&due[0]) < at(&due[1]), "{due:?}");

    // A bad state is refused by the schema, naming the value.
    let (code, message) = app
        .error_code(
            &app.admin(),
            "{ incidents(filter: { slaState: [LATE] }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{message}");
}

async fn a_policy_change_reaches_the_listing(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.sla.check_interval_ms = 100).await;
    let policy = create_policy(&app, "Checkout", &["checkout"], ("1h", "1h"), 75).await;
    let id = report(&app, "checkout").await;
    triage(&app, &id, "HIGH").await;
    let running = json!({ "filter": { "slaState": ["RUNNING"] } });
    assert_eq!(list(&app, running.clone()).await["totalCount"], 1);

    app.ok(
        &app.admin(),
        "mutation($input: UpdateSlaPolicyInput!) { updateSlaPolicy(input: $input) { version } }",
        json!({ "input": {
            "id": policy["id"], "name": "Checkout", "services": ["checkout"],
            "targets": [{ "priority": "P1", "response": "1h", "resolution": "1s" }],
        }}),
    )
    .await;
    let breached = json!({ "filter": { "slaState": ["BREACHED"] } });
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while list(&app, breached.clone()).await["totalCount"] != 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "the listing never followed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(list(&app, running).await["totalCount"], 0);
}

on_both_databases!(
    incidents_are_listed_and_ordered_by_sla,
    a_policy_change_reaches_the_listing,
);
