//! Subscriptions across nodes on PostgreSQL. Each transaction that records timeline events
//! announces their ids with NOTIFY before it commits: PostgreSQL delivers a notification only
//! when its transaction commits (a rolled-back change announces nothing) and delivers them in
//! commit order. Every node listens on a dedicated connection and publishes the changes other
//! nodes committed on its own bus, so a subscriber hears of every change whichever node made
//! it. SQLite has a single node and no fan-out.
//!
//! A node hears its own announcements too, and publishes its own changes only then (see
//! `echo`), so the subscribers of every node hear all changes in one order: commit order.
//!
//! A payload is `<node id> <event id> <event id> ...`: only ids travel (PostgreSQL refuses
//! payloads of 8000 bytes or more), and the listener reads other nodes' events and incidents
//! back. A problem's event id is written `p<id>` (problems number their events apart), and a
//! payload never mixes the two, so a node that knows only incidents still relays those.
//! The incident read back is the incident as it is then, which may already be newer than the
//! event if it changed again in between; `incidentUpdated` never goes back a version anyway.

use std::collections::HashSet;
use std::time::Duration;

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::Services;
use super::bus::{ChangeId, Published};
use crate::domain::ids::{EventId, IncidentId, ProblemId};
use crate::store::{events, incidents, problems};

/// The NOTIFY channel the nodes of one database share.
pub const CHANNEL: &str = "hindsight_events";

/// Bytes of one payload at most: under PostgreSQL's limit of 8000, with room to spare.
const MAX_PAYLOAD: usize = 7_900;

/// The longest wait between two attempts to reach the database.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

fn token(id: ChangeId) -> String {
    match id {
        ChangeId::Incident(id) => id.to_string(),
        ChangeId::Problem(id) => format!("p{id}"),
    }
}

fn is_problem(id: ChangeId) -> bool {
    matches!(id, ChangeId::Problem(_))
}

/// The payloads announcing `ids` from `node`, as few as fit, in order; incidents' and
/// problems' events never share one.
fn payloads(node: Uuid, ids: &[ChangeId]) -> Vec<String> {
    let head = node.to_string();
    let mut out = Vec::new();
    let mut current = head.clone();
    let mut last: Option<ChangeId> = None;
    for &id in ids {
        let other_kind = last.is_some_and(|l| is_problem(l) != is_problem(id));
        let id_text = token(id);
        if current.len() > head.len()
            && (other_kind || current.len() + 1 + id_text.len() > MAX_PAYLOAD)
        {
            out.push(std::mem::replace(&mut current, head.clone()));
        }
        current.push(' ');
        current.push_str(&id_text);
        last = Some(id);
    }
    if current.len() > head.len() {
        out.push(current);
    }
    out
}

/// The node and event ids of a payload; `None` if it is not one of ours.
fn parse(payload: &str) -> Option<(Uuid, Vec<ChangeId>)> {
    let mut parts = payload.split(' ');
    let node = parts.next()?.parse().ok()?;
    let ids = parts
        .map(|p| match p.strip_prefix('p') {
            Some(id) => id.parse().ok().map(ChangeId::Problem),
            None => p.parse().ok().map(|id| ChangeId::Incident(EventId(id))),
        })
        .collect::<Option<Vec<ChangeId>>>()?;
    (!ids.is_empty()).then_some((node, ids))
}

/// Announces the events `ids`, recorded in the open transaction `txn`, to the other nodes.
/// Does nothing on SQLite.
pub(super) async fn announce(
    txn: &impl ConnectionTrait,
    node: Uuid,
    ids: &[ChangeId],
) -> Result<(), DbErr> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for payload in payloads(node, ids) {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), payload.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Starts this node's listener: until aborted, it publishes on the bus the changes other
/// nodes commit to the database at `url`. It is listening when this returns, unless the
/// database could not be reached (then it keeps trying in the background).
pub async fn start(services: &Services, url: String) -> JoinHandle<()> {
    let first = connect(&url).await;
    tokio::spawn(listen(services.clone(), url, first))
}

async fn listen(
    services: Services,
    url: String,
    mut attempt: Result<PgListener, sea_orm::sqlx::Error>,
) {
    let mut backoff = Duration::from_secs(1);
    loop {
        let mut listener = match attempt {
            Ok(listener) => listener,
            Err(e) => {
                tracing::warn!(error = %e, retry_in_s = backoff.as_secs(), "cannot listen for other nodes' changes; subscribers here hear only this node's until it can");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                attempt = connect(&url).await;
                continue;
            }
        };
        tracing::info!(node.id = %services.bus.node_id(), "listening for other nodes' changes");
        services.bus.listener_connected();
        backoff = Duration::from_secs(1);
        attempt = loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => relay(&services, notification.payload()).await,
                // The connection dropped. sqlx would reconnect inside the next `try_recv`,
                // but this node must know when it listens again (see `echo`): reconnect here.
                Ok(None) => {
                    tracing::warn!(
                        "the connection listening for other nodes' changes dropped; reopening it, subscribers here miss the changes other nodes make in between"
                    );
                    services.bus.listener_lost();
                    drop(listener);
                    break connect(&url).await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "lost the connection listening for other nodes' changes");
                    services.bus.listener_lost();
                    drop(listener);
                    tokio::time::sleep(backoff).await;
                    break connect(&url).await;
                }
            }
        };
    }
}

