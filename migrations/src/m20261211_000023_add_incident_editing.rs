//! What editing an incident needs: when its impact started (distinct from the report time,
//! so MTTR is honest), the title the public status page shows instead of the internal one,
//! its labels (a table of their own, indexed by label so `incidents(filter: {labels})` is an
//! indexed lookup), and links between related incidents (one row per direction, so either
//! side finds its links with its own key).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261127_000003_create_incidents::Incidents;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Editing {
    /// When the impact started, if not at the report.
    ImpactStartedAt,
    /// The title shown on the public status page, if not the internal one.
    PublicTitle,
}

#[derive(DeriveIden)]
enum IncidentLabels {
    Table,
    IncidentId,
    Label,
}

#[derive(DeriveIden)]
enum IncidentLinks {
    Table,
    IncidentId,
    RelatedId,
    LinkedAt,
    LinkedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [
            timestamp_with_time_zone_null(Editing::ImpactStartedAt),
            text_null(Editing::PublicTitle),
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
        manager
            .create_table(
                Table::create()
                    .table(IncidentLabels::Table)
                    .col(uuid(IncidentLabels::IncidentId))
                    .col(text(IncidentLabels::Label))
                    .primary_key(
                        Index::create()
                            .col(IncidentLabels::IncidentId)
                            .col(IncidentLabels::Label),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncidentLabels::Table, IncidentLabels::IncidentId)
                            .to(Incidents::Table, Incidents::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("incident_labels_by_label")
                    .table(IncidentLabels::Table)
                    .col(IncidentLabels::Label)
                    .col(IncidentLabels::IncidentId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IncidentLinks::Table)
                    .col(uuid(IncidentLinks::IncidentId))
                    .col(uuid(IncidentLinks::RelatedId))
                    .col(timestamp_with_time_zone(IncidentLinks::LinkedAt))
                    // A token's subject: not necessarily a row of `users`.
                    .col(text(IncidentLinks::LinkedBy))
                    .primary_key(
                        Index::create()
                            .col(IncidentLinks::IncidentId)
                            .col(IncidentLinks::RelatedId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncidentLinks::Table, IncidentLinks::IncidentId)
                            .to(Incidents::Table, Incidents::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncidentLinks::Table, IncidentLinks::RelatedId)
                            .to(Incidents::Table, Incidents::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IncidentLinks::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(IncidentLabels::Table).to_owned())
            .await?;
        for column in [Editing::PublicTitle, Editing::ImpactStartedAt] {
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
