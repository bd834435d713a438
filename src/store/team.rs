//! Who holds which role on which incident (with the history of assignments), and who watches
//! which incident.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Asterisk, OnConflict, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::columns::column;
use super::entity::incident_role::{self, Column, Entity, Model};
use super::entity::incident_watcher;
use super::window;
use crate::domain::ids::{IncidentId, UserId};
use crate::domain::team::Assignment;
use crate::domain::team::IncidentRole;

impl TryFrom<Model> for Assignment {
    type Error = DbErr;

    fn try_from(m: Model) -> Result<Self, DbErr> {
        Ok(Self {
            id: m.id,
            incident_id: IncidentId(m.incident_id),
            user_id: UserId::from(m.user_id),
            role: column(&m.role)?,
            assumed_at: m.assumed_at,
            assigned_by: UserId::from(m.assigned_by),
            relieved_at: m.relieved_at,
            relieved_by: m.relieved_by.map(UserId::from),
        })
    }
}

/// The roles `user` holds on `incident` right now.
pub async fn roles_of(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
    user: &UserId,
) -> Result<Vec<IncidentRole>, DbErr> {
    Ok(roles_on_many(conn, &[incident], user)
        .await?
        .remove(&incident)
        .unwrap_or_default())
}

/// The roles `user` holds right now on each of `incidents`, in one statement.
pub async fn roles_on_many(
    conn: &impl ConnectionTrait,
    incidents: &[IncidentId],
    user: &UserId,
) -> Result<HashMap<IncidentId, Vec<IncidentRole>>, DbErr> {
    let rows = Entity::find()
        .filter(Column::IncidentId.is_in(incidents.iter().map(|i| i.0)))
        .filter(Column::UserId.eq(user.as_str()))
        .filter(Column::RelievedAt.is_null())
        .all(conn)
        .await?;
    let mut out: HashMap<IncidentId, Vec<IncidentRole>> = HashMap::new();
    for row in rows {
        let a = Assignment::try_from(row)?;
        out.entry(a.incident_id).or_default().push(a.role);
    }
    Ok(out)
}

/// The assignments of each incident, oldest first, in one statement: the active ones, then
/// the most recent history, `limit` in all.
pub async fn assignments_of(
    conn: &impl ConnectionTrait,
    incidents: &[IncidentId],
    limit: u64,
) -> Result<HashMap<IncidentId, Vec<Assignment>>, DbErr> {
    let rows = Query::select()
        .column(Asterisk)
        .from(Entity)
        .and_where(Column::IncidentId.is_in(incidents.iter().map(|i| i.0)))
        .to_owned();
    let stmt = window::first_of_each(
        rows,
        "CASE WHEN relieved_at IS NULL THEN 0 ELSE 1 END, id DESC",
        limit,
        "id",
        Order::Asc,
    );
    let rows = Model::find_by_statement(conn.get_database_backend().build(&stmt))
        .all(conn)
        .await?;
    let mut out: HashMap<IncidentId, Vec<Assignment>> = HashMap::new();
    for row in rows {
        let a = Assignment::try_from(row)?;
        out.entry(a.incident_id).or_default().push(a);
    }
    Ok(out)
}

/// Which of `incidents` someone holds `role` on now.
pub async fn with_active_role(
    conn: &impl ConnectionTrait,
    incidents: &[IncidentId],
    role: IncidentRole,
) -> Result<std::collections::HashSet<IncidentId>, DbErr> {
    let mut found = std::collections::HashSet::new();
    for chunk in incidents.chunks(500) {
        let ids: Vec<uuid::Uuid> = Entity::find()
            .select_only()
            .column(Column::IncidentId)
            .filter(Column::IncidentId.is_in(chunk.iter().map(|i| i.0)))
            .filter(Column::Role.eq(role.as_str()))
            .filter(Column::RelievedAt.is_null())
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(ids.into_iter().map(IncidentId));
    }
    Ok(found)
}

