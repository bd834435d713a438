//! Automation (escalation rules) through the API: who manages and reads rules, bad rules
//! refused without a write, a breach escalating through the same use cases as a person
//! (timeline, actor, webhooks), one firing per trigger (also with two nodes), a chain of
//! rules stopped at its depth limit, time triggers and the preview, failed actions recorded.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::on_both_databases;
use crate::sla::create_policy;
use crate::support::{Backend, TestApp, skip_postgres, transition};
use crate::webhooks::{Receiver, fast, ok};

const CREATE: &str = "mutation($input: CreateAutomationRuleInput!) { createAutomationRule(input: $input) { \
    id name actorId enabled version trigger { type after } \
    conditions { services categories priorityAtLeast statuses } \
    actions { type userId role template userIds address } } }";

const RUNS: &str = "query($id: ID!, $first: Int, $after: String) { automationRuns(ruleId: $id, first: $first, after: $after) { \
    totalCount pageInfo { hasNextPage } edges { cursor node { incident { id } trigger triggerKey depth outcome \
    actions { type detail error } } } } }";

fn fast_automation(s: &mut hindsight::config::Settings) {
    fast(s);
    s.sla.check_interval_ms = 100;
    s.automation.check_interval_ms = 100;
}

async fn create_rule(app: &TestApp, input: Value) -> Value {
    app.ok(&app.admin(), CREATE, json!({ "input": input }))
        .await["createAutomationRule"]
        .clone()
}

