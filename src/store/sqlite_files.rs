//! The SQLite database as files: created readable by their owner only, copied while the
//! server runs (a backup), and recognised before a restore. Incidents, reviews and the people
//! who handled them are not for other accounts on the machine to read.

use std::fs;
use std::io;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// Creates `dir` (and its missing parents) readable by the owner only. A folder that exists
/// keeps its mode: an operator may have chosen it.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Creates the empty file `path` readable and writable by the owner only; fails if it
/// exists. SQLite gives its `-wal` and `-shm` files the mode of the database file, so a
/// database created this way keeps all three private.
pub fn create_private_file(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Creates the database file at `path` owner-only before SQLite creates it with its default
/// mode (0644 less the umask); a file that exists is left as it is.
pub fn create_private_database(path: &Path) -> io::Result<()> {
    match create_private_file(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the path {0} is not UTF-8, which SQLite needs")]
    NotUtf8(String),
}

/// Writes a consistent copy of the database at `source` into `target`, which must not exist
/// or be empty. `VACUUM INTO` reads one snapshot (under WAL, writers go on meanwhile) and
/// writes it compacted, including what still sits in the `-wal` file, which copying the
/// database file alone would miss.
pub fn copy_online(source: &Path, target: &Path) -> Result<(), CopyError> {
    let conn = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    let target = target
        .to_str()
        .ok_or_else(|| CopyError::NotUtf8(target.display().to_string()))?;
    conn.execute("VACUUM INTO ?1", [target])?;
    Ok(())
}

/// Why a file is not a usable backup, if it is not.
pub fn check_backup(path: &Path) -> Result<(), String> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("cannot open it as SQLite: {e}"))?;
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .map_err(|e| format!("not a SQLite database ({e})"))?;
    if check != "ok" {
        return Err(format!("the database is damaged: {check}"));
    }
    let migrated: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations')",
            [],
            |row| row.get(0),
        )
        .map_err(|e| format!("cannot read it: {e}"))?;
    if !migrated {
        return Err("a SQLite database, but not hindsight's (no seaql_migrations table)".into());
    }
    Ok(())
}
