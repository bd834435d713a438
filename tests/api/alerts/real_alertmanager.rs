//! A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) configured with the
//! README's receiver: an alert posted to Alertmanager's API reaches hindsight through its
//! webhook with the key read from a credentials file, opens an incident, and its resolution
//! mitigates it. This is the check that the README snippet and our parser agree with the tool
//! itself, not only with its documentation's examples.
//!
//! Without the binary the test prints why it is skipped; CI installs it and sets
//! HINDSIGHT_TEST_REQUIRE_ALERTMANAGER=1, and then a missing Alertmanager fails the test.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{incidents, integration};
use crate::support::{Backend, TestApp};

const REQUIRE_ENV: &str = "HINDSIGHT_TEST_REQUIRE_ALERTMANAGER";

fn alertmanager_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    ["prometheus-alertmanager", "alertmanager"]
        .iter()
        .find_map(|name| {
            std::env::split_paths(&path)
                .map(|dir| dir.join(name))
                .find(|candidate| candidate.is_file())
        })
}

/// The Alertmanager process, killed when the test ends however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Polls hindsight's incidents until `done` holds, for up to 60 s.
async fn wait_for(app: &TestApp, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let list = incidents(app).await;
        if done(&list) {
            return list;
        }
        assert!(
            Instant::now() < deadline,
            "waited 60 s for {what}; incidents: {list:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_alertmanager_opens_and_mitigates_an_incident() {
    let Some(binary) = alertmanager_binary() else {
        assert!(
            !std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1"),
            "Alertmanager is not installed, and {REQUIRE_ENV}=1 requires this test. Install it \
             with `apt-get install -y prometheus-alertmanager` (Debian)"
        );
        eprintln!(
            "SKIPPED a_real_alertmanager_opens_and_mitigates_an_incident: Alertmanager is not \
             installed (`apt-get install -y prometheus-alertmanager`; CI installs it and sets \
             {REQUIRE_ENV}=1)"
        );
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, key) = integration(
        &app,
        "prometheus",
        "ALERTMANAGER",
        json!({"category": "availability"}),
    )
    .await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let key_file = dir.path().join("hindsight-key");
    std::fs::write(&key_file, &key).expect("key file written");
    // The README's receiver, with timers short enough for a test.
    let config = format!(
        r#"route:
  receiver: hindsight
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hindsight
    webhook_configs:
      - url: {url}/alerts/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials_file: {key_file}
"#,
        url = app.url,
        key_file = key_file.display()
    );
    let config_file = dir.path().join("alertmanager.yml");
    std::fs::write(&config_file, config).expect("config written");
    let port = free_port();
    let api = format!("http://127.0.0.1:{port}");
    let _running = Running(
        Command::new(binary)
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!(
                "--storage.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            // A single instance: no gossip port to collide with other tests.
            .arg("--cluster.listen-address=")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("alertmanager starts"),
    );
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !client
        .get(format!("{api}/-/ready"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(Instant::now() < deadline, "Alertmanager not ready in 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Prometheus would post this; so do we, to Alertmanager's own API.
    let alert = |ends_at: Option<chrono::DateTime<chrono::Utc>>| {
        let mut alert = json!({
            "labels": {"alertname": "DiskFull", "instance": "db-1", "severity": "critical"},
            "annotations": {"summary": "Disk full on db-1", "description": "/var is at 100%"},
            "generatorURL": "http://prometheus.example.org/graph?g0.expr=disk_free",
        });
        if let Some(at) = ends_at {
            alert["endsAt"] = json!(at.to_rfc3339());
        }
        json!([alert])
    };
    let posted = client
        .post(format!("{api}/api/v2/alerts"))
        .json(&alert(None))
        .send()
        .await
        .expect("Alertmanager answers");
    assert!(posted.status().is_success(), "{}", posted.status());

    let list = wait_for(&app, "the firing alert's incident", |list| list.len() == 1).await;
    let incident = &list[0];
    assert_eq!(incident["source"], "ALERT", "{incident}");
    assert_eq!(incident["status"], "TRIAGED", "{incident}");
    assert!(
        incident["title"]
            .as_str()
            .is_some_and(|t| t.contains("Disk full on db-1")),
        "{incident}"
    );
    assert_eq!(incident["alerts"][0]["integrationName"], "prometheus");
    assert_eq!(incident["alerts"][0]["state"], "FIRING");
    let labels = incident["alerts"][0]["labels"].to_string();
    assert!(
        labels.contains("DiskFull") && labels.contains("db-1"),
        "{labels}"
    );

    // The alert clears: Alertmanager sends the resolution, and the incident is mitigated.
    let resolved = client
        .post(format!("{api}/api/v2/alerts"))
        .json(&alert(Some(chrono::Utc::now())))
        .send()
        .await
        .expect("Alertmanager answers");
    assert!(resolved.status().is_success(), "{}", resolved.status());
    let list = wait_for(&app, "the resolution", |list| {
        list.first()
            .is_some_and(|i| i["alerts"][0]["state"] == "RESOLVED")
    })
    .await;
    assert_eq!(list.len(), 1, "still one incident: {list:?}");
    assert_eq!(list[0]["status"], "MITIGATED", "{}", list[0]);
}
