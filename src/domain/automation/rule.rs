//! An automation (escalation) rule: **when** a trigger, **if** conditions on the incident,
//! **then** actions, each carried out through the same use cases a person would call.

use chrono::{DateTime, Utc};

use super::template::Template;
use crate::domain::DomainError;
use crate::domain::ids::{AutomationRuleId, UserId};
use crate::domain::incident::Incident;
use crate::domain::lifecycle::Status;
use crate::domain::priority::Priority;
use crate::domain::sla::SlaDuration;
use crate::domain::team::IncidentRole;
use crate::domain::text::{Category, PolicyName, Service};

/// What makes a rule look at an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    IncidentReported,
    /// The derived priority changed (the first triage included).
    PriorityChanged,
    /// The lifecycle status changed.
    StatusChanged,
    SlaWarning,
    SlaBreached,
    /// A stakeholder update is overdue under the communication cadence.
    UpdateOverdue,
    /// No incident manager this long after the report.
    UnassignedFor(SlaDuration),
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IncidentReported => "INCIDENT_REPORTED",
            Self::PriorityChanged => "PRIORITY_CHANGED",
            Self::StatusChanged => "STATUS_CHANGED",
            Self::SlaWarning => "SLA_WARNING",
            Self::SlaBreached => "SLA_BREACHED",
            Self::UpdateOverdue => "UPDATE_OVERDUE",
            Self::UnassignedFor(_) => "UNASSIGNED_FOR",
        }
    }

    /// `after` is the duration `UNASSIGNED_FOR` needs (and no other trigger takes).
    pub fn parse(kind: &str, after: Option<&str>) -> Result<Self, DomainError> {
        let simple = match kind {
            "INCIDENT_REPORTED" => Some(Self::IncidentReported),
            "PRIORITY_CHANGED" => Some(Self::PriorityChanged),
            "STATUS_CHANGED" => Some(Self::StatusChanged),
            "SLA_WARNING" => Some(Self::SlaWarning),
            "SLA_BREACHED" => Some(Self::SlaBreached),
            "UPDATE_OVERDUE" => Some(Self::UpdateOverdue),
            "UNASSIGNED_FOR" => None,
            other => {
                let shown: String = other.chars().take(40).collect();
                return Err(DomainError::invalid(
                    "trigger.type",
                    format!("unknown trigger `{shown}`"),
                ));
            }
        };
        match (simple, after) {
            (Some(t), None) => Ok(t),
            (Some(t), Some(_)) => Err(DomainError::invalid(
                "trigger.after",
                format!("only UNASSIGNED_FOR takes a duration, not {}", t.as_str()),
            )),
            (None, Some(d)) => Ok(Self::UnassignedFor(SlaDuration::parse(d, "trigger.after")?)),
            (None, None) => Err(DomainError::invalid(
                "trigger.after",
                "UNASSIGNED_FOR needs a duration, e.g. `15m`",
            )),
        }
    }

    /// Whether the trigger is a moment in an incident's timeline (rather than a time that
    /// passes without anything happening).
    pub fn is_event(self) -> bool {
        !matches!(self, Self::UpdateOverdue | Self::UnassignedFor(_))
    }
}

/// Which incidents a rule acts on; an empty list matches anything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Conditions {
    pub services: Vec<Service>,
    pub categories: Vec<Category>,
    /// This priority or a more urgent one; untriaged incidents do not match.
    pub priority_at_least: Option<Priority>,
    pub statuses: Vec<Status>,
}

impl Conditions {
    pub fn matches(&self, incident: &Incident) -> bool {
        let listed =
            |list: &[String], value: &str| list.is_empty() || list.iter().any(|v| v == value);
        let services: Vec<String> = self
            .services
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect();
        let categories: Vec<String> = self
            .categories
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        listed(&services, &incident.service)
            && (categories.is_empty()
                || incident
                    .category
                    .as_deref()
                    .is_some_and(|c| listed(&categories, c)))
            && self
                .priority_at_least
                .is_none_or(|floor| incident.priority.is_some_and(|p| p.rank() <= floor.rank()))
            && (self.statuses.is_empty() || self.statuses.contains(&incident.status))
    }
}

/// What a rule does. Each runs alone: one failing does not stop the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    AssignRole {
        user: UserId,
        role: IncidentRole,
    },
    /// One step up (LOW → MEDIUM → HIGH), re-triaging the incident.
    RaiseUrgency,
    RaiseImpact,
    /// An INTERNAL status update.
    PostUpdate {
        template: Template,
    },
    AddWatchers {
        users: Vec<UserId>,
    },
    /// An `ESCALATION` timeline event, delivered to webhooks subscribed to it (paging tools).
    Page {
        address: String,
        template: Option<Template>,
    },
}

