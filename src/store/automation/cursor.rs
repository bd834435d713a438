//! How far the timeline has been read for automation triggers: one row, shared by every node
//! (each reads from it; the claims on runs keep two nodes from firing twice).

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::domain::ids::EventId;
use crate::store::entity::automation_cursor::{ActiveModel, Column, Entity};

const ROW: i32 = 1;

/// The last event read, if automation ever ran on this database.
pub async fn read(conn: &impl ConnectionTrait) -> Result<Option<EventId>, DbErr> {
    Ok(Entity::find_by_id(ROW)
        .one(conn)
        .await?
        .map(|row| EventId(row.last_event_id)))
}

/// Starts reading at `head` (unless another node started first): rules act on what happens
/// from now on, not on the whole history.
pub async fn start_at(conn: &impl ConnectionTrait, head: EventId) -> Result<(), DbErr> {
    Entity::insert(ActiveModel {
        id: Set(ROW),
        last_event_id: Set(head.0),
    })
    .on_conflict(OnConflict::column(Column::Id).do_nothing().to_owned())
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Moves the position forward to `to` (never back: another node may be ahead).
pub async fn advance(conn: &impl ConnectionTrait, to: EventId) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::LastEventId, to.0.into())
        .filter(Column::Id.eq(ROW))
        .filter(Column::LastEventId.lt(to.0))
        .exec(conn)
        .await?;
    Ok(())
}
