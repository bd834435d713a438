//! Integration tests through the HTTP API, on SQLite and on PostgreSQL. One binary, so the
//! stack links once.

// In a test, an unwrap is an assertion: a panic fails the test with its location.
#![allow(clippy::unwrap_used)]

mod support;

mod alerts;
mod auth;
mod automation;
mod backtest;
mod backup;
mod bad_input;
mod cdp;
mod cli;
mod communications;
mod concurrency;
mod durability;
mod editing;
mod efficiency;
mod error_snapshots;
mod fanout;
mod graphiql;
mod graphiql_browser;
mod hostile;
mod http_contract;
mod identity;
mod import;
mod import_jira;
mod impressions;
mod incident_metrics;
mod internal_errors;
mod knowledge;
mod knowledge_recovery;
mod known_errors;
mod lifecycle;
mod lifecycle_rules;
mod metrics;
mod pagination;
mod problem_candidates;
mod problem_events;
mod problems;
mod reviews;
mod schema_file;
mod shutdown;
mod sla;
mod sla_listing;
mod stalled_clients;
mod status_browser;
mod status_page;
mod subscriptions;
mod team;
mod timeouts;
mod tooling;
mod webhooks;
mod ws_client;
mod ws_operations;
