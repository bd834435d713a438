//! Problem rows, their timeline, and the links from incidents: conversion to and from the
//! domain types, and the queries the problem use cases need.

use std::collections::HashMap;

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::entity::problem::{ActiveModel, Column, Entity, Model};
use super::entity::{problem_event, problem_incident};
use crate::domain::ids::{IncidentId, ProblemId, ProblemNumber, ProblemRef, UserId};
use crate::domain::priority::{Level, Priority};
use crate::domain::problem::lifecycle::ProblemStatus;
use crate::domain::problem::{
    Problem, ProblemChange, ProblemEvent, ProblemEventKind, ProblemFilter,
};

fn corrupt(what: &str, value: impl std::fmt::Display) -> DbErr {
    DbErr::Type(format!("problems row holds an unknown {what}: {value}"))
}

impl TryFrom<Model> for Problem {
    type Error = DbErr;

    fn try_from(m: Model) -> Result<Self, DbErr> {
        let level = |s: &str| Level::parse("level", s).map_err(|_| corrupt("level", s));
        Ok(Self {
            id: ProblemId(m.id),
            number: ProblemNumber(m.number),
            title: m.title,
            description: m.description,
            service: m.service,
            category: m.category,
            impact: level(&m.impact)?,
            urgency: level(&m.urgency)?,
            priority: Priority::from_rank(m.priority)
                .ok_or_else(|| corrupt("priority", m.priority))?,
            status: ProblemStatus::parse(&m.status).ok_or_else(|| corrupt("status", &m.status))?,
            root_cause: m.root_cause,
            workaround: m.workaround,
            fix: m.fix,
            change_reference: m.change_reference,
            cancel_reason: m.cancel_reason,
            reporter_id: UserId::from(m.reporter_id),
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
            investigating_at: m.investigating_at,
            known_error_at: m.known_error_at,
            resolved_at: m.resolved_at,
            closed_at: m.closed_at,
            cancelled_at: m.cancelled_at,
        })
    }
}

fn to_active(p: &Problem) -> ActiveModel {
    ActiveModel {
        id: Set(p.id.0),
        number: Set(p.number.0),
        title: Set(p.title.clone()),
        description: Set(p.description.clone()),
        service: Set(p.service.clone()),
        category: Set(p.category.clone()),
        impact: Set(p.impact.as_str().to_owned()),
        urgency: Set(p.urgency.as_str().to_owned()),
        priority: Set(p.priority.rank()),
        status: Set(p.status.as_str().to_owned()),
        root_cause: Set(p.root_cause.clone()),
        workaround: Set(p.workaround.clone()),
        fix: Set(p.fix.clone()),
        change_reference: Set(p.change_reference.clone()),
        cancel_reason: Set(p.cancel_reason.clone()),
        reporter_id: Set(p.reporter_id.as_str().to_owned()),
        version: Set(p.version),
        created_at: Set(p.created_at),
        updated_at: Set(p.updated_at),
        investigating_at: Set(p.investigating_at),
        known_error_at: Set(p.known_error_at),
        resolved_at: Set(p.resolved_at),
        closed_at: Set(p.closed_at),
        cancelled_at: Set(p.cancelled_at),
    }
}

