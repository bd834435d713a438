//! Reading other trackers' CSV exports (`hindsight import`): Jira's export columns by default,
//! or any columns named with `--map`. Pure parsing, streaming and bounded in memory; the use
//! case that writes the tickets is `service::import`.
//!
//! Each row becomes a validated `ImportRow` or a `Rejection` (its line and reasons naming the
//! columns); nothing here panics on input. See `mapping` for how statuses and priorities map,
//! `dates` for the accepted date formats.

mod cells;
pub mod columns;
pub mod comments;
pub mod dates;
pub mod mapping;
pub mod records;
mod resolution;
pub mod row;
pub mod source;

pub use columns::{ColumnSpec, Field, HeaderError};
pub use row::{ImportRow, Origin, Rejection};
pub use source::{OpenError, ReadError, Source};
