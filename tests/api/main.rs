//! Integration tests through the HTTP API, on SQLite and on PostgreSQL. One binary, so the
//! stack links once.

mod support;

mod auth;
mod bad_input;
mod cli;
mod concurrency;
mod durability;
mod efficiency;
mod http_contract;
mod import;
mod knowledge;
mod knowledge_recovery;
mod lifecycle;
mod lifecycle_rules;
mod pagination;
mod schema_file;
mod timeouts;
mod webhooks;
