//! The database handle: sea-orm's pool, the backend it talks to, write transactions, and where
//! reads run ([`Reader`]: on a SQLite file the hot ones go to `sqlite_reads.rs`).
//!
//! SQLite allows one writer at a time; a write transaction that starts as a reader and later
//! upgrades can fail with SQLITE_BUSY without waiting. So on SQLite every write transaction
//! first takes an in-process lock, and the writers queue here instead. PostgreSQL needs no
//! such lock: row locks and the `version` check serialize conflicting writers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::sea_query::Expr;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, EntityTrait, PaginatorTrait, QuerySelect, QueryTrait, Select, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

use migrations::{Migrator, MigratorTrait};

use super::sqlite_reads::{FromSqliteRow, SqliteReads};

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
    /// On a SQLite file, the hot reads go through connections of our own (`sqlite_reads.rs`).
    reads: Option<Arc<SqliteReads>>,
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

/// Connections in the request pool on PostgreSQL.
const POSTGRES_REQUEST_POOL: u32 = 16;
/// Connections of the background workers' own pool on PostgreSQL (`Db::for_workers`).
const POSTGRES_WORKER_POOL: u32 = 4;
/// An arbitrary constant naming the migrations' advisory lock on PostgreSQL.
const MIGRATION_LOCK: i64 = 0x6869_6e64_6d69_6772; // "hindmigr"

impl Db {
    pub async fn connect(url: &str) -> Result<Self, DbErr> {
        Self::connect_with_pool(url, POSTGRES_REQUEST_POOL).await
    }

    /// The handle the index and webhook workers use. On PostgreSQL they get a small pool of
    /// their own, so request traffic that takes every connection (a burst, or a client that
    /// holds them) cannot stop the change log from being applied, and the workers cannot take
    /// the last connections from requests. On SQLite they share this handle: its writers must
    /// queue on one lock, and its hot reads have their own connections already.
    pub async fn for_workers(&self, url: &str) -> Result<Self, DbErr> {
        match self.backend {
            Backend::Sqlite => Ok(self.clone()),
            Backend::Postgres => Self::connect_with_pool(url, POSTGRES_WORKER_POOL).await,
        }
    }

    async fn connect_with_pool(url: &str, postgres_connections: u32) -> Result<Self, DbErr> {
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
                // (bench/load.sh, 1,860 against 1,770 and 1,700 requests/s, measured when this
                // pool served every read).
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
                options
                    .max_connections(postgres_connections)
                    .min_connections(1);
            }
        }
        let mut conn = Database::connect(options).await?;
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        conn.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        let reads = match backend {
            Backend::Sqlite => sqlite_file(&conn)
                .await?
                .map(|path| SqliteReads::open(&path, statements.clone()).map(Arc::new))
                .transpose()?,
            Backend::Postgres => None,
        };
        Ok(Self {
            conn,
            backend,
            write_lock: (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(()))),
            reads,
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

    /// The longest one statement on the SQLite readers may run: they run on the calling
    /// thread, where the request's own timeout cannot cancel them.
    pub fn limit_read_time(&self, limit: Duration) {
        if let Some(reads) = &self.reads {
            reads.set_time_limit(limit);
        }
    }

    /// Of those, the ones our own SQLite read connections ran (always 0 on PostgreSQL).
    pub fn statements_on_sqlite_readers(&self) -> u64 {
        self.reads.as_ref().map_or(0, |r| r.served())
    }

    /// The rows of a hand-built read: on a SQLite file through our own connections (sqlx
    /// decodes a long result row by row through a channel, several times slower), otherwise
    /// through sea-orm.
    pub async fn read_rows<M>(
        &self,
        select: &sea_orm::sea_query::SelectStatement,
    ) -> Result<Vec<M>, DbErr>
    where
        M: FromSqliteRow + sea_orm::FromQueryResult + Sync,
    {
        match &self.reads {
            Some(reads) => reads.all(DbBackend::Sqlite.build(select)),
            None => {
                let statement = self.conn.get_database_backend().build(select);
                M::find_by_statement(statement).all(&self.conn).await
            }
        }
    }

    /// `read_rows`, each row passed through `each` as it is read.
    pub async fn read_rows_mapped<M, T>(
        &self,
        select: &sea_orm::sea_query::SelectStatement,
        mut each: impl FnMut(M) -> T,
    ) -> Result<Vec<T>, DbErr>
    where
        M: FromSqliteRow + sea_orm::FromQueryResult + Sync,
    {
        match &self.reads {
            Some(reads) => reads.all_mapped(DbBackend::Sqlite.build(select), each),
            None => {
                let statement = self.conn.get_database_backend().build(select);
                let rows = M::find_by_statement(statement).all(&self.conn).await?;
                Ok(rows.into_iter().map(&mut each).collect())
            }
        }
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

    /// Applies pending migrations. On PostgreSQL, nodes started together (a deployment of
    /// several replicas) would run the same migrations at once, and all but one would fail on
    /// the tables the first had just created. So they take turns: each runs them in one
    /// transaction holding an advisory lock, and those that waited find nothing pending.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        match self.backend {
            Backend::Sqlite => Migrator::up(&self.conn, None).await,
            Backend::Postgres => {
                let txn = self.conn.begin().await?;
                txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
                    .await?;
                Migrator::up(&txn, None).await?;
                txn.commit().await
            }
        }
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

/// The file behind a SQLite connection; `None` for an in-memory database, which other
/// connections cannot see.
async fn sqlite_file(conn: &DatabaseConnection) -> Result<Option<std::path::PathBuf>, DbErr> {
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            DbBackend::Sqlite,
            "SELECT file FROM pragma_database_list WHERE name = 'main'",
        ))
        .await?;
    let file: Option<String> = row.map(|r| r.try_get("", "file")).transpose()?;
    Ok(file.filter(|f| !f.is_empty()).map(Into::into))
}

