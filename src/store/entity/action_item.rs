//! A row of the `action_items` table: a review's follow-up work.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "action_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub review_id: Uuid,
    pub incident_id: Uuid,
    pub title: String,
    pub owner_id: String,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    pub kind: String,
    pub status: String,
    pub reason: Option<String>,
    pub problem_id: Option<Uuid>,
    pub created_by: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
