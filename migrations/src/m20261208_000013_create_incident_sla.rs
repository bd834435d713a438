//! Where each incident stands against its SLA, kept beside the incident so incidents can be
//! filtered and ordered by it (`incidents(filter: {slaState, slaDueBefore})`,
//! `orderBy: SLA_DUE`). Due times under business-hours calendars cannot be computed in SQL,
//! so the server writes them with every change and the SLA worker keeps them current.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261127_000003_create_incidents::Incidents;

#[derive(DeriveIden)]
enum IncidentSla {
    Table,
    IncidentId,
    /// The earliest due time of a clock still running; null when none runs.
    NextDueAt,
    /// When the first clock was (or, if still running, will be) breached; null when no
    /// clock can be breached any more.
    BreachedAt,
    /// Some clock was completed by its due time.
    Met,
    UpdatedAt,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IncidentSla::Table)
                    .col(uuid(IncidentSla::IncidentId).primary_key())
                    .col(timestamp_with_time_zone_null(IncidentSla::NextDueAt))
                    .col(timestamp_with_time_zone_null(IncidentSla::BreachedAt))
                    .col(boolean(IncidentSla::Met))
                    .col(timestamp_with_time_zone(IncidentSla::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncidentSla::Table, IncidentSla::IncidentId)
                            .to(Incidents::Table, Incidents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_incident_sla_next_due", IncidentSla::NextDueAt),
            ("idx_incident_sla_breached", IncidentSla::BreachedAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(IncidentSla::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IncidentSla::Table).to_owned())
            .await
    }
}
