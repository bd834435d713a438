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
pub mod labels;
pub mod links;
pub mod metrics;
pub mod operations;
pub mod problem_ratings;
pub mod problems;
pub mod reviews;
pub mod sla;
pub mod sqlite_files;
pub mod sqlite_reads;
pub mod status_page;
pub mod suggestions;
pub mod team;
pub mod updates;
pub mod users;
pub mod webhooks;
pub mod window;

pub use db::{Backend, Db, Reader, WriteTxn};

/// Whether the database gave up on a transaction only because of a concurrent one, so running
/// it again can succeed: PostgreSQL's deadlock (40P01) and serialization failure (40001).
/// PostgreSQL resolves a deadlock by cancelling one of the transactions in it; with many
/// writers (an alert storm) that is a normal event, not a fault.
pub fn gave_way(e: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = e else {
        return false;
    };
    match e.as_database_error().and_then(|d| d.code()) {
        Some(code) => code == "40P01" || code == "40001",
        None => false,
    }
}
