//! Inputs and payloads of the webhook mutations.

use async_graphql::{ID, InputObject, Result, SimpleObject};
use uuid::Uuid;

use crate::domain::ids::WebhookId;
use crate::graphql::error::{code, with_code};
use crate::graphql::types::enums::TimelineEventKind;
use crate::graphql::types::problem::ProblemEventKind;
use crate::graphql::types::webhook::{WebhookFormat, WebhookObject};

/// An endpoint to receive signed event deliveries, and which events it wants.
#[derive(InputObject)]
pub struct CreateWebhookInput {
    /// http or https. Must resolve to public addresses only, unless the operator allowed the
    /// network (`webhooks.allowed_networks`).
    pub url: String,
    /// The incident event kinds to deliver. An empty list delivers every incident kind,
    /// including kinds added in later versions, unless `problemEvents` lists some: then it
    /// delivers no incident event.
    pub events: Vec<TimelineEventKind>,
    /// The problem event kinds to deliver too (their bodies name the problem, not an
    /// incident). Omitted or empty: none. Sent with the `X-Hindsight-Event` header
    /// `PROBLEM_<kind>`, e.g. `PROBLEM_KNOWN_ERROR_RECORDED`.
    pub problem_events: Option<Vec<ProblemEventKind>>,
    /// Signs every delivery (16–256 characters). Omitted: a strong one is generated. Either
    /// way it is returned once, in the payload, and never again.
    pub secret: Option<String>,
    /// The body's shape; JSON by default.
    #[graphql(default_with = "WebhookFormat::Json")]
    pub format: WebhookFormat,
}

/// The webhook to pause.
#[derive(InputObject)]
pub struct DisableWebhookInput {
    /// The webhook's id (`webhooks { id }`).
    pub id: ID,
}

/// The webhook to resume.
#[derive(InputObject)]
pub struct EnableWebhookInput {
    /// The webhook's id (`webhooks { id }`).
    pub id: ID,
}

/// The webhook to delete.
#[derive(InputObject)]
pub struct DeleteWebhookInput {
    /// The webhook's id (`webhooks { id }`).
    pub id: ID,
}

/// The registered webhook and its signing secret.
#[derive(SimpleObject)]
pub struct CreateWebhookPayload {
    /// The webhook as registered.
    pub webhook: WebhookObject,
    /// The signing secret. Shown only here: store it now.
    pub secret: String,
}

/// What `deleteWebhook` removed.
#[derive(SimpleObject)]
pub struct DeleteWebhookPayload {
    /// The id of the deleted webhook.
    pub deleted_webhook_id: ID,
}

pub fn parse_webhook_id(field: &'static str, id: &ID) -> Result<WebhookId> {
    Uuid::parse_str(id.as_str()).map(WebhookId).map_err(|_| {
        with_code(
            format!("{field}: `{}` is not a webhook id", id.as_str()),
            code::BAD_USER_INPUT,
        )
    })
}
