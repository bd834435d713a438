//! Incidents: one row per incident, carrying its lifecycle timestamps and an optimistic
//! concurrency `version`.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Incidents {
    Table,
    Id,
    Number,
    Title,
    Description,
    Service,
    Category,
    Source,
    Status,
    Impact,
    Urgency,
    Priority,
    ResolutionSummary,
    RootCause,
    Fix,
    CancelReason,
    DuplicateOf,
    ReporterId,
    Version,
    CreatedAt,
    UpdatedAt,
    TriagedAt,
    InvestigatingAt,
    MitigatedAt,
    ResolvedAt,
    ClosedAt,
    CancelledAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Incidents::Table)
                    .col(uuid(Incidents::Id).primary_key())
                    .col(big_integer_uniq(Incidents::Number))
                    .col(text(Incidents::Title))
                    .col(text(Incidents::Description))
                    .col(text(Incidents::Service))
                    .col(text_null(Incidents::Category))
                    .col(text(Incidents::Source))
                    .col(text(Incidents::Status))
                    .col(text_null(Incidents::Impact))
                    .col(text_null(Incidents::Urgency))
                    .col(small_integer_null(Incidents::Priority))
                    .col(text_null(Incidents::ResolutionSummary))
                    .col(text_null(Incidents::RootCause))
                    .col(text_null(Incidents::Fix))
                    .col(text_null(Incidents::CancelReason))
                    .col(uuid_null(Incidents::DuplicateOf))
                    .col(text(Incidents::ReporterId))
                    .col(integer(Incidents::Version))
                    .col(timestamp_with_time_zone(Incidents::CreatedAt))
                    .col(timestamp_with_time_zone(Incidents::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Incidents::TriagedAt))
                    .col(timestamp_with_time_zone_null(Incidents::InvestigatingAt))
                    .col(timestamp_with_time_zone_null(Incidents::MitigatedAt))
                    .col(timestamp_with_time_zone_null(Incidents::ResolvedAt))
                    .col(timestamp_with_time_zone_null(Incidents::ClosedAt))
                    .col(timestamp_with_time_zone_null(Incidents::CancelledAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Incidents::Table, Incidents::ReporterId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Incidents::Table, Incidents::DuplicateOf)
                            .to(Incidents::Table, Incidents::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The list filters of the API; each is combined with ordering by number.
        for (name, column) in [
            ("idx_incidents_status", Incidents::Status),
            ("idx_incidents_service", Incidents::Service),
            ("idx_incidents_priority", Incidents::Priority),
            ("idx_incidents_category", Incidents::Category),
            ("idx_incidents_reporter", Incidents::ReporterId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Incidents::Table)
                        .col(column)
                        .col(Incidents::Number)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Incidents::Table).to_owned())
            .await
    }
}
