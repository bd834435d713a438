//! An alert storm against the real binary: 64 concurrent senders post 20,000 Alertmanager
//! alerts over 200 distinct fingerprints, in batches of 1 to 50 alerts per request as
//! Alertmanager sends them, while one client reads `incidents(first: 20)` in a loop. Then it
//! checks that exactly 200 incidents exist and that their alert counts add up to 20,000, and
//! prints a Markdown table: alerts accepted per second and the reader's latencies.
//!
//! Run it with `cargo bench --bench alert_storm` (it starts `target/release/hindsight`).
//!
//! Environment:
//! - `STORM_ALERTS` (default 20000), `STORM_FINGERPRINTS` (200), `STORM_SENDERS` (64);
//! - `STORM_PG_URL`: the PostgreSQL admin database (default
//!   `postgres://postgres@127.0.0.1:5432/postgres`); a fresh database is created there and
//!   dropped at the end. `off` measures SQLite only.
//!
//! The per-integration rate limit is turned off (`alerts.rate_per_second = 0`): this measures
//! what the intake can take, not the limit. Senders retry a 503 (a conflict with a concurrent
//! request on the same key) as Alertmanager does; each alert is counted once, when accepted.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio::sync::Mutex;

const SECRET: &str = "storm-bench-secret-that-is-long-enough-for-hs256";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(default)
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start(data_dir: &std::path::Path, database_url: Option<&str>) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hindsight"));
    cmd.arg("serve")
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .env("HINDSIGHT_AUTH__HS256_SECRET", SECRET)
        .env("HINDSIGHT_ALERTS__RATE_PER_SECOND", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    if let Some(url) = database_url {
        cmd.arg("--database-url").arg(url);
    }
    let server = Server {
        child: cmd.spawn().expect("start target/release/hindsight"),
        url: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    for _ in 0..400 {
        if let Ok(res) = client.get(format!("{}/readyz", server.url)).send().await
            && res.status().is_success()
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not become ready");
}

fn admin_token() -> String {
    let claims = json!({ "sub": "storm", "name": "Storm", "roles": ["admin"],
                         "exp": chrono::Utc::now().timestamp() + 3_600 });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("sign")
}

async fn graphql(
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    query: &str,
    variables: Value,
) -> Value {
    let body: Value = client
        .post(format!("{}/graphql", server.url))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert!(body["errors"].is_null(), "{body}");
    body["data"].clone()
}

/// The requests of the storm: batches of 1 to 50 distinct fingerprints, `alerts` in all.
fn batches(alerts: usize, fingerprints: usize, rng: &mut StdRng) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut left = alerts;
    while left > 0 {
        let size = rng.random_range(1..=50usize).min(left).min(fingerprints);
        out.push(sample(rng, fingerprints, size).into_vec());
        left -= size;
    }
    out
}

fn payload(batch: &[usize]) -> Value {
    let alerts: Vec<Value> = batch
        .iter()
        .map(|&n| {
            json!({
                "status": "firing",
                "labels": { "alertname": "HighLatency", "instance": format!("node-{n}:9100"), "severity": "warning" },
                "annotations": { "summary": format!("Latency high on node-{n}") },
                "startsAt": "2026-12-07T10:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example/graph",
                "fingerprint": format!("{n:016x}"),
            })
        })
        .collect();
    json!({
        "version": "4", "status": "firing", "receiver": "hindsight",
        "groupKey": "{}:{alertname=\"HighLatency\"}", "truncatedAlerts": 0,
        "groupLabels": { "alertname": "HighLatency" }, "commonLabels": { "alertname": "HighLatency" },
        "commonAnnotations": {}, "externalURL": "http://alertmanager.example", "alerts": alerts,
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

struct Outcome {
    backend: &'static str,
    alerts: usize,
    requests: usize,
    retries: u64,
    elapsed: Duration,
    reads: Vec<Duration>,
    incidents: u64,
    counted: u64,
}

async fn storm(backend: &'static str, database_url: Option<&str>) -> Outcome {
    let alerts: usize = env_or("STORM_ALERTS", 20_000);
    let fingerprints: usize = env_or("STORM_FINGERPRINTS", 200);
    let senders: usize = env_or("STORM_SENDERS", 64);
    let data_dir = tempfile::tempdir().expect("tempdir");
    let server = Arc::new(start(data_dir.path(), database_url).await);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(senders + 2)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    let token = admin_token();
    let created = graphql(
        &client,
        &server,
        &token,
        "mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { key } }",
        json!({ "input": { "name": "prometheus", "format": "ALERTMANAGER", "service": "api", "category": "latency" } }),
    )
    .await;
    let key = created["createIntegration"]["key"]
        .as_str()
        .expect("key")
        .to_owned();

    let mut rng = StdRng::seed_from_u64(17);
    let plan = batches(alerts, fingerprints, &mut rng);
    let requests = plan.len();
    let queue = Arc::new(Mutex::new(
        plan.into_iter().map(|b| payload(&b)).collect::<Vec<_>>(),
    ));
    let retries = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));

    // The reader: one `incidents(first: 20)` after another while the storm lasts.
    let reader = {
        let (client, server, token, done) =
            (client.clone(), server.clone(), token.clone(), done.clone());
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            let query = json!({ "query": "{ incidents(first: 20) { totalCount edges { node { id number title status reporter { id name } } } } }" });
            while !done.load(Ordering::Relaxed) {
                let started = Instant::now();
                let res = client
                    .post(format!("{}/graphql", server.url))
                    .bearer_auth(&token)
                    .json(&query)
                    .send()
                    .await
                    .expect("read");
                assert!(res.status().is_success());
                let _ = res.bytes().await.expect("body");
                latencies.push(started.elapsed());
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            latencies
        })
    };

    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..senders {
        let (client, server, key, queue, retries) = (
            client.clone(),
            server.clone(),
            key.clone(),
            queue.clone(),
            retries.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let Some(body) = queue.lock().await.pop() else {
                    break;
                };
                loop {
                    let res = client
                        .post(format!("{}/alerts/alertmanager", server.url))
                        .bearer_auth(&key)
                        .json(&body)
                        .send()
                        .await
                        .expect("post");
                    match res.status().as_u16() {
                        202 => break,
                        503 | 429 => {
                            retries.fetch_add(1, Ordering::Relaxed);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                        other => panic!(
                            "the storm got {other}: {}",
                            res.text().await.unwrap_or_default()
                        ),
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("sender");
    }
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let mut reads = reader.await.expect("reader");
    reads.sort();

    // Exactly one incident per fingerprint, and every alert counted.
    let mut counted = 0;
    let mut after: Option<String> = None;
    let incidents = loop {
        let page = graphql(
            &client,
            &server,
            &token,
            "query($after: String) { incidents(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { alerts(first: 5) { nodes { count } } } } }",
            json!({ "after": after }),
        )
        .await;
        let page = &page["incidents"];
        let total = page["totalCount"].as_u64().expect("totalCount");
        for node in page["nodes"].as_array().expect("nodes") {
            for alert in node["alerts"]["nodes"].as_array().expect("alerts") {
                counted += alert["count"].as_u64().expect("count");
            }
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break total;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    };
    Outcome {
        backend,
        alerts,
        requests,
        retries: retries.load(Ordering::Relaxed),
        elapsed,
        reads,
        incidents,
        counted,
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let pg_admin = std::env::var("STORM_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut outcomes = vec![runtime.block_on(storm("SQLite", None))];
    if pg_admin != "off" {
        outcomes.push(runtime.block_on(async {
            let name = format!("hindsight_storm_{}", std::process::id());
            let admin = Database::connect(&pg_admin)
                .await
                .expect("connect to PostgreSQL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create database");
            let base = pg_admin
                .rsplit_once('/')
                .map_or(pg_admin.as_str(), |(b, _)| b);
            let outcome = storm("PostgreSQL", Some(&format!("{base}/{name}"))).await;
            admin
                .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .await
                .expect("drop database");
            outcome
        }));
    }
    println!(
        "| backend | alerts | requests | retried | seconds | alerts/s | reads | read p50 | read p99 | read max | incidents | counted |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for o in &outcomes {
        println!(
            "| {} | {} | {} | {} | {:.2} | {:.0} | {} | {:.1} ms | {:.1} ms | {:.1} ms | {} | {} |",
            o.backend,
            o.alerts,
            o.requests,
            o.retries,
            o.elapsed.as_secs_f64(),
            o.alerts as f64 / o.elapsed.as_secs_f64(),
            o.reads.len(),
            percentile(&o.reads, 0.5).as_secs_f64() * 1e3,
            percentile(&o.reads, 0.99).as_secs_f64() * 1e3,
            o.reads.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
            o.incidents,
            o.counted,
        );
    }
    for o in &outcomes {
        assert_eq!(
            o.incidents,
            env_or("STORM_FINGERPRINTS", 200),
            "{}: one incident per fingerprint",
            o.backend
        );
        assert_eq!(
            o.counted, o.alerts as u64,
            "{}: every alert counted",
            o.backend
        );
    }
}
