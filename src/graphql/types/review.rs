//! Post-incident reviews and their action items as clients see them.

use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::IncidentObject;
use super::problem::ProblemObject;
use super::user::UserObject;
use crate::domain::review::Review;
use crate::domain::review::action_item::ActionItem;
use crate::graphql::context::{services, viewer};
use crate::graphql::error::{GqlResult, code, with_code};
use crate::graphql::loaders::Loaders;
use crate::service::action_items::today;

/// Where a review stands: DRAFT → IN_REVIEW → PUBLISHED.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::review::lifecycle::ReviewStatus")]
pub enum ReviewStatus {
    /// Being written; sections may change.
    Draft,
    /// Submitted for the team to read; sections may still change, or it goes back to DRAFT.
    InReview,
    /// Final. Incidents that `reviews.required_for` names may be closed now.
    Published,
}

/// Where an action item stands: OPEN → IN_PROGRESS → DONE, or WONT_DO.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::review::lifecycle::ActionItemStatus")]
pub enum ActionItemStatus {
    /// Nobody has started it.
    Open,
    /// Someone is on it.
    InProgress,
    /// Done (final).
    Done,
    /// Decided against, with a reason (final).
    WontDo,
}

/// What an action item protects against.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::review::action_item::ActionItemKind")]
pub enum ActionItemKind {
    /// Keeps it from happening again.
    Prevent,
    /// Notices it sooner.
    Detect,
    /// Makes it hurt less or end sooner.
    Mitigate,
    /// Changes how people work (runbooks, rotas, reviews).
    Process,
}

pub struct ReviewObject(pub Review);

/// The post-incident review of one resolved incident: sections in Markdown, its people, and
/// its action items. Everyone who reads the incident reads its review.
#[Object(name = "Review")]
impl ReviewObject {
    /// The review's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The incident it reviews.
    async fn incident(&self, ctx: &Context<'_>) -> Result<IncidentObject> {
        Loaders::of(ctx)?
            .incident(ctx, self.0.incident_id)
            .await?
            .ok_or_else(|| with_code("the review's incident is gone", code::NOT_FOUND))
    }

    /// DRAFT, IN_REVIEW or PUBLISHED.
    async fn status(&self) -> ReviewStatus {
        self.0.status.into()
    }

    /// Who owns the review: they may edit it like a manager.
    async fn owner(&self, ctx: &Context<'_>) -> Result<UserObject> {
        Loaders::of(ctx)?.user(ctx, &self.0.owner_id).await
    }

    /// Who takes part: they may add action items.
    async fn participants(&self, ctx: &Context<'_>) -> Result<Vec<UserObject>> {
        let loaders = Loaders::of(ctx)?;
        futures::future::try_join_all(self.0.participants.iter().map(|p| loaders.user(ctx, p)))
            .await
    }

    /// What happened, in a paragraph (Markdown).
    async fn summary(&self) -> &str {
        &self.0.sections.summary
    }

    /// Who was affected, how, and for how long (Markdown).
    async fn customer_impact(&self) -> &str {
        &self.0.sections.customer_impact
    }

    /// The story (Markdown), pre-filled with the durations to triage, mitigate and resolve
    /// and a table of every timeline event (time, actor, detail, annotation).
    async fn what_happened(&self) -> &str {
        &self.0.sections.what_happened
    }

    /// Why it happened (Markdown), pre-filled from the incident's resolution.
    async fn root_cause(&self) -> &str {
        &self.0.sections.root_cause
    }

    /// What made it possible or worse, one line each.
    async fn contributing_factors(&self) -> &[String] {
        &self.0.sections.contributing_factors
    }

    /// What went well (Markdown).
    async fn went_well(&self) -> &str {
        &self.0.sections.went_well
    }

    /// What went badly (Markdown).
    async fn went_badly(&self) -> &str {
        &self.0.sections.went_badly
    }

    /// What we learned (Markdown).
    async fn lessons(&self) -> &str {
        &self.0.sections.lessons
    }

    /// Bumped by every change; `updateReview` needs it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When it was started.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// When it was last submitted for review.
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.submitted_at
    }

    /// When it was published.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }

    /// Who published it.
    async fn published_by(&self, ctx: &Context<'_>) -> Result<Option<UserObject>> {
        match &self.0.published_by {
            Some(id) => Ok(Some(Loaders::of(ctx)?.user(ctx, id).await?)),
            None => Ok(None),
        }
    }

    /// Its action items, soonest due first.
    async fn action_items(&self, ctx: &Context<'_>) -> Result<Vec<ActionItemObject>> {
        Ok(Loaders::of(ctx)?
            .action_items(ctx, self.0.id)
            .await?
            .into_iter()
            .map(ActionItemObject)
            .collect())
    }

    /// The whole review as one Markdown document (also `GET /reviews/INC-7.md`): heading,
    /// sections, and the action items as a table.
    async fn markdown(&self, ctx: &Context<'_>) -> Result<String> {
        services(ctx)?
            .review_markdown(viewer(ctx)?, &self.0)
            .await
            .gql(ctx)
    }
}

pub struct ActionItemObject(pub ActionItem);

/// Follow-up work from a review, with an owner and a due date.
#[Object(name = "ActionItem")]
impl ActionItemObject {
    /// The action item's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The review it came from.
    async fn review(&self, ctx: &Context<'_>) -> Result<ReviewObject> {
        Loaders::of(ctx)?
            .review_by_id(ctx, self.0.review_id)
            .await?
            .map(ReviewObject)
            .ok_or_else(|| with_code("the action item's review is gone", code::NOT_FOUND))
    }

    /// The incident whose review it came from.
    async fn incident(&self, ctx: &Context<'_>) -> Result<Option<IncidentObject>> {
        Loaders::of(ctx)?.incident(ctx, self.0.incident_id).await
    }

    /// What to do, in a line.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Who does it.
    async fn owner(&self, ctx: &Context<'_>) -> Result<UserObject> {
        Loaders::of(ctx)?.user(ctx, &self.0.owner_id).await
    }

    /// When it is due, `YYYY-MM-DD` (UTC).
    async fn due_date(&self) -> String {
        self.0.due_date.format("%Y-%m-%d").to_string()
    }

    /// What it protects against.
    async fn kind(&self) -> ActionItemKind {
        self.0.kind.into()
    }

    /// OPEN, IN_PROGRESS, DONE or WONT_DO.
    async fn status(&self) -> ActionItemStatus {
        self.0.status.into()
    }

    /// Why it will not be done (WONT_DO).
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// Past its due date (UTC) and not done.
    async fn overdue(&self) -> bool {
        self.0.is_overdue(today())
    }

    /// The problem it belongs to, if linked.
    async fn problem(&self, ctx: &Context<'_>) -> Result<Option<ProblemObject>> {
        let Some(id) = self.0.problem_id else {
            return Ok(None);
        };
        Ok(Loaders::of(ctx)?
            .problem_by_id(ctx, id)
            .await?
            .map(ProblemObject))
    }

    /// Bumped by every change; pass it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When it was added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// When it became DONE or WONT_DO.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
}
