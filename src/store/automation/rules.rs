//! Automation rules, with their conditions and actions stored as JSON.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};

use crate::domain::automation::rule::{Action, Conditions, Rule, RuleDraft, Trigger};
use crate::domain::automation::template::Template;
use crate::domain::ids::{AutomationRuleId, UserId};
use crate::domain::lifecycle::Status;
use crate::domain::priority::Priority;
use crate::domain::sla::SlaDuration;
use crate::domain::team::IncidentRole;
use crate::domain::text::{Category, PolicyName, Service};
use crate::store::entity::automation_rule::{ActiveModel, Column, Entity, Model};

fn corrupt(what: &str, detail: impl std::fmt::Display) -> DbErr {
    DbErr::Type(format!(
        "automation_rules row holds an unreadable {what}: {detail}"
    ))
}

#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ConditionsJson {
    services: Vec<String>,
    categories: Vec<String>,
    priority_at_least: Option<i16>,
    statuses: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
enum ActionJson {
    AssignRole {
        user: String,
        role: String,
    },
    RaiseUrgency,
    RaiseImpact,
    PostUpdate {
        template: String,
    },
    AddWatchers {
        users: Vec<String>,
    },
    Page {
        address: String,
        template: Option<String>,
    },
}

fn conditions_to_json(c: &Conditions) -> String {
    let json = ConditionsJson {
        services: c.services.iter().map(|s| s.as_str().to_owned()).collect(),
        categories: c.categories.iter().map(|s| s.as_str().to_owned()).collect(),
        priority_at_least: c.priority_at_least.map(Priority::rank),
        statuses: c.statuses.iter().map(|s| s.as_str().to_owned()).collect(),
    };
    serde_json::json!(json).to_string()
}

fn conditions_from_json(text: &str) -> Result<Conditions, DbErr> {
    let json: ConditionsJson = serde_json::from_str(text).map_err(|e| corrupt("conditions", e))?;
    Ok(Conditions {
        services: json
            .services
            .iter()
            .map(|s| Service::parse(s).map_err(|e| corrupt("service", e)))
            .collect::<Result<_, _>>()?,
        categories: json
            .categories
            .iter()
            .map(|s| Category::parse(s).map_err(|e| corrupt("category", e)))
            .collect::<Result<_, _>>()?,
        priority_at_least: json
            .priority_at_least
            .map(|p| Priority::from_rank(p).ok_or_else(|| corrupt("priority", p)))
            .transpose()?,
        statuses: json
            .statuses
            .iter()
            .map(|s| Status::parse(s).ok_or_else(|| corrupt("status", s)))
            .collect::<Result<_, _>>()?,
    })
}

fn actions_to_json(actions: &[Action]) -> String {
    let json: Vec<ActionJson> = actions
        .iter()
        .map(|a| match a {
            Action::AssignRole { user, role } => ActionJson::AssignRole {
                user: user.as_str().to_owned(),
                role: role.as_str().to_owned(),
            },
            Action::RaiseUrgency => ActionJson::RaiseUrgency,
            Action::RaiseImpact => ActionJson::RaiseImpact,
            Action::PostUpdate { template } => ActionJson::PostUpdate {
                template: template.as_str().to_owned(),
            },
            Action::AddWatchers { users } => ActionJson::AddWatchers {
                users: users.iter().map(|u| u.as_str().to_owned()).collect(),
            },
            Action::Page { address, template } => ActionJson::Page {
                address: address.clone(),
                template: template.as_ref().map(|t| t.as_str().to_owned()),
            },
        })
        .collect();
    serde_json::json!(json).to_string()
}

