//! A stop as an orchestrator sends it: the real binary gets SIGTERM while a websocket is
//! subscribed and a mutation is halfway through arriving. The listener closes at once, the
//! websocket gets Close 1001 ("going away"), the mutation still completes with 200, the
//! process exits 0 within the grace period, and the index has committed the mutation's
//! change before the exit.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{
    Backend, PgDatabase, SECRET, free_port, hindsight_command, path_to, transition, wait_ready,
};
use crate::ws_client::{TRANSPORT_WS, WsClient};

/// The grace period the server is started with (`limits.request_timeout_seconds`).
const GRACE: Duration = Duration::from_secs(10);

/// `hindsight serve` as a child process, its log in a file beside the data.
pub struct Served {
    pub child: Child,
    pub url: String,
    pub port: u16,
    log: std::path::PathBuf,
}

impl Served {
    pub async fn start(data_dir: &Path, database_url: Option<&str>, log_name: &str) -> Self {
        let port = free_port();
        let log = data_dir.with_extension(log_name);
        let mut cmd = hindsight_command();
        cmd.arg("serve")
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .env("HINDSIGHT_AUTH__HS256_SECRET", SECRET)
            .env(
                "HINDSIGHT_LIMITS__REQUEST_TIMEOUT_SECONDS",
                GRACE.as_secs().to_string(),
            )
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"));
        if let Some(url) = database_url {
            cmd.arg("--database-url").arg(url);
        }
        let mut child = cmd.spawn().expect("start the hindsight binary");
        wait_ready(&mut child, port).await;
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            port,
            log,
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub async fn graphql(&self, token: &str, query: &str, variables: Value) -> Value {
        let body: Value = reqwest::Client::new()
            .post(format!("{}/graphql", self.url))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json");
        assert!(body.get("errors").is_none(), "{body}");
        body["data"].clone()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn admin_token() -> String {
    let claims = json!({ "sub": "ops", "name": "Ops", "roles": ["admin"], "exp": chrono::Utc::now().timestamp() + 600 });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("sign")
}

/// Reports an incident titled `title` and drives it to INVESTIGATING; returns its id.
pub async fn investigating(server: &Served, token: &str, title: &str) -> String {
    let data = server
        .graphql(
            token,
            "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }",
            json!({ "input": { "title": title, "service": "checkout", "description": "it broke" } }),
        )
        .await;
    let id = data["reportIncident"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for action in path_to("INVESTIGATING") {
        let (query, variables) = transition(action, &id);
        server.graphql(token, &query, variables).await;
    }
    id
}

/// The numbers of the incidents `searchResolutions` finds for `q`.
pub async fn search(server: &Served, token: &str, q: &str) -> Vec<Value> {
    let data = server
        .graphql(
            token,
            "query($q: String!) { searchResolutions(query: $q) { edges { node { id } } } }",
            json!({ "q": q }),
        )
        .await;
    data["searchResolutions"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect()
}

fn sigterm(child: &Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

on_both_databases!(sigterm_finishes_requests_closes_websockets_and_flushes_the_index);

async fn sigterm_finishes_requests_closes_websockets_and_flushes_the_index(backend: Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = dir.path().join("data");
    let pg = match &backend {
        Backend::Sqlite => None,
        Backend::Postgres { admin_url } => Some(PgDatabase::create(admin_url).await),
    };
    let db_url = pg.as_ref().map(|p| p.url.as_str());
    let mut server = Served::start(&data_dir, db_url, "first.log").await;
    let token = admin_token();
    let id = investigating(&server, &token, "payment gateway flapping").await;

    let mut ws = WsClient::open_at(&server.url, TRANSPORT_WS, &token).await;
    ws.subscribe(
        "events",
        "subscription { incidentEvents { id kind } }",
        json!({}),
    )
    .await;

    // The resolve mutation, its headers and half its body sent before the signal.
    let (query, variables) = transition("resolve", &id);
    let body = json!({ "query": query, "variables": variables }).to_string();
    let (first_half, second_half) = body.split_at(body.len() / 2);
    let mut in_flight = std::net::TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    write!(
        in_flight,
        "POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\naccept: application/json\r\ncontent-length: {}\r\n\r\n{first_half}",
        body.len()
    )
    .expect("send the first half");
    // Long enough for the server to have read the headers and be waiting for the body.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let signalled = Instant::now();
    sigterm(&server.child);

    assert_eq!(
        ws.close_code().await,
        Some(1001),
        "the websocket is told the server is going away"
    );

    // The listener is closed: a new connection is refused while the old request finishes.
    let mut refused = false;
    while signalled.elapsed() < Duration::from_secs(5) {
        if std::net::TcpStream::connect(("127.0.0.1", server.port)).is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "new connections are refused after the signal");
    assert!(
        server.child.try_wait().expect("try_wait").is_none(),
        "the process waits for the request in flight"
    );

    in_flight
        .write_all(second_half.as_bytes())
        .expect("send the second half");
    in_flight
        .set_read_timeout(Some(GRACE))
        .expect("read timeout");
    let mut answer = String::new();
    in_flight
        .read_to_string(&mut answer)
        .expect("the answer, then the close");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"RESOLVED\""), "{answer}");

    let status = loop {
        if let Some(status) = server.child.try_wait().expect("try_wait") {
            break status;
        }
        assert!(
            signalled.elapsed() < GRACE,
            "the process exits within the grace period"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "exit status {status}");
    let log = server.log();
    assert!(log.contains("the knowledge base is flushed"), "{log}");
    assert!(!log.contains("cut off"), "nothing was cut off: {log}");

    // The index on disk has the resolution, before any start could catch it up.
    let (kb, _) = hindsight_index::KnowledgeBase::open_or_create(&data_dir.join("index"))
        .expect("open the index");
    assert_eq!(kb.doc_count(), 1, "the resolved incident is in the index");
    drop(kb);

    drop(server);
    let server = Served::start(&data_dir, db_url, "second.log").await;
    assert_eq!(
        search(&server, &token, "gateway flapping").await,
        [json!(id)]
    );
}
