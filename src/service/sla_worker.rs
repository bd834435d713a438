//! The SLA worker: every few seconds, on every node, reads the clocks of the incidents that
//! may owe a warning or breach and records each one that fell due, once. The database holds
//! the claim (a unique row per incident, clock, priority and kind), so two nodes looking at the
//! same moment record it once between them, and a due time that passed while every node was
//! down is recorded at the next start, stamped with the time it fell due.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::journal::Journal;
use super::sla::{Clocks, SLA_MONITOR_ID};
use super::{ServiceError, Services, now};
use crate::domain::event::EventKind;
use crate::domain::ids::UserId;
use crate::domain::incident::Incident;
use crate::domain::sla::clock::{ClockReading, NoticeKind};
use crate::domain::sla::notice::Notice;
use crate::domain::sla::policy::SlaPolicy;
use crate::domain::sla::standing::Standing;
use crate::store::events::NewEvent;
use crate::store::sla as rows;
use crate::store::{incident_sla, incidents};

/// Incidents changed this recently are checked even when no longer open: one resolved after
/// its due time, between two checks, still owes its breach.
const LOOKBACK: chrono::Duration = chrono::Duration::days(2);

pub fn spawn(services: Services, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = backfill(&services).await {
            tracing::warn!(error = %e, "could not write every incident's SLA standing; the SLA check keeps the open ones current");
        }
        let mut monitor_known = false;
        loop {
            match check(&services, now(), &mut monitor_known).await {
                Ok(0) => {}
                Ok(recorded) => tracing::info!(recorded, "SLA warnings and breaches recorded"),
                Err(e) => {
                    tracing::warn!(error = %e, "the SLA check failed; it runs again shortly");
                }
            }
            tokio::time::sleep(interval).await;
        }
    })
}

/// One pass at `at`: records every warning and breach due by then that no node recorded
/// yet. Returns how many this call recorded.
pub async fn check(
    services: &Services,
    at: DateTime<Utc>,
    monitor_known: &mut bool,
) -> Result<usize, ServiceError> {
    let conn = services.db.conn();
    let candidates = incidents::sla_candidates(conn, at - LOOKBACK).await?;
    let ids: Vec<_> = candidates.iter().map(|i| i.id).collect();
    let clocks = Clocks::load(conn).await?;
    let recorded = rows::notices_of(conn, &ids).await?;
    let stored = incident_sla::of(conn, &ids).await?;
    let mut owed = Vec::new();
    let mut moved = Vec::new();
    for incident in &candidates {
        let (policy, readings) = clocks.read(incident, at);
        let standing = Standing::of(&readings);
        if stored.get(&incident.id) != Some(&standing) {
            moved.push((incident.id, standing));
        }
        for reading in readings {
            owed.extend(notices(incident, policy, &reading, at, &recorded));
        }
    }
    if !moved.is_empty() {
        // A policy changed (or an incident was written without its standing): listing by
        // SLA follows within one check.
        let txn = services.db.begin_write().await?;
        incident_sla::save(&*txn, &moved, at).await?;
        txn.commit().await?;
    }
    if owed.is_empty() {
        return Ok(0);
    }
    if !*monitor_known {
        services.remember_sla_monitor(at).await?;
        *monitor_known = true;
    }
    // Oldest first, so each timeline gets them in the order they fell due.
    owed.sort_by_key(|(notice, _, _)| notice.due_at);
    let monitor = UserId::from(SLA_MONITOR_ID);
    let mut count = 0;
    for (notice, incident, detail) in owed {
        let mut txn = Journal::begin(&services.db).await?;
        if !rows::claim_notice(&*txn, &notice).await? {
            continue; // another node recorded it first; dropping `txn` rolls back
        }
        let kind = match notice.kind {
            NoticeKind::Warning => EventKind::SlaWarning,
            NoticeKind::Breached => EventKind::SlaBreached,
        };
        txn.record(
            incident,
            NewEvent::new(incident.id, notice.due_at, &monitor, kind, detail),
        )
        .await?;
        txn.commit(&services.bus).await?;
        tracing::info!(incident.id = %incident.id, clock = notice.clock.as_str(), kind = notice.kind.as_str(), due_at = %notice.due_at, "SLA notice recorded");
        count += 1;
    }
    Ok(count)
}

/// Writes the SLA standing of every incident that has none: those written before the
/// standings were kept. Once, at start, in batches.
async fn backfill(services: &Services) -> Result<(), ServiceError> {
    loop {
        let missing = incident_sla::missing(services.db.conn(), 500).await?;
        if missing.is_empty() {
            return Ok(());
        }
        let found = incidents::find_many(services.db.conn(), &missing).await?;
        let found: Vec<&Incident> = found.values().collect();
        if found.is_empty() {
            return Ok(()); // nothing more this pass can write
        }
        let txn = services.db.begin_write().await?;
        super::sla::save_standings(&*txn, &found, now()).await?;
        txn.commit().await?;
        tracing::info!(incidents = found.len(), "SLA standings written");
    }
}

/// The notices `reading` owes at `at` that are not in `recorded`, with the timeline detail.
fn notices<'a>(
    incident: &'a Incident,
    policy: Option<&SlaPolicy>,
    reading: &ClockReading,
    at: DateTime<Utc>,
    recorded: &HashSet<(
        crate::domain::ids::IncidentId,
        crate::domain::sla::policy::ClockKind,
        i16,
        NoticeKind,
    )>,
) -> Vec<(Notice, &'a Incident, serde_json::Value)> {
    let (Some(policy), Some(target), Some(due_at)) = (policy, reading.target, reading.due_at)
    else {
        return Vec::new();
    };
    reading
        .notices_due(at)
        .into_iter()
        .filter(|(kind, _)| {
            !recorded.contains(&(incident.id, reading.kind, reading.priority_rank, *kind))
        })
        .map(|(kind, fell_due)| {
            let detail = json!({
                "clock": reading.kind.as_str(),
                "priority": (reading.priority_rank > 0).then(|| format!("P{}", reading.priority_rank)),
                "target": target.to_string(),
                "dueAt": due_at,
                "warnAtPercent": policy.draft.warn_at_percent,
                "policy": policy.draft.name.as_str(),
            });
            let notice = Notice {
                incident_id: incident.id,
                clock: reading.kind,
                priority_rank: reading.priority_rank,
                kind,
                due_at: fell_due,
                target,
                policy_id: Some(policy.id),
                policy_name: policy.draft.name.as_str().to_owned(),
                service: incident.service.clone(),
                recorded_at: at,
            };
            (notice, incident, detail)
        })
        .collect()
}
