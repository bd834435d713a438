//! Post-incident reviews: starting one for a resolved incident (pre-filled from its timeline
//! and resolution), editing it with version checks, submitting and publishing it, reading it
//! and exporting it as Markdown. Starting and publishing are recorded in the incident's
//! timeline through the journal, so subscriptions and webhooks hear of them; publishing also
//! puts the review's text into its incident's knowledge-base document. Action items are
//! in `action_items`; the close rule (`reviews.required_for`) is `close_rule`.

use std::collections::HashMap;

use serde_json::json;

use super::incidents::{can_read as can_read_incident, find as find_incident, not_found};
use super::journal::Journal;
use super::{ServiceError, Services, now};
use crate::auth::policy::{ReviewRelation, Subject, authorize_on_review};
use crate::auth::{Operation, Viewer, authorize};
use crate::domain::event::EventKind;
use crate::domain::ids::{EventId, IncidentId, IncidentRef, ReviewId, UserId};
use crate::domain::incident::Incident;
use crate::domain::lifecycle::Status;
use crate::domain::review::markdown::{self, Heading, ItemLine, TimelineEntry};
use crate::domain::review::{Review, ReviewCommand};
use crate::store::events::{self, NewEvent, Scope};
use crate::store::reviews as rows;
use crate::store::{annotations, index_changes, problems, team, users};

/// The most timeline events a review is pre-filled with.
const PREFILL_EVENTS: u64 = 5_000;

pub(super) fn review_not_found(id: ReviewId) -> ServiceError {
    ServiceError::NotFound(format!("no review with id {id}"))
}

/// Someone who may not read incidents is told a review does not exist.
fn can_read(viewer: &Viewer, id: ReviewId) -> Result<(), ServiceError> {
    authorize(viewer, Operation::ReadIncidents, None).map_err(|_| review_not_found(id))
}

/// The users among `ids` that nobody has signed in as: a review names people, not typos.
pub(super) async fn check_users_exist(
    conn: &impl sea_orm::ConnectionTrait,
    field: &str,
    ids: &[UserId],
) -> Result<(), ServiceError> {
    if ids.is_empty() {
        return Ok(());
    }
    let known = users::find_many(conn, ids).await?;
    if let Some(unknown) = ids.iter().find(|id| !known.contains_key(*id)) {
        return Err(ServiceError::BadInput(format!(
            "{field}: no user `{unknown}`; a user is known once they have signed in"
        )));
    }
    Ok(())
}

/// Who the caller is on `review`'s incident and review, for the policy.
pub(super) async fn standing(
    conn: &impl sea_orm::ConnectionTrait,
    viewer: &Viewer,
    incident: &Incident,
    review: &Review,
) -> Result<(Vec<crate::domain::team::IncidentRole>, ReviewRelation), ServiceError> {
    let roles = team::roles_of(conn, incident.id, &viewer.user_id).await?;
    let relation = ReviewRelation {
        owns_review: review.owner_id == viewer.user_id,
        participant: review.is_participant(&viewer.user_id),
        owns_item: false,
    };
    Ok((roles, relation))
}

pub(super) async fn incident_of(
    conn: &impl sea_orm::ConnectionTrait,
    review: &Review,
) -> Result<Incident, ServiceError> {
    find_incident(conn, IncidentRef::Id(review.incident_id))
        .await?
        .ok_or_else(|| review_not_found(review.id))
}

fn stale(review: &Review, expected: i32) -> ServiceError {
    ServiceError::Conflict(format!(
        "the review is at version {}, not {expected}: someone changed it since you loaded it; reload it and try again",
        review.version
    ))
}

/// The timeline as a review shows it: the events everyone who reads the incident may see
/// (responders' notes stay out of a document stakeholders read), with names and annotations.
async fn timeline_entries(
    conn: &impl sea_orm::ConnectionTrait,
    incident: IncidentId,
) -> Result<Vec<TimelineEntry>, ServiceError> {
    let found = events::page_after(
        conn,
        incident,
        EventId(0),
        PREFILL_EVENTS,
        Scope::NotInternal,
    )
    .await?;
    let ids: Vec<EventId> = found.iter().map(|e| e.id).collect();
    let mut notes = annotations::of_events(conn, &ids).await?;
    let mut actors: Vec<UserId> = found.iter().map(|e| e.actor_id.clone()).collect();
    actors.sort();
    actors.dedup();
    let names = users::find_many(conn, &actors).await?;
    Ok(found
        .into_iter()
        .map(|e| TimelineEntry {
            at: e.at,
            actor: names
                .get(&e.actor_id)
                .map_or_else(|| e.actor_id.to_string(), |u| u.name.clone()),
            kind: e.kind,
            annotation: notes.remove(&e.id).map(|a| a.body),
            after: e.after,
        })
        .collect())
}

