//! The append-only timeline: one row per change to an incident. The autoincrement id orders
//! events globally and is the timeline's pagination cursor.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_users::Users;
use crate::m20261127_000003_create_incidents::Incidents;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum IncidentEvents {
    Table,
    Id,
    IncidentId,
    At,
    ActorId,
    Kind,
    Before,
    After,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IncidentEvents::Table)
                    .col(big_pk_auto(IncidentEvents::Id))
                    .col(uuid(IncidentEvents::IncidentId))
                    .col(timestamp_with_time_zone(IncidentEvents::At))
                    .col(text(IncidentEvents::ActorId))
                    .col(text(IncidentEvents::Kind))
                    .col(json_null(IncidentEvents::Before))
                    .col(json_null(IncidentEvents::After))
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncidentEvents::Table, IncidentEvents::IncidentId)
                            .to(Incidents::Table, Incidents::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncidentEvents::Table, IncidentEvents::ActorId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_incident_events_incident")
                    .table(IncidentEvents::Table)
                    .col(IncidentEvents::IncidentId)
                    .col(IncidentEvents::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IncidentEvents::Table).to_owned())
            .await
    }
}
