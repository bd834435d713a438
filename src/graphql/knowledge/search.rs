//! `searchResolutions`: free-text search over resolved incidents for responders, as a Relay
//! connection whose edges carry score and highlights. Pages are offsets into the ranking.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Result};

use super::inputs::ResolutionSearchFilter;
use crate::domain::ids::IncidentId;
use crate::domain::timestamp;
use crate::graphql::context::{page_size, services, viewer};
use crate::graphql::cursor;
use crate::graphql::error::{GqlResult, bad_input};
use crate::graphql::types::IncidentObject;
use crate::graphql::types::knowledge::{
    ResolutionSearchConnectionName, ResolutionSearchEdgeName, SearchEdgeFields, SearchFields,
    highlights,
};
use crate::service::knowledge::hit_incident;

pub type ResolutionSearchConnection = Connection<
    String,
    IncidentObject,
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
        offset,
        limit,
    };
    let services = services(ctx)?;
    let viewer = viewer(ctx)?;
    let results = services
        .search_resolutions(viewer, request)
        .await
        .gql(ctx)?;
    // The index holds ids; the incidents come from the database, in one statement.
    let ids: Vec<IncidentId> = results
        .hits
        .iter()
        .filter_map(|h| hit_incident(&h.id))
        .collect();
    let mut incidents = services.incidents_by_id(viewer, &ids).await.gql(ctx)?;
    let mut connection = Connection::with_additional_fields(
        offset > 0,
        offset + results.hits.len() < results.total,
        SearchFields {
            total_count: results.total as u64,
            facets: (&results.facets).into(),
        },
    );
    for (position, hit) in results.hits.iter().enumerate() {
        // A hit whose incident is gone (deleted between index and database) is skipped.
        let Some(incident) = hit_incident(&hit.id).and_then(|id| incidents.remove(&id)) else {
            continue;
        };
        connection.edges.push(Edge::with_additional_fields(
            cursor::offset(offset + position),
            IncidentObject(incident),
            SearchEdgeFields {
                score: f64::from(hit.score),
                highlights: highlights(&hit.highlights),
            },
        ));
    }
    Ok(connection)
}
