//! Reading incidents: one by id or number, and the filtered, ordered list.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, Object, Result};

use super::inputs::{IncidentFilter, incident_ref};
use crate::domain::listing::{ListFilter, ListOrder};
use crate::graphql::context::{page_size_in, services, viewer};
use crate::graphql::cursor;
use crate::graphql::error::{GqlResult, bad_input};
use crate::graphql::types::IncidentObject;
use crate::graphql::types::enums::IncidentOrder;

/// Reading incidents. Any organisation role may read.
#[derive(Default)]
pub struct IncidentQuery;

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
    /// One incident, by id or by number (`INC-42`).
    // `Option<Result<..>>` makes an error here null only this field, as the GraphQL spec
    // asks; async-graphql 7.2 drops the key of a failed `Result<Option<..>>` field instead.
    async fn incident(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident's id, or its number (`INC-42`).")] id: ID,
    ) -> Option<Result<IncidentObject>> {
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

    /// Incidents, newest first unless `orderBy` says otherwise (Relay connection).
    #[graphql(complexity = "crate::graphql::limits::list_complexity(first, child_complexity)")]
    async fn incidents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which incidents; absent: all.")] filter: Option<IncidentFilter>,
        #[graphql(desc = "The order; absent: NEWEST_FIRST.")] order_by: Option<IncidentOrder>,
        #[graphql(
            default = 20,
            desc = "How many to return: 0 to 100 (the server's page limit)."
        )]
        first: Option<i32>,
        #[graphql(desc = "The previous page's `pageInfo.endCursor`; absent: the first page.")]
        after: Option<String>,
    ) -> Result<IncidentConnection> {
        let first = page_size_in(ctx, first)?;
        let after = after
            .as_deref()
            .map(cursor::parse_incident)
            .transpose()
            .map_err(bad_input)?;
        let filter = filter.unwrap_or_default().parse().map_err(bad_input)?;
        let order = ListOrder::from(order_by.unwrap_or_default());
        let page = services(ctx)?
            .list_incidents(viewer(ctx)?, &filter, order, after, first)
            .await
            .gql(ctx)?;
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            page.has_next_page,
            IncidentListFields { filter },
        );
        connection.edges.extend(
            page.items
                .into_iter()
                .map(|(incident, key)| Edge::new(cursor::incident(key), IncidentObject(incident))),
        );
        Ok(connection)
    }
}
