//! hindsight: an incident-management server. See DESIGN.md for the layers; data flows
//! transport (`http`, `graphql`) → use cases (`service`) → `domain` and `store`.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod domain;
pub mod graphql;
pub mod http;
pub mod import;
pub mod service;
pub mod store;
pub mod telemetry;
