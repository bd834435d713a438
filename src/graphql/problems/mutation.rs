//! Reporting problems, their lifecycle, and linking incidents to them.

use async_graphql::{Context, ID, Object, Result};

use super::inputs::*;
use crate::domain::problem::ProblemCommand;
use crate::graphql::context::{services, viewer};
use crate::graphql::error::{GqlResult, bad_input};
use crate::graphql::incidents::incident_arg;
use crate::graphql::types::IncidentObject;
use crate::graphql::types::problem::ProblemObject;

/// The problem lifecycle. Errors: BAD_USER_INPUT (invalid input, or a transition the status
/// does not allow), NOT_FOUND, FORBIDDEN, CONFLICT (stale `expectedVersion`).
#[derive(Default)]
pub struct ProblemMutation;

async fn change(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: Option<i32>,
    command: ProblemCommand,
) -> Result<ProblemObject> {
    let target = problem_ref("id", id).map_err(bad_input)?;
    let problem = services(ctx)?
        .change_problem(viewer(ctx)?, target, expected_version, command)
        .await
        .gql(ctx)?;
    Ok(ProblemObject(problem))
}

#[Object]
impl ProblemMutation {
    /// A new problem, `NEW` (managers and admins).
    async fn report_problem(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The problem to report.")] input: ReportProblemInput,
    ) -> Result<ProblemObject> {
        let new = input.parse().map_err(bad_input)?;
        let problem = services(ctx)?
            .report_problem(viewer(ctx)?, new)
            .await
            .gql(ctx)?;
        Ok(ProblemObject(problem))
    }

    /// NEW → UNDER_INVESTIGATION (managers and admins).
    async fn start_problem_investigation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The problem to investigate.")] input: ProblemChangeInput,
    ) -> Result<ProblemObject> {
        change(
            ctx,
            &input.id,
            input.expected_version,
            ProblemCommand::StartInvestigation,
        )
        .await
    }

    /// → KNOWN_ERROR, with the root cause and a workaround (specialists too). Open incidents
    /// linked to the problem get a `PROBLEM_UPDATED` event with the workaround.
    async fn record_known_error(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The problem, its root cause and workaround.")]
        input: RecordKnownErrorInput,
    ) -> Result<ProblemObject> {
        let command = input.command().map_err(bad_input)?;
        change(ctx, &input.id, input.expected_version, command).await
    }

    /// → RESOLVED, with the permanent fix (managers and admins). Open linked incidents are
    /// told.
    async fn resolve_problem(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The problem and its permanent fix.")] input: ResolveProblemInput,
    ) -> Result<ProblemObject> {
        let command = input.command().map_err(bad_input)?;
        change(ctx, &input.id, input.expected_version, command).await
    }

    /// RESOLVED → CLOSED (managers and admins).
    async fn close_problem(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The resolved problem to close.")] input: ProblemChangeInput,
    ) -> Result<ProblemObject> {
        change(
            ctx,
            &input.id,
            input.expected_version,
            ProblemCommand::Close,
        )
        .await
    }

    /// Not a problem after all (from any state before RESOLVED; managers and admins).
    async fn cancel_problem(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The problem to cancel, and why.")] input: CancelProblemInput,
    ) -> Result<ProblemObject> {
        let command = input.command().map_err(bad_input)?;
        change(ctx, &input.id, input.expected_version, command).await
    }

    /// Links an incident to a problem; an incident has at most one (managers and admins).
    async fn link_incident_to_problem(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident and the problem.")] input: LinkIncidentToProblemInput,
    ) -> Result<IncidentObject> {
        let incident = incident_arg(&input.incident_id)?;
        let problem = problem_ref("problemId", &input.problem_id).map_err(bad_input)?;
        let linked = services(ctx)?
            .link_incident_to_problem(viewer(ctx)?, incident, problem)
            .await
            .gql(ctx)?;
        Ok(IncidentObject(linked))
    }

    /// Removes an incident's link to its problem (managers and admins).
    async fn unlink_incident_from_problem(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident to unlink.")] input: UnlinkIncidentFromProblemInput,
    ) -> Result<IncidentObject> {
        let incident = incident_arg(&input.incident_id)?;
        let unlinked = services(ctx)?
            .unlink_incident_from_problem(viewer(ctx)?, incident)
            .await
            .gql(ctx)?;
        Ok(IncidentObject(unlinked))
    }
}
