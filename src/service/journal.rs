//! Every change to an incident or a problem is written through a `Journal`: its timeline event
//! is appended in the transaction of the change, and subscribers hear of it only after that
//! transaction commits. A rolled-back change (an error, a dropped journal) publishes nothing, announces
//! nothing to other nodes, and queues no webhook delivery.

use sea_orm::{DatabaseTransaction, DbErr};

use super::bus::{Bus, ChangeId, Published};
use crate::domain::event::Event;
use crate::domain::ids::UserId;
use crate::domain::incident::Incident;
use crate::domain::problem::{Problem, ProblemChange, ProblemEvent};
use crate::store::events::{self, NewEvent};
use crate::store::problems;
use crate::store::{Db, WriteTxn};

pub(super) struct Journal {
    txn: WriteTxn,
    recorded: Vec<Published>,
    /// Whether a recorded event queued webhook deliveries.
    queued_deliveries: bool,
}

impl std::ops::Deref for Journal {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &Self::Target {
        &self.txn
    }
}

impl Journal {
    pub async fn begin(db: &Db) -> Result<Self, DbErr> {
        Ok(Self {
            txn: db.begin_write().await?,
            recorded: Vec::new(),
            queued_deliveries: false,
        })
    }

    /// Appends `event` to the timeline of `incident` (the incident as it is after the change).
    pub async fn record(
        &mut self,
        incident: &Incident,
        event: NewEvent<'_>,
    ) -> Result<Event, DbErr> {
        debug_assert_eq!(event.incident_id, incident.id);
        let event = events::append(&*self.txn, event).await?;
        // Webhook deliveries share the change's transaction: committed together or not at all.
        self.queued_deliveries |=
            super::webhook_outbox::enqueue(&*self.txn, incident, &event).await?;
        self.recorded.push(Published::Incident {
            event: event.clone(),
            incident: incident.clone(),
        });
        Ok(event)
    }

    /// Appends `change`, made by `actor` at `at`, to the timeline of `problem` (the problem as
    /// it is after the change).
    pub async fn record_problem(
        &mut self,
        problem: &Problem,
        at: chrono::DateTime<chrono::Utc>,
        actor: &UserId,
        change: &ProblemChange,
    ) -> Result<ProblemEvent, DbErr> {
        let event = problems::append_event(&*self.txn, problem, at, actor, change).await?;
        self.queued_deliveries |=
            super::webhook_outbox::enqueue_problem(&*self.txn, problem, &event).await?;
        self.recorded.push(Published::Problem {
            event: event.clone(),
            problem: problem.clone(),
        });
        Ok(event)
    }

    /// Announces what was recorded to the other nodes (delivered only if the commit
    /// succeeds), commits, then has it published here, in order (see `echo`).
    pub async fn commit(self, bus: &Bus) -> Result<(), DbErr> {
        // Listing by SLA reads the standing: written with the change, in its transaction,
        // once per incident (as it is after its last event here), whatever the events.
        let mut latest: Vec<&Incident> = Vec::new();
        let mut last_at = None;
        for p in self.recorded.iter().rev() {
            if let Published::Incident { event, incident } = p {
                last_at.get_or_insert(event.at);
                if !latest.iter().any(|i| i.id == incident.id) {
                    latest.push(incident);
                }
            }
        }
        if let Some(at) = last_at {
            super::sla::save_standings(&*self.txn, &latest, at).await?;
        }
        if !self.recorded.is_empty() {
            let ids: Vec<ChangeId> = self.recorded.iter().map(Published::id).collect();
            super::fanout::announce(&*self.txn, bus.node_id(), &ids).await?;
        }
        let staged = bus.stage(self.recorded);
        // On an error `staged` is dropped: nothing is published.
        self.txn.commit().await?;
        staged.committed().await;
        if self.queued_deliveries {
            bus.ring_deliveries();
        }
        Ok(())
    }
}