async fn report(app: &TestApp, service: &str) -> String {
    let data = app
        .ok(
            &app.admin(),
            "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }",
            json!({ "input": { "title": "payments time out", "service": service } }),
        )
        .await;
    data["reportIncident"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn triage(app: &TestApp, id: &str, impact: &str, urgency: &str) {
    let (q, mut v) = transition("triage", id);
    v["input"]["impact"] = json!(impact);
    v["input"]["urgency"] = json!(urgency);
    app.ok(&app.admin(), &q, v).await;
}

async fn runs(app: &TestApp, rule: &str) -> Value {
    app.ok(&app.admin(), RUNS, json!({ "id": rule, "first": 100 }))
        .await["automationRuns"]
        .clone()
}

/// Waits (up to 20 s) until `rule` has fired `count` times and no firing is still running.
async fn wait_for_runs(app: &TestApp, rule: &str, count: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let page = runs(app, rule).await;
        let edges = page["edges"].as_array().expect("edges");
        let running = edges.iter().any(|e| e["node"]["outcome"] == "RUNNING");
        // The edges, not totalCount: the page and the count are two reads, and a run claimed
        // between them is counted but not listed.
        if (edges.len() as u64 >= count && !running) || Instant::now() > deadline {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The incident's timeline: (kind, actor id, after).
async fn timeline(app: &TestApp, id: &str) -> Vec<(String, String, Value)> {
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { incident(id: $id) { timeline(first: 100) { edges { node { kind actor { id } after } } } } }",
            json!({ "id": id }),
        )
        .await;
    data["incident"]["timeline"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            let n = &e["node"];
            (
                n["kind"].as_str().expect("kind").to_owned(),
                n["actor"]["id"].as_str().expect("actor").to_owned(),
                n["after"].clone(),
            )
        })
        .collect()
}

async fn rules_are_managed_by_admins_and_read_by_leads(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rule = create_rule(
        &app,
        json!({ "name": "Page on breach", "trigger": { "type": "SLA_BREACHED" },
                "conditions": { "priorityAtLeast": "P2", "services": ["checkout"] },
                "actions": [{ "type": "PAGE", "address": "oncall@example.com", "template": "{{number}} breached" }] }),
    )
    .await;
    assert_eq!(rule["actorId"], "automation:Page on breach");
    assert_eq!(rule["enabled"], true);
    assert_eq!(rule["conditions"]["priorityAtLeast"], "P2");
    assert_eq!(rule["actions"][0]["address"], "oncall@example.com");
    let id = rule["id"].as_str().expect("id");

    let manager = app.token("u:m", &["manager"]);
    let listed = app
        .ok(
            &manager,
            "{ automationRules { name trigger { type } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["automationRules"][0]["name"], "Page on breach");
    for role in ["specialist", "communicator", "viewer"] {
        let token = app.token("u:x", &[role]);
        let (code, _) = app
            .error_code(&token, "{ automationRules { name } }", json!({}))
            .await;
        assert_eq!(code, "FORBIDDEN", "{role} reads rules");
    }
    let (code, _) = app
        .error_code(
            &manager,
            "mutation($id: ID!) { disableAutomationRule(input: { id: $id }) { enabled } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN", "a manager changes a rule");

    let disabled = app
        .ok(
            &app.admin(),
            "mutation($id: ID!) { disableAutomationRule(input: { id: $id }) { enabled version } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        disabled["disableAutomationRule"],
        json!({ "enabled": false, "version": 2 })
    );
    let deleted = app
        .ok(
            &app.admin(),
            "mutation($id: ID!) { deleteAutomationRule(input: { id: $id }) { deletedAutomationRuleId } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        deleted["deleteAutomationRule"]["deletedAutomationRuleId"],
        id
    );
    let (code, _) = app
        .error_code(
            &app.admin(),
            "query($id: ID!) { automationRule(id: $id) { name } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
}

async fn bad_rules_are_refused_naming_the_field_and_write_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.sign_in("u:lead", &["specialist"]).await;
    let page = json!([{ "type": "PAGE", "address": "oncall" }]);
    create_rule(
        &app,
        json!({ "name": "Taken", "trigger": { "type": "SLA_WARNING" }, "actions": page }),
    )
    .await;
    let cases = [
        (
            json!({ "name": "r", "trigger": { "type": "WHENEVER" }, "actions": page }),
            "WHENEVER",
        ),
        (
            json!({ "name": "r", "trigger": { "type": "UNASSIGNED_FOR" }, "actions": page }),
            "trigger.after",
        ),
        (
            json!({ "name": "r", "trigger": { "type": "UNASSIGNED_FOR", "after": "-5m" }, "actions": page }),
            "trigger.after",
        ),
        (
            json!({ "name": "r", "trigger": { "type": "UNASSIGNED_FOR", "after": "10000d" }, "actions": page }),
            "trigger.after",
        ),
        (
            json!({ "name": "r", "trigger": { "type": "SLA_BREACHED", "after": "5m" }, "actions": page }),
            "trigger.after",
        ),
        (
            json!({ "name": "r", "trigger": { "type": "SLA_BREACHED" }, "actions": [] }),
            "actions",
        ),
        (
            json!({ "name": "", "trigger": { "type": "SLA_BREACHED" }, "actions": page }),
            "name",
        ),
        (
            json!({ "name": "Taken", "trigger": { "type": "SLA_BREACHED" }, "actions": page }),
            "name",
        ),
        (
            json!({ "name": "r", "trigger": { "type": "SLA_BREACHED" },
                 "actions": [{ "type": "POST_UPDATE", "template": "{{number}} is owned by {{owner}}" }] }),
            "{{owner}}",
        ),
        (
            json!({ "name": "r", "trigger": { "type": "SLA_BREACHED" },
                 "actions": [{ "type": "ASSIGN_ROLE", "userId": "u:nobody", "role": "INCIDENT_MANAGER" }] }),
            "no user u:nobody",
        ),
        (
            json!({ "name": "r", "trigger": { "type": "SLA_BREACHED" },
                 "actions": [{ "type": "ASSIGN_ROLE", "userId": "hindsight-sla", "role": "INCIDENT_MANAGER" }] }),
            "not a person",
        ),
        (
            json!({ "name": "r", "trigger": { "type": "SLA_BREACHED" },
                 "actions": [{ "type": "ASSIGN_ROLE", "userId": "u:lead" }] }),
            "role",
        ),
        (
            json!({ "name": "r", "trigger": { "type": "SLA_BREACHED" },
                 "actions": [{ "type": "PAGE", "address": "  " }] }),
            "address",
        ),
        (
            json!({ "name": "r", "trigger": { "type": "SLA_BREACHED" },
                 "actions": [{ "type": "ADD_WATCHERS", "userIds": [] }] }),
            "ADD_WATCHERS",
        ),
        (
            json!({ "name": "r", "trigger": { "type": "SLA_BREACHED" }, "conditions": { "services": [""] },
                 "actions": page }),
            "service",
        ),
    ];
    for (input, named) in cases {
        let (code, message) = app
            .error_code(&app.admin(), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{input}: {message}");
        assert!(
            message.contains(named),
            "{input}: `{message}` should name {named}"
        );
    }
    let listed = app
        .ok(&app.admin(), "{ automationRules { name } }", json!({}))
        .await;
    assert_eq!(listed["automationRules"], json!([{ "name": "Taken" }]));
}

async fn a_breach_escalates_through_the_same_use_cases(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast_automation).await;
    let receiver = Receiver::start(ok).await;
    app.ok(
        &app.admin(),
        "mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }",
        json!({ "input": { "url": receiver.url("/pager"), "events": ["ESCALATION"], "secret": "s3cret-s3cret-s3cret" } }),
    )
    .await;
    app.sign_in("u:lead", &["specialist"]).await;
    app.sign_in("u:boss", &["viewer"]).await;
    create_policy(&app, "Checkout", &["checkout"], ("1h", "2s"), 75).await;
    let rule = create_rule(
        &app,
        json!({ "name": "Escalate breaches", "trigger": { "type": "SLA_BREACHED" },
                "conditions": { "priorityAtLeast": "P2" },
                "actions": [
                    { "type": "ASSIGN_ROLE", "userId": "u:lead", "role": "INCIDENT_MANAGER" },
                    { "type": "POST_UPDATE", "template": "{{number}} ({{priority}}, {{service}}) breached its SLA: {{rule}}" },
                    { "type": "ADD_WATCHERS", "userIds": ["u:boss"] },
                    { "type": "PAGE", "address": "oncall@example.com", "template": "{{number}} breached" },
                ] }),
    )
    .await;
    let rule_id = rule["id"].as_str().expect("id");
    let id = report(&app, "checkout").await;
    triage(&app, &id, "HIGH", "HIGH").await;
    let quiet = report(&app, "checkout").await; // P5: no target here, and below the floor
    triage(&app, &quiet, "LOW", "LOW").await;

    let page = wait_for_runs(&app, rule_id, 1).await;
    assert_eq!(page["totalCount"], 1, "{page}");
    let run = &page["edges"][0]["node"];
    assert_eq!(run["incident"]["id"], id);
    assert_eq!(run["trigger"], "SLA_BREACHED");
    assert_eq!(run["depth"], 0);
    assert_eq!(run["outcome"], "SUCCEEDED", "{run}");
    let kinds: Vec<&str> = run["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| a["type"].as_str().expect("type"))
        .collect();
    assert_eq!(
        kinds,
        ["ASSIGN_ROLE", "POST_UPDATE", "ADD_WATCHERS", "PAGE"]
    );

    let number = app
        .ok(&app.admin(), "query($id: ID!) { incident(id: $id) { number version roles { user { id } role } watchers { id } } }", json!({ "id": id }))
        .await["incident"]
        .clone();
    assert!(
        number["roles"]
            .as_array()
            .expect("roles")
            .iter()
            .any(|r| r["user"]["id"] == "u:lead" && r["role"] == "INCIDENT_MANAGER"),
        "{number}"
    );
    assert!(
        number["watchers"]
            .as_array()
            .expect("watchers")
            .iter()
            .any(|w| w["id"] == "u:boss"),
        "{number}"
    );
    let handle = number["number"].as_str().expect("number");
    let events = timeline(&app, &id).await;
    let by_rule: Vec<&(String, String, Value)> = events
        .iter()
        .filter(|e| e.1 == "automation:Escalate breaches")
        .collect();
    let rule_kinds: Vec<&str> = by_rule.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        rule_kinds,
        ["ROLE_ASSIGNED", "UPDATE_POSTED", "ESCALATION"],
        "{events:?}"
    );
    assert_eq!(
        by_rule[1].2["body"],
        format!("{handle} (P1, checkout) breached its SLA: Escalate breaches")
    );
    assert_eq!(by_rule[2].2["address"], "oncall@example.com");
    assert_eq!(by_rule[2].2["message"], format!("{handle} breached"));
    // The page reached the paging tool through its webhook.
    let pages = receiver
        .wait_for("/pager", 1, Duration::from_secs(20))
        .await;
    assert_eq!(pages[0].kind(), "ESCALATION");
    assert!(
        pages[0].body.contains("oncall@example.com"),
        "{}",
        pages[0].body
    );
    // Nothing fired for the quiet incident.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(runs(&app, rule_id).await["totalCount"], 1);
}

async fn a_failed_action_is_recorded_and_does_not_block_the_others(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast_automation).await;
    let rule = create_rule(
        &app,
        json!({ "name": "Greet", "trigger": { "type": "INCIDENT_REPORTED" },
                "actions": [
                    { "type": "RAISE_URGENCY" },
                    { "type": "POST_UPDATE", "template": "{{number}} is being looked at" },
                ] }),
    )
    .await;
    let rule_id = rule["id"].as_str().expect("id");
    let id = report(&app, "checkout").await;
    let page = wait_for_runs(&app, rule_id, 1).await;
    let run = &page["edges"][0]["node"];
    assert_eq!(run["outcome"], "PARTLY_FAILED", "{run}");
    assert_eq!(
        run["actions"][0]["error"],
        "the incident is not triaged yet"
    );
    assert_eq!(run["actions"][1]["error"], Value::Null);
    let events = timeline(&app, &id).await;
    assert!(
        events
            .iter()
            .any(|e| e.0 == "UPDATE_POSTED" && e.1 == "automation:Greet")
    );
    // Disabled, it does nothing for the next incident.
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { disableAutomationRule(input: { id: $id }) { enabled } }",
        json!({ "id": rule_id }),
    )
    .await;
    report(&app, "checkout").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(runs(&app, rule_id).await["totalCount"], 1);
}

async fn a_loop_of_rules_stops_at_the_depth_limit(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast_automation).await;
    let urgency = create_rule(
        &app,
        json!({ "name": "Louder", "trigger": { "type": "PRIORITY_CHANGED" }, "actions": [{ "type": "RAISE_URGENCY" }] }),
    )
    .await;
    let impact = create_rule(
        &app,
        json!({ "name": "Wider", "trigger": { "type": "PRIORITY_CHANGED" }, "actions": [{ "type": "RAISE_IMPACT" }] }),
    )
    .await;
    let id = report(&app, "checkout").await;
    triage(&app, &id, "LOW", "LOW").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut all = Vec::new();
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(300)).await;
        all.clear();
        for rule in [&urgency, &impact] {
            let page = runs(&app, rule["id"].as_str().expect("id")).await;
            all.extend(
                page["edges"]
                    .as_array()
                    .expect("edges")
                    .iter()
                    .map(|e| e["node"].clone()),
            );
        }
        if all.iter().any(|r| r["outcome"] == "CHAIN_STOPPED")
            && all.iter().all(|r| r["outcome"] != "RUNNING")
        {
            break;
        }
    }
    let stopped: Vec<&Value> = all
        .iter()
        .filter(|r| r["outcome"] == "CHAIN_STOPPED")
        .collect();
    assert!(!stopped.is_empty(), "the chain never stopped: {all:?}");
    assert!(
        stopped.iter().all(|r| r["depth"].as_i64() > Some(3)),
        "{stopped:?}"
    );
    assert!(
        all.iter().all(|r| r["depth"].as_i64() <= Some(4)),
        "{all:?}"
    );
    // Never twice for one trigger: each (rule, trigger key) once.
    for rule in [&urgency, &impact] {
        let page = runs(&app, rule["id"].as_str().expect("id")).await;
        let mut keys: Vec<String> = page["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["triggerKey"].as_str().expect("key").to_owned())
            .collect();
        let n = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), n, "a rule fired twice for one trigger");
    }
    let (status, _) = app.state(&app.admin(), &id).await;
    assert_eq!(status, "TRIAGED");
}

