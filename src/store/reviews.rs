//! Review and action item rows: conversion to and from the domain types, and the queries the
//! review use cases need. No rules here: which transitions are allowed lives in the domain.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::sea_query::{Condition, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::Value;

use super::entity::action_item as item_row;
use super::entity::review::{ActiveModel, Column, Entity, Model};
use crate::domain::ids::{ActionItemId, IncidentId, ProblemId, ReviewId, UserId};
use crate::domain::review::action_item::{ActionItem, ActionItemKind, ItemFilter};
use crate::domain::review::lifecycle::{ActionItemStatus, ReviewStatus};
use crate::domain::review::{Review, Sections};

fn corrupt(what: &str, value: impl std::fmt::Display) -> DbErr {
    DbErr::Type(format!("review row holds an unknown {what}: {value}"))
}

fn strings(value: &Value, what: &str) -> Result<Vec<String>, DbErr> {
    serde_json::from_value(value.clone()).map_err(|_| corrupt(what, value))
}

impl TryFrom<Model> for Review {
    type Error = DbErr;

    fn try_from(m: Model) -> Result<Self, DbErr> {
        Ok(Self {
            id: ReviewId(m.id),
            incident_id: IncidentId(m.incident_id),
            status: ReviewStatus::parse(&m.status).ok_or_else(|| corrupt("status", &m.status))?,
            owner_id: UserId::from(m.owner_id),
            participants: strings(&m.participants, "participant list")?
                .into_iter()
                .map(UserId::from)
                .collect(),
            sections: Sections {
                summary: m.summary,
                customer_impact: m.customer_impact,
                what_happened: m.what_happened,
                root_cause: m.root_cause,
                contributing_factors: strings(&m.contributing_factors, "factor list")?,
                went_well: m.went_well,
                went_badly: m.went_badly,
                lessons: m.lessons,
            },
            created_by: UserId::from(m.created_by),
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
            submitted_at: m.submitted_at,
            published_at: m.published_at,
            published_by: m.published_by.map(UserId::from),
        })
    }
}

fn to_active(r: &Review) -> ActiveModel {
    let s = &r.sections;
    ActiveModel {
        id: Set(r.id.0),
        incident_id: Set(r.incident_id.0),
        status: Set(r.status.as_str().to_owned()),
        owner_id: Set(r.owner_id.as_str().to_owned()),
        participants: Set(Value::from(
            r.participants
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect::<Vec<_>>(),
        )),
        summary: Set(s.summary.clone()),
        customer_impact: Set(s.customer_impact.clone()),
        what_happened: Set(s.what_happened.clone()),
        root_cause: Set(s.root_cause.clone()),
        contributing_factors: Set(Value::from(s.contributing_factors.clone())),
        went_well: Set(s.went_well.clone()),
        went_badly: Set(s.went_badly.clone()),
        lessons: Set(s.lessons.clone()),
        created_by: Set(r.created_by.as_str().to_owned()),
        version: Set(r.version),
        created_at: Set(r.created_at),
        updated_at: Set(r.updated_at),
        submitted_at: Set(r.submitted_at),
        published_at: Set(r.published_at),
        published_by: Set(r.published_by.as_ref().map(|u| u.as_str().to_owned())),
    }
}

/// Inserts the review; `false` if the incident already has one (the unique key decides, so
/// two starts at once cannot both win).
pub async fn insert(conn: &impl ConnectionTrait, review: &Review) -> Result<bool, DbErr> {
    let inserted = Entity::insert(to_active(review))
        .on_conflict(
            OnConflict::column(Column::IncidentId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(inserted == 1)
}

/// Writes `next` if the stored review is still at `expected`: `false` if another change came
/// first.
pub async fn update_if_version(
    conn: &impl ConnectionTrait,
    next: &Review,
    expected: i32,
) -> Result<bool, DbErr> {
    let mut row = to_active(next);
    row.id = sea_orm::NotSet;
    row.incident_id = sea_orm::NotSet;
    let done = Entity::update_many()
        .set(row)
        .filter(Column::Id.eq(next.id.0))
        .filter(Column::Version.eq(expected))
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

pub async fn find(conn: &impl ConnectionTrait, id: ReviewId) -> Result<Option<Review>, DbErr> {
    Entity::find_by_id(id.0)
        .one(conn)
        .await?
        .map(Review::try_from)
        .transpose()
}

pub async fn find_many(
    conn: &impl ConnectionTrait,
    ids: &[ReviewId],
) -> Result<HashMap<ReviewId, Review>, DbErr> {
    Entity::find()
        .filter(Column::Id.is_in(ids.iter().map(|i| i.0)))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| Review::try_from(m).map(|r| (r.id, r)))
        .collect()
}

/// The reviews of these incidents, by incident.
pub async fn of_incidents(
    conn: &impl ConnectionTrait,
    incidents: &[IncidentId],
) -> Result<HashMap<IncidentId, Review>, DbErr> {
    Entity::find()
        .filter(Column::IncidentId.is_in(incidents.iter().map(|i| i.0)))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| Review::try_from(m).map(|r| (r.incident_id, r)))
        .collect()
}

/// The PUBLISHED reviews of these incidents, by incident: what the knowledge base indexes
/// with each incident's document (one statement for a whole batch or rebuild page).
pub async fn published_of_incidents(
    conn: &impl ConnectionTrait,
    incidents: &[IncidentId],
) -> Result<HashMap<IncidentId, Review>, DbErr> {
    if incidents.is_empty() {
        return Ok(HashMap::new());
    }
    Entity::find()
        .filter(Column::IncidentId.is_in(incidents.iter().map(|i| i.0)))
        .filter(Column::Status.eq(ReviewStatus::Published.as_str()))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| Review::try_from(m).map(|r| (r.incident_id, r)))
        .collect()
}

