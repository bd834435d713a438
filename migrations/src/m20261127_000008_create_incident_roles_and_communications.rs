//! The people on an incident and what is said about it: role assignments (with their history),
//! status updates by audience, watchers, and an audience on timeline events so that working
//! notes and internal updates stay with the responders.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_users::Users;
use crate::m20261127_000003_create_incidents::Incidents;
use crate::m20261127_000004_create_incident_events::IncidentEvents;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IncidentRoles {
    Table,
    Id,
    IncidentId,
    UserId,
    Role,
    AssumedAt,
    AssignedBy,
    RelievedAt,
    RelievedBy,
}

#[derive(DeriveIden)]
enum IncidentUpdates {
    Table,
    Id,
    IncidentId,
    At,
    AuthorId,
    Audience,
    Body,
    Status,
}

#[derive(DeriveIden)]
enum IncidentWatchers {
    Table,
    IncidentId,
    UserId,
    Since,
}

#[derive(DeriveIden)]
enum Visibility {
    Audience,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IncidentRoles::Table)
                    .col(big_pk_auto(IncidentRoles::Id))
                    .col(uuid(IncidentRoles::IncidentId))
                    .col(text(IncidentRoles::UserId))
                    .col(text(IncidentRoles::Role))
                    .col(timestamp_with_time_zone(IncidentRoles::AssumedAt))
                    .col(text(IncidentRoles::AssignedBy))
                    .col(timestamp_with_time_zone_null(IncidentRoles::RelievedAt))
                    .col(text_null(IncidentRoles::RelievedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncidentRoles::Table, IncidentRoles::IncidentId)
                            .to(Incidents::Table, Incidents::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncidentRoles::Table, IncidentRoles::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_incident_roles_incident")
                    .table(IncidentRoles::Table)
                    .col(IncidentRoles::IncidentId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_incident_roles_user")
                    .table(IncidentRoles::Table)
                    .col(IncidentRoles::UserId)
                    .to_owned(),
            )
            .await?;
        // The database itself refuses a second active incident manager, communicator or scribe
        // and a second active assignment of one person to one role, whatever the application
        // does. Partial indexes read the same on SQLite and PostgreSQL.
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_incident_roles_single_holder ON incident_roles (incident_id, role) \
             WHERE relieved_at IS NULL AND role <> 'SPECIALIST'",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_incident_roles_active_assignment ON incident_roles (incident_id, role, user_id) \
             WHERE relieved_at IS NULL",
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(IncidentUpdates::Table)
                    .col(big_pk_auto(IncidentUpdates::Id))
                    .col(uuid(IncidentUpdates::IncidentId))
                    .col(timestamp_with_time_zone(IncidentUpdates::At))
                    .col(text(IncidentUpdates::AuthorId))
                    .col(text(IncidentUpdates::Audience))
                    .col(text(IncidentUpdates::Body))
                    .col(text_null(IncidentUpdates::Status))
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncidentUpdates::Table, IncidentUpdates::IncidentId)
                            .to(Incidents::Table, Incidents::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_incident_updates_incident")
                    .table(IncidentUpdates::Table)
                    .col(IncidentUpdates::IncidentId)
                    .col(IncidentUpdates::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IncidentWatchers::Table)
                    .col(uuid(IncidentWatchers::IncidentId))
                    .col(text(IncidentWatchers::UserId))
                    .col(timestamp_with_time_zone(IncidentWatchers::Since))
                    .primary_key(
                        Index::create()
                            .col(IncidentWatchers::IncidentId)
                            .col(IncidentWatchers::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncidentWatchers::Table, IncidentWatchers::IncidentId)
                            .to(Incidents::Table, Incidents::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncidentWatchers::Table, IncidentWatchers::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;

        // NULL: anyone who may read the incident may see the event.
        manager
            .alter_table(
                Table::alter()
                    .table(IncidentEvents::Table)
                    .add_column(text_null(Visibility::Audience))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IncidentEvents::Table)
                    .drop_column(Visibility::Audience)
                    .to_owned(),
            )
            .await?;
        for table in [
            IncidentWatchers::Table.into_iden(),
            IncidentUpdates::Table.into_iden(),
            IncidentRoles::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
