//! A timeline event as the schema shows it: who changed what, when, and its annotation.

use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};

use super::enums::TimelineEventKind;
use super::{IncidentObject, UserObject};
use crate::domain::event::Annotation;
use crate::domain::event::Event;
use crate::graphql::loaders::Loaders;

pub struct TimelineEventObject(pub Event);

/// One immutable entry of an incident's timeline: who changed what, when.
#[Object(name = "TimelineEvent")]
impl TimelineEventObject {
    /// The event's id: what `annotateTimelineEvent` takes as `eventId`.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// What happened; `before` and `after` hold the details.
    async fn kind(&self) -> TimelineEventKind {
        self.0.kind.into()
    }

    /// The incident this event belongs to (null if you may no longer see it).
    async fn incident(&self, ctx: &Context<'_>) -> Result<Option<IncidentObject>> {
        Loaders::of(ctx)?.incident(ctx, self.0.incident_id).await
    }

    /// Who did it (a worker such as the SLA monitor appears as its own user).
    async fn actor(&self, ctx: &Context<'_>) -> Result<UserObject> {
        Loaders::of(ctx)?.user(ctx, &self.0.actor_id).await
    }

    /// The changed fields before the change (null for the report itself).
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0.before.clone().map(Json)
    }

    /// The changed fields after the change.
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0.after.clone().map(Json)
    }

    /// A remark beside this event for the post-incident review, if someone added one.
    async fn annotation(&self, ctx: &Context<'_>) -> Result<Option<AnnotationObject>> {
        Ok(Loaders::of(ctx)?
            .annotation(ctx, self.0.id)
            .await?
            .map(AnnotationObject))
    }
}

pub struct AnnotationObject(pub Annotation);

/// A remark beside a timeline event; the event itself never changes.
#[Object(name = "Annotation")]
impl AnnotationObject {
    /// The remark (1–2,000 characters).
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// When the remark was last written.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Who wrote the current remark.
    async fn updated_by(&self, ctx: &Context<'_>) -> Result<UserObject> {
        Loaders::of(ctx)?.user(ctx, &self.0.updated_by).await
    }
}
