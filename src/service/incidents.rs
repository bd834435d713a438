//! Incident use cases: report, the lifecycle transitions, and reads.

use std::collections::HashMap;

use super::journal::Journal;
use super::{ServiceError, Services, now};
use crate::auth::policy::Subject;
use crate::auth::{Operation, Viewer, authorize};
use crate::domain::ids::{
    IncidentId, IncidentNumber, IncidentRef, ProblemId, ProblemNumber, ProblemRef,
};
use crate::domain::incident::{Command, Incident, NewIncident};
use crate::domain::lifecycle::{Action, Status};
use crate::domain::listing::{Keyset, ListFilter, ListOrder, UNTRIAGED_RANK};
use crate::store::events::NewEvent;
use crate::store::incidents as rows;
use crate::store::{
    Reader, counters, incident_sla, index_changes, problem_ratings, problems, suggestions, team,
};

/// One page of a keyset-paginated list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
}

pub(super) fn not_found(target: IncidentRef) -> ServiceError {
    ServiceError::NotFound(match target {
        IncidentRef::Id(id) => format!("no incident with id {id}"),
        IncidentRef::Number(n) => format!("no incident {n}"),
    })
}

fn operation_for(action: Action) -> Operation {
    match action {
        Action::Triage => Operation::TriageIncident,
        Action::StartInvestigation => Operation::StartInvestigation,
        Action::Mitigate => Operation::MitigateIncident,
        Action::Resolve => Operation::ResolveIncident,
        Action::Close => Operation::CloseIncident,
        Action::Reopen => Operation::ReopenIncident,
        Action::Cancel => Operation::CancelIncident,
    }
}

/// Someone who may not read incidents is told they do not exist, not that they are forbidden.
pub(super) fn can_read(viewer: &Viewer, target: IncidentRef) -> Result<(), ServiceError> {
    authorize(viewer, Operation::ReadIncidents, None).map_err(|_| not_found(target))
}

pub(super) async fn find(
    reader: &impl Reader,
    target: IncidentRef,
) -> Result<Option<Incident>, ServiceError> {
    Ok(match target {
        IncidentRef::Id(id) => rows::find(reader, id).await?,
        IncidentRef::Number(n) => rows::find_by_number(reader, n).await?,
    })
}

impl Services {
    /// Identification and logging.
    pub async fn report_incident(
        &self,
        viewer: &Viewer,
        new: NewIncident,
    ) -> Result<Incident, ServiceError> {
        let mut txn = Journal::begin(&self.db).await?;
        let incident = report_in(&mut txn, viewer, new, IncidentId::new(), None).await?;
        txn.commit(&self.bus).await?;
        tracing::info!(incident.id = %incident.id, incident.number = %incident.number, "incident reported");
        Ok(incident)
    }

    /// Every lifecycle transition: checks the version the client saw, the policy and the
    /// transition table, then writes the incident and its timeline event together.
    pub async fn transition(
        &self,
        viewer: &Viewer,
        target: IncidentRef,
        expected_version: Option<i32>,
        command: Command,
    ) -> Result<Incident, ServiceError> {
        let action = command.action();
        let mut txn = Journal::begin(&self.db).await?;
        let (next, reindex) =
            transition_in(&mut txn, viewer, target, expected_version, command).await?;
        if action == Action::Close {
            // After the close was found legal and allowed; refusing drops the journal, so
            // nothing of the close is written.
            super::close_rule::check(&*txn, &self.review_policy, &next).await?;
        }
        txn.commit(&self.bus).await?;
        if reindex {
            self.knowledge.changed.notify_one();
        }
        tracing::info!(incident.id = %next.id, incident.status = next.status.as_str(), "incident transition: {}", action.verb());
        Ok(next)
    }

    pub async fn incident(
        &self,
        viewer: &Viewer,
        target: IncidentRef,
    ) -> Result<Incident, ServiceError> {
        can_read(viewer, target)?;
        find(&self.db, target)
            .await?
            .ok_or_else(|| not_found(target))
    }

