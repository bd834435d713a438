//! `hindsight serve`: the server, until SIGINT or SIGTERM. A stop closes the listener,
//! finishes the requests in flight within the grace period (`limits.request_timeout`), closes
//! websockets with 1001 "going away", commits pending changes to the index and exits 0.

use std::time::Duration;

use crate::app;
use crate::config::Settings;
use crate::http::serve::{self, ConnectionLimits};

pub async fn run(settings: Settings) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| format!("listen: cannot bind {}: {e}", settings.listen))?;
    if let Some(files) = serve::raise_file_limit() {
        let wanted = settings.limits.connections as u64 + 256;
        if files < wanted {
            tracing::warn!(
                open_files = files,
                limits.connections = settings.limits.connections,
                "the open-file limit is below limits.connections plus room for the database and index; connections may fail with \"Too many open files\" before the cap answers 503"
            );
        }
    }
    let metrics_listener = match settings.metrics.listen.filter(|_| settings.metrics.enabled) {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("metrics.listen: cannot bind {addr}: {e}"))?,
        ),
        None => None,
    };
    let app = app::build(&settings).await.map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let metrics_server = match (metrics_listener, app.metrics_router.clone()) {
        (Some(listener), Some(router)) => {
            let at = listener.local_addr().map_err(|e| e.to_string())?;
            tracing::info!("Prometheus metrics at http://{at}/metrics");
            Some(tokio::spawn(serve::serve(
                listener,
                router,
                metrics_limits(&settings),
                std::future::pending(),
            )))
        }
        _ => {
            if settings.metrics.enabled {
                tracing::info!("Prometheus metrics at http://{addr}/metrics");
            }
            None
        }
    };
    tracing::info!(
        "hindsight is ready: GraphiQL at http://{addr}/graphql; get a token with `hindsight token --sub you --name \"Your Name\" --role admin` and send it as `Authorization: Bearer <token>`"
    );
    let limits = ConnectionLimits::from(&settings.limits);
    let shutdown = app.shutdown.clone();
    let signal = async move {
        shutdown_signal().await;
        // Websockets hear it at the moment the listener closes, not after the requests.
        shutdown.begin();
    };
    serve::serve(listener, app.router, limits, signal).await;
    // Each websocket has sent its Close 1001 by now or is sending it; the client's answer
    // (or a short wait for it) ends the connection.
    if !app.shutdown.websockets_closed(WEBSOCKET_GRACE).await {
        tracing::warn!("websocket connections still open after the close frame were cut off");
    }
    if let Some(metrics_server) = metrics_server {
        metrics_server.abort();
    }
    // What the requests just finished wrote is committed to the index before the exit.
    app.index_stop.cancel();
    let mut index_worker = app.index_worker;
    if tokio::time::timeout(limits.shutdown_grace, &mut index_worker)
        .await
        .is_err()
    {
        tracing::warn!(
            "the index worker did not flush within the grace period; the next start catches up"
        );
        index_worker.abort();
    }
    // Deliveries in flight lose their lease and are sent again after the next start.
    app.webhook_worker.abort();
    // A check cut short is repeated by the next start: the claims are in the database.
    app.sla_worker.abort();
    // A firing cut short stays claimed (RUNNING) and is not repeated; see automationRuns.
    app.automation_worker.abort();
    if let Some(fanout) = &app.fanout {
        fanout.abort();
    }
    app.services.db.close().await.map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(())
}

/// How long the stop waits for websocket clients to answer the close frame: a little longer
/// than each connection waits for that answer itself.
const WEBSOCKET_GRACE: Duration = Duration::from_secs(3);

/// The metrics listener serves a scraper or two: a small connection cap is plenty, and keeps
/// it from taking descriptors the main listener needs.
fn metrics_limits(settings: &Settings) -> ConnectionLimits {
    ConnectionLimits {
        max_connections: 64,
        ..ConnectionLimits::from(&settings.limits)
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
