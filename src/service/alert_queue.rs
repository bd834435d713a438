//! Group commit for alert intake. Senders' requests wait in one queue per node; a single
//! writer takes the next request and every request queued behind it (up to `GROUP_ALERTS`
//! alerts), applies them all in one transaction, and answers each sender when it commits.
//!
//! Why: during a storm every request used to be its own transaction. On SQLite that is one
//! durable commit (an fsync) per request; on PostgreSQL, 64 concurrent transactions on the same
//! keys held every pooled connection while they waited on each other's locks, and requests
//! failed for want of a connection. One writer per node bounds that to one connection and one
//! commit per group, and nothing is answered 2xx before its commit.

use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot};

use super::alerts::Taken;
use super::{ServiceError, Services};
use crate::domain::alert::Alert;
use crate::domain::integration::Integration;

/// The most alerts one group commits at once: long enough to amortise a commit, short enough
/// that the write lock is not held for long (other writers wait on SQLite).
const GROUP_ALERTS: usize = 500;
/// Requests waiting beyond this make senders wait to queue (back-pressure, bounded memory).
const QUEUE_REQUESTS: usize = 1_024;

/// One sender's request, waiting for its group to commit.
pub(super) struct Job {
    pub integration: Integration,
    pub alerts: Vec<Alert>,
    pub reply: oneshot::Sender<Result<Vec<Taken>, ServiceError>>,
}

/// The queue's sending end, started with the first request.
#[derive(Clone, Default)]
pub struct AlertQueue {
    sender: Arc<OnceLock<mpsc::Sender<Job>>>,
}

impl AlertQueue {
    /// Queues a request and waits for its group's commit.
    pub(super) async fn take(
        &self,
        services: &Services,
        integration: &Integration,
        alerts: &[Alert],
    ) -> Result<Vec<Taken>, ServiceError> {
        let sender = self.sender.get_or_init(|| start(services.clone()));
        let (reply, answer) = oneshot::channel();
        let job = Job {
            integration: integration.clone(),
            alerts: alerts.to_vec(),
            reply,
        };
        sender
            .send(job)
            .await
            .map_err(|_| ServiceError::internal(stopped()))?;
        answer
            .await
            .map_err(|_| ServiceError::internal(stopped()))?
    }
}

fn stopped() -> std::io::Error {
    std::io::Error::other("the alert intake writer stopped")
}

fn start(services: Services) -> mpsc::Sender<Job> {
    let (sender, mut queue) = mpsc::channel::<Job>(QUEUE_REQUESTS);
    tokio::spawn(async move {
        while let Some(first) = queue.recv().await {
            let mut alerts = first.alerts.len();
            let mut group = vec![first];
            while alerts < GROUP_ALERTS {
                match queue.try_recv() {
                    Ok(job) => {
                        alerts += job.alerts.len();
                        group.push(job);
                    }
                    Err(_) => break,
                }
            }
            commit(&services, group).await;
        }
    });
    sender
}

/// Applies the group in one transaction and answers every sender. If the group fails (one
/// request's alerts refused, say), each request is applied alone, so one sender's problem is
/// not another's.
async fn commit(services: &Services, group: Vec<Job>) {
    let requests: Vec<(&Integration, &[Alert])> = group
        .iter()
        .map(|job| (&job.integration, job.alerts.as_slice()))
        .collect();
    match services.take_group(&requests).await {
        Ok(answers) => {
            for (job, taken) in group.into_iter().zip(answers) {
                let _ = job.reply.send(Ok(taken));
            }
        }
        Err(e) if group.len() == 1 => {
            if let Some(job) = group.into_iter().next() {
                let _ = job.reply.send(Err(e));
            }
        }
        Err(_) => {
            for job in group {
                let alone = [(&job.integration, job.alerts.as_slice())];
                let answer = services
                    .take_group(&alone)
                    .await
                    .map(|mut answers| answers.pop().unwrap_or_default());
                let _ = job.reply.send(answer);
            }
        }
    }
}