fn actions_from_json(text: &str) -> Result<Vec<Action>, DbErr> {
    let json: Vec<ActionJson> = serde_json::from_str(text).map_err(|e| corrupt("actions", e))?;
    let template = |t: &str| Template::parse(t, "actions").map_err(|e| corrupt("template", e));
    json.into_iter()
        .map(|a| {
            Ok(match a {
                ActionJson::AssignRole { user, role } => Action::AssignRole {
                    user: UserId::from(user),
                    role: IncidentRole::parse(&role).ok_or_else(|| corrupt("role", &role))?,
                },
                ActionJson::RaiseUrgency => Action::RaiseUrgency,
                ActionJson::RaiseImpact => Action::RaiseImpact,
                ActionJson::PostUpdate { template: t } => Action::PostUpdate {
                    template: template(&t)?,
                },
                ActionJson::AddWatchers { users } => Action::AddWatchers {
                    users: users.into_iter().map(UserId::from).collect(),
                },
                ActionJson::Page {
                    address,
                    template: t,
                } => Action::Page {
                    address,
                    template: t.as_deref().map(template).transpose()?,
                },
            })
        })
        .collect()
}

impl TryFrom<Model> for Rule {
    type Error = DbErr;

    fn try_from(m: Model) -> Result<Self, DbErr> {
        let after = m
            .trigger_after_seconds
            .map(|s| SlaDuration::from_secs(s, "trigger.after").map(|d| d.to_string()))
            .transpose()
            .map_err(|e| corrupt("trigger duration", e))?;
        let trigger =
            Trigger::parse(&m.trigger, after.as_deref()).map_err(|e| corrupt("trigger", e))?;
        Ok(Self {
            id: AutomationRuleId(m.id),
            draft: RuleDraft {
                name: PolicyName::parse(&m.name).map_err(|e| corrupt("name", e))?,
                enabled: m.enabled,
                trigger,
                conditions: conditions_from_json(&m.conditions)?,
                actions: actions_from_json(&m.actions)?,
            },
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
            updated_by: UserId::from(m.updated_by),
        })
    }
}

fn to_active(rule: &Rule) -> ActiveModel {
    let draft = &rule.draft;
    ActiveModel {
        id: Set(rule.id.0),
        name: Set(draft.name.as_str().to_owned()),
        enabled: Set(draft.enabled),
        trigger: Set(draft.trigger.as_str().to_owned()),
        trigger_after_seconds: Set(match draft.trigger {
            Trigger::UnassignedFor(d) => Some(d.as_secs()),
            _ => None,
        }),
        conditions: Set(conditions_to_json(&draft.conditions)),
        actions: Set(actions_to_json(&draft.actions)),
        version: Set(rule.version),
        created_at: Set(rule.created_at),
        updated_at: Set(rule.updated_at),
        updated_by: Set(rule.updated_by.as_str().to_owned()),
    }
}

/// Every rule, by name.
pub async fn all(conn: &impl ConnectionTrait) -> Result<Vec<Rule>, DbErr> {
    Entity::find()
        .order_by_asc(Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .map(Rule::try_from)
        .collect()
}

pub async fn find(
    conn: &impl ConnectionTrait,
    id: AutomationRuleId,
) -> Result<Option<Rule>, DbErr> {
    Entity::find_by_id(id.0)
        .one(conn)
        .await?
        .map(Rule::try_from)
        .transpose()
}

pub async fn insert(conn: &impl ConnectionTrait, rule: &Rule) -> Result<(), DbErr> {
    Entity::insert(to_active(rule))
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Replaces the rule if it is still at `expected` version; `false` if it moved on.
pub async fn update_if_version(
    conn: &impl ConnectionTrait,
    rule: &Rule,
    expected: i32,
) -> Result<bool, DbErr> {
    let mut row = to_active(rule);
    row.id = sea_orm::NotSet;
    row.created_at = sea_orm::NotSet;
    let result = Entity::update_many()
        .set(row)
        .filter(Column::Id.eq(rule.id.0))
        .filter(Column::Version.eq(expected))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn delete(conn: &impl ConnectionTrait, id: AutomationRuleId) -> Result<bool, DbErr> {
    Ok(Entity::delete_by_id(id.0).exec(conn).await?.rows_affected == 1)
}

/// Whether a rule other than `except` is called `name`.
pub async fn name_taken(
    conn: &impl ConnectionTrait,
    name: &str,
    except: Option<AutomationRuleId>,
) -> Result<bool, DbErr> {
    let mut query = Entity::find().filter(Column::Name.eq(name));
    if let Some(except) = except {
        query = query.filter(Column::Id.ne(except.0));
    }
    Ok(query.one(conn).await?.is_some())
}
