use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, Object, Result};

use super::error::{GqlResult, bad_input, code, with_code};
use chrono::{DateTime, Utc};

use super::inputs::{IncidentFilter, ResolutionSearchFilter, incident_ref};
use super::search::ResolutionSearchConnection;
use super::types::enums::IncidentOrder;
use super::types::knowledge::KnowledgeStatsObject;
use super::types::{IncidentObject, ViewerObject};
use super::{PageLimit, cursor};
use crate::auth::Viewer;
use crate::service::Services;
use crate::store::incidents::{Keyset, ListFilter, ListOrder, UNTRIAGED_RANK};

#[derive(Default)]
pub struct IncidentQuery;

/// `first` checked against the page-size limit.
pub fn page_size(first: Option<i32>, limit: usize) -> Result<u64> {
    let first = first.unwrap_or(20);
    if first < 0 || first as usize > limit {
        return Err(with_code(
            format!("first: must be between 0 and {limit}, got {first}"),
            code::BAD_USER_INPUT,
        ));
    }
    Ok(first as u64)
}

pub fn viewer<'a>(ctx: &Context<'a>) -> Result<&'a Viewer> {
    ctx.data::<Viewer>()
        .map_err(|_| with_code("missing credentials", code::UNAUTHENTICATED))
}

pub fn services<'a>(ctx: &Context<'a>) -> Result<&'a Services> {
    ctx.data::<Services>()
}

/// Extra fields of the incidents connection. The count runs only if a client asks for it.
pub struct IncidentListFields {
    filter: ListFilter,
}

#[Object]
impl IncidentListFields {
    /// Incidents matching the filter, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        services(ctx)?
            .count_incidents(viewer(ctx)?, &self.filter)
            .await
            .gql(ctx)
    }
}

pub type IncidentConnection = Connection<String, IncidentObject, IncidentListFields>;

#[Object]
impl IncidentQuery {
    /// The caller and the organisation roles their token grants.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<ViewerObject> {
        Ok(ViewerObject(viewer(ctx)?.clone()))
    }

    /// One incident, by id or by number (`INC-42`).
    // `Option<Result<..>>` makes an error here null only this field, as the GraphQL spec
    // asks; async-graphql 7.2 drops the key of a failed `Result<Option<..>>` field instead.
    async fn incident(&self, ctx: &Context<'_>, id: ID) -> Option<Result<IncidentObject>> {
        let load = async {
            let target = incident_ref(&id).map_err(bad_input)?;
            let incident = services(ctx)?
                .incident(viewer(ctx)?, target)
                .await
                .gql(ctx)?;
            Ok(IncidentObject(incident))
        };
        Some(load.await)
    }

    /// Free-text search over resolved incidents: words, "quoted phrases", -excluded words.
    /// At most 1,000 characters and 32 terms.
    #[graphql(complexity = "super::limits::list_complexity(first, child_complexity)")]
    async fn search_resolutions(
        &self,
        ctx: &Context<'_>,
        query: String,
        filter: Option<ResolutionSearchFilter>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> Result<ResolutionSearchConnection> {
        super::search::search_resolutions(ctx, query, filter, first, after).await
    }

    /// How often suggestions were shown and rated helpful in `[from, to)`, and the median time
    /// to resolve of incidents that had a helpful suggestion versus those that did not.
    async fn knowledge_stats(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<KnowledgeStatsObject> {
        let stats = services(ctx)?
            .knowledge_stats(viewer(ctx)?, from, to)
            .await
            .gql(ctx)?;
        Ok(KnowledgeStatsObject { from, to, stats })
    }

    /// Incidents, newest first unless `orderBy` says otherwise (Relay connection).
    #[graphql(complexity = "super::limits::list_complexity(first, child_complexity)")]
    async fn incidents(
        &self,
        ctx: &Context<'_>,
        filter: Option<IncidentFilter>,
        #[graphql(default)] order_by: IncidentOrder,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> Result<IncidentConnection> {
        let first = page_size(first, ctx.data::<PageLimit>()?.0)?;
        let after = after
            .as_deref()
            .map(cursor::parse_incident)
            .transpose()
            .map_err(bad_input)?;
        let filter = filter.unwrap_or_default().parse();
        let order = ListOrder::from(order_by);
        let page = services(ctx)?
            .list_incidents(viewer(ctx)?, &filter, order, after, first)
            .await
            .gql(ctx)?;
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            page.has_next_page,
            IncidentListFields { filter },
        );
        connection
            .edges
            .extend(page.items.into_iter().map(|incident| {
                let key = Keyset {
                    number: incident.number.0,
                    priority_rank: incident.priority.map_or(UNTRIAGED_RANK, |p| p.rank()),
                };
                Edge::new(cursor::incident(key), IncidentObject(incident))
            }));
        Ok(connection)
    }
}
