//! The people on an incident: assigning and relieving incident roles, the caller's own
//! incidents, and finding users to assign.

use serde_json::json;

use super::journal::Journal;
use super::{ServiceError, Services, now};
use crate::auth::{Operation, Viewer, authorize};
use crate::domain::event::EventKind;
use crate::domain::ids::{IncidentId, IncidentRef, UserId};
use crate::domain::incident::Incident;
use crate::domain::team::Assignment;
use crate::domain::team::IncidentRole;
use crate::domain::user::User;
use crate::store::events::NewEvent;
use crate::store::incidents::{self as rows, ResponseStamp};
use crate::store::team;
use crate::store::users;

/// At most this many assignments (active ones first, then recent history) per incident.
pub const MAX_ASSIGNMENTS: u64 = 100;
/// At most this many watchers listed per incident.
pub const MAX_WATCHERS: u64 = 100;

/// Who should take on (or give up) which role.
#[derive(Debug, Clone)]
pub struct RoleChange {
    pub user_id: UserId,
    pub role: IncidentRole,
    pub expected_version: Option<i32>,
}

impl Services {
    /// Assigns `change.role` to `change.user_id`. A role with a single holder relieves whoever
    /// held it. Assigning someone a role they already hold changes nothing.
    pub async fn assign_role(
        &self,
        viewer: &Viewer,
        target: IncidentRef,
        change: RoleChange,
    ) -> Result<Incident, ServiceError> {
        let (mut txn, incident) = self.begin_on(viewer, target, Operation::AssignRole).await?;
        check_version(&incident, change.expected_version)?;
        refuse_if_final(&incident)?;
        if users::find_many(&*txn, std::slice::from_ref(&change.user_id))
            .await?
            .is_empty()
        {
            return Err(ServiceError::BadInput(format!(
                "userId: no user {}; people appear in `users` once they have signed in",
                change.user_id
            )));
        }
        let active = team::active_on(&*txn, incident.id).await?;
        if active
            .iter()
            .any(|a| a.role == change.role && a.user_id == change.user_id)
        {
            return Ok(incident);
        }
        let at = now();
        let mut next = bump(&txn, &incident, at).await?;
        // The first incident manager is a first response (the SLA response clock stops).
        if change.role == IncidentRole::IncidentManager
            && rows::stamp_first(&*txn, next.id, ResponseStamp::ManagerAssigned, at).await?
        {
            next.manager_assigned_at = Some(at);
        }
        if change.role.has_single_holder() {
            for previous in active.iter().filter(|a| a.role == change.role) {
                relieve(&mut txn, &next, previous, viewer, at).await?;
            }
        }
        team::assign(
            &*txn,
            incident.id,
            &change.user_id,
            change.role,
            at,
            &viewer.user_id,
        )
        .await
        .map_err(|e| conflict_on_unique(e, &incident))?;
        txn.record(
            &next,
            NewEvent::new(
                next.id,
                at,
                &viewer.user_id,
                EventKind::RoleAssigned,
                json!({ "userId": change.user_id, "role": change.role.as_str() }),
            ),
        )
        .await?;
        txn.commit(&self.bus).await?;
        tracing::info!(incident.id = %next.id, role = change.role.as_str(), "incident role assigned");
        Ok(next)
    }

    /// Makes `users` watchers of the incident (those already watching stay); the right to
    /// do so for others is the right to manage the incident's team.
    pub async fn add_watchers(
        &self,
        viewer: &Viewer,
        target: IncidentRef,
        users_to_add: &[UserId],
    ) -> Result<Incident, ServiceError> {
        let (txn, incident) = self.begin_on(viewer, target, Operation::AssignRole).await?;
        let found = users::find_many(&*txn, users_to_add).await?;
        if let Some(missing) = users_to_add.iter().find(|u| !found.contains_key(*u)) {
            return Err(ServiceError::BadInput(format!(
                "userIds: no user {missing}; people appear in `users` once they have signed in"
            )));
        }
        let at = now();
        for user in users_to_add {
            team::watch(&*txn, incident.id, user, at).await?;
        }
        txn.commit(&self.bus).await?;
        Ok(incident)
    }

    /// Relieves `change.user_id` of `change.role`. Anyone may step down from their own role;
    /// relieving someone else takes the right to assign roles.
    pub async fn relieve_role(
        &self,
        viewer: &Viewer,
        target: IncidentRef,
        change: RoleChange,
    ) -> Result<Incident, ServiceError> {
        let op = if change.user_id == viewer.user_id {
            Operation::ReadIncidents
        } else {
            Operation::AssignRole
        };
        let (mut txn, incident) = self.begin_on(viewer, target, op).await?;
        check_version(&incident, change.expected_version)?;
        refuse_if_final(&incident)?;
        let active = team::active_on(&*txn, incident.id).await?;
        let Some(assignment) = active
            .iter()
            .find(|a| a.role == change.role && a.user_id == change.user_id)
        else {
            return Err(ServiceError::BadInput(format!(
                "userId: {} is not {} on {}",
                change.user_id,
                change.role.as_str(),
                incident.number
            )));
        };
        let at = now();
        let next = bump(&txn, &incident, at).await?;
        relieve(&mut txn, &next, assignment, viewer, at).await?;
        txn.commit(&self.bus).await?;
        Ok(next)
    }

