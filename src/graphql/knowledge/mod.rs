//! The knowledge base: searching past resolutions, suggestion statistics and ratings.

mod inputs;
mod mutation;
mod query;
mod search;

pub use mutation::KnowledgeMutation;
pub use query::KnowledgeQuery;
pub use search::ResolutionSearchConnection;
