//! Knowledge-base use cases: suggestions while an incident is diagnosed, free-text search over
//! past resolutions, rating suggestions (the learning loop), and the statistics that show
//! whether the knowledge base pays off.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use hindsight_index::{
    DocKind, IncidentDoc, KnowledgeBase, Probe, SearchError, SearchQuery, SearchResults,
    SuggestOptions, Suggestion,
};
use tokio::sync::Notify;
use uuid::Uuid;

use super::journal::Journal;
use super::{ServiceError, Services, now};
use crate::auth::policy::Subject;
use crate::auth::{Operation, Viewer, authorize};
use crate::domain::event::EventKind;
use crate::domain::ids::{IncidentId, IncidentRef, ProblemId, ProblemRef, UserId};
use crate::domain::incident::Incident;
use crate::domain::problem::Problem;
use crate::domain::review::Review;
use crate::domain::review::lifecycle::ReviewStatus;
use crate::domain::timestamp;
use crate::store::events::NewEvent;
use crate::store::incidents as rows;
use crate::store::{index_changes, problem_ratings, problems, reviews, suggestions, team};

/// The node's knowledge base and the bell that tells its index worker to look at the log.
#[derive(Clone)]
pub struct Knowledge {
    pub base: Arc<KnowledgeBase>,
    pub changed: Arc<Notify>,
}

impl Knowledge {
    pub fn new(base: Arc<KnowledgeBase>) -> Self {
        Self {
            base,
            changed: Arc::new(Notify::new()),
        }
    }
}

/// What a suggestion or a search hit names: a past incident or a known error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Suggested {
    Incident(IncidentId),
    KnownError(ProblemId),
}

impl Suggested {
    /// The document an index hit names; the index stores ids as text.
    pub fn of(id: &str, kind: DocKind) -> Option<Self> {
        let uuid = Uuid::parse_str(id).ok()?;
        Some(match kind {
            DocKind::Incident => Suggested::Incident(IncidentId(uuid)),
            DocKind::KnownError => Suggested::KnownError(ProblemId(uuid)),
        })
    }
}

/// What a rating names: a suggested past incident or a suggested known error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatedSuggestion {
    Incident(IncidentRef),
    KnownError(ProblemRef),
}

/// A suggestion whose incident or known error was in the index when it was ranked.
#[derive(Debug, Clone)]
pub struct SuggestionOut {
    pub target: Suggested,
    pub hit: Suggestion,
}

/// At most this many linked incidents lend their text to a known error's document.
const MAX_LINKED_TEXTS: u64 = 50;

/// How the index sees a known error: its own text, its workaround and fix, and the text of
/// its linked incidents (so a new incident like them finds it). `None` outside the knowledge
/// base (not yet a known error, or cancelled).
pub fn problem_document(
    problem: &Problem,
    linked: &[Incident],
    (helpful, unhelpful): (u32, u32),
) -> Option<IncidentDoc> {
    if !problem.in_knowledge_base() {
        return None;
    }
    let related = linked
        .iter()
        .map(|i| {
            let summary = i.resolution.as_ref().map_or("", |r| r.summary.as_str());
            format!("{}\n{}\n{}", i.title, i.description, summary)
        })
        .collect::<Vec<_>>()
        .join("\n");
    Some(IncidentDoc {
        id: problem.id.to_string(),
        number: problem.number.0,
        title: problem.title.clone(),
        description: problem.description.clone(),
        service: problem.service.clone(),
        category: problem.category.clone(),
        priority: Some(problem.priority.rank() as u8),
        resolution_summary: String::new(),
        root_cause: problem.root_cause.clone(),
        fix: problem.fix.clone(),
        resolved_at: problem
            .known_error_at
            .or(problem.resolved_at)
            .unwrap_or(problem.updated_at),
        helpful,
        unhelpful,
        kind: DocKind::KnownError,
        workaround: problem.workaround.clone(),
        related,
        review: String::new(),
    })
}

