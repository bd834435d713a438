//! Automation: the rules admins define, each firing of a rule on an incident (claimed once
//! by a unique key, so several nodes never fire a rule twice for one trigger), and how far
//! the shared timeline has been read for triggers.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261127_000003_create_incidents::Incidents;

#[derive(DeriveIden)]
enum AutomationRules {
    Table,
    Id,
    Name,
    Enabled,
    /// `SLA_BREACHED`, `UNASSIGNED_FOR`, ...
    Trigger,
    /// The duration of `UNASSIGNED_FOR`.
    TriggerAfterSeconds,
    /// JSON: services, categories, priorityAtLeast, statuses.
    Conditions,
    /// JSON: the actions in order.
    Actions,
    Version,
    CreatedAt,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum AutomationRuns {
    Table,
    Id,
    RuleId,
    IncidentId,
    /// What the firing answered: `event:<id>`, `unassigned`, `overdue:<due time>`.
    TriggerKey,
    Trigger,
    Depth,
    StartedAt,
    FinishedAt,
    Outcome,
    /// JSON: each action's result.
    Results,
}

#[derive(DeriveIden)]
enum AutomationCursor {
    Table,
    Id,
    /// The last timeline event read for triggers.
    LastEventId,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AutomationRules::Table)
                    .col(uuid(AutomationRules::Id).primary_key())
                    .col(text_uniq(AutomationRules::Name))
                    .col(boolean(AutomationRules::Enabled))
                    .col(text(AutomationRules::Trigger))
                    .col(big_integer_null(AutomationRules::TriggerAfterSeconds))
                    .col(text(AutomationRules::Conditions))
                    .col(text(AutomationRules::Actions))
                    .col(integer(AutomationRules::Version))
                    .col(timestamp_with_time_zone(AutomationRules::CreatedAt))
                    .col(timestamp_with_time_zone(AutomationRules::UpdatedAt))
                    .col(text(AutomationRules::UpdatedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AutomationRuns::Table)
                    .col(big_pk_auto(AutomationRuns::Id))
                    .col(uuid(AutomationRuns::RuleId))
                    .col(uuid(AutomationRuns::IncidentId))
                    .col(text(AutomationRuns::TriggerKey))
                    .col(text(AutomationRuns::Trigger))
                    .col(integer(AutomationRuns::Depth))
                    .col(timestamp_with_time_zone(AutomationRuns::StartedAt))
                    .col(timestamp_with_time_zone_null(AutomationRuns::FinishedAt))
                    .col(text(AutomationRuns::Outcome))
                    .col(text(AutomationRuns::Results))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AutomationRuns::Table, AutomationRuns::RuleId)
                            .to(AutomationRules::Table, AutomationRules::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AutomationRuns::Table, AutomationRuns::IncidentId)
                            .to(Incidents::Table, Incidents::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The claim: a rule fires once per trigger on an incident, however many nodes look.
        manager
            .create_index(
                Index::create()
                    .name("uq_automation_runs_once")
                    .table(AutomationRuns::Table)
                    .col(AutomationRuns::RuleId)
                    .col(AutomationRuns::IncidentId)
                    .col(AutomationRuns::TriggerKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_automation_runs_rule")
                    .table(AutomationRuns::Table)
                    .col(AutomationRuns::RuleId)
                    .col(AutomationRuns::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AutomationCursor::Table)
                    .col(integer(AutomationCursor::Id).primary_key())
                    .col(big_integer(AutomationCursor::LastEventId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AutomationCursor::Table.into_iden(),
            AutomationRuns::Table.into_iden(),
            AutomationRules::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
