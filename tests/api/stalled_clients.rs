//! Clients that stop reading or never finish a request: they may stall their own
//! connection, never anyone else's requests, and never the knowledge base's change log.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use std::process::Stdio;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::on_both_databases;
use crate::support::{Backend, TestApp, free_port, wait_ready, without_test_settings};
use crate::ws_client::{TRANSPORT_WS, WsClient};

/// Each event resolves the incident and its timeline: queries per event, on pooled
/// connections.
const NESTED: &str = "subscription { incidentEvents { id kind incident { id title timeline(first: 20) { totalCount } } } }";

on_both_databases!(stalled_websockets_starve_nobody);

/// Two clients open 20 nested subscriptions each and never read; eight workers report,
/// resolve and read for 30 s meanwhile. Before each event resolved in a task of its own, the
/// stalled connections held pooled connections while their sends blocked: other requests
/// timed out waiting for one (503 and INTERNAL) and the index worker could not apply the
/// change log.
async fn stalled_websockets_starve_nobody(backend: Backend) {
    let app = Arc::new(TestApp::spawn(backend).await);
    let admin = app.admin();
    let mut stalled = Vec::new();
    for _ in 0..2 {
        let mut client = WsClient::connect_small_buffer(&app, TRANSPORT_WS).await;
        client.init(&admin).await;
        for i in 0..20 {
            client.subscribe(&format!("s{i}"), NESTED, json!({})).await;
        }
        stalled.push(client); // and never read from again
    }
    let ok = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut workers = Vec::new();
    for worker in 0..8 {
        let (app, ok, failures) = (app.clone(), ok.clone(), failures.clone());
        let token = admin.clone();
        workers.push(tokio::spawn(async move {
            let mut round = 0;
            while Instant::now() < deadline {
                round += 1;
                let outcome = if worker % 2 == 0 {
                    report_and_resolve(&app, &token, worker, round).await
                } else {
                    read_page(&app, &token).await
                };
                match outcome {
                    Ok(()) => ok.fetch_add(1, Ordering::Relaxed),
                    Err(e) => {
                        failures.lock().expect("lock").push(e);
                        0
                    }
                };
            }
        }));
    }
    for worker in workers {
        worker.await.expect("worker");
    }
    let failures = failures.lock().expect("lock").clone();
    assert!(
        failures.is_empty(),
        "{} of {} requests failed; the first: {:?}",
        failures.len(),
        failures.len() + ok.load(Ordering::Relaxed),
        failures.first()
    );
    assert!(ok.load(Ordering::Relaxed) > 50, "the workers got work done");
    // The change log was applied: the last resolutions are searchable.
    let mut found = 0;
    for _ in 0..100 {
        let data = app
            .ok(
                &admin,
                "{ searchResolutions(query: \"stalledmarker\") { totalCount } }",
                json!({}),
            )
            .await;
        found = data["searchResolutions"]["totalCount"]
            .as_i64()
            .unwrap_or(0);
        let resolved = resolved_count(&app, &admin).await;
        if found == resolved && resolved > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        found,
        resolved_count(&app, &admin).await,
        "every resolution was indexed"
    );
    drop(stalled);
}

async fn resolved_count(app: &TestApp, token: &str) -> i64 {
    let data = app
        .ok(
            token,
            "{ incidents(filter: {status: [RESOLVED]}) { totalCount } }",
            json!({}),
        )
        .await;
    data["incidents"]["totalCount"].as_i64().expect("count")
}

fn check(status: reqwest::StatusCode, body: &Value) -> Result<(), String> {
    if status.is_success() && body.get("errors").is_none() {
        Ok(())
    } else {
        Err(format!("{status}: {body}"))
    }
}

