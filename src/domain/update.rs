//! A status update: what was told to whom about an incident.

use chrono::{DateTime, Utc};

use super::ids::{IncidentId, UserId};
use super::team::{Audience, UpdateStatus};

#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub id: i64,
    pub incident_id: IncidentId,
    pub at: DateTime<Utc>,
    pub author_id: UserId,
    pub audience: Audience,
    pub body: String,
    pub status: Option<UpdateStatus>,
}
