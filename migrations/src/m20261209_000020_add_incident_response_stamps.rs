//! Stamps that answered an incident, kept on the incident itself so the SLA clocks and the
//! metrics read them from the incident's row (no lookup per incident): when an alert was
//! first acknowledged, when an incident manager was first assigned, and how many times it was
//! reopened. The last two are filled in from the roles and the timeline for older incidents.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261127_000003_create_incidents::Incidents;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Responses {
    /// When a monitoring tool first said someone acknowledged its alert (a first response).
    AcknowledgedAt,
    /// When an incident manager was first assigned (relieved since or not).
    ManagerAssignedAt,
    /// How many times it was reopened.
    ReopenCount,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [
            timestamp_with_time_zone_null(Responses::AcknowledgedAt),
            timestamp_with_time_zone_null(Responses::ManagerAssignedAt),
            integer(Responses::ReopenCount).default(0).to_owned(),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Incidents::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE incidents SET manager_assigned_at = (\
               SELECT MIN(r.assumed_at) FROM incident_roles r \
               WHERE r.incident_id = incidents.id AND r.role = 'INCIDENT_MANAGER')",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE incidents SET reopen_count = (\
               SELECT COUNT(*) FROM incident_events e \
               WHERE e.incident_id = incidents.id AND e.kind = 'REOPENED')",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Responses::ReopenCount,
            Responses::ManagerAssignedAt,
            Responses::AcknowledgedAt,
        ] {
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
