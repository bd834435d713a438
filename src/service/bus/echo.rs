//! A node's own changes on PostgreSQL, held until the node hears its own announcement of them.
//!
//! Subscribers on every node must hear changes in one order: the order of their commits.
//! PostgreSQL delivers notifications in commit order, so while a node listens it publishes
//! its own changes when it hears them announced, like the other nodes' changes, and not when
//! its commit returns. Otherwise a change made here could reach a local subscriber before an
//! earlier change another node made to the same incident (seen: MITIGATED after RESOLVED).
//! The committer leaves its changes here, so they need not be read back.
//!
//! Each change is published once, and never before its commit succeeded:
//! - not listening (SQLite, or the listening connection is down): the committer publishes
//!   after its commit, as before;
//! - heard: published at once (hearing it proves the commit);
//! - the listener lost its connection, so announcements may be lost: changes already
//!   committed are published at once, and a commit still under way publishes its own;
//! - a failed or abandoned commit: forgotten (PostgreSQL announces nothing for it);
//! - not heard for too long (a broken connection not yet noticed): the committer, which waits
//!   for its changes to go out before it answers, takes them back and publishes them itself.

use std::collections::BTreeMap;

use tokio::sync::mpsc;

use super::{ChangeId, Published};

#[derive(Default)]
pub(super) struct Echo {
    listening: bool,
    /// Bumped each time the listener loses its connection.
    generation: u64,
    waiting: BTreeMap<ChangeId, Waiting>,
}

struct Waiting {
    published: Published,
    /// The committer saw its commit succeed.
    committed: bool,
    /// Dropped once `published` went out; the committer waits until all its changes have.
    signal: mpsc::Sender<()>,
}

/// What a committer holds from before its commit to its outcome.
pub(super) struct Ticket {
    generation: u64,
    /// Changes left here to be published when heard.
    waiting: Vec<ChangeId>,
    /// Ends once all of `waiting` have been published.
    published: Option<mpsc::Receiver<()>>,
    /// Changes the committer publishes after its commit (nobody is listening).
    direct: Vec<Published>,
}

/// A committed change still waiting to be heard, for its committer to wait on.
pub(super) struct Pending {
    pub ids: Vec<ChangeId>,
    /// `recv` ends (with `None`) once all of `ids` have been published.
    pub published: mpsc::Receiver<()>,
}

/// Changes to publish now. Their committers learn it when this is dropped, so drop it only
/// after publishing.
#[derive(Default)]
pub(super) struct Due {
    pub published: Vec<Published>,
    signals: Vec<mpsc::Sender<()>>,
}

/// The committers waiting for some changes: told when this is dropped.
pub(super) struct Waiters {
    _signals: Vec<mpsc::Sender<()>>,
}

impl Due {
    pub fn into_parts(self) -> (Vec<Published>, Waiters) {
        (
            self.published,
            Waiters {
                _signals: self.signals,
            },
        )
    }

    /// A change another node made: nobody here waits for it.
    pub fn other_node(published: Published) -> Self {
        Self {
            published: vec![published],
            signals: Vec::new(),
        }
    }

    fn push(&mut self, waiting: Waiting) {
        self.published.push(waiting.published);
        self.signals.push(waiting.signal);
    }
}

impl Echo {
    /// Before a commit: keeps `recorded` until it is heard, if this node listens.
    pub fn stage(&mut self, recorded: Vec<Published>) -> Ticket {
        if !self.listening || recorded.is_empty() {
            return Ticket {
                generation: self.generation,
                waiting: Vec::new(),
                published: None,
                direct: recorded,
            };
        }
        let (signal, published) = mpsc::channel(1);
        let mut waiting = Vec::with_capacity(recorded.len());
        for change in recorded {
            let id = change.id();
            waiting.push(id);
            self.waiting.insert(
                id,
                Waiting {
                    published: change,
                    committed: false,
                    signal: signal.clone(),
                },
            );
        }
        Ticket {
            generation: self.generation,
            waiting,
            published: Some(published),
            direct: Vec::new(),
        }
    }

