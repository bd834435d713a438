//! The webhook delivery worker: one per node, off the request path.
//!
//! It leases due deliveries from the outbox (several nodes sharing PostgreSQL never lease the
//! same one), sends each as a signed POST, and records the attempt. Deliveries run
//! concurrently up to a bound, at most one at a time per webhook and incident (the outbox
//! hands out the earliest pending one only), so a slow or failing receiver delays only its
//! own incident's later deliveries. A failed attempt is retried with exponential backoff
//! until the delivery is older than the maximum age, then marked FAILED. A node that dies
//! mid-attempt loses its lease and the delivery is sent again: at least once.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use tokio::sync::{Notify, Semaphore};

use super::bus::Bus;
use super::{ServiceError, Services, now};
use crate::domain::webhook::{
    AddressRules, DeliveryState, Target, WebhookUrl, backoff, jittered, sign,
};
use crate::domain::webhook::{Delivery, Webhook};
use crate::store::Db;
use crate::store::webhooks::{self, Outcome};

pub const SIGNATURE_HEADER: &str = "X-Hindsight-Signature";
pub const TIMESTAMP_HEADER: &str = "X-Hindsight-Timestamp";
pub const DELIVERY_HEADER: &str = "X-Hindsight-Delivery";
pub const EVENT_HEADER: &str = "X-Hindsight-Event";

#[derive(Debug, Clone)]
pub struct WorkerSettings {
    pub timeout: Duration,
    pub retry_base: Duration,
    pub retry_max: Duration,
    pub max_age: Duration,
    pub poll: Duration,
    pub concurrency: usize,
}

impl From<&crate::config::WebhookSettings> for WorkerSettings {
    fn from(s: &crate::config::WebhookSettings) -> Self {
        Self {
            timeout: Duration::from_millis(s.timeout_ms),
            retry_base: Duration::from_millis(s.retry_base_ms),
            retry_max: Duration::from_millis(s.retry_max_ms),
            max_age: Duration::from_secs(s.max_age_seconds),
            poll: Duration::from_millis(s.poll_interval_ms),
            concurrency: s.concurrency,
        }
    }
}

