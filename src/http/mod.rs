//! HTTP transport: the axum router, GraphQL over HTTP, health checks, `/metrics`, and the
//! layers that give every request an id, a span, a CORS policy and its count.

pub mod alerts;
pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod home;
pub mod identity;
pub mod metrics;
pub mod negotiate;
pub mod response;
pub mod reviews;
pub mod serve;
pub mod shutdown;
pub mod status;
pub mod ws;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, Method, Request, Response, header};
use axum::middleware;
use axum::routing::get;
use tower_http::cors::{Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::auth::TokenVerifier;
use crate::config::Limits;
use crate::graphql::AppSchema;
use crate::service::Services;

#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub services: Services,
    pub verifier: Arc<TokenVerifier>,
    pub limits: Arc<Limits>,
    pub graphiql: bool,
    /// The public status page's cached render.
    pub status_page: Arc<status::StatusCache>,
    /// Present when `metrics.enabled`: requests are counted and `/metrics` served.
    pub metrics: Option<Arc<metrics::Metrics>>,
    /// The server's stop, which websocket connections answer with Close 1001.
    pub shutdown: shutdown::Shutdown,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: AppState) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .expose_headers([REQUEST_ID]);
    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &Request<_>| {
            // An intake endpoint may carry its integration key in the path: never log it.
            let path = alerts::routes::redacted_path(req.uri().path());
            let request_id = req
                .headers()
                .get(&REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            // Probes arrive every few seconds from every orchestrator: DEBUG, not INFO, so
            // they do not drown the requests people make.
            if is_probe(req.uri().path()) {
                return tracing::debug_span!(
                    "request",
                    http.method = %req.method(),
                    http.path = %path,
                    request.id = %request_id,
                );
            }
            tracing::info_span!(
                "request",
                http.method = %req.method(),
                http.path = %path,
                request.id = %request_id,
                graphql.operation = tracing::field::Empty,
            )
        })
        .on_request(())
        .on_response(|res: &Response<_>, latency: Duration, span: &Span| {
            let status = res.status().as_u16();
            let latency_ms = latency.as_secs_f64() * 1000.0;
            // A probe's span is DEBUG, or disabled when DEBUG is filtered out.
            if span.is_disabled()
                || span
                    .metadata()
                    .is_some_and(|m| *m.level() == tracing::Level::DEBUG)
            {
                tracing::debug!(http.status = status, latency_ms, "request finished");
            } else {
                tracing::info!(http.status = status, latency_ms, "request finished");
            }
        })
        .on_failure(());
    let counted = state.metrics.is_some();
    let mut routes = Router::new()
        .route("/", get(home::page))
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/graphql/ws", get(ws::handler))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/status", get(status::page))
        .route("/status.json", get(status::page_json))
        .route("/reviews/{file}", get(reviews::markdown))
        .merge(alerts::routes::routes());
    if state.graphiql {
        let assets = format!("{}{{name}}", graphiql::assets::PREFIX);
        routes = routes.route(&assets, get(graphiql::assets::serve));
    }
    if state.metrics.as_ref().is_some_and(|m| !m.own_listener) {
        routes = routes.route("/metrics", get(metrics::scrape));
    }
    if counted {
        routes = routes.route_layer(middleware::from_fn(metrics::mark_route));
    }
    let router = routes
        .with_state(state)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(trace)
        .layer(cors)
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid));
    // Outermost, so the count includes what the layers answer themselves (CORS preflights).
    if counted {
        router.layer(middleware::from_fn(metrics::count))
    } else {
        router
    }
}

/// Health and readiness probes.
fn is_probe(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz")
}
