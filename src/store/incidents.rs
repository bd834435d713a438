//! Incident rows: conversion to and from the domain type, and the queries the use cases need.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use sea_orm::sea_query::{Expr, ExprTrait, Func, NullOrdering, Order, SimpleExpr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Select,
};

use super::columns::column;
use super::db::Reader;
use super::entity::incident::{ActiveModel, Column, Entity, Model};
use super::incident_sla;
use crate::domain::ids::{IncidentId, IncidentNumber, ProblemId, UserId};
use crate::domain::incident::{Incident, StoredResolution};
use crate::domain::lifecycle::Status;
use crate::domain::listing::{Keyset, ListFilter, ListOrder, UNTRIAGED_RANK};
use crate::domain::priority::{Level, Priority};

fn corrupt(what: &str, value: &str) -> DbErr {
    DbErr::Type(format!("incidents row holds an unknown {what}: {value}"))
}

/// Runs a select of incident rows and converts each row.
async fn load(conn: &impl ConnectionTrait, select: Select<Entity>) -> Result<Vec<Incident>, DbErr> {
    select
        .all(conn)
        .await?
        .into_iter()
        .map(Incident::try_from)
        .collect()
}

impl TryFrom<Model> for Incident {
    type Error = DbErr;

    fn try_from(m: Model) -> Result<Self, DbErr> {
        let level = |v: Option<String>, what: &str| -> Result<Option<Level>, DbErr> {
            v.map(|s| Level::parse("level", &s).map_err(|_| corrupt(what, &s)))
                .transpose()
        };
        Ok(Self {
            id: IncidentId(m.id),
            number: IncidentNumber(m.number),
            status: column(&m.status)?,
            source: column(&m.source)?,
            impact: level(m.impact, "impact")?,
            urgency: level(m.urgency, "urgency")?,
            priority: m
                .priority
                .map(|p| Priority::from_rank(p).ok_or_else(|| corrupt("priority", &p.to_string())))
                .transpose()?,
            resolution: m.resolution_summary.map(|summary| StoredResolution {
                summary,
                root_cause: m.root_cause,
                fix: m.fix,
                helped_by: helped_by_from_json(m.helped_by.as_ref()),
                helped_by_known_errors: known_errors_from_json(m.helped_by.as_ref()),
            }),
            external_id: m.external_id,
            title: m.title,
            description: m.description,
            service: m.service,
            category: m.category,
            cancel_reason: m.cancel_reason,
            duplicate_of: m.duplicate_of.map(IncidentId),
            reporter_id: UserId::from(m.reporter_id),
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
            triaged_at: m.triaged_at,
            investigating_at: m.investigating_at,
            mitigated_at: m.mitigated_at,
            resolved_at: m.resolved_at,
            closed_at: m.closed_at,
            cancelled_at: m.cancelled_at,
            reopened_at: m.reopened_at,
            acknowledged_at: m.acknowledged_at,
            manager_assigned_at: m.manager_assigned_at,
            impact_started_at: m.impact_started_at,
            public_title: m.public_title,
            reopen_count: u32::try_from(m.reopen_count)
                .map_err(|_| corrupt("reopen_count", &m.reopen_count.to_string()))?,
            resolution_runs: runs_from_json(m.resolution_runs.as_deref()).ok_or_else(|| {
                corrupt(
                    "resolution_runs",
                    m.resolution_runs.as_deref().unwrap_or(""),
                )
            })?,
        })
    }
}

