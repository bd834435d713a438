//! Known errors in the knowledge base: the change log names a document kind beside its id
//! (existing rows are incidents), and ratings of known errors as suggestions get a table of
//! their own (`suggestion_ratings` keys its suggested id to incidents).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_users::Users;
use crate::m20261127_000003_create_incidents::Incidents;

#[derive(DeriveIden)]
enum IndexChanges {
    Table,
    Kind,
}

#[derive(DeriveIden)]
enum Problems {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ProblemSuggestionRatings {
    Table,
    Id,
    IncidentId,
    ProblemId,
    UserId,
    Helpful,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IndexChanges::Table)
                    .add_column(text(IndexChanges::Kind).default("incident"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProblemSuggestionRatings::Table)
                    .col(big_pk_auto(ProblemSuggestionRatings::Id))
                    .col(uuid(ProblemSuggestionRatings::IncidentId))
                    .col(uuid(ProblemSuggestionRatings::ProblemId))
                    .col(text(ProblemSuggestionRatings::UserId))
                    .col(boolean(ProblemSuggestionRatings::Helpful))
                    .col(timestamp_with_time_zone(
                        ProblemSuggestionRatings::CreatedAt,
                    ))
                    .col(timestamp_with_time_zone(
                        ProblemSuggestionRatings::UpdatedAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                ProblemSuggestionRatings::Table,
                                ProblemSuggestionRatings::IncidentId,
                            )
                            .to(Incidents::Table, Incidents::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                ProblemSuggestionRatings::Table,
                                ProblemSuggestionRatings::ProblemId,
                            )
                            .to(Problems::Table, Problems::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                ProblemSuggestionRatings::Table,
                                ProblemSuggestionRatings::UserId,
                            )
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_problem_suggestion_ratings_pair_user")
                    .table(ProblemSuggestionRatings::Table)
                    .col(ProblemSuggestionRatings::IncidentId)
                    .col(ProblemSuggestionRatings::ProblemId)
                    .col(ProblemSuggestionRatings::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_problem_suggestion_ratings_problem")
                    .table(ProblemSuggestionRatings::Table)
                    .col(ProblemSuggestionRatings::ProblemId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(ProblemSuggestionRatings::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(IndexChanges::Table)
                    .drop_column(IndexChanges::Kind)
                    .to_owned(),
            )
            .await
    }
}
