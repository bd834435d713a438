//! `GET /graphql/ws`: GraphQL over websocket, in both the `graphql-transport-ws` protocol
//! (the npm `graphql-ws` client) and the legacy `graphql-ws` protocol
//! (subscriptions-transport-ws). async-graphql runs the protocols; this module
//! authenticates the connection, bounds what it may buffer and keeps it alive.
//!
//! Back-pressure: each outgoing message is written and flushed before the next one is
//! produced, so a client that stops reading stalls only its own connection; its
//! subscriptions then fall behind the bus's bounded buffer and are told how many events
//! they missed. A connection whose writes stay blocked for two keep-alive intervals is
//! closed.

mod executor;
mod handshake;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_graphql::Data;
use async_graphql::http::{WebSocket as GraphqlWebSocket, WebSocketProtocols, WsMessage};
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt, future};
use tokio::time::Instant;

use super::AppState;
use super::shutdown::GOING_AWAY;
use crate::graphql::slots::SubscriptionSlots;
use executor::ConnectionExecutor;
use handshake::{Refusal, close_reason};

/// The protocol the client asked for, in the order it listed them.
fn protocol(headers: &HeaderMap) -> Option<WebSocketProtocols> {
    headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)?
        .to_str()
        .ok()?
        .split(',')
        .find_map(|p| p.trim().parse().ok())
}

pub async fn handler(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(protocol) = protocol(&headers) else {
        return (
            StatusCode::BAD_REQUEST,
            "ask for the `graphql-transport-ws` or the `graphql-ws` subprotocol (Sec-WebSocket-Protocol)",
        )
            .into_response();
    };
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let max = state.limits.body_bytes;
    let shutdown = state.shutdown.clone();
    upgrade
        .protocols([protocol.sec_websocket_protocol()])
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| shutdown.track(serve(socket, state, protocol, request_id)))
}

/// Milliseconds since the connection started, for "when did the client last send anything".
struct LastHeard {
    start: Instant,
    at_ms: AtomicU64,
}

impl LastHeard {
    fn touch(&self) {
        self.at_ms
            .store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    fn silent_for(&self) -> Duration {
        self.start
            .elapsed()
            .saturating_sub(Duration::from_millis(self.at_ms.load(Ordering::Relaxed)))
    }
}

async fn refuse(mut socket: WebSocket, protocol: WebSocketProtocols, refusal: Refusal) {
    if protocol == WebSocketProtocols::SubscriptionsTransportWS {
        // The legacy protocol reports a refused connection as a message before closing.
        let error = serde_json::json!({
            "type": "connection_error",
            "payload": { "message": refusal.reason },
        });
        let _ = socket.send(Message::Text(error.to_string().into())).await;
    }
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: refusal.code,
            reason: close_reason(&refusal.reason).into(),
        })))
        .await;
    drain_until_closed(&mut socket).await;
}

