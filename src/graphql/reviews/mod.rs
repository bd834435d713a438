//! Post-incident reviews: managers, admins and the incident manager start a review of a
//! resolved incident and edit it with its owner; participants add action items; an item's
//! owner moves it along; everyone who reads the incident reads its review.

mod inputs;
mod mutation;
mod query;

pub use mutation::ReviewMutation;
pub use query::ReviewQuery;
// Named in `graphql::descriptions`, which describes the connection types.
pub use query::ActionItemListFields;
