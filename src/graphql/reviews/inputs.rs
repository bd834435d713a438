//! Inputs of the review and action item mutations, parsed into domain values. Every refusal
//! names its field (`summary: is 200000 characters long; ...`).

use async_graphql::{ID, InputObject};
use uuid::Uuid;

use crate::domain::DomainError;
use crate::domain::ids::{ActionItemId, ProblemRef, ReviewId, UserId};
use crate::domain::review::action_item::{ActionItemChange, NewActionItem, due_date};
use crate::domain::review::{ReviewEdit, contributing_factors, section};
use crate::domain::text::{Reason, Title};
use crate::graphql::types::review::{ActionItemKind, ActionItemStatus};

pub fn review_id(field: &'static str, id: &ID) -> Result<ReviewId, DomainError> {
    Uuid::parse_str(id.as_str().trim())
        .map(ReviewId)
        .map_err(|_| DomainError::invalid(field, format!("`{}` is not a review id", id.as_str())))
}

pub fn action_item_id(id: &ID) -> Result<ActionItemId, DomainError> {
    Uuid::parse_str(id.as_str().trim())
        .map(ActionItemId)
        .map_err(|_| {
            DomainError::invalid("id", format!("`{}` is not an action item id", id.as_str()))
        })
}

pub fn user(field: &'static str, id: &ID) -> Result<UserId, DomainError> {
    let trimmed = id.as_str().trim();
    if trimmed.is_empty() || trimmed.chars().count() > 200 || trimmed.chars().any(char::is_control)
    {
        return Err(DomainError::invalid(field, "is not a user id"));
    }
    Ok(UserId::from(trimmed))
}

fn users(field: &'static str, ids: &[ID]) -> Result<Vec<UserId>, DomainError> {
    ids.iter().map(|id| user(field, id)).collect()
}

fn problem(id: Option<&ID>) -> Result<Option<ProblemRef>, DomainError> {
    id.map(|id| {
        id.as_str().parse().map_err(|e: DomainError| match e {
            DomainError::Invalid { message, .. } => DomainError::invalid("problemId", message),
            other => other,
        })
    })
    .transpose()
}

/// Starts the review of a resolved or closed incident.
#[derive(InputObject)]
pub struct StartReviewInput {
    /// The incident's id or number (`INC-42`).
    pub incident_id: ID,
    /// Who owns the review; absent: the caller.
    pub owner_id: Option<ID>,
    /// Who takes part (they may add action items); absent: nobody yet.
    pub participant_ids: Option<Vec<ID>>,
}

impl StartReviewInput {
    pub fn people(&self) -> Result<(Option<UserId>, Vec<UserId>), DomainError> {
        Ok((
            self.owner_id
                .as_ref()
                .map(|o| user("ownerId", o))
                .transpose()?,
            users(
                "participantIds",
                self.participant_ids.as_deref().unwrap_or(&[]),
            )?,
        ))
    }
}

/// Edits a DRAFT or IN_REVIEW review. Absent fields stay as they are. Sections are Markdown,
/// each at most 100,000 characters.
#[derive(InputObject)]
pub struct UpdateReviewInput {
    /// The review's id.
    pub id: ID,
    /// The version you read: if someone saved since, this fails with CONFLICT and changes
    /// nothing.
    pub expected_version: i32,
    /// What happened, in a paragraph.
    pub summary: Option<String>,
    /// Who was affected, how, and for how long.
    pub customer_impact: Option<String>,
    /// The story (pre-filled with the durations and the timeline table).
    pub what_happened: Option<String>,
    /// Why it happened (pre-filled from the incident's resolution).
    pub root_cause: Option<String>,
    /// What made it possible or worse, one line each (at most 100).
    pub contributing_factors: Option<Vec<String>>,
    /// What went well.
    pub went_well: Option<String>,
    /// What went badly.
    pub went_badly: Option<String>,
    /// What we learned.
    pub lessons: Option<String>,
    /// A new owner.
    pub owner_id: Option<ID>,
    /// The participants, replacing the list.
    pub participant_ids: Option<Vec<ID>>,
}

