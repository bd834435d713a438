//! Communications: status updates by audience, watchers, and overdue updates.

mod inputs;
mod mutation;
mod query;

pub use mutation::CommunicationsMutation;
pub use query::CommunicationsQuery;
