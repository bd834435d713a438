//! Inputs of the automation mutations, parsed into a domain `RuleDraft`.

use async_graphql::{ID, InputObject, Result, SimpleObject};
use uuid::Uuid;

use crate::domain::DomainError;
use crate::domain::automation::rule::{
    Action, Conditions, MAX_WATCHERS, RuleDraft, Trigger, parse_address,
};
use crate::domain::automation::template::Template;
use crate::domain::ids::{AutomationRuleId, UserId};
use crate::domain::text::{Category, Service};
use crate::graphql::error::{bad_input, code, with_code};
use crate::graphql::types::automation::{AutomationActionType, AutomationTriggerType};
use crate::graphql::types::enums::{IncidentRoleKind, IncidentStatus, Priority};

/// When a rule fires.
#[derive(InputObject)]
pub struct AutomationTriggerInput {
    /// The event that fires the rule.
    #[graphql(name = "type")]
    pub kind: AutomationTriggerType,
    /// UNASSIGNED_FOR only: how long after the report, e.g. `15m` (1s to 365d).
    pub after: Option<String>,
}

/// Which incidents the rule acts on; an empty or absent list matches any.
#[derive(InputObject, Default)]
pub struct AutomationConditionsInput {
    /// Any of these services (exact names).
    pub services: Option<Vec<String>>,
    /// Any of these categories (exact).
    pub categories: Option<Vec<String>>,
    /// This priority or a more urgent one (untriaged incidents do not match).
    pub priority_at_least: Option<Priority>,
    /// Any of these statuses.
    pub statuses: Option<Vec<IncidentStatus>>,
}

/// One action: `type` says which fields it needs (ASSIGN_ROLE: `userId`, `role`;
/// POST_UPDATE: `template`; ADD_WATCHERS: `userIds`; PAGE: `address`, optional `template`).
/// Templates fill `{{number}}`, `{{title}}`, `{{service}}`, `{{category}}`, `{{status}}`,
/// `{{priority}}`, `{{impact}}`, `{{urgency}}` and `{{rule}}` from the incident.
#[derive(InputObject)]
pub struct AutomationActionInput {
    /// What the action does; it decides which other fields are needed.
    #[graphql(name = "type")]
    pub kind: AutomationActionType,
    /// ASSIGN_ROLE: the person to give the role to (a user id).
    pub user_id: Option<ID>,
    /// ASSIGN_ROLE: the incident role to give.
    pub role: Option<IncidentRoleKind>,
    /// POST_UPDATE: the update's text; PAGE: the page's message (optional). `{{…}}`
    /// placeholders are filled from the incident.
    pub template: Option<String>,
    /// ADD_WATCHERS: the people to add as watchers (user ids).
    pub user_ids: Option<Vec<ID>>,
    /// PAGE: whom to page, one line of text (an email, a number, a key); webhooks subscribed
    /// to ESCALATION deliver the page.
    pub address: Option<String>,
}

/// A new automation rule: when it fires, on which incidents, and what it does.
#[derive(InputObject)]
pub struct CreateAutomationRuleInput {
    /// 1 to 100 characters, unique; the rule acts as `automation:<name>`.
    pub name: String,
    /// Default true.
    pub enabled: Option<bool>,
    /// When the rule fires.
    pub trigger: AutomationTriggerInput,
    /// Which incidents it acts on; absent: all.
    pub conditions: Option<AutomationConditionsInput>,
    /// 1 to 20, carried out in order.
    pub actions: Vec<AutomationActionInput>,
}

/// Replaces a rule's settings with these (every field, as in `createAutomationRule`).
#[derive(InputObject)]
pub struct UpdateAutomationRuleInput {
    /// The rule's id (`automationRules { id }`).
    pub id: ID,
    /// The `version` you read; a concurrent change answers `CONFLICT`.
    pub expected_version: Option<i32>,
    /// 1 to 100 characters, unique; the rule acts as `automation:<name>`.
    pub name: String,
    /// Default true.
    pub enabled: Option<bool>,
    /// When the rule fires.
    pub trigger: AutomationTriggerInput,
    /// Which incidents it acts on; absent: all.
    pub conditions: Option<AutomationConditionsInput>,
    /// 1 to 20, carried out in order.
    pub actions: Vec<AutomationActionInput>,
}

/// Names the rule to enable, disable or delete.
#[derive(InputObject)]
pub struct AutomationRuleRefInput {
    /// The rule's id (`automationRules { id }`).
    pub id: ID,
}

/// What `deleteAutomationRule` removed.
#[derive(SimpleObject)]
pub struct DeleteAutomationRulePayload {
    /// The id of the deleted rule.
    pub deleted_automation_rule_id: ID,
}

pub fn parse_rule_id(field: &'static str, id: &ID) -> Result<AutomationRuleId> {
    Uuid::parse_str(id.as_str())
        .map(AutomationRuleId)
        .map_err(|_| {
            let shown: String = id.as_str().chars().take(40).collect();
            with_code(
                format!("{field}: `{shown}` is not an automation rule id"),
                code::BAD_USER_INPUT,
            )
        })
}

