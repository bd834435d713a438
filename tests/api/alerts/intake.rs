//! Documented payloads open the expected incidents; repeats add to them; clearing mitigates;
//! firing again reopens or opens a linked incident; parallel senders make one incident.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;
use crate::on_both_databases;
use crate::support::{Backend, TestApp, transition};

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

/// An acknowledgement is a first response: the SLA response clock of an untriaged incident
/// stops at it (and a second one does not move it).
async fn an_acknowledged_alert_stops_the_response_clock(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, ev) = integration(&app, "pd", "EVENTS_V2", json!({})).await;
    let (status, _) = post(&app, "/alerts/events/v2", None, &events_v2(&ev, "trigger")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let sla = "{ incidents(first: 1) { nodes { status sla { response { state completedAt } } } } }";
    let before = app.ok(&app.admin(), sla, json!({})).await;
    let node = &before["incidents"]["nodes"][0];
    assert_eq!(node["status"], "NEW");
    assert_eq!(node["sla"]["response"]["state"], "RUNNING", "{node}");
    assert_eq!(node["sla"]["response"]["completedAt"], Value::Null);

    let (status, _) = post(
        &app,
        "/alerts/events/v2",
        None,
        &events_v2(&ev, "acknowledge"),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let after = app.ok(&app.admin(), sla, json!({})).await;
    let node = &after["incidents"]["nodes"][0];
    assert_eq!(node["status"], "NEW", "an acknowledgement is not a triage");
    assert_eq!(node["sla"]["response"]["state"], "MET", "{node}");
    let acked = node["sla"]["response"]["completedAt"].clone();
    assert!(acked.is_string(), "{node}");

    // Acknowledged again (after firing once more): the first response stays the first.
    post(&app, "/alerts/events/v2", None, &events_v2(&ev, "trigger")).await;
    post(
        &app,
        "/alerts/events/v2",
        None,
        &events_v2(&ev, "acknowledge"),
    )
    .await;
    let again = app.ok(&app.admin(), sla, json!({})).await;
    assert_eq!(
        again["incidents"]["nodes"][0]["sla"]["response"]["completedAt"],
        acked
    );
    // Listing by SLA reads the stored standing, written with the acknowledgement.
    let running = app
        .ok(
            &app.admin(),
            "{ incidents(first: 5, filter: { slaState: RUNNING }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(running["incidents"]["totalCount"], 0);
}

/// The alert's labels are part of the incident's text, so the knowledge base finds a past
/// incident by its `alertname` even when its title and annotations do not say it.
async fn alert_labels_are_searchable_once_resolved(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, gn) = integration(&app, "cron", "GENERIC", json!({})).await;
    let alert = json!({"title": "Nightly job failed", "dedupKey": "nightly",
                       "labels": {"alertname": "BackupJobStalled", "service": "backups"}});
    let (status, body) = post(&app, "/alerts/generic", Some(&gn), &alert).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let number = body["alerts"][0]["incident"]
        .as_str()
        .expect("number")
        .to_owned();
    let list = incidents(&app).await;
    let id = list[0]["id"].as_str().expect("id").to_owned();
    app.drive_to(&id, "RESOLVED").await;
    let search = "query($q: String!) { searchResolutions(query: $q, first: 5) { edges { node { number } } } }";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let found = app
            .ok(&app.admin(), search, json!({ "q": "BackupJobStalled" }))
            .await;
        let numbers: Vec<&Value> = found["searchResolutions"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| &e["node"]["number"])
            .collect();
        if numbers == [&json!(number)] {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not found by its alertname: {found}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// `Incident.alerts` is a connection: a page, its cursor, the count, and a bad cursor refused.
async fn an_incidents_alerts_page_like_any_connection(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, am) = integration(&app, "prom", "ALERTMANAGER", json!({})).await;
    post(
        &app,
        "/alerts/alertmanager",
        Some(&am),
        &alertmanager("firing", "fp-a"),
    )
    .await;
    let id = incidents(&app).await[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let page = "query($id: ID!, $after: String) { incident(id: $id) { alerts(first: 1, after: $after) { \
                totalCount pageInfo { hasNextPage hasPreviousPage } edges { cursor node { dedupKey } } } } }";
    let first = app.ok(&app.admin(), page, json!({ "id": id })).await;
    let alerts = &first["incident"]["alerts"];
    assert_eq!(alerts["totalCount"], 1);
    assert_eq!(alerts["pageInfo"]["hasNextPage"], false);
    assert_eq!(alerts["edges"][0]["node"]["dedupKey"], "fp-a");
    let cursor = alerts["edges"][0]["cursor"].clone();
    let next = app
        .ok(&app.admin(), page, json!({ "id": id, "after": cursor }))
        .await;
    let alerts = &next["incident"]["alerts"];
    assert_eq!(alerts["edges"], json!([]));
    assert_eq!(alerts["pageInfo"]["hasPreviousPage"], true);
    let (code, _) = app
        .error_code(
            &app.admin(),
            page,
            json!({ "id": id, "after": "not a cursor" }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}

/// Alerts sent together are applied as a group (keys read and rows written once per group);
/// the answer and every incident must be what the same alerts sent one request at a time
/// give: the same outcomes, states, counts and timelines, key by key.
async fn alerts_sent_together_do_what_they_do_one_by_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let category = json!({"category": "availability"});
    let (_, together) = integration(&app, "together", "ALERTMANAGER", category.clone()).await;
    let (_, one_by_one) = integration(&app, "one-by-one", "ALERTMANAGER", category).await;
    // Interleaved keys: `a` opens, repeats, clears (mitigating its incident), clears again
    // and fires again; `b` clears before anything holds it (ignored), then opens and repeats.
    let sequence = [
        ("firing", "a"),
        ("resolved", "b"),
        ("firing", "a"),
        ("firing", "b"),
        ("resolved", "a"),
        ("resolved", "a"),
        ("firing", "b"),
        ("firing", "a"),
    ];
    let alert =
        |status: &str, fingerprint: &str| alertmanager(status, fingerprint)["alerts"][0].clone();
    let mut body = alertmanager("firing", "a");
    body["alerts"] = sequence.iter().map(|(s, f)| alert(s, f)).collect();
    let (code, answer) = post(&app, "/alerts/alertmanager", Some(&together), &body).await;
    assert_eq!(code, StatusCode::ACCEPTED, "{answer}");
    let grouped: Vec<Value> = answer["alerts"].as_array().unwrap().clone();
    let mut alone = Vec::new();
    for (status, fingerprint) in sequence {
        let (code, answer) = post(
            &app,
            "/alerts/alertmanager",
            Some(&one_by_one),
            &alertmanager(status, fingerprint),
        )
        .await;
        assert_eq!(code, StatusCode::ACCEPTED, "{answer}");
        alone.push(answer["alerts"][0].clone());
    }
    let outcomes = |answers: &[Value]| -> Vec<String> {
        answers
            .iter()
            .map(|a| a["outcome"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        outcomes(&grouped),
        [
            "opened", "ignored", "added", "opened", "added", "added", "added", "added"
        ]
    );
    assert_eq!(outcomes(&grouped), outcomes(&alone));
    // Key by key, the incident each integration's alerts made.
    let list = incidents(&app).await;
    assert_eq!(list.len(), 4, "{list:?}");
    let of = |integration: &str, key: &str| -> Value {
        let incident = list
            .iter()
            .find(|i| {
                i["alerts"][0]["integrationName"] == integration
                    && i["alerts"][0]["dedupKey"] == key
            })
            .unwrap_or_else(|| panic!("no incident for {integration}/{key}: {list:?}"));
        json!({
            "status": incident["status"],
            "kinds": kinds(incident),
            "state": incident["alerts"][0]["state"],
            "count": incident["alerts"][0]["count"],
            "alerts": incident["alerts"].as_array().map(Vec::len),
        })
    };
    for key in ["a", "b"] {
        assert_eq!(of("together", key), of("one-by-one", key), "key {key}");
    }
    assert_eq!(of("together", "a")["status"], "MITIGATED");
    assert_eq!(of("together", "a")["count"], 5);
    assert_eq!(of("together", "a")["state"], "FIRING");
    assert_eq!(
        of("together", "a")["kinds"],
        json!([
            "REPORTED",
            "TRIAGED",
            "ALERT_RESOLVED",
            "INVESTIGATION_STARTED",
            "MITIGATED",
            "ALERT_FIRING"
        ])
    );
    assert_eq!(of("together", "b")["count"], 2);
    assert_eq!(of("together", "b")["status"], "TRIAGED");
}

on_both_databases!(
    documented_payloads_open_incidents_and_repeats_add_to_them,
    alerts_clear_mitigate_and_fire_again_reopen,
    parallel_senders_make_one_incident,
    an_acknowledged_alert_stops_the_response_clock,
    alert_labels_are_searchable_once_resolved,
    an_incidents_alerts_page_like_any_connection,
    alerts_sent_together_do_what_they_do_one_by_one,
);