impl Services {
    /// A DRAFT review of a resolved or closed incident, pre-filled; one per incident.
    pub async fn start_review(
        &self,
        viewer: &Viewer,
        target: IncidentRef,
        owner: Option<UserId>,
        participants: Vec<UserId>,
    ) -> Result<Review, ServiceError> {
        can_read_incident(viewer, target)?;
        let mut txn = Journal::begin(&self.db).await?;
        let incident = find_incident(&*txn, target)
            .await?
            .ok_or_else(|| not_found(target))?;
        let roles = team::roles_of(&*txn, incident.id, &viewer.user_id).await?;
        authorize(
            viewer,
            Operation::StartReview,
            Some(Subject {
                reporter_id: &incident.reporter_id,
                roles: &roles,
            }),
        )?;
        if !matches!(incident.status, Status::Resolved | Status::Closed) {
            return Err(ServiceError::BadInput(format!(
                "incidentId: {} is {}; a review starts once the incident is RESOLVED (or CLOSED)",
                incident.number,
                incident.status.as_str()
            )));
        }
        if rows::of_incident(&*txn, incident.id).await?.is_some() {
            return Err(second_review(&incident));
        }
        let owner = owner.unwrap_or_else(|| viewer.user_id.clone());
        check_users_exist(&*txn, "ownerId", std::slice::from_ref(&owner)).await?;
        check_users_exist(&*txn, "participantIds", &participants).await?;
        if participants.len() > crate::domain::review::PARTICIPANTS_MAX {
            return Err(ServiceError::BadInput(format!(
                "participantIds: at most {} participants",
                crate::domain::review::PARTICIPANTS_MAX
            )));
        }
        let timeline = timeline_entries(&*txn, incident.id).await?;
        let at = now();
        let review = Review::start(
            ReviewId::new(),
            incident.id,
            owner,
            participants,
            markdown::prefill(&incident, &timeline),
            viewer.user_id.clone(),
            at,
        );
        if !rows::insert(&*txn, &review).await? {
            // Someone else's start committed between our check and our insert.
            return Err(second_review(&incident));
        }
        txn.record(
            &incident,
            NewEvent::new(
                incident.id,
                at,
                &viewer.user_id,
                EventKind::ReviewStarted,
                json!({ "reviewId": review.id.to_string(), "owner": review.owner_id }),
            ),
        )
        .await?;
        txn.commit(&self.bus).await?;
        tracing::info!(review.id = %review.id, incident.id = %incident.id, "review started");
        Ok(review)
    }

    /// An edit, submission, return to draft or publication, checked against the version the
    /// caller read (required for edits: two editors from one version cannot both win).
    pub async fn change_review(
        &self,
        viewer: &Viewer,
        id: ReviewId,
        expected_version: Option<i32>,
        command: ReviewCommand,
    ) -> Result<Review, ServiceError> {
        can_read(viewer, id)?;
        let mut txn = Journal::begin(&self.db).await?;
        let current = rows::find(&*txn, id)
            .await?
            .ok_or_else(|| review_not_found(id))?;
        let incident = incident_of(&*txn, &current).await?;
        let (roles, relation) = standing(&*txn, viewer, &incident, &current).await?;
        authorize_on_review(
            viewer,
            Operation::EditReview,
            Some(Subject {
                reporter_id: &incident.reporter_id,
                roles: &roles,
            }),
            relation,
        )?;
        let expected = expected_version.unwrap_or(current.version);
        if expected != current.version {
            return Err(stale(&current, expected));
        }
        if let ReviewCommand::Edit(edit) = &command {
            if let Some(owner) = &edit.owner_id {
                check_users_exist(&*txn, "ownerId", std::slice::from_ref(owner)).await?;
            }
            if let Some(participants) = &edit.participants {
                check_users_exist(&*txn, "participantIds", participants).await?;
            }
        }
        let publish = command == ReviewCommand::Publish;
        let at = now();
        let next = current.apply(command, &viewer.user_id, at)?;
        if !rows::update_if_version(&*txn, &next, expected).await? {
            return Err(stale(&current, expected));
        }
        if publish {
            // The published text joins the incident's knowledge-base document (read again by
            // the index worker from the database, like any change in the log).
            index_changes::append(&*txn, incident.id, at).await?;
            let items = rows::items_of(&*txn, &[next.id]).await?;
            let count = items.get(&next.id).map_or(0, Vec::len);
            txn.record(
                &incident,
                NewEvent::new(
                    incident.id,
                    at,
                    &viewer.user_id,
                    EventKind::ReviewPublished,
                    json!({ "reviewId": next.id.to_string(), "actionItems": count }),
                ),
            )
            .await?;
        }
        txn.commit(&self.bus).await?;
        if publish {
            self.knowledge.changed.notify_one();
        }
        tracing::info!(review.id = %next.id, review.status = next.status.as_str(), "review changed");
        Ok(next)
    }

