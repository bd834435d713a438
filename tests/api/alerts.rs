//! Alert intake through the real endpoints: integrations managed over GraphQL, each tool's
//! documented payload opening the expected incident, dedup (also under parallel senders and
//! on two nodes), resolve and reopen, keys in the path, the header and the body, rotation,
//! and every bad input refused without a write.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, TestApp, transition};

const CREATE: &str = "mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { key integration { id name format endpoint service category grouping autoResolve enabled version severityMap { severity impact urgency } } } }";

const INCIDENTS: &str = "{ incidents(first: 10) { totalCount nodes { id number title description service category source status priority reporter { id } alerts { integrationName dedupKey state count labels { name value } links { href } previousIncidentId } timeline(first: 20) { nodes { kind } } } } }";

/// Creates an integration; returns (id, key).
async fn integration(app: &TestApp, name: &str, format: &str, extra: Value) -> (String, String) {
    let mut input = json!({"name": name, "format": format, "service": "checkout"});
    if let Value::Object(more) = extra {
        for (k, v) in more {
            input[k] = v;
        }
    }
    let data = app
        .ok(&app.admin(), CREATE, json!({ "input": input }))
        .await;
    let created = &data["createIntegration"];
    (
        created["integration"]["id"].as_str().unwrap().to_owned(),
        created["key"].as_str().unwrap().to_owned(),
    )
}