fn to_active(i: &Incident) -> ActiveModel {
    let resolution = i.resolution.as_ref();
    ActiveModel {
        id: Set(i.id.0),
        number: Set(i.number.0),
        title: Set(i.title.clone()),
        description: Set(i.description.clone()),
        service: Set(i.service.clone()),
        category: Set(i.category.clone()),
        source: Set(i.source.as_str().to_owned()),
        status: Set(i.status.as_str().to_owned()),
        impact: Set(i.impact.map(|l| l.as_str().to_owned())),
        urgency: Set(i.urgency.map(|l| l.as_str().to_owned())),
        priority: Set(i.priority.map(Priority::rank)),
        resolution_summary: Set(resolution.map(|r| r.summary.clone())),
        root_cause: Set(resolution.and_then(|r| r.root_cause.clone())),
        fix: Set(resolution.and_then(|r| r.fix.clone())),
        cancel_reason: Set(i.cancel_reason.clone()),
        duplicate_of: Set(i.duplicate_of.map(|d| d.0)),
        reporter_id: Set(i.reporter_id.as_str().to_owned()),
        version: Set(i.version),
        created_at: Set(i.created_at),
        updated_at: Set(i.updated_at),
        triaged_at: Set(i.triaged_at),
        investigating_at: Set(i.investigating_at),
        mitigated_at: Set(i.mitigated_at),
        resolved_at: Set(i.resolved_at),
        closed_at: Set(i.closed_at),
        cancelled_at: Set(i.cancelled_at),
        external_id: Set(i.external_id.clone()),
        reopened_at: Set(i.reopened_at),
        acknowledged_at: Set(i.acknowledged_at),
        manager_assigned_at: Set(i.manager_assigned_at),
        impact_started_at: Set(i.impact_started_at),
        public_title: Set(i.public_title.clone()),
        reopen_count: Set(i32::try_from(i.reopen_count).unwrap_or(i32::MAX)),
        resolution_runs: Set(runs_to_json(&i.resolution_runs)),
        helped_by: Set(resolution.filter(|r| r.helped()).map(|r| {
            serde_json::Value::Array(
                r.helped_by
                    .iter()
                    .map(|id| serde_json::json!(id.to_string()))
                    .chain(
                        r.helped_by_known_errors
                            .iter()
                            .map(|id| serde_json::json!({ "problem": id.to_string() })),
                    )
                    .collect(),
            )
        })),
    }
}

/// `None` when there were no earlier stretches.
fn runs_to_json(runs: &[(DateTime<Utc>, DateTime<Utc>)]) -> Option<String> {
    (!runs.is_empty()).then(|| serde_json::json!(runs).to_string())
}

/// `None` if the text is not what `runs_to_json` writes.
fn runs_from_json(text: Option<&str>) -> Option<Vec<(DateTime<Utc>, DateTime<Utc>)>> {
    match text {
        None => Some(Vec::new()),
        Some(text) => serde_json::from_str(text).ok(),
    }
}

/// `helped_by` is a JSON array of incident ids (strings) and known errors
/// (`{"problem": id}`); anything else reads as empty. Any entry counts as help in the metrics.
fn helped_by_from_json(value: Option<&serde_json::Value>) -> Vec<IncidentId> {
    value
        .and_then(serde_json::Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(serde_json::Value::as_str)
                .filter_map(|s| uuid::Uuid::parse_str(s).ok())
                .map(IncidentId)
                .collect()
        })
        .unwrap_or_default()
}

/// The known errors of a `helped_by` array (see `helped_by_from_json`).
fn known_errors_from_json(value: Option<&serde_json::Value>) -> Vec<ProblemId> {
    value
        .and_then(serde_json::Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| e.get("problem")?.as_str())
                .filter_map(|s| uuid::Uuid::parse_str(s).ok())
                .map(ProblemId)
                .collect()
        })
        .unwrap_or_default()
}