/// The documents of `ids` that belong in the index (absent: remove them).
pub async fn known_error_documents(
    conn: &impl sea_orm::ConnectionTrait,
    ids: &[ProblemId],
) -> Result<HashMap<ProblemId, IncidentDoc>, ServiceError> {
    let found = problems::find_many(conn, ids).await?;
    let in_base: Vec<&Problem> = found.values().filter(|p| p.in_knowledge_base()).collect();
    let counts =
        problem_ratings::counts_for(conn, &in_base.iter().map(|p| p.id).collect::<Vec<_>>())
            .await?;
    let mut out = HashMap::new();
    for problem in in_base {
        let (linked, _) = problems::incidents_of(conn, problem.id, 0, MAX_LINKED_TEXTS).await?;
        let incidents = rows::find_many(conn, &linked).await?;
        let linked: Vec<Incident> = linked
            .iter()
            .filter_map(|id| incidents.get(id).cloned())
            .collect();
        let c = counts.get(&problem.id).copied().unwrap_or_default();
        if let Some(doc) = problem_document(problem, &linked, c) {
            out.insert(problem.id, doc);
        }
    }
    Ok(out)
}

/// Knowledge-base statistics over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct KnowledgeStats {
    pub feedback: suggestions::FeedbackCounts,
    pub resolved_with_help: ResolutionTimes,
    pub resolved_without_help: ResolutionTimes,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResolutionTimes {
    pub count: u64,
    pub median_seconds: Option<f64>,
}

/// How the index sees an incident, given the ratings it received as a suggestion and its
/// post-incident review: a PUBLISHED review's text (lessons, root cause, contributing factors,
/// what went well and badly, summary) joins the document; a draft's does not.
pub fn to_document(
    incident: &Incident,
    (helpful, unhelpful): (u32, u32),
    review: Option<&Review>,
) -> Option<IncidentDoc> {
    if !incident.in_knowledge_base() {
        return None;
    }
    let resolution = incident.resolution.as_ref();
    Some(IncidentDoc {
        id: incident.id.to_string(),
        number: incident.number.0,
        title: incident.title.clone(),
        description: incident.description.clone(),
        service: incident.service.clone(),
        category: incident.category.clone(),
        priority: incident.priority.map(|p| p.rank() as u8),
        resolution_summary: resolution.map(|r| r.summary.clone()).unwrap_or_default(),
        root_cause: resolution.and_then(|r| r.root_cause.clone()),
        fix: resolution.and_then(|r| r.fix.clone()),
        resolved_at: incident.resolved_at.unwrap_or(incident.updated_at),
        helpful,
        unhelpful,
        kind: DocKind::Incident,
        workaround: None,
        related: String::new(),
        review: review
            .filter(|r| r.status == ReviewStatus::Published && r.incident_id == incident.id)
            .map(Review::searchable_text)
            .unwrap_or_default(),
    })
}

/// The documents of `incidents` that belong in the index, by incident (absent: remove them).
/// Ratings and published reviews are read for the whole batch at once, whatever its size.
pub async fn incident_documents(
    conn: &impl sea_orm::ConnectionTrait,
    incidents: &[Incident],
) -> Result<HashMap<IncidentId, IncidentDoc>, ServiceError> {
    let ids: Vec<IncidentId> = incidents
        .iter()
        .filter(|i| i.in_knowledge_base())
        .map(|i| i.id)
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let counts = suggestions::counts_for(conn, &ids).await?;
    let reviews = reviews::published_of_incidents(conn, &ids).await?;
    Ok(incidents
        .iter()
        .filter_map(|i| {
            let c = counts.get(&i.id).copied().unwrap_or_default();
            to_document(i, c, reviews.get(&i.id)).map(|doc| (i.id, doc))
        })
        .collect())
}

/// The incident an index hit names; the index stores ids as text.
pub fn hit_incident(id: &str) -> Option<IncidentId> {
    Uuid::parse_str(id).ok().map(IncidentId)
}