async fn unassigned_for_fires_once_and_the_preview_says_so(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast_automation).await;
    let rule = create_rule(
        &app,
        json!({ "name": "Nobody home", "trigger": { "type": "UNASSIGNED_FOR", "after": "2s" },
                "actions": [{ "type": "PAGE", "address": "duty-manager" }] }),
    )
    .await;
    let rule_id = rule["id"].as_str().expect("id");
    let id = report(&app, "checkout").await;
    let preview = "query($id: ID!) { previewAutomation(incidentId: $id) { rule { name } conditionsMet firesNow reason actions { type detail problem } } }";
    let before = app.ok(&app.admin(), preview, json!({ "id": id })).await;
    assert_eq!(
        before["previewAutomation"],
        json!([{ "rule": { "name": "Nobody home" }, "conditionsMet": true, "firesNow": false,
                 "reason": "UNASSIGNED_FOR does not hold now",
                 "actions": [{ "type": "PAGE", "detail": "page duty-manager", "problem": null }] }])
    );
    let page = wait_for_runs(&app, rule_id, 1).await;
    assert_eq!(page["edges"][0]["node"]["triggerKey"], "unassigned");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(runs(&app, rule_id).await["totalCount"], 1, "fired once");
    let escalations = timeline(&app, &id)
        .await
        .into_iter()
        .filter(|e| e.0 == "ESCALATION")
        .count();
    assert_eq!(escalations, 1);
    let after = app.ok(&app.admin(), preview, json!({ "id": id })).await;
    assert_eq!(after["previewAutomation"][0]["firesNow"], false);
    assert_eq!(
        after["previewAutomation"][0]["reason"],
        "it already acted on this occasion"
    );
    // Only leads preview.
    let token = app.token("u:s", &["specialist"]);
    let (code, _) = app.error_code(&token, preview, json!({ "id": id })).await;
    assert_eq!(code, "FORBIDDEN");
}

