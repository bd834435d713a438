//! A row of the `problem_events` table: a problem's append-only timeline.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "problem_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub problem_id: Uuid,
    pub at: DateTimeUtc,
    pub actor_id: String,
    pub kind: String,
    pub before: Option<Json>,
    pub after: Json,
    /// The problem's version after the change; none on events older than the column.
    pub version: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
