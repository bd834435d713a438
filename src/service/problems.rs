//! Problem management: reporting problems, their lifecycle (known error, permanent fix),
//! and linking incidents to them. A problem's changes are written to its own timeline through
//! the journal (so `problemChanged` and webhooks that list problem kinds hear of them); an
//! incident linked to it hears of a known error or a fix in its timeline (so subscriptions
//! and webhooks carry that to the responders).

use std::collections::HashMap;

use serde_json::json;

use super::incidents::{Page, find as find_incident, not_found as incident_not_found};
use super::journal::Journal;
use super::{ServiceError, Services, now};
use crate::auth::{Operation, Viewer, authorize};
use crate::domain::event::EventKind;
use crate::domain::ids::{IncidentId, IncidentRef, ProblemId, ProblemNumber, ProblemRef};
use crate::domain::incident::Incident;
use crate::domain::problem::lifecycle::ProblemStatus;
use crate::domain::problem::{NewProblem, Problem, ProblemCommand, ProblemEvent, ProblemFilter};
use crate::store::events::NewEvent;
use crate::store::problems as rows;
use crate::store::{counters, incidents, index_changes};

fn not_found(target: ProblemRef) -> ServiceError {
    ServiceError::NotFound(match target {
        ProblemRef::Id(id) => format!("no problem with id {id}"),
        ProblemRef::Number(n) => format!("no problem {n}"),
    })
}

/// Someone who may not read problems is told they do not exist.
fn can_read(viewer: &Viewer, target: ProblemRef) -> Result<(), ServiceError> {
    authorize(viewer, Operation::ReadIncidents, None).map_err(|_| not_found(target))
}

impl Services {
    pub async fn report_problem(
        &self,
        viewer: &Viewer,
        new: NewProblem,
    ) -> Result<Problem, ServiceError> {
        authorize(viewer, Operation::ManageProblems, None)?;
        let mut txn = Journal::begin(&self.db).await?;
        let number = ProblemNumber(counters::next(&*txn, counters::PROBLEM_NUMBER).await?);
        let at = now();
        let (problem, change) =
            Problem::report(new, ProblemId::new(), number, viewer.user_id.clone(), at);
        rows::insert(&*txn, &problem).await?;
        txn.record_problem(&problem, at, &viewer.user_id, &change)
            .await?;
        txn.commit(&self.bus).await?;
        tracing::info!(problem.id = %problem.id, problem.number = %problem.number, "problem reported");
        Ok(problem)
    }

    /// A lifecycle change. A known error or a fix is told to the open incidents linked to it.
    pub async fn change_problem(
        &self,
        viewer: &Viewer,
        target: ProblemRef,
        expected_version: Option<i32>,
        command: ProblemCommand,
    ) -> Result<Problem, ServiceError> {
        can_read(viewer, target)?;
        let op = match command {
            ProblemCommand::RecordKnownError { .. } => Operation::RecordKnownError,
            _ => Operation::ManageProblems,
        };
        authorize(viewer, op, None)?;
        let mut txn = Journal::begin(&self.db).await?;
        let current = rows::find(&*txn, target)
            .await?
            .ok_or_else(|| not_found(target))?;
        let expected = expected_version.unwrap_or(current.version);
        if expected != current.version {
            return Err(stale(&current, expected));
        }
        let at = now();
        let (next, change) = current.apply(command, at)?;
        if !rows::update_if_version(&*txn, &next, expected).await? {
            return Err(stale(&current, expected));
        }
        txn.record_problem(&next, at, &viewer.user_id, &change)
            .await?;
        if matches!(
            next.status,
            ProblemStatus::KnownError | ProblemStatus::Resolved
        ) {
            tell_linked_incidents(&mut txn, &next, viewer, at).await?;
        }
        let reindex = current.in_knowledge_base() || next.in_knowledge_base();
        if reindex {
            index_changes::append_problem(&*txn, next.id, at).await?;
        }
        txn.commit(&self.bus).await?;
        if reindex {
            self.knowledge.changed.notify_one();
        }
        tracing::info!(problem.id = %next.id, status = next.status.as_str(), "problem changed");
        Ok(next)
    }

