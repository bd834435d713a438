//! Just enough of Chromium's DevTools protocol to drive a page from a test: launch headless
//! Chromium with no network beyond this machine's loopback, run JavaScript in the page, wait
//! for the DOM, and keep the events it reports (requests, websockets, console, errors).

use std::path::Path;
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long Chromium may take to start, and any single command to answer.
const WAIT: Duration = Duration::from_secs(60);

pub struct Browser {
    _child: tokio::process::Child,
    _profile: tempfile::TempDir,
    port: u16,
}

pub struct Page {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Every event received so far, in order (`{"method": …, "params": …}`).
    pub events: Vec<Value>,
}

impl Browser {
    /// Headless Chromium whose only reachable host is 127.0.0.1: every other name fails to
    /// resolve, and anything that still tries goes to a proxy on the discard port, where
    /// nothing listens.
    pub async fn launch(binary: &Path) -> Self {
        let profile = tempfile::tempdir().expect("profile dir");
        let child = tokio::process::Command::new(binary)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--proxy-server=127.0.0.1:9",
                "--proxy-bypass-list=127.0.0.1",
                "--remote-debugging-port=0",
                "--window-size=1280,900",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromium starts");
        // Chromium writes the port it chose, once it listens, into the profile.
        let port_file = profile.path().join("DevToolsActivePort");
        let deadline = Instant::now() + WAIT;
        let port = loop {
            if let Some(port) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|text| text.lines().next()?.trim().parse().ok())
            {
                break port;
            }
            assert!(
                Instant::now() < deadline,
                "chromium did not start in {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        Self {
            _child: child,
            _profile: profile,
            port,
        }
    }

    /// The tab Chromium opened, with its network, console and runtime events on.
    pub async fn page(&self) -> Page {
        let targets: Value = reqwest::get(format!("http://127.0.0.1:{}/json/list", self.port))
            .await
            .expect("the DevTools target list")
            .json()
            .await
            .expect("JSON");
        let url = targets
            .as_array()
            .and_then(|t| t.iter().find(|t| t["type"] == "page"))
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .unwrap_or_else(|| panic!("no page among {targets}"))
            .to_owned();
        let (socket, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .expect("the DevTools websocket");
        let mut page = Page {
            socket,
            next_id: 0,
            events: Vec::new(),
        };
        for domain in ["Page", "Network", "Runtime", "Log"] {
            page.call(&format!("{domain}.enable"), json!({})).await;
        }
        page
    }
}

impl Page {
    /// Sends a command and waits for its result, keeping the events that arrive meanwhile.
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let command = json!({ "id": id, "method": method, "params": params });
        self.socket
            .send(Message::Text(command.to_string().into()))
            .await
            .expect("send to DevTools");
        loop {
            let message = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("{method}: no answer in {WAIT:?}"))
                .unwrap_or_else(|| panic!("{method}: DevTools closed"))
                .expect("a DevTools message");
            let Message::Text(text) = message else {
                continue;
            };
            let value: Value = serde_json::from_str(&text).expect("DevTools sends JSON");
            if value["id"] == id {
                assert!(value.get("error").is_none(), "{method}: {value}");
                return value["result"].clone();
            }
            if value.get("method").is_some() {
                self.events.push(value);
            }
        }
    }

    pub async fn navigate(&mut self, url: &str) {
        let result = self.call("Page.navigate", json!({ "url": url })).await;
        assert!(result.get("errorText").is_none(), "{url}: {result}");
        self.wait_for("document.readyState === 'complete'", url, WAIT)
            .await;
    }

    /// Evaluates `expression` in the page (awaiting a promise) and returns its value.
    pub async fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
            )
            .await;
        assert!(
            result.get("exceptionDetails").is_none(),
            "{expression}: {result}"
        );
        result["result"]["value"].clone()
    }

    /// Polls `expression` until it is truthy; returns its value. `what` names the wait.
    pub async fn wait_for(&mut self, expression: &str, what: &str, limit: Duration) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let value = self.eval(expression).await;
            let truthy = match &value {
                Value::Null | Value::Bool(false) => false,
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                return value;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not within {limit:?}; events: {:#}",
                Value::Array(self.events.clone())
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The events named `method` so far.
    pub fn events_named<'a>(&'a self, method: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.events.iter().filter(move |e| e["method"] == method)
    }
}
