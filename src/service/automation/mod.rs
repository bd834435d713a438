//! Automation (escalation rules): admins manage rules; incident leads read them, their
//! firings, and a preview of what they would do to an incident now. The worker (`worker`)
//! finds triggers in the shared timeline and in the passing of time; `fire` carries a rule's
//! actions out through the same use cases a person calls, as `automation:<rule name>`.

mod fire;
mod gaps;
mod timers;
pub mod worker;

use sea_orm::{DbErr, SqlErr};

use super::incidents::{find, not_found};
use super::{ServiceError, Services, now};
use crate::auth::{Operation, Viewer, authorize};
use crate::domain::automation::Run;
use crate::domain::automation::plan::{Planned, plan};
use crate::domain::automation::rule::{Action, Rule, RuleDraft};
use crate::domain::ids::{AutomationRuleId, IncidentRef, UserId};
use crate::store::automation::{rules, runs};
use crate::store::users;

/// What a rule would do to an incident now.
#[derive(Debug, Clone)]
pub struct Preview {
    pub rule: Rule,
    /// Its conditions hold for the incident as it is.
    pub conditions_met: bool,
    /// It would act now: its conditions hold and its timer is due (time triggers) and it has
    /// not acted on this occasion yet. Event triggers fire only when their event happens.
    pub fires_now: bool,
    pub reason: String,
    pub actions: Vec<Planned>,
}

fn not_found_rule(id: AutomationRuleId) -> ServiceError {
    ServiceError::NotFound(format!("no automation rule with id {id}"))
}

impl Services {
    pub async fn automation_rules(&self, viewer: &Viewer) -> Result<Vec<Rule>, ServiceError> {
        authorize(viewer, Operation::ReadAutomation, None)?;
        Ok(rules::all(self.db.conn()).await?)
    }

    pub async fn automation_rule(
        &self,
        viewer: &Viewer,
        id: AutomationRuleId,
    ) -> Result<Rule, ServiceError> {
        authorize(viewer, Operation::ReadAutomation, None)?;
        rules::find(self.db.conn(), id)
            .await?
            .ok_or_else(|| not_found_rule(id))
    }

    pub async fn create_automation_rule(
        &self,
        viewer: &Viewer,
        draft: RuleDraft,
    ) -> Result<Rule, ServiceError> {
        authorize(viewer, Operation::ManageAutomation, None)?;
        let txn = self.db.begin_write().await?;
        check_draft(&txn, &draft, None).await?;
        let at = now();
        let rule = Rule {
            id: AutomationRuleId::new(),
            draft,
            version: 1,
            created_at: at,
            updated_at: at,
            updated_by: viewer.user_id.clone(),
        };
        rules::insert(&*txn, &rule).await.map_err(name_taken)?;
        txn.commit().await?;
        tracing::info!(automation_rule.id = %rule.id, "automation rule created");
        Ok(rule)
    }

    /// Replaces the rule's settings (enabling and disabling included).
    pub async fn update_automation_rule(
        &self,
        viewer: &Viewer,
        id: AutomationRuleId,
        draft: RuleDraft,
        expected_version: Option<i32>,
    ) -> Result<Rule, ServiceError> {
        authorize(viewer, Operation::ManageAutomation, None)?;
        let txn = self.db.begin_write().await?;
        let current = rules::find(&*txn, id)
            .await?
            .ok_or_else(|| not_found_rule(id))?;
        let expected = expected_version.unwrap_or(current.version);
        if expected != current.version {
            return Err(stale(id, expected, current.version));
        }
        check_draft(&txn, &draft, Some(id)).await?;
        let rule = Rule {
            draft,
            version: current.version + 1,
            updated_at: now(),
            updated_by: viewer.user_id.clone(),
            ..current
        };
        if !rules::update_if_version(&*txn, &rule, expected)
            .await
            .map_err(name_taken)?
        {
            return Err(stale(id, expected, expected + 1));
        }
        txn.commit().await?;
        tracing::info!(automation_rule.id = %id, version = rule.version, "automation rule updated");
        Ok(rule)
    }

    /// Turns a rule on or off without restating it.
    pub async fn set_automation_rule_enabled(
        &self,
        viewer: &Viewer,
        id: AutomationRuleId,
        enabled: bool,
    ) -> Result<Rule, ServiceError> {
        let current = self.automation_rule(viewer, id).await?;
        let draft = RuleDraft {
            enabled,
            ..current.draft
        };
        self.update_automation_rule(viewer, id, draft, Some(current.version))
            .await
    }

    /// Deletes a rule and its firings.
    pub async fn delete_automation_rule(
        &self,
        viewer: &Viewer,
        id: AutomationRuleId,
    ) -> Result<(), ServiceError> {
        authorize(viewer, Operation::ManageAutomation, None)?;
        let txn = self.db.begin_write().await?;
        if !rules::delete(&*txn, id).await? {
            return Err(not_found_rule(id));
        }
        txn.commit().await?;
        tracing::info!(automation_rule.id = %id, "automation rule deleted");
        Ok(())
    }

