//! The settings flags and which commands take them. Each command lists only the flags it
//! uses, under "Global options" in its `--help`; the same flags may also come before the
//! command (`hindsight --data-dir d migrate`), where a flag the command does not use is an
//! error rather than silently ignored.

use std::path::PathBuf;

use clap::Args;

/// For every command that reads settings.
#[derive(Args, Clone, Default)]
#[command(next_help_heading = "Global options")]
pub struct SettingsFlags {
    /// TOML configuration file.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where the SQLite database, index and generated secret live [default: ./data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// `human` or `json`.
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,
}

/// For the commands that open the database.
#[derive(Args, Clone, Default)]
#[command(next_help_heading = "Global options")]
pub struct DatabaseFlags {
    #[command(flatten)]
    pub settings: SettingsFlags,
    /// `postgres://...` selects PostgreSQL [default: SQLite in the data folder].
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

impl DatabaseFlags {
    /// `self`, with each flag `later` gives replacing this one.
    pub fn overridden_by(self, later: &DatabaseFlags) -> DatabaseFlags {
        let (mine, theirs) = (self.settings, &later.settings);
        DatabaseFlags {
            settings: SettingsFlags {
                config: theirs.config.clone().or(mine.config),
                data_dir: theirs.data_dir.clone().or(mine.data_dir),
                log_format: theirs.log_format.clone().or(mine.log_format),
            },
            database_url: later.database_url.clone().or(self.database_url),
        }
    }

    /// The flags given, as they are spelled.
    pub fn given(&self) -> Vec<&'static str> {
        let s = &self.settings;
        [
            ("--config", s.config.is_some()),
            ("--data-dir", s.data_dir.is_some()),
            ("--log-format", s.log_format.is_some()),
            ("--database-url", self.database_url.is_some()),
        ]
        .into_iter()
        .filter_map(|(flag, given)| given.then_some(flag))
        .collect()
    }
}
