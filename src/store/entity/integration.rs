//! A row of the `integrations` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "integrations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub format: String,
    pub service: String,
    pub category: Option<String>,
    pub grouping: String,
    pub severity_map: String,
    pub auto_resolve: bool,
    pub enabled: bool,
    pub key_hash: String,
    pub key_issued_at: DateTimeUtc,
    pub previous_key_hash: Option<String>,
    pub previous_key_expires_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub created_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