/// The draft the fields describe, or the first thing wrong with them.
pub fn draft(
    name: &str,
    enabled: Option<bool>,
    trigger: &AutomationTriggerInput,
    conditions: Option<&AutomationConditionsInput>,
    actions: &[AutomationActionInput],
) -> Result<RuleDraft> {
    let trigger = parse_trigger(trigger).map_err(bad_input)?;
    let conditions = parse_conditions(conditions).map_err(bad_input)?;
    let actions = actions
        .iter()
        .enumerate()
        .map(|(i, a)| parse_action(i, a))
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad_input)?;
    RuleDraft::new(name, enabled.unwrap_or(true), trigger, conditions, actions).map_err(bad_input)
}

fn parse_trigger(t: &AutomationTriggerInput) -> Result<Trigger, DomainError> {
    let kind = match t.kind {
        AutomationTriggerType::IncidentReported => "INCIDENT_REPORTED",
        AutomationTriggerType::PriorityChanged => "PRIORITY_CHANGED",
        AutomationTriggerType::StatusChanged => "STATUS_CHANGED",
        AutomationTriggerType::SlaWarning => "SLA_WARNING",
        AutomationTriggerType::SlaBreached => "SLA_BREACHED",
        AutomationTriggerType::UpdateOverdue => "UPDATE_OVERDUE",
        AutomationTriggerType::UnassignedFor => "UNASSIGNED_FOR",
    };
    Trigger::parse(kind, t.after.as_deref())
}

/// The most entries a condition list may have.
const MAX_CONDITION_VALUES: usize = 100;

fn parse_conditions(c: Option<&AutomationConditionsInput>) -> Result<Conditions, DomainError> {
    let Some(c) = c else {
        return Ok(Conditions::default());
    };
    let too_many = |field: &'static str, n: usize| {
        DomainError::invalid(
            field,
            format!("lists {n} values; at most {MAX_CONDITION_VALUES} are allowed"),
        )
    };
    let services = c.services.clone().unwrap_or_default();
    let categories = c.categories.clone().unwrap_or_default();
    if services.len() > MAX_CONDITION_VALUES {
        return Err(too_many("conditions.services", services.len()));
    }
    if categories.len() > MAX_CONDITION_VALUES {
        return Err(too_many("conditions.categories", categories.len()));
    }
    Ok(Conditions {
        services: services
            .iter()
            .map(|s| Service::parse(s))
            .collect::<Result<_, _>>()?,
        categories: categories
            .iter()
            .map(|s| Category::parse(s))
            .collect::<Result<_, _>>()?,
        priority_at_least: c.priority_at_least.map(Priority::to_domain),
        statuses: c
            .statuses
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect(),
    })
}

fn user(id: &ID) -> Result<UserId, DomainError> {
    let trimmed = id.as_str().trim();
    if trimmed.is_empty() || trimmed.chars().count() > 256 {
        return Err(DomainError::invalid(
            "actions",
            "a user id is 1 to 256 characters, as `users` gives it",
        ));
    }
    Ok(UserId::from(trimmed))
}

fn parse_action(i: usize, a: &AutomationActionInput) -> Result<Action, DomainError> {
    let missing = |what: &str| {
        DomainError::invalid(
            "actions",
            format!("item {}: {} needs `{what}`", i + 1, action_name(a.kind)),
        )
    };
    Ok(match a.kind {
        AutomationActionType::AssignRole => Action::AssignRole {
            user: user(a.user_id.as_ref().ok_or_else(|| missing("userId"))?)?,
            role: a.role.ok_or_else(|| missing("role"))?.into(),
        },
        AutomationActionType::RaiseUrgency => Action::RaiseUrgency,
        AutomationActionType::RaiseImpact => Action::RaiseImpact,
        AutomationActionType::PostUpdate => Action::PostUpdate {
            template: Template::parse(
                a.template.as_deref().ok_or_else(|| missing("template"))?,
                "actions",
            )?,
        },
        AutomationActionType::AddWatchers => {
            let ids = a.user_ids.as_ref().ok_or_else(|| missing("userIds"))?;
            if ids.is_empty() || ids.len() > MAX_WATCHERS {
                return Err(DomainError::invalid(
                    "actions",
                    format!(
                        "item {}: ADD_WATCHERS takes 1 to {MAX_WATCHERS} users",
                        i + 1
                    ),
                ));
            }
            Action::AddWatchers {
                users: ids.iter().map(user).collect::<Result<_, _>>()?,
            }
        }
        AutomationActionType::Page => Action::Page {
            address: parse_address(a.address.as_deref().ok_or_else(|| missing("address"))?)?,
            template: a
                .template
                .as_deref()
                .map(|t| Template::parse(t, "actions"))
                .transpose()?,
        },
    })
}

fn action_name(kind: AutomationActionType) -> &'static str {
    match kind {
        AutomationActionType::AssignRole => "ASSIGN_ROLE",
        AutomationActionType::RaiseUrgency => "RAISE_URGENCY",
        AutomationActionType::RaiseImpact => "RAISE_IMPACT",
        AutomationActionType::PostUpdate => "POST_UPDATE",
        AutomationActionType::AddWatchers => "ADD_WATCHERS",
        AutomationActionType::Page => "PAGE",
    }
}
