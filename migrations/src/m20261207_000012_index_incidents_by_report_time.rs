//! Incident metrics select the incidents reported in a period: an index on the report time
//! keeps that a range scan however long the history grows.

use sea_orm_migration::prelude::*;

use crate::m20261127_000003_create_incidents::Incidents;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_incidents_created_at")
                    .table(Incidents::Table)
                    .col(Incidents::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_incidents_created_at")
                    .table(Incidents::Table)
                    .to_owned(),
            )
            .await
    }
}
