//! The knowledge-base change log (outbox): appended inside the transaction of the change,
//! read in order by each node's index worker.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, Statement,
};

use super::entity::index_change::{ActiveModel, Column, Entity};
use crate::domain::ids::{IncidentId, ProblemId};

/// What a change-log entry names: the knowledge base holds resolved incidents and known errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Document {
    Incident(IncidentId),
    Problem(ProblemId),
}

const INCIDENT: &str = "incident";
const PROBLEM: &str = "problem";

/// An arbitrary constant naming the change log's advisory lock on PostgreSQL.
const CHANGE_LOG_LOCK: i64 = 0x6869_6e64_7369_6768; // "hindsigh"

/// Appends a change for `incident`. On PostgreSQL the transaction first takes an advisory
/// lock held until it ends, so sequence numbers become visible in commit order and a worker
/// that has seen `n` will never later see a smaller one. (On SQLite writers are serialized
/// already.)
pub async fn append(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    append_document(conn, Document::Incident(incident), now).await
}

/// Appends a change for a problem (a known error enters, changes or leaves the index).
pub async fn append_problem(
    conn: &impl ConnectionTrait,
    problem: ProblemId,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    append_document(conn, Document::Problem(problem), now).await
}

async fn append_document(
    conn: &impl ConnectionTrait,
    document: Document,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [CHANGE_LOG_LOCK.into()],
        ))
        .await?;
    }
    let (id, kind) = match document {
        Document::Incident(id) => (id.0, INCIDENT),
        Document::Problem(id) => (id.0, PROBLEM),
    };
    let row = ActiveModel {
        incident_id: Set(id),
        kind: Set(kind.to_owned()),
        created_at: Set(now),
        ..Default::default()
    };
    Entity::insert(row).exec_without_returning(conn).await?;
    Ok(())
}

/// Changes after `after`, oldest first: (sequence, document).
pub async fn after(
    conn: &impl ConnectionTrait,
    after: i64,
    limit: u64,
) -> Result<Vec<(i64, Document)>, DbErr> {
    Ok(Entity::find()
        .filter(Column::Seq.gt(after))
        .order_by_asc(Column::Seq)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| {
            let document = if m.kind == PROBLEM {
                Document::Problem(ProblemId(m.incident_id))
            } else {
                Document::Incident(IncidentId(m.incident_id))
            };
            (m.seq, document)
        })
        .collect())
}

/// The newest sequence number, 0 for an empty log.
pub async fn last_seq(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let stmt = Query::select()
        .expr_as(
            Func::coalesce([Func::max(Expr::col(Column::Seq)).into(), Expr::val(0i64)]),
            "last",
        )
        .from(Entity)
        .to_owned();
    match conn.query_one(&stmt).await? {
        Some(row) => row.try_get("", "last"),
        None => Ok(0),
    }
}
