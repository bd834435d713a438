//! The in-process event bus behind subscriptions: every timeline event, with the incident as
//! it stood after the change, published once its transaction has committed.
//!
//! The buffer is one bounded ring shared by all subscribers (tokio's broadcast channel). A
//! subscriber that falls more than `CAPACITY` events behind does not hold memory hostage: it
//! loses the oldest events and is told how many it missed, so a client can re-sync by querying.
//!
//! On PostgreSQL the bus also carries the changes other nodes commit (see `fanout`); the
//! node id tells this node's announcements from theirs.

use std::sync::Arc;

use tokio::sync::{Notify, broadcast};
use uuid::Uuid;

use crate::domain::incident::Incident;
use crate::store::events::Event;

/// Events kept for the slowest subscriber before it is told it lagged.
pub const CAPACITY: usize = 1024;

/// One committed change: the timeline event and the incident after it.
#[derive(Debug)]
pub struct Published {
    pub event: Event,
    pub incident: Incident,
}

#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<Arc<Published>>,
    /// Rung when a committed change queued webhook deliveries, so this node's delivery
    /// worker sends them at once instead of at its next poll.
    deliveries_queued: Arc<Notify>,
    /// This node, chosen at random when it starts.
    node_id: Uuid,
}

impl Default for Bus {
    fn default() -> Self {
        Self::new(CAPACITY)
    }
}

impl Bus {
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity);
        Self {
            tx,
            deliveries_queued: Arc::new(Notify::new()),
            node_id: Uuid::new_v4(),
        }
    }

    pub fn node_id(&self) -> Uuid {
        self.node_id
    }

    /// Only `Journal::commit` calls this, after the commit succeeded, and the fan-out
    /// listener, for changes another node committed.
    pub(super) fn publish(&self, published: Published) {
        // No subscriber is not an error: nobody is listening right now.
        let _ = self.tx.send(Arc::new(published));
    }

    /// Only `Journal::commit` calls this, after the commit succeeded.
    pub(super) fn ring_deliveries(&self) {
        self.deliveries_queued.notify_one();
    }

    /// Resolves after the next commit that queued webhook deliveries (or at once if one did
    /// since the last call).
    pub async fn deliveries_queued(&self) {
        self.deliveries_queued.notified().await;
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.tx.subscribe()
    }

    /// Live subscriptions on this node (each subscription holds one receiver).
    pub fn subscriber_count(&self) -> usize {
        self.tx.receiver_count()
    }
}