async fn serve(
    mut socket: WebSocket,
    state: AppState,
    protocol: WebSocketProtocols,
    request_id: String,
) {
    let handshake = tokio::select! {
        accepted = handshake::accept(&mut socket, &state, &request_id) => accepted,
        // A stop during the handshake: no need to wait for the client's connection_init.
        () = state.shutdown.begun() => Err(Some(Refusal {
            code: GOING_AWAY.0,
            reason: GOING_AWAY.1.to_owned(),
        })),
    };
    let (viewer, valid_until, first) = match handshake {
        Ok(accepted) => accepted,
        Err(Some(refusal)) => return refuse(socket, protocol, refusal).await,
        Err(None) => return,
    };
    tracing::info!(request.id = %request_id, user.id = %viewer.user_id, "websocket connection accepted");
    let keepalive = state.limits.websocket_keepalive();
    let executor = ConnectionExecutor {
        schema: state.schema.clone(),
        services: state.services.clone(),
        viewer,
        slots: SubscriptionSlots::new(state.limits.subscriptions_per_connection),
        in_flight: Arc::new(tokio::sync::Semaphore::new(
            state.limits.subscriptions_per_connection,
        )),
        in_flight_max: state.limits.subscriptions_per_connection,
        request_timeout: state.limits.request_timeout(),
        request_id: request_id.clone(),
        state: state.clone(),
        depth: state.limits.depth,
        complexity: state.limits.complexity,
        document_limits: state.limits.as_ref().into(),
    };
    let last_heard = Arc::new(LastHeard {
        start: Instant::now(),
        at_ms: AtomicU64::new(0),
    });
    let (mut sink, mut stream) = socket.split();
    let heard = last_heard.clone();
    // The connection_init already read is replayed so the protocol machinery acknowledges it.
    let input = futures::stream::once(future::ready(Ok(first)))
        .chain((&mut stream).inspect(move |_| heard.touch()))
        .take_while(|res| future::ready(res.is_ok()))
        .filter_map(|msg| {
            future::ready(match msg {
                Ok(m @ (Message::Text(_) | Message::Binary(_))) => Some(m.into_data()),
                _ => None,
            })
        });
    let mut messages = GraphqlWebSocket::new(executor, input, protocol)
        .on_connection_init(|_| future::ready(Ok(Data::default())))
        .map(|msg| match msg {
            WsMessage::Text(text) => Message::Text(text.into()),
            WsMessage::Close(code, reason) => Message::Close(Some(CloseFrame {
                code,
                reason: close_reason(&reason).into(),
            })),
        });
    // The caller is who the token said, for as long as the token says: no longer.
    let expires = Instant::now()
        + valid_until
            .duration_since(std::time::SystemTime::now())
            .unwrap_or_default();
    let expiry = tokio::time::sleep_until(expires);
    tokio::pin!(expiry);
    let mut ping = tokio::time::interval_at(Instant::now() + keepalive, keepalive);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let write_limit = keepalive * 2;
    let mut closed_by_us = false;
    let stopping = state.shutdown.begun();
    tokio::pin!(stopping);
    loop {
        let outgoing = tokio::select! {
            message = messages.next() => match message {
                Some(message) => message,
                None => break,
            },
            () = &mut stopping => {
                let (code, reason) = GOING_AWAY;
                Message::Close(Some(CloseFrame { code, reason: reason.into() }))
            }
            _ = &mut expiry => {
                tracing::info!(request.id = %request_id, "closing a websocket connection whose token expired");
                Message::Close(Some(CloseFrame { code: 4401, reason: "the token has expired; reconnect with a fresh one".into() }))
            }
            _ = ping.tick() => {
                if last_heard.silent_for() > write_limit {
                    tracing::info!(request.id = %request_id, "closing a websocket connection that missed its keep-alive");
                    Message::Close(Some(CloseFrame { code: 3008, reason: "keep-alive timeout".into() }))
                } else {
                    Message::Ping(Default::default())
                }
            }
        };
        let closing = matches!(outgoing, Message::Close(_));
        match tokio::time::timeout(write_limit, sink.send(outgoing)).await {
            Ok(Ok(())) if !closing => {}
            Ok(Ok(())) => {
                closed_by_us = true;
                break;
            }
            Ok(Err(_)) => break,
            Err(_) => {
                tracing::info!(request.id = %request_id, "closing a websocket connection that stopped reading");
                break;
            }
        }
    }
    drop(messages);
    if closed_by_us {
        drain_until_closed(&mut stream).await;
    }
    tracing::info!(request.id = %request_id, "websocket connection closed");
}

/// After our close frame, reads (and discards) until the client's close or a short wait:
/// dropping a socket with unread data resets it, and a reset can destroy the close frame
/// (and its code) before the client reads it.
async fn drain_until_closed(
    stream: &mut (impl futures::Stream<Item = Result<Message, axum::Error>> + Unpin),
) {
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Some(Ok(message)) = stream.next().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
}
