//! Layered settings: defaults < TOML file < HINDSIGHT_* environment < command-line flags.
//! Validated once at start; an invalid setting stops the start with a message naming it.
//!
//! The shape (`Settings` and its sections) is here and in `sections`; `defaults` gives the
//! values that need no configuration, `load` layers the sources, `validate` checks the result.

mod auth;
mod defaults;
mod load;
mod sections;
#[cfg(test)]
mod tests;
mod validate;

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::domain::secret::Secret;
pub use auth::provider_url;
pub use load::ignored_env;
pub use sections::*;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address the HTTP server binds.
    pub listen: SocketAddr,
    /// Where the SQLite database, the index and the generated signing secret live.
    pub data_dir: PathBuf,
    /// `postgres://...` selects PostgreSQL; `sqlite://...` a specific SQLite file. Default:
    /// SQLite at `<data_dir>/hindsight.db`.
    pub database_url: Option<Secret>,
    pub log_format: LogFormat,
    pub auth: AuthSettings,
    pub graphql: GraphqlSettings,
    pub limits: Limits,
    pub knowledge: KnowledgeSettings,
    pub webhooks: WebhookSettings,
    pub communications: CommunicationsSettings,
    pub status_page: StatusPageSettings,
    pub sla: SlaSettings,
    pub automation: AutomationSettings,
    pub alerts: AlertSettings,
    pub metrics: MetricsSettings,
    pub reviews: ReviewSettings,
}

/// Values given on the command line; `None` leaves the lower layers in charge.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Settings {
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose().to_owned(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("hindsight.db").display()
            ),
        }
    }

    /// The SQLite database file, or `None` on PostgreSQL.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let url = self.database_url();
        let rest = url.strip_prefix("sqlite:")?;
        let path = rest.strip_prefix("//").unwrap_or(rest);
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        // An in-memory database has no file.
        if path.is_empty() || path == ":memory:" || query.contains("mode=memory") {
            return None;
        }
        Some(PathBuf::from(path))
    }

    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }

    pub fn secret_path(&self) -> PathBuf {
        self.data_dir.join("jwt-secret")
    }
}
