//! `searchResolutions`: free-text search over resolved incidents for responders, as a Relay
//! connection whose edges carry score and highlights. Pages are offsets into the ranking.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Result};

use super::inputs::ResolutionSearchFilter;
use crate::domain::ids::{IncidentId, ProblemId};
use crate::domain::review::lifecycle::ReviewStatus;
use crate::domain::timestamp;
use crate::graphql::context::{page_size, services, viewer};
use crate::graphql::cursor;
use crate::graphql::error::{GqlResult, bad_input};
use crate::graphql::types::IncidentObject;
use crate::graphql::types::knowledge::{
    KnowledgeKind, ResolutionSearchConnectionName, ResolutionSearchEdgeName, SearchEdgeFields,
    SearchFields, highlights,
};
use crate::graphql::types::problem::ProblemObject;
use crate::graphql::types::review::ReviewObject;
use crate::service::knowledge::Suggested;

/// A node is the past incident; it is null for a known error, whose problem is on the edge.
pub type ResolutionSearchConnection = Connection<
    String,
    Option<IncidentObject>,
    SearchFields,
    SearchEdgeFields,
    ResolutionSearchConnectionName,
    ResolutionSearchEdgeName,
>;

pub async fn search_resolutions(
    ctx: &Context<'_>,
    query: String,
    filter: Option<ResolutionSearchFilter>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<ResolutionSearchConnection> {
    let limit = page_size(first, hindsight_index::MAX_SEARCH_LIMIT)? as usize;
    let offset = match after.as_deref() {
        Some(c) => cursor::parse_offset(c).map_err(bad_input)? + 1,
        None => 0,
    };
    let filter = filter.unwrap_or_default();
    let request = hindsight_index::SearchQuery {
        text: query,
        service: filter.service,
        category: filter.category,
        priority: filter.priority.map(|p| p.to_domain().rank() as u8),
        resolved_after: filter
            .resolved_after
            .map(|t| timestamp::supported("filter.resolvedAfter", t))
            .transpose()
            .map_err(bad_input)?,
        resolved_before: filter
            .resolved_before
            .map(|t| timestamp::supported("filter.resolvedBefore", t))
            .transpose()
            .map_err(bad_input)?,
        kind: filter.kind.map(KnowledgeKind::to_index),
        offset,
        limit,
    };
    let services = services(ctx)?;
    let viewer = viewer(ctx)?;
    let results = services
        .search_resolutions(viewer, request)
        .await
        .gql(ctx)?;
    // The index holds ids; the incidents, problems and reviews come from the database, one
    // statement each.
    let targets: Vec<Option<Suggested>> = results
        .hits
        .iter()
        .map(|h| Suggested::of(&h.id, h.kind))
        .collect();
    let ids: Vec<IncidentId> = targets
        .iter()
        .filter_map(|t| match t {
            Some(Suggested::Incident(id)) => Some(*id),
            _ => None,
        })
        .collect();
    let problem_ids: Vec<ProblemId> = targets
        .iter()
        .filter_map(|t| match t {
            Some(Suggested::KnownError(id)) => Some(*id),
            _ => None,
        })
        .collect();
    let mut incidents = services.incidents_by_id(viewer, &ids).await.gql(ctx)?;
    let mut problems = services
        .problems_by_id(viewer, &problem_ids)
        .await
        .gql(ctx)?;
    let mut reviews = services.reviews_of_incidents(viewer, &ids).await.gql(ctx)?;
    let mut connection = Connection::with_additional_fields(
        offset > 0,
        offset + results.hits.len() < results.total,
        SearchFields {
            total_count: results.total as u64,
            facets: (&results.facets).into(),
        },
    );
    for (position, (hit, target)) in results.hits.iter().zip(targets).enumerate() {
        // A hit whose record is gone (deleted between index and database) is skipped.
        let (node, problem, kind, review) = match target {
            Some(Suggested::Incident(id)) => match incidents.remove(&id) {
                Some(i) => (
                    Some(IncidentObject(i)),
                    None,
                    KnowledgeKind::Incident,
                    reviews
                        .remove(&id)
                        .filter(|r| r.status == ReviewStatus::Published),
                ),
                None => continue,
            },
            Some(Suggested::KnownError(id)) => match problems.remove(&id) {
                Some(p) => (
                    None,
                    Some(ProblemObject(p)),
                    KnowledgeKind::KnownError,
                    None,
                ),
                None => continue,
            },
            None => continue,
        };
        connection.edges.push(Edge::with_additional_fields(
            cursor::offset(offset + position),
            node,
            SearchEdgeFields {
                score: f64::from(hit.score),
                highlights: highlights(&hit.highlights),
                kind,
                problem,
                review_available: review.is_some(),
                review: review.map(ReviewObject),
            },
        ));
    }
    Ok(connection)
}
