//! SQLite reads on connections of our own.
//!
//! sqlx runs each SQLite connection on a thread of its own and hands every row to the async
//! side over a channel: on two cores, a 20-row page spent about a third of its time switching
//! threads (README, Benchmarks). Here a read statement runs start to finish on the thread that
//! asked for it, with no hand-off at all.
//!
//! That blocks an async worker for the length of the statement. The reads that come here are
//! bounded (pages of at most 100 rows, lookups by key, counts over indexed filters) and take tens
//! of microseconds on a 10,000-incident database; handing each one to a blocking thread instead
//! cost 40% more CPU per typical read (bench/load.sh, profile in the README). Anything slow or
//! unbounded stays on sea-orm's pool. Because a statement here cannot be cancelled by the
//! request's timeout, SQLite itself stops one that runs past the time limit (a progress
//! handler), so a pathological read on a huge database holds a worker for a bounded time.
//!
//! Only reads come here. The connections are opened read-only with `query_only` on, so a write
//! that strays here fails loudly instead of bypassing the write lock in `db.rs`. Statements are
//! still built by sea-orm, so both backends run the same SQL; values are bound the way sqlx
//! binds them (uuids as 16-byte blobs, timestamps as RFC 3339 text), so comparisons against
//! rows that sqlx wrote hold.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::Value as SqliteValue;
use rusqlite::{Connection, OpenFlags};
use sea_orm::sea_query::Value;
use sea_orm::{DbErr, Statement};

/// A model read straight from a SQLite row.
pub trait FromSqliteRow: Sized + Send + 'static {
    /// The columns sea-orm selects for this model, in order. Checked against every statement,
    /// so a column added to the entity but not here is an error, not a shifted read.
    const COLUMNS: &'static [&'static str];

    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
}

/// How often (in SQLite virtual-machine steps) a running statement checks its deadline:
/// about every 50 to 100 µs of work.
const STEPS_BETWEEN_CHECKS: i32 = 10_000;

/// Until the server sets the configured request time limit (`Db::limit_read_time`): the
/// default of `limits.request_timeout_seconds`.
const DEFAULT_TIME_LIMIT_MS: u64 = 10_000;

pub struct SqliteReads {
    path: PathBuf,
    /// Connections not in use: at most one per thread that reads at once.
    idle: Mutex<Vec<ReadConnection>>,
    /// What every statement's deadline is measured from.
    epoch: Instant,
    time_limit_ms: AtomicU64,
    statements: Arc<AtomicU64>,
    served: AtomicU64,
}

/// A connection and the deadline its progress handler checks, in ms after `epoch`.
struct ReadConnection {
    conn: Connection,
    deadline_ms: Arc<AtomicU64>,
}

impl SqliteReads {
    /// Opens one connection now, so a file that cannot be read fails at start.
    pub fn open(path: &Path, statements: Arc<AtomicU64>) -> Result<Self, DbErr> {
        let epoch = Instant::now();
        let first = connect(path, epoch)?;
        Ok(Self {
            path: path.to_owned(),
            idle: Mutex::new(vec![first]),
            epoch,
            time_limit_ms: AtomicU64::new(DEFAULT_TIME_LIMIT_MS),
            statements,
            served: AtomicU64::new(0),
        })
    }

    /// Every row of a statement that selects `M::COLUMNS`.
    pub fn all<M: FromSqliteRow>(&self, statement: Statement) -> Result<Vec<M>, DbErr> {
        self.all_mapped(statement, |row: M| row)
    }

    /// Every row of a statement that selects `M::COLUMNS`, each passed through `each` as it
    /// is read: a long result is never held twice.
    pub fn all_mapped<M: FromSqliteRow, T>(
        &self,
        statement: Statement,
        mut each: impl FnMut(M) -> T,
    ) -> Result<Vec<T>, DbErr> {
        self.run(move |conn| {
            let mut prepared = prepare(conn, &statement)?;
            let names = prepared.column_names();
            if names != M::COLUMNS {
                return Err(DbErr::Custom(format!(
                    "the SQLite reader expected columns {:?} and the statement selects {names:?}",
                    M::COLUMNS
                )));
            }
            let params = bind(&statement)?;
            let rows = prepared
                .query_map(rusqlite::params_from_iter(params), |row| {
                    M::from_row(row).map(&mut each)
                })
                .map_err(query_err)?;
            rows.collect::<rusqlite::Result<Vec<T>>>()
                .map_err(query_err)
        })
    }

    /// The single integer a statement such as `SELECT COUNT(*) ...` returns.
    pub fn scalar_i64(&self, statement: Statement) -> Result<i64, DbErr> {
        self.run(move |conn| {
            let mut prepared = prepare(conn, &statement)?;
            let params = bind(&statement)?;
            prepared
                .query_row(rusqlite::params_from_iter(params), |row| row.get(0))
                .map_err(query_err)
        })
    }

    /// The longest a statement may run before SQLite stops it (the request time limit).
    pub fn set_time_limit(&self, limit: Duration) {
        let ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
        self.time_limit_ms.store(ms, Ordering::Relaxed);
    }