impl Services {
    /// The most similar resolved incidents and known errors for `incident`, best first, excluding itself and
    /// its duplicates. Each suggestion is counted for `knowledgeStats` once per incident and
    /// viewer: a console that refetches does not inflate `timesShown`.
    pub async fn suggestions(
        &self,
        viewer: &Viewer,
        incident: &Incident,
        first: usize,
        service: Option<String>,
        category: Option<String>,
    ) -> Result<Vec<SuggestionOut>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        let mut exclude = vec![incident.id.to_string()];
        exclude.extend(incident.duplicate_of.map(|d| d.to_string()));
        exclude.extend(
            rows::duplicates_of(self.db.conn(), incident.id)
                .await?
                .into_iter()
                .map(|d| d.to_string()),
        );
        let probe = Probe {
            title: incident.title.clone(),
            description: incident.description.clone(),
            service: Some(incident.service.clone()),
            category: incident.category.clone(),
        };
        let options = SuggestOptions {
            limit: first,
            exclude_ids: exclude,
            service,
            category,
        };
        let base = self.knowledge.base.clone();
        let hits = tokio::task::spawn_blocking(move || base.suggest(&probe, &options)).await??;
        let out: Vec<SuggestionOut> = hits
            .into_iter()
            .filter_map(|hit| {
                Suggested::of(&hit.id, hit.kind).map(|target| SuggestionOut { target, hit })
            })
            .collect();
        // Impressions are counted for past incidents (their table keys them to incidents).
        let shown: Vec<IncidentId> = out
            .iter()
            .filter_map(|s| match s.target {
                Suggested::Incident(id) => Some(id),
                Suggested::KnownError(_) => None,
            })
            .collect();
        if !shown.is_empty() {
            // Counting impressions must not cost the responder their suggestions.
            if let Err(e) = self
                .record_shown(incident.id, &shown, &viewer.user_id)
                .await
            {
                tracing::warn!(incident.id = %incident.id, error = %e, "could not count shown suggestions");
            }
        }
        Ok(out)
    }

    async fn record_shown(
        &self,
        incident: IncidentId,
        shown: &[IncidentId],
        viewer_id: &UserId,
    ) -> Result<(), ServiceError> {
        let txn = self.db.begin_write().await?;
        suggestions::record_shown(&*txn, incident, shown, viewer_id, now()).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Free-text search over resolved incidents.
    pub async fn search_resolutions(
        &self,
        viewer: &Viewer,
        query: SearchQuery,
    ) -> Result<SearchResults, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        let base = self.knowledge.base.clone();
        match tokio::task::spawn_blocking(move || base.search(&query)).await? {
            Ok(results) => Ok(results),
            Err(SearchError::Invalid(message)) => {
                Err(ServiceError::BadInput(format!("query: {message}")))
            }
            Err(SearchError::Index(e)) => Err(e.into()),
        }
    }

    /// Records whether a suggestion helped. Idempotent per user and pair; a changed rating
    /// replaces the old one. The rated incident's timeline shows it (a suggested past incident's
    /// too), and the suggested incident or known error is re-indexed with its new helpfulness.
    pub async fn rate_suggestion(
        &self,
        viewer: &Viewer,
        incident: IncidentRef,
        suggested: RatedSuggestion,
        helpful: bool,
    ) -> Result<Incident, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)
            .map_err(|_| ServiceError::NotFound("no such incident".into()))?;
        let mut txn = Journal::begin(&self.db).await?;
        let target = find(&*txn, incident, "incidentId").await?;
        let roles = team::roles_of(&*txn, target.id, &viewer.user_id).await?;
        authorize(
            viewer,
            Operation::RateSuggestion,
            Some(Subject {
                reporter_id: &target.reporter_id,
                roles: &roles,
            }),
        )?;
        let at = now();
        // What was rated: its number for the events, the timelines beside the rated incident's
        // that show the rating, and the previous rating by the same person.
        let (suggested_key, suggested_number, also_shown, previous) = match suggested {
            RatedSuggestion::Incident(suggested) => {
                let past = find(&*txn, suggested, "suggestedIncidentId").await?;
                if past.id == target.id {
                    return Err(ServiceError::BadInput(
                        "suggestedIncidentId: an incident cannot be a suggestion for itself".into(),
                    ));
                }
                if !past.in_knowledge_base() {
                    return Err(ServiceError::BadInput(format!(
                        "suggestedIncidentId: {} is not resolved, so it is not in the knowledge base",
                        past.number
                    )));
                }
                let previous =
                    suggestions::rate(&*txn, target.id, past.id, &viewer.user_id, helpful, at)
                        .await
                        .map_err(rating_race)?;
                if previous != Some(helpful) {
                    index_changes::append(&*txn, past.id, at).await?;
                }
                (
                    "suggestedIncident",
                    past.number.to_string(),
                    Some(past),
                    previous,
                )
            }
            RatedSuggestion::KnownError(suggested) => {
                let problem = problems::find(&*txn, suggested).await?.ok_or_else(|| {
                    ServiceError::NotFound("suggestedProblemId: no such problem".into())
                })?;
                if !problem.in_knowledge_base() {
                    return Err(ServiceError::BadInput(format!(
                        "suggestedProblemId: {} is not a known error (nor resolved), so it is not in the knowledge base",
                        problem.number
                    )));
                }
                let previous = problem_ratings::rate(
                    &*txn,
                    target.id,
                    problem.id,
                    &viewer.user_id,
                    helpful,
                    at,
                )
                .await
                .map_err(rating_race)?;
                if previous != Some(helpful) {
                    index_changes::append_problem(&*txn, problem.id, at).await?;
                }
                (
                    "suggestedProblem",
                    problem.number.to_string(),
                    None,
                    previous,
                )
            }
        };
        if previous == Some(helpful) {
            // Same rating again: nothing changes, nothing is recorded twice.
            return Ok(target);
        }
        let mut detail = serde_json::json!({
            "incident": target.number.to_string(),
            "helpful": helpful,
        });
        detail[suggested_key] = serde_json::json!(suggested_number);
        let before = previous.map(|p| serde_json::json!({ "helpful": p }));
        for incident in std::iter::once(&target).chain(also_shown.as_ref()) {
            let kind = EventKind::SuggestionRated;
            txn.record(
                incident,
                NewEvent::new(incident.id, at, &viewer.user_id, kind, detail.clone())
                    .before(before.clone()),
            )
            .await?;
        }
        txn.commit(&self.bus).await?;
        self.knowledge.changed.notify_one();
        Ok(target)
    }

    pub async fn knowledge_stats(
        &self,
        viewer: &Viewer,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<KnowledgeStats, ServiceError> {
        authorize(viewer, Operation::ViewKnowledgeStats, None)?;
        let from = timestamp::supported("from", from)?;
        let to = timestamp::supported("to", to)?;
        if from >= to {
            return Err(ServiceError::BadInput("from: must be before `to`".into()));
        }
        let feedback = suggestions::feedback_counts(self.db.conn(), from, to).await?;
        let resolved = rows::resolved_between(self.db.conn(), from, to).await?;
        let mut with_help = Vec::new();
        let mut without_help = Vec::new();
        for incident in resolved {
            let (Some(resolved_at), Some(resolution)) =
                (incident.resolved_at, &incident.resolution)
            else {
                continue;
            };
            let seconds = (resolved_at - incident.created_at).num_milliseconds() as f64 / 1000.0;
            if !resolution.helped() {
                without_help.push(seconds);
            } else {
                with_help.push(seconds);
            }
        }
        Ok(KnowledgeStats {
            feedback,
            resolved_with_help: times(with_help),
            resolved_without_help: times(without_help),
        })
    }
}

