//! Outbound webhooks through the API, with a real HTTP receiver in the test: signatures and
//! headers, order per incident, retries with backoff, giving up, slow receivers, durability
//! across a restart, the address rules and who may manage webhooks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus, Uri};
use hindsight::config::Settings;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::Notify;

use crate::on_both_databases;
use crate::support::{Backend, TestApp};

pub(crate) const SECRET: &str = "a-receiver-secret-of-some-length";

/// What the receiver does with the n-th request (0-based) to a path: status and delay.
type Behaviour = dyn Fn(&str, usize) -> (u16, Duration) + Send + Sync;

#[derive(Debug, Clone)]
pub(crate) struct Received {
    path: String,
    headers: HeaderMap,
    pub(crate) body: String,
    at: Instant,
}

impl Received {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("header {name} missing: {:?}", self.headers))
    }

    pub(crate) fn kind(&self) -> String {
        self.header("x-hindsight-event").to_owned()
    }
}

struct ReceiverState {
    log: Mutex<Vec<Received>>,
    changed: Notify,
    behaviour: Box<Behaviour>,
}

pub(crate) struct Receiver {
    state: Arc<ReceiverState>,
    port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> AxumStatus {
    let path = uri.path().to_owned();
    let n = {
        let mut log = state.log.lock().expect("log");
        let n = log.iter().filter(|r| r.path == path).count();
        log.push(Received {
            path: path.clone(),
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            at: Instant::now(),
        });
        n
    };
    state.changed.notify_waiters();
    let (status, delay) = (state.behaviour)(&path, n);
    tokio::time::sleep(delay).await;
    AxumStatus::from_u16(status).expect("status")
}

impl Receiver {
    pub(crate) async fn start(
        behaviour: impl Fn(&str, usize) -> (u16, Duration) + Send + Sync + 'static,
    ) -> Self {
        Self::start_on(0, behaviour).await
    }