    /// Runs `work` on an idle connection, here and now, under the time limit.
    fn run<T>(&self, work: impl FnOnce(&Connection) -> Result<T, DbErr>) -> Result<T, DbErr> {
        let read = match self.lock_idle().pop() {
            Some(read) => read,
            None => connect(&self.path, self.epoch)?,
        };
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.served.fetch_add(1, Ordering::Relaxed);
        let limit = self.time_limit_ms.load(Ordering::Relaxed);
        let deadline = millis_since(self.epoch).saturating_add(limit);
        read.deadline_ms.store(deadline, Ordering::Relaxed);
        let result = work(&read.conn);
        self.lock_idle().push(read);
        result.map_err(|e| {
            if millis_since(self.epoch) > deadline {
                DbErr::Custom(format!(
                    "a SQLite read ran longer than the limit of {limit} ms and was stopped"
                ))
            } else {
                e
            }
        })
    }

    /// Statements run here since start.
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<ReadConnection>> {
        // A panic while holding the lock leaves a valid list of connections.
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A timestamp column. sqlx writes RFC 3339, which chrono's RFC 3339 parser reads several times
/// faster than rusqlite's general one (that one parses its format string on every call, and a
/// page of 20 incidents holds 160 timestamps); anything else falls back to rusqlite's.
pub fn timestamp(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    if let rusqlite::types::ValueRef::Text(text) = row.get_ref(idx)?
        && let Ok(parsed) = std::str::from_utf8(text)
            .map_err(drop)
            .and_then(|s| DateTime::parse_from_rfc3339(s).map_err(drop))
    {
        return Ok(parsed.with_timezone(&Utc));
    }
    row.get(idx)
}

/// A nullable timestamp column.
pub fn timestamp_opt(
    row: &rusqlite::Row<'_>,
    idx: usize,
) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match row.get_ref(idx)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => timestamp(row, idx).map(Some),
    }
}

fn millis_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn connect(path: &Path, epoch: Instant) -> Result<ReadConnection, DbErr> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(conn_err)?;
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(conn_err)?;
    conn.pragma_update(None, "query_only", true)
        .map_err(conn_err)?;
    // Statements differ only in the length of IN lists and in filters: a few dozen shapes.
    conn.set_prepared_statement_cache_capacity(64);
    let deadline_ms = Arc::new(AtomicU64::new(u64::MAX));
    let deadline = deadline_ms.clone();
    // Returning true interrupts the running statement (SQLITE_INTERRUPT).
    conn.progress_handler(
        STEPS_BETWEEN_CHECKS,
        Some(move || millis_since(epoch) > deadline.load(Ordering::Relaxed)),
    )
    .map_err(conn_err)?;
    Ok(ReadConnection { conn, deadline_ms })
}

fn prepare<'c>(
    conn: &'c Connection,
    statement: &Statement,
) -> Result<rusqlite::CachedStatement<'c>, DbErr> {
    conn.prepare_cached(&statement.sql).map_err(query_err)
}

fn bind(statement: &Statement) -> Result<Vec<SqliteValue>, DbErr> {
    statement
        .values
        .iter()
        .flat_map(|values| values.0.iter())
        .map(to_sqlite)
        .collect()
}

/// A sea-query value as sqlx would bind it for SQLite.
fn to_sqlite(value: &Value) -> Result<SqliteValue, DbErr> {
    fn int<T: Into<i64> + Copy>(v: &Option<T>) -> SqliteValue {
        v.map_or(SqliteValue::Null, |v| SqliteValue::Integer(v.into()))
    }
    Ok(match value {
        Value::Bool(v) => int(v),
        Value::TinyInt(v) => int(v),
        Value::SmallInt(v) => int(v),
        Value::Int(v) => int(v),
        Value::BigInt(v) => int(v),
        Value::TinyUnsigned(v) => int(v),
        Value::SmallUnsigned(v) => int(v),
        Value::Unsigned(v) => int(v),
        Value::BigUnsigned(v) => match v {
            None => SqliteValue::Null,
            Some(v) => SqliteValue::Integer(
                i64::try_from(*v)
                    .map_err(|_| DbErr::Custom(format!("{v} does not fit a SQLite integer")))?,
            ),
        },
        Value::Float(v) => v.map_or(SqliteValue::Null, |v| SqliteValue::Real(v.into())),
        Value::Double(v) => v.map_or(SqliteValue::Null, SqliteValue::Real),
        Value::String(v) => v.clone().map_or(SqliteValue::Null, SqliteValue::Text),
        Value::Char(v) => v.map_or(SqliteValue::Null, |c| SqliteValue::Text(c.to_string())),
        Value::Bytes(v) => v.clone().map_or(SqliteValue::Null, SqliteValue::Blob),
        Value::Uuid(v) => v.map_or(SqliteValue::Null, |u| {
            SqliteValue::Blob(u.as_bytes().to_vec())
        }),
        Value::ChronoDateTimeUtc(v) => v.map_or(SqliteValue::Null, |t| {
            SqliteValue::Text(t.to_rfc3339_opts(SecondsFormat::AutoSi, false))
        }),
        Value::Json(v) => v
            .as_ref()
            .map_or(SqliteValue::Null, |j| SqliteValue::Text(j.to_string())),
        other => {
            return Err(DbErr::Custom(format!(
                "the SQLite reader cannot bind {other:?}"
            )));
        }
    })
}

