//! Alert intake: the integrations monitoring tools send to, the dedup keys that tie an alert to
//! its one current incident, and each incident's alerts (count, state, first and last seen).
//!
//! `alert_keys` has one row per (integration, dedup key), so "exactly one open incident per
//! key" is the primary key's job: concurrent senders, on one node or several, insert the row
//! or find it taken, and never both open an incident.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261127_000003_create_incidents::Incidents;

#[derive(DeriveIden)]
enum Integrations {
    Table,
    Id,
    Name,
    Format,
    Service,
    Category,
    Grouping,
    /// JSON rows `{severity, impact, urgency}`, one per severity.
    SeverityMap,
    AutoResolve,
    Enabled,
    /// SHA-256 (hex) of the current key; the key itself is never stored.
    KeyHash,
    KeyIssuedAt,
    /// The key before the last rotation, working until `previous_key_expires_at`.
    PreviousKeyHash,
    PreviousKeyExpiresAt,
    Version,
    CreatedAt,
    UpdatedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum AlertKeys {
    Table,
    IntegrationId,
    DedupKey,
    /// The incident the key adds to now; a later incident for the key takes the row over.
    IncidentId,
}

#[derive(DeriveIden)]
enum IncidentAlerts {
    Table,
    IncidentId,
    IntegrationId,
    DedupKey,
    IntegrationName,
    State,
    Severity,
    Count,
    FirstSeenAt,
    LastSeenAt,
    /// JSON objects and lists, as the sender gave them (within the intake's limits).
    Labels,
    Annotations,
    Links,
    /// The incident this key opened before, when this one followed it.
    PreviousIncidentId,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Integrations::Table)
                    .col(uuid(Integrations::Id).primary_key())
                    .col(text(Integrations::Name))
                    .col(text(Integrations::Format))
                    .col(text(Integrations::Service))
                    .col(text_null(Integrations::Category))
                    .col(text(Integrations::Grouping))
                    .col(text(Integrations::SeverityMap))
                    .col(boolean(Integrations::AutoResolve))
                    .col(boolean(Integrations::Enabled))
                    .col(text(Integrations::KeyHash))
                    .col(timestamp_with_time_zone(Integrations::KeyIssuedAt))
                    .col(text_null(Integrations::PreviousKeyHash))
                    .col(timestamp_with_time_zone_null(
                        Integrations::PreviousKeyExpiresAt,
                    ))
                    .col(integer(Integrations::Version))
                    .col(timestamp_with_time_zone(Integrations::CreatedAt))
                    .col(timestamp_with_time_zone(Integrations::UpdatedAt))
                    .col(text(Integrations::CreatedBy))
                    .to_owned(),
            )
            .await?;
        for (name, column, unique) in [
            ("uq_integrations_name", Integrations::Name, true),
            ("uq_integrations_key_hash", Integrations::KeyHash, true),
            (
                "idx_integrations_previous_key_hash",
                Integrations::PreviousKeyHash,
                false,
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Integrations::Table).col(column);
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(AlertKeys::Table)
                    .col(uuid(AlertKeys::IntegrationId))
                    .col(text(AlertKeys::DedupKey))
                    // No foreign key: the row is inserted (the claim) before its incident.
                    .col(uuid(AlertKeys::IncidentId))
                    .primary_key(
                        Index::create()
                            .col(AlertKeys::IntegrationId)
                            .col(AlertKeys::DedupKey),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AlertKeys::Table, AlertKeys::IntegrationId)
                            .to(Integrations::Table, Integrations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IncidentAlerts::Table)
                    .col(uuid(IncidentAlerts::IncidentId))
                    .col(uuid(IncidentAlerts::IntegrationId))
                    .col(text(IncidentAlerts::DedupKey))
                    .col(text(IncidentAlerts::IntegrationName))
                    .col(text(IncidentAlerts::State))
                    .col(text_null(IncidentAlerts::Severity))
                    .col(big_integer(IncidentAlerts::Count))
                    .col(timestamp_with_time_zone(IncidentAlerts::FirstSeenAt))
                    .col(timestamp_with_time_zone(IncidentAlerts::LastSeenAt))
                    .col(text(IncidentAlerts::Labels))
                    .col(text(IncidentAlerts::Annotations))
                    .col(text(IncidentAlerts::Links))
                    .col(uuid_null(IncidentAlerts::PreviousIncidentId))
                    .primary_key(
                        Index::create()
                            .col(IncidentAlerts::IncidentId)
                            .col(IncidentAlerts::IntegrationId)
                            .col(IncidentAlerts::DedupKey),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncidentAlerts::Table, IncidentAlerts::IncidentId)
                            .to(Incidents::Table, Incidents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IncidentAlerts::Table.into_iden(),
            AlertKeys::Table.into_iden(),
            Integrations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
