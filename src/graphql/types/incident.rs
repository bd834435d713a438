use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::enums::{IncidentSource, IncidentStatus, Level, LifecycleAction, Priority};
use super::{TimelineEventObject, UserObject};
use crate::domain::ids::IncidentId;
use crate::domain::incident::Incident;
use crate::domain::lifecycle::Action;
use crate::graphql::PageLimit;
use crate::graphql::cursor;
use crate::graphql::error::bad_input;
use crate::graphql::loaders::{Loaders, TimelineKey};
use crate::graphql::query::page_size;

pub struct IncidentObject(pub Incident);

/// What restored service.
#[derive(SimpleObject)]
pub struct Resolution {
    pub summary: String,
    pub root_cause: Option<String>,
    pub fix: Option<String>,
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
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The human handle, e.g. `INC-42`; `incident(id:)` accepts it too.
    async fn number(&self) -> String {
        self.0.number.to_string()
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn description(&self) -> &str {
        &self.0.description
    }

    async fn service(&self) -> &str {
        &self.0.service
    }

    async fn category(&self) -> Option<&str> {
        self.0.category.as_deref()
    }

    async fn source(&self) -> IncidentSource {
        self.0.source.into()
    }

    async fn status(&self) -> IncidentStatus {
        self.0.status.into()
    }

    async fn impact(&self) -> Option<Level> {
        self.0.impact.map(Level::from)
    }

    async fn urgency(&self) -> Option<Level> {
        self.0.urgency.map(Level::from)
    }

    /// Derived from impact × urgency at triage; null until triaged.
    async fn priority(&self) -> Option<Priority> {
        self.0.priority.map(Priority::from)
    }

    async fn resolution(&self) -> Option<Resolution> {
        self.0.resolution.as_ref().map(|r| Resolution {
            summary: r.summary.clone(),
            root_cause: r.root_cause.clone(),
            fix: r.fix.clone(),
        })
    }

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

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// First triage: the acknowledgement MTTA measures.
    async fn triaged_at(&self) -> Option<DateTime<Utc>> {
        self.0.triaged_at
    }

    async fn investigating_at(&self) -> Option<DateTime<Utc>> {
        self.0.investigating_at
    }

    async fn mitigated_at(&self) -> Option<DateTime<Utc>> {
        self.0.mitigated_at
    }

    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }

    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }

    async fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.0.cancelled_at
    }

    /// The append-only timeline, oldest first.
    #[graphql(complexity = "crate::graphql::limits::list_complexity(first, child_complexity)")]
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> Result<TimelineConnection> {
        let limit = page_size(first, ctx.data::<PageLimit>()?.0)?;
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
}
