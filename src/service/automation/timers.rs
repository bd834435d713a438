//! Time triggers: `UNASSIGNED_FOR` (no incident manager this long after the report) and
//! `UPDATE_OVERDUE` (the stakeholder update the cadence asks for is late). Each occasion has a
//! key, so a rule acts once per occasion: once per incident for the first, once per missed
//! update (its due time) for the second.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use crate::domain::automation::rule::Trigger;
use crate::domain::ids::IncidentId;
use crate::domain::incident::Incident;
use crate::domain::team::IncidentRole;
use crate::service::Services;
use crate::store::{team, updates};

/// What time triggers need to know about a set of incidents.
pub(super) struct Timers {
    managed: HashSet<IncidentId>,
    update_due: HashMap<IncidentId, DateTime<Utc>>,
}

impl Timers {
    pub(super) async fn load(
        services: &Services,
        conn: &impl ConnectionTrait,
        incidents: &[Incident],
    ) -> Result<Self, DbErr> {
        let ids: Vec<IncidentId> = incidents.iter().map(|i| i.id).collect();
        let managed = team::with_active_role(conn, &ids, IncidentRole::IncidentManager).await?;
        let last = updates::last_broadcast_at(conn, &ids).await?;
        let update_due = incidents
            .iter()
            .filter_map(|i| {
                let due = services
                    .cadence
                    .next_update_due(i, last.get(&i.id).copied())?;
                Some((i.id, due))
            })
            .collect();
        Ok(Self {
            managed,
            update_due,
        })
    }

    /// The occasion `trigger` has on `incident` at `at`, if it holds: its key.
    pub(super) fn key(
        &self,
        trigger: Trigger,
        incident: &Incident,
        at: DateTime<Utc>,
    ) -> Option<String> {
        if !incident.is_open() {
            return None;
        }
        match trigger {
            Trigger::UnassignedFor(after) => (!self.managed.contains(&incident.id)
                && incident.created_at + after.as_duration() <= at)
                .then(|| "unassigned".to_owned()),
            Trigger::UpdateOverdue => self
                .update_due
                .get(&incident.id)
                .filter(|due| **due <= at)
                .map(|due| format!("overdue:{}", due.to_rfc3339())),
            _ => None,
        }
    }
}
