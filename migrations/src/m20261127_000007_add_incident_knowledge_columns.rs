//! Incidents learn where they came from and what helped: `external_id` keeps an imported
//! ticket's original id (re-imports update instead of duplicating), `helped_by` lists the
//! suggested incidents rated helpful before this one was resolved.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000003_create_incidents::Incidents;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Knowledge {
    ExternalId,
    HelpedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite can add only one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Incidents::Table)
                    .add_column(text_null(Knowledge::ExternalId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Incidents::Table)
                    .add_column(json_null(Knowledge::HelpedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_incidents_external_id")
                    .table(Incidents::Table)
                    .col(Knowledge::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("uq_incidents_external_id")
                    .table(Incidents::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Knowledge::HelpedBy, Knowledge::ExternalId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Incidents::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
