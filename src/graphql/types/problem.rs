//! Problems and their timeline as clients see them.

use async_graphql::OutputType;
use async_graphql::connection::{Connection, ConnectionNameType, Edge, EdgeNameType, EmptyFields};
use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::IncidentObject;
use super::enums::{Level, Priority};
use super::user::UserObject;
use crate::domain::problem::{Problem, ProblemEvent};
use crate::graphql::context::{page_size_in, services, viewer};
use crate::graphql::cursor;
use crate::graphql::error::{GqlResult, bad_input};
use crate::graphql::loaders::Loaders;
use crate::service::subscriptions::ProblemChanged;

/// Where a problem is in its lifecycle.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::problem::lifecycle::ProblemStatus")]
pub enum ProblemStatus {
    /// Reported; nobody is investigating yet.
    New,
    /// Its root cause is being looked for.
    UnderInvestigation,
    /// Root cause and workaround known; the permanent fix not in yet.
    KnownError,
    /// The permanent fix is in.
    Resolved,
    /// The fix is confirmed. Final.
    Closed,
    /// Not a problem after all. Final.
    Cancelled,
}

/// What a problem's timeline records. Webhooks that list one get it with the
/// `X-Hindsight-Event` header `PROBLEM_<kind>`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::problem::ProblemEventKind")]
pub enum ProblemEventKind {
    /// The problem was reported (NEW).
    Reported,
    /// Someone started investigating it.
    InvestigationStarted,
    /// Its root cause and a workaround were recorded (`after`: `rootCause`, `workaround`).
    KnownErrorRecorded,
    /// Its permanent fix is in.
    Resolved,
    /// It was closed.
    Closed,
    /// It was cancelled (`after.reason`).
    Cancelled,
    /// An incident was linked to it (`after`: `incident`, `incidentId`).
    IncidentLinked,
    /// An incident's link to it was removed.
    IncidentUnlinked,
}

pub struct ProblemObject(pub Problem);

/// The cause behind one or more incidents (ITIL problem management), `PRB-n`.
#[Object(name = "Problem")]
impl ProblemObject {
    /// Stable opaque id; `number` is the human handle.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The human handle, e.g. `PRB-7`; `problem(id:)` accepts it too.
    async fn number(&self) -> String {
        self.0.number.to_string()
    }

    /// What the problem is, in a line.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Free text; empty if none was given.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// The affected service.
    async fn service(&self) -> &str {
        &self.0.service
    }

    /// The kind of failure; null if not given.
    async fn category(&self) -> Option<&str> {
        self.0.category.as_deref()
    }

    /// How widely it hurts.
    async fn impact(&self) -> Level {
        self.0.impact.into()
    }

    /// How soon it must be dealt with.
    async fn urgency(&self) -> Level {
        self.0.urgency.into()
    }

    /// Derived from impact and urgency, as for incidents.
    async fn priority(&self) -> Priority {
        self.0.priority.into()
    }

    /// Where it is in its lifecycle.
    async fn status(&self) -> ProblemStatus {
        self.0.status.into()
    }

    /// Why the incidents happen; null until recorded (`recordKnownError`).
    async fn root_cause(&self) -> Option<&str> {
        self.0.root_cause.as_deref()
    }

    /// How to restore service while the problem lasts.
    async fn workaround(&self) -> Option<&str> {
        self.0.workaround.as_deref()
    }

    /// The permanent fix.
    async fn fix(&self) -> Option<&str> {
        self.0.fix.as_deref()
    }

    /// The change record that carried the fix, e.g. `CHG-1042`.
    async fn change_reference(&self) -> Option<&str> {
        self.0.change_reference.as_deref()
    }

