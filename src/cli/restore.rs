//! `hindsight restore FILE`: puts a backup made by `hindsight backup` in place as the data
//! folder's database, with the server stopped. It refuses rather than replace anything: the
//! data folder must have no database (nor its `-wal`/`-shm` files, which SQLite would apply
//! to the restored file). The old index is deleted, so the next start rebuilds it from the
//! restored database.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use hindsight_index::KnowledgeBase;

use crate::config::Settings;
use crate::store::sqlite_files;

pub fn run(settings: &Settings, backup: &Path) -> Result<(), String> {
    let database = super::backup::sqlite_database(settings, "restore")?;
    sqlite_files::check_backup(backup)
        .map_err(|why| format!("{} is not a hindsight backup: {why}", backup.display()))?;
    if let Some(existing) = database_files(&database).into_iter().find(|f| f.exists()) {
        return Err(format!(
            "{} exists: restore never replaces a database. Restore into a new --data-dir, or stop the server and move {} and its -wal and -shm files away first",
            existing.display(),
            database.display()
        ));
    }
    sqlite_files::create_private_dir(&settings.data_dir)
        .map_err(|e| format!("data folder {}: {e}", settings.data_dir.display()))?;
    let index = settings.index_dir();
    // A server holds the index's lock even while its database is gone.
    if let Err(e) = KnowledgeBase::open_or_create(&index)
        && e.is_locked()
    {
        return Err(format!(
            "the index in {} is in use by another process: stop the server first",
            index.display()
        ));
    }
    let partial = database.with_extension("db.restoring");
    let copied = copy_private(backup, &partial).and_then(|()| {
        fs::hard_link(&partial, &database).map_err(|e| format!("{}: {e}", database.display()))
    });
    let _ = fs::remove_file(&partial);
    copied?;
    // The index describes the database that was here before: rebuilt at the next start.
    if index.exists() {
        fs::remove_dir_all(&index).map_err(|e| format!("{}: {e}", index.display()))?;
    }
    println!(
        "restored {} into {}; the next `hindsight serve` migrates it if need be and rebuilds the knowledge-base index. Tokens stay valid only with the same signing secret (the jwt-secret file is not in the backup).",
        backup.display(),
        database.display()
    );
    Ok(())
}

/// The database and the files SQLite keeps beside it.
fn database_files(database: &Path) -> [PathBuf; 4] {
    let beside = |suffix: &str| {
        let mut name = database.as_os_str().to_os_string();
        name.push(suffix);
        PathBuf::from(name)
    };
    [
        database.to_path_buf(),
        beside("-wal"),
        beside("-shm"),
        beside("-journal"),
    ]
}

/// Copies `from` into a new owner-only file `to`, flushed to disk.
fn copy_private(from: &Path, to: &Path) -> Result<(), String> {
    let failed = |e: std::io::Error| format!("copying {} to {}: {e}", from.display(), to.display());
    let mut target = sqlite_files::create_private_file(to).map_err(failed)?;
    let mut source = fs::File::open(from).map_err(failed)?;
    std::io::copy(&mut source, &mut target).map_err(failed)?;
    target.flush().map_err(failed)?;
    target.sync_all().map_err(failed)
}