async fn find(
    conn: &impl sea_orm::ConnectionTrait,
    target: IncidentRef,
    field: &str,
) -> Result<Incident, ServiceError> {
    super::incidents::find(conn, target)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("{field}: no such incident")))
}

/// The same person's same rating sent twice at once (a double click): on PostgreSQL both see
/// no rating yet and one insert loses on the unique index.
fn rating_race(e: sea_orm::DbErr) -> ServiceError {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => ServiceError::Conflict(
            "this rating was being recorded by another request at the same moment; reload and retry"
                .into(),
        ),
        _ => ServiceError::from(e),
    }
}

fn times(mut seconds: Vec<f64>) -> ResolutionTimes {
    seconds.sort_by(f64::total_cmp);
    let n = seconds.len();
    let median_seconds = match n {
        0 => None,
        _ if n % 2 == 1 => Some(seconds[n / 2]),
        _ => Some((seconds[n / 2 - 1] + seconds[n / 2]) / 2.0),
    };
    ResolutionTimes {
        count: n as u64,
        median_seconds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(times(vec![]).median_seconds, None);
        assert_eq!(times(vec![5.0, 1.0, 3.0]).median_seconds, Some(3.0));
        assert_eq!(times(vec![4.0, 1.0, 3.0, 2.0]).median_seconds, Some(2.5));
    }
}
