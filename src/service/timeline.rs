//! Reading the timeline. Writing happens only inside the use cases, through the journal, next
//! to the change it records.
//!
//! Working notes and INTERNAL updates are for the responders: organisation responders see them
//! everywhere, anyone else only on incidents where they hold a role.

use std::collections::HashMap;

use super::{ServiceError, Services};
use crate::auth::policy::sees_internal;
use crate::auth::{Operation, Viewer, authorize};
use crate::domain::event::Event;
use crate::domain::ids::{EventId, IncidentId};
use crate::store::events::{self, Scope};
use crate::store::team;

impl Services {
    /// Splits `incidents` by what the caller may see of them: everything, or nothing meant for
    /// the responders only (one statement at most). Timelines and status updates both use it.
    pub(super) async fn visibility_scopes(
        &self,
        viewer: &Viewer,
        incidents: &[IncidentId],
    ) -> Result<HashMap<Scope, Vec<IncidentId>>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        let mut out: HashMap<Scope, Vec<IncidentId>> = HashMap::new();
        if sees_internal(viewer) {
            out.insert(Scope::All, incidents.to_vec());
            return Ok(out);
        }
        let held = team::roles_on_many(self.db.conn(), incidents, &viewer.user_id).await?;
        for id in incidents {
            let scope = if held.contains_key(id) {
                Scope::All
            } else {
                Scope::NotInternal
            };
            out.entry(scope).or_default().push(*id);
        }
        Ok(out)
    }

    /// The first `limit` events of each incident, in one statement per scope.
    pub async fn first_timeline_pages(
        &self,
        viewer: &Viewer,
        incidents: &[IncidentId],
        limit: u64,
    ) -> Result<HashMap<IncidentId, Vec<Event>>, ServiceError> {
        let mut out = HashMap::new();
        for (scope, ids) in self.visibility_scopes(viewer, incidents).await? {
            out.extend(events::first_page_of_each(self.db.conn(), &ids, limit, scope).await?);
        }
        Ok(out)
    }

    pub async fn timeline_after(
        &self,
        viewer: &Viewer,
        incident: IncidentId,
        after: EventId,
        limit: u64,
    ) -> Result<Vec<Event>, ServiceError> {
        let scopes = self.visibility_scopes(viewer, &[incident]).await?;
        let scope = scopes.into_keys().next().unwrap_or(Scope::NotInternal);
        Ok(events::page_after(self.db.conn(), incident, after, limit, scope).await?)
    }

    pub async fn timeline_counts(
        &self,
        viewer: &Viewer,
        incidents: &[IncidentId],
    ) -> Result<HashMap<IncidentId, i64>, ServiceError> {
        let mut out = HashMap::new();
        for (scope, ids) in self.visibility_scopes(viewer, incidents).await? {
            out.extend(events::counts(self.db.conn(), &ids, scope).await?);
        }
        Ok(out)
    }
}
