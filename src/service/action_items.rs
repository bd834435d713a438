//! A review's action items: adding them (owner must be a known user, due date not past),
//! moving them through OPEN → IN_PROGRESS → DONE / WONT_DO, and listing them across reviews
//! so a team sees what is late.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::incidents::Page;
use super::reviews::{check_users_exist, incident_of, review_not_found, standing};
use super::{ServiceError, Services, now};
use crate::auth::policy::{Subject, authorize_on_review};
use crate::auth::{Operation, Viewer, authorize};
use crate::domain::ids::{ActionItemId, ProblemId, ProblemRef, ReviewId};
use crate::domain::review::action_item::{ActionItem, ActionItemChange, ItemFilter, NewActionItem};
use crate::store::reviews as rows;

fn item_not_found(id: ActionItemId) -> ServiceError {
    ServiceError::NotFound(format!("no action item with id {id}"))
}

/// `problemId` (an id or `PRB-n`) to the problem's id; an unknown one is bad input.
async fn problem_id(
    conn: &impl sea_orm::ConnectionTrait,
    target: Option<ProblemRef>,
) -> Result<Option<ProblemId>, ServiceError> {
    let Some(target) = target else {
        return Ok(None);
    };
    match crate::store::problems::find(conn, target).await? {
        Some(p) => Ok(Some(p.id)),
        None => Err(ServiceError::BadInput(match target {
            ProblemRef::Id(id) => format!("problemId: no problem with id {id}"),
            ProblemRef::Number(n) => format!("problemId: no problem {n}"),
        })),
    }
}

/// Today, as due dates are counted (UTC).
pub fn today() -> NaiveDate {
    now().date_naive()
}

impl Services {
    pub async fn add_action_item(
        &self,
        viewer: &Viewer,
        review: ReviewId,
        new: NewActionItem,
        problem: Option<ProblemRef>,
    ) -> Result<ActionItem, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None).map_err(|_| review_not_found(review))?;
        let txn = self.db.begin_write().await?;
        let found = rows::find(&*txn, review)
            .await?
            .ok_or_else(|| review_not_found(review))?;
        let incident = incident_of(&*txn, &found).await?;
        let (roles, relation) = standing(&*txn, viewer, &incident, &found).await?;
        authorize_on_review(
            viewer,
            Operation::AddActionItem,
            Some(Subject {
                reporter_id: &incident.reporter_id,
                roles: &roles,
            }),
            relation,
        )?;
        check_users_exist(&*txn, "ownerId", std::slice::from_ref(&new.owner_id)).await?;
        let mut new = new;
        new.problem_id = problem_id(&*txn, problem).await?;
        let item = ActionItem::new(
            ActionItemId::new(),
            found.id,
            found.incident_id,
            new,
            viewer.user_id.clone(),
            now(),
        );
        rows::insert_item(&*txn, &item).await?;
        txn.commit().await?;
        tracing::info!(action_item.id = %item.id, review.id = %found.id, "action item added");
        Ok(item)
    }

    pub async fn update_action_item(
        &self,
        viewer: &Viewer,
        id: ActionItemId,
        expected_version: Option<i32>,
        change: ActionItemChange,
        problem: Option<ProblemRef>,
    ) -> Result<ActionItem, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None).map_err(|_| item_not_found(id))?;
        let txn = self.db.begin_write().await?;
        let current = rows::find_item(&*txn, id)
            .await?
            .ok_or_else(|| item_not_found(id))?;
        let review = rows::find(&*txn, current.review_id)
            .await?
            .ok_or_else(|| item_not_found(id))?;
        let incident = incident_of(&*txn, &review).await?;
        let (roles, mut relation) = standing(&*txn, viewer, &incident, &review).await?;
        relation.owns_item = current.owner_id == viewer.user_id;
        authorize_on_review(
            viewer,
            Operation::UpdateActionItem,
            Some(Subject {
                reporter_id: &incident.reporter_id,
                roles: &roles,
            }),
            relation,
        )?;
        let expected = expected_version.unwrap_or(current.version);
        if expected != current.version {
            return Err(stale(&current, expected));
        }
        if let Some(owner) = &change.owner_id {
            check_users_exist(&*txn, "ownerId", std::slice::from_ref(owner)).await?;
        }
        let mut change = change;
        change.problem_id = problem_id(&*txn, problem).await?;
        let next = current.apply(change, now())?;
        if !rows::update_item_if_version(&*txn, &next, expected).await? {
            return Err(stale(&current, expected));
        }
        txn.commit().await?;
        tracing::info!(action_item.id = %next.id, action_item.status = next.status.as_str(), "action item changed");
        Ok(next)
    }

    /// The items of these reviews (`Review.actionItems`, batched), soonest due first.
    pub async fn action_items_of_reviews(
        &self,
        viewer: &Viewer,
        reviews: &[ReviewId],
    ) -> Result<HashMap<ReviewId, Vec<ActionItem>>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(rows::items_of(self.db.conn(), reviews).await?)
    }

    /// A page of action items across reviews, soonest due first.
    pub async fn list_action_items(
        &self,
        viewer: &Viewer,
        filter: &ItemFilter,
        after: Option<(NaiveDate, ActionItemId)>,
        first: u64,
    ) -> Result<Page<ActionItem>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        let mut items = rows::list_items(self.db.conn(), filter, after, first + 1).await?;
        let has_next_page = items.len() as u64 > first;
        items.truncate(first as usize);
        Ok(Page {
            items,
            has_next_page,
        })
    }

    pub async fn count_action_items(
        &self,
        viewer: &Viewer,
        filter: &ItemFilter,
    ) -> Result<u64, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(rows::count_items(self.db.conn(), filter).await?)
    }
}

fn stale(item: &ActionItem, expected: i32) -> ServiceError {
    ServiceError::Conflict(format!(
        "the action item is at version {}, not {expected}: it changed since you loaded it; reload it and try again",
        item.version
    ))
}
