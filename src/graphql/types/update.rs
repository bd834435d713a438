//! A status update as the schema shows it.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::UserObject;
use super::enums::{Audience, UpdateStatus};
use crate::domain::ids::IncidentId;
use crate::domain::update::Update;
use crate::graphql::loaders::Loaders;
use crate::graphql::types::IncidentObject;

pub struct StatusUpdateObject(pub Update);

/// A status update about an incident, for one audience.
#[Object(name = "StatusUpdate")]
impl StatusUpdateObject {
    /// The update's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// When it was posted.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// Who it is meant for; the caller only sees updates of audiences they may see.
    async fn audience(&self) -> Audience {
        self.0.audience.into()
    }

    /// Markdown.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// The state this update announces, if it announces one.
    async fn status(&self) -> Option<UpdateStatus> {
        self.0.status.map(Into::into)
    }

    /// Who posted it.
    async fn author(&self, ctx: &Context<'_>) -> Result<UserObject> {
        Loaders::of(ctx)?.user(ctx, &self.0.author_id).await
    }

    /// The incident it is about (null if the caller may no longer see it).
    async fn incident(&self, ctx: &Context<'_>) -> Result<Option<IncidentObject>> {
        Loaders::of(ctx)?.incident(ctx, self.incident_id()).await
    }
}

impl StatusUpdateObject {
    fn incident_id(&self) -> IncidentId {
        self.0.incident_id
    }
}