    pub async fn review(&self, viewer: &Viewer, id: ReviewId) -> Result<Review, ServiceError> {
        can_read(viewer, id)?;
        rows::find(self.db.conn(), id)
            .await?
            .ok_or_else(|| review_not_found(id))
    }

    /// Reviews by id, for DataLoader batches; missing ones are simply absent.
    pub async fn reviews_by_id(
        &self,
        viewer: &Viewer,
        ids: &[ReviewId],
    ) -> Result<HashMap<ReviewId, Review>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(rows::find_many(self.db.conn(), ids).await?)
    }

    /// The review of each of `incidents` that has one (`Incident.review`, batched).
    pub async fn reviews_of_incidents(
        &self,
        viewer: &Viewer,
        incidents: &[IncidentId],
    ) -> Result<HashMap<IncidentId, Review>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(rows::of_incidents(self.db.conn(), incidents).await?)
    }

    /// The review of an incident (by id or number) as one Markdown document; NOT_FOUND when
    /// the caller may not read it, or the incident or its review does not exist.
    pub async fn review_markdown_of_incident(
        &self,
        viewer: &Viewer,
        target: IncidentRef,
    ) -> Result<String, ServiceError> {
        can_read_incident(viewer, target)?;
        let conn = self.db.conn();
        let incident = find_incident(conn, target)
            .await?
            .ok_or_else(|| not_found(target))?;
        let review = rows::of_incident(conn, incident.id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("{} has no review", incident.number)))?;
        self.render(&incident, &review).await
    }

    /// `review` as one Markdown document.
    pub async fn review_markdown(
        &self,
        viewer: &Viewer,
        review: &Review,
    ) -> Result<String, ServiceError> {
        can_read(viewer, review.id)?;
        let incident = incident_of(self.db.conn(), review).await?;
        self.render(&incident, review).await
    }

    async fn render(&self, incident: &Incident, review: &Review) -> Result<String, ServiceError> {
        let conn = self.db.conn();
        let items = rows::items_of(conn, &[review.id])
            .await?
            .remove(&review.id)
            .unwrap_or_default();
        let mut people: Vec<UserId> = vec![review.owner_id.clone()];
        people.extend(review.participants.iter().cloned());
        people.extend(items.iter().map(|i| i.owner_id.clone()));
        let names = users::find_many(conn, &people).await?;
        let name = |id: &UserId| {
            names
                .get(id)
                .map_or_else(|| id.to_string(), |u| u.name.clone())
        };
        let problem_ids: Vec<_> = items.iter().filter_map(|i| i.problem_id).collect();
        let problems = problems::find_many(conn, &problem_ids).await?;
        let lines: Vec<ItemLine<'_>> = items
            .iter()
            .map(|item| ItemLine {
                item,
                owner: name(&item.owner_id),
                problem: item
                    .problem_id
                    .and_then(|p| problems.get(&p))
                    .map(|p| p.number.to_string()),
            })
            .collect();
        let heading = Heading {
            incident,
            owner: name(&review.owner_id),
            participants: review.participants.iter().map(name).collect(),
        };
        Ok(markdown::document(
            review,
            &heading,
            &lines,
            now().date_naive(),
        ))
    }
}

fn second_review(incident: &Incident) -> ServiceError {
    ServiceError::BadInput(format!(
        "incidentId: {} already has a review; an incident has one review (edit that one)",
        incident.number
    ))
}
