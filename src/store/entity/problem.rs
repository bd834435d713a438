//! A row of the `problems` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "problems")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub number: i64,
    pub title: String,
    pub description: String,
    pub service: String,
    pub category: Option<String>,
    pub impact: String,
    pub urgency: String,
    pub priority: i16,
    pub status: String,
    pub root_cause: Option<String>,
    pub workaround: Option<String>,
    pub fix: Option<String>,
    pub change_reference: Option<String>,
    pub cancel_reason: Option<String>,
    pub reporter_id: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub investigating_at: Option<DateTimeUtc>,
    pub known_error_at: Option<DateTimeUtc>,
    pub resolved_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
