//! Service levels through the API: the shipped default policy, managing policies (and every
//! kind of bad policy refused without a write), an incident's clocks, and the worker that
//! records warnings and breaches once, on one node or two, and after downtime.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, TestApp, skip_postgres, transition};

const POLICY_FIELDS: &str = "id name services isDefault warnAtPercent version \
    calendar { timeZone hours { day open close } holidays } \
    targets { priority response resolution }";

const CREATE: &str = "mutation($input: CreateSlaPolicyInput!) { createSlaPolicy(input: $input) { id name services isDefault warnAtPercent version calendar { timeZone hours { day open close } holidays } targets { priority response resolution } } }";

const CLOCKS: &str = "query($id: ID!) { incident(id: $id) { createdAt triagedAt sla { policyName \
    response { target dueAt completedAt remaining elapsedPercent state } \
    resolution { target dueAt completedAt remaining elapsedPercent state } } } }";

pub(crate) fn at(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a timestamp, got {value}"))
        .parse()
        .expect("RFC 3339")
}

async fn policies(app: &TestApp) -> Vec<Value> {
    let data = app
        .ok(
            &app.admin(),
            &format!("{{ slaPolicies {{ {POLICY_FIELDS} }} }}"),
            json!({}),
        )
        .await;
    data["slaPolicies"].as_array().expect("a list").clone()
}

/// A policy for `services` with P1 targets `response`/`resolution`, warning at `warn`%.
pub(crate) async fn create_policy(
    app: &TestApp,
    name: &str,
    services: &[&str],
    (response, resolution): (&str, &str),
    warn: i32,
) -> Value {
    let data = app
        .ok(
            &app.admin(),
            CREATE,
            json!({ "input": {
                "name": name,
                "services": services,
                "warnAtPercent": warn,
                "targets": [{ "priority": "P1", "response": response, "resolution": resolution }],
            }}),
        )
        .await;
    data["createSlaPolicy"].clone()
}

