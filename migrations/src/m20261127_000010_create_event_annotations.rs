//! Remarks on timeline events for the post-incident review ("this is where we lost an hour").
//! The timeline itself stays append-only; an annotation sits beside an event and may be
//! edited by the incident's scribe or manager.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000003_create_incidents::Incidents;
use crate::m20261127_000004_create_incident_events::IncidentEvents;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EventAnnotations {
    Table,
    EventId,
    IncidentId,
    Body,
    UpdatedAt,
    UpdatedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EventAnnotations::Table)
                    .col(big_integer(EventAnnotations::EventId).primary_key())
                    .col(uuid(EventAnnotations::IncidentId))
                    .col(text(EventAnnotations::Body))
                    .col(timestamp_with_time_zone(EventAnnotations::UpdatedAt))
                    .col(text(EventAnnotations::UpdatedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EventAnnotations::Table, EventAnnotations::EventId)
                            .to(IncidentEvents::Table, IncidentEvents::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EventAnnotations::Table, EventAnnotations::IncidentId)
                            .to(Incidents::Table, Incidents::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EventAnnotations::Table).to_owned())
            .await
    }
}