impl Action {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::AssignRole { .. } => "ASSIGN_ROLE",
            Self::RaiseUrgency => "RAISE_URGENCY",
            Self::RaiseImpact => "RAISE_IMPACT",
            Self::PostUpdate { .. } => "POST_UPDATE",
            Self::AddWatchers { .. } => "ADD_WATCHERS",
            Self::Page { .. } => "PAGE",
        }
    }

    /// The users the action names (who must exist when the rule is saved).
    pub fn users(&self) -> Vec<&UserId> {
        match self {
            Self::AssignRole { user, .. } => vec![user],
            Self::AddWatchers { users } => users.iter().collect(),
            _ => Vec::new(),
        }
    }
}

/// The most actions one rule may take, and watchers one action may add.
pub const MAX_ACTIONS: usize = 20;
pub const MAX_WATCHERS: usize = 50;
/// A page address (an email, a phone number, a schedule or service key): at most this long.
pub const MAX_ADDRESS_CHARS: usize = 320;

/// What an admin gives for a rule, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDraft {
    pub name: PolicyName,
    pub enabled: bool,
    pub trigger: Trigger,
    pub conditions: Conditions,
    pub actions: Vec<Action>,
}

impl RuleDraft {
    pub fn new(
        name: &str,
        enabled: bool,
        trigger: Trigger,
        conditions: Conditions,
        actions: Vec<Action>,
    ) -> Result<Self, DomainError> {
        let name = PolicyName::parse(name)?;
        if actions.is_empty() {
            return Err(DomainError::invalid(
                "actions",
                "a rule needs at least one action",
            ));
        }
        if actions.len() > MAX_ACTIONS {
            return Err(DomainError::invalid(
                "actions",
                format!(
                    "lists {} actions; at most {MAX_ACTIONS} are allowed",
                    actions.len()
                ),
            ));
        }
        Ok(Self {
            name,
            enabled,
            trigger,
            conditions,
            actions,
        })
    }

    /// The actor a firing acts as, visible in the timeline.
    pub fn actor(&self) -> UserId {
        actor_for(self.name.as_str())
    }
}

pub fn actor_for(rule_name: &str) -> UserId {
    UserId::from(format!("automation:{rule_name}"))
}

/// A page address: visible text on one line, bounded.
pub fn parse_address(raw: &str) -> Result<String, DomainError> {
    let address = raw.trim();
    if address.is_empty() || address.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            "actions",
            "a PAGE action needs an `address` (one line of text: an email, a number, a key)",
        ));
    }
    if address.chars().count() > MAX_ADDRESS_CHARS {
        return Err(DomainError::invalid(
            "actions",
            format!("a page address is at most {MAX_ADDRESS_CHARS} characters"),
        ));
    }
    Ok(address.to_owned())
}

/// A rule as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: AutomationRuleId,
    pub draft: RuleDraft,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: UserId,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::incident::reported_for_tests;

    #[test]
    fn triggers_parse_with_their_duration_only_where_one_belongs() {
        assert_eq!(
            Trigger::parse("SLA_BREACHED", None),
            Ok(Trigger::SlaBreached)
        );
        assert!(matches!(
            Trigger::parse("UNASSIGNED_FOR", Some("15m")),
            Ok(Trigger::UnassignedFor(d)) if d.as_secs() == 900
        ));
        for (kind, after) in [
            ("UNASSIGNED_FOR", None),
            ("UNASSIGNED_FOR", Some("-5m")),
            ("UNASSIGNED_FOR", Some("10000d")),
            ("SLA_BREACHED", Some("5m")),
            ("WHENEVER", None),
        ] {
            assert!(Trigger::parse(kind, after).is_err(), "{kind} {after:?}");
        }
    }

    #[test]
    fn conditions_match_service_category_priority_floor_and_status() {
        let incident = reported_for_tests("checkout");
        assert!(Conditions::default().matches(&incident));
        let other = Conditions {
            services: vec![Service::parse("billing").unwrap()],
            ..Conditions::default()
        };
        assert!(!other.matches(&incident));
        let floor = Conditions {
            priority_at_least: Priority::from_rank(2),
            ..Conditions::default()
        };
        assert!(!floor.matches(&incident), "untriaged does not meet a floor");
        let mut p1 = incident.clone();
        p1.priority = Priority::from_rank(1);
        assert!(floor.matches(&p1));
        let mut p3 = incident.clone();
        p3.priority = Priority::from_rank(3);
        assert!(!floor.matches(&p3));
        let new_only = Conditions {
            statuses: vec![Status::New],
            ..Conditions::default()
        };
        assert!(new_only.matches(&incident));
    }

    #[test]
    fn a_rule_needs_an_action_and_not_too_many() {
        let draft = |actions: Vec<Action>| {
            RuleDraft::new(
                "r",
                true,
                Trigger::SlaBreached,
                Conditions::default(),
                actions,
            )
        };
        assert!(draft(vec![]).is_err());
        assert!(draft(vec![Action::RaiseUrgency; 21]).is_err());
        assert_eq!(
            draft(vec![Action::RaiseUrgency]).unwrap().actor().as_str(),
            "automation:r"
        );
    }
}
