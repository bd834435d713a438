//! Roles on an incident and overdue updates, as the schema shows them.

use async_graphql::{Context, Object, Result};
use chrono::{DateTime, Utc};

use super::enums::IncidentRoleKind;
use super::{IncidentObject, UserObject};
use crate::domain::incident::Incident;
use crate::domain::team::Assignment;
use crate::graphql::loaders::Loaders;

pub struct RoleAssignmentObject(pub Assignment);

/// Someone holding a role on an incident, from `assumedAt` until `relievedAt`.
#[Object(name = "RoleAssignment")]
impl RoleAssignmentObject {
    /// Who holds (or held) the role.
    async fn user(&self, ctx: &Context<'_>) -> Result<UserObject> {
        Loaders::of(ctx)?.user(ctx, &self.0.user_id).await
    }

    /// The role on the incident.
    async fn role(&self) -> IncidentRoleKind {
        self.0.role.into()
    }

    /// When they were given it.
    async fn assumed_at(&self) -> DateTime<Utc> {
        self.0.assumed_at
    }

    /// Who gave it (`assignRole`).
    async fn assigned_by(&self, ctx: &Context<'_>) -> Result<UserObject> {
        Loaders::of(ctx)?.user(ctx, &self.0.assigned_by).await
    }

    /// Null while the role is held.
    async fn relieved_at(&self) -> Option<DateTime<Utc>> {
        self.0.relieved_at
    }

    /// Who ended it; null while the role is held.
    async fn relieved_by(&self, ctx: &Context<'_>) -> Result<Option<UserObject>> {
        match &self.0.relieved_by {
            Some(id) => Ok(Some(Loaders::of(ctx)?.user(ctx, id).await?)),
            None => Ok(None),
        }
    }

    /// Whether the role is held now (`relievedAt` is null).
    async fn active(&self) -> bool {
        self.0.is_active()
    }
}

pub struct OverdueUpdateObject {
    pub incident: Incident,
    pub due_at: DateTime<Utc>,
}

/// An open incident whose next stakeholder update is overdue.
#[Object(name = "OverdueUpdate")]
impl OverdueUpdateObject {
    /// The incident that owes an update.
    async fn incident(&self) -> IncidentObject {
        IncidentObject(self.incident.clone())
    }

    /// When the update was due.
    async fn due_at(&self) -> DateTime<Utc> {
        self.due_at
    }

    /// Minutes since it was due.
    async fn overdue_minutes(&self) -> i64 {
        (Utc::now() - self.due_at).num_minutes().max(0)
    }
}
