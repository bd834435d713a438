//! Users as identity tokens describe them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::db::Reader;
use super::entity::user::{ActiveModel, Column, Entity, Model};
use crate::domain::ids::UserId;
use crate::domain::user::User;

impl From<Model> for User {
    fn from(m: Model) -> Self {
        Self {
            id: UserId::from(m.id),
            name: m.name,
            email: m.email,
        }
    }
}

/// Inserts the user, or refreshes name, email and last-seen time if known.
pub async fn upsert(
    conn: &impl ConnectionTrait,
    user: &User,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = ActiveModel {
        id: Set(user.id.as_str().to_owned()),
        name: Set(user.name.clone()),
        email: Set(user.email.clone()),
        first_seen_at: Set(now),
        last_seen_at: Set(now),
    };
    Entity::insert(row)
        .on_conflict(
            OnConflict::column(Column::Id)
                .update_columns([Column::Name, Column::Email, Column::LastSeenAt])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

pub async fn find_many(
    reader: &impl Reader,
    ids: &[UserId],
) -> Result<HashMap<UserId, User>, DbErr> {
    let rows = reader
        .read_all(Entity::find().filter(Column::Id.is_in(ids.iter().map(UserId::as_str))))
        .await?;
    Ok(rows
        .into_iter()
        .map(|m| {
            let user = User::from(m);
            (user.id.clone(), user)
        })
        .collect())
}

/// Users whose name, email or id contains `search` (case-insensitive), by id, after `after`.
pub async fn search(
    conn: &impl ConnectionTrait,
    search: Option<&str>,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<User>, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    let mut q = Entity::find();
    if let Some(text) = search.filter(|t| !t.is_empty()) {
        // LIKE wildcards in the search text match themselves.
        let escaped = text
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        let like = |col: Column| {
            Expr::expr(Func::lower(Expr::col(col)))
                .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\'))
        };
        q = q.filter(
            Condition::any()
                .add(like(Column::Name))
                .add(like(Column::Email))
                .add(like(Column::Id)),
        );
    }
    if let Some(after) = after {
        q = q.filter(Column::Id.gt(after));
    }
    Ok(q.order_by_asc(Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(User::from)
        .collect())
}
