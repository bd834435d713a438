//! The learning loop: which suggestions were shown for which incident, and how responders
//! rated them (one rating per user and pair, changeable).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_users::Users;
use crate::m20261127_000003_create_incidents::Incidents;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SuggestionRatings {
    Table,
    Id,
    IncidentId,
    SuggestedId,
    UserId,
    Helpful,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SuggestionImpressions {
    Table,
    IncidentId,
    SuggestedId,
    FirstShownAt,
    TimesShown,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SuggestionRatings::Table)
                    .col(big_pk_auto(SuggestionRatings::Id))
                    .col(uuid(SuggestionRatings::IncidentId))
                    .col(uuid(SuggestionRatings::SuggestedId))
                    .col(text(SuggestionRatings::UserId))
                    .col(boolean(SuggestionRatings::Helpful))
                    .col(timestamp_with_time_zone(SuggestionRatings::CreatedAt))
                    .col(timestamp_with_time_zone(SuggestionRatings::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SuggestionRatings::Table, SuggestionRatings::IncidentId)
                            .to(Incidents::Table, Incidents::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SuggestionRatings::Table, SuggestionRatings::SuggestedId)
                            .to(Incidents::Table, Incidents::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SuggestionRatings::Table, SuggestionRatings::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_suggestion_ratings_pair_user")
                    .table(SuggestionRatings::Table)
                    .col(SuggestionRatings::IncidentId)
                    .col(SuggestionRatings::SuggestedId)
                    .col(SuggestionRatings::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_suggestion_ratings_suggested")
                    .table(SuggestionRatings::Table)
                    .col(SuggestionRatings::SuggestedId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SuggestionImpressions::Table)
                    .col(uuid(SuggestionImpressions::IncidentId))
                    .col(uuid(SuggestionImpressions::SuggestedId))
                    .col(timestamp_with_time_zone(
                        SuggestionImpressions::FirstShownAt,
                    ))
                    .col(big_integer(SuggestionImpressions::TimesShown))
                    .primary_key(
                        Index::create()
                            .col(SuggestionImpressions::IncidentId)
                            .col(SuggestionImpressions::SuggestedId),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SuggestionImpressions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SuggestionRatings::Table).to_owned())
            .await
    }
}
