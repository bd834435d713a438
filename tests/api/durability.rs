//! A write acknowledged to the client is durable (a mutation, or an alert answered 202): the
//! real binary is killed with SIGKILL while clients are writing, restarted on the same data,
//! and every acknowledged write is there.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::json;
use tokio::sync::Mutex;

use crate::on_both_databases;
use crate::support::{Backend, PgDatabase, SECRET};

pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub async fn start(data_dir: &std::path::Path, database_url: Option<&str>) -> Server {
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hindsight"));
    cmd.arg("serve")
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .env("HINDSIGHT_AUTH__HS256_SECRET", SECRET)
        // The SLA worker looks often, so a test that would see a wrong warning sees it.
        .env("HINDSIGHT_SLA__CHECK_INTERVAL_MS", "100")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    if let Some(url) = database_url {
        cmd.arg("--database-url").arg(url);
    }
    let child = cmd.spawn().expect("start the hindsight binary");
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(res) = client.get(format!("{}/readyz", server.url)).send().await
            && res.status().is_success()
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not become ready");
}

/// POSTs a GraphQL request body to `server` and returns the answer's JSON.
async fn graphql(
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    request: &serde_json::Value,
) -> serde_json::Value {
    client
        .post(format!("{}/graphql", server.url))
        .bearer_auth(token)
        .json(request)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

pub fn token() -> String {
    token_with("manager")
}

fn token_with(role: &str) -> String {
    let claims = json!({ "sub": "writer", "name": "Writer", "roles": [role], "exp": chrono::Utc::now().timestamp() + 600 });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("sign")
}

on_both_databases!(
    acknowledged_writes_survive_sigkill,
    acknowledged_alerts_survive_sigkill
);

async fn acknowledged_writes_survive_sigkill(backend: Backend) {
    let data_dir = tempfile::tempdir().expect("tempdir");
    let pg = match &backend {
        Backend::Sqlite => None,
        Backend::Postgres { admin_url } => Some(PgDatabase::create(admin_url).await),
    };
    let db_url = pg.as_ref().map(|p| p.url.as_str());
    let mut server = start(data_dir.path(), db_url).await;
    let token = token();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");

    // Four writers report and triage incidents as fast as they can until the kill.
    let acknowledged = Arc::new(Mutex::new(Vec::<(String, &'static str)>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (client, url, token, acknowledged, stop) = (
            client.clone(),
            server.url.clone(),
            token.clone(),
            acknowledged.clone(),
            stop.clone(),
        );
        writers.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let report = json!({
                    "query": "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }",
                    "variables": { "input": { "title": format!("writer {w} #{i}"), "service": "s" } },
                });
                let Ok(res) = client.post(format!("{url}/graphql")).bearer_auth(&token).json(&report).send().await else { break };
                let Ok(body) = res.json::<serde_json::Value>().await else { break };
                let Some(id) = body["data"]["reportIncident"]["id"].as_str().map(str::to_owned) else { break };
                acknowledged.lock().await.push((id.clone(), "NEW"));
                let triage = json!({
                    "query": "mutation($input: TriageIncidentInput!) { triageIncident(input: $input) { status } }",
                    "variables": { "input": { "id": id, "category": "c", "impact": "LOW", "urgency": "LOW" } },
                });
                let Ok(res) = client.post(format!("{url}/graphql")).bearer_auth(&token).json(&triage).send().await else { break };
                let Ok(body) = res.json::<serde_json::Value>().await else { break };
                if body["data"]["triageIncident"]["status"] == "TRIAGED" {
                    let mut acked = acknowledged.lock().await;
                    if let Some(entry) = acked.iter_mut().find(|(i, _)| *i == id) {
                        entry.1 = "TRIAGED";
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("reaped");
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.expect("writer");
    }
    let acknowledged = acknowledged.lock().await.clone();
    assert!(
        acknowledged.len() >= 5,
        "the writers got some writes in: {}",
        acknowledged.len()
    );

    let server = start(data_dir.path(), db_url).await;
    for (id, status) in &acknowledged {
        let query = json!({ "query": "query($id: ID!) { incident(id: $id) { status } }", "variables": { "id": id } });
        let body = graphql(&client, &server, &token, &query).await;
        let found = body["data"]["incident"]["status"]
            .as_str()
            .unwrap_or("<missing>");
        // A triage acknowledged before the kill must be there; one in flight may or may not.
        if *status == "TRIAGED" {
            assert_eq!(found, "TRIAGED", "acknowledged triage of {id} lost: {body}");
        } else {
            assert!(
                found == "NEW" || found == "TRIAGED",
                "acknowledged report {id} lost: {body}"
            );
        }
    }
    drop(server);
    drop(pg);
}

/// Every alert answered 202 before a SIGKILL is counted after the restart: four senders post
/// to one dedup key each, and each key's count is at least what its sender saw accepted (one
/// in flight at the kill may be there too).
async fn acknowledged_alerts_survive_sigkill(backend: Backend) {
    let data_dir = tempfile::tempdir().expect("tempdir");
    let pg = match &backend {
        Backend::Sqlite => None,
        Backend::Postgres { admin_url } => Some(PgDatabase::create(admin_url).await),
    };
    let db_url = pg.as_ref().map(|p| p.url.as_str());
    let mut server = start(data_dir.path(), db_url).await;
    let admin = token_with("admin");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let create = json!({
        "query": "mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { key } }",
        "variables": { "input": { "name": "cron", "format": "GENERIC", "service": "batch" } },
    });
    let body = graphql(&client, &server, &admin, &create).await;
    let key = body["data"]["createIntegration"]["key"]
        .as_str()
        .unwrap_or_else(|| panic!("an integration key: {body}"))
        .to_owned();

    let accepted = Arc::new(Mutex::new([0u64; 4]));
    let stop = Arc::new(AtomicBool::new(false));
    let mut senders = Vec::new();
    for w in 0..4usize {
        let (client, url, key, accepted, stop) = (
            client.clone(),
            server.url.clone(),
            key.clone(),
            accepted.clone(),
            stop.clone(),
        );
        senders.push(tokio::spawn(async move {
            let alert = json!({ "title": format!("job {w} failed"), "dedupKey": format!("job-{w}"), "severity": "warning" });
            while !stop.load(Ordering::Relaxed) {
                let Ok(res) = client.post(format!("{url}/alerts/generic")).bearer_auth(&key).json(&alert).send().await else { break };
                if res.status() != reqwest::StatusCode::ACCEPTED {
                    break;
                }
                accepted.lock().await[w] += 1;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("reaped");
    stop.store(true, Ordering::Relaxed);
    for s in senders {
        s.await.expect("sender");
    }
    let accepted = *accepted.lock().await;
    assert!(
        accepted.iter().all(|&n| n >= 2),
        "every sender got alerts in: {accepted:?}"
    );

    let server = start(data_dir.path(), db_url).await;
    let query = json!({ "query": "{ incidents(first: 10) { nodes { alerts { nodes { dedupKey count } } } } }" });
    let body = graphql(&client, &server, &admin, &query).await;
    let nodes = body["data"]["incidents"]["nodes"]
        .as_array()
        .expect("incidents");
    assert_eq!(nodes.len(), 4, "one incident per key: {body}");
    for (w, &sent) in accepted.iter().enumerate() {
        let count = nodes
            .iter()
            .flat_map(|n| n["alerts"]["nodes"].as_array().into_iter().flatten())
            .find(|a| a["dedupKey"] == format!("job-{w}"))
            .and_then(|a| a["count"].as_u64())
            .unwrap_or(0);
        assert!(
            count == sent || count == sent + 1,
            "job-{w}: {sent} accepted before the kill, {count} counted after the restart"
        );
    }
    drop(server);
    drop(pg);
}
