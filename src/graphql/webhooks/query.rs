//! Reading webhooks and what was delivered (admins only).

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, Object, Result};

use super::inputs::parse_webhook_id;
use crate::graphql::context::{page_size_in, services, viewer};
use crate::graphql::cursor;
use crate::graphql::error::{GqlResult, bad_input};
use crate::graphql::types::webhook::{WebhookDeliveryObject, WebhookObject};

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// Every registered webhook, oldest first (admins only).
    async fn webhooks(&self, ctx: &Context<'_>) -> Result<Vec<WebhookObject>> {
        let list = services(ctx)?.webhooks(viewer(ctx)?).await.gql(ctx)?;
        Ok(list.into_iter().map(WebhookObject).collect())
    }

    /// A webhook's deliveries, newest first (admins only).
    #[graphql(complexity = "crate::graphql::limits::list_complexity(first, child_complexity)")]
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook's id; unknown: NOT_FOUND.")] webhook_id: ID,

        #[graphql(
            default = 20,
            desc = "How many to return: 0 to 100 (the server's page limit)."
        )]
        first: Option<i32>,
        #[graphql(desc = "The previous page's `pageInfo.endCursor`; absent: the first page.")]
        after: Option<String>,
    ) -> Result<Connection<String, WebhookDeliveryObject>> {
        let limit = page_size_in(ctx, first)?;
        let before = after
            .as_deref()
            .map(cursor::parse_delivery)
            .transpose()
            .map_err(bad_input)?;
        let id = parse_webhook_id("webhookId", &webhook_id)?;
        let mut rows = services(ctx)?
            .webhook_deliveries(viewer(ctx)?, id, before, limit + 1)
            .await
            .gql(ctx)?;
        let has_next_page = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let mut connection = Connection::new(before.is_some(), has_next_page);
        connection.edges.extend(
            rows.into_iter()
                .map(|d| Edge::new(cursor::delivery(d.seq), WebhookDeliveryObject(d))),
        );
        Ok(connection)
    }
}
