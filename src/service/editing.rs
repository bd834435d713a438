//! Editing incidents outside their lifecycle: `updateIncident` (what the reporter got wrong,
//! when the impact started, labels, the public title) and links between related incidents.
//! Each change is one transaction through the journal, like a transition.

use std::collections::HashMap;

use serde_json::json;

use super::incidents::{can_read, find, not_found, record, stale};
use super::journal::Journal;
use super::{ServiceError, Services, now};
use crate::auth::policy::Subject;
use crate::auth::{Operation, Viewer, authorize};
use crate::domain::edit::Edit;
use crate::domain::event::EventKind;
use crate::domain::ids::{IncidentId, IncidentRef};
use crate::domain::incident::{Change, Incident};
use crate::store::incidents as rows;
use crate::store::{index_changes, labels, links, team};

/// At most this many related incidents per incident: a longer list relates nothing.
pub const MAX_RELATED: u64 = 20;

fn changed_concurrently(incident: &Incident) -> ServiceError {
    ServiceError::Conflict(format!(
        "{} was changed by someone else at the same time; reload it and try again",
        incident.number
    ))
}

/// Asks the policy whether the caller may do `op` on `incident`.
async fn authorize_on(
    txn: &Journal,
    viewer: &Viewer,
    op: Operation,
    incident: &Incident,
) -> Result<(), ServiceError> {
    let roles = team::roles_of(&**txn, incident.id, &viewer.user_id).await?;
    authorize(
        viewer,
        op,
        Some(Subject {
            reporter_id: &incident.reporter_id,
            roles: &roles,
        }),
    )?;
    Ok(())
}

impl Services {
    /// Changes the given fields of an incident, if the client saw its current version. An
    /// edit that changes nothing records nothing and keeps the version.
    pub async fn update_incident(
        &self,
        viewer: &Viewer,
        target: IncidentRef,
        expected_version: Option<i32>,
        edit: Edit,
    ) -> Result<Incident, ServiceError> {
        can_read(viewer, target)?;
        let mut txn = Journal::begin(&self.db).await?;
        let current = find(&*txn, target)
            .await?
            .ok_or_else(|| not_found(target))?;
        if let Some(expected) = expected_version
            && expected != current.version
        {
            return Err(stale(&current, expected));
        }
        authorize_on(&txn, viewer, Operation::EditIncident, &current).await?;
        let labels_now = labels::of_one(&*txn, current.id).await?;
        let now = now();
        let Some(edited) = current.edit(&labels_now, edit, now)? else {
            return Ok(current);
        };
        let next = edited.incident;
        if !rows::update_if_version(&*txn, &next, current.version).await? {
            return Err(changed_concurrently(&current));
        }
        if let Some(new_labels) = &edited.labels {
            labels::replace(&*txn, next.id, new_labels).await?;
        }
        record(&mut txn, &next, viewer, edited.change).await?;
        let mut reindex = current.changes_knowledge_base(&next);
        if reindex {
            index_changes::append(&*txn, next.id, now).await?;
        }
        if super::incidents::linked_text_changed(&current, &next)
            && let Some(problem) = super::incidents::linked_known_error(&*txn, next.id).await?
        {
            // The known error matches its linked incidents' text: keep its document current.
            index_changes::append_problem(&*txn, problem, now).await?;
            reindex = true;
        }
        txn.commit(&self.bus).await?;
        if reindex {
            self.knowledge.changed.notify_one();
        }
        tracing::info!(incident.id = %next.id, incident.version = next.version, "incident edited");
        Ok(next)
    }

    /// Links two incidents as related (both ways); both timelines record it. Linking two
    /// that are linked already changes nothing.
    pub async fn link_related(
        &self,
        viewer: &Viewer,
        target: IncidentRef,
        related: IncidentRef,
    ) -> Result<Incident, ServiceError> {
        self.relate(viewer, target, related, true).await
    }

