//! Each problem timeline event records the problem's version after its change, so a
//! subscriber (on any node, reading the event back) and a webhook receiver learn the version
//! the change made, even when the problem changed again since. Events recorded before this
//! migration have none.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProblemEvents {
    Table,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ProblemEvents::Table)
                    .add_column(integer_null(ProblemEvents::Version))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ProblemEvents::Table)
                    .drop_column(ProblemEvents::Version)
                    .to_owned(),
            )
            .await
    }
}