    async fn start_on(
        port: u16,
        behaviour: impl Fn(&str, usize) -> (u16, Duration) + Send + Sync + 'static,
    ) -> Self {
        let state = Arc::new(ReceiverState {
            log: Mutex::new(Vec::new()),
            changed: Notify::new(),
            behaviour: Box::new(behaviour),
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind the receiver");
        let port = listener.local_addr().expect("addr").port();
        let router = axum::Router::new()
            .fallback(receive)
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("serve");
        });
        Self { state, port, task }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn log(&self) -> Vec<Received> {
        self.state.log.lock().expect("log").clone()
    }

    fn on(&self, path: &str) -> Vec<Received> {
        self.log().into_iter().filter(|r| r.path == path).collect()
    }

    /// Waits (at most `limit`) until `path` has received `n` requests.
    pub(crate) async fn wait_for(&self, path: &str, n: usize, limit: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.state.changed.notified();
            let got = self.on(path);
            if got.len() >= n {
                return got;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("{path} received {} of {n} requests in {limit:?}", got.len());
            }
        }
    }
}

pub(crate) fn ok(_: &str, _: usize) -> (u16, Duration) {
    (200, Duration::ZERO)
}

/// Settings for fast tests: loopback allowed, quick polls and retries.
pub(crate) fn fast(s: &mut Settings) {
    s.webhooks.allowed_networks = vec!["127.0.0.0/8".into()];
    s.webhooks.poll_interval_ms = 25;
    s.webhooks.retry_base_ms = 100;
    s.webhooks.retry_max_ms = 2_000;
}

const CREATE: &str = "mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id url events format enabled } } }";

const DELIVERIES: &str = "query($id: ID!, $first: Int, $after: String) { webhookDeliveries(webhookId: $id, first: $first, after: $after) { edges { cursor node { id eventId eventKind state attempts lastStatusCode lastError nextAttemptAt lastAttemptAt deliveredAt } } pageInfo { hasNextPage } } }";

/// Registers a webhook as an admin; returns its id.
async fn create(app: &TestApp, input: Value) -> String {
    let data = app
        .ok(&app.admin(), CREATE, json!({ "input": input }))
        .await;
    data["createWebhook"]["webhook"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn deliveries(app: &TestApp, webhook: &str) -> Vec<Value> {
    let data = app
        .ok(
            &app.admin(),
            DELIVERIES,
            json!({ "id": webhook, "first": 100 }),
        )
        .await;
    data["webhookDeliveries"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// Waits (at most `limit`) until the webhook's deliveries satisfy `done`.
async fn wait_deliveries(
    app: &TestApp,
    webhook: &str,
    limit: Duration,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + limit;
    loop {
        let list = deliveries(app, webhook).await;
        if done(&list) {
            return list;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries never got there: {list:#?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

pub(crate) fn expected_signature(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

on_both_databases!(
    deliveries_are_signed_and_carry_the_event,
    order_holds_per_incident_and_failures_are_retried,
    a_slow_receiver_blocks_neither_the_api_nor_other_webhooks,
    a_failing_receiver_is_given_up_after_the_maximum_age,
    deliveries_survive_a_restart,
    addresses_are_checked_again_at_delivery,
    unsafe_or_unreachable_urls_are_refused,
    only_admins_manage_webhooks,
    slack_format_is_one_readable_line,
    stakeholder_updates_carry_the_watchers,
);

async fn deliveries_are_signed_and_carry_the_event(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast).await;
    let receiver = Receiver::start(ok).await;
    let admin = app.admin();
    let data = app
        .ok(
            &admin,
            CREATE,
            json!({ "input": { "url": receiver.url("/all"), "events": [], "secret": SECRET } }),
        )
        .await;
    let created = &data["createWebhook"];
    assert_eq!(created["secret"], SECRET, "the secret is returned once");
    assert_eq!(created["webhook"]["format"], "JSON");
    assert_eq!(created["webhook"]["enabled"], true);
    let all = created["webhook"]["id"].as_str().expect("id").to_owned();
    let resolved_only = create(
        &app,
        json!({ "url": receiver.url("/resolved"), "events": ["RESOLVED"] }),
    )
    .await;

    let reporter = app.token("rep", &["specialist"]);
    let id = app.report(&reporter, "Payment timeouts").await;
    app.drive_to(&id, "RESOLVED").await;
    // REPORTED, TRIAGED, INVESTIGATION_STARTED, RESOLVED.
    let got = receiver.wait_for("/all", 4, Duration::from_secs(10)).await;
    let kinds: Vec<String> = got.iter().map(Received::kind).collect();
    assert_eq!(
        kinds,
        ["REPORTED", "TRIAGED", "INVESTIGATION_STARTED", "RESOLVED"]
    );
    let now = chrono::Utc::now().timestamp();
    for r in &got {
        assert_eq!(r.header("content-type"), "application/json");
        let ts = r.header("x-hindsight-timestamp");
        let ts_value: i64 = ts.parse().expect("a unix timestamp");
        assert!(
            (now - ts_value).abs() < 60,
            "timestamp {ts_value} vs now {now}"
        );
        assert_eq!(
            r.header("x-hindsight-signature"),
            expected_signature(SECRET, ts, &r.body),
            "the signature covers timestamp.body"
        );
        assert_ne!(
            r.header("x-hindsight-signature"),
            expected_signature("another-secret-entirely!", ts, &r.body)
        );
    }
    let resolved = got[3].json();
    assert_eq!(resolved["event"]["kind"], "RESOLVED");
    assert_eq!(resolved["event"]["actorId"], "test-admin");
    assert_eq!(resolved["event"]["actorName"], "User test-admin");
    assert!(resolved["event"]["id"].is_i64());
    assert!(resolved["event"]["at"].is_string());
    assert_eq!(
        resolved["event"]["before"]["status"], "INVESTIGATING",
        "{resolved}"
    );
    let incident = &resolved["incident"];
    assert_eq!(incident["id"], id.as_str());
    assert_eq!(incident["number"], "INC-1");
    assert_eq!(incident["title"], "Payment timeouts");
    assert_eq!(incident["service"], "checkout");
    assert_eq!(incident["status"], "RESOLVED");
    assert_eq!(incident["priority"], "P1");
    assert!(
        resolved.get("watchers").is_none(),
        "watchers only for wide updates"
    );
    // The reported event went out before triage: no priority yet.
    assert_eq!(got[0].json()["incident"]["priority"], Value::Null);

    // The filtered webhook got the one event it asked for.
    let only = receiver
        .wait_for("/resolved", 1, Duration::from_secs(10))
        .await;
    assert_eq!(only[0].kind(), "RESOLVED");
    assert_eq!(
        only[0].body, got[3].body,
        "JSON bodies are the same for every webhook"
    );

    // The history: newest first, delivered once each, delivery ids as sent.
    let list = wait_deliveries(&app, &all, Duration::from_secs(10), |l| {
        l.len() == 4 && l.iter().all(|d| d["state"] == "DELIVERED")
    })
    .await;
    assert_eq!(list[0]["eventKind"], "RESOLVED");
    assert_eq!(list[3]["eventKind"], "REPORTED");
    for d in &list {
        assert_eq!(d["attempts"], 1);
        assert_eq!(d["lastStatusCode"], 200);
        assert_eq!(d["lastError"], Value::Null);
        assert_eq!(d["nextAttemptAt"], Value::Null);
        assert!(d["deliveredAt"].is_string());
    }
    let sent: Vec<&str> = got
        .iter()
        .map(|r| r.header("x-hindsight-delivery"))
        .collect();
    let listed: Vec<&str> = list
        .iter()
        .rev()
        .map(|d| d["id"].as_str().expect("id"))
        .collect();
    assert_eq!(sent, listed);
    assert_eq!(deliveries(&app, &resolved_only).await.len(), 1);
    // Pages: two, then the rest.
    let page = app
        .ok(&admin, DELIVERIES, json!({ "id": all, "first": 2 }))
        .await;
    assert_eq!(page["webhookDeliveries"]["pageInfo"]["hasNextPage"], true);
    let cursor = page["webhookDeliveries"]["edges"][1]["cursor"].clone();
    let rest = app
        .ok(
            &admin,
            DELIVERIES,
            json!({ "id": all, "first": 10, "after": cursor }),
        )
        .await;
    let rest = rest["webhookDeliveries"]["edges"]
        .as_array()
        .expect("edges")
        .clone();
    assert_eq!(rest.len(), 2);
    assert_eq!(rest[1]["node"]["eventKind"], "REPORTED");

    // The secret is never readable again.
    let (code, message) = app
        .error_code(&admin, "{ webhooks { id secret } }", json!({}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("secret"), "{message}");
    let listed = app
        .ok(&admin, "{ webhooks { id events } }", json!({}))
        .await;
    assert_eq!(
        listed["webhooks"][0]["events"],
        json!([]),
        "empty: every kind"
    );
    assert_eq!(listed["webhooks"][1]["events"], json!(["RESOLVED"]));
}

async fn order_holds_per_incident_and_failures_are_retried(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        fast(s);
        s.webhooks.retry_base_ms = 500;
    })
    .await;
    // The first request fails; every later one succeeds.
    let receiver = Receiver::start(|_, n| {
        if n == 0 {
            (500, Duration::ZERO)
        } else {
            ok("", n)
        }
    })
    .await;
    let hook = create(&app, json!({ "url": receiver.url("/hook"), "events": [] })).await;
    let admin = app.admin();
    let first = app.report(&admin, "first").await;
    receiver.wait_for("/hook", 1, Duration::from_secs(10)).await;
    for action in ["triage", "investigate"] {
        let (q, v) = crate::support::transition(action, &first);
        app.ok(&admin, &q, v).await;
    }
    // Another incident is not held up by the first one's retry.
    let second = app.report(&admin, "second").await;
    let got = receiver.wait_for("/hook", 5, Duration::from_secs(10)).await;
    let of = |incident: &str| -> Vec<(String, Instant)> {
        got.iter()
            .filter(|r| r.json()["incident"]["id"] == incident)
            .map(|r| (r.kind(), r.at))
            .collect()
    };
    let first_kinds: Vec<String> = of(&first).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        first_kinds,
        ["REPORTED", "REPORTED", "TRIAGED", "INVESTIGATION_STARTED"],
        "the failed delivery is retried, and later ones wait for it"
    );
    let retried_at = of(&first)[1].1;
    let second_at = of(&second)[0].1;
    assert!(
        second_at < retried_at,
        "the second incident's delivery went out while the first waited for its retry"
    );
    let list = wait_deliveries(&app, &hook, Duration::from_secs(10), |l| {
        l.len() == 4 && l.iter().all(|d| d["state"] == "DELIVERED")
    })
    .await;
    let reported = list
        .iter()
        .find(|d| d["eventKind"] == "REPORTED" && d["attempts"] == 2)
        .expect("the first REPORTED took two attempts");
    assert_eq!(reported["lastStatusCode"], 200);
    assert_eq!(reported["lastError"], Value::Null);
    // The same delivery id on both attempts, so receivers can drop duplicates.
    let first_reports: Vec<&Received> = got
        .iter()
        .filter(|r| r.json()["incident"]["id"] == first.as_str() && r.kind() == "REPORTED")
        .collect();
    assert_eq!(
        first_reports[0].header("x-hindsight-delivery"),
        first_reports[1].header("x-hindsight-delivery")
    );
}

async fn a_slow_receiver_blocks_neither_the_api_nor_other_webhooks(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        fast(s);
        s.webhooks.timeout_ms = 1_000;
        s.webhooks.retry_base_ms = 60_000;
    })
    .await;
    let receiver = Receiver::start(|path, _| {
        if path == "/slow" {
            (200, Duration::from_secs(30))
        } else {
            (200, Duration::ZERO)
        }
    })
    .await;
    let slow = create(&app, json!({ "url": receiver.url("/slow"), "events": [] })).await;
    let fast_hook = create(&app, json!({ "url": receiver.url("/fast"), "events": [] })).await;
    let admin = app.admin();
    let started = Instant::now();
    let id = app.report(&admin, "slow receivers").await;
    let (q, v) = crate::support::transition("triage", &id);
    app.ok(&admin, &q, v).await;
    let api_time = started.elapsed();
    // Far below the 30 s the receiver takes, and below one attempt's timeout.
    assert!(
        api_time < Duration::from_secs(1),
        "the API took {api_time:?}"
    );
    receiver.wait_for("/slow", 1, Duration::from_secs(10)).await;
    let fast_got = receiver.wait_for("/fast", 2, Duration::from_secs(10)).await;
    assert_eq!(
        fast_got.len(),
        2,
        "the fast webhook got both events while the slow one hung"
    );
    assert_eq!(
        receiver.on("/slow").len(),
        1,
        "the slow one's next event waits its turn"
    );
    let list = wait_deliveries(&app, &slow, Duration::from_secs(10), |l| {
        l.iter().any(|d| d["attempts"] == 1)
    })
    .await;
    let attempted = list.iter().find(|d| d["attempts"] == 1).expect("attempted");
    assert_eq!(attempted["state"], "PENDING");
    assert_eq!(attempted["lastStatusCode"], Value::Null);
    assert_eq!(attempted["lastError"], "no answer within 1000 ms");
    assert!(attempted["nextAttemptAt"].is_string());
    let fast_list = deliveries(&app, &fast_hook).await;
    assert!(
        fast_list.iter().all(|d| d["state"] == "DELIVERED"),
        "{fast_list:#?}"
    );
}

async fn a_failing_receiver_is_given_up_after_the_maximum_age(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        fast(s);
        s.webhooks.retry_base_ms = 50;
        s.webhooks.retry_max_ms = 400;
        s.webhooks.max_age_seconds = 2;
    })
    .await;
    let receiver = Receiver::start(|_, _| (500, Duration::ZERO)).await;
    let hook = create(
        &app,
        json!({ "url": receiver.url("/down"), "events": ["REPORTED", "TRIAGED"] }),
    )
    .await;
    let admin = app.admin();
    let id = app.report(&admin, "nobody listens").await;
    let (q, v) = crate::support::transition("triage", &id);
    app.ok(&admin, &q, v).await;
    let list = wait_deliveries(&app, &hook, Duration::from_secs(15), |l| {
        l.iter()
            .any(|d| d["eventKind"] == "REPORTED" && d["state"] == "FAILED")
    })
    .await;
    let reported = list
        .iter()
        .find(|d| d["eventKind"] == "REPORTED")
        .expect("reported");
    let attempts = reported["attempts"].as_i64().expect("attempts");
    // Waits of 50, 100, 200, then 400 ms (the cap), each drawn between half and all of
    // that, until the deadline at 2 s: 7 to 13 attempts, and a few more or fewer on a
    // loaded machine.
    assert!((5..=16).contains(&attempts), "{attempts} attempts");
    assert_eq!(reported["lastStatusCode"], 500);
    assert_eq!(reported["lastError"], "answered 500");
    assert_eq!(reported["nextAttemptAt"], Value::Null);
    assert_eq!(reported["deliveredAt"], Value::Null);
    // The waits grew: 50, 100, 200 ms, then 400 (the cap), each drawn between half and all of
    // that. A loaded machine only makes gaps longer, so the check is a lower bound: from the
    // fourth retry on, every wait is at least half the cap (a backoff that did not grow
    // would stay near 50 ms). The last attempt is made at the deadline, so its gap may be
    // shorter, and is left out.
    let at: Vec<Instant> = receiver
        .on("/down")
        .iter()
        .filter(|r| r.kind() == "REPORTED")
        .map(|r| r.at)
        .collect();
    assert_eq!(at.len() as i64, attempts);
    let gaps: Vec<Duration> = at.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps.len() >= 5,
        "too few attempts to see the backoff: {gaps:?}"
    );
    let before_deadline = &gaps[3..gaps.len() - 1];
    assert!(
        before_deadline
            .iter()
            .all(|g| *g >= Duration::from_millis(200)),
        "backoff grows: {gaps:?}"
    );
    // Once the earlier one has failed, the incident's next delivery goes ahead (and fails too).
    wait_deliveries(&app, &hook, Duration::from_secs(10), |l| {
        l.iter()
            .any(|d| d["eventKind"] == "TRIAGED" && d["attempts"].as_i64() >= Some(1))
    })
    .await;
    let first_triaged = receiver
        .on("/down")
        .iter()
        .position(|r| r.kind() == "TRIAGED")
        .expect("TRIAGED was attempted");
    let last_reported = receiver
        .on("/down")
        .iter()
        .rposition(|r| r.kind() == "REPORTED")
        .expect("REPORTED");
    assert!(first_triaged > last_reported, "order per incident held");
}

async fn deliveries_survive_a_restart(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        fast(s);
        s.webhooks.retry_base_ms = 300;
    })
    .await;
    // A port with no receiver behind it yet.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let url = format!("http://127.0.0.1:{port}/later");
    let hook = create(&app, json!({ "url": url, "events": [] })).await;
    let admin = app.admin();
    let id = app.report(&admin, "while the receiver is down").await;
    // Written with the change: there the moment the mutation returns.
    let list = deliveries(&app, &hook).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["eventKind"], "REPORTED");
    let list = wait_deliveries(&app, &hook, Duration::from_secs(10), |l| {
        l[0]["attempts"].as_i64() >= Some(1)
    })
    .await;
    assert_eq!(list[0]["state"], "PENDING");
    assert_eq!(list[0]["lastError"], "could not connect");

    let app = app
        .restart(|s| {
            fast(s);
            s.webhooks.retry_base_ms = 300;
        })
        .await;
    let receiver = Receiver::start_on(port, ok).await;
    let got = receiver
        .wait_for("/later", 1, Duration::from_secs(10))
        .await;
    assert_eq!(got[0].json()["incident"]["id"], id.as_str());
    let list = wait_deliveries(&app, &hook, Duration::from_secs(10), |l| {
        l[0]["state"] == "DELIVERED"
    })
    .await;
    assert!(list[0]["attempts"].as_i64() >= Some(2));
    assert_eq!(list.len(), 1, "delivered once");
}

