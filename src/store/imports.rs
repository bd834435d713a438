//! Queries for `hindsight import`: which original ids are already here, a block of incident
//! numbers for a batch, and linking imported duplicates to their originals.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::entity::{counter, incident};
use crate::domain::ids::IncidentId;
use crate::domain::incident::Source;

/// Of `keys`, those an imported incident has as its original id, with that incident.
pub async fn imported_with_keys(
    conn: &impl ConnectionTrait,
    keys: &[&str],
) -> Result<Vec<(String, IncidentId)>, DbErr> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<(Option<String>, Uuid)> = incident::Entity::find()
        .select_only()
        .column(incident::Column::ExternalId)
        .column(incident::Column::Id)
        .filter(incident::Column::Source.eq(Source::Imported.as_str()))
        .filter(incident::Column::ExternalId.is_in(keys.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(found
        .into_iter()
        .filter_map(|(key, id)| Some((key?, IncidentId(id))))
        .collect())
}

/// Records that the imported `duplicate` duplicates `original`.
pub async fn link_duplicate(
    conn: &impl ConnectionTrait,
    duplicate: IncidentId,
    original: IncidentId,
) -> Result<(), DbErr> {
    incident::Entity::update_many()
        .col_expr(incident::Column::DuplicateOf, Expr::value(original.0))
        .filter(incident::Column::Id.eq(duplicate.0))
        .exec(conn)
        .await?;
    Ok(())
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