    /// Incidents by id, for DataLoader batches; missing ones are simply absent.
    pub async fn incidents_by_id(
        &self,
        viewer: &Viewer,
        ids: &[IncidentId],
    ) -> Result<HashMap<IncidentId, Incident>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(rows::find_many(&self.db, ids).await?)
    }

    /// A page of incidents, each with the key a cursor after it holds.
    pub async fn list_incidents(
        &self,
        viewer: &Viewer,
        filter: &ListFilter,
        order: ListOrder,
        after: Option<Keyset>,
        first: u64,
    ) -> Result<Page<(Incident, Keyset)>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        // One extra row tells whether another page follows.
        let mut items = rows::list(&self.db, filter, order, after, first + 1, now()).await?;
        let has_next_page = items.len() as u64 > first;
        items.truncate(first as usize);
        let due = match order {
            ListOrder::SlaDue => {
                let ids: Vec<_> = items.iter().map(|i| i.id).collect();
                incident_sla::of(self.db.conn(), &ids).await?
            }
            _ => HashMap::new(),
        };
        let items = items
            .into_iter()
            .map(|incident| {
                let key = Keyset {
                    number: incident.number.0,
                    priority_rank: incident.priority.map_or(UNTRIAGED_RANK, |p| p.rank()),
                    sla_due_at: due.get(&incident.id).and_then(|s| s.next_due_at),
                };
                (incident, key)
            })
            .collect();
        Ok(Page {
            items,
            has_next_page,
        })
    }

    pub async fn count_incidents(
        &self,
        viewer: &Viewer,
        filter: &ListFilter,
    ) -> Result<u64, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(rows::count(&self.db, filter, now()).await?)
    }
}

/// Identification and logging, in the caller's journal: the use case behind `reportIncident`
/// and behind an alert that opens an incident. `alert` (if any) goes into the REPORTED event.
pub(super) async fn report_in(
    txn: &mut Journal,
    viewer: &Viewer,
    new: NewIncident,
    id: IncidentId,
    alert: Option<serde_json::Value>,
) -> Result<Incident, ServiceError> {
    authorize(viewer, Operation::ReportIncident, None)?;
    let number = IncidentNumber(counters::next(&**txn, counters::INCIDENT_NUMBER).await?);
    let labels = new.labels.to_strings();
    let (incident, mut change) =
        Incident::report(new, id, number, viewer.user_id.clone(), super::now());
    if let Some(alert) = alert {
        change.after["alert"] = alert;
    }
    rows::insert(&**txn, &incident).await?;
    crate::store::labels::replace(&**txn, incident.id, &labels).await?;
    record(txn, &incident, viewer, change).await?;
    Ok(incident)
}

/// A lifecycle transition in the caller's journal; also says whether the knowledge base must
/// hear of it (the caller notifies the index worker after the commit).
pub(super) async fn transition_in(
    txn: &mut Journal,
    viewer: &Viewer,
    target: IncidentRef,
    expected_version: Option<i32>,
    command: Command,
) -> Result<(Incident, bool), ServiceError> {
    can_read(viewer, target)?;
    let action = command.action();
    let current = find(&**txn, target)
        .await?
        .ok_or_else(|| not_found(target))?;
    if let Some(expected) = expected_version
        && expected != current.version
    {
        return Err(stale(&current, expected));
    }
    let roles = team::roles_of(&**txn, current.id, &viewer.user_id).await?;
    authorize(
        viewer,
        operation_for(action),
        Some(Subject {
            reporter_id: &current.reporter_id,
            roles: &roles,
        }),
    )?;
    if let Command::Cancel {
        duplicate_of: Some(original),
        ..
    } = &command
        && *original != current.id
    {
        check_original(&**txn, *original).await?;
    }
    let mut command = command;
    if let Command::Resolve(resolution) = &mut command {
        (resolution.helped_by, resolution.helped_by_known_errors) =
            helped_by(&**txn, current.id).await?;
    }
    let now = super::now();
    let (next, mut change) = current.apply(command, now)?;
    if next.priority != current.priority {
        // A new priority brings new targets, measured from the report: say when they fall
        // due, in the triage event itself.
        change.after["sla"] = super::sla::due_times(&**txn, &next, now).await?;
    }
    if !rows::update_if_version(&**txn, &next, current.version).await? {
        // Another writer changed the incident between our read and our write.
        return Err(ServiceError::Conflict(format!(
            "{} was changed by someone else at the same time; reload it and try again",
            current.number
        )));
    }
    record(txn, &next, viewer, change).await?;
    let mut reindex = current.changes_knowledge_base(&next);
    if reindex {
        index_changes::append(&**txn, next.id, now).await?;
    }
    if linked_text_changed(&current, &next)
        && let Some(problem) = linked_known_error(&**txn, next.id).await?
    {
        // The known error matches its linked incidents' text: keep its document current.
        index_changes::append_problem(&**txn, problem, now).await?;
        reindex = true;
    }
    Ok((next, reindex))
}

