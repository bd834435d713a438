//! Outbound webhooks: admins register endpoints and read what was delivered.

mod inputs;
mod mutation;
mod query;

pub use mutation::WebhookMutation;
pub use query::WebhookQuery;
