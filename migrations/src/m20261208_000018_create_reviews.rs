//! Post-incident reviews (one per incident: the incident is a unique key) and their action
//! items. Due dates are `YYYY-MM-DD` text, which sorts and compares as dates on both databases.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261127_000003_create_incidents::Incidents;

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
    IncidentId,
    Status,
    OwnerId,
    Participants,
    Summary,
    CustomerImpact,
    WhatHappened,
    RootCause,
    ContributingFactors,
    WentWell,
    WentBadly,
    Lessons,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
    SubmittedAt,
    PublishedAt,
    PublishedBy,
}

#[derive(DeriveIden)]
enum ActionItems {
    Table,
    Id,
    ReviewId,
    IncidentId,
    Title,
    OwnerId,
    DueDate,
    Kind,
    Status,
    Reason,
    ProblemId,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
    CompletedAt,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Reviews::Table)
                    .col(uuid(Reviews::Id).primary_key())
                    // One review per incident: a second start loses the race here.
                    .col(uuid_uniq(Reviews::IncidentId))
                    .col(text(Reviews::Status))
                    .col(text(Reviews::OwnerId))
                    .col(json(Reviews::Participants))
                    .col(text(Reviews::Summary))
                    .col(text(Reviews::CustomerImpact))
                    .col(text(Reviews::WhatHappened))
                    .col(text(Reviews::RootCause))
                    .col(json(Reviews::ContributingFactors))
                    .col(text(Reviews::WentWell))
                    .col(text(Reviews::WentBadly))
                    .col(text(Reviews::Lessons))
                    .col(text(Reviews::CreatedBy))
                    .col(integer(Reviews::Version))
                    .col(timestamp_with_time_zone(Reviews::CreatedAt))
                    .col(timestamp_with_time_zone(Reviews::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Reviews::SubmittedAt))
                    .col(timestamp_with_time_zone_null(Reviews::PublishedAt))
                    .col(text_null(Reviews::PublishedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reviews::Table, Reviews::IncidentId)
                            .to(Incidents::Table, Incidents::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ActionItems::Table)
                    .col(uuid(ActionItems::Id).primary_key())
                    .col(uuid(ActionItems::ReviewId))
                    .col(uuid(ActionItems::IncidentId))
                    .col(text(ActionItems::Title))
                    .col(text(ActionItems::OwnerId))
                    .col(text(ActionItems::DueDate))
                    .col(text(ActionItems::Kind))
                    .col(text(ActionItems::Status))
                    .col(text_null(ActionItems::Reason))
                    .col(uuid_null(ActionItems::ProblemId))
                    .col(text(ActionItems::CreatedBy))
                    .col(integer(ActionItems::Version))
                    .col(timestamp_with_time_zone(ActionItems::CreatedAt))
                    .col(timestamp_with_time_zone(ActionItems::UpdatedAt))
                    .col(timestamp_with_time_zone_null(ActionItems::CompletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActionItems::Table, ActionItems::ReviewId)
                            .to(Reviews::Table, Reviews::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // A review's items; "what is late" (status, due date); one person's items.
        for (name, cols) in [
            (
                "idx_action_items_review",
                vec![ActionItems::ReviewId, ActionItems::DueDate],
            ),
            (
                "idx_action_items_status_due",
                vec![ActionItems::Status, ActionItems::DueDate, ActionItems::Id],
            ),
            (
                "idx_action_items_owner_due",
                vec![ActionItems::OwnerId, ActionItems::DueDate, ActionItems::Id],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(ActionItems::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [ActionItems::Table.into_iden(), Reviews::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
