//! Pure types and rules: no I/O, no framework types. Everything here can be unit-tested alone.

pub mod alert;
pub mod automation;
pub mod cadence;
pub mod edit;
pub mod error;
pub mod event;
pub mod ids;
pub mod incident;
pub mod intake;
pub mod integration;
pub mod lifecycle;
pub mod listing;
pub mod metrics;
pub mod priority;
pub mod problem;
pub mod review;
pub mod secret;
pub mod sla;
pub mod team;
pub mod text;
pub mod timestamp;
pub mod update;
pub mod user;
pub mod webhook;

pub use error::DomainError;