    /// Which of `incidents` the caller watches.
    pub async fn watched_by_viewer(
        &self,
        viewer: &Viewer,
        incidents: &[IncidentId],
    ) -> Result<std::collections::HashMap<IncidentId, bool>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        let watched = team::watched_by(self.db.conn(), incidents, &viewer.user_id).await?;
        Ok(incidents
            .iter()
            .map(|id| (*id, watched.contains(id)))
            .collect())
    }

    /// The assignments of each incident: the active ones, then the most recent history, at
    /// most `MAX_ASSIGNMENTS`.
    pub async fn assignments_of(
        &self,
        viewer: &Viewer,
        incidents: &[IncidentId],
    ) -> Result<std::collections::HashMap<IncidentId, Vec<Assignment>>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(team::assignments_of(self.db.conn(), incidents, MAX_ASSIGNMENTS).await?)
    }

    /// The first `MAX_WATCHERS` watchers of each incident: user ids, oldest watcher first.
    pub async fn watchers_of(
        &self,
        viewer: &Viewer,
        incidents: &[IncidentId],
    ) -> Result<std::collections::HashMap<IncidentId, Vec<UserId>>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(team::watchers_of(self.db.conn(), incidents, MAX_WATCHERS)
            .await?
            .into_iter()
            .map(|(id, list)| (id, list.into_iter().map(|(user, _)| user).collect()))
            .collect())
    }

    /// The open incidents where the caller holds a role, highest priority first; at most
    /// `limit`.
    pub async fn my_incidents(
        &self,
        viewer: &Viewer,
        limit: u64,
    ) -> Result<Vec<Incident>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(rows::open_held_by(self.db.conn(), &viewer.user_id, limit).await?)
    }

    /// Users to assign, found by name, email or id.
    pub async fn search_users(
        &self,
        viewer: &Viewer,
        search: Option<&str>,
        after: Option<&str>,
        first: u64,
    ) -> Result<super::incidents::Page<User>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        let mut items = users::search(self.db.conn(), search, after, first + 1).await?;
        let has_next_page = items.len() as u64 > first;
        items.truncate(first as usize);
        Ok(super::incidents::Page {
            items,
            has_next_page,
        })
    }
}

/// A closed or cancelled incident's roles are history: they no longer change.
fn refuse_if_final(incident: &Incident) -> Result<(), ServiceError> {
    if incident.is_final() {
        return Err(ServiceError::BadInput(format!(
            "{} is {}: its roles can no longer change",
            incident.number,
            incident.status.as_str()
        )));
    }
    Ok(())
}

fn check_version(incident: &Incident, expected: Option<i32>) -> Result<(), ServiceError> {
    match expected {
        Some(v) if v != incident.version => Err(ServiceError::Conflict(format!(
            "{} is at version {}, not {v}: it changed since you loaded it; reload it and try again",
            incident.number, incident.version
        ))),
        _ => Ok(()),
    }
}

/// Writes the next version of the incident, or fails if someone else wrote one first.
async fn bump(
    txn: &Journal,
    incident: &Incident,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Incident, ServiceError> {
    let next = incident.touched(at);
    if !rows::update_if_version(&**txn, &next, incident.version).await? {
        return Err(ServiceError::Conflict(format!(
            "{} was changed by someone else at the same time; reload it and try again",
            incident.number
        )));
    }
    Ok(next)
}

async fn relieve(
    txn: &mut Journal,
    incident: &Incident,
    assignment: &Assignment,
    viewer: &Viewer,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), ServiceError> {
    team::relieve(&**txn, assignment.id, at, &viewer.user_id).await?;
    let (user, role) = (&assignment.user_id, assignment.role.as_str());
    let after = json!({ "userId": user, "role": role, "relieved": true });
    txn.record(
        incident,
        NewEvent::new(
            incident.id,
            at,
            &viewer.user_id,
            EventKind::RoleRelieved,
            after,
        )
        .before(Some(json!({ "userId": user, "role": role }))),
    )
    .await?;
    Ok(())
}

/// Two assignments of a single-holder role racing on PostgreSQL: the database's unique index
/// lets one win; the other is told to reload.
fn conflict_on_unique(e: sea_orm::DbErr, incident: &Incident) -> ServiceError {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => ServiceError::Conflict(format!(
            "the roles of {} were changed by someone else at the same time; reload and try again",
            incident.number
        )),
        _ => ServiceError::from(e),
    }
}
