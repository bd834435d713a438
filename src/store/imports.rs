//! Queries for `hindsight import`: which original ids are already here, and a block of
//! incident numbers for a batch.

use std::collections::HashSet;

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::entity::{counter, incident};

/// Those of `external_ids` that an incident already has.
pub async fn existing_external_ids(
    conn: &impl ConnectionTrait,
    external_ids: &[&str],
) -> Result<HashSet<String>, DbErr> {
    if external_ids.is_empty() {
        return Ok(HashSet::new());
    }
    let found: Vec<Option<String>> = incident::Entity::find()
        .select_only()
        .column(incident::Column::ExternalId)
        .filter(incident::Column::ExternalId.is_in(external_ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(found.into_iter().flatten().collect())
}

/// Advances the counter by `n` and returns the first of the `n` values reserved, inside the
/// caller's transaction (like `counters::next`, n at a time).
pub async fn reserve(conn: &impl ConnectionTrait, name: &str, n: u64) -> Result<i64, DbErr> {
    let n = i64::try_from(n).map_err(|_| DbErr::Custom(format!("cannot reserve {n} values")))?;
    let stmt = Query::update()
        .table(counter::Entity)
        .value(
            counter::Column::Value,
            Expr::col(counter::Column::Value).add(n),
        )
        .and_where(Expr::col(counter::Column::Name).eq(name))
        .returning_col(counter::Column::Value)
        .to_owned();
    let row = conn
        .query_one(&stmt)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("counter {name}")))?;
    let last: i64 = row.try_get("", "value")?;
    Ok(last - n + 1)
}
