//! A row of the `incident_events` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "incident_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub incident_id: Uuid,
    pub at: DateTimeUtc,
    pub actor_id: String,
    pub kind: String,
    pub before: Option<Json>,
    pub after: Option<Json>,
    /// NULL: anyone who may read the incident may see it.
    pub audience: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
