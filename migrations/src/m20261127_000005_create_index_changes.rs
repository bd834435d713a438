//! The knowledge-base change log (outbox). A change that alters what the index should hold
//! appends the incident's id here in the same transaction; each node's index worker applies
//! the log in order and records the last sequence it applied in the index itself.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IndexChanges {
    Table,
    Seq,
    IncidentId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IndexChanges::Table)
                    .col(big_pk_auto(IndexChanges::Seq))
                    .col(uuid(IndexChanges::IncidentId))
                    .col(timestamp_with_time_zone(IndexChanges::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IndexChanges::Table).to_owned())
            .await
    }
}
