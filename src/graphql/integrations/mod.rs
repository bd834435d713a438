//! Alert integrations: admins manage them, managers read them.

mod inputs;
mod mutation;
mod query;

pub use mutation::IntegrationMutation;
pub use query::IntegrationQuery;
