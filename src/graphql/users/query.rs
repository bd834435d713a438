//! People: the caller, and everyone hindsight has seen (whom roles can be assigned to).

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, Result};

use crate::graphql::context::{page_size_in, services, viewer};
use crate::graphql::cursor;
use crate::graphql::error::{GqlResult, bad_input, code, with_code};
use crate::graphql::types::{UserObject, ViewerObject};

/// Who is calling, and whom roles can be given to.
#[derive(Default)]
pub struct UserQuery;

pub type UserConnection = Connection<String, UserObject>;

#[Object]
impl UserQuery {
    /// The caller and the organisation roles their token grants.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<ViewerObject> {
        Ok(ViewerObject(viewer(ctx)?.clone()))
    }

    /// People hindsight has seen (everyone who has signed in), found by name, email or id:
    /// whom roles can be assigned to.
    #[graphql(complexity = "crate::graphql::limits::list_complexity(first, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Part of a name, email or id, at most 200 characters; absent: everyone.")]
        search: Option<String>,

        #[graphql(
            default = 20,
            desc = "How many to return: 0 to 100 (the server's page limit)."
        )]
        first: Option<i32>,
        #[graphql(desc = "The previous page's `pageInfo.endCursor`; absent: the first page.")]
        after: Option<String>,
    ) -> Result<UserConnection> {
        let first = page_size_in(ctx, first)?;
        if search.as_ref().is_some_and(|s| s.chars().count() > 200) {
            return Err(with_code(
                "search: at most 200 characters",
                code::BAD_USER_INPUT,
            ));
        }
        let after_id = after
            .as_deref()
            .map(cursor::parse_user)
            .transpose()
            .map_err(bad_input)?;
        let page = services(ctx)?
            .search_users(viewer(ctx)?, search.as_deref(), after_id.as_deref(), first)
            .await
            .gql(ctx)?;
        let mut connection = Connection::new(after.is_some(), page.has_next_page);
        connection.edges.extend(
            page.items
                .into_iter()
                .map(|u| Edge::new(cursor::user(u.id.as_str()), UserObject(u))),
        );
        Ok(connection)
    }
}
