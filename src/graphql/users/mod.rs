//! Users: the caller and the people hindsight has seen.

mod query;

pub use query::UserQuery;
// Named in `graphql::descriptions`, which describes the connection types.
pub use query::UserConnection;
