//! Who has seen which suggestion for which incident: `timesShown` counts a suggestion once per
//! incident and viewer, so a console that refetches `suggestions` does not inflate it.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000003_create_incidents::Incidents;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SuggestionViewers {
    Table,
    IncidentId,
    SuggestedId,
    ViewerId,
    FirstShownAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SuggestionViewers::Table)
                    .col(uuid(SuggestionViewers::IncidentId))
                    .col(uuid(SuggestionViewers::SuggestedId))
                    // A token's subject: not necessarily a row of `users`.
                    .col(text(SuggestionViewers::ViewerId))
                    .col(timestamp_with_time_zone(SuggestionViewers::FirstShownAt))
                    .primary_key(
                        Index::create()
                            .col(SuggestionViewers::IncidentId)
                            .col(SuggestionViewers::SuggestedId)
                            .col(SuggestionViewers::ViewerId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SuggestionViewers::Table, SuggestionViewers::IncidentId)
                            .to(Incidents::Table, Incidents::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SuggestionViewers::Table, SuggestionViewers::SuggestedId)
                            .to(Incidents::Table, Incidents::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SuggestionViewers::Table).to_owned())
            .await
    }
}
