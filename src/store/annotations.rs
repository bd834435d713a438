//! Annotations beside timeline events: one per event, replaced when edited.

use std::collections::HashMap;

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

use super::entity::event_annotation::{ActiveModel, Column, Entity};
use crate::domain::event::Annotation;
use crate::domain::ids::{EventId, IncidentId, UserId};

/// Sets (or replaces) the annotation of `event`.
pub async fn set(
    conn: &impl ConnectionTrait,
    event: EventId,
    incident: IncidentId,
    annotation: &Annotation,
) -> Result<(), DbErr> {
    let row = ActiveModel {
        event_id: Set(event.0),
        incident_id: Set(incident.0),
        body: Set(annotation.body.clone()),
        updated_at: Set(annotation.updated_at),
        updated_by: Set(annotation.updated_by.as_str().to_owned()),
    };
    Entity::insert(row)
        .on_conflict(
            OnConflict::column(Column::EventId)
                .update_columns([Column::Body, Column::UpdatedAt, Column::UpdatedBy])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// The annotations of these events, in one statement.
pub async fn of_events(
    conn: &impl ConnectionTrait,
    events: &[EventId],
) -> Result<HashMap<EventId, Annotation>, DbErr> {
    Ok(Entity::find()
        .filter(Column::EventId.is_in(events.iter().map(|e| e.0)))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| {
            (
                EventId(m.event_id),
                Annotation {
                    body: m.body,
                    updated_at: m.updated_at,
                    updated_by: UserId::from(m.updated_by),
                },
            )
        })
        .collect())
}
