//! The automation worker: on every node, reads the shared timeline past the shared cursor for
//! events that set rules off, and checks the time triggers of open incidents. Two nodes may
//! look at the same trigger; the claim on the run lets one of them act.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::fire::fire;
use super::gaps::Gaps;
use super::timers::Timers;
use crate::domain::automation::fired_by;
use crate::domain::automation::rule::Rule;
use crate::domain::ids::EventId;
use crate::service::{ServiceError, Services, now};
use crate::store::automation::{cursor, rules, runs};
use crate::store::{events, incidents};

/// Timeline events read per batch, and batches per pass (a backlog of more waits a pass).
const BATCH: u64 = 500;
const BATCHES_PER_PASS: usize = 20;

/// Starts reading the timeline (see `position`) and spawns the worker.
pub async fn start(
    services: Services,
    interval: Duration,
) -> Result<tokio::task::JoinHandle<()>, ServiceError> {
    let head = events::head(services.db.conn()).await?;
    position(&services, head).await?;
    Ok(spawn(services, interval))
}

fn spawn(services: Services, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut gaps = Gaps::default();
        loop {
            match pass(&services, &mut gaps, now()).await {
                Ok(0) => {}
                Ok(fired) => tracing::debug!(fired, "automation rules fired"),
                Err(e) => {
                    tracing::warn!(error = %e, "the automation pass failed; it runs again shortly");
                }
            }
            tokio::time::sleep(interval).await;
        }
    })
}

/// One pass at `at`: the events since the cursor, then the timers. Returns how many firings
/// this call made.
pub async fn pass(
    services: &Services,
    gaps: &mut Gaps,
    at: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    let conn = services.db.conn();
    // The head is read before the rules: when no event rule exists, every event up to it
    // committed while none did, so skipping them loses nothing.
    let head = events::head(conn).await?;
    let all = rules::all(conn).await?;
    let enabled: Vec<Rule> = all.into_iter().filter(|r| r.draft.enabled).collect();
    let position = position(services, head).await?;
    let mut fired = 0;
    if enabled.iter().any(|r| r.draft.trigger.is_event()) {
        let mut position = position;
        // A burst is read in several batches, a bounded number per pass.
        for _ in 0..BATCHES_PER_PASS {
            let batch = events::all_after(conn, position, BATCH).await?;
            let ids: Vec<EventId> = batch.iter().map(|e| e.id).collect();
            let readable = gaps.readable(position, &ids, std::time::Instant::now());
            let Some(last) = ids[..readable].last().copied() else {
                break;
            };
            fired += answer_events(services, &enabled, &batch[..readable]).await?;
            advance(services, last).await?;
            position = last;
            if readable < batch.len() || (batch.len() as u64) < BATCH {
                break;
            }
        }
    } else if head > position {
        // Without event rules there is nothing to read: skip to the head, so a rule added
        // later acts on what happens from then on, not on the backlog.
        advance(services, head).await?;
    }
    fired += timers(services, &enabled, at).await?;
    Ok(fired)
}

/// Where the timeline has been read to. On a database that never ran automation, reading
/// starts at `head`: `app` calls this at start, before serving requests, so a rule created
/// and set off right after the first start still sees its event.
pub async fn position(services: &Services, head: EventId) -> Result<EventId, ServiceError> {
    let conn = services.db.conn();
    if let Some(position) = cursor::read(conn).await? {
        return Ok(position);
    }
    let txn = services.db.begin_write().await?;
    cursor::start_at(&*txn, head).await?;
    txn.commit().await?;
    Ok(cursor::read(conn).await?.unwrap_or(head))
}

/// Fires the rules each event sets off, on the incident as it is now.
async fn answer_events(
    services: &Services,
    enabled: &[Rule],
    batch: &[crate::domain::event::Event],
) -> Result<usize, ServiceError> {
    let conn = services.db.conn();
    let mut fired = 0;
    for event in batch {
        // What rules did is answered inside their own firing (which counts the chain).
        if event.actor_id.as_str().starts_with("automation:") {
            continue;
        }
        let wanting: Vec<&Rule> = enabled
            .iter()
            .filter(|r| fired_by(r.draft.trigger, event))
            .collect();
        if wanting.is_empty() {
            continue;
        }
        let Some(incident) = incidents::find(conn, event.incident_id).await? else {
            continue;
        };
        for rule in wanting {
            if rule.draft.conditions.matches(&incident) {
                let key = format!("event:{}", event.id);
                fired +=
                    usize::from(fire(services, enabled, rule, incident.clone(), key, 0).await?);
            }
        }
    }
    Ok(fired)
}

async fn advance(services: &Services, to: EventId) -> Result<(), ServiceError> {
    let txn = services.db.begin_write().await?;
    cursor::advance(&*txn, to).await?;
    txn.commit().await?;
    Ok(())
}

/// Fires the time-triggered rules whose occasion came on an open incident.
async fn timers(
    services: &Services,
    enabled: &[Rule],
    at: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    let timed: Vec<&Rule> = enabled
        .iter()
        .filter(|r| !r.draft.trigger.is_event())
        .collect();
    if timed.is_empty() {
        return Ok(0);
    }
    let conn = services.db.conn();
    let open = incidents::open(conn).await?;
    let timers = Timers::load(services, conn, &open).await?;
    let ids: Vec<_> = open.iter().map(|i| i.id).collect();
    let mut fired = 0;
    for rule in timed {
        let done = runs::fired(conn, rule.id, &ids).await?;
        for incident in &open {
            let Some(key) = timers.key(rule.draft.trigger, incident, at) else {
                continue;
            };
            if done.contains(&(incident.id, key.clone()))
                || !rule.draft.conditions.matches(incident)
            {
                continue;
            }
            fired += usize::from(fire(services, enabled, rule, incident.clone(), key, 0).await?);
        }
    }
    Ok(fired)
}
