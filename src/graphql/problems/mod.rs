//! Problems (ITIL problem management): managers report problems and move them through their
//! lifecycle; specialists record root causes and workarounds; anyone who reads incidents
//! reads problems. `Incident.problem` is the link from an incident.

mod inputs;
mod mutation;
mod query;

pub use inputs::problem_ref;
pub use mutation::ProblemMutation;
pub use query::ProblemQuery;
// Named in `graphql::descriptions`, which describes the connection types.
pub use query::ProblemListFields;
