//! Communications: status updates by audience, working notes, watchers, and the update cadence
//! that tells a communicator when the next update is due.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::journal::Journal;
use super::{ServiceError, Services, now};
use crate::auth::policy::Subject;
use crate::auth::{Operation, Viewer, authorize};
use crate::domain::event::Event;
use crate::domain::event::EventKind;
use crate::domain::ids::{EventId, IncidentId, IncidentRef};
use crate::domain::incident::Incident;
use crate::domain::team::{Audience, UpdateStatus};
use crate::domain::text::{Annotation, NoteBody, UpdateBody};
use crate::domain::update::Update;
use crate::store::events::{self, NewEvent, Scope};
use crate::store::updates::{self, NewUpdate};
use crate::store::{annotations, team};

/// The status update an `UPDATE_POSTED` event announces, rebuilt from the event alone (so a
/// subscriber needs no database read to show it).
pub fn update_from_event(event: &Event) -> Option<Update> {
    if event.kind != EventKind::UpdatePosted {
        return None;
    }
    let after = event.after.as_ref()?;
    Some(Update {
        id: after.get("updateId")?.as_i64()?,
        incident_id: event.incident_id,
        at: event.at,
        author_id: event.actor_id.clone(),
        audience: Audience::parse(after.get("audience")?.as_str()?)?,
        body: after.get("body")?.as_str()?.to_owned(),
        status: match after.get("status") {
            None | Some(serde_json::Value::Null) => None,
            Some(s) => Some(UpdateStatus::parse(s.as_str()?)?),
        },
    })
}

/// A validated `postUpdate`.
pub struct NewStatusUpdate {
    pub audience: Audience,
    pub body: UpdateBody,
    pub status: Option<UpdateStatus>,
}

impl Services {
    /// Loads the incident for a change by `viewer`, checks `op` against the policy with the
    /// caller's roles on it, and starts the journal.
    pub(super) async fn begin_on(
        &self,
        viewer: &Viewer,
        target: IncidentRef,
        op: Operation,
    ) -> Result<(Journal, Incident), ServiceError> {
        super::incidents::can_read(viewer, target)?;
        let txn = Journal::begin(&self.db).await?;
        let incident = super::incidents::find(&*txn, target)
            .await?
            .ok_or_else(|| super::incidents::not_found(target))?;
        let roles = team::roles_of(&*txn, incident.id, &viewer.user_id).await?;
        authorize(
            viewer,
            op,
            Some(Subject {
                reporter_id: &incident.reporter_id,
                roles: &roles,
            }),
        )?;
        Ok((txn, incident))
    }

    pub async fn post_update(
        &self,
        viewer: &Viewer,
        target: IncidentRef,
        new: NewStatusUpdate,
    ) -> Result<Update, ServiceError> {
        let (mut txn, incident) = self.begin_on(viewer, target, Operation::PostUpdate).await?;
        let at = now();
        let update = updates::insert(
            &*txn,
            NewUpdate {
                incident_id: incident.id,
                at,
                author_id: &viewer.user_id,
                audience: new.audience,
                body: new.body.as_str(),
                status: new.status,
            },
        )
        .await?;
        txn.record(
            &incident,
            NewEvent::new(
                incident.id,
                at,
                &viewer.user_id,
                EventKind::UpdatePosted,
                json!({
                    "updateId": update.id,
                    "audience": update.audience.as_str(),
                    "body": update.body,
                    "status": update.status.map(|s| s.as_str()),
                }),
            )
            .for_audience(new.audience),
        )
        .await?;
        txn.commit(&self.bus).await?;
        tracing::info!(incident.id = %incident.id, update.audience = new.audience.as_str(), "status update posted");
        Ok(update)
    }

    /// A working note: in the timeline, for the responders only.
    pub async fn add_note(
        &self,
        viewer: &Viewer,
        target: IncidentRef,
        body: NoteBody,
    ) -> Result<Event, ServiceError> {
        let (mut txn, incident) = self.begin_on(viewer, target, Operation::AddNote).await?;
        let event = txn
            .record(
                &incident,
                NewEvent::new(
                    incident.id,
                    now(),
                    &viewer.user_id,
                    EventKind::NoteAdded,
                    json!({ "body": body.as_str() }),
                )
                .for_audience(Audience::Internal),
            )
            .await?;
        txn.commit(&self.bus).await?;
        Ok(event)
    }

    /// Sets or replaces the annotation beside one timeline event (for the post-incident
    /// review); the event itself never changes. Returns the event.
    pub async fn annotate_event(
        &self,
        viewer: &Viewer,
        target: IncidentRef,
        event_id: EventId,
        body: Annotation,
    ) -> Result<Event, ServiceError> {
        let (txn, incident) = self
            .begin_on(viewer, target, Operation::AnnotateTimeline)
            .await?;
        let found = events::page_after(
            &*txn,
            incident.id,
            EventId(event_id.0.saturating_sub(1)),
            1,
            Scope::All,
        )
        .await?;
        let Some(event) = found.into_iter().find(|e| e.id == event_id) else {
            return Err(ServiceError::NotFound(format!(
                "eventId: {} has no timeline event {event_id}",
                incident.number
            )));
        };
        let annotation = crate::domain::event::Annotation {
            body: body.into_inner(),
            updated_at: now(),
            updated_by: viewer.user_id.clone(),
        };
        annotations::set(&*txn, event_id, incident.id, &annotation).await?;
        txn.commit(&self.bus).await?;
        Ok(event)
    }