/// Where a read runs: the [`Db`] (its fastest path) or a transaction that must see its own
/// writes. Store queries take `&impl Reader`, so one query serves both.
pub trait Reader: Sync {
    fn read_all<E>(
        &self,
        select: Select<E>,
    ) -> impl Future<Output = Result<Vec<E::Model>, DbErr>> + Send
    where
        E: EntityTrait,
        E::Model: FromSqliteRow + Sync;

    fn read_count<E>(&self, select: Select<E>) -> impl Future<Output = Result<u64, DbErr>> + Send
    where
        E: EntityTrait,
        E::Model: Sync;
}

impl<C: ConnectionTrait + Sync> Reader for C {
    async fn read_all<E>(&self, select: Select<E>) -> Result<Vec<E::Model>, DbErr>
    where
        E: EntityTrait,
        E::Model: FromSqliteRow + Sync,
    {
        select.all(self).await
    }

    async fn read_count<E>(&self, select: Select<E>) -> Result<u64, DbErr>
    where
        E: EntityTrait,
        E::Model: Sync,
    {
        PaginatorTrait::count(select, self).await
    }
}

impl Reader for Db {
    /// On a SQLite file, through our own connections; otherwise through sea-orm's pool.
    async fn read_all<E>(&self, select: Select<E>) -> Result<Vec<E::Model>, DbErr>
    where
        E: EntityTrait,
        E::Model: FromSqliteRow + Sync,
    {
        match &self.reads {
            Some(reads) => reads.all(select.build(DbBackend::Sqlite)),
            None => select.all(&self.conn).await,
        }
    }

    async fn read_count<E>(&self, select: Select<E>) -> Result<u64, DbErr>
    where
        E: EntityTrait,
        E::Model: Sync,
    {
        match &self.reads {
            Some(reads) => {
                let counting = select
                    .select_only()
                    .column_as(Expr::cust("COUNT(*)"), "n")
                    .build(DbBackend::Sqlite);
                let n = reads.scalar_i64(counting)?;
                u64::try_from(n).map_err(|_| DbErr::Custom(format!("a negative count: {n}")))
            }
            None => PaginatorTrait::count(select, &self.conn).await,
        }
    }
}