    /// The commit succeeded: what the committer publishes now, and what it may wait for.
    pub fn committed(&mut self, ticket: Ticket) -> (Due, Option<Pending>) {
        let mut due = Due {
            published: ticket.direct,
            signals: Vec::new(),
        };
        // The listener lost its connection since: the announcement may never be heard.
        let announcement_may_be_lost = ticket.generation != self.generation;
        let mut pending = Vec::new();
        for id in ticket.waiting {
            if announcement_may_be_lost {
                if let Some(waiting) = self.waiting.remove(&id) {
                    due.push(waiting);
                }
            } else if let Some(waiting) = self.waiting.get_mut(&id) {
                waiting.committed = true;
                pending.push(id);
            }
        }
        let pending = match ticket.published {
            Some(published) if !pending.is_empty() => Some(Pending {
                ids: pending,
                published,
            }),
            _ => None,
        };
        (due, pending)
    }

    /// The commit failed, or its outcome is unknown (the request was cancelled): the changes
    /// are not published here.
    pub fn abandoned(&mut self, ticket: Ticket) {
        for id in ticket.waiting {
            self.waiting.remove(&id);
        }
    }

    /// This node heard its own announcement of `ids`: what to publish, in that order. Ids not
    /// held here were published by their committer already, or abandoned.
    pub fn heard(&mut self, ids: &[ChangeId]) -> Due {
        self.take(ids)
    }

    /// The committer waited too long to hear `ids`: it publishes what is still here itself.
    pub fn take(&mut self, ids: &[ChangeId]) -> Due {
        let mut due = Due::default();
        for id in ids {
            if let Some(waiting) = self.waiting.remove(id) {
                due.push(waiting);
            }
        }
        due
    }

    /// The listener is connected and hears every announcement from now on.
    pub fn connected(&mut self) {
        self.listening = true;
    }

    /// The listener lost its connection, so announcements made until it reconnects are
    /// lost: what to publish now, in event-id order (incidents' events before problems').
    pub fn lost(&mut self) -> Due {
        self.generation += 1;
        self.listening = false;
        let committed: Vec<ChangeId> = self
            .waiting
            .iter()
            .filter(|(_, w)| w.committed)
            .map(|(id, _)| *id)
            .collect();
        self.take(&committed)
    }

