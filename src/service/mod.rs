//! Use cases: one function per operation, each asking the policy first and running in one
//! transaction. They take the `Viewer` as an argument, so no path reaches the store without it.

pub mod action_items;
mod alert_group;
pub mod alert_queue;
pub mod alert_throttle;
pub mod alerts;
pub mod automation;
pub mod bus;
mod close_rule;
pub mod communications;
pub mod editing;
pub mod error;
pub mod fanout;
pub mod import;
pub mod incidents;
pub mod index_worker;
pub mod integrations;
mod journal;
pub mod knowledge;
pub mod metrics;
pub mod operations;
pub mod problem_candidates;
pub mod problems;
pub mod reviews;
pub mod sla;
pub mod sla_worker;
pub mod status_page;
pub mod subscriptions;
pub mod team;
pub mod timeline;
pub mod users;
mod webhook_outbox;
pub mod webhook_worker;
pub mod webhooks;

pub use error::ServiceError;

use chrono::{DateTime, SubsecRound, Utc};

use std::sync::Arc;

use crate::domain::webhook::AddressRules;
use crate::store::Db;

/// The time a change happens, at the precision both databases store (microseconds), so the
/// timestamps in a mutation's answer are exactly the ones a later read returns.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// What every use case needs: the database and the knowledge base. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub users: users::UserDirectory,
    pub knowledge: knowledge::Knowledge,
    /// Committed changes, for subscriptions.
    pub bus: bus::Bus,
    /// Where webhooks may deliver.
    pub webhook_rules: Arc<AddressRules>,
    /// How often stakeholders expect updates, by priority.
    pub cadence: crate::domain::cadence::Cadence,
    /// Alert intake's reopen window and key grace period.
    pub alert_times: integrations::AlertTimes,
    /// How fast each integration may send alerts.
    pub alert_throttle: Arc<alert_throttle::AlertThrottle>,
    /// Alert intake's group commit (started with the first alert).
    pub alert_queue: alert_queue::AlertQueue,
    /// Which incidents need a published review before closing.
    pub review_policy: Arc<crate::domain::review::ReviewPolicy>,
}

impl Services {
    pub fn new(db: Db, knowledge: knowledge::Knowledge) -> Self {
        Self {
            users: users::UserDirectory::new(db.clone()),
            db,
            knowledge,
            bus: bus::Bus::default(),
            webhook_rules: Arc::new(AddressRules::default()),
            cadence: crate::domain::cadence::Cadence::default(),
            alert_times: integrations::AlertTimes::default(),
            alert_throttle: Arc::default(),
            alert_queue: alert_queue::AlertQueue::default(),
            review_policy: Arc::new(crate::domain::review::ReviewPolicy::default()),
        }
    }

    pub fn with_alert_times(mut self, times: integrations::AlertTimes) -> Self {
        self.alert_times = times;
        self
    }

    pub fn with_alert_throttle(mut self, throttle: alert_throttle::AlertThrottle) -> Self {
        self.alert_throttle = Arc::new(throttle);
        self
    }

    /// Lets webhooks reach these networks besides public addresses.
    pub fn with_webhook_rules(mut self, rules: AddressRules) -> Self {
        self.webhook_rules = Arc::new(rules);
        self
    }

    pub fn with_review_policy(mut self, policy: crate::domain::review::ReviewPolicy) -> Self {
        self.review_policy = Arc::new(policy);
        self
    }

    pub fn with_cadence(mut self, cadence: crate::domain::cadence::Cadence) -> Self {
        self.cadence = cadence;
        self
    }
}
