//! The database handle: one pool, the backend it talks to, and write transactions.
//!
//! SQLite allows one writer at a time; a write transaction that starts as a reader and later
//! upgrades can fail with SQLITE_BUSY without waiting. So on SQLite every write transaction
//! first takes an in-process lock, and the writers queue here instead. PostgreSQL needs no
//! such lock: row locks and the `version` check serialize conflicting writers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

use migrations::{Migrator, MigratorTrait};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    conn: DatabaseConnection,
    backend: Backend,
    write_lock: Option<Arc<Mutex<()>>>,
    statements: Arc<AtomicU64>,
}

/// A write transaction. Dropping it without `commit` rolls it back.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _writer: Option<OwnedMutexGuard<()>>,
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &Self::Target {
        &self.txn
    }
}

impl WriteTxn {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }
}

impl Db {
    pub async fn connect(url: &str) -> Result<Self, DbErr> {
        let backend = if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10));
        match backend {
            Backend::Sqlite => {
                // Readers run concurrently under WAL; writers queue on `write_lock`. Each pooled
                // connection is a thread of sqlx's: on two cores, 4 read faster than 8 or 2
                // (bench/load.sh, 1,860 against 1,770 and 1,700 requests/s).
                // synchronous=FULL: a commit acknowledged to a client survives power loss.
                options
                    .max_connections(4)
                    .min_connections(1)
                    .map_sqlx_sqlite_opts(|o| {
                        o.journal_mode(SqliteJournalMode::Wal)
                            .synchronous(SqliteSynchronous::Full)
                            .busy_timeout(Duration::from_secs(5))
                            .foreign_keys(true)
                            .create_if_missing(true)
                    });
            }
            Backend::Postgres => {
                options.max_connections(16).min_connections(1);
            }
        }
        let mut conn = Database::connect(options).await?;
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        conn.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        Ok(Self {
            conn,
            backend,
            write_lock: (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(()))),
            statements,
        })
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Statements executed since start: an operator metric, and how tests prove that
    /// DataLoader batching keeps the statement count flat.
    pub fn statements_executed(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub async fn begin_write(&self) -> Result<WriteTxn, DbErr> {
        let writer = match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        // IMMEDIATE takes SQLite's write lock at BEGIN, so a transaction that reads before it
        // writes cannot fail with SQLITE_BUSY when another process (an import) commits in
        // between; it waits for the lock (busy_timeout) instead.
        let options = TransactionOptions {
            sqlite_transaction_mode: (self.backend == Backend::Sqlite)
                .then_some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        let txn = self.conn.begin_with_options(options).await?;
        Ok(WriteTxn {
            txn,
            _writer: writer,
        })
    }

    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.conn, None).await
    }

    /// Ready: the database answers and no migration is pending.
    pub async fn ready(&self) -> Result<bool, DbErr> {
        self.conn.execute_unprepared("SELECT 1").await?;
        Ok(Migrator::get_pending_migrations(&self.conn)
            .await?
            .is_empty())
    }

    pub async fn close(self) -> Result<(), DbErr> {
        self.conn.close().await
    }
}
