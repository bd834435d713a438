//! The intake endpoints: `POST /alerts/{alertmanager,grafana,generic,events/v2}`, each also
//! with the key as a last path segment. The key comes from the path, else
//! `Authorization: Bearer`, else (Events v2) the body's `routing_key`. This module reads the
//! body and the key, calls the intake use cases (`service::alerts`), and writes the answer;
//! a sender is answered 2xx only after its alerts are committed.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures::StreamExt;
use serde_json::{Value, json};

use super::{Parsed, events_v2, parse};
use crate::domain::alert::{AlertError, AlertFormat, Grouping, MAX_ALERTS};
use crate::http::AppState;
use crate::service::ServiceError;
use crate::service::alerts::{Refusal, Taken};

/// The largest body an endpoint reads (Alertmanager sends at most a few hundred KiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// How much of an oversized body is read (and dropped) before it is refused.
const DRAIN_BYTES: usize = 8 * MAX_BODY_BYTES;

pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for format in AlertFormat::ALL {
        let path = crate::domain::integration::endpoint(format);
        router = router
            .route(
                path,
                post(move |state, headers, body| take(format, state, None, headers, body)),
            )
            .route(
                &format!("{path}/{{key}}"),
                post(move |state, Path(key): Path<String>, headers, body| {
                    take(format, state, Some(key), headers, body)
                }),
            );
    }
    router
}

async fn take(
    format: AlertFormat,
    State(state): State<AppState>,
    path_key: Option<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    // A body dripped in slowly must not hold the connection past the request time limit.
    let read = tokio::time::timeout(state.limits.request_timeout(), read_body(body));
    let body = match read.await {
        Ok(Ok(body)) => body,
        Ok(Err(status)) => {
            let msg = match status {
                StatusCode::PAYLOAD_TOO_LARGE => {
                    format!("larger than the limit of {MAX_BODY_BYTES} bytes")
                }
                _ => "could not be read".to_owned(),
            };
            return refused(format, status, &AlertError::new("body", msg));
        }
        Err(_) => {
            let e = AlertError::new("body", "did not arrive within the request time limit");
            return refused(format, StatusCode::REQUEST_TIMEOUT, &e);
        }
    };
    if let Err(e) = std::str::from_utf8(&body) {
        let msg = format!("not valid UTF-8 (at byte {})", e.valid_up_to());
        return refused(
            format,
            StatusCode::BAD_REQUEST,
            &AlertError::new("body", msg),
        );
    }
    let header_key = path_key.or_else(|| bearer(&headers));
    // Events v2 may carry its key in the body only: read the body first to find it.
    let early: Option<Parsed> = match (&header_key, format) {
        (None, AlertFormat::EventsV2) => match parse(format, &body, Grouping::default()) {
            Ok(parsed) => Some(parsed),
            Err(e) => return refused(format, StatusCode::BAD_REQUEST, &e),
        },
        _ => None,
    };
    let key = header_key.or_else(|| {
        early
            .as_ref()
            .and_then(|p| p.routing_key.as_ref())
            .map(|k| k.expose().to_owned())
    });
    let services = &state.services;
    let integration = match services
        .authenticate_integration(key.as_deref(), format)
        .await
    {
        Ok(Ok(integration)) => integration,
        Ok(Err(refusal)) => return refusal_answer(format, &refusal),
        Err(e) => return failed(format, &request_id, e),
    };
    let parsed = match early {
        Some(parsed) => parsed,
        None => match parse(format, &body, integration.draft.grouping) {
            Ok(parsed) => parsed,
            Err(e) => return refused(format, StatusCode::BAD_REQUEST, &e),
        },
    };
    debug_assert!(parsed.alerts.len() <= MAX_ALERTS);
    if let Err(refusal) = services.admit_alerts(&integration, parsed.alerts.len()) {
        return refusal_answer(format, &refusal);
    }
    match services.take_alerts(&integration, &parsed.alerts).await {
        Ok(taken) => accepted(format, &taken),
        Err(e) => failed(format, &request_id, e),
    }
}

