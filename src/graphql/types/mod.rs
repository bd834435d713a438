//! GraphQL output types. Each wraps or converts a domain value explicitly.

pub mod automation;
pub mod enums;
pub mod incident;
pub mod integration;
pub mod knowledge;
pub mod problem;
pub mod problem_candidate;
pub mod review;
pub mod sla;
pub mod team;
pub mod timeline;
pub mod update;
pub mod user;
pub mod webhook;

pub use incident::IncidentObject;
pub use timeline::TimelineEventObject;
pub use update::StatusUpdateObject;
pub use user::{UserObject, ViewerObject};