pub async fn of_incident(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
) -> Result<Option<Review>, DbErr> {
    Ok(of_incidents(conn, &[incident]).await?.remove(&incident))
}

impl TryFrom<item_row::Model> for ActionItem {
    type Error = DbErr;

    fn try_from(m: item_row::Model) -> Result<Self, DbErr> {
        Ok(Self {
            id: ActionItemId(m.id),
            review_id: ReviewId(m.review_id),
            incident_id: IncidentId(m.incident_id),
            title: m.title,
            owner_id: UserId::from(m.owner_id),
            due_date: NaiveDate::parse_from_str(&m.due_date, "%Y-%m-%d")
                .map_err(|_| corrupt("due date", &m.due_date))?,
            kind: ActionItemKind::parse(&m.kind).ok_or_else(|| corrupt("item kind", &m.kind))?,
            status: ActionItemStatus::parse(&m.status)
                .ok_or_else(|| corrupt("item status", &m.status))?,
            reason: m.reason,
            problem_id: m.problem_id.map(ProblemId),
            created_by: UserId::from(m.created_by),
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
            completed_at: m.completed_at,
        })
    }
}

fn item_active(i: &ActionItem) -> item_row::ActiveModel {
    item_row::ActiveModel {
        id: Set(i.id.0),
        review_id: Set(i.review_id.0),
        incident_id: Set(i.incident_id.0),
        title: Set(i.title.clone()),
        owner_id: Set(i.owner_id.as_str().to_owned()),
        due_date: Set(date_text(i.due_date)),
        kind: Set(i.kind.as_str().to_owned()),
        status: Set(i.status.as_str().to_owned()),
        reason: Set(i.reason.clone()),
        problem_id: Set(i.problem_id.map(|p| p.0)),
        created_by: Set(i.created_by.as_str().to_owned()),
        version: Set(i.version),
        created_at: Set(i.created_at),
        updated_at: Set(i.updated_at),
        completed_at: Set(i.completed_at),
    }
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub async fn insert_item(conn: &impl ConnectionTrait, item: &ActionItem) -> Result<(), DbErr> {
    item_row::Entity::insert(item_active(item))
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

pub async fn update_item_if_version(
    conn: &impl ConnectionTrait,
    next: &ActionItem,
    expected: i32,
) -> Result<bool, DbErr> {
    let mut row = item_active(next);
    row.id = sea_orm::NotSet;
    row.review_id = sea_orm::NotSet;
    row.incident_id = sea_orm::NotSet;
    let done = item_row::Entity::update_many()
        .set(row)
        .filter(item_row::Column::Id.eq(next.id.0))
        .filter(item_row::Column::Version.eq(expected))
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

pub async fn find_item(
    conn: &impl ConnectionTrait,
    id: ActionItemId,
) -> Result<Option<ActionItem>, DbErr> {
    item_row::Entity::find_by_id(id.0)
        .one(conn)
        .await?
        .map(ActionItem::try_from)
        .transpose()
}

/// The items of these reviews, each review's soonest due first.
pub async fn items_of(
    conn: &impl ConnectionTrait,
    reviews: &[ReviewId],
) -> Result<HashMap<ReviewId, Vec<ActionItem>>, DbErr> {
    let rows = item_row::Entity::find()
        .filter(item_row::Column::ReviewId.is_in(reviews.iter().map(|r| r.0)))
        .order_by_asc(item_row::Column::DueDate)
        .order_by_asc(item_row::Column::Id)
        .all(conn)
        .await?;
    let mut out: HashMap<ReviewId, Vec<ActionItem>> = HashMap::new();
    for row in rows {
        let item = ActionItem::try_from(row)?;
        out.entry(item.review_id).or_default().push(item);
    }
    Ok(out)
}

fn open_statuses() -> Vec<&'static str> {
    ActionItemStatus::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(ActionItemStatus::as_str)
        .collect()
}

fn filtered(filter: &ItemFilter) -> sea_orm::Select<item_row::Entity> {
    use item_row::Column as C;
    let mut q = item_row::Entity::find();
    if let Some(owner) = &filter.owner_id {
        q = q.filter(C::OwnerId.eq(owner.as_str()));
    }
    if !filter.statuses.is_empty() {
        q = q.filter(C::Status.is_in(filter.statuses.iter().map(|s| s.as_str())));
    }
    if let (Some(overdue), Some(today)) = (filter.overdue, filter.today) {
        let today = date_text(today);
        let late = Condition::all()
            .add(C::Status.is_in(open_statuses()))
            .add(C::DueDate.lt(today.clone()));
        q = if overdue {
            q.filter(late)
        } else {
            q.filter(
                Condition::any()
                    .add(C::Status.is_not_in(open_statuses()))
                    .add(C::DueDate.gte(today)),
            )
        };
    }
    q
}

/// A page of items, soonest due first (then by id), after the item at `after`.
pub async fn list_items(
    conn: &impl ConnectionTrait,
    filter: &ItemFilter,
    after: Option<(NaiveDate, ActionItemId)>,
    limit: u64,
) -> Result<Vec<ActionItem>, DbErr> {
    use item_row::Column as C;
    let mut q = filtered(filter);
    if let Some((due, id)) = after {
        let due = date_text(due);
        q = q.filter(
            Condition::any()
                .add(C::DueDate.gt(due.clone()))
                .add(Condition::all().add(C::DueDate.eq(due)).add(C::Id.gt(id.0))),
        );
    }
    q.order_by_asc(C::DueDate)
        .order_by_asc(C::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(ActionItem::try_from)
        .collect()
}

pub async fn count_items(conn: &impl ConnectionTrait, filter: &ItemFilter) -> Result<u64, DbErr> {
    filtered(filter).count(conn).await
}