async fn connect(url: &str) -> Result<PgListener, sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Publishes the changes a payload announces: this node's own from what its committers left
/// on the bus, other nodes' read back from the database.
async fn relay(services: &Services, payload: &str) {
    let Some((node, ids)) = parse(payload) else {
        tracing::warn!(
            channel = CHANNEL,
            "ignored a notification that is not a list of event ids"
        );
        return;
    };
    if node == services.bus.node_id() {
        services.bus.heard_own(&ids);
        return;
    }
    if let Err(e) = load_and_publish(services, &ids).await {
        tracing::warn!(error = %e, events = ids.len(), "could not read back changes another node made; subscribers here missed them");
    }
}

async fn load_and_publish(services: &Services, ids: &[ChangeId]) -> Result<(), DbErr> {
    let conn = services.db.conn();
    let incident_events: Vec<EventId> = ids
        .iter()
        .filter_map(|id| match id {
            ChangeId::Incident(id) => Some(*id),
            ChangeId::Problem(_) => None,
        })
        .collect();
    let problem_events: Vec<i64> = ids
        .iter()
        .filter_map(|id| match id {
            ChangeId::Problem(id) => Some(*id),
            ChangeId::Incident(_) => None,
        })
        .collect();
    if !incident_events.is_empty() {
        let events = events::by_ids(conn, &incident_events).await?;
        let incident_ids: Vec<IncidentId> = events
            .iter()
            .map(|e| e.incident_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let incidents = incidents::find_many(conn, &incident_ids).await?;
        for event in events {
            // Incidents are never deleted; one missing would be a bug elsewhere, not a reason
            // to stop relaying.
            let Some(incident) = incidents.get(&event.incident_id) else {
                continue;
            };
            services.bus.publish(Published::Incident {
                incident: incident.clone(),
                event,
            });
        }
    }
    if !problem_events.is_empty() {
        let events = problems::events_by_ids(conn, &problem_events).await?;
        let problem_ids: Vec<ProblemId> = events
            .iter()
            .map(|e| e.problem_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let found = problems::find_many(conn, &problem_ids).await?;
        for event in events {
            let Some(problem) = found.get(&event.problem_id) else {
                continue;
            };
            services.bus.publish(Published::Problem {
                problem: problem.clone(),
                event,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_round_trips() {
        let node = Uuid::new_v4();
        let ids = [3, 1, 2].map(|id| ChangeId::Incident(EventId(id)));
        let all = payloads(node, &ids);
        assert_eq!(all, vec![format!("{node} 3 1 2")]);
        assert_eq!(parse(&all[0]), Some((node, ids.to_vec())));
    }

    #[test]
    fn problem_events_travel_apart_from_incident_events_in_order() {
        let node = Uuid::new_v4();
        let ids = [
            ChangeId::Problem(4),
            ChangeId::Incident(EventId(9)),
            ChangeId::Incident(EventId(10)),
            ChangeId::Problem(5),
        ];
        let all = payloads(node, &ids);
        assert_eq!(
            all,
            vec![
                format!("{node} p4"),
                format!("{node} 9 10"),
                format!("{node} p5")
            ]
        );
        let back: Vec<ChangeId> = all.iter().flat_map(|p| parse(p).expect("ours").1).collect();
        assert_eq!(back, ids);
    }

    #[test]
    fn many_ids_split_into_payloads_under_the_limit_in_order() {
        let node = Uuid::new_v4();
        let ids: Vec<ChangeId> = (0..2_000)
            .map(|i| ChangeId::Incident(EventId(i64::MAX - i)))
            .collect();
        let all = payloads(node, &ids);
        assert!(all.len() > 1);
        assert!(all.iter().all(|p| p.len() <= MAX_PAYLOAD));
        let back: Vec<ChangeId> = all.iter().flat_map(|p| parse(p).expect("ours").1).collect();
        assert_eq!(back, ids);
    }

    #[test]
    fn nothing_to_announce_gives_no_payload() {
        assert!(payloads(Uuid::new_v4(), &[]).is_empty());
    }

    #[test]
    fn foreign_payloads_are_not_ours() {
        assert_eq!(parse(""), None);
        assert_eq!(parse("hello"), None);
        assert_eq!(parse(&Uuid::new_v4().to_string()), None);
        assert_eq!(parse(&format!("{} 1 x", Uuid::new_v4())), None);
        assert_eq!(parse(&format!("{} px", Uuid::new_v4())), None);
    }
}
