//! Named counters, incremented inside the caller's write transaction.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DbErr};

use super::entity::counter::{Column, Entity};

pub const INCIDENT_NUMBER: &str = "incident_number";
pub const PROBLEM_NUMBER: &str = "problem_number";

/// Increments and returns the counter. The UPDATE takes the row lock (PostgreSQL) or the
/// database write lock (SQLite) until the transaction ends, so concurrent callers get distinct,
/// increasing values, and a rolled-back transaction gives its number back.
pub async fn next(conn: &impl ConnectionTrait, name: &str) -> Result<i64, DbErr> {
    let stmt = Query::update()
        .table(Entity)
        .value(Column::Value, Expr::col(Column::Value).add(1))
        .and_where(Expr::col(Column::Name).eq(name))
        .returning_col(Column::Value)
        .to_owned();
    let row = conn
        .query_one(&stmt)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("counter {name}")))?;
    row.try_get("", "value")
}
