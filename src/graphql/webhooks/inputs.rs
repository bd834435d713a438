//! Inputs and payloads of the webhook mutations.

use async_graphql::{ID, InputObject, Result, SimpleObject};
use uuid::Uuid;

use crate::domain::ids::WebhookId;
use crate::graphql::error::{code, with_code};
use crate::graphql::types::enums::TimelineEventKind;
use crate::graphql::types::problem::ProblemEventKind;
use crate::graphql::types::webhook::{WebhookFormat, WebhookObject};

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
    #[graphql(default_with = "WebhookFormat::Json")]
    pub format: WebhookFormat,
}

#[derive(InputObject)]
pub struct DisableWebhookInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct EnableWebhookInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct DeleteWebhookInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct CreateWebhookPayload {
    pub webhook: WebhookObject,
    /// The signing secret. Shown only here: store it now.
    pub secret: String,
}

#[derive(SimpleObject)]
pub struct DeleteWebhookPayload {
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
