//! The `Incident` type: its fields, and the nested lists (timeline, updates, roles,
//! watchers, suggestions) loaded through DataLoaders.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

use super::StatusUpdateObject;
use super::enums::{Audience, IncidentSource, IncidentStatus, Level, LifecycleAction, Priority};
use super::sla::IncidentSlaObject;
use super::team::RoleAssignmentObject;
use super::{TimelineEventObject, UserObject};
use crate::domain::ids::{IncidentId, UserId};
use crate::domain::incident::{Incident, StoredResolution};
use crate::domain::lifecycle::Action;
use crate::graphql::context::{page_size, page_size_in, services, viewer};
use crate::graphql::cursor;
use crate::graphql::error::{GqlResult, bad_input, code, with_code};
use crate::graphql::loaders::{Loaders, TimelineKey, UpdatesKey};
use crate::graphql::types::knowledge::SuggestionObject;
use crate::graphql::types::problem::ProblemObject;

/// At most this many suggestions per incident.
const MAX_SUGGESTIONS: i32 = 20;

pub struct IncidentObject(pub Incident);

/// What restored service.
pub struct Resolution(StoredResolution);

/// How an incident was resolved (set by `resolveIncident`).
#[Object]
impl Resolution {
    /// What restored service.
    async fn summary(&self) -> &str {
        &self.0.summary
    }

    /// Why it broke; null if not recorded.
    async fn root_cause(&self) -> Option<&str> {
        self.0.root_cause.as_deref()
    }

    /// What was done to fix it; null if not recorded.
    async fn fix(&self) -> Option<&str> {
        self.0.fix.as_deref()
    }

    /// Past incidents whose suggestion was rated helpful before this one was resolved.
    async fn resolved_with_the_help_of(&self, ctx: &Context<'_>) -> Result<Vec<IncidentObject>> {
        let loaders = Loaders::of(ctx)?;
        let mut out = Vec::new();
        for id in &self.0.helped_by {
            out.extend(loaders.incident(ctx, *id).await?);
        }
        Ok(out)
    }

    /// Known errors whose suggestion was rated helpful before this one was resolved, oldest
    /// rating first.
    async fn resolved_with_the_help_of_known_errors(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<ProblemObject>> {
        let ids = &self.0.helped_by_known_errors;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut found = services(ctx)?
            .problems_by_id(viewer(ctx)?, ids)
            .await
            .gql(ctx)?;
        Ok(ids
            .iter()
            .filter_map(|id| found.remove(id))
            .map(ProblemObject)
            .collect())
    }
}

/// Narrows suggestions to one service or category (by default they are only ranked up).
#[derive(InputObject, Default)]
pub struct SuggestionFilter {
    /// Only past incidents of exactly this service.
    pub service: Option<String>,
    /// Only past incidents of exactly this category.
    pub category: Option<String>,
}

/// Extra fields of the timeline connection.
pub struct TimelineFields {
    incident: IncidentId,
}

#[Object]
impl TimelineFields {
    /// All events of the incident, not only this page.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64> {
        Loaders::of(ctx)?.timeline_count(ctx, self.incident).await
    }
}

pub type TimelineConnection = Connection<String, TimelineEventObject, TimelineFields>;

/// Something broke. Its lifecycle: NEW → TRIAGED → INVESTIGATING → (MITIGATED) → RESOLVED →
/// CLOSED, with reopen and cancel.
#[Object(name = "Incident")]
impl IncidentObject {
    /// Stable opaque id (a UUID); `number` is the human handle.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The human handle, e.g. `INC-42`; `incident(id:)` accepts it too.
    async fn number(&self) -> String {
        self.0.number.to_string()
    }

    /// What broke, in a line.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Free text from the reporter; empty if none was given.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// The affected service.
    async fn service(&self) -> &str {
        &self.0.service
    }

    /// The kind of failure; null until given at report or triage.
    async fn category(&self) -> Option<&str> {
        self.0.category.as_deref()
    }

    /// How the incident was noticed.
    async fn source(&self) -> IncidentSource {
        self.0.source.into()
    }

    /// The original ticket id of an imported incident (`hindsight import`).
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// Where the incident is in its lifecycle.
    async fn status(&self) -> IncidentStatus {
        self.0.status.into()
    }

    /// How widely it hurts; null until triaged.
    async fn impact(&self) -> Option<Level> {
        self.0.impact.map(Level::from)
    }

    /// How soon it must be dealt with; null until triaged.
    async fn urgency(&self) -> Option<Level> {
        self.0.urgency.map(Level::from)
    }

    /// Derived from impact × urgency at triage; null until triaged.
    async fn priority(&self) -> Option<Priority> {
        self.0.priority.map(Priority::from)
    }

    /// How it was resolved; null until resolved, and again after a reopen.
    async fn resolution(&self) -> Option<Resolution> {
        self.0.resolution.clone().map(Resolution)
    }

