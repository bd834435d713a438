//! Integration tests through the HTTP API, on SQLite and on PostgreSQL. One binary, so the
//! stack links once.

mod support;

mod auth;
mod lifecycle;
