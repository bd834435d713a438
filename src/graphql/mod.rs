//! The GraphQL layer: types, thin resolvers, DataLoaders and error mapping. Resolvers parse
//! input, call one use case and convert the result; no SQL and no business rule lives here.

pub mod batch;
pub mod context;
pub mod cursor;
pub mod descriptions;
pub mod error;
pub mod field_order;
pub mod limits;
pub mod loaders;
pub mod nesting;
pub mod nul;
pub mod slots;
pub mod subscription;
pub mod types;

// One module per resource, each with its query and mutation fragments and its inputs.
pub mod automation;
pub mod communications;
pub mod incidents;
pub mod integrations;
pub mod knowledge;
pub mod metrics;
pub mod problem_candidates;
pub mod problems;
pub mod reviews;
pub mod sla;
pub mod team;
pub mod users;
pub mod webhooks;

use async_graphql::{MergedObject, Schema};

use crate::config::Settings;
use crate::service::Services;
pub use context::{PageLimit, RequestId};

// Each resource contributes its own query and mutation fragment.
/// What a client can read. Every field needs a signed-in caller (a bearer token); a field the
/// caller's roles do not allow fails with FORBIDDEN, an unknown id with NOT_FOUND. Lists page
/// at most 100 items at a time (the server's `limits.page_size`, 100 unless configured).
#[derive(MergedObject, Default)]
pub struct Query(
    users::UserQuery,
    incidents::IncidentQuery,
    knowledge::KnowledgeQuery,
    team::TeamQuery,
    communications::CommunicationsQuery,
    webhooks::WebhookQuery,
    sla::SlaQuery,
    automation::AutomationQuery,
    problems::ProblemQuery,
    problem_candidates::ProblemCandidateQuery,
    reviews::ReviewQuery,
    metrics::MetricsQuery,
    integrations::IntegrationQuery,
);

/// What a client can change. Each mutation says who may call it (organisation roles from the
/// token, incident roles held on the incident). Errors carry `extensions.code`:
/// BAD_USER_INPUT, NOT_FOUND, FORBIDDEN, CONFLICT (a stale `expectedVersion`),
/// UNAUTHENTICATED; a failed mutation changes nothing.
#[derive(MergedObject, Default)]
pub struct Mutation(
    incidents::IncidentMutation,
    knowledge::KnowledgeMutation,
    team::TeamMutation,
    communications::CommunicationsMutation,
    webhooks::WebhookMutation,
    sla::SlaMutation,
    automation::AutomationMutation,
    problems::ProblemMutation,
    problem_candidates::ProblemCandidateMutation,
    reviews::ReviewMutation,
    integrations::IntegrationMutation,
);

pub type AppSchema = Schema<Query, Mutation, subscription::Subscription>;

pub fn build_schema(services: Option<Services>, settings: &Settings) -> AppSchema {
    let limits = &settings.limits;
    let mut builder = descriptions::describe(Schema::build(
        Query::default(),
        Mutation::default(),
        subscription::Subscription,
    ))
    .extension(field_order::FieldOrder)
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
