//! Named counters handed out inside write transactions (incident numbers INC-1, INC-2, ...).
//! A row per counter, incremented with UPDATE ... RETURNING, so concurrent writers serialize on
//! the row and every number is unique and increasing on SQLite and PostgreSQL alike.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Counters {
    Table,
    Name,
    Value,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Counters::Table)
                    .col(text(Counters::Name).primary_key())
                    .col(big_integer(Counters::Value))
                    .to_owned(),
            )
            .await?;
        let seed = Query::insert()
            .into_table(Counters::Table)
            .columns([Counters::Name, Counters::Value])
            .values_panic(["incident_number".into(), 0i64.into()])
            .to_owned();
        manager.exec_stmt(seed).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Counters::Table).to_owned())
            .await
    }
}
