//! Automation rules, their firings, and previews as clients see them.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::IncidentObject;
use super::enums::{IncidentRoleKind, IncidentStatus, Priority};
use crate::domain::automation::Run;
use crate::domain::automation::plan::Planned;
use crate::domain::automation::rule::{Action, Rule, Trigger};
use crate::graphql::error::{code, with_code};
use crate::graphql::loaders::Loaders;
use crate::service::automation::Preview;

/// What sets a rule off.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum AutomationTriggerType {
    /// An incident is reported.
    IncidentReported,
    /// The derived priority changes (the first triage included).
    PriorityChanged,
    /// The lifecycle status changes.
    StatusChanged,
    /// An SLA clock reaches its warning share.
    SlaWarning,
    /// An SLA clock passes its due time.
    SlaBreached,
    /// The stakeholder update the communication cadence asks for is late (once per missed
    /// update).
    UpdateOverdue,
    /// No incident manager `after` the report (once per incident).
    UnassignedFor,
}

/// What a rule does, in order; each action runs even if another failed.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum AutomationActionType {
    /// Assign `userId` the incident role `role`.
    AssignRole,
    /// Raise the urgency one step (re-triages: the priority follows).
    RaiseUrgency,
    /// Raise the impact one step (re-triages: the priority follows).
    RaiseImpact,
    /// Post an INTERNAL status update from `template`.
    PostUpdate,
    /// Add `userIds` as watchers.
    AddWatchers,
    /// Page `address`: an `ESCALATION` timeline event (with `template` as its message, if
    /// given) that webhooks subscribed to ESCALATION deliver to paging tools.
    Page,
}

/// How a firing ended.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::automation::RunOutcome")]
pub enum AutomationRunOutcome {
    /// Every action did what it says.
    Succeeded,
    /// Some actions failed (see each `error`); the others ran.
    PartlyFailed,
    /// Every action failed.
    Failed,
    /// Claimed by a node that stopped before it finished; not repeated.
    Running,
    /// Rules setting off rules reached the chain depth limit: this link did nothing.
    ChainStopped,
}

/// When a rule fires.
#[derive(SimpleObject)]
pub struct AutomationTrigger {
    /// The event that fires the rule.
    #[graphql(name = "type")]
    pub kind: AutomationTriggerType,
    /// For UNASSIGNED_FOR: how long, e.g. `15m`.
    pub after: Option<String>,
}

impl From<Trigger> for AutomationTrigger {
    fn from(t: Trigger) -> Self {
        let (kind, after) = match t {
            Trigger::IncidentReported => (AutomationTriggerType::IncidentReported, None),
            Trigger::PriorityChanged => (AutomationTriggerType::PriorityChanged, None),
            Trigger::StatusChanged => (AutomationTriggerType::StatusChanged, None),
            Trigger::SlaWarning => (AutomationTriggerType::SlaWarning, None),
            Trigger::SlaBreached => (AutomationTriggerType::SlaBreached, None),
            Trigger::UpdateOverdue => (AutomationTriggerType::UpdateOverdue, None),
            Trigger::UnassignedFor(d) => {
                (AutomationTriggerType::UnassignedFor, Some(d.to_string()))
            }
        };
        Self { kind, after }
    }
}

/// Which incidents a rule acts on; an empty list matches any.
#[derive(SimpleObject)]
pub struct AutomationConditions {
    /// Any of these services.
    pub services: Vec<String>,
    /// Any of these categories.
    pub categories: Vec<String>,
    /// This priority or a more urgent one (untriaged incidents do not match).
    pub priority_at_least: Option<Priority>,
    /// Any of these statuses.
    pub statuses: Vec<IncidentStatus>,
}

/// One action of a rule; `type` says which of the other fields are set.
#[derive(SimpleObject)]
pub struct AutomationAction {
    /// What the action does.
    #[graphql(name = "type")]
    pub kind: AutomationActionType,
    /// ASSIGN_ROLE: the person given the role; null otherwise.
    pub user_id: Option<ID>,
    /// ASSIGN_ROLE: the incident role given; null otherwise.
    pub role: Option<IncidentRoleKind>,
    /// POST_UPDATE: the update's text; PAGE: the page's message, if any; null otherwise.
    pub template: Option<String>,
    /// ADD_WATCHERS: the people added as watchers; empty otherwise.
    pub user_ids: Vec<ID>,
    /// PAGE: where to page; null otherwise.
    pub address: Option<String>,
}

impl From<&Action> for AutomationAction {
    fn from(a: &Action) -> Self {
        let mut out = Self {
            kind: AutomationActionType::RaiseUrgency,
            user_id: None,
            role: None,
            template: None,
            user_ids: Vec::new(),
            address: None,
        };
        match a {
            Action::AssignRole { user, role } => {
                out.kind = AutomationActionType::AssignRole;
                out.user_id = Some(ID(user.as_str().to_owned()));
                out.role = Some((*role).into());
            }
            Action::RaiseUrgency => out.kind = AutomationActionType::RaiseUrgency,
            Action::RaiseImpact => out.kind = AutomationActionType::RaiseImpact,
            Action::PostUpdate { template } => {
                out.kind = AutomationActionType::PostUpdate;
                out.template = Some(template.as_str().to_owned());
            }
            Action::AddWatchers { users } => {
                out.kind = AutomationActionType::AddWatchers;
                out.user_ids = users.iter().map(|u| ID(u.as_str().to_owned())).collect();
            }
            Action::Page { address, template } => {
                out.kind = AutomationActionType::Page;
                out.address = Some(address.clone());
                out.template = template.as_ref().map(|t| t.as_str().to_owned());
            }
        }
        out
    }
}

