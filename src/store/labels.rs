//! Incident labels: a row per label, indexed by label, so the list filter is an indexed
//! lookup and an incident's set is read by its primary key.

use std::collections::HashMap;

use sea_orm::QueryOrder;
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::entity::incident_label::{ActiveModel, Column, Entity};
use crate::domain::ids::IncidentId;

/// The labels of each of `incidents`, sorted; incidents without labels are absent.
pub async fn of(
    conn: &impl ConnectionTrait,
    incidents: &[IncidentId],
) -> Result<HashMap<IncidentId, Vec<String>>, DbErr> {
    let rows = Entity::find()
        .filter(Column::IncidentId.is_in(incidents.iter().map(|i| i.0)))
        .order_by_asc(Column::IncidentId)
        .order_by_asc(Column::Label)
        .all(conn)
        .await?;
    let mut out: HashMap<IncidentId, Vec<String>> = HashMap::new();
    for row in rows {
        out.entry(IncidentId(row.incident_id))
            .or_default()
            .push(row.label);
    }
    Ok(out)
}

/// The labels of one incident, sorted.
pub async fn of_one(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
) -> Result<Vec<String>, DbErr> {
    Ok(of(conn, &[incident])
        .await?
        .remove(&incident)
        .unwrap_or_default())
}

/// Replaces the labels of `incident` with `labels`.
pub async fn replace(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
    labels: &[String],
) -> Result<(), DbErr> {
    Entity::delete_many()
        .filter(Column::IncidentId.eq(incident.0))
        .exec(conn)
        .await?;
    if labels.is_empty() {
        return Ok(());
    }
    Entity::insert_many(labels.iter().map(|label| ActiveModel {
        incident_id: Set(incident.0),
        label: Set(label.clone()),
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// The ids of the incidents labelled `label`, as a subquery for the list filter.
pub fn labelled(label: &str) -> SelectStatement {
    Query::select()
        .column(Column::IncidentId)
        .from(Entity)
        .and_where(Column::Label.eq(label))
        .to_owned()
}