    #[cfg(test)]
    fn held(&self) -> usize {
        self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use tokio::sync::mpsc::error::TryRecvError;

    use super::*;
    use crate::domain::event::Event;
    use crate::domain::event::EventKind;
    use crate::domain::ids::EventId;
    use crate::domain::incident::reported_for_tests;

    /// A change whose timeline event has the id `id`.
    fn change(id: i64) -> Published {
        let incident = reported_for_tests("checkout");
        Published::Incident {
            event: Event {
                id: EventId(id),
                incident_id: incident.id,
                at: incident.created_at,
                actor_id: "u1".into(),
                kind: EventKind::Reported,
                before: None,
                after: None,
                audience: None,
            },
            incident,
        }
    }

    fn ids(due: &Due) -> Vec<i64> {
        due.published
            .iter()
            .map(|p| match p.id() {
                ChangeId::Incident(id) => id.0,
                ChangeId::Problem(id) => -id,
            })
            .collect()
    }

    fn events<const N: usize>(ids: [i64; N]) -> [ChangeId; N] {
        ids.map(|id| ChangeId::Incident(EventId(id)))
    }

    /// What the committer publishes at once.
    fn now(outcome: &(Due, Option<Pending>)) -> Vec<i64> {
        ids(&outcome.0)
    }

    #[test]
    fn not_listening_the_committer_publishes_after_its_commit() {
        let mut echo = Echo::default();
        let ticket = echo.stage(vec![change(1), change(2)]);
        assert_eq!(echo.held(), 0);
        assert_eq!(now(&echo.committed(ticket)), [1, 2]);
        assert!(
            echo.heard(&events([1, 2])).published.is_empty(),
            "not twice"
        );
    }

    #[test]
    fn listening_a_change_is_published_when_heard_and_only_then() {
        let mut echo = Echo::default();
        echo.connected();
        let ticket = echo.stage(vec![change(1), change(2)]);
        assert!(echo.committed(ticket).0.published.is_empty());
        assert_eq!(
            ids(&echo.heard(&events([2, 1]))),
            [2, 1],
            "in the order heard"
        );
        assert!(
            echo.heard(&events([1, 2])).published.is_empty(),
            "not twice"
        );
        assert_eq!(echo.held(), 0);
    }

    #[test]
    fn heard_before_the_committer_returns_is_published_once() {
        let mut echo = Echo::default();
        echo.connected();
        let ticket = echo.stage(vec![change(7)]);
        assert_eq!(ids(&echo.heard(&events([7]))), [7]);
        assert!(echo.committed(ticket).0.published.is_empty());
        assert_eq!(echo.held(), 0);
    }

    #[test]
    fn an_abandoned_commit_publishes_nothing_and_holds_nothing() {
        let mut echo = Echo::default();
        echo.connected();
        let ticket = echo.stage(vec![change(3)]);
        echo.abandoned(ticket);
        assert_eq!(echo.held(), 0);
        assert!(echo.lost().published.is_empty());
        assert!(echo.heard(&events([3])).published.is_empty());
    }

    #[test]
    fn a_lost_connection_publishes_what_committed_and_leaves_the_rest_to_its_committer() {
        let mut echo = Echo::default();
        echo.connected();
        let done = echo.stage(vec![change(1)]);
        assert!(echo.committed(done).0.published.is_empty());
        let under_way = echo.stage(vec![change(2)]);
        let failing = echo.stage(vec![change(3)]);
        assert_eq!(ids(&echo.lost()), [1], "never an uncommitted change");
        assert_eq!(now(&echo.committed(under_way)), [2]);
        echo.abandoned(failing);
        assert_eq!(echo.held(), 0);
        // Until it reconnects, committers publish their own.
        let later = echo.stage(vec![change(4)]);
        assert_eq!(now(&echo.committed(later)), [4]);
        echo.connected();
        let after = echo.stage(vec![change(5)]);
        assert!(echo.committed(after).0.published.is_empty());
        assert_eq!(ids(&echo.heard(&events([4, 5]))), [5]);
    }

    #[test]
    fn the_committer_learns_when_its_changes_went_out_and_may_take_back_the_rest() {
        let mut echo = Echo::default();
        echo.connected();
        let ticket = echo.stage(vec![change(1), change(2)]);
        let mut pending = echo.committed(ticket).1.expect("waits to be heard");
        assert_eq!(pending.ids, events([1, 2]));
        drop(echo.heard(&events([1])));
        assert_eq!(
            pending.published.try_recv(),
            Err(TryRecvError::Empty),
            "2 waits"
        );
        let due = echo.heard(&events([2]));
        assert_eq!(
            pending.published.try_recv(),
            Err(TryRecvError::Empty),
            "not before 2 is published"
        );
        drop(due);
        assert_eq!(
            pending.published.try_recv(),
            Err(TryRecvError::Disconnected)
        );

        // Not heard in time: the committer publishes the rest itself, once.
        let ticket = echo.stage(vec![change(3)]);
        let pending = echo.committed(ticket).1.expect("waits to be heard");
        assert_eq!(ids(&echo.take(&pending.ids)), [3]);
        assert!(echo.heard(&events([3])).published.is_empty(), "not twice");
        assert_eq!(echo.held(), 0);
    }

    #[test]
    fn nothing_to_wait_for_when_nobody_listens_or_nothing_was_recorded() {
        let mut echo = Echo::default();
        let ticket = echo.stage(vec![change(1)]);
        assert!(echo.committed(ticket).1.is_none());
        echo.connected();
        let ticket = echo.stage(Vec::new());
        assert!(echo.committed(ticket).1.is_none());
    }

    #[test]
    fn a_change_heard_after_a_reconnection_is_still_published_once() {
        let mut echo = Echo::default();
        echo.connected();
        let ticket = echo.stage(vec![change(9)]);
        assert!(echo.lost().published.is_empty());
        echo.connected();
        assert_eq!(ids(&echo.heard(&events([9]))), [9]);
        assert!(echo.committed(ticket).0.published.is_empty());
    }
}