pub struct AutomationRuleObject(pub Rule);

/// When a trigger, if conditions, then actions; acts as `automation:<name>` in timelines.
#[Object(name = "AutomationRule")]
impl AutomationRuleObject {
    /// The rule's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Its unique name.
    async fn name(&self) -> &str {
        self.0.draft.name.as_str()
    }

    /// The actor its actions appear under in timelines.
    async fn actor_id(&self) -> ID {
        ID(self.0.draft.actor().as_str().to_owned())
    }

    /// A disabled rule does nothing.
    async fn enabled(&self) -> bool {
        self.0.draft.enabled
    }

    /// When it fires.
    async fn trigger(&self) -> AutomationTrigger {
        self.0.draft.trigger.into()
    }

    /// Which incidents it acts on.
    async fn conditions(&self) -> AutomationConditions {
        let c = &self.0.draft.conditions;
        AutomationConditions {
            services: c.services.iter().map(|s| s.as_str().to_owned()).collect(),
            categories: c.categories.iter().map(|s| s.as_str().to_owned()).collect(),
            priority_at_least: c.priority_at_least.map(Into::into),
            statuses: c.statuses.iter().map(|s| (*s).into()).collect(),
        }
    }

    /// What it does, in order.
    async fn actions(&self) -> Vec<AutomationAction> {
        self.0.draft.actions.iter().map(Into::into).collect()
    }

    /// Increases with every change; pass it as `expectedVersion` to `updateAutomationRule`.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// One action's result in a firing.
#[derive(SimpleObject)]
pub struct AutomationActionResult {
    /// ASSIGN_ROLE, RAISE_URGENCY, ...
    #[graphql(name = "type")]
    pub kind: String,
    /// What it did (or tried to), e.g. `assign INCIDENT_MANAGER to u:7`.
    pub detail: String,
    /// Why it failed; null if it did not.
    pub error: Option<String>,
}

pub struct AutomationRunObject(pub Run);

/// One firing of a rule on an incident: once per rule, incident and trigger.
#[Object(name = "AutomationRun")]
impl AutomationRunObject {
    /// The firing's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The rule that fired.
    async fn rule_id(&self) -> ID {
        ID(self.0.rule_id.to_string())
    }

    /// The incident it acted on.
    async fn incident(&self, ctx: &Context<'_>) -> Result<IncidentObject> {
        let id = self.0.incident_id;
        Loaders::of(ctx)?
            .incident(ctx, id)
            .await?
            .ok_or_else(|| with_code(format!("no incident {id}"), code::NOT_FOUND))
    }

    /// The trigger type it answered.
    async fn trigger(&self) -> &str {
        &self.0.trigger
    }

    /// The occasion: `event:<timeline event id>`, `unassigned`, or `overdue:<due time>`.
    async fn trigger_key(&self) -> &str {
        &self.0.trigger_key
    }

    /// 0 when set off by a person or a timer; 1 when set off by another rule's action, ...
    async fn depth(&self) -> i32 {
        i32::from(self.0.depth)
    }

    /// When it started.
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }

    /// How it ended.
    async fn outcome(&self) -> AutomationRunOutcome {
        self.0.outcome.into()
    }

    /// Each action's result, in order.
    async fn actions(&self) -> Vec<AutomationActionResult> {
        self.0
            .results
            .iter()
            .map(|r| AutomationActionResult {
                kind: r.action.clone(),
                detail: r.detail.clone(),
                error: r.error.clone(),
            })
            .collect()
    }
}

/// One action a rule would take now.
#[derive(SimpleObject)]
pub struct AutomationPlannedAction {
    /// The action's type: ASSIGN_ROLE, RAISE_URGENCY, ...
    #[graphql(name = "type")]
    pub kind: String,
    /// What it would do, templates filled in.
    pub detail: String,
    /// Why it could not, as things stand; null if it could.
    pub problem: Option<String>,
}

impl From<Planned> for AutomationPlannedAction {
    fn from(p: Planned) -> Self {
        Self {
            kind: p.action.to_owned(),
            detail: p.detail,
            problem: p.problem,
        }
    }
}

pub struct AutomationPreviewObject(pub Preview);

/// What one enabled rule would do to the incident now. Nothing is changed by asking.
#[Object(name = "AutomationPreview")]
impl AutomationPreviewObject {
    /// The rule.
    async fn rule(&self) -> AutomationRuleObject {
        AutomationRuleObject(self.0.rule.clone())
    }

    /// Its conditions hold for the incident as it is.
    async fn conditions_met(&self) -> bool {
        self.0.conditions_met
    }

    /// It would act at its next check: a time trigger that holds and has not acted on this
    /// occasion yet. Event triggers act when their event happens (see `reason`).
    async fn fires_now(&self) -> bool {
        self.0.fires_now
    }

    /// Why it would or would not act, in words.
    async fn reason(&self) -> &str {
        &self.0.reason
    }

    /// The actions it would take, templates filled in.
    async fn actions(&self) -> Vec<AutomationPlannedAction> {
        self.0.actions.iter().cloned().map(Into::into).collect()
    }
}
