//! Warnings and breaches as recorded: what the SLA worker claims and `slaBreaches` lists.

use chrono::{DateTime, Utc};

use super::SlaDuration;
use super::clock::NoticeKind;
use super::policy::ClockKind;
use crate::domain::ids::{IncidentId, SlaPolicyId};

/// A warning or breach to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub incident_id: IncidentId,
    pub clock: ClockKind,
    pub priority_rank: i16,
    pub kind: NoticeKind,
    pub due_at: DateTime<Utc>,
    pub target: SlaDuration,
    pub policy_id: Option<SlaPolicyId>,
    pub policy_name: String,
    pub service: String,
    pub recorded_at: DateTime<Utc>,
}

/// What `slaBreaches` may filter on.
#[derive(Debug, Clone, Default)]
pub struct BreachFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub service: Option<String>,
    pub priority_rank: Option<i16>,
}