    pub async fn problem(
        &self,
        viewer: &Viewer,
        target: ProblemRef,
    ) -> Result<Problem, ServiceError> {
        can_read(viewer, target)?;
        rows::find(self.db.conn(), target)
            .await?
            .ok_or_else(|| not_found(target))
    }

    pub async fn problems_by_id(
        &self,
        viewer: &Viewer,
        ids: &[ProblemId],
    ) -> Result<HashMap<ProblemId, Problem>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(rows::find_many(self.db.conn(), ids).await?)
    }

    /// A page of problems after the one numbered `after`.
    pub async fn list_problems(
        &self,
        viewer: &Viewer,
        filter: &ProblemFilter,
        newest_first: bool,
        after: Option<i64>,
        first: u64,
    ) -> Result<Page<Problem>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        let mut items = rows::list(self.db.conn(), filter, newest_first, after, first + 1).await?;
        let has_next_page = items.len() as u64 > first;
        items.truncate(first as usize);
        Ok(Page {
            items,
            has_next_page,
        })
    }

    pub async fn count_problems(
        &self,
        viewer: &Viewer,
        filter: &ProblemFilter,
    ) -> Result<u64, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(rows::count(self.db.conn(), filter).await?)
    }

    pub async fn problem_timeline(
        &self,
        viewer: &Viewer,
        problem: ProblemId,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Vec<ProblemEvent>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(rows::events(self.db.conn(), problem, after, limit).await?)
    }

    /// Links an incident to a problem (an incident has at most one).
    pub async fn link_incident_to_problem(
        &self,
        viewer: &Viewer,
        incident: IncidentRef,
        problem: ProblemRef,
    ) -> Result<Incident, ServiceError> {
        super::incidents::can_read(viewer, incident)?;
        authorize(viewer, Operation::ManageProblems, None)?;
        let mut txn = Journal::begin(&self.db).await?;
        let found = find_incident(&*txn, incident)
            .await?
            .ok_or_else(|| incident_not_found(incident))?;
        let target = rows::find(&*txn, problem)
            .await?
            .ok_or_else(|| not_found(problem))?;
        if matches!(
            target.status,
            ProblemStatus::Cancelled | ProblemStatus::Closed
        ) {
            return Err(ServiceError::BadInput(format!(
                "problemId: {} is {}; link incidents to a problem still being worked on",
                target.number,
                target.status.as_str()
            )));
        }
        let at = now();
        if !rows::link(&*txn, found.id, target.id, at, &viewer.user_id).await? {
            let linked = rows::problems_of(&*txn, &[found.id]).await?;
            let other = match linked.get(&found.id) {
                Some(id) => rows::find(&*txn, ProblemRef::Id(*id))
                    .await?
                    .map_or_else(|| id.to_string(), |p| p.number.to_string()),
                None => "another problem".to_owned(),
            };
            return Err(ServiceError::BadInput(format!(
                "incidentId: {} is already linked to {other}; unlink it first (an incident has one problem)",
                found.number
            )));
        }
        let after = json!({ "problem": target.number.to_string(), "problemId": target.id.to_string(), "title": target.title });
        let change = crate::domain::problem::ProblemChange {
            kind: crate::domain::problem::ProblemEventKind::IncidentLinked,
            before: None,
            after: json!({ "incident": found.number.to_string(), "incidentId": found.id.to_string() }),
        };
        txn.record_problem(&target, at, &viewer.user_id, &change)
            .await?;
        txn.record(
            &found,
            NewEvent::new(
                found.id,
                at,
                &viewer.user_id,
                EventKind::ProblemLinked,
                after,
            ),
        )
        .await?;
        // A known error's document holds its linked incidents' text.
        let reindex = target.in_knowledge_base();
        if reindex {
            index_changes::append_problem(&*txn, target.id, at).await?;
        }
        txn.commit(&self.bus).await?;
        if reindex {
            self.knowledge.changed.notify_one();
        }
        Ok(found)
    }

    pub async fn unlink_incident_from_problem(
        &self,
        viewer: &Viewer,
        incident: IncidentRef,
    ) -> Result<Incident, ServiceError> {
        super::incidents::can_read(viewer, incident)?;
        authorize(viewer, Operation::ManageProblems, None)?;
        let mut txn = Journal::begin(&self.db).await?;
        let found = find_incident(&*txn, incident)
            .await?
            .ok_or_else(|| incident_not_found(incident))?;
        let Some(problem) = rows::unlink(&*txn, found.id).await? else {
            return Err(ServiceError::BadInput(format!(
                "incidentId: {} is not linked to a problem",
                found.number
            )));
        };
        let at = now();
        let linked_to = rows::find(&*txn, ProblemRef::Id(problem)).await?;
        let number = linked_to.as_ref().map(|p| p.number.to_string());
        let reindex = linked_to.as_ref().is_some_and(Problem::in_knowledge_base);
        if reindex {
            index_changes::append_problem(&*txn, problem, at).await?;
        }
        let change = crate::domain::problem::ProblemChange {
            kind: crate::domain::problem::ProblemEventKind::IncidentUnlinked,
            before: None,
            after: json!({ "incident": found.number.to_string(), "incidentId": found.id.to_string() }),
        };
        // Problems are never deleted; the link's problem is there.
        if let Some(linked_to) = &linked_to {
            txn.record_problem(linked_to, at, &viewer.user_id, &change)
                .await?;
        }
        txn.record(
            &found,
            NewEvent::new(
                found.id,
                at,
                &viewer.user_id,
                EventKind::ProblemUnlinked,
                json!({ "problem": number, "problemId": problem.to_string() }),
            ),
        )
        .await?;
        txn.commit(&self.bus).await?;
        Ok(found)
    }

    /// The problem each of `incidents` is linked to.
    pub async fn problems_of_incidents(
        &self,
        viewer: &Viewer,
        incidents: &[IncidentId],
    ) -> Result<HashMap<IncidentId, Problem>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        let conn = self.db.conn();
        let links = rows::problems_of(conn, incidents).await?;
        let ids: Vec<ProblemId> = links.values().copied().collect();
        let problems = rows::find_many(conn, &ids).await?;
        Ok(links
            .into_iter()
            .filter_map(|(i, p)| Some((i, problems.get(&p)?.clone())))
            .collect())
    }

    /// The incidents linked to `problem`, oldest link first: `limit` from `offset`, and the
    /// total.
    pub async fn incidents_of_problem(
        &self,
        viewer: &Viewer,
        problem: ProblemId,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Incident>, u64), ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        let conn = self.db.conn();
        let (ids, total) = rows::incidents_of(conn, problem, offset, limit).await?;
        let mut found = incidents::find_many(conn, &ids).await?;
        Ok((
            ids.iter().filter_map(|id| found.remove(id)).collect(),
            total,
        ))
    }
}

/// Appends "known error recorded" or "fixed" to the timeline of each open incident linked to
/// `problem`, with the workaround first: what a responder can use now.
async fn tell_linked_incidents(
    txn: &mut Journal,
    problem: &Problem,
    viewer: &Viewer,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), ServiceError> {
    let (ids, _) = rows::incidents_of(&**txn, problem.id, 0, 10_000).await?;
    let found = incidents::find_many(&**txn, &ids).await?;
    for incident in found.values().filter(|i| i.is_open()) {
        let after = json!({
            "problem": problem.number.to_string(),
            "problemId": problem.id.to_string(),
            "status": problem.status.as_str(),
            "workaround": problem.workaround,
            "rootCause": problem.root_cause,
            "fix": problem.fix,
            "changeReference": problem.change_reference,
        });
        txn.record(
            incident,
            NewEvent::new(
                incident.id,
                at,
                &viewer.user_id,
                EventKind::ProblemUpdated,
                after,
            ),
        )
        .await?;
    }
    Ok(())
}

fn stale(problem: &Problem, expected: i32) -> ServiceError {
    ServiceError::Conflict(format!(
        "{} is at version {}, not {expected}: it changed since you loaded it; reload it and try again",
        problem.number, problem.version
    ))
}
