//! Inputs and payloads of the integration mutations, parsed into domain values.

use async_graphql::{ID, InputObject, MaybeUndefined, Result, SimpleObject};
use uuid::Uuid;

use crate::domain::DomainError;
use crate::domain::alert::SeverityMapping;
use crate::domain::ids::IntegrationId;
use crate::domain::integration::{IntegrationDraft, IntegrationName, severity_map};
use crate::domain::text::{Category, Service};
use crate::graphql::error::{bad_input, code, with_code};
use crate::graphql::types::enums::Level;
use crate::graphql::types::integration::{
    AlertFormat, AlertGrouping, AlertSeverity, IntegrationObject,
};
use crate::service::integrations::IntegrationPatch;

/// One severity's impact and urgency; severities not listed keep the defaults (critical
/// HIGH/HIGH, error HIGH/MEDIUM, warning MEDIUM/MEDIUM, info LOW/LOW).
#[derive(InputObject)]
pub struct SeverityMappingInput {
    /// The alert severity this entry is for.
    pub severity: AlertSeverity,
    /// The impact its incidents get.
    pub impact: Level,
    /// The urgency its incidents get.
    pub urgency: Level,
}

/// A new alert integration: where alerts come from and how they become incidents.
#[derive(InputObject)]
pub struct CreateIntegrationInput {
    /// 1 to 64 letters, digits, `-`, `_`, `.`; unique. Its changes are recorded as
    /// `integration:<name>`.
    pub name: String,
    /// The payload format the sender posts.
    pub format: AlertFormat,
    /// The service of its incidents, unless an alert's `service` label names one.
    pub service: String,
    /// With a category (here or in an alert's `category` label) an incident is triaged at once.
    pub category: Option<String>,
    /// How alerts are grouped into incidents; ALERT (one incident per alert) by default.
    #[graphql(default_with = "AlertGrouping::Alert")]
    pub grouping: AlertGrouping,
    /// Impact and urgency per alert severity; unlisted severities keep the defaults.
    #[graphql(default)]
    pub severity_map: Vec<SeverityMappingInput>,
    /// Mitigate an incident when all its alerts clear.
    #[graphql(default = true)]
    pub auto_resolve: bool,
}

/// Every field but `id` is optional: what is given replaces the setting.
#[derive(InputObject)]
pub struct UpdateIntegrationInput {
    /// The integration's id.
    pub id: ID,
    /// The version last read; a different current version is a CONFLICT.
    pub expected_version: Option<i32>,
    /// A new name (rules as in `createIntegration`).
    pub name: Option<String>,
    /// A new payload format.
    pub format: Option<AlertFormat>,
    /// A new default service.
    pub service: Option<String>,
    /// `null` clears it.
    pub category: MaybeUndefined<String>,
    /// A new grouping.
    pub grouping: Option<AlertGrouping>,
    /// Replaces the whole map (unlisted severities get the defaults).
    pub severity_map: Option<Vec<SeverityMappingInput>>,
    /// Whether to mitigate an incident when all its alerts clear.
    pub auto_resolve: Option<bool>,
}

/// Names one integration.
#[derive(InputObject)]
pub struct IntegrationIdInput {
    /// The integration's id (`integrations { id }`).
    pub id: ID,
}

/// An integration with its new key.
#[derive(SimpleObject)]
pub struct IntegrationKeyPayload {
    /// The integration.
    pub integration: IntegrationObject,
    /// The integration key. Shown only here: store it now.
    pub key: String,
}

/// What `deleteIntegration` removed.
#[derive(SimpleObject)]
pub struct DeleteIntegrationPayload {
    /// The id of the deleted integration.
    pub deleted_integration_id: ID,
}

fn mappings(
    rows: Vec<SeverityMappingInput>,
) -> Result<crate::domain::alert::SeverityMap, DomainError> {
    let rows: Vec<SeverityMapping> = rows
        .into_iter()
        .map(|r| SeverityMapping {
            severity: crate::domain::alert::Severity::from(r.severity)
                .as_str()
                .to_owned(),
            impact: crate::domain::priority::Level::from(r.impact)
                .as_str()
                .to_owned(),
            urgency: crate::domain::priority::Level::from(r.urgency)
                .as_str()
                .to_owned(),
        })
        .collect();
    severity_map(&rows)
}

impl CreateIntegrationInput {
    pub fn parse(self) -> Result<IntegrationDraft> {
        let draft = (|| {
            Ok::<_, DomainError>(IntegrationDraft {
                name: IntegrationName::parse(&self.name)?,
                format: self.format.into(),
                service: Service::parse(&self.service)?,
                category: self.category.as_deref().map(Category::parse).transpose()?,
                grouping: self.grouping.into(),
                severity_map: mappings(self.severity_map)?,
                auto_resolve: self.auto_resolve,
            })
        })();
        draft.map_err(bad_input)
    }
}

impl UpdateIntegrationInput {
    pub fn parse(self) -> Result<(IntegrationId, Option<i32>, IntegrationPatch)> {
        let id = parse_integration_id("id", &self.id)?;
        let patch = (|| {
            Ok::<_, DomainError>(IntegrationPatch {
                name: self
                    .name
                    .as_deref()
                    .map(IntegrationName::parse)
                    .transpose()?,
                format: self.format.map(Into::into),
                service: self.service.as_deref().map(Service::parse).transpose()?,
                category: match self.category {
                    MaybeUndefined::Undefined => None,
                    MaybeUndefined::Null => Some(None),
                    MaybeUndefined::Value(c) => Some(Some(Category::parse(&c)?)),
                },
                grouping: self.grouping.map(Into::into),
                severity_map: self.severity_map.map(mappings).transpose()?,
                auto_resolve: self.auto_resolve,
            })
        })();
        Ok((id, self.expected_version, patch.map_err(bad_input)?))
    }
}

pub fn parse_integration_id(field: &'static str, id: &ID) -> Result<IntegrationId> {
    Uuid::parse_str(id.as_str())
        .map(IntegrationId)
        .map_err(|_| {
            with_code(
                format!(
                    "{field}: `{}` is not an integration id",
                    crate::domain::alert::segment(id.as_str())
                ),
                code::BAD_USER_INPUT,
            )
        })
}