    /// Removes the link between two incidents (both ways); both timelines record it. Two
    /// that are not linked stay as they are.
    pub async fn unlink_related(
        &self,
        viewer: &Viewer,
        target: IncidentRef,
        related: IncidentRef,
    ) -> Result<Incident, ServiceError> {
        self.relate(viewer, target, related, false).await
    }

    async fn relate(
        &self,
        viewer: &Viewer,
        target: IncidentRef,
        related: IncidentRef,
        link: bool,
    ) -> Result<Incident, ServiceError> {
        can_read(viewer, target)?;
        let mut txn = Journal::begin(&self.db).await?;
        let a = find(&*txn, target)
            .await?
            .ok_or_else(|| not_found(target))?;
        let b = find(&*txn, related)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("relatedId: {}", not_found(related))))?;
        if a.id == b.id {
            return Err(ServiceError::BadInput(
                "relatedId: an incident cannot be related to itself".to_owned(),
            ));
        }
        authorize_on(&txn, viewer, Operation::LinkIncidents, &a).await?;
        if links::linked(&*txn, a.id, b.id).await? == link {
            return Ok(a);
        }
        if link {
            for side in [&a, &b] {
                if links::count(&*txn, side.id).await? >= MAX_RELATED {
                    return Err(ServiceError::BadInput(format!(
                        "relatedId: {} is related to {MAX_RELATED} incidents already, the most \
                         allowed; unlink one first",
                        side.number
                    )));
                }
            }
        }
        let now = now();
        let (next_a, next_b) = (a.touched(now), b.touched(now));
        // Both incidents first, in id order: two links of the same pair at once wait for
        // each other here (instead of deadlocking), and the later one finds a new version
        // (CONFLICT) rather than a duplicate link row.
        let mut both = [(&next_a, &a), (&next_b, &b)];
        both.sort_by_key(|(next, _)| next.id.0);
        for (next, current) in both {
            if !rows::update_if_version(&*txn, next, current.version).await? {
                return Err(changed_concurrently(current));
            }
        }
        if link {
            links::link(&*txn, a.id, b.id, now, &viewer.user_id).await?;
        } else {
            links::unlink(&*txn, a.id, b.id).await?;
        }
        let kind = if link {
            EventKind::RelatedIncidentLinked
        } else {
            EventKind::RelatedIncidentUnlinked
        };
        for (next, other) in [(&next_a, &b), (&next_b, &a)] {
            let fields =
                json!({ "relatedId": other.id.to_string(), "related": other.number.to_string() });
            let (before, after) = if link {
                (None, fields)
            } else {
                (Some(fields), json!({}))
            };
            record(
                &mut txn,
                next,
                viewer,
                Change {
                    kind,
                    before,
                    after,
                },
            )
            .await?;
        }
        txn.commit(&self.bus).await?;
        tracing::info!(incident.id = %next_a.id, related.id = %next_b.id, linked = link, "related incidents changed");
        Ok(next_a)
    }

    /// The labels of each incident, for DataLoader batches; unlabelled ones get none.
    pub async fn labels_of(
        &self,
        viewer: &Viewer,
        ids: &[IncidentId],
    ) -> Result<HashMap<IncidentId, Vec<String>>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(labels::of(self.db.conn(), ids).await?)
    }

    /// The incidents each incident is related to, oldest link first, for DataLoader batches.
    pub async fn related_incidents(
        &self,
        viewer: &Viewer,
        ids: &[IncidentId],
    ) -> Result<HashMap<IncidentId, Vec<Incident>>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        let conn = self.db.conn();
        let related = links::related_of(conn, ids).await?;
        let all: Vec<IncidentId> = related.values().flatten().copied().collect();
        let found = rows::find_many(conn, &all).await?;
        Ok(related
            .into_iter()
            .map(|(id, list)| {
                let list = list.iter().filter_map(|r| found.get(r).cloned()).collect();
                (id, list)
            })
            .collect())
    }
}
