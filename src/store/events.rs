//! The append-only timeline. There is an insert and there are reads; nothing updates or
//! deletes an event.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Asterisk, Expr, Func, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::Value;
use uuid::Uuid;

use super::columns::{column, nullable};
use super::entity::incident_event::{ActiveModel, Column, Entity, Model};
use crate::domain::event::Event;
use crate::domain::event::EventKind;
use crate::domain::ids::{EventId, IncidentId, UserId};
use crate::domain::team::Audience;

impl TryFrom<Model> for Event {
    type Error = DbErr;

    fn try_from(m: Model) -> Result<Self, DbErr> {
        Ok(Self {
            id: EventId(m.id),
            incident_id: IncidentId(m.incident_id),
            at: m.at,
            actor_id: UserId::from(m.actor_id),
            kind: column(&m.kind)?,
            before: m.before,
            after: m.after,
            audience: nullable(m.audience.as_deref())?,
        })
    }
}

pub struct NewEvent<'a> {
    pub incident_id: IncidentId,
    pub at: DateTime<Utc>,
    pub actor_id: &'a UserId,
    pub kind: EventKind,
    pub before: Option<Value>,
    pub after: Value,
    pub audience: Option<Audience>,
}

impl<'a> NewEvent<'a> {
    /// `actor` did `kind` to the incident at `at`; `after` is the detail. Anyone who may read
    /// the incident may see it, and it has no `before` until one is given.
    pub fn new(
        incident_id: IncidentId,
        at: DateTime<Utc>,
        actor_id: &'a UserId,
        kind: EventKind,
        after: Value,
    ) -> Self {
        Self {
            incident_id,
            at,
            actor_id,
            kind,
            before: None,
            after,
            audience: None,
        }
    }

    /// What the changed values were before.
    pub fn before(self, before: Option<Value>) -> Self {
        Self { before, ..self }
    }

    /// Only `audience` may see it.
    pub fn for_audience(self, audience: Audience) -> Self {
        Self {
            audience: Some(audience),
            ..self
        }
    }
}

/// Appends the event and returns it as stored.
pub async fn append(conn: &impl ConnectionTrait, event: NewEvent<'_>) -> Result<Event, DbErr> {
    let row = ActiveModel {
        incident_id: Set(event.incident_id.0),
        at: Set(event.at),
        actor_id: Set(event.actor_id.as_str().to_owned()),
        kind: Set(event.kind.as_str().to_owned()),
        before: Set(event.before.clone()),
        after: Set(Some(event.after.clone())),
        audience: Set(event.audience.map(|a| a.as_str().to_owned())),
        ..Default::default()
    };
    let id = Entity::insert(row).exec(conn).await?.last_insert_id;
    Ok(Event {
        id: EventId(id),
        incident_id: event.incident_id,
        at: event.at,
        actor_id: event.actor_id.clone(),
        kind: event.kind,
        before: event.before,
        after: Some(event.after),
        audience: event.audience,
    })
}

/// The first `limit` events of each incident, in one statement (a window per incident).
/// Which events a read returns: all of them, or none meant for the responders only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    All,
    NotInternal,
}

impl Scope {
    fn condition(self) -> sea_orm::sea_query::Condition {
        let all = sea_orm::sea_query::Condition::all();
        match self {
            Scope::All => all,
            Scope::NotInternal => all.add(
                sea_orm::sea_query::Condition::any()
                    .add(Column::Audience.is_null())
                    .add(Column::Audience.ne(Audience::Internal.as_str())),
            ),
        }
    }
}

pub async fn first_page_of_each(
    conn: &impl ConnectionTrait,
    incidents: &[IncidentId],
    limit: u64,
    scope: Scope,
) -> Result<HashMap<IncidentId, Vec<Event>>, DbErr> {
    let rows = Query::select()
        .column(Asterisk)
        .from(Entity)
        .and_where(Column::IncidentId.is_in(incidents.iter().map(|i| i.0)))
        .cond_where(scope.condition())
        .to_owned();
    let stmt = super::window::first_of_each(rows, "id", limit, "id", Order::Asc);
    let backend = conn.get_database_backend();
    let rows = Model::find_by_statement(backend.build(&stmt))
        .all(conn)
        .await?;
    group(rows)
}

/// The events with these ids, in id order (the order they were appended); ids that do not
/// exist are left out.
pub async fn by_ids(conn: &impl ConnectionTrait, ids: &[EventId]) -> Result<Vec<Event>, DbErr> {
    Entity::find()
        .filter(Column::Id.is_in(ids.iter().map(|id| id.0)))
        .order_by_asc(Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(Event::try_from)
        .collect()
}

/// Events of one incident after the cursor event, in order.
pub async fn page_after(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
    after: EventId,
    limit: u64,
    scope: Scope,
) -> Result<Vec<Event>, DbErr> {
    Entity::find()
        .filter(Column::IncidentId.eq(incident.0))
        .filter(Column::Id.gt(after.0))
        .filter(scope.condition())
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(Event::try_from)
        .collect()
}

/// How many events each incident has, in one statement.
pub async fn counts(
    conn: &impl ConnectionTrait,
    incidents: &[IncidentId],
    scope: Scope,
) -> Result<HashMap<IncidentId, i64>, DbErr> {
    let stmt = Query::select()
        .column(Column::IncidentId)
        .expr_as(Func::count(Expr::col(Column::Id)), Alias::new("n"))
        .from(Entity)
        .and_where(Column::IncidentId.is_in(incidents.iter().map(|i| i.0)))
        .cond_where(scope.condition())
        .group_by_col(Column::IncidentId)
        .to_owned();
    let mut out = HashMap::new();
    for row in conn.query_all(&stmt).await? {
        let id: Uuid = row.try_get("", "incident_id")?;
        let n: i64 = row.try_get("", "n")?;
        out.insert(IncidentId(id), n);
    }
    Ok(out)
}

fn group(rows: Vec<Model>) -> Result<HashMap<IncidentId, Vec<Event>>, DbErr> {
    let mut out: HashMap<IncidentId, Vec<Event>> = HashMap::new();
    for row in rows {
        let event = Event::try_from(row)?;
        out.entry(event.incident_id).or_default().push(event);
    }
    Ok(out)
}

/// Events of every incident after `after`, in order: the automation worker reads the
/// timeline this way for triggers.
pub async fn all_after(
    conn: &impl ConnectionTrait,
    after: EventId,
    limit: u64,
) -> Result<Vec<Event>, DbErr> {
    Entity::find()
        .filter(Column::Id.gt(after.0))
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(Event::try_from)
        .collect()
}

/// The newest event's id (0 on an empty timeline).
pub async fn head(conn: &impl ConnectionTrait) -> Result<EventId, DbErr> {
    let newest: Option<i64> = Entity::find()
        .select_only()
        .column(Column::Id)
        .order_by_desc(Column::Id)
        .limit(1)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(EventId(newest.unwrap_or(0)))
}
