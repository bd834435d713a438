//! `GET /metrics` as Prometheus meets it: scraped over HTTP and read with a Prometheus
//! text-format parser. Requests, operations, open incidents, SLA breaches, the webhook outbox,
//! the index and live subscriptions; never a title or an id; off with `metrics.enabled =
//! false`; on its own address with `metrics.listen`.
//!
//! The request and operation counters are the process's, shared with every other test running
//! beside this one: the checks use differences, or operation names only this test sends.

use std::collections::HashSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use prometheus_parse::{LineInfo, Scrape, Value as Sampled};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, TestApp, free_port, hindsight_command, wait_ready};
use crate::ws_client::{TRANSPORT_WS, WsClient};

/// A scrape: its text, and its samples as the parser read them.
struct Scraped {
    body: String,
    samples: Scrape,
}

impl Scraped {
    /// The sum of `name`'s samples whose labels include all of `labels`; `None` if none has.
    fn sum(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let matching: Vec<f64> = self
            .samples
            .samples
            .iter()
            .filter(|s| s.metric == name)
            .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .map(|s| match &s.value {
                Sampled::Counter(v) | Sampled::Gauge(v) | Sampled::Untyped(v) => *v,
                other => panic!("{name} is not a single number: {other:?}"),
            })
            .collect();
        (!matching.is_empty()).then(|| matching.iter().sum())
    }

    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.sum(name, labels)
            .unwrap_or_else(|| panic!("no {name}{labels:?} in:\n{}", self.body))
    }
}

/// GETs `url`, checks the answer is the text format, and parses it. Every line must be a
/// comment, a sample or empty, and each metric family declared once (the body joins two
/// renders).
async fn scrape_at(url: &str) -> Scraped {
    let res = reqwest::get(url).await.expect("scrape");
    assert_eq!(res.status(), StatusCode::OK);
    let content_type = res.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let body = res.text().await.expect("body");
    let mut families = HashSet::new();
    for line in body.lines() {
        match LineInfo::parse(line) {
            LineInfo::Ignored => panic!("not the text format: {line:?}"),
            LineInfo::Type { metric_name, .. } => {
                assert!(families.insert(metric_name), "declared twice: {line}");
            }
            _ => {}
        }
    }
    let samples = Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).expect("parses");
    Scraped { body, samples }
}

async fn scrape(app: &TestApp) -> Scraped {
    scrape_at(&format!("{}/metrics", app.url)).await
}

