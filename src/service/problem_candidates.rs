//! Problem candidates: resolved incidents linked to no problem that resemble one another,
//! grouped by the knowledge base's own similarity (`KnowledgeBase::group_similar`), and turning
//! one into a problem with its incidents linked in one transaction.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use hindsight_index::GroupingOptions;
use serde_json::json;

use super::journal::Journal;
use super::knowledge::to_document;
use super::{ServiceError, Services, now};
use crate::auth::{Operation, Viewer, authorize};
use crate::domain::event::EventKind;
use crate::domain::ids::{IncidentId, IncidentRef, ProblemId, ProblemNumber};
use crate::domain::incident::Incident;
use crate::domain::priority::Level;
use crate::domain::problem::{NewProblem, Problem, ProblemChange, ProblemEventKind};
use crate::domain::text::{Category, Description, Service, Title};
use crate::domain::timestamp;
use crate::store::events::NewEvent;
use crate::store::problems as rows;
use crate::store::{counters, incidents};

/// The longest period candidates are looked for in.
pub const MAX_RANGE_DAYS: i64 = 366;
/// At most this many incidents (the most recently resolved) are compared.
pub const MAX_EXAMINED: u64 = 1_000;
/// Bounds of `minIncidents`.
pub const MIN_GROUP: usize = 2;
pub const MAX_GROUP: usize = 50;
/// At most this many incidents go into one problem from a candidate.
pub const MAX_FROM_CANDIDATE: usize = 100;

/// A group of alike incidents, proposed as one problem.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub incidents: Vec<Incident>,
    pub shared_terms: Vec<String>,
    pub cohesion: f32,
}

/// What was compared, beside the candidates.
#[derive(Debug, Clone)]
pub struct Candidates {
    pub candidates: Vec<Candidate>,
    pub examined: usize,
    /// More incidents matched than were examined (only the most recent were).
    pub truncated: bool,
}

impl Services {
    pub async fn problem_candidates(
        &self,
        viewer: &Viewer,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        service: Option<String>,
        min_incidents: usize,
    ) -> Result<Candidates, ServiceError> {
        authorize(viewer, Operation::ReadProblemCandidates, None)?;
        let from = timestamp::supported("filter.from", from)?;
        let to = timestamp::supported("filter.to", to)?;
        if from >= to {
            return Err(ServiceError::BadInput(
                "filter.from: must be before `filter.to`".into(),
            ));
        }
        if to - from > Duration::days(MAX_RANGE_DAYS) {
            return Err(ServiceError::BadInput(format!(
                "filter.from: the period may span at most {MAX_RANGE_DAYS} days; narrow it"
            )));
        }
        if !(MIN_GROUP..=MAX_GROUP).contains(&min_incidents) {
            return Err(ServiceError::BadInput(format!(
                "minIncidents: must be between {MIN_GROUP} and {MAX_GROUP}"
            )));
        }
        let mut found = incidents::resolved_without_problem(
            self.db.conn(),
            from,
            to,
            service.as_deref(),
            MAX_EXAMINED + 1,
        )
        .await?;
        let truncated = found.len() as u64 > MAX_EXAMINED;
        found.truncate(MAX_EXAMINED as usize);
        let docs: Vec<_> = found
            .iter()
            .filter_map(|i| to_document(i, (0, 0), None))
            .collect();
        let options = GroupingOptions {
            min_size: min_incidents,
            ..GroupingOptions::default()
        };
        let base = self.knowledge.base.clone();
        let groups =
            tokio::task::spawn_blocking(move || base.group_similar(&docs, &options)).await??;
        let mut by_id: HashMap<String, Incident> = found
            .iter()
            .map(|i| (i.id.to_string(), i.clone()))
            .collect();
        let examined = found.len();
        let candidates = groups
            .into_iter()
            .map(|g| Candidate {
                incidents: g.ids.iter().filter_map(|id| by_id.remove(id)).collect(),
                shared_terms: g.shared_terms,
                cohesion: g.cohesion,
            })
            .collect();
        Ok(Candidates {
            candidates,
            examined,
            truncated,
        })
    }