impl UpdateReviewInput {
    pub fn edit(&self) -> Result<ReviewEdit, DomainError> {
        let s = |field: &'static str, v: &Option<String>| -> Result<Option<String>, DomainError> {
            v.as_deref().map(|raw| section(field, raw)).transpose()
        };
        Ok(ReviewEdit {
            summary: s("summary", &self.summary)?,
            customer_impact: s("customerImpact", &self.customer_impact)?,
            what_happened: s("whatHappened", &self.what_happened)?,
            root_cause: s("rootCause", &self.root_cause)?,
            contributing_factors: self
                .contributing_factors
                .as_deref()
                .map(contributing_factors)
                .transpose()?,
            went_well: s("wentWell", &self.went_well)?,
            went_badly: s("wentBadly", &self.went_badly)?,
            lessons: s("lessons", &self.lessons)?,
            owner_id: self
                .owner_id
                .as_ref()
                .map(|o| user("ownerId", o))
                .transpose()?,
            participants: self
                .participant_ids
                .as_deref()
                .map(|p| users("participantIds", p))
                .transpose()?,
        })
    }
}

/// Names a review and the version read, for `submitReview`, `returnReviewToDraft` and
/// `publishReview`.
#[derive(InputObject)]
pub struct ReviewChangeInput {
    /// The review's id.
    pub id: ID,
    /// Fails with CONFLICT unless the review is still at this version.
    pub expected_version: Option<i32>,
}

/// A follow-up from a review.
#[derive(InputObject)]
pub struct AddActionItemInput {
    /// The review's id.
    pub review_id: ID,
    /// What to do, in a line (1–200 characters).
    pub title: String,
    /// Who does it: a user who has signed in at least once.
    pub owner_id: ID,
    /// When it is due, `YYYY-MM-DD` (UTC), today or later.
    pub due_date: String,
    /// What it protects against.
    pub kind: ActionItemKind,
    /// The problem it belongs to: its id or number (`PRB-7`).
    pub problem_id: Option<ID>,
}

impl AddActionItemInput {
    pub fn parse(
        &self,
        today: chrono::NaiveDate,
    ) -> Result<(NewActionItem, Option<ProblemRef>), DomainError> {
        Ok((
            NewActionItem {
                title: Title::parse(&self.title)?,
                owner_id: user("ownerId", &self.owner_id)?,
                due_date: due_date(&self.due_date, today)?,
                kind: self.kind.into(),
                problem_id: None,
            },
            problem(self.problem_id.as_ref())?,
        ))
    }
}

/// Changes an action item; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateActionItemInput {
    /// The action item's id.
    pub id: ID,
    /// Fails with CONFLICT unless the item is still at this version.
    pub expected_version: Option<i32>,
    /// The next status: OPEN → IN_PROGRESS → DONE, or WONT_DO (with a reason).
    pub status: Option<ActionItemStatus>,
    /// Why it will not be done (required with WONT_DO).
    pub reason: Option<String>,
    /// A new title.
    pub title: Option<String>,
    /// A new due date, `YYYY-MM-DD`, today or later.
    pub due_date: Option<String>,
    /// A new owner.
    pub owner_id: Option<ID>,
    /// Links the item to a problem: its id or number (`PRB-7`).
    pub problem_id: Option<ID>,
}

impl UpdateActionItemInput {
    pub fn parse(
        &self,
        today: chrono::NaiveDate,
    ) -> Result<(ActionItemChange, Option<ProblemRef>), DomainError> {
        Ok((
            ActionItemChange {
                status: self.status.map(Into::into),
                reason: self.reason.as_deref().map(Reason::parse).transpose()?,
                title: self.title.as_deref().map(Title::parse).transpose()?,
                due_date: self
                    .due_date
                    .as_deref()
                    .map(|d| due_date(d, today))
                    .transpose()?,
                owner_id: self
                    .owner_id
                    .as_ref()
                    .map(|o| user("ownerId", o))
                    .transpose()?,
                problem_id: None,
            },
            problem(self.problem_id.as_ref())?,
        ))
    }
}
