//! Problems (ITIL problem management): the record, its append-only timeline, and the link
//! from an incident to its problem (one problem per incident: the incident is the key).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261127_000002_create_counters::Counters;
use crate::m20261127_000003_create_incidents::Incidents;

#[derive(DeriveIden)]
enum Problems {
    Table,
    Id,
    Number,
    Title,
    Description,
    Service,
    Category,
    Impact,
    Urgency,
    Priority,
    Status,
    RootCause,
    Workaround,
    Fix,
    ChangeReference,
    CancelReason,
    ReporterId,
    Version,
    CreatedAt,
    UpdatedAt,
    InvestigatingAt,
    KnownErrorAt,
    ResolvedAt,
    ClosedAt,
    CancelledAt,
}

#[derive(DeriveIden)]
enum ProblemEvents {
    Table,
    Id,
    ProblemId,
    At,
    ActorId,
    Kind,
    Before,
    After,
}

#[derive(DeriveIden)]
enum ProblemIncidents {
    Table,
    IncidentId,
    ProblemId,
    LinkedAt,
    LinkedBy,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Problems::Table)
                    .col(uuid(Problems::Id).primary_key())
                    .col(big_integer_uniq(Problems::Number))
                    .col(text(Problems::Title))
                    .col(text(Problems::Description))
                    .col(text(Problems::Service))
                    .col(text_null(Problems::Category))
                    .col(text(Problems::Impact))
                    .col(text(Problems::Urgency))
                    .col(small_integer(Problems::Priority))
                    .col(text(Problems::Status))
                    .col(text_null(Problems::RootCause))
                    .col(text_null(Problems::Workaround))
                    .col(text_null(Problems::Fix))
                    .col(text_null(Problems::ChangeReference))
                    .col(text_null(Problems::CancelReason))
                    .col(text(Problems::ReporterId))
                    .col(integer(Problems::Version))
                    .col(timestamp_with_time_zone(Problems::CreatedAt))
                    .col(timestamp_with_time_zone(Problems::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Problems::InvestigatingAt))
                    .col(timestamp_with_time_zone_null(Problems::KnownErrorAt))
                    .col(timestamp_with_time_zone_null(Problems::ResolvedAt))
                    .col(timestamp_with_time_zone_null(Problems::ClosedAt))
                    .col(timestamp_with_time_zone_null(Problems::CancelledAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_problems_status")
                    .table(Problems::Table)
                    .col(Problems::Status)
                    .col(Problems::Number)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProblemEvents::Table)
                    .col(big_pk_auto(ProblemEvents::Id))
                    .col(uuid(ProblemEvents::ProblemId))
                    .col(timestamp_with_time_zone(ProblemEvents::At))
                    .col(text(ProblemEvents::ActorId))
                    .col(text(ProblemEvents::Kind))
                    .col(json_null(ProblemEvents::Before))
                    .col(json(ProblemEvents::After))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProblemEvents::Table, ProblemEvents::ProblemId)
                            .to(Problems::Table, Problems::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_problem_events_problem")
                    .table(ProblemEvents::Table)
                    .col(ProblemEvents::ProblemId)
                    .col(ProblemEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProblemIncidents::Table)
                    .col(uuid(ProblemIncidents::IncidentId).primary_key())
                    .col(uuid(ProblemIncidents::ProblemId))
                    .col(timestamp_with_time_zone(ProblemIncidents::LinkedAt))
                    .col(text(ProblemIncidents::LinkedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProblemIncidents::Table, ProblemIncidents::IncidentId)
                            .to(Incidents::Table, Incidents::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProblemIncidents::Table, ProblemIncidents::ProblemId)
                            .to(Problems::Table, Problems::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_problem_incidents_problem")
                    .table(ProblemIncidents::Table)
                    .col(ProblemIncidents::ProblemId)
                    .col(ProblemIncidents::LinkedAt)
                    .to_owned(),
            )
            .await?;
        // PRB-n numbers come from a counter, like INC-n.
        let seed = Query::insert()
            .into_table(Counters::Table)
            .columns([Counters::Name, Counters::Value])
            .values_panic(["problem_number".into(), 0i64.into()])
            .to_owned();
        manager.exec_stmt(seed).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let unseed = Query::delete()
            .from_table(Counters::Table)
            .and_where(Expr::col(Counters::Name).eq("problem_number"))
            .to_owned();
        manager.exec_stmt(unseed).await?;
        for table in [
            ProblemIncidents::Table.into_iden(),
            ProblemEvents::Table.into_iden(),
            Problems::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