fn conn_err(e: rusqlite::Error) -> DbErr {
    DbErr::Custom(format!("opening a SQLite read connection: {e}"))
}

fn query_err(e: rusqlite::Error) -> DbErr {
    DbErr::Custom(format!("a SQLite read failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn values_are_bound_as_sqlx_binds_them() {
        let id = uuid::Uuid::from_u128(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10);
        let at = Utc
            .with_ymd_and_hms(2026, 11, 27, 8, 30, 0)
            .single()
            .unwrap();
        assert_eq!(
            to_sqlite(&Value::Uuid(Some(id))).unwrap(),
            SqliteValue::Blob(id.as_bytes().to_vec())
        );
        assert_eq!(
            to_sqlite(&Value::ChronoDateTimeUtc(Some(at))).unwrap(),
            SqliteValue::Text("2026-11-27T08:30:00+00:00".into())
        );
        assert_eq!(
            to_sqlite(&Value::Bool(Some(true))).unwrap(),
            SqliteValue::Integer(1)
        );
        assert_eq!(to_sqlite(&Value::String(None)).unwrap(), SqliteValue::Null);
        assert!(to_sqlite(&Value::BigUnsigned(Some(u64::MAX))).is_err());
    }

    #[test]
    fn a_statement_past_the_time_limit_is_stopped_and_the_connection_stays_usable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER);")
            .unwrap();
        let reads = SqliteReads::open(&path, Arc::default()).unwrap();
        reads.set_time_limit(Duration::from_millis(100));
        let statement = |sql: &str| Statement::from_string(sea_orm::DbBackend::Sqlite, sql);
        // Counts to ten billion: minutes of work unless it is stopped.
        let endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
                       WHERE i < 10000000000) SELECT COUNT(*) FROM n";
        let started = Instant::now();
        let stopped = reads.scalar_i64(statement(endless));
        let took = started.elapsed();
        let message = format!("{stopped:?}");
        assert!(
            message.contains("longer than the limit of 100 ms"),
            "{message}"
        );
        assert!(
            took < Duration::from_secs(30),
            "stopped only after {took:?}"
        );
        assert_eq!(
            reads
                .scalar_i64(statement("SELECT COUNT(*) FROM t"))
                .unwrap(),
            0
        );
    }

    #[test]
    fn timestamps_read_in_every_format_sqlite_may_hold() {
        let conn = Connection::open_in_memory().unwrap();
        let read = |sql: &str| {
            conn.query_row(sql, [], |row| timestamp_opt(row, 0))
                .unwrap()
        };
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // As sqlx writes them, with and without fractions.
        assert_eq!(
            read("SELECT '2026-11-27T08:30:00.123456789+00:00'"),
            Some(at("2026-11-27T08:30:00.123456789Z"))
        );
        assert_eq!(
            read("SELECT '2026-11-27T08:30:00+00:00'"),
            Some(at("2026-11-27T08:30:00Z"))
        );
        // As SQLite's own CURRENT_TIMESTAMP writes them (rusqlite's fallback).
        assert_eq!(
            read("SELECT '2026-11-27 08:30:00'"),
            Some(at("2026-11-27T08:30:00Z"))
        );
        assert_eq!(read("SELECT NULL"), None);
        assert!(
            conn.query_row("SELECT 'yesterday'", [], |row| timestamp(row, 0))
                .is_err()
        );
    }

    #[test]
    fn models_name_the_columns_their_entities_select() {
        use crate::store::entity::{incident, user};
        use sea_orm::{IdenStatic, Iterable};
        let incident_columns: Vec<&str> = incident::Column::iter().map(|c| c.as_str()).collect();
        assert_eq!(
            incident_columns,
            <incident::Model as FromSqliteRow>::COLUMNS
        );
        let user_columns: Vec<&str> = user::Column::iter().map(|c| c.as_str()).collect();
        assert_eq!(user_columns, <user::Model as FromSqliteRow>::COLUMNS);
    }

    #[test]
    fn reads_see_committed_rows_and_refuse_to_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);",
            )
            .unwrap();
        let statements = Arc::new(AtomicU64::new(0));
        let reads = SqliteReads::open(&path, statements.clone()).unwrap();
        let count = |sql: &str| Statement::from_string(sea_orm::DbBackend::Sqlite, sql);

        assert_eq!(
            reads.scalar_i64(count("SELECT COUNT(*) FROM t")).unwrap(),
            1
        );
        writer.execute("INSERT INTO t VALUES (2)", []).unwrap();
        assert_eq!(
            reads.scalar_i64(count("SELECT COUNT(*) FROM t")).unwrap(),
            2
        );

        let refused = reads.scalar_i64(count("DELETE FROM t RETURNING x"));
        assert!(refused.is_err(), "a read connection wrote: {refused:?}");
        let left: i64 = writer
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 2);
        assert_eq!(statements.load(Ordering::Relaxed), 3);
    }
}
