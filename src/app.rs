//! Assembling a running server from settings: data folder, signing keys, database, schema,
//! router. Used by `hindsight serve` and by the integration tests.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio_util::sync::CancellationToken;

use crate::auth::TokenIssuer;
use crate::auth::keys::{KeyError, keys};
use crate::config::Settings;
use crate::domain::cadence::Cadence;
use crate::domain::webhook::AddressRules;
use crate::graphql::{self, AppSchema};
use crate::http::shutdown::Shutdown;
use crate::http::{self, AppState};
use crate::service::alert_throttle::AlertThrottle;
use crate::service::bus::Bus;
use crate::service::integrations::AlertTimes;
use crate::service::knowledge::Knowledge;
use crate::service::{Services, automation, fanout, index_worker, sla_worker, webhook_worker};
use crate::store::{Backend, Db, sqlite_files};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Config(String),
    #[error("data folder {path}: {source}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error("knowledge base: {0}")]
    Index(#[from] crate::service::ServiceError),
}

pub struct App {
    pub router: Router,
    /// `/metrics` alone, for `metrics.listen`; `None` when it is served by `router` (or off).
    pub metrics_router: Option<Router>,
    pub services: Services,
    /// Applies the change log to this node's index until `index_stop` is cancelled; then it
    /// applies what is pending, commits and ends.
    pub index_worker: tokio::task::JoinHandle<()>,
    pub index_stop: CancellationToken,
    /// The stop as websocket connections see it (Close 1001).
    pub shutdown: Shutdown,
    /// Delivers webhooks from the outbox until aborted.
    pub webhook_worker: tokio::task::JoinHandle<()>,
    /// Records SLA warnings and breaches as they fall due, until aborted.
    pub sla_worker: tokio::task::JoinHandle<()>,
    pub automation_worker: tokio::task::JoinHandle<()>,
    /// On PostgreSQL: publishes other nodes' changes on this node's bus until aborted.
    pub fanout: Option<tokio::task::JoinHandle<()>>,
    pub schema: AppSchema,
    /// Present when HS256 is enabled: signs development tokens.
    pub issuer: Option<TokenIssuer>,
}

/// Connects, migrates and assembles the router.
pub async fn build(settings: &Settings) -> Result<App, StartError> {
    prepare_data_dir(settings)?;
    let keys = keys(settings)?;
    if let Some(remote) = keys.verifier.remote_keys() {
        // Bounded by the fetch timeout; a provider that is down is retried in the background.
        remote.start().await;
    }
    let db = Db::connect(&settings.database_url()).await?;
    db.migrate().await?;
    db.limit_read_time(settings.limits.request_timeout());
    let (base, needs_rebuild) = index_worker::open(&settings.index_dir())?;
    let networks = settings
        .allowed_networks()
        .map_err(|e| StartError::Config(e.to_string()))?;
    let intervals = settings
        .communications
        .update_interval
        .parse()
        .map_err(|e| StartError::Config(e.to_string()))?;
    let (reopen_window, key_grace) = settings
        .alerts
        .parse()
        .map_err(|e| StartError::Config(e.to_string()))?;
    let alert_times = AlertTimes {
        reopen_window: chrono::Duration::from_std(reopen_window)
            .map_err(|e| StartError::Config(format!("alerts.reopen_window: {e}")))?,
        key_grace: chrono::Duration::from_std(key_grace)
            .map_err(|e| StartError::Config(format!("alerts.key_grace: {e}")))?,
    };
    let review_policy = settings
        .reviews
        .policy()
        .map_err(|e| StartError::Config(e.to_string()))?;
    let mut services = Services::new(db, Knowledge::new(Arc::new(base)))
        .with_cadence(Cadence::new(intervals))
        .with_review_policy(review_policy)
        .with_alert_times(alert_times)
        .with_alert_throttle(AlertThrottle::new(
            settings.alerts.rate_per_second,
            settings.alerts.burst,
        ))
        .with_webhook_rules(AddressRules::new(networks));
    services.bus = Bus::new(settings.limits.subscription_buffer_events);
    if needs_rebuild {
        rebuild_logging_progress(&services).await?;
    }
    let caught_up = index_worker::catch_up(&services).await?;
    if caught_up > 0 {
        tracing::info!(
            changes = caught_up,
            "the knowledge base caught up with the change log"
        );
    }
    let workers = Services {
        db: services.db.for_workers(&settings.database_url()).await?,
        ..services.clone()
    };
    let index_stop = CancellationToken::new();
    let index_worker = index_worker::spawn(
        workers.clone(),
        Duration::from_millis(settings.knowledge.poll_interval_ms),
        index_stop.clone(),
    );
    let webhook_worker = webhook_worker::spawn(&workers, (&settings.webhooks).into())?;
    services.ensure_default_sla_policy().await?;
    let sla_worker = sla_worker::spawn(
        workers.clone(),
        Duration::from_millis(settings.sla.check_interval_ms),
    );
    let automation_worker = automation::worker::start(
        workers.clone(),
        Duration::from_millis(settings.automation.check_interval_ms),
    )
    .await?;
    let fanout = match services.db.backend() {
        Backend::Postgres => Some(fanout::start(&services, settings.database_url()).await),
        Backend::Sqlite => None,
    };
    let schema = graphql::build_schema(Some(services.clone()), settings);
    let shutdown = Shutdown::default();
    let state = AppState {
        schema: schema.clone(),
        services: services.clone(),
        verifier: Arc::new(keys.verifier),
        limits: Arc::new(settings.limits.clone()),
        graphiql: settings.graphql.graphiql,
        status_page: Arc::new(http::status::StatusCache::new(&settings.status_page)),
        metrics: settings.metrics.enabled.then(|| {
            Arc::new(http::metrics::Metrics::new(
                settings.metrics.listen.is_some(),
            ))
        }),
        shutdown: shutdown.clone(),
    };
    let metrics_router = match (settings.metrics.enabled, settings.metrics.listen) {
        (true, Some(_)) => Some(http::metrics::router(state.clone())),
        _ => None,
    };
    Ok(App {
        router: http::router(state),
        metrics_router,
        services,
        index_worker,
        index_stop,
        shutdown,
        webhook_worker,
        sla_worker,
        automation_worker,
        fanout,
        schema,
        issuer: keys.issuer,
    })
}

/// Creates the data folder (0700) and the SQLite database file (0600) if they are missing,
/// so neither is ever readable by other accounts, not even for a moment.
pub fn prepare_data_dir(settings: &Settings) -> Result<(), StartError> {
    let failed = |path: &std::path::Path| {
        let path = path.display().to_string();
        move |source| StartError::DataDir { path, source }
    };
    sqlite_files::create_private_dir(&settings.data_dir).map_err(failed(&settings.data_dir))?;
    if let Some(database) = settings.sqlite_path() {
        sqlite_files::create_private_database(&database).map_err(failed(&database))?;
    }
    Ok(())
}

/// Rebuilds the index at start, logging progress about every tenth of the way.
async fn rebuild_logging_progress(services: &Services) -> Result<(), StartError> {
    tracing::info!(
        "the knowledge base index is missing or incomplete; rebuilding it from the database"
    );
    let mut next_report = 0;
    let indexed = index_worker::rebuild(&services.db, &services.knowledge.base, |done, total| {
        if done >= next_report {
            tracing::info!(done, total, "rebuilding the knowledge base");
            next_report = done + (total / 10).max(1);
        }
    })
    .await?;
    tracing::info!(incidents = indexed, "the knowledge base is rebuilt");
    Ok(())
}
