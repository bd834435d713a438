//! A row of the `sla_notices` table: a warning or breach, once per incident, clock, priority
//! and kind.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sla_notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub incident_id: Uuid,
    pub clock: String,
    pub priority: i32,
    pub kind: String,
    pub due_at: DateTimeUtc,
    pub target_seconds: i64,
    pub policy_id: Option<Uuid>,
    pub policy_name: String,
    pub service: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