async fn report_and_resolve(
    app: &TestApp,
    token: &str,
    worker: usize,
    round: usize,
) -> Result<(), String> {
    let (status, body) = app
        .gql(
            token,
            "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }",
            json!({ "input": { "title": format!("stalledmarker {worker}-{round}"), "service": "checkout", "description": "pool exhausted" } }),
        )
        .await;
    check(status, &body)?;
    let id = body["data"]["reportIncident"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for action in ["triage", "investigate", "resolve"] {
        let (query, variables) = crate::support::transition(action, &id);
        let (status, body) = app.gql(token, &query, variables).await;
        check(status, &body)?;
    }
    Ok(())
}

async fn read_page(app: &TestApp, token: &str) -> Result<(), String> {
    let (status, body) = app
        .gql(
            token,
            "{ incidents(first: 20) { edges { node { id title timeline(first: 5) { totalCount } } } } }",
            json!({}),
        )
        .await;
    check(status, &body)
}

/// A server process under a soft limit of 1,024 open files, the default on many systems.
struct LimitedServer {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl LimitedServer {
    async fn start(settings: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        // `ulimit` in a shell that then execs the server: the limit is the server's alone.
        let mut sh = std::process::Command::new("sh");
        without_test_settings(&mut sh);
        sh.arg("-c")
            .arg("ulimit -S -n 1024 && exec \"$0\" serve --data-dir \"$1\" --listen \"$2\"")
            .arg(env!("CARGO_BIN_EXE_hindsight"))
            .arg(dir.path())
            .arg(format!("127.0.0.1:{port}"))
            .envs(settings.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = sh.spawn().expect("spawn");
        wait_ready(&mut child, port).await;
        Self {
            child,
            port,
            _dir: dir,
        }
    }

    /// A connection that sends the start of a request and never finishes its headers.
    async fn dripping(&self) -> Option<TcpStream> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).await.ok()?;
        stream
            .write_all(
                b"POST /graphql HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n",
            )
            .await
            .ok()?;
        Some(stream)
    }

    /// An ordinary request's status, or why there was none within `limit`.
    async fn health(&self, limit: Duration) -> Result<u16, String> {
        let client = reqwest::Client::builder()
            .timeout(limit)
            .build()
            .expect("client");
        client
            .get(format!("http://127.0.0.1:{}/healthz", self.port))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .map_err(|e| format!("{e:?}"))
    }
}

impl Drop for LimitedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether the server closed `stream` within `limit` (it reads end of file, or the reset).
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut buf = [0u8; 256];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => continue, // a 408 or 503 before the close
        }
    }
}

/// 1,100 connections that never finish their headers, at a soft limit of 1,024 open files:
/// before, the server ran out of descriptors and every ordinary request failed until they
/// went away, and they were held for as long as their clients liked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_half_open_connections_are_bounded() {
    let server = LimitedServer::start(&[("HINDSIGHT_LIMITS__HEADER_TIMEOUT_SECONDS", "3")]).await;
    let mut slow = Vec::new();
    for _ in 0..1_100 {
        slow.push(
            server
                .dripping()
                .await
                .expect("the server accepts the connection"),
        );
    }
    // An ordinary request is answered at once (3 s allows for a busy test machine; before,
    // it was never answered).
    assert_eq!(server.health(Duration::from_secs(3)).await, Ok(200));
    // Every slow connection is closed once the header time limit has passed.
    let mut open = 0;
    for stream in &mut slow {
        if !closed_within(stream, Duration::from_secs(10)).await {
            open += 1;
        }
    }
    assert_eq!(
        open, 0,
        "connections still open 10 s after a 3 s header limit"
    );
    assert_eq!(server.health(Duration::from_secs(3)).await, Ok(200));
}

/// Beyond `limits.connections`, a connection gets a quick 503 instead of waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_get_a_quick_503() {
    let server = LimitedServer::start(&[
        ("HINDSIGHT_LIMITS__CONNECTIONS", "20"),
        ("HINDSIGHT_LIMITS__HEADER_TIMEOUT_SECONDS", "3"),
    ])
    .await;
    let mut slow = Vec::new();
    for _ in 0..20 {
        slow.push(server.dripping().await.expect("accepted"));
    }
    // Let the server take all twenty before the next one arrives.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.health(Duration::from_secs(3)).await, Ok(503));
    // Once the slow ones are closed, ordinary requests are served again.
    for stream in &mut slow {
        assert!(closed_within(stream, Duration::from_secs(10)).await);
    }
    assert_eq!(server.health(Duration::from_secs(3)).await, Ok(200));
}
