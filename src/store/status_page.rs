//! What the public status page may read: incidents that have at least one PUBLIC update and
//! are open or were resolved recently. Only the columns the page shows are selected, so a
//! description or a reporter never leaves the database on this path.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::columns::column;
use super::entity::{incident, incident_update};
use crate::domain::ids::IncidentId;
use crate::domain::lifecycle::Status;
use crate::domain::team::Audience;

/// At most this many incidents are listed; a public page with more helps nobody, and the
/// bound keeps the refresh cheap whatever the database holds.
pub const MAX_INCIDENTS: u64 = 100;

#[derive(Debug, Clone, PartialEq)]
pub struct PublicIncidentRow {
    pub id: IncidentId,
    pub title: String,
    pub service: String,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

type Columns = (
    Uuid,
    String,
    Option<String>,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

/// Open incidents, and resolved or closed ones resolved at or after `resolved_since`, that
/// have a PUBLIC update; open ones first, newest first, in one statement.
pub async fn incidents(
    conn: &impl ConnectionTrait,
    resolved_since: DateTime<Utc>,
) -> Result<Vec<PublicIncidentRow>, DbErr> {
    use incident::Column as C;
    let has_public_update = Query::select()
        .column(incident_update::Column::IncidentId)
        .from(incident_update::Entity)
        .and_where(incident_update::Column::Audience.eq(Audience::Public.as_str()))
        .to_owned();
    let open = Status::ALL.into_iter().filter(|s| s.is_open());
    let recently_resolved = Condition::all()
        .add(C::Status.is_in([Status::Resolved.as_str(), Status::Closed.as_str()]))
        .add(C::ResolvedAt.gte(resolved_since));
    let rows: Vec<Columns> = incident::Entity::find()
        .select_only()
        .columns([
            C::Id,
            C::Title,
            C::PublicTitle,
            C::Service,
            C::Status,
            C::CreatedAt,
            C::ResolvedAt,
        ])
        .filter(
            Condition::any()
                .add(C::Status.is_in(open.map(Status::as_str)))
                .add(recently_resolved),
        )
        .filter(C::Id.in_subquery(has_public_update))
        // Open incidents first, so the limit can only ever cut resolved ones.
        .order_by(
            Expr::cust("CASE WHEN status IN ('RESOLVED', 'CLOSED') THEN 1 ELSE 0 END"),
            sea_orm::Order::Asc,
        )
        .order_by_desc(C::CreatedAt)
        .order_by_desc(C::Id)
        .limit(MAX_INCIDENTS)
        .into_tuple()
        .all(conn)
        .await?;
    rows.into_iter()
        .map(
            |(id, title, public_title, service, status, created_at, resolved_at)| {
                Ok(PublicIncidentRow {
                    id: IncidentId(id),
                    // The public title, when responders gave one: the internal title may name
                    // internals (a database pool, a host) the public should not read.
                    title: public_title.unwrap_or(title),
                    service,
                    status: column(&status)?,
                    created_at,
                    resolved_at,
                })
            },
        )
        .collect()
}
