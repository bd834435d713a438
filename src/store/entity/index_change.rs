//! A row of the `index_changes` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "index_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// The document's id: an incident's, or a problem's when `kind` is `problem`.
    pub incident_id: Uuid,
    pub created_at: DateTimeUtc,
    /// `incident` or `problem`.
    pub kind: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
