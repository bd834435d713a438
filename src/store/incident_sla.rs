//! Where each incident stands against its SLA (`incident_sla`): written with every change to
//! the incident and kept current by the SLA worker, read when incidents are listed by SLA.
//! The state at an instant follows from the stored values with the rule of
//! `domain::sla::standing::Standing::state`, written here once more in SQL.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait};
use sea_orm::{QueryFilter, QuerySelect};

use super::entity::incident;
use super::entity::incident_sla::{ActiveModel, Column, Entity};
use crate::domain::ids::IncidentId;
use crate::domain::sla::clock::ClockState;
use crate::domain::sla::standing::Standing;

/// Writes where `incidents` stand now (inserting or replacing each row).
pub async fn save(
    conn: &impl ConnectionTrait,
    standings: &[(IncidentId, Standing)],
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    if standings.is_empty() {
        return Ok(());
    }
    let rows = standings.iter().map(|(id, s)| ActiveModel {
        incident_id: Set(id.0),
        next_due_at: Set(s.next_due_at),
        breached_at: Set(s.breached_at),
        met: Set(s.met),
        updated_at: Set(at),
    });
    Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(Column::IncidentId)
                .update_columns([
                    Column::NextDueAt,
                    Column::BreachedAt,
                    Column::Met,
                    Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// The stored standing of each of `incidents` that has one.
pub async fn of(
    conn: &impl ConnectionTrait,
    incidents: &[IncidentId],
) -> Result<HashMap<IncidentId, Standing>, DbErr> {
    let mut found = HashMap::new();
    for chunk in incidents.chunks(500) {
        let rows = Entity::find()
            .filter(Column::IncidentId.is_in(chunk.iter().map(|i| i.0)))
            .all(conn)
            .await?;
        found.extend(rows.into_iter().map(|r| {
            let standing = Standing {
                next_due_at: r.next_due_at,
                breached_at: r.breached_at,
                met: r.met,
            };
            (IncidentId(r.incident_id), standing)
        }));
    }
    Ok(found)
}

/// Up to `limit` incidents that have no standing yet (written before this table existed, or
/// imported), oldest first.
pub async fn missing(conn: &impl ConnectionTrait, limit: u64) -> Result<Vec<IncidentId>, DbErr> {
    let ids: Vec<uuid::Uuid> = incident::Entity::find()
        .select_only()
        .column(incident::Column::Id)
        .filter(
            incident::Column::Id.not_in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(Column::IncidentId)
                    .from(Entity)
                    .to_owned(),
            ),
        )
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(ids.into_iter().map(IncidentId).collect())
}

/// Incidents (joined with their standing, absent = not applicable) in any of `states` at `at`.
pub(super) fn in_states(states: &[ClockState], at: DateTime<Utc>) -> Condition {
    let breached = || Column::BreachedAt.lte(at);
    let not_breached = || {
        Condition::any()
            .add(Column::BreachedAt.is_null())
            .add(Column::BreachedAt.gt(at))
    };
    let none_running = || Column::NextDueAt.is_null();
    states
        .iter()
        .fold(Condition::any(), |any, state| match state {
            ClockState::Breached => any.add(breached()),
            ClockState::Running => any.add(
                Condition::all()
                    .add(not_breached())
                    .add(Column::NextDueAt.is_not_null()),
            ),
            ClockState::Met => any.add(
                Condition::all()
                    .add(not_breached())
                    .add(none_running())
                    .add(Column::Met.eq(true)),
            ),
            ClockState::NotApplicable => any.add(
                Condition::all()
                    .add(not_breached())
                    .add(none_running())
                    .add(
                        Condition::any()
                            .add(Column::Met.is_null())
                            .add(Column::Met.eq(false)),
                    ),
            ),
        })
}

/// The next due time, for ordering (incidents without a running clock sort last).
pub(super) fn next_due() -> Expr {
    Expr::col((Entity, Column::NextDueAt))
}