/// What was allowed at creation may not be at delivery (DNS or the allow-list changed): the
/// address is checked before every attempt, for address literals and for resolved names.
async fn addresses_are_checked_again_at_delivery(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        fast(s);
        s.webhooks.allowed_networks = vec!["127.0.0.0/8".into(), "::1/128".into()];
    })
    .await;
    let receiver = Receiver::start(ok).await;
    let literal = create(
        &app,
        json!({ "url": receiver.url("/literal"), "events": [] }),
    )
    .await;
    let named = create(
        &app,
        json!({ "url": format!("http://localhost:{}/named", receiver.port), "events": [] }),
    )
    .await;
    // The operator narrows the allow-list; the webhooks stay registered.
    let app = app.restart(fast_without_loopback).await;
    app.report(&app.admin(), "after the allow-list changed")
        .await;
    for hook in [&literal, &named] {
        let list = wait_deliveries(&app, hook, Duration::from_secs(10), |l| {
            l.len() == 1 && l[0]["attempts"].as_i64() >= Some(1)
        })
        .await;
        assert_eq!(list[0]["state"], "PENDING");
        assert_eq!(list[0]["lastStatusCode"], Value::Null);
        let error = list[0]["lastError"].as_str().expect("an error");
        assert!(error.contains("is not a public address"), "{error}");
    }
    assert!(receiver.log().is_empty(), "nothing reached the receiver");
}