    /// Why it was cancelled; null unless CANCELLED.
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }

    /// Who reported it.
    async fn reporter(&self, ctx: &Context<'_>) -> Result<UserObject> {
        Loaders::of(ctx)?.user(ctx, &self.0.reporter_id).await
    }

    /// Bumped by every change; pass it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When it was reported.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When anything about it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// When it became a known error; null before.
    async fn known_error_at(&self) -> Option<DateTime<Utc>> {
        self.0.known_error_at
    }

    /// When it was resolved; null before.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }

    /// The incidents linked to this problem, oldest link first.
    #[graphql(complexity = "crate::graphql::limits::list_complexity(first, child_complexity)")]
    async fn incidents(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = 20,
            desc = "How many to return: 0 to 100 (the server's page limit)."
        )]
        first: Option<i32>,
        #[graphql(desc = "The previous page's `pageInfo.endCursor`; absent: the first page.")]
        after: Option<String>,
    ) -> Result<LinkedIncidents> {
        let first = page_size_in(ctx, first)?;
        let offset = after
            .as_deref()
            .map(cursor::parse_offset)
            .transpose()
            .map_err(bad_input)?
            .map_or(0, |o| o + 1);
        let (items, total) = services(ctx)?
            .incidents_of_problem(viewer(ctx)?, self.0.id, offset as u64, first)
            .await
            .gql(ctx)?;
        let has_next = (offset as u64) + (items.len() as u64) < total;
        let mut connection =
            Connection::with_additional_fields(offset > 0, has_next, LinkedFields { total });
        connection.edges.extend(
            items.into_iter().enumerate().map(|(i, incident)| {
                Edge::new(cursor::offset(offset + i), IncidentObject(incident))
            }),
        );
        Ok(connection)
    }

    /// What happened to the problem, oldest first.
    #[graphql(complexity = "crate::graphql::limits::list_complexity(first, child_complexity)")]
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = 50,
            desc = "How many to return: 0 to 100 (the server's page limit)."
        )]
        first: Option<i32>,
    ) -> Result<Vec<ProblemEventObject>> {
        let limit = page_size_in(ctx, first)?;
        let events = services(ctx)?
            .problem_timeline(viewer(ctx)?, self.0.id, None, limit)
            .await
            .gql(ctx)?;
        Ok(events.into_iter().map(ProblemEventObject).collect())
    }
}

/// The incidents of a problem: a connection of its own name (incidents' is `IncidentConnection`).
pub type LinkedIncidents = Connection<
    String,
    IncidentObject,
    LinkedFields,
    EmptyFields,
    LinkedIncidentsName,
    LinkedIncidentEdgeName,
>;

pub struct LinkedIncidentsName;

impl ConnectionNameType for LinkedIncidentsName {
    fn type_name<T: OutputType>() -> String {
        "ProblemIncidentConnection".to_owned()
    }
}

pub struct LinkedIncidentEdgeName;

impl EdgeNameType for LinkedIncidentEdgeName {
    fn type_name<T: OutputType>() -> String {
        "ProblemIncidentEdge".to_owned()
    }
}

pub struct LinkedFields {
    total: u64,
}

#[Object]
impl LinkedFields {
    /// Incidents linked to the problem, across all pages.
    async fn total_count(&self) -> u64 {
        self.total
    }
}

pub struct ProblemEventObject(pub ProblemEvent);

/// One change to a problem.
#[Object(name = "ProblemEvent")]
impl ProblemEventObject {
    /// The event's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// What happened.
    async fn kind(&self) -> ProblemEventKind {
        self.0.kind.into()
    }

    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// Who did it.
    async fn actor(&self, ctx: &Context<'_>) -> Result<UserObject> {
        Loaders::of(ctx)?.user(ctx, &self.0.actor_id).await
    }

    /// The changed fields before the change; null when there was nothing before.
    async fn before(&self) -> Option<async_graphql::Json<Value>> {
        self.0.before.clone().map(async_graphql::Json)
    }

    /// The changed fields after the change.
    async fn after(&self) -> async_graphql::Json<Value> {
        async_graphql::Json(self.0.after.clone())
    }

    /// The problem's version after this change; null on events recorded before versions
    /// were kept on the timeline.
    async fn version(&self) -> Option<i32> {
        self.0.version
    }
}

pub struct ProblemChangedObject(pub ProblemChanged);

/// A committed change to a problem, as `problemChanged` delivers it: its timeline event and
/// the problem after it.
#[Object(name = "ProblemChangeEvent")]
impl ProblemChangedObject {
    /// The timeline event's id, as in `Problem.timeline`.
    async fn id(&self) -> ID {
        ID(self.0.event.id.to_string())
    }

    /// What changed.
    async fn kind(&self) -> ProblemEventKind {
        self.0.event.kind.into()
    }

    /// The problem after the change. Heard from another node, it is read back when heard,
    /// so it may already be newer than `version`.
    async fn problem(&self) -> ProblemObject {
        ProblemObject(self.0.problem.clone())
    }

    /// Who made the change.
    async fn actor(&self, ctx: &Context<'_>) -> Result<UserObject> {
        Loaders::of(ctx)?.user(ctx, &self.0.event.actor_id).await
    }

    /// When the change was made.
    async fn at(&self) -> DateTime<Utc> {
        self.0.event.at
    }

    /// The problem's version this change made: pass it as `expectedVersion` to change the
    /// problem next.
    async fn version(&self) -> i32 {
        self.0.event.version.unwrap_or(self.0.problem.version)
    }

    /// The timeline event itself (before and after values).
    async fn event(&self) -> ProblemEventObject {
        ProblemEventObject(self.0.event.clone())
    }
}