/// Reports an incident for `service` and triages it to P1.
async fn p1_incident(app: &TestApp, service: &str) -> String {
    let admin = app.admin();
    let data = app
        .ok(
            &admin,
            "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }",
            json!({ "input": { "title": "payments time out", "service": service } }),
        )
        .await;
    let id = data["reportIncident"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (q, v) = transition("triage", &id);
    app.ok(&admin, &q, v).await;
    id
}

/// The incident's SLA events: (kind, at, actor name, after).
async fn sla_events(app: &TestApp, id: &str) -> Vec<(String, DateTime<Utc>, String, Value)> {
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { incident(id: $id) { timeline(first: 100) { edges { node { kind at actor { name } after } } } } }",
            json!({ "id": id }),
        )
        .await;
    data["incident"]["timeline"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"])
        .filter(|n| n["kind"].as_str().is_some_and(|k| k.starts_with("SLA_")))
        .map(|n| {
            (
                n["kind"].as_str().expect("kind").to_owned(),
                at(&n["at"]),
                n["actor"]["name"].as_str().expect("name").to_owned(),
                n["after"].clone(),
            )
        })
        .collect()
}

/// Waits (up to 20 s) until `id` has `count` SLA events, and returns them.
async fn wait_for_sla_events(
    app: &TestApp,
    id: &str,
    count: usize,
) -> Vec<(String, DateTime<Utc>, String, Value)> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let events = sla_events(app, id).await;
        if events.len() >= count || Instant::now() > deadline {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn the_shipped_default_policy_and_who_manages_policies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let listed = policies(&app).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let default = &listed[0];
    assert_eq!(default["isDefault"], true);
    assert_eq!(default["services"], json!([]));
    assert_eq!(default["calendar"], Value::Null, "around the clock");
    assert_eq!(default["warnAtPercent"], 75);
    assert_eq!(
        default["targets"],
        json!([
            { "priority": "P1", "response": "15m", "resolution": "4h" },
            { "priority": "P2", "response": "30m", "resolution": "8h" },
            { "priority": "P3", "response": "4h", "resolution": "3d" },
            { "priority": "P4", "response": "1d", "resolution": "10d" },
            { "priority": "P5", "response": null, "resolution": null },
        ])
    );

    // Managers read; only admins write; viewers and specialists do neither.
    let manager = app.sign_in("m", &["manager"]).await;
    let viewer = app.sign_in("v", &["viewer"]).await;
    let specialist = app.sign_in("s", &["specialist"]).await;
    let read = "{ slaPolicies { id } slaBreaches { dueAt } }";
    app.ok(&manager, read, json!({})).await;
    for token in [&viewer, &specialist] {
        assert_eq!(app.error_code(token, read, json!({})).await.0, "FORBIDDEN");
    }
    let input = json!({ "input": { "name": "Payments", "services": ["checkout"], "targets": [] } });
    assert_eq!(
        app.error_code(&manager, CREATE, input.clone()).await.0,
        "FORBIDDEN"
    );

    // Create with business hours, read back, update with the version, then delete.
    let created = app
        .ok(
            &app.admin(),
            CREATE,
            json!({ "input": {
                "name": "Payments (business hours)",
                "services": ["checkout", "billing"],
                "calendar": {
                    "timeZone": "Europe/Berlin",
                    "hours": [
                        { "day": "MONDAY", "open": "09:00", "close": "17:00" },
                        { "day": "FRIDAY", "open": "09:00", "close": "24:00" },
                    ],
                    "holidays": ["2026-12-25", "2026-12-24"],
                },
                "warnAtPercent": 80,
                "targets": [{ "priority": "P2", "response": "1h30m", "resolution": "2d" }],
            }}),
        )
        .await["createSlaPolicy"]
        .clone();
    assert_eq!(created["isDefault"], false);
    assert_eq!(created["version"], 1);
    assert_eq!(created["services"], json!(["checkout", "billing"]));
    assert_eq!(
        created["calendar"],
        json!({
            "timeZone": "Europe/Berlin",
            "hours": [
                { "day": "MONDAY", "open": "09:00", "close": "17:00" },
                { "day": "FRIDAY", "open": "09:00", "close": "00:00" },
            ],
            "holidays": ["2026-12-24", "2026-12-25"],
        })
    );
    assert_eq!(
        created["targets"][1],
        json!({ "priority": "P2", "response": "1h30m", "resolution": "2d" })
    );
    assert_eq!(created["targets"][0]["response"], Value::Null);
    assert_eq!(policies(&app).await.len(), 2);

    let update = "mutation($input: UpdateSlaPolicyInput!) { updateSlaPolicy(input: $input) { version services warnAtPercent calendar { timeZone } } }";
    let changed = json!({ "input": {
        "id": created["id"], "expectedVersion": 1, "name": "Payments",
        "services": ["checkout"], "targets": [{ "priority": "P1", "response": "5m" }],
    }});
    let updated = app.ok(&app.admin(), update, changed.clone()).await["updateSlaPolicy"].clone();
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["services"], json!(["checkout"]));
    assert_eq!(updated["warnAtPercent"], 75);
    assert_eq!(updated["calendar"], Value::Null);
    assert_eq!(
        app.error_code(&app.admin(), update, changed).await.0,
        "CONFLICT",
        "version 1 is stale"
    );

    // The default stays the default: giving it services is refused, and changes nothing.
    let (code, message) = app
        .error_code(
            &app.admin(),
            update,
            json!({ "input": {
                "id": default["id"], "name": "Default", "services": ["search"], "targets": [],
            }}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.starts_with("services:"), "{message}");
    assert_eq!(policies(&app).await[0], *default);

    let delete =
        "mutation($id: ID!) { deleteSlaPolicy(input: { id: $id }) { deletedSlaPolicyId } }";
    let gone = app
        .ok(&app.admin(), delete, json!({ "id": created["id"] }))
        .await;
    assert_eq!(gone["deleteSlaPolicy"]["deletedSlaPolicyId"], created["id"]);
    assert_eq!(
        app.error_code(&app.admin(), delete, json!({ "id": created["id"] }))
            .await
            .0,
        "NOT_FOUND"
    );
    let (code, message) = app
        .error_code(&app.admin(), delete, json!({ "id": default["id"] }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        message.contains("default policy cannot be deleted"),
        "{message}"
    );
    assert_eq!(policies(&app).await.len(), 1);
}

async fn bad_policies_are_refused_naming_the_field_and_write_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    create_policy(&app, "Payments", &["checkout"], ("5m", "1h"), 75).await;
    let before = policies(&app).await;
    let hours = |h: Value| json!({ "timeZone": "Europe/Berlin", "hours": h });
    let nine_to_five = json!([{ "day": "MONDAY", "open": "09:00", "close": "17:00" }]);
    let holidays: Vec<String> = (0..10_000)
        .map(|i| {
            (chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date") + chrono::Days::new(i))
                .to_string()
        })
        .collect();
    let target = |response: &str| json!([{ "priority": "P1", "response": response }]);
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "negative",
            json!({ "targets": target("-5m") }),
            "targets.response",
        ),
        (
            "zero",
            json!({ "targets": target("0m") }),
            "targets.response",
        ),
        (
            "absurd",
            json!({ "targets": target("10000d") }),
            "targets.response",
        ),
        (
            "malformed",
            json!({ "targets": target("four hours") }),
            "targets.response",
        ),
        (
            "twice the same priority",
            json!({ "targets": [{ "priority": "P1" }, { "priority": "P1" }] }),
            "targets.priority",
        ),
        ("warn at 0%", json!({ "warnAtPercent": 0 }), "warnAtPercent"),
        (
            "warn at 100%",
            json!({ "warnAtPercent": 100 }),
            "warnAtPercent",
        ),
        (
            "no open hours",
            json!({ "calendar": hours(json!([])) }),
            "calendar.hours",
        ),
        (
            "unknown time zone",
            json!({ "calendar": { "timeZone": "Mars/Olympus", "hours": nine_to_five } }),
            "calendar.timeZone",
        ),
        (
            "inverted hours",
            json!({ "calendar": hours(json!([{ "day": "MONDAY", "open": "17:00", "close": "09:00" }])) }),
            "calendar.hours",
        ),
        (
            "overlapping hours",
            json!({ "calendar": hours(json!([
                { "day": "MONDAY", "open": "09:00", "close": "13:00" },
                { "day": "MONDAY", "open": "12:00", "close": "17:00" },
            ])) }),
            "calendar.hours",
        ),
        (
            "not a time",
            json!({ "calendar": hours(json!([{ "day": "MONDAY", "open": "9am", "close": "17:00" }])) }),
            "calendar.hours.open",
        ),
        (
            "10,000 holidays",
            json!({ "calendar": { "timeZone": "Europe/Berlin", "hours": nine_to_five, "holidays": holidays } }),
            "calendar.holidays",
        ),
        ("a second default", json!({ "services": [] }), "services"),
        (
            "a service another policy lists",
            json!({ "services": ["search", "checkout"] }),
            "services",
        ),
        ("an empty name", json!({ "name": "  " }), "name"),
        ("a taken name", json!({ "name": "Payments" }), "name"),
    ];
    for (case, overrides, field) in cases {
        let mut input = json!({ "name": "Other", "services": ["search"], "targets": [] });
        for (key, value) in overrides.as_object().expect("an object") {
            input[key] = value.clone();
        }
        let (code, message) = app
            .error_code(&app.admin(), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{case}: {message}");
        assert!(
            message.starts_with(&format!("{field}:")),
            "{case}: expected the message to name {field}: {message}"
        );
    }
    assert_eq!(policies(&app).await, before, "nothing was written");
}

async fn an_incident_reads_its_clocks(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let id = p1_incident(&app, "checkout").await;
    let data = app.ok(&admin, CLOCKS, json!({ "id": id })).await;
    let incident = &data["incident"];
    let reported = at(&incident["createdAt"]);
    let triaged = at(&incident["triagedAt"]);
    let sla = &incident["sla"];
    assert_eq!(sla["policyName"], "Default");
    let response = &sla["response"];
    assert_eq!(response["target"], "15m");
    assert_eq!(
        at(&response["dueAt"]),
        reported + chrono::Duration::minutes(15)
    );
    assert_eq!(at(&response["completedAt"]), triaged);
    assert_eq!(response["state"], "MET");
    let left = response["remaining"].as_i64().expect("seconds");
    assert!((899..=900).contains(&left), "{left}");
    let resolution = &sla["resolution"];
    assert_eq!(resolution["target"], "4h");
    assert_eq!(
        at(&resolution["dueAt"]),
        reported + chrono::Duration::hours(4)
    );
    assert_eq!(resolution["completedAt"], Value::Null);
    assert_eq!(resolution["state"], "RUNNING");
    let spent = resolution["elapsedPercent"].as_f64().expect("percent");
    assert!((0.0..1.0).contains(&spent), "{spent}");

    // Re-triage to P5: the default has no P5 targets.
    app.ok(
        &admin,
        "mutation($id: ID!) { triageIncident(input: { id: $id, category: \"db\", impact: LOW, urgency: LOW }) { priority } }",
        json!({ "id": id }),
    )
    .await;
    let data = app.ok(&admin, CLOCKS, json!({ "id": id })).await;
    let sla = &data["incident"]["sla"];
    assert_eq!(sla["response"]["state"], "NOT_APPLICABLE");
    // Each triage that changed the priority says in the timeline when the targets fall due.
    let timeline = app
        .ok(
            &admin,
            "query($id: ID!) { incident(id: $id) { timeline { edges { node { kind after } } } } }",
            json!({ "id": id }),
        )
        .await;
    let triages: Vec<Value> = timeline["incident"]["timeline"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e["node"]["kind"] == "TRIAGED")
        .map(|e| e["node"]["after"]["sla"].clone())
        .collect();
    assert_eq!(triages.len(), 2);
    assert_eq!(triages[0]["policy"], "Default");
    assert_eq!(
        at(&triages[0]["resolutionDueAt"]),
        reported + chrono::Duration::hours(4)
    );
    assert_eq!(
        triages[1]["resolutionDueAt"],
        Value::Null,
        "P5 has no target"
    );
    assert_eq!(sla["resolution"]["state"], "NOT_APPLICABLE");
    assert_eq!(sla["resolution"]["target"], Value::Null);

    // A policy listing the service wins over the default, at once.
    create_policy(&app, "Payments", &["payments"], ("1m", "2h"), 75).await;
    let other = p1_incident(&app, "payments").await;
    let data = app.ok(&admin, CLOCKS, json!({ "id": other })).await;
    assert_eq!(data["incident"]["sla"]["policyName"], "Payments");
    assert_eq!(data["incident"]["sla"]["resolution"]["target"], "2h");
}

async fn the_worker_records_each_warning_and_breach_once(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.sla.check_interval_ms = 100).await;
    create_policy(&app, "Drill", &["drill"], ("1h", "3s"), 50).await;
    let id = p1_incident(&app, "drill").await;
    let events = wait_for_sla_events(&app, &id, 2).await;
    let kinds: Vec<&str> = events.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(kinds, ["SLA_WARNING", "SLA_BREACHED"], "{events:?}");
    let data = app.ok(&app.admin(), CLOCKS, json!({ "id": id })).await;
    let due = at(&data["incident"]["sla"]["resolution"]["dueAt"]);
    let reported = at(&data["incident"]["createdAt"]);
    assert_eq!(data["incident"]["sla"]["resolution"]["state"], "BREACHED");
    assert!(
        data["incident"]["sla"]["resolution"]["remaining"]
            .as_i64()
            .expect("s")
            <= 0
    );
    // Stamped with the time each fell due, not when the worker noticed.
    assert_eq!(events[0].1, reported + chrono::Duration::milliseconds(1500));
    assert_eq!(events[1].1, due);
    assert_eq!(events[1].2, "SLA monitor");
    assert_eq!(events[1].3["clock"], "RESOLUTION");
    assert_eq!(events[1].3["priority"], "P1");
    assert_eq!(events[1].3["target"], "3s");
    // Many more checks later, still once each.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(sla_events(&app, &id).await.len(), 2);

    let breaches = app
        .ok(
            &app.admin(),
            "{ slaBreaches(filter: { service: \"drill\" }) { incident { id } clock priority target dueAt policyName service } }",
            json!({}),
        )
        .await;
    assert_eq!(
        breaches["slaBreaches"],
        json!([{
            "incident": { "id": id }, "clock": "RESOLUTION", "priority": "P1", "target": "3s",
            "dueAt": breaches["slaBreaches"][0]["dueAt"], "policyName": "Drill", "service": "drill",
        }])
    );
    assert_eq!(at(&breaches["slaBreaches"][0]["dueAt"]), due);
    let empty = app
        .ok(
            &app.admin(),
            "query($from: DateTime!) { slaBreaches(filter: { from: $from }) { dueAt } }",
            json!({ "from": (due + chrono::Duration::seconds(1)).to_rfc3339() }),
        )
        .await;
    assert_eq!(empty["slaBreaches"], json!([]));
    let (code, _) = app
        .error_code(
            &app.admin(),
            "{ slaBreaches(filter: { from: \"2026-02-01T00:00:00Z\", to: \"2026-01-01T00:00:00Z\" }) { dueAt } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}

async fn a_breach_while_every_node_was_down_is_recorded_at_the_next_start(backend: Backend) {
    // Checks only at start and then once a minute: the breach below falls due between them.
    let app = TestApp::spawn_with(backend, |s| s.sla.check_interval_ms = 60_000).await;
    create_policy(&app, "Drill", &["drill"], ("1h", "1s"), 99).await;
    let id = p1_incident(&app, "drill").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(sla_events(&app, &id).await.is_empty(), "not checked yet");
    let app = app.restart(|s| s.sla.check_interval_ms = 60_000).await;
    let events = wait_for_sla_events(&app, &id, 2).await;
    let data = app.ok(&app.admin(), CLOCKS, json!({ "id": id })).await;
    let due = at(&data["incident"]["sla"]["resolution"]["dueAt"]);
    let breach = events
        .iter()
        .find(|e| e.0 == "SLA_BREACHED")
        .expect("a breach");
    assert_eq!(breach.1, due, "stamped with the time it fell due");
}

on_both_databases!(
    the_shipped_default_policy_and_who_manages_policies,
    bad_policies_are_refused_naming_the_field_and_write_nothing,
    an_incident_reads_its_clocks,
    the_worker_records_each_warning_and_breach_once,
    a_breach_while_every_node_was_down_is_recorded_at_the_next_start,
);

/// Two nodes check the same clocks every 50 ms; each notice is recorded once between them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_record_each_breach_once() {
    let Some(backend) = Backend::postgres() else {
        skip_postgres(concat!(
            module_path!(),
            "::two_nodes_record_each_breach_once (several nodes can share only a PostgreSQL database)"
        ));
        return;
    };
    let a = TestApp::spawn_with(backend, |s| s.sla.check_interval_ms = 100).await;
    let b = a.another_node(|s| s.sla.check_interval_ms = 100).await;
    create_policy(&a, "Drill", &["drill"], ("1h", "1s"), 50).await;
    let mut incidents = Vec::new();
    for _ in 0..5 {
        incidents.push(p1_incident(&b, "drill").await);
    }
    for id in &incidents {
        let events = wait_for_sla_events(&a, id, 2).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let again = sla_events(&b, id).await;
        assert_eq!(events.len(), 2, "{events:?}");
        assert_eq!(
            again.len(),
            2,
            "once each, whichever node recorded it: {again:?}"
        );
    }
    let breaches = b
        .ok(&b.admin(), "{ slaBreaches { incident { id } } }", json!({}))
        .await;
    assert_eq!(breaches["slaBreaches"].as_array().expect("list").len(), 5);
    drop(b);
}