async fn an_overdue_update_fires_once_per_missed_update(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        fast_automation(s);
        s.communications.update_interval.p1 = "1s".into();
    })
    .await;
    let rule = create_rule(
        &app,
        json!({ "name": "Nudge", "trigger": { "type": "UPDATE_OVERDUE" },
                "conditions": { "priorityAtLeast": "P1" },
                "actions": [{ "type": "PAGE", "address": "comms-lead" }] }),
    )
    .await;
    let rule_id = rule["id"].as_str().expect("id");
    let id = report(&app, "checkout").await;
    triage(&app, &id, "HIGH", "HIGH").await;
    let page = wait_for_runs(&app, rule_id, 1).await;
    let run = &page["edges"][0]["node"];
    assert_eq!(run["incident"]["id"], id);
    assert_eq!(run["trigger"], "UPDATE_OVERDUE");
    assert!(
        run["triggerKey"]
            .as_str()
            .is_some_and(|k| k.starts_with("overdue:")),
        "{run}"
    );
    // The same missed update does not fire again.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(runs(&app, rule_id).await["totalCount"], 1);
}

on_both_databases!(
    an_overdue_update_fires_once_per_missed_update,
    rules_are_managed_by_admins_and_read_by_leads,
    bad_rules_are_refused_naming_the_field_and_write_nothing,
    a_breach_escalates_through_the_same_use_cases,
    a_failed_action_is_recorded_and_does_not_block_the_others,
    a_loop_of_rules_stops_at_the_depth_limit,
    unassigned_for_fires_once_and_the_preview_says_so,
);

/// Two nodes read the same timeline: each trigger is acted on once between them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_fire_each_rule_once() {
    let Some(backend) = Backend::postgres() else {
        return skip_postgres("automation::two_nodes_fire_each_rule_once");
    };
    let app = TestApp::spawn_with(backend, fast_automation).await;
    let other = app.another_node(fast_automation).await;
    let rule = create_rule(
        &app,
        json!({ "name": "Hello", "trigger": { "type": "INCIDENT_REPORTED" },
                "actions": [{ "type": "POST_UPDATE", "template": "{{number}} seen" }] }),
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..6 {
        let node = if i % 2 == 0 { &app } else { &other };
        ids.push(report(node, "checkout").await);
    }
    wait_for_runs(&app, rule["id"].as_str().expect("id"), 6).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        runs(&app, rule["id"].as_str().expect("id")).await["totalCount"],
        6
    );
    for id in &ids {
        let posted = timeline(&app, id)
            .await
            .into_iter()
            .filter(|e| e.0 == "UPDATE_POSTED")
            .count();
        assert_eq!(posted, 1, "{id}");
    }
}
