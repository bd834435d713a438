//! Incidents: reading them, and moving them through their lifecycle.

mod inputs;
mod mutation;
mod query;

pub use inputs::{incident_arg, incident_ref};
pub use mutation::IncidentMutation;
pub use query::IncidentQuery;
// Named in `graphql::descriptions`, which describes the connection types.
pub use query::IncidentConnection;