/// Whether the text a linked known error lends from this incident (title, description,
/// resolution summary) differs between `current` and `next`: resolving sets the summary,
/// reopening clears it.
pub(super) fn linked_text_changed(current: &Incident, next: &Incident) -> bool {
    let summary = |i: &Incident| i.resolution.as_ref().map(|r| r.summary.clone());
    current.title != next.title
        || current.description != next.description
        || summary(current) != summary(next)
}

/// The problem `incident` is linked to, if it is in the knowledge base (a known error).
pub(super) async fn linked_known_error(
    conn: &impl sea_orm::ConnectionTrait,
    incident: IncidentId,
) -> Result<Option<ProblemId>, ServiceError> {
    let Some(problem) = problems::problems_of(conn, &[incident])
        .await?
        .remove(&incident)
    else {
        return Ok(None);
    };
    Ok(problems::find(conn, ProblemRef::Id(problem))
        .await?
        .filter(|p| p.in_knowledge_base())
        .map(|p| p.id))
}

/// The suggestions someone rated helpful while this incident was diagnosed, with numbers:
/// past incidents and known errors.
async fn helped_by(
    conn: &impl sea_orm::ConnectionTrait,
    incident: IncidentId,
) -> Result<HelpedBy, ServiceError> {
    let ids = suggestions::helpful_for(conn, incident).await?;
    let found = rows::find_many(conn, &ids).await?;
    let incidents = ids
        .into_iter()
        .filter_map(|id| found.get(&id).map(|i| (id, i.number)))
        .collect();
    let ids = problem_ratings::helpful_for(conn, incident).await?;
    let found = problems::find_many(conn, &ids).await?;
    let known_errors = ids
        .into_iter()
        .filter_map(|id| found.get(&id).map(|p| (id, p.number)))
        .collect();
    Ok((incidents, known_errors))
}

type HelpedBy = (
    Vec<(IncidentId, IncidentNumber)>,
    Vec<(ProblemId, ProblemNumber)>,
);

/// A duplicate points at the incident being worked on: one that exists and is not itself
/// cancelled (which also rules out cycles of duplicates).
async fn check_original(
    conn: &impl sea_orm::ConnectionTrait,
    original: IncidentId,
) -> Result<(), ServiceError> {
    match rows::find(conn, original).await? {
        None => Err(ServiceError::BadInput(format!(
            "duplicateOf: no incident with id {original}"
        ))),
        Some(o) if o.status == Status::Cancelled => Err(ServiceError::BadInput(format!(
            "duplicateOf: {} is itself cancelled; point to the incident that is being worked on",
            o.number
        ))),
        Some(_) => Ok(()),
    }
}

pub(super) fn stale(current: &Incident, expected: i32) -> ServiceError {
    ServiceError::Conflict(format!(
        "{} is at version {}, not {expected}: it changed since you loaded it; reload it and try again",
        current.number, current.version
    ))
}

/// Records `change` of `incident` (as it is after the change), made by the caller.
pub(super) async fn record(
    txn: &mut Journal,
    incident: &Incident,
    viewer: &Viewer,
    change: crate::domain::incident::Change,
) -> Result<(), ServiceError> {
    txn.record(
        incident,
        NewEvent::new(
            incident.id,
            incident.updated_at,
            &viewer.user_id,
            change.kind,
            change.after,
        )
        .before(change.before),
    )
    .await?;
    Ok(())
}
