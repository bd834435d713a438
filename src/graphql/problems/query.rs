//! Reading problems: one by id or number, and the filtered list.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result};

use super::inputs::problem_ref;
use crate::domain::problem::ProblemFilter as Filter;
use crate::graphql::context::{page_size_in, services, viewer};
use crate::graphql::cursor;
use crate::graphql::error::{GqlResult, bad_input};
use crate::graphql::types::enums::Priority;
use crate::graphql::types::problem::{ProblemObject, ProblemStatus};

/// Which problems to list; every field given must match.
#[derive(InputObject, Default)]
pub struct ProblemFilter {
    /// Any of these statuses; absent or empty: any.
    pub status: Option<Vec<ProblemStatus>>,
    /// Exactly this service.
    pub service: Option<String>,
    /// Any of these priorities; absent or empty: any.
    pub priority: Option<Vec<Priority>>,
}

/// The order of a problem list.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum ProblemOrder {
    /// Highest number first.
    #[default]
    NewestFirst,
    /// Lowest number first.
    OldestFirst,
}

pub struct ProblemListFields {
    filter: Filter,
}

#[Object]
impl ProblemListFields {
    /// Problems matching the filter, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        services(ctx)?
            .count_problems(viewer(ctx)?, &self.filter)
            .await
            .gql(ctx)
    }
}

#[derive(Default)]
pub struct ProblemQuery;

#[Object]
impl ProblemQuery {
    /// One problem, by id or by number (`PRB-7`).
    async fn problem(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The problem's id, or its number (`PRB-7`).")] id: ID,
    ) -> Result<ProblemObject> {
        let target = problem_ref("id", &id).map_err(bad_input)?;
        let problem = services(ctx)?
            .problem(viewer(ctx)?, target)
            .await
            .gql(ctx)?;
        Ok(ProblemObject(problem))
    }

    /// Problems, newest first unless `orderBy` says otherwise (Relay connection).
    #[graphql(complexity = "crate::graphql::limits::list_complexity(first, child_complexity)")]
    async fn problems(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which problems; absent: all.")] filter: Option<ProblemFilter>,
        #[graphql(desc = "The order; absent: NEWEST_FIRST.")] order_by: Option<ProblemOrder>,

        #[graphql(
            default = 20,
            desc = "How many to return: 0 to 100 (the server's page limit)."
        )]
        first: Option<i32>,
        #[graphql(desc = "The previous page's `pageInfo.endCursor`; absent: the first page.")]
        after: Option<String>,
    ) -> Result<Connection<String, ProblemObject, ProblemListFields>> {
        let first = page_size_in(ctx, first)?;
        let after = after
            .as_deref()
            .map(cursor::parse_problem)
            .transpose()
            .map_err(bad_input)?;
        let filter = filter.unwrap_or_default();
        let filter = Filter {
            statuses: filter
                .status
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            service: filter.service,
            priorities: filter
                .priority
                .unwrap_or_default()
                .into_iter()
                .map(Priority::to_domain)
                .collect(),
        };
        let newest_first = order_by.unwrap_or_default() == ProblemOrder::NewestFirst;
        let page = services(ctx)?
            .list_problems(viewer(ctx)?, &filter, newest_first, after, first)
            .await
            .gql(ctx)?;
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            page.has_next_page,
            ProblemListFields { filter },
        );
        connection.edges.extend(
            page.items
                .into_iter()
                .map(|p| Edge::new(cursor::problem(p.number.0), ProblemObject(p))),
        );
        Ok(connection)
    }
}
