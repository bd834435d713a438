//! The one migration set for SQLite and PostgreSQL. One migration per file: sea-orm names a
//! migration after its source file, and the applied names are recorded in the database.

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_create_users;
mod m20261127_000002_create_counters;
mod m20261127_000003_create_incidents;
mod m20261127_000004_create_incident_events;
mod m20261127_000005_create_index_changes;
mod m20261127_000006_create_suggestion_feedback;
mod m20261127_000007_add_incident_knowledge_columns;
mod m20261127_000008_create_incident_roles_and_communications;
mod m20261127_000009_create_webhooks;
mod m20261127_000010_create_event_annotations;
mod m20261207_000011_create_sla;
mod m20261207_000012_index_incidents_by_report_time;
mod m20261208_000013_create_incident_sla;
mod m20261208_000014_create_automation;
mod m20261208_000015_create_integrations;
mod m20261208_000016_create_suggestion_viewers;
mod m20261208_000017_create_problems;
mod m20261208_000018_create_reviews;
mod m20261209_000019_add_knowledge_document_kinds;
mod m20261209_000020_add_incident_response_stamps;
mod m20261210_000022_add_problem_event_versions;
mod m20261211_000023_add_incident_editing;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_create_users::Migration),
            Box::new(m20261127_000002_create_counters::Migration),
            Box::new(m20261127_000003_create_incidents::Migration),
            Box::new(m20261127_000004_create_incident_events::Migration),
            Box::new(m20261127_000005_create_index_changes::Migration),
            Box::new(m20261127_000006_create_suggestion_feedback::Migration),
            Box::new(m20261127_000007_add_incident_knowledge_columns::Migration),
            Box::new(m20261127_000008_create_incident_roles_and_communications::Migration),
            Box::new(m20261127_000009_create_webhooks::Migration),
            Box::new(m20261127_000010_create_event_annotations::Migration),
            Box::new(m20261207_000011_create_sla::Migration),
            Box::new(m20261207_000012_index_incidents_by_report_time::Migration),
            Box::new(m20261208_000013_create_incident_sla::Migration),
            Box::new(m20261208_000014_create_automation::Migration),
            Box::new(m20261208_000015_create_integrations::Migration),
            Box::new(m20261208_000016_create_suggestion_viewers::Migration),
            Box::new(m20261208_000017_create_problems::Migration),
            Box::new(m20261208_000018_create_reviews::Migration),
            Box::new(m20261209_000019_add_knowledge_document_kinds::Migration),
            Box::new(m20261209_000020_add_incident_response_stamps::Migration),
            Box::new(m20261210_000022_add_problem_event_versions::Migration),
            Box::new(m20261211_000023_add_incident_editing::Migration),
        ]
    }
}
