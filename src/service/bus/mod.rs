//! The in-process event bus behind subscriptions: every timeline event, with the incident (or
//! the problem) as it stood after the change, published once its transaction has committed.
//!
//! The buffer is one bounded ring shared by all subscribers (tokio's broadcast channel). A
//! subscriber that falls more than `CAPACITY` events behind does not hold memory hostage: it
//! loses the oldest events and is told how many it missed, so a client can re-sync by querying.
//!
//! On PostgreSQL the bus also carries the changes other nodes commit (see `fanout`); the
//! node id tells this node's announcements from theirs. While this node listens, its own
//! changes wait in `echo` until it hears them announced, so every node publishes all changes
//! in commit order.

mod echo;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, broadcast};
use uuid::Uuid;

use crate::domain::event::Event;
use crate::domain::ids::EventId;
use crate::domain::incident::Incident;
use crate::domain::problem::{Problem, ProblemEvent};
use echo::{Due, Echo, Ticket};

/// Events kept for the slowest subscriber before it is told it lagged.
pub const CAPACITY: usize = 1024;

/// How long a committer waits to hear its own announcement before it publishes its changes
/// itself. A NOTIFY comes back in about a millisecond; not hearing it for this long means the
/// listening connection is broken and has not noticed yet.
const ECHO_WAIT: Duration = Duration::from_secs(2);

/// One committed change: a timeline event and what it changed, as it is after it.
#[derive(Debug)]
pub enum Published {
    /// An event on an incident's timeline.
    Incident { event: Event, incident: Incident },
    /// An event on a problem's timeline.
    Problem {
        event: ProblemEvent,
        problem: Problem,
    },
}

/// Which timeline event a change is: incidents and problems number their events apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeId {
    Incident(EventId),
    Problem(i64),
}

impl Published {
    pub fn id(&self) -> ChangeId {
        match self {
            Self::Incident { event, .. } => ChangeId::Incident(event.id),
            Self::Problem { event, .. } => ChangeId::Problem(event.id),
        }
    }
}

#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<Arc<Published>>,
    /// Rung when a committed change queued webhook deliveries, so this node's delivery
    /// worker sends them at once instead of at its next poll.
    deliveries_queued: Arc<Notify>,
    /// This node, chosen at random when it starts.
    node_id: Uuid,
    /// This node's own changes until it hears them announced. Every publication happens
    /// under this lock, so the order decided here is the order subscribers hear.
    echo: Arc<Mutex<Echo>>,
}

/// A committer's changes between `Bus::stage` and the outcome of its commit. Dropped without
/// an outcome (the request was cancelled mid-commit), it forgets them.
pub(super) struct Staged<'a> {
    bus: &'a Bus,
    ticket: Option<Ticket>,
}

impl Staged<'_> {
    /// The commit succeeded: returns once this node published the changes, so a mutation's
    /// answer comes after its events reached this node's subscribers.
    pub async fn committed(mut self) {
        let Some(ticket) = self.ticket.take() else {
            return;
        };
        let pending = {
            let mut echo = self.bus.echo();
            let (due, pending) = echo.committed(ticket);
            self.bus.send(&echo, due);
            pending
        };
        let Some(mut pending) = pending else {
            return;
        };
        // Cancelled here, the changes stay to be published when heard.
        if tokio::time::timeout(ECHO_WAIT, pending.published.recv())
            .await
            .is_err()
        {
            tracing::warn!(
                wait_ms = ECHO_WAIT.as_millis(),
                "this node did not hear its own change announced; it publishes it itself, possibly out of order"
            );
            let mut echo = self.bus.echo();
            let due = echo.take(&pending.ids);
            self.bus.send(&echo, due);
        }
    }
}

impl Drop for Staged<'_> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            self.bus.echo().abandoned(ticket);
        }
    }
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
            echo: Arc::default(),
        }
    }

    pub fn node_id(&self) -> Uuid {
        self.node_id
    }

    /// Only `Journal::commit` calls this, before it commits `recorded`; it then reports the
    /// commit's outcome on the `Staged` it gets back.
    pub(super) fn stage(&self, recorded: Vec<Published>) -> Staged<'_> {
        let ticket = self.echo().stage(recorded);
        Staged {
            bus: self,
            ticket: Some(ticket),
        }
    }

    /// The fan-out listener: another node committed `published`.
    pub(super) fn publish(&self, published: Published) {
        let echo = self.echo();
        self.send(&echo, Due::other_node(published));
    }

    /// The fan-out listener: it heard this node announce the changes `ids`.
    pub(super) fn heard_own(&self, ids: &[ChangeId]) {
        let mut echo = self.echo();
        let now = echo.heard(ids);
        self.send(&echo, now);
    }

    /// The fan-out listener: it is connected and hears every announcement from now on.
    pub(super) fn listener_connected(&self) {
        self.echo().connected();
    }

    /// The fan-out listener lost its connection; it calls `listener_connected` again once
    /// it has a new one.
    pub(super) fn listener_lost(&self) {
        let mut echo = self.echo();
        let now = echo.lost();
        self.send(&echo, now);
    }

    fn echo(&self) -> MutexGuard<'_, Echo> {
        // Nothing in `Echo` can leave it half-changed if a holder panics.
        self.echo.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Publishes while the caller holds the lock (the guard proves it), so publications
    /// never interleave; then tells the committers waiting for them.
    fn send(&self, _held: &MutexGuard<'_, Echo>, due: Due) {
        let (published, waiters) = due.into_parts();
        for published in published {
            // No subscriber is not an error: nobody is listening right now.
            let _ = self.tx.send(Arc::new(published));
        }
        drop(waiters);
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