    /// A rule's firings, newest first: a page of `limit` before the run `before` (exclusive),
    /// and how many there are in all.
    pub async fn automation_runs(
        &self,
        viewer: &Viewer,
        rule: AutomationRuleId,
        before: Option<i64>,
        limit: u64,
    ) -> Result<(Vec<Run>, u64), ServiceError> {
        authorize(viewer, Operation::ReadAutomation, None)?;
        let conn = self.db.conn();
        if rules::find(conn, rule).await?.is_none() {
            return Err(not_found_rule(rule));
        }
        let page = runs::of_rule(conn, rule, before, limit).await?;
        Ok((page, runs::count_of_rule(conn, rule).await?))
    }

    /// What every enabled rule would do to the incident now, changing nothing.
    pub async fn preview_automation(
        &self,
        viewer: &Viewer,
        target: IncidentRef,
    ) -> Result<Vec<Preview>, ServiceError> {
        authorize(viewer, Operation::ReadAutomation, None)?;
        let conn = self.db.conn();
        let incident = find(conn, target).await?.ok_or_else(|| not_found(target))?;
        let at = now();
        let timers = timers::Timers::load(self, conn, std::slice::from_ref(&incident)).await?;
        let mut previews = Vec::new();
        for rule in rules::all(conn)
            .await?
            .into_iter()
            .filter(|r| r.draft.enabled)
        {
            let conditions_met = rule.draft.conditions.matches(&incident);
            let trigger = rule.draft.trigger;
            let (fires_now, reason) = if !conditions_met {
                (
                    false,
                    "its conditions do not hold for this incident".to_owned(),
                )
            } else if trigger.is_event() {
                (
                    false,
                    format!("it acts at the next {} event", trigger.as_str()),
                )
            } else {
                match timers.key(trigger, &incident, at) {
                    None => (false, format!("{} does not hold now", trigger.as_str())),
                    Some(key) => {
                        let fired = runs::fired(conn, rule.id, &[incident.id]).await?;
                        if fired.contains(&(incident.id, key)) {
                            (false, "it already acted on this occasion".to_owned())
                        } else {
                            (true, format!("{} holds now", trigger.as_str()))
                        }
                    }
                }
            };
            let name = rule.draft.name.as_str().to_owned();
            let actions = rule
                .draft
                .actions
                .iter()
                .map(|a| plan(a, &incident, &name))
                .collect();
            previews.push(Preview {
                rule,
                conditions_met,
                fires_now,
                reason,
                actions,
            });
        }
        Ok(previews)
    }
}

/// Refuses a taken name, and users the actions name who are unknown or cannot act.
async fn check_draft(
    txn: &crate::store::WriteTxn,
    draft: &RuleDraft,
    except: Option<AutomationRuleId>,
) -> Result<(), ServiceError> {
    if rules::name_taken(&**txn, draft.name.as_str(), except).await? {
        return Err(ServiceError::BadInput(format!(
            "name: another automation rule is called `{}`",
            draft.name.as_str()
        )));
    }
    for (i, action) in draft.actions.iter().enumerate() {
        let named: Vec<UserId> = action.users().into_iter().cloned().collect();
        if let Some(system) = named.iter().find(|u| is_system_principal(u)) {
            return Err(ServiceError::BadInput(format!(
                "actions: item {}: `{system}` is hindsight itself, not a person; it cannot hold \
                 an incident role or watch",
                i + 1
            )));
        }
        let found = users::find_many(&**txn, &named).await?;
        if let Some(missing) = named.iter().find(|u| !found.contains_key(*u)) {
            return Err(ServiceError::BadInput(format!(
                "actions: item {}: no user {missing}; people appear in `users` once they have \
                 signed in",
                i + 1
            )));
        }
        if let Action::AddWatchers { users } = action
            && users.is_empty()
        {
            return Err(ServiceError::BadInput(format!(
                "actions: item {}: ADD_WATCHERS needs at least one user",
                i + 1
            )));
        }
    }
    Ok(())
}

/// Actors hindsight itself acts as: rules, integrations and the SLA monitor.
fn is_system_principal(user: &UserId) -> bool {
    let id = user.as_str();
    id.starts_with("automation:")
        || id.starts_with("integration:")
        || id == super::sla::SLA_MONITOR_ID
}

fn name_taken(e: DbErr) -> ServiceError {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            ServiceError::BadInput("name: another automation rule has this name".into())
        }
        _ => ServiceError::from(e),
    }
}

fn stale(id: AutomationRuleId, expected: i32, actual: i32) -> ServiceError {
    ServiceError::Conflict(format!(
        "automation rule {id} is at version {actual}, not {expected}; read it again and retry"
    ))
}
