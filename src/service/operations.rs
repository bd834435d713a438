//! What operators watch: aggregate numbers about the incidents, the SLA monitor, the webhook
//! outbox, the knowledge-base index and the live subscriptions, for the `/metrics` endpoint.
//!
//! No `Viewer` and no policy: the endpoint is scraped without a token, and nothing here names
//! a record, only counts. The database part is read with a handful of grouped counts and
//! reused for `FRESH_FOR`, so any number of scrapes a second costs the database at most one
//! round of queries per `FRESH_FOR`; concurrent scrapes wait for the one refresh in progress.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use super::{ServiceError, Services};
use crate::store::{index_changes, operations};

pub use operations::{Breaches, Deliveries, OpenIncidents};

/// How long one reading of the database is reused. Prometheus scrapes every 15 s or so; two
/// seconds only bounds the load a burst of scrapes (several Prometheus replicas, someone's
/// `watch curl`) can put on the database.
pub const FRESH_FOR: Duration = Duration::from_secs(2);

/// The numbers read from the database, and the index's distance from the change log.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub open_incidents: Vec<OpenIncidents>,
    pub breaches: Vec<Breaches>,
    pub deliveries: Deliveries,
    /// Change-log entries this node's knowledge base has yet to apply.
    pub index_lag: u64,
}

/// The last reading, shared by the scrapes of one server.
#[derive(Default)]
pub struct Gauges {
    /// When the database was last asked, and its answer (`None`: it failed; asked again only
    /// after `FRESH_FOR`, so an unreachable database is not hammered either).
    last: Mutex<Option<(Instant, Option<Arc<Snapshot>>)>>,
}

impl Gauges {
    /// The current numbers, at most `FRESH_FOR` old; `None` when the database could not be
    /// read (the cause is logged once per failed reading).
    pub async fn read(&self, services: &Services) -> Option<Arc<Snapshot>> {
        let mut last = self.last.lock().await;
        if let Some((at, snapshot)) = last.as_ref()
            && at.elapsed() < FRESH_FOR
        {
            return snapshot.clone();
        }
        let snapshot = match snapshot(services).await {
            Ok(snapshot) => Some(Arc::new(snapshot)),
            Err(e) => {
                tracing::warn!(error = %e, "could not read the numbers for /metrics from the database; the scrape leaves them out");
                None
            }
        };
        *last = Some((Instant::now(), snapshot.clone()));
        snapshot
    }
}

/// Reads the numbers now.
pub async fn snapshot(services: &Services) -> Result<Snapshot, ServiceError> {
    let conn = services.db.conn();
    // Read before the head, so a change applied in between cannot make the lag negative
    // (it can only make it look one batch larger, for one scrape).
    let applied = services
        .knowledge
        .base
        .last_applied_seq()
        .unwrap_or(0)
        .max(0);
    let head = index_changes::last_seq(conn).await?;
    Ok(Snapshot {
        open_incidents: operations::open_incidents(conn).await?,
        breaches: operations::breaches(conn).await?,
        deliveries: operations::deliveries(conn).await?,
        index_lag: u64::try_from(head - applied).unwrap_or(0),
    })
}

/// Live GraphQL subscriptions on this node (each holds one receiver on the bus). Not cached:
/// it is a counter in memory.
pub fn subscriptions(services: &Services) -> usize {
    services.bus.subscriber_count()
}
