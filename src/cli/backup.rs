//! `hindsight backup FILE`: a consistent copy of the SQLite database, taken while the server
//! runs. PostgreSQL is backed up with its own tools (`pg_dump`). The knowledge-base index is
//! not copied: it is rebuilt from the database (`hindsight restore` sees to it).

use std::fs;
use std::path::{Path, PathBuf};

use crate::config::Settings;
use crate::store::sqlite_files;

pub fn run(settings: &Settings, target: &Path) -> Result<(), String> {
    let database = sqlite_database(settings, "backup")?;
    if !database.exists() {
        return Err(format!(
            "no database at {}: nothing to back up (is --data-dir right?)",
            database.display()
        ));
    }
    if target.symlink_metadata().is_ok() {
        return Err(format!(
            "{} exists; a backup never overwrites a file: choose a new name",
            target.display()
        ));
    }
    // Written beside the target and linked into place only when complete: an interrupted
    // backup never leaves a file that looks like a good one.
    let partial = partial_path(target);
    sqlite_files::create_private_file(&partial).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => format!(
            "{} exists: another backup to this name is running, or one was interrupted (then remove it)",
            partial.display()
        ),
        _ => format!("cannot create {}: {e}", partial.display()),
    })?;
    let copied = sqlite_files::copy_online(&database, &partial)
        .map_err(|e| format!("copying {}: {e}", database.display()))
        .and_then(|()| {
            // A hard link fails if the target appeared meanwhile, where a rename would
            // replace it.
            fs::hard_link(&partial, target).map_err(|e| format!("{}: {e}", target.display()))
        });
    let _ = fs::remove_file(&partial);
    copied?;
    let bytes = fs::metadata(target).map(|m| m.len()).unwrap_or(0);
    println!(
        "backed up {} to {} ({bytes} bytes); restore it with `hindsight restore {}`",
        database.display(),
        target.display(),
        target.display()
    );
    Ok(())
}

/// The SQLite database file, or why `command` cannot work on this database.
pub fn sqlite_database(settings: &Settings, command: &str) -> Result<PathBuf, String> {
    if settings.database_url().starts_with("postgres") {
        return Err(format!(
            "{command} works on the SQLite database; this server uses PostgreSQL: use pg_dump and pg_restore (see \"Backup and restore\" in the README)"
        ));
    }
    settings
        .sqlite_path()
        .ok_or_else(|| format!("{command}: an in-memory database has no file"))
}

fn partial_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    target.with_file_name(name)
}