    /// Reports a problem for the candidate's incidents and links them, in one transaction.
    /// Every incident must exist, be resolved or closed, and be linked to no problem.
    pub async fn create_problem_from_candidate(
        &self,
        viewer: &Viewer,
        refs: Vec<IncidentRef>,
        title: Title,
    ) -> Result<Problem, ServiceError> {
        authorize(viewer, Operation::ManageProblems, None)?;
        if refs.len() < MIN_GROUP || refs.len() > MAX_FROM_CANDIDATE {
            return Err(ServiceError::BadInput(format!(
                "incidentIds: give {MIN_GROUP} to {MAX_FROM_CANDIDATE} incidents"
            )));
        }
        let mut txn = Journal::begin(&self.db).await?;
        let mut found: Vec<Incident> = Vec::with_capacity(refs.len());
        for r in &refs {
            let incident = super::incidents::find(&*txn, *r).await?.ok_or_else(|| {
                ServiceError::BadInput(format!("incidentIds: no incident {}", describe(*r)))
            })?;
            if found.iter().any(|i| i.id == incident.id) {
                return Err(ServiceError::BadInput(format!(
                    "incidentIds: {} is listed twice",
                    incident.number
                )));
            }
            if !incident.in_knowledge_base() {
                return Err(ServiceError::BadInput(format!(
                    "incidentIds: {} is not resolved; candidates are made of resolved incidents",
                    incident.number
                )));
            }
            found.push(incident);
        }
        let ids: Vec<IncidentId> = found.iter().map(|i| i.id).collect();
        let linked = rows::problems_of(&*txn, &ids).await?;
        if let Some(i) = found.iter().find(|i| linked.contains_key(&i.id)) {
            return Err(ServiceError::BadInput(format!(
                "incidentIds: {} is already linked to a problem; unlink it first",
                i.number
            )));
        }
        let service = most_common(found.iter().map(|i| i.service.clone())).unwrap_or_default();
        let category = most_common(found.iter().filter_map(|i| i.category.clone()));
        let numbers: Vec<String> = found.iter().map(|i| i.number.to_string()).collect();
        let new = NewProblem {
            title,
            description: Description::parse(&format!(
                "Opened from a problem candidate: {}.",
                numbers.join(", ")
            ))
            .map_err(|e| ServiceError::BadInput(format!("incidentIds: {e}")))?,
            service: Service::parse(&service)
                .map_err(|e| ServiceError::BadInput(format!("incidentIds: {e}")))?,
            category: category.as_deref().and_then(|c| Category::parse(c).ok()),
            impact: Level::Medium,
            urgency: Level::Medium,
        };
        let number = ProblemNumber(counters::next(&*txn, counters::PROBLEM_NUMBER).await?);
        let at = now();
        let (problem, change) =
            Problem::report(new, ProblemId::new(), number, viewer.user_id.clone(), at);
        rows::insert(&*txn, &problem).await?;
        txn.record_problem(&problem, at, &viewer.user_id, &change)
            .await?;
        for incident in &found {
            if !rows::link(&*txn, incident.id, problem.id, at, &viewer.user_id).await? {
                return Err(ServiceError::Conflict(format!(
                    "{} was linked to a problem by another request at the same moment; retry",
                    incident.number
                )));
            }
            let change = ProblemChange {
                kind: ProblemEventKind::IncidentLinked,
                before: None,
                after: json!({ "incident": incident.number.to_string(), "incidentId": incident.id.to_string() }),
            };
            txn.record_problem(&problem, at, &viewer.user_id, &change)
                .await?;
            txn.record(
                incident,
                NewEvent::new(
                    incident.id,
                    at,
                    &viewer.user_id,
                    EventKind::ProblemLinked,
                    json!({ "problem": problem.number.to_string(), "problemId": problem.id.to_string(), "title": problem.title }),
                ),
            )
            .await?;
        }
        txn.commit(&self.bus).await?;
        tracing::info!(problem.id = %problem.id, problem.number = %problem.number, incidents = found.len(), "problem opened from a candidate");
        Ok(problem)
    }
}

fn describe(r: IncidentRef) -> String {
    match r {
        IncidentRef::Id(id) => format!("with id {id}"),
        IncidentRef::Number(n) => n.to_string(),
    }
}

fn most_common(values: impl Iterator<Item = String>) -> Option<String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for v in values {
        *counts.entry(v).or_insert(0) += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
        .map(|(v, _)| v)
}
