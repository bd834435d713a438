//! `hindsight serve`: the server, until SIGINT or SIGTERM.

use crate::app;
use crate::config::Settings;

pub async fn run(settings: Settings) -> Result<(), String> {
    let app = app::build(&settings).await.map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| format!("listen: cannot bind {}: {e}", settings.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(
        "hindsight is ready: GraphiQL at http://{addr}/graphql; get a token with `hindsight token --sub you --name \"Your Name\" --role admin` and send it as `Authorization: Bearer <token>`"
    );
    axum::serve(listener, app.router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    app.index_worker.abort();
    // Deliveries in flight lose their lease and are sent again after the next start.
    app.webhook_worker.abort();
    if let Some(fanout) = &app.fanout {
        fanout.abort();
    }
    app.services.db.close().await.map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(())
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
