//! Reading reviews (by id; `Incident.review` from an incident) and action items across
//! reviews, so a team sees what is late.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, InputObject, Object, Result};

use super::inputs::{review_id, user};
use crate::domain::review::action_item::ItemFilter;
use crate::graphql::context::{page_size_in, services, viewer};
use crate::graphql::cursor;
use crate::graphql::error::{GqlResult, bad_input};
use crate::graphql::types::review::{ActionItemObject, ActionItemStatus, ReviewObject};
use crate::service::action_items::today;

/// Which action items to list.
#[derive(InputObject, Default)]
pub struct ActionItemFilter {
    /// Only this person's items.
    pub owner_id: Option<ID>,
    /// Any of these statuses; absent or empty: any.
    pub status: Option<Vec<ActionItemStatus>>,
    /// `true`: only items past their due date (UTC) and not done; `false`: only the others.
    pub overdue: Option<bool>,
}

/// The extra fields of the action item list.
pub struct ActionItemListFields {
    filter: ItemFilter,
}

#[Object]
impl ActionItemListFields {
    /// Items matching the filter, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        services(ctx)?
            .count_action_items(viewer(ctx)?, &self.filter)
            .await
            .gql(ctx)
    }
}

/// Post-incident reviews and their action items: readable by every organisation role.
#[derive(Default)]
pub struct ReviewQuery;

#[Object]
impl ReviewQuery {
    /// One review, by its id (`Incident.review` finds an incident's).
    async fn review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review's id.")] id: ID,
    ) -> Result<ReviewObject> {
        let id = review_id("id", &id).map_err(bad_input)?;
        let review = services(ctx)?.review(viewer(ctx)?, id).await.gql(ctx)?;
        Ok(ReviewObject(review))
    }

    /// Action items across reviews, soonest due first (Relay connection).
    #[graphql(complexity = "crate::graphql::limits::list_complexity(first, child_complexity)")]
    async fn action_items(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which items; absent: all.")] filter: Option<ActionItemFilter>,
        #[graphql(
            default = 20,
            desc = "How many to return: 0 to 100 (the server's page limit)."
        )]
        first: Option<i32>,
        #[graphql(desc = "The previous page's `pageInfo.endCursor`; absent: the first page.")]
        after: Option<String>,
    ) -> Result<Connection<String, ActionItemObject, ActionItemListFields>> {
        let first = page_size_in(ctx, first)?;
        let after = after
            .as_deref()
            .map(cursor::parse_action_item)
            .transpose()
            .map_err(bad_input)?;
        let filter = filter.unwrap_or_default();
        let filter = ItemFilter {
            owner_id: filter
                .owner_id
                .as_ref()
                .map(|o| user("ownerId", o))
                .transpose()
                .map_err(bad_input)?,
            statuses: filter
                .status
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            overdue: filter.overdue,
            today: Some(today()),
        };
        let page = services(ctx)?
            .list_action_items(viewer(ctx)?, &filter, after, first)
            .await
            .gql(ctx)?;
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            page.has_next_page,
            ActionItemListFields { filter },
        );
        connection.edges.extend(page.items.into_iter().map(|item| {
            Edge::new(
                cursor::action_item(item.due_date, item.id),
                ActionItemObject(item),
            )
        }));
        Ok(connection)
    }
}
