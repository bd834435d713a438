//! Reading the timeline. Writing happens only inside the incident use cases, next to the change
//! it records.

use std::collections::HashMap;

use super::{ServiceError, Services};
use crate::auth::{Operation, Viewer, authorize};
use crate::domain::ids::IncidentId;
use crate::store::events::{self, Event};

impl Services {
    /// The first `limit` events of each incident, in one statement.
    pub async fn first_timeline_pages(
        &self,
        viewer: &Viewer,
        incidents: &[IncidentId],
        limit: u64,
    ) -> Result<HashMap<IncidentId, Vec<Event>>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(events::first_page_of_each(self.db.conn(), incidents, limit).await?)
    }

    pub async fn timeline_after(
        &self,
        viewer: &Viewer,
        incident: IncidentId,
        after: i64,
        limit: u64,
    ) -> Result<Vec<Event>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(events::page_after(self.db.conn(), incident, after, limit).await?)
    }

    pub async fn timeline_counts(
        &self,
        viewer: &Viewer,
        incidents: &[IncidentId],
    ) -> Result<HashMap<IncidentId, i64>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(events::counts(self.db.conn(), incidents).await?)
    }
}