fn fast_without_loopback(s: &mut Settings) {
    fast(s);
    s.webhooks.allowed_networks = Vec::new();
    s.webhooks.retry_base_ms = 60_000;
}

async fn unsafe_or_unreachable_urls_are_refused(backend: Backend) {
    // No allow-list: only public addresses.
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    for url in [
        "http://127.0.0.1/",
        "http://localhost:8080/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://192.168.1.10/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "ftp://x/",
        "file:///etc/passwd",
        "not a url",
        "http://nonexistent.invalid/",
        "https://user:password@example.com/",
    ] {
        let (code, message) = app
            .error_code(
                &admin,
                CREATE,
                json!({ "input": { "url": url, "events": [] } }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{url}: {message}");
        assert!(message.starts_with("url: "), "{url}: {message}");
    }
    let (_, message) = app
        .error_code(
            &admin,
            CREATE,
            json!({ "input": { "url": "http://169.254.169.254/", "events": [] } }),
        )
        .await;
    assert!(message.contains("not a public address"), "{message}");
    let (_, message) = app
        .error_code(
            &admin,
            CREATE,
            json!({ "input": { "url": "http://nonexistent.invalid/", "events": [] } }),
        )
        .await;
    assert!(message.contains("does not resolve"), "{message}");
    let (code, message) = app
        .error_code(
            &admin,
            CREATE,
            json!({ "input": { "url": "http://1.1.1.1/", "events": [], "secret": "short" } }),
        )
        .await;
    assert_eq!(
        (code.as_str(), message.starts_with("secret: ")),
        ("BAD_USER_INPUT", true),
        "{message}"
    );
    let data = app.ok(&admin, "{ webhooks { id } }", json!({})).await;
    assert_eq!(data["webhooks"], json!([]), "nothing was registered");

    // A public address is accepted (nothing is sent until an event happens), with a
    // generated secret.
    let data = app
        .ok(&admin, CREATE, json!({ "input": { "url": "https://1.1.1.1/hook", "events": ["RESOLVED"], "format": "SLACK" } }))
        .await;
    let secret = data["createWebhook"]["secret"].as_str().expect("secret");
    assert!(
        secret.starts_with("whsec_") && secret.len() >= 40,
        "{secret}"
    );
    assert_eq!(data["createWebhook"]["webhook"]["format"], "SLACK");
}

async fn only_admins_manage_webhooks(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast).await;
    let receiver = Receiver::start(ok).await;
    let hook = create(&app, json!({ "url": receiver.url("/h"), "events": [] })).await;
    let input = json!({ "input": { "id": hook } });
    for role in ["manager", "specialist", "communicator", "viewer"] {
        let token = app.token("someone", &[role]);
        let (code, _) = app
            .error_code(
                &token,
                CREATE,
                json!({ "input": { "url": receiver.url("/x"), "events": [] } }),
            )
            .await;
        assert_eq!(code, "FORBIDDEN", "{role} creating");
        let (code, _) = app
            .error_code(&token, "{ webhooks { id } }", json!({}))
            .await;
        assert_eq!(code, "FORBIDDEN", "{role} listing");
        let (code, _) = app
            .error_code(&token, DELIVERIES, json!({ "id": hook }))
            .await;
        assert_eq!(code, "FORBIDDEN", "{role} reading deliveries");
        for m in ["disableWebhook", "enableWebhook"] {
            let q = format!(
                "mutation($input: {}Input!) {{ {m}(input: $input) {{ id }} }}",
                capitalize(m)
            );
            let (code, _) = app.error_code(&token, &q, input.clone()).await;
            assert_eq!(code, "FORBIDDEN", "{role} {m}");
        }
        let (code, _) = app
            .error_code(&token, "mutation($input: DeleteWebhookInput!) { deleteWebhook(input: $input) { deletedWebhookId } }", input.clone())
            .await;
        assert_eq!(code, "FORBIDDEN", "{role} deleting");
    }

    // Disabled: no new deliveries. Enabled again: deliveries resume.
    let admin = app.admin();
    let data = app
        .ok(&admin, "mutation($input: DisableWebhookInput!) { disableWebhook(input: $input) { id enabled } }", input.clone())
        .await;
    assert_eq!(data["disableWebhook"]["enabled"], false);
    app.report(&admin, "while disabled").await;
    let data = app
        .ok(
            &admin,
            "mutation($input: EnableWebhookInput!) { enableWebhook(input: $input) { id enabled } }",
            input.clone(),
        )
        .await;
    assert_eq!(data["enableWebhook"]["enabled"], true);
    app.report(&admin, "while enabled").await;
    let got = receiver.wait_for("/h", 1, Duration::from_secs(10)).await;
    assert_eq!(got[0].json()["incident"]["title"], "while enabled");
    assert_eq!(deliveries(&app, &hook).await.len(), 1);

    // Unknown and malformed ids.
    let unknown = json!({ "input": { "id": uuid::Uuid::new_v4().to_string() } });
    let (code, _) = app
        .error_code(
            &admin,
            "mutation($input: DisableWebhookInput!) { disableWebhook(input: $input) { id } }",
            unknown.clone(),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (code, _) = app
        .error_code(&admin, "mutation($input: DeleteWebhookInput!) { deleteWebhook(input: $input) { deletedWebhookId } }", json!({ "input": { "id": "nope" } }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");

    // Deleted: gone, with its history.
    let data = app
        .ok(&admin, "mutation($input: DeleteWebhookInput!) { deleteWebhook(input: $input) { deletedWebhookId } }", input.clone())
        .await;
    assert_eq!(data["deleteWebhook"]["deletedWebhookId"], hook.as_str());
    let (code, _) = app
        .error_code(&admin, DELIVERIES, json!({ "id": hook }))
        .await;
    assert_eq!(code, "NOT_FOUND");
    let data = app.ok(&admin, "{ webhooks { id } }", json!({})).await;
    assert_eq!(data["webhooks"], json!([]));
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

async fn slack_format_is_one_readable_line(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast).await;
    let receiver = Receiver::start(ok).await;
    create(
        &app,
        json!({ "url": receiver.url("/slack"), "events": ["RESOLVED"], "format": "SLACK" }),
    )
    .await;
    let admin = app.admin();
    let id = app.report(&admin, "Payment <timeouts> & errors").await;
    app.drive_to(&id, "RESOLVED").await;
    let got = receiver
        .wait_for("/slack", 1, Duration::from_secs(10))
        .await;
    let body = got[0].json();
    assert_eq!(
        body,
        json!({ "text": "INC-1 [P1] checkout: Payment &lt;timeouts&gt; &amp; errors — resolved by User test-admin" })
    );
    // Signed like every delivery.
    assert!(got[0].header("x-hindsight-signature").starts_with("v1="));
}

async fn stakeholder_updates_carry_the_watchers(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast).await;
    let receiver = Receiver::start(ok).await;
    create(
        &app,
        json!({ "url": receiver.url("/updates"), "events": ["UPDATE_POSTED"] }),
    )
    .await;
    let admin = app.admin();
    let id = app.report(&admin, "watched").await;
    let watcher = app.token("stakeholder-1", &["viewer"]);
    app.ok(
        &watcher,
        "mutation($input: WatchIncidentInput!) { watchIncident(input: $input) { id } }",
        json!({ "input": { "incidentId": id } }),
    )
    .await;
    let post = "mutation($input: PostUpdateInput!) { postUpdate(input: $input) { id } }";
    for (audience, body) in [
        ("INTERNAL", "for responders"),
        ("STAKEHOLDERS", "we are on it"),
    ] {
        app.ok(
            &admin,
            post,
            json!({ "input": { "incidentId": id, "audience": audience, "body": body } }),
        )
        .await;
    }
    let got = receiver
        .wait_for("/updates", 2, Duration::from_secs(10))
        .await;
    let by_audience: HashMap<String, Value> = got
        .iter()
        .map(|r| {
            let v = r.json();
            (
                v["event"]["audience"]
                    .as_str()
                    .expect("audience")
                    .to_owned(),
                v,
            )
        })
        .collect();
    assert!(
        by_audience["INTERNAL"].get("watchers").is_none(),
        "internal updates are not for watchers"
    );
    let wide = &by_audience["STAKEHOLDERS"];
    assert_eq!(wide["event"]["after"]["body"], "we are on it");
    assert_eq!(
        wide["watchers"],
        json!([{ "id": "stakeholder-1", "name": "User stakeholder-1", "email": null }])
    );
}
