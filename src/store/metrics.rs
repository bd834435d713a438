//! The rows incident metrics are computed from: one per incident reported in the period,
//! with its stamps, read from the incidents table alone in one statement (the stamps of a
//! first response and the reopen count live on the incident's row, so there is nothing to
//! look up per incident).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{DbErr, FromQueryResult};

use super::entity::incident;
use super::sqlite_reads::{FromSqliteRow, timestamp, timestamp_opt};
use super::{Backend, Db};
use crate::domain::metrics::MetricsFilter;

/// One incident as metrics see it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct MetricsRow {
    pub service: String,
    pub category: Option<String>,
    pub priority: Option<i16>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub triaged_at: Option<DateTime<Utc>>,
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub reopened_at: Option<DateTime<Utc>>,
    pub resolution_runs: Option<String>,
    /// JSON list of the incidents rated helpful before resolution; null or `[]`: none.
    pub helped_by: Option<serde_json::Value>,
    pub manager_assigned_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub reopen_count: i32,
    /// When the impact started, if before the report.
    pub impact_started_at: Option<DateTime<Utc>>,
}

/// The rows of the incidents `filter` selects, each turned into what the caller keeps by
/// `each` as it arrives: 100,000 rows are never held twice, and on PostgreSQL the turning
/// overlaps the server still sending.
pub async fn rows<T>(
    db: &Db,
    filter: &MetricsFilter,
    each: impl FnMut(MetricsRow) -> T,
) -> Result<Vec<T>, DbErr> {
    use incident::Column as I;
    let mut select = Query::select();
    select
        .columns([
            I::Service,
            I::Category,
            I::Priority,
            I::Status,
            I::CreatedAt,
            I::TriagedAt,
            I::MitigatedAt,
            I::ResolvedAt,
            I::ReopenedAt,
            I::ResolutionRuns,
            I::HelpedBy,
            I::ManagerAssignedAt,
            I::AcknowledgedAt,
            I::ReopenCount,
            I::ImpactStartedAt,
        ])
        .from(incident::Entity)
        .and_where(Expr::col(I::CreatedAt).gte(filter.from))
        .and_where(Expr::col(I::CreatedAt).lt(filter.to));
    if let Some(service) = &filter.service {
        select.and_where(Expr::col(I::Service).eq(service.as_str()));
    }
    if let Some(category) = &filter.category {
        select.and_where(Expr::col(I::Category).eq(category.as_str()));
    }
    if let Some(rank) = filter.priority_rank {
        select.and_where(Expr::col(I::Priority).eq(rank));
    }
    match db.backend() {
        Backend::Sqlite => db.read_rows_mapped(&select, each).await,
        Backend::Postgres => postgres_rows(db, filter, each).await,
    }
}

/// The columns as PostgreSQL sends them, decoded by position.
type PgRow = (
    String,
    Option<String>,
    Option<i16>,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<serde_json::Value>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    i32,
    Option<DateTime<Utc>>,
);

/// The same rows on PostgreSQL, read through sqlx directly and decoded by position: a year of
/// incidents is 100,000 rows, and decoding each column by name cost more than the query.
async fn postgres_rows<T>(
    db: &Db,
    filter: &MetricsFilter,
    mut each: impl FnMut(MetricsRow) -> T,
) -> Result<Vec<T>, DbErr> {
    use futures::TryStreamExt;
    use sea_orm::sqlx;
    let mut sql = String::from(
        "SELECT service, category, priority, status, created_at, triaged_at, mitigated_at, \
         resolved_at, reopened_at, resolution_runs, helped_by, manager_assigned_at, \
         acknowledged_at, reopen_count, impact_started_at FROM incidents WHERE created_at >= $1 AND created_at < $2",
    );
    let mut n = 2;
    let mut next = |sql: &mut String, column: &str| {
        n += 1;
        sql.push_str(&format!(" AND {column} = ${n}"));
    };
    if filter.service.is_some() {
        next(&mut sql, "service");
    }
    if filter.category.is_some() {
        next(&mut sql, "category");
    }
    if filter.priority_rank.is_some() {
        next(&mut sql, "priority");
    }
    // Only fixed column names and placeholders were added to the text; values are bound.
    let mut query = sqlx::query_as::<_, PgRow>(sqlx::AssertSqlSafe(sql))
        .bind(filter.from)
        .bind(filter.to);
    if let Some(service) = &filter.service {
        query = query.bind(service.as_str());
    }
    if let Some(category) = &filter.category {
        query = query.bind(category.as_str());
    }
    if let Some(rank) = filter.priority_rank {
        query = query.bind(rank);
    }
    let failed = |e: sqlx::Error| DbErr::Custom(format!("incident metrics: {e}"));
    let pool = db.conn().get_postgres_connection_pool();
    let mut txn = pool.begin().await.map_err(failed)?;
    // PostgreSQL's JIT can compile a plan over 100,000 rows on every call, for longer than
    // running it takes (measured with EXPLAIN ANALYZE). Off for this one.
    sqlx::query("SET LOCAL jit = off")
        .execute(&mut *txn)
        .await
        .map_err(failed)?;
    let mut out = Vec::new();
    let mut rows = query.fetch(&mut *txn);
    while let Some(r) = rows.try_next().await.map_err(failed)? {
        out.push(each(MetricsRow {
            service: r.0,
            category: r.1,
            priority: r.2,
            status: r.3,
            created_at: r.4,
            triaged_at: r.5,
            mitigated_at: r.6,
            resolved_at: r.7,
            reopened_at: r.8,
            resolution_runs: r.9,
            helped_by: r.10,
            manager_assigned_at: r.11,
            acknowledged_at: r.12,
            reopen_count: r.13,
            impact_started_at: r.14,
        }));
    }
    drop(rows);
    txn.commit().await.map_err(failed)?;
    Ok(out)
}

impl FromSqliteRow for MetricsRow {
    const COLUMNS: &'static [&'static str] = &[
        "service",
        "category",
        "priority",
        "status",
        "created_at",
        "triaged_at",
        "mitigated_at",
        "resolved_at",
        "reopened_at",
        "resolution_runs",
        "helped_by",
        "manager_assigned_at",
        "acknowledged_at",
        "reopen_count",
        "impact_started_at",
    ];

    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        let helped_by: Option<String> = row.get(10)?;
        Ok(Self {
            service: row.get(0)?,
            category: row.get(1)?,
            priority: row.get(2)?,
            status: row.get(3)?,
            created_at: timestamp(row, 4)?,
            triaged_at: timestamp_opt(row, 5)?,
            mitigated_at: timestamp_opt(row, 6)?,
            resolved_at: timestamp_opt(row, 7)?,
            reopened_at: timestamp_opt(row, 8)?,
            resolution_runs: row.get(9)?,
            helped_by: helped_by.and_then(|text| serde_json::from_str(&text).ok()),
            manager_assigned_at: timestamp_opt(row, 11)?,
            acknowledged_at: timestamp_opt(row, 12)?,
            reopen_count: row.get(13)?,
            impact_started_at: timestamp_opt(row, 14)?,
        })
    }
}
