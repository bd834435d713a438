//! The `hindsight` command line: one module per command. `main.rs` only parses and
//! dispatches.

pub mod backtest;
pub mod backup;
pub mod flags;
pub mod import;
pub mod reader;
pub mod reindex;
pub mod restore;
pub mod serve;
pub mod token;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::store::Db;
pub use flags::{DatabaseFlags, SettingsFlags};

#[derive(Parser)]
#[command(
    name = "hindsight",
    version,
    about = "Incident management over GraphQL, with a knowledge base that learns"
)]
pub struct Cli {
    /// Settings flags given before the command; each command's `--help` lists those it uses.
    #[command(flatten)]
    pub common: DatabaseFlags,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the server (migrates the database first).
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        #[command(flatten)]
        flags: DatabaseFlags,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        flags: DatabaseFlags,
    },
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
        #[command(flatten)]
        flags: SettingsFlags,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Rebuild the knowledge-base index from the database (stop the server first).
    Reindex {
        #[command(flatten)]
        flags: DatabaseFlags,
    },
    /// Copy the SQLite database to FILE, consistently, while the server runs (PostgreSQL:
    /// use pg_dump).
    Backup {
        /// Where to write the copy; never overwritten.
        file: PathBuf,
        #[command(flatten)]
        flags: DatabaseFlags,
    },
    /// Put a backup in place as the database of a data folder that has none (stop the
    /// server first); the index is rebuilt at the next start.
    Restore {
        /// A file written by `hindsight backup`.
        file: PathBuf,
        #[command(flatten)]
        flags: DatabaseFlags,
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
        #[command(flatten)]
        flags: DatabaseFlags,
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

    /// The settings flags this command was given after its name, and whether it takes
    /// `--database-url` (`None`: it reads no settings at all).
    fn own_flags(&self) -> Option<(DatabaseFlags, bool)> {
        match self {
            Self::Serve { flags, .. }
            | Self::Migrate { flags }
            | Self::Reindex { flags }
            | Self::Backup { flags, .. }
            | Self::Restore { flags, .. }
            | Self::Import { flags, .. } => Some((flags.clone(), true)),
            Self::Token { flags, .. } => Some((
                DatabaseFlags {
                    settings: flags.clone(),
                    database_url: None,
                },
                false,
            )),
            Self::Schema | Self::Backtest { .. } => None,
        }
    }
}

impl Cli {
    /// The settings flags in force: those after the command's name win over those before
    /// it. A flag before it that the command does not use is refused, naming it.
    pub fn settings_flags(&self) -> Result<DatabaseFlags, String> {
        let before = self.common.given();
        let (own, takes_database) = match self.command.own_flags() {
            Some(own) => own,
            None if before.is_empty() => return Ok(DatabaseFlags::default()),
            None => {
                return Err(format!(
                    "this command reads no settings: {} is not used",
                    before.join(", ")
                ));
            }
        };
        if !takes_database && self.common.database_url.is_some() {
            return Err(
                "this command does not open the database: --database-url is not used".into(),
            );
        }
        Ok(self.common.clone().overridden_by(&own))
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
