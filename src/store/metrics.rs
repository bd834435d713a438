//! The rows incident metrics are computed from: one per incident reported in the period,
//! with its stamps, when an incident manager was first assigned and whether it was ever
//! reopened, read in one statement (correlated subqueries, no query per incident).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SimpleExpr, SubQueryStatement};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, TransactionTrait};

use super::entity::{incident, incident_event, incident_role};
use super::sqlite_reads::{FromSqliteRow, timestamp, timestamp_opt};
use super::{Backend, Db};
use crate::domain::event::EventKind;
use crate::domain::metrics::MetricsFilter;
use crate::domain::team::IncidentRole;

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
    pub first_manager_at: Option<DateTime<Utc>>,
    pub reopen_events: i64,
}

fn scalar(select: sea_orm::sea_query::SelectStatement) -> SimpleExpr {
    SimpleExpr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(select)))
}

pub async fn rows(db: &Db, filter: &MetricsFilter) -> Result<Vec<MetricsRow>, DbErr> {
    use incident::Column as I;
    let incidents = Alias::new("incidents");
    let first_manager = Query::select()
        .expr(Expr::col((incident_role::Entity, incident_role::Column::AssumedAt)).min())
        .from(incident_role::Entity)
        .and_where(
            Expr::col((incident_role::Entity, incident_role::Column::IncidentId))
                .equals((incidents.clone(), I::Id)),
        )
        .and_where(
            Expr::col((incident_role::Entity, incident_role::Column::Role))
                .eq(IncidentRole::IncidentManager.as_str()),
        )
        .to_owned();
    let reopens = Query::select()
        .expr(Expr::col((incident_event::Entity, incident_event::Column::Id)).count())
        .from(incident_event::Entity)
        .and_where(
            Expr::col((incident_event::Entity, incident_event::Column::IncidentId))
                .equals((incidents.clone(), I::Id)),
        )
        .and_where(
            Expr::col((incident_event::Entity, incident_event::Column::Kind))
                .eq(EventKind::Reopened.as_str()),
        )
        .to_owned();
    let mut select = Query::select();
    select
        .columns(
            [
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
            ]
            .map(|c| (incidents.clone(), c)),
        )
        .expr_as(scalar(first_manager), Alias::new("first_manager_at"))
        .expr_as(scalar(reopens), Alias::new("reopen_events"))
        .from(incident::Entity)
        .and_where(Expr::col((incidents.clone(), I::CreatedAt)).gte(filter.from))
        .and_where(Expr::col((incidents.clone(), I::CreatedAt)).lt(filter.to));
    if let Some(service) = &filter.service {
        select.and_where(Expr::col((incidents.clone(), I::Service)).eq(service.as_str()));
    }
    if let Some(category) = &filter.category {
        select.and_where(Expr::col((incidents.clone(), I::Category)).eq(category.as_str()));
    }
    if let Some(rank) = filter.priority_rank {
        select.and_where(Expr::col((incidents.clone(), I::Priority)).eq(rank));
    }
    match db.backend() {
        Backend::Sqlite => db.read_rows(&select).await,
        Backend::Postgres => {
            // The per-incident subplans give this statement a high estimated cost, so
            // PostgreSQL's JIT compiles it on every call: about 250 ms on 100,000 incidents,
            // more than running it takes (measured with EXPLAIN ANALYZE). Off for this one.
            let txn = db.conn().begin().await?;
            txn.execute_unprepared("SET LOCAL jit = off").await?;
            let statement = txn.get_database_backend().build(&select);
            let rows = MetricsRow::find_by_statement(statement).all(&txn).await?;
            txn.commit().await?;
            Ok(rows)
        }
    }
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
        "first_manager_at",
        "reopen_events",
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
            first_manager_at: timestamp_opt(row, 11)?,
            reopen_events: row.get(12)?,
        })
    }
}
