//! Service levels: SLA policies (targets per priority, a calendar, the services they cover),
//! the warnings and breaches recorded against incidents, and what an incident needs to resume
//! its resolution clock after a reopen. The shipped default policy is written at start
//! (`service::sla`) when there is none, from the same values the README lists.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000003_create_incidents::Incidents;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SlaPolicies {
    Table,
    Id,
    Name,
    /// True for the one policy that covers every service no other policy lists.
    IsDefault,
    /// JSON; null: the clock counts around the clock.
    Calendar,
    WarnAtPercent,
    /// JSON: `[{"priority": 1, "response": "15m", "resolution": "4h"}, ...]`.
    Targets,
    Version,
    CreatedAt,
    UpdatedAt,
    UpdatedBy,
}

/// Which policy covers a service: the primary key keeps a service in one policy at most,
/// whichever node writes.
#[derive(DeriveIden)]
enum SlaPolicyServices {
    Table,
    Service,
    PolicyId,
}

/// A warning or breach, recorded once per incident, clock, priority and kind.
#[derive(DeriveIden)]
enum SlaNotices {
    Table,
    Id,
    IncidentId,
    /// `RESPONSE` or `RESOLUTION`.
    Clock,
    /// 1..5: a re-triage to another priority starts a new account.
    Priority,
    /// `WARNING` or `BREACHED`.
    Kind,
    /// When the warning or breach fell due (not when a worker noticed).
    DueAt,
    TargetSeconds,
    PolicyId,
    PolicyName,
    Service,
    RecordedAt,
}

#[derive(DeriveIden)]
enum Resumption {
    /// When the incident was last reopened: its resolution clock runs again from here.
    ReopenedAt,
    /// JSON `[[start, end], ...]`: the stretches the resolution clock ran before each reopen.
    ResolutionRuns,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SlaPolicies::Table)
                    .col(uuid(SlaPolicies::Id).primary_key())
                    .col(text_uniq(SlaPolicies::Name))
                    .col(boolean(SlaPolicies::IsDefault))
                    .col(text_null(SlaPolicies::Calendar))
                    .col(integer(SlaPolicies::WarnAtPercent))
                    .col(text(SlaPolicies::Targets))
                    .col(integer(SlaPolicies::Version))
                    .col(timestamp_with_time_zone(SlaPolicies::CreatedAt))
                    .col(timestamp_with_time_zone(SlaPolicies::UpdatedAt))
                    .col(text(SlaPolicies::UpdatedBy))
                    .to_owned(),
            )
            .await?;
        // One default policy, enforced by the database (a partial unique index: SQLite and
        // PostgreSQL both have them, sea-query's builder does not).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_sla_policies_one_default ON sla_policies (is_default) \
                 WHERE is_default",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SlaPolicyServices::Table)
                    .col(text(SlaPolicyServices::Service).primary_key())
                    .col(uuid(SlaPolicyServices::PolicyId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SlaPolicyServices::Table, SlaPolicyServices::PolicyId)
                            .to(SlaPolicies::Table, SlaPolicies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SlaNotices::Table)
                    .col(big_pk_auto(SlaNotices::Id))
                    .col(uuid(SlaNotices::IncidentId))
                    .col(text(SlaNotices::Clock))
                    .col(integer(SlaNotices::Priority))
                    .col(text(SlaNotices::Kind))
                    .col(timestamp_with_time_zone(SlaNotices::DueAt))
                    .col(big_integer(SlaNotices::TargetSeconds))
                    .col(uuid_null(SlaNotices::PolicyId))
                    .col(text(SlaNotices::PolicyName))
                    .col(text(SlaNotices::Service))
                    .col(timestamp_with_time_zone(SlaNotices::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SlaNotices::Table, SlaNotices::IncidentId)
                            .to(Incidents::Table, Incidents::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The claim: two nodes noticing the same breach insert one row between them.
        manager
            .create_index(
                Index::create()
                    .name("uq_sla_notices_once")
                    .table(SlaNotices::Table)
                    .col(SlaNotices::IncidentId)
                    .col(SlaNotices::Clock)
                    .col(SlaNotices::Priority)
                    .col(SlaNotices::Kind)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Reporting: breaches in a period.
        manager
            .create_index(
                Index::create()
                    .name("idx_sla_notices_due")
                    .table(SlaNotices::Table)
                    .col(SlaNotices::Kind)
                    .col(SlaNotices::DueAt)
                    .to_owned(),
            )
            .await?;
        // SQLite can add only one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Incidents::Table)
                    .add_column(timestamp_with_time_zone_null(Resumption::ReopenedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Incidents::Table)
                    .add_column(text_null(Resumption::ResolutionRuns))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Resumption::ResolutionRuns, Resumption::ReopenedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Incidents::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(SlaNotices::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SlaPolicyServices::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SlaPolicies::Table).to_owned())
            .await
    }
}
