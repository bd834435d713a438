//! Listing incidents: the filter, the orders, and where a page ended (the keyset).

use super::ids::UserId;
use super::lifecycle::Status;
use super::priority::Priority;

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub statuses: Vec<Status>,
    pub priorities: Vec<Priority>,
    pub service: Option<String>,
    pub category: Option<String>,
    pub reporter: Option<UserId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListOrder {
    #[default]
    NewestFirst,
    OldestFirst,
    /// Most urgent first (untriaged last), newest first within a priority.
    Priority,
}

/// Where the previous page ended: the sort key of its last row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyset {
    pub number: i64,
    pub priority_rank: i16,
}

/// Untriaged incidents sort after P5.
pub const UNTRIAGED_RANK: i16 = 6;
