//! Links between related incidents: one row per direction, so each side reads its links by
//! its own primary-key prefix.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};

use super::entity::incident_link::{ActiveModel, Column, Entity};
use crate::domain::ids::{IncidentId, UserId};

/// The incidents each of `incidents` is related to, oldest link first; those without links
/// are absent.
pub async fn related_of(
    conn: &impl ConnectionTrait,
    incidents: &[IncidentId],
) -> Result<HashMap<IncidentId, Vec<IncidentId>>, DbErr> {
    let rows = Entity::find()
        .filter(Column::IncidentId.is_in(incidents.iter().map(|i| i.0)))
        .order_by_asc(Column::LinkedAt)
        .order_by_asc(Column::RelatedId)
        .all(conn)
        .await?;
    let mut out: HashMap<IncidentId, Vec<IncidentId>> = HashMap::new();
    for row in rows {
        out.entry(IncidentId(row.incident_id))
            .or_default()
            .push(IncidentId(row.related_id));
    }
    Ok(out)
}

/// How many incidents `incident` is related to.
pub async fn count(conn: &impl ConnectionTrait, incident: IncidentId) -> Result<u64, DbErr> {
    Entity::find()
        .filter(Column::IncidentId.eq(incident.0))
        .count(conn)
        .await
}

/// Whether `a` and `b` are linked.
pub async fn linked(
    conn: &impl ConnectionTrait,
    a: IncidentId,
    b: IncidentId,
) -> Result<bool, DbErr> {
    Ok(Entity::find_by_id((a.0, b.0)).one(conn).await?.is_some())
}

/// Links `a` and `b` both ways.
pub async fn link(
    conn: &impl ConnectionTrait,
    a: IncidentId,
    b: IncidentId,
    at: DateTime<Utc>,
    by: &UserId,
) -> Result<(), DbErr> {
    let row = |from: IncidentId, to: IncidentId| ActiveModel {
        incident_id: Set(from.0),
        related_id: Set(to.0),
        linked_at: Set(at),
        linked_by: Set(by.as_str().to_owned()),
    };
    Entity::insert_many([row(a, b), row(b, a)])
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Removes the link between `a` and `b`, both ways.
pub async fn unlink(
    conn: &impl ConnectionTrait,
    a: IncidentId,
    b: IncidentId,
) -> Result<(), DbErr> {
    let direction = |from: IncidentId, to: IncidentId| {
        Condition::all()
            .add(Column::IncidentId.eq(from.0))
            .add(Column::RelatedId.eq(to.0))
    };
    Entity::delete_many()
        .filter(Condition::any().add(direction(a, b)).add(direction(b, a)))
        .exec(conn)
        .await?;
    Ok(())
}
