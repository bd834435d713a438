//! Users: the caller and the people hindsight has seen.

mod query;

pub use query::UserQuery;