/// Resolves names for the HTTP client and refuses any answer with an address the rules do not
/// allow, so the connection can only go to a checked address whatever DNS says at that moment.
struct CheckedResolver {
    rules: Arc<AddressRules>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let rules = self.rules.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<_> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|_| Refused(format!("host `{host}` does not resolve")))?
                .collect();
            if found.is_empty() {
                return Err(Refused(format!("host `{host}` does not resolve")).into());
            }
            for addr in &found {
                rules.check(addr.ip()).map_err(Refused)?;
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

fn client(rules: Arc<AddressRules>, timeout: Duration) -> Result<reqwest::Client, ServiceError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        // A proxy would connect on our behalf to addresses we never checked.
        .no_proxy()
        .dns_resolver(Arc::new(CheckedResolver { rules }))
        .user_agent(concat!("hindsight-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(ServiceError::internal)
}

struct Worker {
    db: Db,
    rules: Arc<AddressRules>,
    client: reqwest::Client,
    settings: WorkerSettings,
    /// Rung when an attempt ends: the next delivery of that incident may now go.
    finished: Notify,
    slots: Arc<Semaphore>,
}

/// Starts the worker; it runs until the handle is aborted.
pub fn spawn(
    services: &Services,
    settings: WorkerSettings,
) -> Result<tokio::task::JoinHandle<()>, ServiceError> {
    let worker = Arc::new(Worker {
        db: services.db.clone(),
        rules: services.webhook_rules.clone(),
        client: client(services.webhook_rules.clone(), settings.timeout)?,
        slots: Arc::new(Semaphore::new(settings.concurrency)),
        finished: Notify::new(),
        settings,
    });
    let bus = services.bus.clone();
    Ok(tokio::spawn(worker.run(bus)))
}

impl Worker {
    async fn run(self: Arc<Self>, bus: Bus) {
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            let free = self.slots.available_permits();
            let mut full_batch = false;
            if free > 0 {
                match self.claim(free).await {
                    Ok(batch) => {
                        full_batch = batch.len() == free;
                        for delivery in batch {
                            let Ok(slot) = self.slots.clone().try_acquire_owned() else {
                                break; // cannot happen: we claimed at most `free`
                            };
                            let worker = self.clone();
                            tasks.spawn(async move {
                                worker.deliver(delivery).await;
                                drop(slot);
                                worker.finished.notify_one();
                            });
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "the webhook worker could not read the outbox; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
            // Reap finished tasks so the set does not grow.
            while tasks.try_join_next().is_some() {}
            if full_batch && self.slots.available_permits() > 0 {
                continue;
            }
            tokio::select! {
                () = self.finished.notified() => {}
                () = tokio::time::sleep(self.settings.poll) => {}
                // This node's changes queued deliveries: send them now, not at the next poll.
                () = bus.deliveries_queued() => {}
            }
        }
    }

    /// Leases up to `limit` due deliveries.
    async fn claim(&self, limit: usize) -> Result<Vec<Delivery>, ServiceError> {
        let at = now();
        let lease_until = at + lease(self.settings.timeout);
        let txn = self.db.begin_write().await?;
        let batch = webhooks::claim(&*txn, at, lease_until, limit as u64).await?;
        txn.commit().await?;
        Ok(batch)
    }

    /// One attempt of one leased delivery, recorded.
    async fn deliver(&self, delivery: Delivery) {
        let Some(lease_until) = delivery.lease_until else {
            return;
        };
        let webhook = match webhooks::find(self.db.conn(), delivery.webhook_id).await {
            Ok(Some(webhook)) => webhook,
            Ok(None) => return, // deleted with its deliveries meanwhile
            Err(e) => {
                // The lease runs out and the delivery is tried again later.
                tracing::error!(error = %e, delivery.id = %delivery.id, "could not load a webhook");
                return;
            }
        };
        let result = self.send(&webhook, &delivery).await;
        let at = now();
        let outcome = self.outcome(&delivery, result, at);
        match &outcome.state {
            DeliveryState::Delivered => {
                tracing::debug!(webhook.id = %webhook.id, delivery.id = %delivery.id, "webhook delivered");
            }
            DeliveryState::Pending => {
                tracing::info!(webhook.id = %webhook.id, delivery.id = %delivery.id, attempts = delivery.attempts + 1, error = outcome.error.as_deref().unwrap_or(""), next_attempt_at = %outcome.next_attempt_at, "webhook delivery failed; will retry");
            }
            DeliveryState::Failed => {
                tracing::warn!(webhook.id = %webhook.id, delivery.id = %delivery.id, attempts = delivery.attempts + 1, error = outcome.error.as_deref().unwrap_or(""), "webhook delivery given up after the maximum age");
            }
        }
        if let Err(e) = self.record(&delivery, lease_until, outcome).await {
            tracing::error!(error = %e, delivery.id = %delivery.id, "could not record a webhook attempt; it will be retried");
        }
    }

    async fn record(
        &self,
        delivery: &Delivery,
        lease_until: DateTime<Utc>,
        outcome: Outcome,
    ) -> Result<(), ServiceError> {
        let txn = self.db.begin_write().await?;
        webhooks::record_attempt(&*txn, delivery, lease_until, outcome).await?;
        txn.commit().await?;
        Ok(())
    }

    /// POSTs the body. `Ok(status)` when the receiver answered; `Err` says why not, in words
    /// safe to show an admin.
    async fn send(&self, webhook: &Webhook, delivery: &Delivery) -> Result<u16, String> {
        let url = WebhookUrl::parse(&webhook.url).map_err(|e| e.to_string())?;
        // Names are checked by the resolver as they resolve; address literals never reach
        // it, so they are checked here.
        if let Target::Ip(ip) = url.target() {
            self.rules.check(ip)?;
        }
        let timestamp = Utc::now().timestamp();
        let signature = sign(
            webhook.secret.expose().as_bytes(),
            timestamp,
            delivery.body.as_bytes(),
        );
        let response = self
            .client
            .post(url.as_str())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature)
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(DELIVERY_HEADER, delivery.id.to_string())
            .header(EVENT_HEADER, delivery.event_kind.as_str())
            .body(delivery.body.clone())
            .send()
            .await
            .map_err(|e| self.describe(&e))?;
        Ok(response.status().as_u16())
    }

    /// A short message for `lastError`: never the receiver's body, never internal detail.
    fn describe(&self, e: &reqwest::Error) -> String {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(err) = source {
            if let Some(refused) = err.downcast_ref::<Refused>() {
                return refused.0.clone();
            }
            source = err.source();
        }
        if e.is_timeout() {
            format!("no answer within {} ms", self.settings.timeout.as_millis())
        } else if e.is_connect() {
            "could not connect".into()
        } else {
            "the request failed".into()
        }
    }

    fn outcome(
        &self,
        delivery: &Delivery,
        result: Result<u16, String>,
        at: DateTime<Utc>,
    ) -> Outcome {
        let (status, error) = match result {
            Ok(status) if (200..300).contains(&status) => {
                return Outcome {
                    state: DeliveryState::Delivered,
                    at,
                    next_attempt_at: at,
                    status: Some(i32::from(status)),
                    error: None,
                };
            }
            Ok(status) if (300..400).contains(&status) => (
                Some(i32::from(status)),
                format!("answered {status}; redirects are not followed"),
            ),
            Ok(status) => (Some(i32::from(status)), format!("answered {status}")),
            Err(reason) => (None, reason),
        };
        let attempts = u32::try_from(delivery.attempts + 1).unwrap_or(u32::MAX);
        let deadline = delivery.created_at + delta(self.settings.max_age);
        let wait = backoff(attempts, self.settings.retry_base, self.settings.retry_max);
        let next = at + delta(jittered(wait, rand::random::<f64>()));
        let (state, next_attempt_at) = if at >= deadline {
            (DeliveryState::Failed, at)
        } else {
            // The last attempt is made at the deadline, not after it.
            (DeliveryState::Pending, next.min(deadline))
        };
        Outcome {
            state,
            at,
            next_attempt_at,
            status,
            error: Some(error),
        }
    }
}

/// Long enough for an attempt and its bookkeeping; a lease that runs out means the node died.
fn lease(timeout: Duration) -> TimeDelta {
    delta(timeout + Duration::from_secs(30))
}

fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}
