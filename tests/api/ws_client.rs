//! A GraphQL-over-websocket test client speaking either protocol on a real socket, with
//! bounded waits everywhere.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::support::TestApp;

pub const TRANSPORT_WS: &str = "graphql-transport-ws";
pub const LEGACY_WS: &str = "graphql-ws";
pub const PROTOCOLS: [&str; 2] = [TRANSPORT_WS, LEGACY_WS];

/// How long any single expected message may take.
pub const WAIT: Duration = Duration::from_secs(10);

pub struct WsClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub protocol: &'static str,
}

/// What the server sent, as far as the tests care.
#[derive(Debug)]
pub enum Received {
    Json(Value),
    Closed(Option<u16>),
}

fn request(
    app: &TestApp,
    protocol: &str,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    request_to(&app.url, protocol)
}

/// The upgrade request for the server at `base` (`http://host:port`).
fn request_to(
    base: &str,
    protocol: &str,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let url = format!("{}/graphql/ws", base.replacen("http", "ws", 1));
    let mut req = url.into_client_request().expect("request");
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", protocol.parse().expect("header"));
    req
}

impl WsClient {
    pub async fn connect(app: &TestApp, protocol: &'static str) -> Self {
        let (socket, _) = tokio_tungstenite::connect_async(request(app, protocol))
            .await
            .expect("websocket upgrade");
        Self { socket, protocol }
    }

    /// A connection the server at `base` (`http://host:port`, e.g. a `hindsight serve`
    /// child process) acknowledged for `token`.
    pub async fn open_at(base: &str, protocol: &'static str, token: &str) -> Self {
        let (socket, _) = tokio_tungstenite::connect_async(request_to(base, protocol))
            .await
            .expect("websocket upgrade");
        let mut client = Self { socket, protocol };
        client.init(token).await;
        client
    }

    /// A client whose socket has a tiny receive buffer, so that not reading quickly backs
    /// up into the server.
    pub async fn connect_small_buffer(app: &TestApp, protocol: &'static str) -> Self {
        let addr: std::net::SocketAddr =
            app.url.trim_start_matches("http://").parse().expect("addr");
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("rcvbuf");
        let tcp = socket.connect(addr).await.expect("connect");
        let (socket, _) =
            tokio_tungstenite::client_async(request(app, protocol), MaybeTlsStream::Plain(tcp))
                .await
                .expect("websocket upgrade");
        Self { socket, protocol }
    }

    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("send");
    }

    /// The next protocol message or the close, skipping websocket pings and pongs.
    pub async fn receive(&mut self) -> Received {
        loop {
            let next = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .expect("a message from the server in time");
            match next {
                None | Some(Err(_)) => return Received::Closed(None),
                Some(Ok(Message::Text(text))) => {
                    return Received::Json(serde_json::from_str(&text).expect("JSON"));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Received::Closed(frame.map(|f| u16::from(f.code)));
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    pub async fn json(&mut self) -> Value {
        match self.receive().await {
            Received::Json(v) => v,
            Received::Closed(code) => panic!("the server closed the connection ({code:?})"),
        }
    }

    /// Sends `connection_init` with `payload` and returns the server's first answer.
    pub async fn init_with(&mut self, payload: Value) -> Received {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        self.receive().await
    }

    /// A connection the server acknowledged for `token`.
    pub async fn open(app: &TestApp, protocol: &'static str, token: &str) -> Self {
        let mut client = Self::connect(app, protocol).await;
        client.init(token).await;
        client
    }

    pub async fn init(&mut self, token: &str) {
        let answer = self
            .init_with(json!({ "Authorization": format!("Bearer {token}") }))
            .await;
        match answer {
            Received::Json(v) => assert_eq!(v["type"], "connection_ack", "{v}"),
            other => panic!("expected connection_ack, got {other:?}"),
        }
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let kind = if self.protocol == TRANSPORT_WS {
            "subscribe"
        } else {
            "start"
        };
        self.send(json!({ "type": kind, "id": id, "payload": { "query": query, "variables": variables } }))
            .await;
    }

    pub async fn complete(&mut self, id: &str) {
        let kind = if self.protocol == TRANSPORT_WS {
            "complete"
        } else {
            "stop"
        };
        self.send(json!({ "type": kind, "id": id })).await;
    }

    /// The next result payload (`next` or `data`), with its subscription id.
    pub async fn next_payload(&mut self) -> (String, Value) {
        loop {
            let message = self.json().await;
            match message["type"].as_str() {
                Some("next" | "data") => {
                    return (
                        message["id"].as_str().expect("id").to_owned(),
                        message["payload"].clone(),
                    );
                }
                Some("ka" | "ping" | "pong") => continue,
                _ => panic!("expected a result, got {message}"),
            }
        }
    }

    /// The next result payload, which must be for `id`.
    pub async fn next_for(&mut self, id: &str) -> Value {
        let (got, payload) = self.next_payload().await;
        assert_eq!(got, id, "{payload}");
        payload
    }

    /// The close code the server ends the connection with (after any message).
    pub async fn close_code(&mut self) -> Option<u16> {
        loop {
            if let Received::Closed(code) = self.receive().await {
                return code;
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self
            .socket
            .close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: CloseCode::Normal,
                reason: "done".into(),
            }))
            .await;
    }
}
