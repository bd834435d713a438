//! `GET /metrics` for Prometheus, and the request counting behind it.
//!
//! Served without a token: it shows only aggregate numbers, never a title, an id or a name,
//! and Prometheus scrapes without credentials. `metrics.listen` moves it to an address of its
//! own (an internal interface) when the main listener faces the open network.
//!
//! Every label has a bounded set of values, so a client cannot grow the series without end:
//! the route is the matched template (`/graphql`, never a raw path), the method one of a
//! handful, the GraphQL operation name at most `labels::MAX_OPERATION_NAMES` distinct ones.

mod labels;

use ::metrics::{counter, describe_counter, describe_gauge, gauge, histogram};
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::time::Instant;

use super::AppState;
use crate::domain::lifecycle::Status;
use crate::domain::sla::policy::ClockKind;
use crate::service::operations::{self, Gauges, Snapshot};
use crate::telemetry::metrics::{
    GRAPHQL_OPERATIONS, HTTP_DURATION, HTTP_REQUESTS, handle, render_local, upkeep_now_and_then,
};

/// The Prometheus text exposition format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The metrics of one server: on when present in `AppState`.
pub struct Metrics {
    gauges: Gauges,
    /// `/metrics` is served on `metrics.listen`, not on the main listener.
    pub own_listener: bool,
}

impl Metrics {
    /// Installs the process's recorder if this is the first server with metrics on.
    pub fn new(own_listener: bool) -> Self {
        handle();
        Self {
            gauges: Gauges::default(),
            own_listener,
        }
    }
}

/// The router for `metrics.listen`: `/metrics` and nothing else.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(state)
}

/// `GET /metrics`: the process's counters and histograms, then this server's gauges.
pub async fn scrape(State(state): State<AppState>) -> Response {
    let Some(metrics) = &state.metrics else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let snapshot = metrics.gauges.read(&state.services).await;
    let subscriptions = operations::subscriptions(&state.services);
    let mut body = handle().render();
    body.push_str(&render_local(|| {
        server_gauges(snapshot.as_deref(), subscriptions)
    }));
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(TEXT_FORMAT))],
        body,
    )
        .into_response()
}

/// Writes this server's numbers. Every label combination is written, zeros included, so a
/// series that drops to zero reads 0 instead of vanishing.
fn server_gauges(snapshot: Option<&Snapshot>, subscriptions: usize) {
    describe_gauge!(
        "hindsight_database_up",
        "1 when this scrape read the numbers below from the database, 0 when it could not (they are then left out)."
    );
    describe_gauge!(
        "hindsight_subscriptions",
        "Live GraphQL subscriptions on this node."
    );
    gauge!("hindsight_subscriptions").set(subscriptions as f64);
    gauge!("hindsight_database_up").set(if snapshot.is_some() { 1.0 } else { 0.0 });
    let Some(snapshot) = snapshot else { return };

    describe_gauge!(
        "hindsight_incidents_open",
        "Open incidents (not resolved, closed or cancelled), by priority (\"none\" before triage) and status."
    );
    for priority in labels::PRIORITIES {
        for status in Status::ALL.into_iter().filter(|s| s.is_open()) {
            let count: u64 = snapshot
                .open_incidents
                .iter()
                .filter(|o| o.status == status && labels::priority(o.priority) == priority)
                .map(|o| o.count)
                .sum();
            gauge!("hindsight_incidents_open", "priority" => priority, "status" => status.as_str())
                .set(count as f64);
        }
    }

    describe_counter!(
        "hindsight_sla_breaches_total",
        "SLA breaches recorded so far (by every node), by clock (RESPONSE, RESOLUTION) and priority."
    );
    for priority in labels::PRIORITIES {
        for clock in ClockKind::ALL {
            let count: u64 = snapshot
                .breaches
                .iter()
                .filter(|b| b.clock == clock && labels::priority(b.priority) == priority)
                .map(|b| b.count)
                .sum();
            counter!("hindsight_sla_breaches_total", "clock" => clock.as_str(), "priority" => priority)
                .absolute(count);
        }
    }

    describe_gauge!(
        "hindsight_webhook_deliveries",
        "Webhook deliveries waiting to be sent (pending, retries included) and given up (failed)."
    );
    gauge!("hindsight_webhook_deliveries", "state" => "pending")
        .set(snapshot.deliveries.pending as f64);
    gauge!("hindsight_webhook_deliveries", "state" => "failed")
        .set(snapshot.deliveries.failed as f64);

    describe_gauge!(
        "hindsight_index_lag",
        "Change-log entries this node's knowledge-base index has not applied yet (head minus last applied)."
    );
    gauge!("hindsight_index_lag").set(snapshot.index_lag as f64);
}

/// The route template a request matched, handed from inside the router (where it is known)
/// to `count`, outside it.
#[derive(Clone)]
struct Route(MatchedPath);

/// Inside the router: marks the response with the route that answered.
pub async fn mark_route(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let mut res = next.run(req).await;
    if let Some(route) = route {
        res.extensions_mut().insert(Route(route));
    }
    res
}

/// Outside everything: counts and times every request the router answers.
pub async fn count(req: Request, next: Next) -> Response {
    let method = labels::method(req.method());
    let started = Instant::now();
    let res = next.run(req).await;
    let elapsed = started.elapsed().as_secs_f64();
    let route = match res.extensions().get::<Route>() {
        Some(Route(path)) => labels::route(path.as_str()),
        None => labels::UNMATCHED.to_owned(),
    };
    counter!(HTTP_REQUESTS, "route" => route.clone(), "method" => method, "status" => res.status().as_str().to_owned())
        .increment(1);
    histogram!(HTTP_DURATION, "route" => route, "method" => method).record(elapsed);
    upkeep_now_and_then();
    res
}

/// Counts a GraphQL operation over HTTP. `code` is its first error's `extensions.code`,
/// `None` when it succeeded; `identified`: the caller presented a valid token (only they may
/// add a new operation name to the bounded set).
pub fn graphql_operation(
    state: &AppState,
    name: Option<&str>,
    identified: bool,
    code: Option<&str>,
) {
    if state.metrics.is_none() {
        return;
    }
    let (outcome, code) = match code {
        None => ("ok", "none"),
        Some(code) => ("error", labels::error_code(code)),
    };
    counter!(
        GRAPHQL_OPERATIONS,
        "operation" => labels::operation(name, identified),
        "outcome" => outcome,
        "code" => code,
    )
    .increment(1);
}

/// `extensions.code` of a GraphQL error; an error without one is the client's input (as the
/// response says, `response::from_graphql`).
pub fn code_of(error: &async_graphql::ServerError) -> &str {
    error
        .extensions
        .as_ref()
        .and_then(|e| e.get("code"))
        .and_then(|v| match v {
            async_graphql::Value::String(s) => Some(s.as_str()),
            _ => None,
        })
        .unwrap_or(crate::graphql::error::code::BAD_USER_INPUT)
}
