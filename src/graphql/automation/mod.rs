//! Automation (escalation rules): admins manage rules; incident leads read them, their
//! firings (`automationRuns`) and what they would do to an incident now (`previewAutomation`).

mod inputs;
mod mutation;
mod query;

pub use mutation::AutomationMutation;
pub use query::AutomationQuery;
// Named in `graphql::descriptions`, which describes the connection types.
pub use query::AutomationRunConnection;
