//! Listing incidents: the filter, the orders, and where a page ended (the keyset).

use chrono::{DateTime, Utc};

use super::ids::UserId;
use super::lifecycle::Status;
use super::priority::Priority;
use super::sla::clock::ClockState;

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub statuses: Vec<Status>,
    pub priorities: Vec<Priority>,
    pub service: Option<String>,
    pub category: Option<String>,
    pub reporter: Option<UserId>,
    /// Any of these SLA states (`sla::standing::Standing::state`), at the time of the query.
    pub sla_states: Vec<ClockState>,
    /// A clock still running falls due before this instant.
    pub sla_due_before: Option<DateTime<Utc>>,
    /// Every one of these labels (normalised); empty: any labels or none.
    pub labels: Vec<super::text::Label>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListOrder {
    #[default]
    NewestFirst,
    OldestFirst,
    /// Most urgent first (untriaged last), newest first within a priority.
    Priority,
    /// The running clock due soonest first; incidents with none running last, oldest first
    /// among those.
    SlaDue,
}

/// Where the previous page ended: the sort key of its last row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyset {
    pub number: i64,
    pub priority_rank: i16,
    /// The next SLA due time, in the `SlaDue` order.
    pub sla_due_at: Option<DateTime<Utc>>,
}

/// Untriaged incidents sort after P5.
pub const UNTRIAGED_RANK: i16 = 6;