/// Scrapes until `done` holds (the database numbers are reused for two seconds, and the
/// workers act in the background), at most 20 s; returns the last scrape.
async fn scrape_until(app: &TestApp, done: impl Fn(&Scraped) -> bool) -> Scraped {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let scraped = scrape(app).await;
        if done(&scraped) || Instant::now() > deadline {
            return scraped;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// POSTs a named GraphQL operation, with a token or without.
async fn named(
    app: &TestApp,
    token: Option<&str>,
    name: &str,
    query: &str,
    variables: Value,
) -> (StatusCode, Value) {
    let mut req = app
        .client
        .post(format!("{}/graphql", app.url))
        .json(&json!({ "query": query, "operationName": name, "variables": variables }));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    (status, res.json().await.expect("JSON"))
}

/// Operation names only this test (on this database) sends, so their counts are exact.
struct Names {
    report: String,
    triage: String,
    broken: String,
    no_token: String,
    over_websocket: String,
}

impl Names {
    fn for_backend(backend: &Backend) -> Self {
        let db = match backend {
            Backend::Sqlite => "Sqlite",
            Backend::Postgres { .. } => "Postgres",
        };
        Self {
            report: format!("MetricsReport{db}"),
            triage: format!("MetricsTriage{db}"),
            broken: format!("MetricsBroken{db}"),
            no_token: format!("MetricsNoToken{db}"),
            over_websocket: format!("MetricsWebsocket{db}"),
        }
    }
}

async fn report(app: &TestApp, names: &Names, title: &str, service: &str) -> String {
    let (status, body) = named(
        app,
        Some(&app.admin()),
        &names.report,
        &format!(
            "mutation {}($input: ReportIncidentInput!) {{ reportIncident(input: $input) {{ id }} }}",
            names.report
        ),
        json!({ "input": { "title": title, "service": service } }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"]["reportIncident"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("reported: {body}"))
        .to_owned()
}

async fn triage(app: &TestApp, names: &Names, id: &str, impact: &str, urgency: &str) {
    let (status, body) = named(
        app,
        Some(&app.admin()),
        &names.triage,
        &format!(
            "mutation {}($input: TriageIncidentInput!) {{ triageIncident(input: $input) {{ priority }} }}",
            names.triage
        ),
        json!({ "input": { "id": id, "category": "database", "impact": impact, "urgency": urgency } }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
}

on_both_databases!(
    a_scrape_counts_requests_operations_and_what_is_open,
    metrics_can_be_turned_off,
);

async fn a_scrape_counts_requests_operations_and_what_is_open(backend: Backend) {
    let names = Names::for_backend(&backend);
    let app = TestApp::spawn_with(backend, |s| {
        s.sla.check_interval_ms = 100;
        // Deliveries to a port nobody listens on, given up after a second.
        s.webhooks.allowed_networks = vec!["127.0.0.0/8".into()];
        s.webhooks.poll_interval_ms = 50;
        s.webhooks.retry_base_ms = 100;
        s.webhooks.max_age_seconds = 1;
    })
    .await;
    let admin = app.admin();
    let before = scrape(&app).await;
    let graphql_200 = [("route", "/graphql"), ("method", "POST"), ("status", "200")];
    let graphql_before = before.sum("hindsight_http_requests_total", &graphql_200);
    let timed = [("route", "/graphql"), ("method", "POST")];
    let timed_before = before.sum("hindsight_http_request_duration_seconds_count", &timed);

    // An SLA policy whose P1 resolution target passes during the test, and a webhook that
    // hears every report and can never deliver it.
    app.ok(
        &admin,
        "mutation($input: CreateSlaPolicyInput!) { createSlaPolicy(input: $input) { id } }",
        json!({ "input": { "name": "Metrics drill", "services": ["metrics-drill"], "warnAtPercent": 50,
            "targets": [{ "priority": "P1", "response": "1h", "resolution": "2s" }] } }),
    )
    .await;
    let dead_end = format!("http://127.0.0.1:{}/hook", free_port());
    app.ok(
        &admin,
        "mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret } }",
        json!({ "input": { "url": dead_end, "events": ["REPORTED"] } }),
    )
    .await;

    // Open: three P1 and one P4 triaged, one new; one resolved (not open).
    let secret_title = format!("metrics-never-show-{}", uuid::Uuid::new_v4().simple());
    let mut ids = Vec::new();
    for (impact, urgency, service) in [
        ("HIGH", "HIGH", "checkout"),
        ("HIGH", "HIGH", "checkout"),
        ("HIGH", "HIGH", "metrics-drill"),
        ("MEDIUM", "LOW", "checkout"),
    ] {
        let id = report(&app, &names, &secret_title, service).await;
        triage(&app, &names, &id, impact, urgency).await;
        ids.push(id);
    }
    ids.push(report(&app, &names, &secret_title, "checkout").await);
    let resolved = report(&app, &names, &secret_title, "checkout").await;
    app.drive_to(&resolved, "RESOLVED").await;
    ids.push(resolved);

    // A failing operation, one without a token, and a path no route serves.
    let (_, body) = named(
        &app,
        Some(&admin),
        &names.broken,
        &format!("query {} {{ noSuchField }}", names.broken),
        json!({}),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let (status, _) = named(
        &app,
        None,
        &names.no_token,
        &format!("query {} {{ viewer {{ id }} }}", names.no_token),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let stray = format!("/no-such-page/{}", uuid::Uuid::new_v4());
    let res = reqwest::get(format!("{}{stray}", app.url))
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let open = "hindsight_incidents_open";
    let reports = 6.0;
    let after = scrape_until(&app, |s| {
        s.sum(open, &[("priority", "P1"), ("status", "TRIAGED")]) == Some(3.0)
            && s.sum(
                "hindsight_sla_breaches_total",
                &[("clock", "RESOLUTION"), ("priority", "P1")],
            ) == Some(1.0)
            && s.sum("hindsight_webhook_deliveries", &[("state", "failed")]) == Some(reports)
            && s.sum("hindsight_index_lag", &[]) == Some(0.0)
    })
    .await;

    // This server's numbers, from its own database.
    assert_eq!(
        after.value(open, &[("priority", "P1"), ("status", "TRIAGED")]),
        3.0
    );
    assert_eq!(
        after.value(open, &[("priority", "P4"), ("status", "TRIAGED")]),
        1.0
    );
    assert_eq!(
        after.value(open, &[("priority", "none"), ("status", "NEW")]),
        1.0
    );
    assert_eq!(
        after.value(open, &[("priority", "P2"), ("status", "TRIAGED")]),
        0.0
    );
    assert_eq!(after.value(open, &[]), 5.0, "the resolved one is not open");
    assert_eq!(after.sum(open, &[("status", "RESOLVED")]), None);
    let breaches = "hindsight_sla_breaches_total";
    assert_eq!(
        after.value(breaches, &[("clock", "RESOLUTION"), ("priority", "P1")]),
        1.0
    );
    assert_eq!(after.value(breaches, &[("clock", "RESPONSE")]), 0.0);
    assert_eq!(after.value(breaches, &[]), 1.0);
    let deliveries = "hindsight_webhook_deliveries";
    assert_eq!(after.value(deliveries, &[("state", "failed")]), reports);
    assert_eq!(after.value(deliveries, &[("state", "pending")]), 0.0);
    assert_eq!(after.value("hindsight_index_lag", &[]), 0.0);
    assert_eq!(after.value("hindsight_database_up", &[]), 1.0);
    assert_eq!(after.value("hindsight_subscriptions", &[]), 0.0);

    // The process's counters: this test's operations exactly, the shared ones at least.
    let ops = "hindsight_graphql_operations_total";
    let ok = [("outcome", "ok"), ("code", "none")];
    let report_ok = [&[("operation", names.report.as_str())][..], &ok].concat();
    assert_eq!(after.value(ops, &report_ok), reports);
    let triage_ok = [&[("operation", names.triage.as_str())][..], &ok].concat();
    assert_eq!(after.value(ops, &triage_ok), 4.0);
    let broken = [
        ("operation", names.broken.as_str()),
        ("outcome", "error"),
        ("code", "BAD_USER_INPUT"),
    ];
    assert_eq!(after.value(ops, &broken), 1.0);
    // Without a token, a name never seen before does not become a label.
    assert_eq!(
        after.sum(ops, &[("operation", names.no_token.as_str())]),
        None
    );
    assert!(after.value(ops, &[("code", "UNAUTHENTICATED")]) >= 1.0);
    // 6 reports, 4 triages, 3 lifecycle steps, 1 state check, the policy and the webhook,
    // the failing query: at least 16 answered 200 since the first scrape.
    let graphql_after = after.value("hindsight_http_requests_total", &graphql_200);
    assert!(
        graphql_after - graphql_before.unwrap_or(0.0) >= 16.0,
        "{graphql_before:?} -> {graphql_after}"
    );
    let timed_after = after.value("hindsight_http_request_duration_seconds_count", &timed);
    assert!(timed_after - timed_before.unwrap_or(0.0) >= 17.0);
    let latency = after
        .samples
        .samples
        .iter()
        .find(|s| {
            s.metric == "hindsight_http_request_duration_seconds"
                && s.labels.get("route") == Some("/graphql")
        })
        .expect("a latency histogram for /graphql");
    let Sampled::Histogram(buckets) = &latency.value else {
        panic!("a histogram: {:?}", latency.value);
    };
    let bounds: Vec<f64> = buckets.iter().map(|b| b.less_than).collect();
    assert_eq!(bounds.first(), Some(&0.001));
    assert!(
        bounds.contains(&10.0) && bounds.last() == Some(&f64::INFINITY),
        "{bounds:?}"
    );
    assert!(
        after.value(
            "hindsight_http_requests_total",
            &[("route", "unmatched"), ("status", "404")]
        ) >= 1.0
    );
    assert!(after.value("hindsight_http_requests_total", &[("route", "/metrics")]) >= 1.0);

    // Aggregates only: no title, no id, no raw path.
    assert!(!after.body.contains(&secret_title));
    assert!(!after.body.contains("metrics-drill"), "no service names");
    for id in &ids {
        assert!(!after.body.contains(id.as_str()), "{id} in the scrape");
    }
    assert!(!after.body.contains(&stray));

    // A live subscription counts while it lasts.
    let mut ws = WsClient::open(&app, TRANSPORT_WS, &admin).await;
    ws.subscribe("1", "subscription { incidentEvents { id } }", json!({}))
        .await;
    let with = scrape_until(&app, |s| s.sum("hindsight_subscriptions", &[]) == Some(1.0)).await;
    assert_eq!(with.value("hindsight_subscriptions", &[]), 1.0);
    // Operations over the websocket count like those over HTTP (a subscription once, when
    // it starts).
    let query = format!("query {} {{ viewer {{ id }} }}", names.over_websocket);
    ws.subscribe("2", &query, json!({})).await;
    let counted = scrape_until(&app, |s| {
        s.sum(ops, &[("operation", names.over_websocket.as_str())]) == Some(1.0)
    })
    .await;
    let over_ws = [&[("operation", names.over_websocket.as_str())][..], &ok].concat();
    assert_eq!(counted.value(ops, &over_ws), 1.0);
    ws.close().await;
    let without = scrape_until(&app, |s| s.sum("hindsight_subscriptions", &[]) == Some(0.0)).await;
    assert_eq!(without.value("hindsight_subscriptions", &[]), 0.0);
}

async fn metrics_can_be_turned_off(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.metrics.enabled = false).await;
    let res = reqwest::get(format!("{}/metrics", app.url))
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Everything else is served as before.
    app.ok(&app.admin(), "{ viewer { id } }", json!({})).await;
}

/// `metrics.listen`, through the real command and the environment an operator would use:
/// `/metrics` on its own address only, and nothing else there.
#[tokio::test]
async fn metrics_listen_serves_it_on_its_own_address_only() {
    let cwd = tempfile::tempdir().expect("tempdir");
    let (port, metrics_port) = (free_port(), free_port());
    let mut child = hindsight_command()
        .current_dir(cwd.path())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env(
            "HINDSIGHT_METRICS__LISTEN",
            format!("127.0.0.1:{metrics_port}"),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_ready(&mut child, port).await;
    let main = format!("http://127.0.0.1:{port}");
    let side = format!("http://127.0.0.1:{metrics_port}");
    let get = |url: String| async move { reqwest::get(url).await.expect("get").status() };
    assert_eq!(get(format!("{main}/metrics")).await, StatusCode::NOT_FOUND);
    assert_eq!(get(format!("{side}/graphql")).await, StatusCode::NOT_FOUND);
    assert_eq!(get(format!("{side}/readyz")).await, StatusCode::NOT_FOUND);
    let scraped = scrape_at(&format!("{side}/metrics")).await;
    assert_eq!(scraped.value("hindsight_database_up", &[]), 1.0);
    // The main listener's requests are counted; the scrapes on the side are not.
    assert!(scraped.value("hindsight_http_requests_total", &[("route", "/readyz")]) >= 1.0);
    assert_eq!(
        scraped.sum("hindsight_http_requests_total", &[("route", "/metrics")]),
        None
    );
    child.kill().expect("kill");
    let _ = child.wait();
}
