//! A row of the `incident_roles` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "incident_roles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub incident_id: Uuid,
    pub user_id: String,
    pub role: String,
    pub assumed_at: DateTimeUtc,
    pub assigned_by: String,
    pub relieved_at: Option<DateTimeUtc>,
    pub relieved_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
