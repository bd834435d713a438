//! Starting, editing, submitting and publishing reviews; adding and moving action items.

use async_graphql::{Context, Object, Result};

use super::inputs::*;
use crate::domain::review::ReviewCommand;
use crate::graphql::context::{services, viewer};
use crate::graphql::error::{GqlResult, bad_input, field_error};
use crate::graphql::incidents::incident_arg;
use crate::graphql::types::review::{ActionItemObject, ReviewObject};
use crate::service::action_items::today;

/// Post-incident reviews. Errors: BAD_USER_INPUT (invalid input or a transition the status
/// does not allow), NOT_FOUND, FORBIDDEN, CONFLICT (stale `expectedVersion`).
#[derive(Default)]
pub struct ReviewMutation;

async fn change(
    ctx: &Context<'_>,
    input: &ReviewChangeInput,
    command: ReviewCommand,
) -> Result<ReviewObject> {
    let id = review_id("id", &input.id).map_err(bad_input)?;
    let review = services(ctx)?
        .change_review(viewer(ctx)?, id, input.expected_version, command)
        .await
        .gql(ctx)?;
    Ok(ReviewObject(review))
}

#[Object]
impl ReviewMutation {
    /// A DRAFT review of a RESOLVED or CLOSED incident (managers, admins, the incident's
    /// incident manager), pre-filled: `whatHappened` with the durations and the timeline,
    /// `rootCause` with the resolution. One review per incident. Records `REVIEW_STARTED`.
    async fn start_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident and the review's owner.")] input: StartReviewInput,
    ) -> Result<ReviewObject> {
        let incident = incident_arg(&input.incident_id)?;
        let (owner, participants) = input.people().map_err(bad_input)?;
        let review = services(ctx)?
            .start_review(viewer(ctx)?, incident, owner, participants)
            .await
            .gql(ctx)?;
        Ok(ReviewObject(review))
    }

    /// Edits a DRAFT or IN_REVIEW review (managers, admins, the incident manager, the
    /// review's owner). Fails with CONFLICT if it changed since `expectedVersion`.
    async fn update_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review and the sections to change.")] input: UpdateReviewInput,
    ) -> Result<ReviewObject> {
        let id = review_id("id", &input.id).map_err(bad_input)?;
        let edit = input.edit().map_err(bad_input)?;
        let review = services(ctx)?
            .change_review(
                viewer(ctx)?,
                id,
                Some(input.expected_version),
                ReviewCommand::Edit(Box::new(edit)),
            )
            .await
            .gql(ctx)?;
        Ok(ReviewObject(review))
    }

    /// DRAFT → IN_REVIEW: the team reads it.
    async fn submit_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review to submit.")] input: ReviewChangeInput,
    ) -> Result<ReviewObject> {
        change(ctx, &input, ReviewCommand::Submit).await
    }

    /// IN_REVIEW → DRAFT: back to the writers.
    async fn return_review_to_draft(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review to return.")] input: ReviewChangeInput,
    ) -> Result<ReviewObject> {
        change(ctx, &input, ReviewCommand::ReturnToDraft).await
    }

    /// IN_REVIEW → PUBLISHED (final). Records `REVIEW_PUBLISHED`; an incident that needs a
    /// review may be closed from now on.
    async fn publish_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review to publish.")] input: ReviewChangeInput,
    ) -> Result<ReviewObject> {
        change(ctx, &input, ReviewCommand::Publish).await
    }

    /// A new OPEN action item on a review (managers, admins, the incident manager, the
    /// review's owner and participants).
    async fn add_action_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review and the new item.")] input: AddActionItemInput,
    ) -> Result<ActionItemObject> {
        let review = review_id("reviewId", &input.review_id).map_err(bad_input)?;
        let (new, problem) = input.parse(today()).map_err(bad_input)?;
        let item = services(ctx)?
            .add_action_item(viewer(ctx)?, review, new, problem)
            .await
            .gql(ctx)?;
        Ok(ActionItemObject(item))
    }

    /// Moves an action item along (OPEN → IN_PROGRESS → DONE, or WONT_DO with a reason) or
    /// changes its title, due date, owner or problem (managers, admins, the incident manager,
    /// the review's owner, the item's owner).
    async fn update_action_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item and what to change.")] input: UpdateActionItemInput,
    ) -> Result<ActionItemObject> {
        let id = action_item_id(&input.id).map_err(|e| field_error("id", e))?;
        let (change, problem) = input.parse(today()).map_err(bad_input)?;
        let item = services(ctx)?
            .update_action_item(viewer(ctx)?, id, input.expected_version, change, problem)
            .await
            .gql(ctx)?;
        Ok(ActionItemObject(item))
    }
}
