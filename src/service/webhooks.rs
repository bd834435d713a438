//! Webhook use cases (admins only): register, list, enable, disable, delete, and read the
//! delivery history. Target addresses are checked here at creation, and again by the
//! delivery worker before every attempt, because DNS answers can change.

use std::net::SocketAddr;
use std::time::Duration;

use crate::domain::ids::WebhookId;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{ServiceError, Services, now};
use crate::auth::{Operation, Secret, Viewer, authorize};
use crate::domain::event::EventKind;
use crate::domain::problem::ProblemEventKind;
use crate::domain::webhook::{
    AddressRules, DeliveryKind, EventFilter, Target, WebhookFormat, WebhookUrl, check_secret,
};
use crate::domain::webhook::{Delivery, Webhook};
use crate::store::webhooks;

/// How long a name may take to resolve when a webhook is created.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// A `createWebhook` before validation.
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<EventKind>,
    /// Problem kinds to deliver too (none unless listed).
    pub problem_events: Vec<ProblemEventKind>,
    pub secret: Option<String>,
    pub format: WebhookFormat,
}

/// Resolves the URL's host and checks every address; all must be allowed. The addresses
/// returned are the only ones a delivery may connect to.
pub async fn resolve_checked(
    url: &WebhookUrl,
    rules: &AddressRules,
) -> Result<Vec<SocketAddr>, String> {
    let port = url.port();
    let addrs: Vec<SocketAddr> = match url.target() {
        Target::Ip(ip) => vec![SocketAddr::new(ip, port)],
        Target::Name(name) => {
            let lookup = tokio::net::lookup_host((name.as_str(), port));
            match tokio::time::timeout(RESOLVE_TIMEOUT, lookup).await {
                Ok(Ok(found)) => found.collect(),
                Ok(Err(_)) | Err(_) => Vec::new(),
            }
        }
    };
    if addrs.is_empty() {
        return Err(format!("host `{}` does not resolve", host_of(url)));
    }
    // One refused address refuses the URL: a name that mixes public and private answers is
    // exactly what a rebinding attack looks like.
    for addr in &addrs {
        rules.check(addr.ip())?;
    }
    Ok(addrs)
}

fn host_of(url: &WebhookUrl) -> String {
    match url.target() {
        Target::Ip(ip) => ip.to_string(),
        Target::Name(name) => name,
    }
}

fn generate_secret() -> Secret {
    let bytes: [u8; 32] = rand::random();
    Secret::new(format!("whsec_{}", URL_SAFE_NO_PAD.encode(bytes)))
}

fn not_found(id: WebhookId) -> ServiceError {
    ServiceError::NotFound(format!("no webhook with id {id}"))
}

impl Services {
    /// Registers a webhook; returns it and its signing secret, which is never shown again.
    pub async fn create_webhook(
        &self,
        viewer: &Viewer,
        new: NewWebhook,
    ) -> Result<(Webhook, Secret), ServiceError> {
        authorize(viewer, Operation::ManageWebhooks, None)?;
        let url = WebhookUrl::parse(&new.url)?;
        let secret = match new.secret {
            Some(secret) => {
                check_secret(&secret)?;
                Secret::new(secret)
            }
            None => generate_secret(),
        };
        resolve_checked(&url, &self.webhook_rules)
            .await
            .map_err(|reason| ServiceError::BadInput(format!("url: {reason}")))?;
        let webhook = Webhook {
            id: WebhookId::new(),
            url: url.as_str().to_owned(),
            events: EventFilter::new(
                new.events
                    .into_iter()
                    .map(DeliveryKind::Incident)
                    .chain(new.problem_events.into_iter().map(DeliveryKind::Problem)),
            ),
            secret: secret.clone(),
            format: new.format,
            enabled: true,
            created_at: now(),
            created_by: viewer.user_id.clone(),
        };
        let txn = self.db.begin_write().await?;
        webhooks::insert(&*txn, &webhook).await?;
        txn.commit().await?;
        // Not the URL: some receivers (Slack's among them) carry a token in the path.
        tracing::info!(webhook.id = %webhook.id, webhook.host = %host_of(&url), "webhook registered");
        Ok((webhook, secret))
    }

    pub async fn webhooks(&self, viewer: &Viewer) -> Result<Vec<Webhook>, ServiceError> {
        authorize(viewer, Operation::ManageWebhooks, None)?;
        Ok(webhooks::list(self.db.conn()).await?)
    }

    /// A disabled webhook gets no new deliveries; its pending ones wait until it is enabled.
    pub async fn set_webhook_enabled(
        &self,
        viewer: &Viewer,
        id: WebhookId,
        enabled: bool,
    ) -> Result<Webhook, ServiceError> {
        authorize(viewer, Operation::ManageWebhooks, None)?;
        let txn = self.db.begin_write().await?;
        if !webhooks::set_enabled(&*txn, id, enabled).await? {
            return Err(not_found(id));
        }
        let webhook = webhooks::find(&*txn, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        txn.commit().await?;
        tracing::info!(webhook.id = %id, webhook.enabled = enabled, "webhook switched");
        Ok(webhook)
    }

    /// Deletes the webhook with its delivery history; pending deliveries are dropped.
    pub async fn delete_webhook(&self, viewer: &Viewer, id: WebhookId) -> Result<(), ServiceError> {
        authorize(viewer, Operation::ManageWebhooks, None)?;
        let txn = self.db.begin_write().await?;
        if !webhooks::delete(&*txn, id).await? {
            return Err(not_found(id));
        }
        txn.commit().await?;
        tracing::info!(webhook.id = %id, "webhook deleted");
        Ok(())
    }

    /// A webhook's deliveries, newest first, older than `before`.
    pub async fn webhook_deliveries(
        &self,
        viewer: &Viewer,
        id: WebhookId,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Vec<Delivery>, ServiceError> {
        authorize(viewer, Operation::ManageWebhooks, None)?;
        if webhooks::find(self.db.conn(), id).await?.is_none() {
            return Err(not_found(id));
        }
        Ok(webhooks::page(self.db.conn(), id, before, limit).await?)
    }
}
