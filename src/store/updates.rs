//! Status updates: what was told to whom about an incident. Append-only, like the timeline.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, Order, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, Set};
use uuid::Uuid;

use super::columns::{column, nullable};
use super::entity::incident_update::{ActiveModel, Column, Entity, Model};
use crate::domain::ids::{IncidentId, UserId};
use crate::domain::team::{Audience, UpdateStatus};
use crate::domain::update::Update;

impl TryFrom<Model> for Update {
    type Error = DbErr;

    fn try_from(m: Model) -> Result<Self, DbErr> {
        Ok(Self {
            id: m.id,
            incident_id: IncidentId(m.incident_id),
            at: m.at,
            author_id: UserId::from(m.author_id),
            audience: column(&m.audience)?,
            body: m.body,
            status: nullable(m.status.as_deref())?,
        })
    }
}

pub struct NewUpdate<'a> {
    pub incident_id: IncidentId,
    pub at: DateTime<Utc>,
    pub author_id: &'a UserId,
    pub audience: Audience,
    pub body: &'a str,
    pub status: Option<UpdateStatus>,
}

pub async fn insert(conn: &impl ConnectionTrait, new: NewUpdate<'_>) -> Result<Update, DbErr> {
    let row = ActiveModel {
        incident_id: Set(new.incident_id.0),
        at: Set(new.at),
        author_id: Set(new.author_id.as_str().to_owned()),
        audience: Set(new.audience.as_str().to_owned()),
        body: Set(new.body.to_owned()),
        status: Set(new.status.map(|s| s.as_str().to_owned())),
        ..Default::default()
    };
    let id = Entity::insert(row).exec(conn).await?.last_insert_id;
    Ok(Update {
        id,
        incident_id: new.incident_id,
        at: new.at,
        author_id: new.author_id.clone(),
        audience: new.audience,
        body: new.body.to_owned(),
        status: new.status,
    })
}

/// The newest `limit` updates of each incident meant for one of `audiences`, newest first,
/// in one statement (a window per incident).
pub async fn latest_of_each(
    conn: &impl ConnectionTrait,
    incidents: &[IncidentId],
    audiences: &[Audience],
    limit: u64,
) -> Result<HashMap<IncidentId, Vec<Update>>, DbErr> {
    let rows = Query::select()
        .column(Asterisk)
        .from(Entity)
        .and_where(Column::IncidentId.is_in(incidents.iter().map(|i| i.0)))
        .and_where(Column::Audience.is_in(audiences.iter().map(|a| a.as_str())))
        .to_owned();
    let stmt = super::window::first_of_each(rows, "id DESC", limit, "id", Order::Desc);
    let backend = conn.get_database_backend();
    let rows = Model::find_by_statement(backend.build(&stmt))
        .all(conn)
        .await?;
    let mut out: HashMap<IncidentId, Vec<Update>> = HashMap::new();
    for row in rows {
        let u = Update::try_from(row)?;
        out.entry(u.incident_id).or_default().push(u);
    }
    Ok(out)
}

/// When each incident last had an update for stakeholders or the public (what the update
/// cadence counts), in one statement.
pub async fn last_broadcast_at(
    conn: &impl ConnectionTrait,
    incidents: &[IncidentId],
) -> Result<HashMap<IncidentId, DateTime<Utc>>, DbErr> {
    let stmt = Query::select()
        .column(Column::IncidentId)
        .expr_as(Func::max(Expr::col(Column::At)), Alias::new("last_at"))
        .from(Entity)
        .and_where(Column::IncidentId.is_in(incidents.iter().map(|i| i.0)))
        .and_where(Expr::col(Column::Audience).ne(Audience::Internal.as_str()))
        .group_by_col(Column::IncidentId)
        .to_owned();
    let mut out = HashMap::new();
    for row in conn.query_all(&stmt).await? {
        let id: Uuid = row.try_get("", "incident_id")?;
        let at: DateTime<Utc> = row.try_get("", "last_at")?;
        out.insert(IncidentId(id), at);
    }
    Ok(out)
}
