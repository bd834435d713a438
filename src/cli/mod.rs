//! The `hindsight` command line: one module per command. `main.rs` only parses and
//! dispatches.

pub mod backtest;
pub mod backup;
pub mod import;
pub mod reader;
pub mod reindex;
pub mod restore;
pub mod serve;
pub mod token;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::config::Settings;
use crate::store::Db;

#[derive(Parser)]
#[command(
    name = "hindsight",
    version,
    about = "Incident management over GraphQL, with a knowledge base that learns"
)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub command: Command,
}

/// Settings every command resolves the same way: defaults < file < env < these flags.
#[derive(Args)]
pub struct Common {
    /// TOML configuration file.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where the SQLite database, index and generated secret live [default: ./data].
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// `postgres://...` selects PostgreSQL [default: SQLite in the data folder].
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// `human` or `json`.
    #[arg(long, global = true, value_name = "FORMAT")]
    pub log_format: Option<String>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the server (migrates the database first).
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print a signed development token (HS256, with the server's secret).
    Token {
        /// The user id (`sub` claim); `viewer { id }` returns it.
        #[arg(long)]
        sub: String,
        /// The display name.
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
        /// admin, manager, specialist, communicator or viewer; repeat for several.
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// Lifetime, e.g. 30m, 8h, 7d.
        #[arg(long, default_value = "8h", value_parser = humantime::parse_duration)]
        ttl: Duration,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Rebuild the knowledge-base index from the database (stop the server first).
    Reindex,
    /// Copy the SQLite database to FILE, consistently, while the server runs (PostgreSQL:
    /// use pg_dump).
    Backup {
        /// Where to write the copy; never overwritten.
        file: PathBuf,
    },
    /// Put a backup in place as the database of a data folder that has none (stop the
    /// server first); the index is rebuilt at the next start.
    Restore {
        /// A file written by `hindsight backup`.
        file: PathBuf,
    },
    /// Import past tickets from another tracker's CSV export; resolved and closed ones enter
    /// the knowledge base. Re-running the same import does not duplicate.
    Import {
        /// `jira-csv` (Jira's export columns) or `csv` with `--map`.
        #[arg(long, value_enum)]
        format: ImportFormat,
        /// Which column holds each field, e.g. `title=Summary,external_id=Key,created=Created`.
        /// Fields: title, external_id, created (required), description, status, priority,
        /// resolution (the kind: Done, Won't Do, Duplicate, ...), resolved, service, category,
        /// summary, root_cause, fix, comment, labels, duplicate_of. Required with `--format
        /// csv`; with `jira-csv` it overrides or adds to Jira's column names.
        #[arg(long, value_delimiter = ',', value_name = "FIELD=COLUMN")]
        map: Vec<String>,
        /// The service for tickets whose export names none.
        #[arg(long, default_value = "imported")]
        service: String,
        /// The IANA time zone of times written without one (Jira writes local times), e.g.
        /// `Europe/Berlin`.
        #[arg(long, default_value = "UTC", value_parser = reader::time_zone)]
        time_zone: chrono_tz::Tz,
        /// The CSV file (UTF-8, RFC 4180; fields may span lines).
        file: PathBuf,
    },
    /// Measure suggestion quality on past duplicate reports: Recall@k and MRR of hindsight's
    /// ranking and of a plain BM25 baseline.
    Backtest {
        /// Reports as CSV, read as `hindsight import` reads them: Jira's export columns (only
        /// Summary, Issue key or Issue id, and Created are required) or any with `--map`.
        #[arg(long, value_name = "FILE")]
        reports: PathBuf,
        /// `jira-csv` (Jira's export columns) or `csv` with `--map`, as for `import`.
        #[arg(long, value_enum, default_value = "jira-csv")]
        format: ImportFormat,
        /// Which column holds each field, as for `import`.
        #[arg(long, value_delimiter = ',', value_name = "FIELD=COLUMN")]
        map: Vec<String>,
        /// The IANA time zone of times written without one, as for `import`.
        #[arg(long, default_value = "UTC", value_parser = reader::time_zone)]
        time_zone: chrono_tz::Tz,
        /// Duplicate links as CSV: `Issue id,Duplicate id` (a cell may list several ids).
        #[arg(long, value_name = "FILE")]
        links: PathBuf,
        /// Cut-offs for Recall@k.
        #[arg(long, value_delimiter = ',', default_value = "1,5,10")]
        k: Vec<usize>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    JiraCsv,
    Csv,
}

impl Command {
    /// Commands that only read files need no settings, database or logging.
    pub fn is_offline(&self) -> bool {
        matches!(self, Self::Schema | Self::Backtest { .. })
    }
}

/// The database the settings name, created and migrated if need be, for the commands that
/// work on it without serving (`migrate`, `import`, `reindex`).
pub async fn open_database(settings: &Settings) -> Result<Db, String> {
    crate::app::prepare_data_dir(settings).map_err(|e| e.to_string())?;
    let db = Db::connect(&settings.database_url())
        .await
        .map_err(|e| format!("database: {e}"))?;
    db.migrate()
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    Ok(db)
}
