//! The GraphQL layer: types, thin resolvers, DataLoaders and error mapping. Resolvers parse
//! input, call one use case and convert the result; no SQL and no business rule lives here.

pub mod batch;
pub mod cursor;
pub mod error;
pub mod inputs;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod nesting;
pub mod nul;
pub mod query;
pub mod search;
pub mod slots;
pub mod subscription;
pub mod team;
pub mod team_inputs;
pub mod types;
pub mod webhooks;

use async_graphql::{MergedObject, Schema};

use crate::config::Settings;
use crate::service::Services;

// Each capability contributes its own query and mutation object.
#[derive(MergedObject, Default)]
pub struct Query(
    query::IncidentQuery,
    team::TeamQuery,
    webhooks::WebhookQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    mutation::IncidentMutation,
    team::TeamMutation,
    webhooks::WebhookMutation,
);

pub type AppSchema = Schema<Query, Mutation, subscription::Subscription>;

/// The per-request id, for error logs.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The page size limit, for resolvers.
#[derive(Debug, Clone, Copy)]
pub struct PageLimit(pub usize);

pub fn build_schema(services: Option<Services>, settings: &Settings) -> AppSchema {
    let limits = &settings.limits;
    let mut builder = Schema::build(
        Query::default(),
        Mutation::default(),
        subscription::Subscription,
    )
    .limit_complexity(limits.complexity)
    .limit_recursive_depth(limits.depth.max(32))
    .limit_directives(limits.aliases)
    .data(PageLimit(limits.page_size));
    if !settings.graphql.introspection {
        builder = builder.disable_introspection();
    }
    if let Some(services) = services {
        builder = builder.data(services);
    }
    builder.finish()
}

/// The SDL that `hindsight schema` prints and schema/schema.graphql holds.
pub fn sdl() -> String {
    build_schema(None, &Settings::default()).sdl()
}
