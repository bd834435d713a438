//! The start of a GraphQL websocket connection: the first message must be
//! `connection_init` carrying `{"Authorization": "Bearer <token>"}` (the key in any case).
//! A missing or bad token closes the connection with 4401, a token whose roles may not
//! read incidents with 4403, before anything else is sent.

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use serde_json::Value;

use crate::auth::{Operation, Viewer, authorize};
use crate::http::AppState;
use crate::http::identity::{Identified, Unidentified, identify};

/// How long a client has to send `connection_init` after the upgrade.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the handshake failed: the close code and reason to send, if the socket is still open.
pub struct Refusal {
    pub code: u16,
    pub reason: String,
}

fn refuse(code: u16, reason: impl Into<String>) -> Option<Refusal> {
    Some(Refusal {
        code,
        reason: reason.into(),
    })
}

/// Waits for `connection_init` and verifies its token. Returns the caller, until when the
/// token is valid, and the message itself (the protocol machinery still has to acknowledge it), or why not (`None`: the
/// client went away).
pub async fn accept(
    socket: &mut WebSocket,
    state: &AppState,
    request_id: &str,
) -> Result<(Viewer, std::time::SystemTime, Message), Option<Refusal>> {
    let deadline = tokio::time::Instant::now() + INIT_TIMEOUT;
    let first = loop {
        match tokio::time::timeout_at(deadline, socket.recv()).await {
            Err(_) => return Err(refuse(4408, "connection initialisation timeout")),
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return Err(None),
            Ok(Some(Ok(m @ (Message::Text(_) | Message::Binary(_))))) => break m,
            Ok(Some(Ok(_ping_or_pong))) => continue,
        }
    };
    let message: Value = match serde_json::from_slice(first.clone().into_data().as_ref()) {
        Ok(v) => v,
        Err(_) => return Err(refuse(4400, "the message is not valid JSON")),
    };
    if message.get("type").and_then(Value::as_str) != Some("connection_init") {
        return Err(refuse(4401, "send connection_init with your token first"));
    }
    let header = message
        .get("payload")
        .and_then(Value::as_object)
        .and_then(|payload| {
            payload
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case("authorization"))
        })
        .and_then(|(_, value)| value.as_str());
    let Identified {
        viewer,
        valid_until,
    } = match identify(state, header, request_id).await {
        Ok(identified) => identified,
        Err(Unidentified::Unauthenticated(e)) => return Err(refuse(4401, e.to_string())),
        Err(Unidentified::Internal) => return Err(refuse(1011, "internal error")),
    };
    if authorize(&viewer, Operation::ReadIncidents, None).is_err() {
        return Err(refuse(4403, "your roles do not allow reading incidents"));
    }
    Ok((viewer, valid_until, first))
}

/// A close reason must fit in 123 bytes.
pub fn close_reason(reason: &str) -> String {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_owned()
}
