//! Incident metrics (MTTA, MTTM, MTTR, SLA attainment, reopen rate, knowledge payoff) for a
//! period: one statement reads the incidents' stamps, and `domain::metrics` aggregates them,
//! so SQLite and PostgreSQL give the same numbers by construction.

use super::{ServiceError, Services, now};
use crate::auth::{Operation, Viewer, authorize};
use crate::domain::lifecycle::Status;
use crate::domain::metrics::MetricsFilter;
use crate::domain::metrics::{Bucket, IncidentFacts, MetricsQuery};
use crate::domain::priority::Priority;
use crate::domain::sla::clock::{self, ClockState, Stamps};
use crate::domain::sla::policy::{SlaPolicy, policy_for};
use crate::domain::timestamp;
use crate::store::metrics::{self as rows, MetricsRow};
use crate::store::sla;

impl Services {
    /// The buckets of `query`, counting the incidents `filter` selects.
    pub async fn incident_metrics(
        &self,
        viewer: &Viewer,
        query: &MetricsQuery,
        filter: MetricsFilter,
    ) -> Result<Vec<Bucket>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        timestamp::supported("filter.from", query.from)?;
        timestamp::supported("filter.to", query.to)?;
        let conn = self.db.conn();
        let policies = sla::policies(conn).await?;
        let at = now();
        let facts = rows::rows(&self.db, &filter, |row| facts(row, &policies, at)).await?;
        Ok(query.aggregate(&facts)?)
    }
}

fn facts(
    row: MetricsRow,
    policies: &[SlaPolicy],
    at: chrono::DateTime<chrono::Utc>,
) -> IncidentFacts {
    let priority = row.priority.and_then(Priority::from_rank);
    let cancelled = Status::parse(&row.status) == Some(Status::Cancelled);
    let runs: Vec<_> = row
        .resolution_runs
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let stamps = Stamps {
        priority,
        cancelled,
        created_at: row.created_at,
        triaged_at: row.triaged_at,
        mitigated_at: row.mitigated_at,
        resolved_at: row.resolved_at,
        reopened_at: row.reopened_at,
        resolution_runs: &runs,
        manager_assigned_at: row.manager_assigned_at,
        acknowledged_at: row.acknowledged_at,
    };
    let readings = clock::read(policy_for(policies, &row.service), &stamps, at);
    let states = readings.map(|r| r.state);
    // Judged once no clock is running and at least one applied.
    let sla_met = if states.contains(&ClockState::Breached) {
        Some(false)
    } else if states.contains(&ClockState::Running)
        || states.iter().all(|s| *s == ClockState::NotApplicable)
    {
        None
    } else {
        Some(true)
    };
    IncidentFacts {
        reported_at: row.created_at,
        impact_started_at: row.impact_started_at,
        responded_at: stamps.responded_at(),
        mitigated_at: row.mitigated_at,
        resolved_at: row.resolved_at,
        cancelled,
        reopened: row.reopen_count > 0 || row.reopened_at.is_some(),
        helped: row
            .helped_by
            .as_ref()
            .and_then(serde_json::Value::as_array)
            .is_some_and(|ids| !ids.is_empty()),
        sla_met,
        service: row.service,
        category: row.category,
        priority,
    }
}