/// The active assignments of one incident.
pub async fn active_on(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
) -> Result<Vec<Assignment>, DbErr> {
    Entity::find()
        .filter(Column::IncidentId.eq(incident.0))
        .filter(Column::RelievedAt.is_null())
        .order_by_asc(Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(Assignment::try_from)
        .collect()
}

pub async fn assign(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
    user: &UserId,
    role: IncidentRole,
    at: DateTime<Utc>,
    by: &UserId,
) -> Result<Assignment, DbErr> {
    let row = incident_role::ActiveModel {
        incident_id: Set(incident.0),
        user_id: Set(user.as_str().to_owned()),
        role: Set(role.as_str().to_owned()),
        assumed_at: Set(at),
        assigned_by: Set(by.as_str().to_owned()),
        relieved_at: Set(None),
        relieved_by: Set(None),
        ..Default::default()
    };
    let id = Entity::insert(row).exec(conn).await?.last_insert_id;
    Ok(Assignment {
        id,
        incident_id: incident,
        user_id: user.clone(),
        role,
        assumed_at: at,
        assigned_by: by.clone(),
        relieved_at: None,
        relieved_by: None,
    })
}

/// Ends an active assignment. False if it had already ended.
pub async fn relieve(
    conn: &impl ConnectionTrait,
    assignment: i64,
    at: DateTime<Utc>,
    by: &UserId,
) -> Result<bool, DbErr> {
    let result = Entity::update_many()
        .set(incident_role::ActiveModel {
            relieved_at: Set(Some(at)),
            relieved_by: Set(Some(by.as_str().to_owned())),
            ..Default::default()
        })
        .filter(Column::Id.eq(assignment))
        .filter(Column::RelievedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Starts watching; false if `user` already watched the incident.
pub async fn watch(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
    user: &UserId,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let row = incident_watcher::ActiveModel {
        incident_id: Set(incident.0),
        user_id: Set(user.as_str().to_owned()),
        since: Set(at),
    };
    let inserted = incident_watcher::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                incident_watcher::Column::IncidentId,
                incident_watcher::Column::UserId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(inserted == 1)
}

/// Stops watching; false if `user` did not watch the incident.
pub async fn unwatch(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
    user: &UserId,
) -> Result<bool, DbErr> {
    let result = incident_watcher::Entity::delete_many()
        .filter(incident_watcher::Column::IncidentId.eq(incident.0))
        .filter(incident_watcher::Column::UserId.eq(user.as_str()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The first `limit` watchers of each incident (user id, since when), oldest first, in one
/// statement.
pub async fn watchers_of(
    conn: &impl ConnectionTrait,
    incidents: &[IncidentId],
    limit: u64,
) -> Result<HashMap<IncidentId, Vec<(UserId, DateTime<Utc>)>>, DbErr> {
    let rows = Query::select()
        .column(Asterisk)
        .from(incident_watcher::Entity)
        .and_where(incident_watcher::Column::IncidentId.is_in(incidents.iter().map(|i| i.0)))
        .to_owned();
    let stmt = window::first_of_each(rows, "since, user_id", limit, "since", Order::Asc);
    let rows = incident_watcher::Model::find_by_statement(conn.get_database_backend().build(&stmt))
        .all(conn)
        .await?;
    let mut out: HashMap<IncidentId, Vec<(UserId, DateTime<Utc>)>> = HashMap::new();
    for row in rows {
        out.entry(IncidentId(row.incident_id))
            .or_default()
            .push((UserId::from(row.user_id), row.since));
    }
    Ok(out)
}

/// Which of `incidents` `user` watches, in one statement.
pub async fn watched_by(
    conn: &impl ConnectionTrait,
    incidents: &[IncidentId],
    user: &UserId,
) -> Result<std::collections::HashSet<IncidentId>, DbErr> {
    Ok(incident_watcher::Entity::find()
        .filter(incident_watcher::Column::IncidentId.is_in(incidents.iter().map(|i| i.0)))
        .filter(incident_watcher::Column::UserId.eq(user.as_str()))
        .all(conn)
        .await?
        .into_iter()
        .map(|w| IncidentId(w.incident_id))
        .collect())
}

/// Whether `user` watches `incident`.
pub async fn is_watching(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
    user: &UserId,
) -> Result<bool, DbErr> {
    Ok(
        incident_watcher::Entity::find_by_id((incident.0, user.as_str().to_owned()))
            .one(conn)
            .await?
            .is_some(),
    )
}
