//! Storage: sea-orm entities, the connection, and queries. No business rules live here.

pub mod alerts;
pub mod annotations;
pub mod automation;
pub mod columns;
pub mod counters;
pub mod db;
pub mod entity;
pub mod events;
pub mod imports;
pub mod incident_sla;
pub mod incidents;
pub mod index_changes;
pub mod integrations;
pub mod metrics;
pub mod operations;
pub mod problems;
pub mod reviews;
pub mod sla;
pub mod sqlite_reads;
pub mod status_page;
pub mod suggestions;
pub mod team;
pub mod updates;
pub mod users;
pub mod webhooks;
pub mod window;

pub use db::{Backend, Db, Reader, WriteTxn};