/// The body, up to `MAX_BODY_BYTES`. Past the limit the rest is read and dropped (up to
/// `DRAIN_BYTES`) before the 413, so a sender still writing gets the answer rather than a
/// reset connection; memory stays bounded by the limit.
async fn read_body(body: Body) -> Result<Bytes, StatusCode> {
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| StatusCode::BAD_REQUEST)?;
        total += chunk.len();
        if total > DRAIN_BYTES {
            break;
        }
        if total <= MAX_BODY_BYTES {
            kept.extend_from_slice(&chunk);
        }
    }
    if total > MAX_BODY_BYTES {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    Ok(Bytes::from(kept))
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn accepted(format: AlertFormat, taken: &[Taken]) -> Response {
    if format == AlertFormat::EventsV2 {
        let key = taken.first().map_or("", |t| t.dedup_key.as_str());
        return (
            events_v2::ACCEPTED,
            axum::Json(events_v2::success_reply(key)),
        )
            .into_response();
    }
    let alerts: Vec<Value> = taken
        .iter()
        .map(|t| {
            json!({
                "dedupKey": t.dedup_key,
                "incident": t.incident.map(|n| n.to_string()),
                "outcome": t.outcome,
            })
        })
        .collect();
    let body = json!({"status": "success", "message": format!("{} alerts processed", taken.len()), "alerts": alerts});
    (StatusCode::ACCEPTED, axum::Json(body)).into_response()
}

/// A 4xx naming the problem; Events v2 in PagerDuty's error shape.
fn refused(format: AlertFormat, status: StatusCode, e: &AlertError) -> Response {
    let body = if format == AlertFormat::EventsV2 {
        events_v2::error_reply(e)
    } else {
        json!({"status": "invalid", "message": e.to_string(), "errors": [e.to_string()]})
    };
    (status, axum::Json(body)).into_response()
}

fn refusal_answer(format: AlertFormat, refusal: &Refusal) -> Response {
    let (status, field) = match refusal {
        Refusal::UnknownKey => (StatusCode::UNAUTHORIZED, "key"),
        Refusal::Disabled(_) => (StatusCode::FORBIDDEN, "key"),
        Refusal::WrongFormat { .. } => (StatusCode::BAD_REQUEST, "format"),
        Refusal::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate"),
    };
    let error = AlertError::new(field, refusal);
    let mut response = match refusal {
        // PagerDuty's own answer to a sender over its rate, which its clients recognise.
        Refusal::Throttled { .. } if format == AlertFormat::EventsV2 => (
            status,
            axum::Json(json!({
                "status": "throttle event",
                "message": "Requests for this service are arriving too quickly. Please retry later.",
                "errors": [error.to_string()],
            })),
        )
            .into_response(),
        _ => refused(format, status, &error),
    };
    if let Refusal::Throttled { retry_after, .. } = refusal {
        let seconds = crate::service::alert_throttle::whole_seconds(*retry_after);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"hindsight alerts\""),
        );
    }
    response
}

/// The use case failed: an internal error is logged once, here, and masked; a conflict with
/// a concurrent change is worth a retry, which senders do on 503.
fn failed(format: AlertFormat, request_id: &str, e: ServiceError) -> Response {
    let (status, message) = match e {
        ServiceError::Internal(internal) => {
            tracing::error!(request.id = request_id, error = %internal, "internal error while taking alerts");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                crate::graphql::error::INTERNAL_MESSAGE.to_owned(),
            )
        }
        ServiceError::Conflict(m) => (StatusCode::SERVICE_UNAVAILABLE, m),
        ServiceError::BadInput(m) => (StatusCode::BAD_REQUEST, m),
        ServiceError::NotFound(m) | ServiceError::Forbidden(m) => (StatusCode::FORBIDDEN, m),
    };
    let mut response = refused(format, status, &AlertError::new("body", message));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

/// A request path as logs may show it: an intake endpoint's key segment is replaced.
pub fn redacted_path(path: &str) -> std::borrow::Cow<'_, str> {
    let Some(rest) = path.strip_prefix("/alerts/") else {
        return path.into();
    };
    for format in AlertFormat::ALL {
        let endpoint = crate::domain::integration::endpoint(format);
        if path == endpoint {
            return path.into();
        }
        if path.starts_with(endpoint) && path[endpoint.len()..].starts_with('/') {
            return format!("{endpoint}/[redacted]").into();
        }
    }
    // Not an endpoint at all; a mistyped one may still carry a key.
    if rest.is_empty() {
        path.into()
    } else {
        "/alerts/[redacted]".into()
    }
}

#[cfg(test)]
mod tests {
    use super::redacted_path;

    #[test]
    fn keys_in_paths_never_reach_a_log() {
        for (path, shown) in [
            ("/alerts/alertmanager", "/alerts/alertmanager"),
            (
                "/alerts/alertmanager/hsk_secret",
                "/alerts/alertmanager/[redacted]",
            ),
            (
                "/alerts/events/v2/hsk_secret",
                "/alerts/events/v2/[redacted]",
            ),
            (
                "/alerts/grafana/hsk_secret/extra",
                "/alerts/grafana/[redacted]",
            ),
            ("/alerts/grafanax/hsk_secret", "/alerts/[redacted]"),
            ("/alerts/hsk_secret", "/alerts/[redacted]"),
            ("/graphql", "/graphql"),
        ] {
            assert_eq!(redacted_path(path), shown, "{path}");
        }
    }
}
