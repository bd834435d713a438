//! A row of the `sla_policy_services` table: which policy covers a service.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sla_policy_services")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub service: String,
    pub policy_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