pub async fn insert(conn: &impl ConnectionTrait, incident: &Incident) -> Result<(), DbErr> {
    Entity::insert(to_active(incident))
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Writes `next` only if the row still has `expected_version`. Returns false when another
/// writer got there first: the compare-and-set that makes concurrent transitions safe.
pub async fn update_if_version(
    conn: &impl ConnectionTrait,
    next: &Incident,
    expected_version: i32,
) -> Result<bool, DbErr> {
    let mut row = to_active(next);
    // The primary key and the number never change. The response stamps are written only by
    // `stamp_*` (set once, whatever the version), so a transition never clears one.
    row.id = sea_orm::ActiveValue::NotSet;
    row.number = sea_orm::ActiveValue::NotSet;
    row.acknowledged_at = sea_orm::ActiveValue::NotSet;
    row.manager_assigned_at = sea_orm::ActiveValue::NotSet;
    let result = Entity::update_many()
        .set(row)
        .filter(Column::Id.eq(next.id.0))
        .filter(Column::Version.eq(expected_version))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Which first response to stamp on an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseStamp {
    /// A monitoring tool said someone acknowledged its alert.
    Acknowledged,
    /// An incident manager was assigned.
    ManagerAssigned,
}

/// Stamps the first `stamp` of `incident` at `at`, unless it has one already. Returns whether
/// this call stamped it. The version is untouched: a stamp records a fact, it does not edit
/// the incident.
pub async fn stamp_first(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
    stamp: ResponseStamp,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let column = match stamp {
        ResponseStamp::Acknowledged => Column::AcknowledgedAt,
        ResponseStamp::ManagerAssigned => Column::ManagerAssignedAt,
    };
    let result = Entity::update_many()
        .col_expr(column, sea_orm::sea_query::Expr::value(at))
        .filter(Column::Id.eq(incident.0))
        .filter(column.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn find(reader: &impl Reader, id: IncidentId) -> Result<Option<Incident>, DbErr> {
    first(reader, Entity::find_by_id(id.0)).await
}

/// The one row a lookup by a unique key finds, if any.
async fn first(reader: &impl Reader, select: Select<Entity>) -> Result<Option<Incident>, DbErr> {
    reader
        .read_all(select.limit(1))
        .await?
        .into_iter()
        .next()
        .map(Incident::try_from)
        .transpose()
}

pub async fn find_by_number(
    reader: &impl Reader,
    number: IncidentNumber,
) -> Result<Option<Incident>, DbErr> {
    first(reader, Entity::find().filter(Column::Number.eq(number.0))).await
}

pub async fn find_many(
    reader: &impl Reader,
    ids: &[IncidentId],
) -> Result<HashMap<IncidentId, Incident>, DbErr> {
    let rows = reader
        .read_all(Entity::find().filter(Column::Id.is_in(ids.iter().map(|i| i.0))))
        .await?;
    rows.into_iter()
        .map(|m| Incident::try_from(m).map(|i| (i.id, i)))
        .collect()
}

fn priority_rank_expr() -> SimpleExpr {
    Func::coalesce([Expr::col(Column::Priority), Expr::val(UNTRIAGED_RANK)]).into()
}

/// The incidents matching `filter`, whose SLA states are read at `at`.
fn filtered(filter: &ListFilter, at: DateTime<Utc>) -> Select<Entity> {
    let mut q = Entity::find();
    if !filter.sla_states.is_empty() || filter.sla_due_before.is_some() {
        q = q.join_rev(
            JoinType::LeftJoin,
            super::entity::incident_sla::Relation::Incident.def(),
        );
    }
    if !filter.sla_states.is_empty() {
        q = q.filter(incident_sla::in_states(&filter.sla_states, at));
    }
    if let Some(before) = filter.sla_due_before {
        q = q.filter(super::entity::incident_sla::Column::NextDueAt.lt(before));
    }
    if !filter.statuses.is_empty() {
        q = q.filter(Column::Status.is_in(filter.statuses.iter().map(|s| s.as_str())));
    }
    if !filter.priorities.is_empty() {
        q = q.filter(Column::Priority.is_in(filter.priorities.iter().map(|p| p.rank())));
    }
    if let Some(service) = &filter.service {
        q = q.filter(Column::Service.eq(service.as_str()));
    }
    if let Some(category) = &filter.category {
        q = q.filter(Column::Category.eq(category.as_str()));
    }
    if let Some(reporter) = &filter.reporter {
        q = q.filter(Column::ReporterId.eq(reporter.as_str()));
    }
    // Every label: one indexed lookup in `incident_labels` per label.
    for label in &filter.labels {
        q = q.filter(Column::Id.in_subquery(super::labels::labelled(label.as_str())));
    }
    q
}

/// One page in keyset order: `limit` rows after `after`.
pub async fn list(
    reader: &impl Reader,
    filter: &ListFilter,
    order: ListOrder,
    after: Option<Keyset>,
    limit: u64,
    at: DateTime<Utc>,
) -> Result<Vec<Incident>, DbErr> {
    let mut q = filtered(filter, at);
    q = match order {
        ListOrder::NewestFirst => {
            if let Some(k) = after {
                q = q.filter(Column::Number.lt(k.number));
            }
            q.order_by_desc(Column::Number)
        }
        ListOrder::OldestFirst => {
            if let Some(k) = after {
                q = q.filter(Column::Number.gt(k.number));
            }
            q.order_by_asc(Column::Number)
        }
        ListOrder::Priority => {
            if let Some(k) = after {
                let rank = priority_rank_expr();
                q = q.filter(
                    Condition::any().add(rank.clone().gt(k.priority_rank)).add(
                        Condition::all()
                            .add(rank.eq(k.priority_rank))
                            .add(Column::Number.lt(k.number)),
                    ),
                );
            }
            q.order_by_asc(priority_rank_expr())
                .order_by_desc(Column::Number)
        }
        ListOrder::SlaDue => {
            if filter.sla_states.is_empty() && filter.sla_due_before.is_none() {
                q = q.join_rev(
                    JoinType::LeftJoin,
                    super::entity::incident_sla::Relation::Incident.def(),
                );
            }
            let due = super::entity::incident_sla::Column::NextDueAt;
            if let Some(k) = after {
                let later_number = Column::Number.gt(k.number);
                q = q.filter(match k.sla_due_at {
                    Some(d) => Condition::any()
                        .add(due.gt(d))
                        .add(Condition::all().add(due.eq(d)).add(later_number))
                        .add(due.is_null()),
                    None => Condition::all().add(due.is_null()).add(later_number),
                });
            }
            q.order_by_with_nulls(incident_sla::next_due(), Order::Asc, NullOrdering::Last)
                .order_by_asc(Column::Number)
        }
    };
    reader
        .read_all(q.limit(limit))
        .await?
        .into_iter()
        .map(Incident::try_from)
        .collect()
}

pub async fn count(
    reader: &impl Reader,
    filter: &ListFilter,
    at: DateTime<Utc>,
) -> Result<u64, DbErr> {
    reader.read_count(filtered(filter, at)).await
}

/// Not yet resolved, closed or cancelled.
fn is_open() -> sea_orm::sea_query::SimpleExpr {
    Column::Status.is_not_in([
        Status::Resolved.as_str(),
        Status::Closed.as_str(),
        Status::Cancelled.as_str(),
    ])
}

/// The open incidents on which `user` holds a role now, highest priority first (untriaged
/// last), newest first within a priority; at most `limit`.
pub async fn open_held_by(
    conn: &impl ConnectionTrait,
    user: &UserId,
    limit: u64,
) -> Result<Vec<Incident>, DbErr> {
    use super::entity::incident_role;
    let held = sea_orm::sea_query::Query::select()
        .column(incident_role::Column::IncidentId)
        .from(incident_role::Entity)
        .and_where(incident_role::Column::UserId.eq(user.as_str()))
        .and_where(incident_role::Column::RelievedAt.is_null())
        .to_owned();
    let select = Entity::find()
        .filter(Column::Id.in_subquery(held))
        .filter(is_open())
        .order_by(priority_rank_expr(), sea_orm::Order::Asc)
        .order_by_desc(Column::Number)
        .limit(limit);
    load(conn, select).await
}

/// Open incidents (not resolved, closed or cancelled) with one of `priorities`: the ones an
/// update cadence applies to. Bounded by how many incidents are open at once.
pub async fn open_with_priorities(
    conn: &impl ConnectionTrait,
    priorities: &[crate::domain::priority::Priority],
) -> Result<Vec<Incident>, DbErr> {
    if priorities.is_empty() {
        return Ok(Vec::new());
    }
    let select = Entity::find()
        .filter(is_open())
        .filter(Column::Priority.is_in(priorities.iter().map(|p| p.rank())))
        .order_by_asc(Column::Number);
    load(conn, select).await
}

/// The incidents whose SLA clocks may still owe a warning or breach: the open ones, and
/// those changed since `changed_since` (one resolved late, between two checks, still owes
/// its breach). Imported history owes none. Bounded by how many incidents are open or
/// recently changed.
pub async fn sla_candidates(
    conn: &impl ConnectionTrait,
    changed_since: DateTime<Utc>,
) -> Result<Vec<Incident>, DbErr> {
    let select = Entity::find()
        .filter(Column::Source.ne(crate::domain::incident::Source::Imported.as_str()))
        .filter(
            sea_orm::Condition::any()
                .add(is_open())
                .add(Column::UpdatedAt.gte(changed_since)),
        )
        .order_by_asc(Column::Number);
    load(conn, select).await
}

/// Every open incident (not yet resolved, closed or cancelled), by number.
pub async fn open(conn: &impl ConnectionTrait) -> Result<Vec<Incident>, DbErr> {
    load(
        conn,
        Entity::find()
            .filter(is_open())
            .order_by_asc(Column::Number),
    )
    .await
}

/// A page of the knowledge base's members (resolved and closed), by number: for rebuilds.
pub async fn knowledge_base_page(
    conn: &impl ConnectionTrait,
    after_number: i64,
    limit: u64,
) -> Result<Vec<Incident>, DbErr> {
    let select = Entity::find()
        .filter(Column::Status.is_in([Status::Resolved.as_str(), Status::Closed.as_str()]))
        .filter(Column::Number.gt(after_number))
        .order_by_asc(Column::Number)
        .limit(limit);
    load(conn, select).await
}

pub async fn count_knowledge_base(conn: &impl ConnectionTrait) -> Result<u64, DbErr> {
    Entity::find()
        .filter(Column::Status.is_in([Status::Resolved.as_str(), Status::Closed.as_str()]))
        .count(conn)
        .await
}

/// Resolved (or closed) incidents resolved in `[from, to)`, of `service` if given, linked to
/// no problem, newest first, at most `limit`: what problem candidates are made of.
pub async fn resolved_without_problem(
    conn: &impl ConnectionTrait,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
    service: Option<&str>,
    limit: u64,
) -> Result<Vec<Incident>, DbErr> {
    use super::entity::problem_incident;
    let linked = sea_orm::sea_query::Query::select()
        .column(problem_incident::Column::IncidentId)
        .from(problem_incident::Entity)
        .to_owned();
    let mut select = Entity::find()
        .filter(Column::Status.is_in([Status::Resolved.as_str(), Status::Closed.as_str()]))
        .filter(Column::ResolvedAt.gte(from))
        .filter(Column::ResolvedAt.lt(to))
        .filter(Column::Id.not_in_subquery(linked));
    if let Some(service) = service {
        select = select.filter(Column::Service.eq(service));
    }
    load(
        conn,
        select
            .order_by_desc(Column::ResolvedAt)
            .order_by_desc(Column::Number)
            .limit(limit),
    )
    .await
}

/// Incidents resolved in `[from, to)`, for time-to-resolve statistics.
pub async fn resolved_between(
    conn: &impl ConnectionTrait,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Incident>, DbErr> {
    let select = Entity::find()
        .filter(Column::ResolvedAt.gte(from))
        .filter(Column::ResolvedAt.lt(to));
    load(conn, select).await
}

/// Incidents that are duplicates of `id`, for excluding them from its suggestions.
pub async fn duplicates_of(
    conn: &impl ConnectionTrait,
    id: IncidentId,
) -> Result<Vec<IncidentId>, DbErr> {
    Ok(Entity::find()
        .filter(Column::DuplicateOf.eq(id.0))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| IncidentId(m.id))
        .collect())
}