/// POSTs `body` (bytes) to `path`, with `key` as a bearer token if given.
async fn post_raw(
    app: &TestApp,
    path: &str,
    key: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut req = app
        .client
        .post(format!("{}{path}", app.url))
        .header("content-type", "application/json")
        .body(body);
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn post(app: &TestApp, path: &str, key: Option<&str>, body: &Value) -> (StatusCode, Value) {
    post_raw(app, path, key, serde_json::to_vec(body).unwrap()).await
}

async fn incidents(app: &TestApp) -> Vec<Value> {
    let data = app.ok(&app.admin(), INCIDENTS, json!({})).await;
    data["incidents"]["nodes"].as_array().unwrap().clone()
}

fn kinds(incident: &Value) -> Vec<String> {
    incident["timeline"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// Alertmanager's webhook as its documentation describes it (a blackbox probe failure).
fn alertmanager(status: &str, fingerprint: &str) -> Value {
    json!({
        "version": "4",
        "groupKey": "{}/{severity=\"critical\"}:{alertname=\"ProbeFailure\"}",
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "hindsight",
        "groupLabels": {"alertname": "ProbeFailure"},
        "commonLabels": {"alertname": "ProbeFailure", "instance": "https://server.example.org", "job": "http_checks", "severity": "critical"},
        "commonAnnotations": {"summary": "BlackBox Probe Failure: https://server.example.org"},
        "externalURL": "http://prometheus.example.org:9093",
        "alerts": [{
            "status": status,
            "labels": {"alertname": "ProbeFailure", "instance": "https://server.example.org", "job": "http_checks", "severity": "critical"},
            "annotations": {
                "description": "Instance https://server.example.org has been down for over 5m. Job: http_checks",
                "summary": "BlackBox Probe Failure: https://server.example.org"
            },
            "startsAt": "2023-02-06T13:08:45.828Z",
            "endsAt": if status == "resolved" { "2023-02-06T13:18:45.828Z" } else { "0001-01-01T00:00:00Z" },
            "generatorURL": "http://prometheus.example.org:9090/graph?g0.expr=probe_success+%3D%3D+0&g0.tab=1",
            "fingerprint": fingerprint
        }]
    })
}

/// The example body of Grafana's webhook contact point documentation (two alerts).
fn grafana() -> Value {
    let alert = |name: &str, zone: &str, fp: &str| {
        json!({
            "status": "firing",
            "labels": {"alertname": name, "team": "blue", "zone": zone},
            "annotations": {
                "description": "The system has high memory usage",
                "runbook_url": "https://myrunbook.com/runbook/1234",
                "summary": format!("This alert was triggered for zone {zone}")
            },
            "startsAt": "2021-10-12T09:51:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://play.grafana.org/alerting/1afz29v7z/edit",
            "fingerprint": fp,
            "silenceURL": "https://play.grafana.org/alerting/silence/new",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 44.23943737541908, "C": 1}
        })
    };
    json!({
        "receiver": "My Super Webhook",
        "status": "firing",
        "orgId": 1,
        "alerts": [alert("High memory usage", "us-1", "c6eadffa33fcdf37"), alert("High CPU usage", "eu-1", "bc97ff14869b13e3")],
        "groupLabels": {},
        "commonLabels": {"team": "blue"},
        "commonAnnotations": {},
        "externalURL": "https://play.grafana.org/",
        "version": "1",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
        "title": "[FIRING:2]  (blue)",
        "state": "alerting",
        "message": "**Firing**"
    })
}

/// PagerDuty's documented trigger example, with our key as its routing key.
fn events_v2(key: &str, action: &str) -> Value {
    json!({
        "payload": {
            "summary": "Example alert on host1.example.com",
            "timestamp": "2015-07-17T08:42:58.315+0000",
            "source": "monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003",
            "severity": "info",
            "component": "postgres",
            "group": "prod-datapipe",
            "class": "deploy",
            "custom_details": {"ping time": "1500ms", "load avg": 0.75}
        },
        "routing_key": key,
        "dedup_key": "samplekeyhere",
        "links": [{"href": "https://example.com/", "text": "Link text"}],
        "event_action": action,
        "client": "Sample Monitoring Service",
        "client_url": "https://monitoring.example.com"
    })
}

async fn integrations_are_managed_by_admins(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let data = app
        .ok(&admin, CREATE, json!({"input": {"name": "prom", "format": "ALERTMANAGER", "service": "checkout", "category": "availability",
            "severityMap": [{"severity": "INFO", "impact": "LOW", "urgency": "MEDIUM"}]}}))
        .await;
    let created = &data["createIntegration"];
    assert!(created["key"].as_str().unwrap().starts_with("hsk_"));
    let i = &created["integration"];
    assert_eq!(i["format"], "ALERTMANAGER");
    assert_eq!(i["endpoint"], "/alerts/alertmanager");
    assert_eq!(i["grouping"], "ALERT");
    assert_eq!(i["autoResolve"], true);
    assert_eq!(
        i["severityMap"][3],
        json!({"severity": "INFO", "impact": "LOW", "urgency": "MEDIUM"})
    );
    assert_eq!(
        i["severityMap"][0],
        json!({"severity": "CRITICAL", "impact": "HIGH", "urgency": "HIGH"})
    );
    let id = i["id"].as_str().unwrap().to_owned();

    let list = "{ integrations { name enabled } }";
    let manager = app.token("m", &["manager"]);
    let data = app.ok(&manager, list, json!({})).await;
    assert_eq!(
        data["integrations"],
        json!([{"name": "prom", "enabled": true}])
    );
    let specialist = app.token("s", &["specialist"]);
    assert_eq!(
        app.error_code(&specialist, list, json!({})).await.0,
        "FORBIDDEN"
    );
    let (code, _) = app
        .error_code(
            &manager,
            CREATE,
            json!({"input": {"name": "x", "format": "GENERIC", "service": "s"}}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");

    // Bad input names the field and writes nothing.
    for (input, field) in [
        (
            json!({"name": " ", "format": "GENERIC", "service": "s"}),
            "name",
        ),
        (
            json!({"name": "prom", "format": "GENERIC", "service": "s"}),
            "name",
        ),
        (
            json!({"name": "x", "format": "GENERIC", "service": ""}),
            "service",
        ),
        (
            json!({"name": "x", "format": "NAGIOS", "service": "s"}),
            "format",
        ),
        (
            json!({"name": "x", "format": "GENERIC", "service": "s", "severityMap": [
            {"severity": "INFO", "impact": "LOW", "urgency": "LOW"},
            {"severity": "INFO", "impact": "HIGH", "urgency": "LOW"}]}),
            "severityMap",
        ),
        (
            json!({"name": "x", "format": "GENERIC", "service": "s", "severityMap": [
            {"severity": "LOUD", "impact": "LOW", "urgency": "LOW"}]}),
            "severity",
        ),
    ] {
        let (code, message) = app
            .error_code(&admin, CREATE, json!({ "input": input }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{input}: {message}");
        assert!(message.contains(field), "{input}: {message}");
    }
    let data = app.ok(&admin, list, json!({})).await;
    assert_eq!(data["integrations"].as_array().unwrap().len(), 1);

    let update = "mutation($input: UpdateIntegrationInput!) { updateIntegration(input: $input) { name category autoResolve version } }";
    let data = app
        .ok(&admin, update, json!({"input": {"id": id, "name": "prometheus", "category": null, "autoResolve": false}}))
        .await;
    assert_eq!(
        data["updateIntegration"],
        json!({"name": "prometheus", "category": null, "autoResolve": false, "version": 2})
    );
    let (code, _) = app
        .error_code(
            &admin,
            update,
            json!({"input": {"id": id, "expectedVersion": 1, "name": "again"}}),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    let switch =
        |m: &str| format!("mutation($id: ID!) {{ {m}(input: {{id: $id}}) {{ enabled }} }}");
    let data = app
        .ok(&admin, &switch("disableIntegration"), json!({"id": id}))
        .await;
    assert_eq!(data["disableIntegration"]["enabled"], false);
    let data = app
        .ok(&admin, &switch("enableIntegration"), json!({"id": id}))
        .await;
    assert_eq!(data["enableIntegration"]["enabled"], true);
    let delete =
        "mutation($id: ID!) { deleteIntegration(input: {id: $id}) { deletedIntegrationId } }";
    app.ok(&admin, delete, json!({"id": id})).await;
    assert_eq!(
        app.error_code(&admin, delete, json!({"id": id})).await.0,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(&admin, delete, json!({"id": "nope"}))
            .await
            .0,
        "BAD_USER_INPUT"
    );
}

async fn documented_payloads_open_incidents_and_repeats_add_to_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, am) = integration(
        &app,
        "prom",
        "ALERTMANAGER",
        json!({"category": "availability"}),
    )
    .await;
    let (status, body) = post(
        &app,
        "/alerts/alertmanager",
        Some(&am),
        &alertmanager("firing", "1a30ba71cca2921f"),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["alerts"][0]["outcome"], "opened");
    let list = incidents(&app).await;
    assert_eq!(list.len(), 1);
    let inc = &list[0];
    assert_eq!(
        inc["title"],
        "BlackBox Probe Failure: https://server.example.org"
    );
    assert_eq!(inc["source"], "ALERT");
    assert_eq!(inc["status"], "TRIAGED");
    assert_eq!(inc["priority"], "P1");
    assert_eq!(inc["service"], "checkout");
    assert_eq!(inc["reporter"]["id"], "integration:prom");
    assert_eq!(kinds(inc), ["REPORTED", "TRIAGED"]);
    assert_eq!(inc["alerts"][0]["count"], 1);
    assert!(
        inc["alerts"][0]["links"][0]["href"]
            .as_str()
            .unwrap()
            .starts_with("http://prometheus")
    );

    // The same alert again: no second incident, one more sighting, no event (same state).
    let (status, body) = post(
        &app,
        "/alerts/alertmanager",
        Some(&am),
        &alertmanager("firing", "1a30ba71cca2921f"),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["alerts"][0]["outcome"], "added");
    let list = incidents(&app).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["alerts"][0]["count"], 2);
    assert_eq!(kinds(&list[0]).len(), 2);

    // Grafana's two alerts, without a category: two NEW incidents.
    let (_, gf) = integration(&app, "grafana", "GRAFANA", json!({})).await;
    let (status, body) = post(&app, &format!("/alerts/grafana/{gf}"), None, &grafana()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let list = incidents(&app).await;
    assert_eq!(list.len(), 3);
    let titles: Vec<&str> = list.iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert!(
        titles.contains(&"This alert was triggered for zone us-1"),
        "{titles:?}"
    );
    assert!(list.iter().filter(|i| i["status"] == "NEW").count() == 2);

    // Events v2: PagerDuty's reply, the routing key in the body.
    let (_, ev) = integration(&app, "pd", "EVENTS_V2", json!({"category": "database"})).await;
    let (status, body) = post(&app, "/alerts/events/v2", None, &events_v2(&ev, "trigger")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(
        body,
        json!({"status": "success", "message": "Event processed", "dedup_key": "samplekeyhere"})
    );
    let list = incidents(&app).await;
    let pd = list
        .iter()
        .find(|i| i["title"] == "Example alert on host1.example.com")
        .unwrap();
    assert_eq!(pd["priority"], "P5"); // info: LOW/LOW
    let (status, _) = post(
        &app,
        "/alerts/events/v2",
        None,
        &events_v2(&ev, "acknowledge"),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let list = incidents(&app).await;
    let pd = list
        .iter()
        .find(|i| i["title"] == "Example alert on host1.example.com")
        .unwrap();
    assert!(kinds(pd).contains(&"ALERT_ACKNOWLEDGED".to_owned()), "{pd}");

    // Generic.
    let (_, gn) = integration(&app, "cron", "GENERIC", json!({})).await;
    let generic = json!({"title": "Nightly backup failed", "dedupKey": "backup", "severity": "error", "labels": {"service": "backups"}});
    let (status, body) = post(&app, "/alerts/generic", Some(&gn), &generic).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let list = incidents(&app).await;
    let backup = list
        .iter()
        .find(|i| i["title"] == "Nightly backup failed")
        .unwrap();
    assert_eq!(backup["service"], "backups");
    assert_eq!(list.len(), 5);
}

async fn alerts_clear_mitigate_and_fire_again_reopen(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.alerts.reopen_window = "3s".into()).await;
    let (_, key) = integration(
        &app,
        "prom",
        "ALERTMANAGER",
        json!({"category": "availability"}),
    )
    .await;
    let send = |status: &'static str| {
        let app = &app;
        let key = key.clone();
        async move {
            let (code, body) = post(
                app,
                "/alerts/alertmanager",
                Some(&key),
                &alertmanager(status, "fp1"),
            )
            .await;
            assert_eq!(code, StatusCode::ACCEPTED, "{body}");
            body
        }
    };
    send("firing").await;
    send("resolved").await;
    let list = incidents(&app).await;
    assert_eq!(list[0]["status"], "MITIGATED", "{}", list[0]);
    assert_eq!(list[0]["alerts"][0]["state"], "RESOLVED");
    assert_eq!(
        kinds(&list[0]),
        [
            "REPORTED",
            "TRIAGED",
            "ALERT_RESOLVED",
            "INVESTIGATION_STARTED",
            "MITIGATED"
        ]
    );
    // Firing again on the open (mitigated) incident: an ALERT_FIRING event, same incident.
    send("firing").await;
    let list = incidents(&app).await;
    assert_eq!(list.len(), 1);
    assert_eq!(kinds(&list[0]).last().unwrap(), "ALERT_FIRING");
    let id = list[0]["id"].as_str().unwrap().to_owned();
    // A person resolves it; the alert fires within the window: reopened.
    let resolve = |id: &str| {
        let (q, v) = transition("resolve", id);
        let app = &app;
        async move { app.ok(&app.admin(), &q, v).await }
    };
    resolve(&id).await;
    let body = send("firing").await;
    assert_eq!(body["alerts"][0]["outcome"], "reopened");
    let list = incidents(&app).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["status"], "INVESTIGATING");
    // Resolved again, and the window passes: a new incident, linked to the old one.
    resolve(&id).await;
    tokio::time::sleep(std::time::Duration::from_millis(3_200)).await;
    let body = send("firing").await;
    assert_eq!(body["alerts"][0]["outcome"], "opened");
    let list = incidents(&app).await;
    assert_eq!(list.len(), 2);
    let newest = &list[0];
    assert_ne!(newest["id"], json!(id));
    assert_eq!(newest["alerts"][0]["previousIncidentId"], json!(id));
}

async fn parallel_senders_make_one_incident(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, key) = integration(&app, "prom", "ALERTMANAGER", json!({})).await;
    let other = match app.postgres_url() {
        Some(_) => Some(app.another_node(|_| {}).await),
        None => None,
    };
    let nodes: Vec<&TestApp> = std::iter::once(&app).chain(other.as_ref()).collect();
    let sends = (0..20).map(|i| {
        let node = nodes[i % nodes.len()];
        let key = key.clone();
        async move {
            post(
                node,
                "/alerts/alertmanager",
                Some(&key),
                &alertmanager("firing", "storm"),
            )
            .await
        }
    });
    for (status, body) in futures::future::join_all(sends).await {
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let list = incidents(&app).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["alerts"][0]["count"], 20);
    drop(other);
}

async fn keys_work_in_path_header_and_body_and_rotate_with_grace(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, key) = integration(&app, "prom", "ALERTMANAGER", json!({})).await;
    let body = alertmanager("firing", "k");
    assert_eq!(
        post(&app, &format!("/alerts/alertmanager/{key}"), None, &body)
            .await
            .0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        post(&app, "/alerts/alertmanager", Some(&key), &body)
            .await
            .0,
        StatusCode::ACCEPTED
    );
    let rotate = "mutation($id: ID!) { rotateIntegrationKey(input: {id: $id}) { key integration { previousKeyExpiresAt } } }";
    let data = app.ok(&app.admin(), rotate, json!({"id": id})).await;
    let new_key = data["rotateIntegrationKey"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_key, key);
    assert!(data["rotateIntegrationKey"]["integration"]["previousKeyExpiresAt"].is_string());
    // Both work during the grace period.
    assert_eq!(
        post(&app, "/alerts/alertmanager", Some(&key), &body)
            .await
            .0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        post(&app, "/alerts/alertmanager", Some(&new_key), &body)
            .await
            .0,
        StatusCode::ACCEPTED
    );
    // A second rotation ends the first key's grace at once.
    let data = app.ok(&app.admin(), rotate, json!({"id": id})).await;
    let third = data["rotateIntegrationKey"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        post(&app, "/alerts/alertmanager", Some(&key), &body)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(&app, "/alerts/alertmanager", Some(&third), &body)
            .await
            .0,
        StatusCode::ACCEPTED
    );

    let app2 = TestApp::spawn_with(Backend::Sqlite, |s| s.alerts.key_grace = "0s".into()).await;
    let (id, key) = integration(&app2, "prom", "ALERTMANAGER", json!({})).await;
    app2.ok(&app2.admin(), rotate, json!({"id": id})).await;
    assert_eq!(
        post(&app2, "/alerts/alertmanager", Some(&key), &body)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
}

/// What is wrong, the path, the key (as a bearer), the body, the status and a word the
/// answer must contain.
type Case = (
    &'static str,
    &'static str,
    Option<String>,
    Vec<u8>,
    StatusCode,
    &'static str,
);

async fn bad_input_is_refused_and_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, am) = integration(&app, "prom", "ALERTMANAGER", json!({})).await;
    let (_, ev) = integration(&app, "pd", "EVENTS_V2", json!({})).await;
    let good = alertmanager("firing", "x");
    let mut cases: Vec<Case> = vec![
        (
            "malformed JSON",
            "/alerts/alertmanager",
            Some(am.clone()),
            b"{\"alerts\": [".to_vec(),
            StatusCode::BAD_REQUEST,
            "JSON",
        ),
        (
            "invalid UTF-8",
            "/alerts/alertmanager",
            Some(am.clone()),
            b"{\"a\": \"\xff\xfe\"}".to_vec(),
            StatusCode::BAD_REQUEST,
            "UTF-8",
        ),
        (
            "wrong endpoint",
            "/alerts/grafana",
            Some(am.clone()),
            serde_json::to_vec(&good).unwrap(),
            StatusCode::BAD_REQUEST,
            "/alerts/alertmanager",
        ),
        (
            "missing key",
            "/alerts/alertmanager",
            None,
            serde_json::to_vec(&good).unwrap(),
            StatusCode::UNAUTHORIZED,
            "key",
        ),
        (
            "unknown key",
            "/alerts/alertmanager",
            Some("hsk_nope".into()),
            serde_json::to_vec(&good).unwrap(),
            StatusCode::UNAUTHORIZED,
            "key",
        ),
        (
            "2 MiB body",
            "/alerts/alertmanager",
            Some(am.clone()),
            vec![b' '; 2 * 1024 * 1024],
            StatusCode::PAYLOAD_TOO_LARGE,
            "body",
        ),
    ];
    let mut many = good.clone();
    many["alerts"] = Value::Array(
        (0..5_000)
            .map(|i| json!({"labels": {"alertname": "A"}, "fingerprint": i.to_string()}))
            .collect(),
    );
    let mut long = good.clone();
    long["alerts"][0]["labels"]["instance"] = json!("x".repeat(10_000));
    // Not here: an alert without labels and a `startsAt` in the year 3000 are accepted by
    // the merged parsers (`http/alerts`, `domain/alert/instant.rs`: 1970..9999 is storable),
    // although issue 17 lists them as bad input; that is a decision still to take.
    let mut not_date = good.clone();
    not_date["alerts"][0]["startsAt"] = json!("yesterday");
    let mut unknown_status = good.clone();
    unknown_status["alerts"][0]["status"] = json!("exploding");
    for (what, body, needle) in [
        ("5,000 alerts", many, "alerts"),
        ("10,000-character label", long, "labels"),
        ("startsAt not a date", not_date, "startsAt"),
        ("unknown status", unknown_status, "status"),
    ] {
        cases.push((
            what,
            "/alerts/alertmanager",
            Some(am.clone()),
            serde_json::to_vec(&body).unwrap(),
            StatusCode::BAD_REQUEST,
            needle,
        ));
    }
    let mut action = events_v2(&ev, "explode");
    cases.push((
        "unknown event_action",
        "/alerts/events/v2",
        None,
        serde_json::to_vec(&action).unwrap(),
        StatusCode::BAD_REQUEST,
        "event_action",
    ));
    action = events_v2(&ev, "trigger");
    action["payload"]["severity"] = json!("apocalyptic");
    cases.push((
        "unknown severity",
        "/alerts/events/v2",
        None,
        serde_json::to_vec(&action).unwrap(),
        StatusCode::BAD_REQUEST,
        "severity",
    ));

    let mut unknown_body = None;
    for (what, path, key, body, expected, needle) in cases {
        let (status, reply) = post_raw(&app, path, key.as_deref(), body).await;
        assert_eq!(status, expected, "{what}: {reply}");
        assert!(reply.to_string().contains(needle), "{what}: {reply}");
        if path.contains("events") {
            assert_eq!(reply["status"], "invalid event", "{what}: {reply}");
        }
        if status == StatusCode::UNAUTHORIZED {
            // Missing and unknown keys get the very same answer.
            match &unknown_body {
                None => unknown_body = Some(reply),
                Some(first) => assert_eq!(first, &reply, "{what}"),
            }
        }
    }
    let disable = "mutation($id: ID!) { disableIntegration(input: {id: $id}) { enabled } }";
    app.ok(&app.admin(), disable, json!({"id": id})).await;
    let (status, reply) = post(&app, "/alerts/alertmanager", Some(&am), &good).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{reply}");
    assert!(reply.to_string().contains("disabled"), "{reply}");
    assert_eq!(app.incident_count().await, 0);
    // Still serving.
    let (status, _) = post(&app, "/alerts/events/v2", None, &events_v2(&ev, "trigger")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

on_both_databases!(
    integrations_are_managed_by_admins,
    documented_payloads_open_incidents_and_repeats_add_to_them,
    alerts_clear_mitigate_and_fire_again_reopen,
    parallel_senders_make_one_incident,
    keys_work_in_path_header_and_body_and_rotate_with_grace,
    bad_input_is_refused_and_writes_nothing,
);