    /// The annotations of these timeline events.
    pub async fn annotations_of(
        &self,
        viewer: &Viewer,
        events: &[EventId],
    ) -> Result<HashMap<EventId, crate::domain::event::Annotation>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(annotations::of_events(self.db.conn(), events).await?)
    }

    /// Starts (`watch`) or stops watching; idempotent. Returns the incident.
    pub async fn set_watching(
        &self,
        viewer: &Viewer,
        target: IncidentRef,
        watch: bool,
    ) -> Result<Incident, ServiceError> {
        let (txn, incident) = self
            .begin_on(viewer, target, Operation::WatchIncident)
            .await?;
        if watch {
            team::watch(&*txn, incident.id, &viewer.user_id, now()).await?;
        } else {
            team::unwatch(&*txn, incident.id, &viewer.user_id).await?;
        }
        txn.commit(&self.bus).await?;
        Ok(incident)
    }

    /// The newest `limit` updates of each incident that the caller may see (and, if given,
    /// meant for `wanted`), newest first: one statement per set of visible audiences.
    pub async fn updates_of(
        &self,
        viewer: &Viewer,
        incidents: &[IncidentId],
        wanted: Option<Audience>,
        limit: u64,
    ) -> Result<HashMap<IncidentId, Vec<Update>>, ServiceError> {
        let mut out = HashMap::new();
        for (scope, ids) in self.visibility_scopes(viewer, incidents).await? {
            let audiences: Vec<Audience> = Audience::ALL
                .into_iter()
                .filter(|a| scope == Scope::All || *a != Audience::Internal)
                .filter(|a| wanted.is_none_or(|w| w == *a))
                .collect();
            if !audiences.is_empty() {
                let found = updates::latest_of_each(self.db.conn(), &ids, &audiences, limit);
                out.extend(found.await?);
            }
        }
        Ok(out)
    }

    /// When each incident last had an update for stakeholders or the public.
    pub async fn last_broadcasts(
        &self,
        viewer: &Viewer,
        incidents: &[IncidentId],
    ) -> Result<HashMap<IncidentId, DateTime<Utc>>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(updates::last_broadcast_at(self.db.conn(), incidents).await?)
    }

    /// When the next stakeholder update is due on each of `incidents` that has a cadence.
    pub async fn next_updates_due(
        &self,
        viewer: &Viewer,
        incidents: &[Incident],
    ) -> Result<HashMap<IncidentId, DateTime<Utc>>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        let with_cadence: Vec<&Incident> = incidents
            .iter()
            .filter(|i| self.cadence.applies(i))
            .collect();
        if with_cadence.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<IncidentId> = with_cadence.iter().map(|i| i.id).collect();
        let last = updates::last_broadcast_at(self.db.conn(), &ids).await?;
        Ok(with_cadence
            .into_iter()
            .filter_map(|i| {
                let due = self.cadence.next_update_due(i, last.get(&i.id).copied())?;
                Some((i.id, due))
            })
            .collect())
    }

    /// Open incidents whose next stakeholder update is overdue, most overdue first, with the
    /// time it was due. At most `limit`.
    pub async fn overdue_updates(
        &self,
        viewer: &Viewer,
        limit: usize,
    ) -> Result<Vec<(Incident, DateTime<Utc>)>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        let open = crate::store::incidents::open_with_priorities(
            self.db.conn(),
            &self.cadence.priorities(),
        )
        .await?;
        let due = self.next_updates_due(viewer, &open).await?;
        let at = now();
        let mut overdue: Vec<(Incident, DateTime<Utc>)> = open
            .into_iter()
            .filter_map(|i| {
                let when = *due.get(&i.id)?;
                (when <= at).then_some((i, when))
            })
            .collect();
        overdue.sort_by_key(|(i, when)| (*when, i.number.0));
        overdue.truncate(limit);
        Ok(overdue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_survives_its_trip_through_the_timeline() {
        let event = Event {
            id: EventId(9),
            incident_id: IncidentId::new(),
            at: now(),
            actor_id: "u-1".into(),
            kind: EventKind::UpdatePosted,
            before: None,
            after: Some(json!({
                "updateId": 4, "audience": "PUBLIC", "body": "We are on it", "status": "IDENTIFIED"
            })),
            audience: Some(Audience::Public),
        };
        let update = update_from_event(&event).unwrap();
        assert_eq!(update.id, 4);
        assert_eq!(update.audience, Audience::Public);
        assert_eq!(update.status, Some(UpdateStatus::Identified));
        assert_eq!(update.body, "We are on it");
        let note = Event {
            kind: EventKind::NoteAdded,
            ..event
        };
        assert_eq!(update_from_event(&note), None);
    }
}