pub async fn insert(conn: &impl ConnectionTrait, problem: &Problem) -> Result<(), DbErr> {
    Entity::insert(to_active(problem))
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Writes `next` if the stored problem is still at `expected` version: `false` if another
/// change came first.
pub async fn update_if_version(
    conn: &impl ConnectionTrait,
    next: &Problem,
    expected: i32,
) -> Result<bool, DbErr> {
    let mut row = to_active(next);
    row.id = sea_orm::NotSet;
    row.number = sea_orm::NotSet;
    let done = Entity::update_many()
        .set(row)
        .filter(Column::Id.eq(next.id.0))
        .filter(Column::Version.eq(expected))
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

pub async fn find(
    conn: &impl ConnectionTrait,
    target: ProblemRef,
) -> Result<Option<Problem>, DbErr> {
    let query = match target {
        ProblemRef::Id(id) => Entity::find_by_id(id.0),
        ProblemRef::Number(n) => Entity::find().filter(Column::Number.eq(n.0)),
    };
    query.one(conn).await?.map(Problem::try_from).transpose()
}

pub async fn find_many(
    conn: &impl ConnectionTrait,
    ids: &[ProblemId],
) -> Result<HashMap<ProblemId, Problem>, DbErr> {
    Entity::find()
        .filter(Column::Id.is_in(ids.iter().map(|i| i.0)))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| Problem::try_from(m).map(|p| (p.id, p)))
        .collect()
}

fn filtered(filter: &ProblemFilter) -> sea_orm::Select<Entity> {
    let mut q = Entity::find();
    if !filter.statuses.is_empty() {
        q = q.filter(Column::Status.is_in(filter.statuses.iter().map(|s| s.as_str())));
    }
    if let Some(service) = &filter.service {
        q = q.filter(Column::Service.eq(service.as_str()));
    }
    if !filter.priorities.is_empty() {
        q = q.filter(Column::Priority.is_in(filter.priorities.iter().map(|p| p.rank())));
    }
    q
}

/// A page, newest first (`newest_first`) or oldest first, after the problem numbered `after`.
pub async fn list(
    conn: &impl ConnectionTrait,
    filter: &ProblemFilter,
    newest_first: bool,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<Problem>, DbErr> {
    let mut q = filtered(filter);
    q = match (newest_first, after) {
        (true, Some(n)) => q.filter(Column::Number.lt(n)),
        (false, Some(n)) => q.filter(Column::Number.gt(n)),
        (_, None) => q,
    };
    q = if newest_first {
        q.order_by_desc(Column::Number)
    } else {
        q.order_by_asc(Column::Number)
    };
    q.limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(Problem::try_from)
        .collect()
}

/// The problems the knowledge base holds (known errors, resolved and closed): for rebuilds.
/// Problems are few beside incidents, so they come in one statement.
pub async fn knowledge_base(conn: &impl ConnectionTrait) -> Result<Vec<Problem>, DbErr> {
    Entity::find()
        .filter(Column::Status.is_in([
            ProblemStatus::KnownError.as_str(),
            ProblemStatus::Resolved.as_str(),
            ProblemStatus::Closed.as_str(),
        ]))
        .order_by_asc(Column::Number)
        .all(conn)
        .await?
        .into_iter()
        .map(Problem::try_from)
        .collect()
}

pub async fn count(conn: &impl ConnectionTrait, filter: &ProblemFilter) -> Result<u64, DbErr> {
    filtered(filter).count(conn).await
}

/// Appends the timeline entry of `change` to `problem` (as it is after the change).
pub async fn append_event(
    conn: &impl ConnectionTrait,
    problem: &Problem,
    at: chrono::DateTime<chrono::Utc>,
    actor: &UserId,
    change: &ProblemChange,
) -> Result<ProblemEvent, DbErr> {
    let row = problem_event::ActiveModel {
        problem_id: Set(problem.id.0),
        at: Set(at),
        actor_id: Set(actor.as_str().to_owned()),
        kind: Set(change.kind.as_str().to_owned()),
        before: Set(change.before.clone()),
        after: Set(change.after.clone()),
        version: Set(Some(problem.version)),
        ..Default::default()
    };
    let id = problem_event::Entity::insert(row)
        .exec(conn)
        .await?
        .last_insert_id;
    Ok(ProblemEvent {
        id,
        problem_id: problem.id,
        at,
        actor_id: actor.clone(),
        kind: change.kind,
        before: change.before.clone(),
        after: change.after.clone(),
        version: Some(problem.version),
    })
}

fn event_from(m: problem_event::Model) -> Result<ProblemEvent, DbErr> {
    Ok(ProblemEvent {
        id: m.id,
        problem_id: ProblemId(m.problem_id),
        at: m.at,
        actor_id: UserId::from(m.actor_id),
        kind: ProblemEventKind::parse(&m.kind).ok_or_else(|| corrupt("event kind", &m.kind))?,
        before: m.before,
        after: m.after,
        version: m.version,
    })
}

/// Problem timeline events by id, in id order (the fan-out reads other nodes' back).
pub async fn events_by_ids(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<ProblemEvent>, DbErr> {
    problem_event::Entity::find()
        .filter(problem_event::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(problem_event::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(event_from)
        .collect()
}

/// The problem's timeline, oldest first, after the event `after`.
pub async fn events(
    conn: &impl ConnectionTrait,
    problem: ProblemId,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<ProblemEvent>, DbErr> {
    let mut q =
        problem_event::Entity::find().filter(problem_event::Column::ProblemId.eq(problem.0));
    if let Some(after) = after {
        q = q.filter(problem_event::Column::Id.gt(after));
    }
    q.order_by_asc(problem_event::Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(event_from)
        .collect()
}

/// Links `incident` to `problem`; `false` if the incident already has a problem (the key).
pub async fn link(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
    problem: ProblemId,
    at: chrono::DateTime<chrono::Utc>,
    by: &UserId,
) -> Result<bool, DbErr> {
    let row = problem_incident::ActiveModel {
        incident_id: Set(incident.0),
        problem_id: Set(problem.0),
        linked_at: Set(at),
        linked_by: Set(by.as_str().to_owned()),
    };
    let inserted = problem_incident::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(problem_incident::Column::IncidentId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(inserted == 1)
}

/// Removes the incident's link; the problem it was linked to, if any.
pub async fn unlink(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
) -> Result<Option<ProblemId>, DbErr> {
    let Some(row) = problem_incident::Entity::find_by_id(incident.0)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    problem_incident::Entity::delete_by_id(incident.0)
        .exec(conn)
        .await?;
    Ok(Some(ProblemId(row.problem_id)))
}

/// The problem each of `incidents` is linked to.
pub async fn problems_of(
    conn: &impl ConnectionTrait,
    incidents: &[IncidentId],
) -> Result<HashMap<IncidentId, ProblemId>, DbErr> {
    Ok(problem_incident::Entity::find()
        .filter(problem_incident::Column::IncidentId.is_in(incidents.iter().map(|i| i.0)))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (IncidentId(r.incident_id), ProblemId(r.problem_id)))
        .collect())
}

/// The incidents linked to `problem`, oldest link first, after the incident linked at
/// position `offset`; and how many in all.
pub async fn incidents_of(
    conn: &impl ConnectionTrait,
    problem: ProblemId,
    offset: u64,
    limit: u64,
) -> Result<(Vec<IncidentId>, u64), DbErr> {
    let q =
        problem_incident::Entity::find().filter(problem_incident::Column::ProblemId.eq(problem.0));
    let total = q.clone().count(conn).await?;
    let ids = q
        .order_by_asc(problem_incident::Column::LinkedAt)
        .order_by_asc(problem_incident::Column::IncidentId)
        .offset(offset)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(|r| IncidentId(r.incident_id))
        .collect();
    Ok((ids, total))
}
