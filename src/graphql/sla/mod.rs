//! Service levels: admins manage SLA policies; leads read them and the recorded breaches.
//! An incident's clocks are the `sla` field of `Incident`.

mod inputs;
mod mutation;
mod query;

pub use mutation::SlaMutation;
pub use query::SlaQuery;