    /// The most similar resolved incidents, best first: known fixes to try while diagnosing.
    /// Excludes this incident and its duplicates. Each suggestion says why it was picked.
    #[graphql(
        complexity = "crate::graphql::limits::list_complexity(Some(first), child_complexity)"
    )]
    async fn suggestions(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 5, desc = "How many suggestions: 0 to 20.")] first: i32,
        #[graphql(desc = "Keep only suggestions of one service or category; absent: all.")]
        filter: Option<SuggestionFilter>,
    ) -> Result<Vec<SuggestionObject>> {
        if !(0..=MAX_SUGGESTIONS).contains(&first) {
            return Err(with_code(
                format!("first: must be between 0 and {MAX_SUGGESTIONS}, got {first}"),
                code::BAD_USER_INPUT,
            ));
        }
        let filter = filter.unwrap_or_default();
        let found = services(ctx)?
            .suggestions(
                viewer(ctx)?,
                &self.0,
                first as usize,
                filter.service,
                filter.category,
            )
            .await
            .gql(ctx)?;
        Ok(found.into_iter().map(SuggestionObject).collect())
    }

    /// Why it was cancelled; null unless CANCELLED.
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }

    /// The incident this one duplicates, when it was cancelled as a duplicate.
    async fn duplicate_of(&self, ctx: &Context<'_>) -> Result<Option<IncidentObject>> {
        match self.0.duplicate_of {
            Some(id) => Loaders::of(ctx)?.incident(ctx, id).await,
            None => Ok(None),
        }
    }

    /// Incidents linked to this one as related (`linkRelatedIncidents`), oldest link first;
    /// at most 20.
    #[graphql(complexity = "crate::graphql::limits::list_complexity(Some(20), child_complexity)")]
    async fn related(&self, ctx: &Context<'_>) -> Result<Vec<IncidentObject>> {
        Loaders::of(ctx)?.related(ctx, self.0.id).await
    }

    /// Its labels, sorted (lowercase; `incidents(filter: {labels})` finds incidents by them).
    async fn labels(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        Loaders::of(ctx)?.labels(ctx, self.0.id).await
    }

    /// When the impact started, if before the report (`updateIncident`); null: at the report
    /// (`createdAt`). MTTM and MTTR are measured from it.
    async fn impact_started_at(&self) -> Option<DateTime<Utc>> {
        self.0.impact_started_at
    }

    /// The title the public status page shows instead of `title`; null: the page shows
    /// `title`.
    async fn public_title(&self) -> Option<&str> {
        self.0.public_title.as_deref()
    }

    /// Who reported it.
    async fn reporter(&self, ctx: &Context<'_>) -> Result<UserObject> {
        Loaders::of(ctx)?.user(ctx, &self.0.reporter_id).await
    }

    /// Increases with every change; pass it back as `expectedVersion` to avoid lost updates.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The lifecycle mutations the current status allows (the caller's roles may still
    /// forbid some).
    async fn allowed_actions(&self) -> Vec<LifecycleAction> {
        Action::allowed_from(self.0.status)
            .into_iter()
            .map(LifecycleAction::from)
            .collect()
    }

    /// When it was reported.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When anything about it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// First triage: the acknowledgement MTTA measures.
    async fn triaged_at(&self) -> Option<DateTime<Utc>> {
        self.0.triaged_at
    }

    /// When the investigation started; null before it has.
    async fn investigating_at(&self) -> Option<DateTime<Utc>> {
        self.0.investigating_at
    }

    /// When it was mitigated; null if it never was.
    async fn mitigated_at(&self) -> Option<DateTime<Utc>> {
        self.0.mitigated_at
    }

    /// When it was resolved: the end MTTR measures; null until resolved.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }

    /// When it was closed; null until closed.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }

    /// When it was cancelled; null unless CANCELLED.
    async fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.0.cancelled_at
    }

    /// The append-only timeline, oldest first.
    #[graphql(complexity = "crate::graphql::limits::list_complexity(first, child_complexity)")]
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = 20,
            desc = "How many to return: 0 to 100 (the server's page limit)."
        )]
        first: Option<i32>,
        #[graphql(desc = "The previous page's `pageInfo.endCursor`; absent: the first page.")]
        after: Option<String>,
    ) -> Result<TimelineConnection> {
        let limit = page_size_in(ctx, first)?;
        let after = after
            .as_deref()
            .map(cursor::parse_event)
            .transpose()
            .map_err(bad_input)?;
        let key = TimelineKey {
            incident: self.0.id,
            after,
            limit: limit + 1,
        };
        let mut events = Loaders::of(ctx)?.timeline(ctx, key).await?;
        let has_next_page = events.len() as u64 > limit;
        events.truncate(limit as usize);
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            has_next_page,
            TimelineFields {
                incident: self.0.id,
            },
        );
        connection.edges.extend(
            events
                .into_iter()
                .map(|e| Edge::new(cursor::event(e.id), TimelineEventObject(e))),
        );
        Ok(connection)
    }

    /// Who holds (and, with `includeRelieved`, held) which role on this incident, oldest
    /// first: the current holders and the most recent history, at most 100.
    async fn roles(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false, desc = "Also list relieved (past) assignments.")]
        include_relieved: bool,
    ) -> Result<Vec<RoleAssignmentObject>> {
        let all = Loaders::of(ctx)?.assignments(ctx, self.0.id).await?;
        Ok(all
            .into_iter()
            .filter(|a| include_relieved || a.is_active())
            .map(RoleAssignmentObject)
            .collect())
    }

    /// The people holding a role on this incident now, each once.
    async fn responders(&self, ctx: &Context<'_>) -> Result<Vec<UserObject>> {
        let loaders = Loaders::of(ctx)?;
        let mut ids: Vec<UserId> = Vec::new();
        for a in loaders.assignments(ctx, self.0.id).await? {
            if a.is_active() && !ids.contains(&a.user_id) {
                ids.push(a.user_id);
            }
        }
        // Awaited together, so the users load in one batch.
        futures::future::try_join_all(ids.iter().map(|id| loaders.user(ctx, id))).await
    }

    /// The first `first` stakeholders following this incident's updates (up to 100), oldest
    /// first.
    #[graphql(complexity = "crate::graphql::limits::list_complexity(first, child_complexity)")]
    async fn watchers(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, desc = "How many watchers to return: 0 to 100.")] first: Option<
            i32,
        >,
    ) -> Result<Vec<UserObject>> {
        let limit = page_size(first, crate::service::team::MAX_WATCHERS as usize)?;
        let loaders = Loaders::of(ctx)?;
        let ids = loaders.watchers(ctx, self.0.id).await?;
        let listed = ids.iter().take(limit as usize);
        futures::future::try_join_all(listed.map(|id| loaders.user(ctx, id))).await
    }

    /// The problem this incident is linked to (`linkIncidentToProblem`), if any.
    async fn problem(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::graphql::types::problem::ProblemObject>> {
        Ok(Loaders::of(ctx)?
            .problem(ctx, self.0.id)
            .await?
            .map(crate::graphql::types::problem::ProblemObject))
    }

    /// The incident's post-incident review (`startReview`), if it has one.
    async fn review(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::graphql::types::review::ReviewObject>> {
        Ok(Loaders::of(ctx)?
            .review(ctx, self.0.id)
            .await?
            .map(crate::graphql::types::review::ReviewObject))
    }

    /// The response and resolution clocks, read now under the SLA policy that covers the
    /// incident's service.
    async fn sla(&self, ctx: &Context<'_>) -> Result<IncidentSlaObject> {
        Ok(IncidentSlaObject(
            Loaders::of(ctx)?.sla(ctx, self.0.id).await?,
        ))
    }

    /// The monitoring alerts on this incident (source ALERT), most recently seen first: each
    /// with its state, count, first and last sighting, labels, annotations and links. An
    /// alert seen again while a client pages moves to the front.
    #[graphql(complexity = "crate::graphql::limits::list_complexity(first, child_complexity)")]
    async fn alerts(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = 20,
            desc = "How many to return: 0 to 100 (the server's page limit)."
        )]
        first: Option<i32>,
        #[graphql(desc = "The previous page's `pageInfo.endCursor`; absent: the first page.")]
        after: Option<String>,
    ) -> Result<super::integration::IncidentAlerts> {
        let first = page_size_in(ctx, first)? as usize;
        let offset = after
            .as_deref()
            .map(cursor::parse_offset)
            .transpose()
            .map_err(bad_input)?
            .map_or(0, |o| o + 1);
        let all = Loaders::of(ctx)?.alerts(ctx, self.0.id).await?;
        Ok(super::integration::alert_page(all, offset, first))
    }

    /// Whether the caller watches this incident.
    async fn viewer_is_watching(&self, ctx: &Context<'_>) -> Result<bool> {
        Loaders::of(ctx)?.watching(ctx, self.0.id).await
    }

    /// The newest `first` status updates the caller may see, newest first; `audience`
    /// narrows them.
    #[graphql(complexity = "crate::graphql::limits::list_complexity(first, child_complexity)")]
    async fn updates(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only updates for this audience; absent: every audience the caller may see."
        )]
        audience: Option<Audience>,

        #[graphql(
            default = 20,
            desc = "How many to return: 0 to 100 (the server's page limit)."
        )]
        first: Option<i32>,
    ) -> Result<Vec<StatusUpdateObject>> {
        let key = UpdatesKey {
            incident: self.0.id,
            audience: audience.map(Into::into),
            limit: page_size_in(ctx, first)?,
        };
        let found = Loaders::of(ctx)?.updates(ctx, key).await?;
        Ok(found.into_iter().map(StatusUpdateObject).collect())
    }

    /// When the next update for stakeholders is due, by the update cadence of the incident's
    /// priority; null when the incident is not open or its priority has no cadence, and for an
    /// imported ticket until it is triaged or has an update here.
    async fn next_update_due(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        let cadence = &services(ctx)?.cadence;
        if !cadence.applies(&self.0) {
            return Ok(None);
        }
        let last = Loaders::of(ctx)?.last_broadcast(ctx, self.0.id).await?;
        Ok(cadence.next_update_due(&self.0, last))
    }
}
