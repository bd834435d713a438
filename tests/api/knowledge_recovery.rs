//! The index is derived data: killed with SIGKILL at any point, deleted, or corrupted, the
//! restarted binary's knowledge base holds exactly the resolved incidents of the database.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::durability::{Server, start, token};
use crate::on_both_databases;
use crate::support::{Backend, PgDatabase};

async fn gql(client: &reqwest::Client, server: &Server, query: &str, variables: Value) -> Value {
    client
        .post(format!("{}/graphql", server.url))
        .bearer_auth(token())
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

/// Ids of resolved and closed incidents according to the database.
async fn resolved_in_database(client: &reqwest::Client, server: &Server) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut after = Value::Null;
    loop {
        let page = gql(
            client,
            server,
            "query($after: String) { incidents(first: 100, after: $after, filter: { status: [RESOLVED, CLOSED] }) { pageInfo { hasNextPage endCursor } edges { node { id } } } }",
            json!({ "after": after }),
        )
        .await;
        let conn = &page["data"]["incidents"];
        for e in conn["edges"].as_array().expect("edges") {
            ids.insert(e["node"]["id"].as_str().expect("id").to_owned());
        }
        if conn["pageInfo"]["hasNextPage"] != true {
            return ids;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

/// Ids the knowledge base holds (an empty search lists everything).
async fn in_index(client: &reqwest::Client, server: &Server) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut after = Value::Null;
    loop {
        let page = gql(
            client,
            server,
            "query($after: String) { searchResolutions(query: \"\", first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id } } } }",
            json!({ "after": after }),
        )
        .await;
        let conn = &page["data"]["searchResolutions"];
        assert!(conn.is_object(), "{page}");
        for e in conn["edges"].as_array().expect("edges") {
            ids.insert(e["node"]["id"].as_str().expect("id").to_owned());
        }
        if conn["pageInfo"]["hasNextPage"] != true {
            return ids;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

/// After a restart the worker catches up within a bounded time; wait for equality.
async fn assert_index_matches_database(client: &reqwest::Client, server: &Server) -> usize {
    let expected = resolved_in_database(client, server).await;
    for _ in 0..100 {
        if in_index(client, server).await == expected {
            return expected.len();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        in_index(client, server).await,
        expected,
        "index and database differ"
    );
    expected.len()
}

const LIFECYCLE: [&str; 4] = [
    "mutation($id: ID!) { triageIncident(input: { id: $id, category: \"c\", impact: LOW, urgency: LOW }) { id } }",
    "mutation($id: ID!) { startInvestigation(input: { id: $id }) { id } }",
    "mutation($id: ID!) { resolveIncident(input: { id: $id, resolution: { summary: \"restarted the disk daemon\" } }) { id } }",
    "mutation($id: ID!) { reopenIncident(input: { id: $id, reason: \"back again\" }) { id } }",
];

on_both_databases!(index_survives_sigkill_deletion_and_corruption);

async fn index_survives_sigkill_deletion_and_corruption(backend: Backend) {
    let data_dir = tempfile::tempdir().expect("tempdir");
    let pg = match &backend {
        Backend::Sqlite => None,
        Backend::Postgres { admin_url } => Some(PgDatabase::create(admin_url).await),
    };
    let db_url = pg.as_ref().map(|p| p.url.as_str());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let mut server = start(data_dir.path(), db_url).await;

    // Writers report, resolve and sometimes reopen incidents until the kill.
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..3 {
        let (client, url, stop) = (client.clone(), server.url.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let post = |query: &'static str, variables: Value| {
                client
                    .post(format!("{url}/graphql"))
                    .bearer_auth(token())
                    .json(&json!({ "query": query, "variables": variables }))
                    .send()
            };
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let Ok(res) = post(
                    "mutation($t: String!) { reportIncident(input: { title: $t, service: \"storage\", description: \"disk full on node\" }) { id } }",
                    json!({ "t": format!("disk full {w}-{i}") }),
                )
                .await
                else { break };
                let Ok(body) = res.json::<Value>().await else { break };
                let Some(id) = body["data"]["reportIncident"]["id"].as_str().map(str::to_owned) else { break };
                let steps = if i % 3 == 0 { 4 } else { 3 };
                for query in &LIFECYCLE[..steps] {
                    if post(query, json!({ "id": id })).await.is_err() {
                        return;
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(2000)).await;
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("reaped");
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.expect("writer");
    }

    // 1. Killed at an arbitrary point: the restarted node catches up.
    let server = start(data_dir.path(), db_url).await;
    let resolved = assert_index_matches_database(&client, &server).await;
    assert!(
        resolved >= 3,
        "the writers resolved some incidents before the kill: {resolved}"
    );
    drop(server);

    // 2. The index folder deleted: rebuilt from the database at start.
    std::fs::remove_dir_all(data_dir.path().join("index")).expect("delete the index");
    let server = start(data_dir.path(), db_url).await;
    assert_eq!(
        assert_index_matches_database(&client, &server).await,
        resolved
    );
    drop(server);

    // 3. The index corrupted: detected, deleted and rebuilt.
    let meta = data_dir.path().join("index").join("meta.json");
    std::fs::write(&meta, b"{ this is not an index").expect("corrupt the index");
    let server = start(data_dir.path(), db_url).await;
    assert_eq!(
        assert_index_matches_database(&client, &server).await,
        resolved
    );
    drop(server);
    drop(pg);
}
