//! The people on an incident: roles, the responders' notes and annotations, and the
//! caller's own incidents.

mod inputs;
mod mutation;
mod query;

pub use mutation::TeamMutation;
pub use query::TeamQuery;
