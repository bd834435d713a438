//! One firing of a rule on an incident: claim it (once per rule, incident and trigger, on
//! any node), carry out each action through the use case a person would call, as the rule's
//! actor, record every result, then let rules answer what this firing did, up to
//! `MAX_CHAIN_DEPTH` links.

use std::future::Future;
use std::pin::Pin;

use serde_json::json;

use crate::auth::{OrgRole, Viewer};
use crate::domain::automation::plan::plan;
use crate::domain::automation::rule::{Action, Rule};
use crate::domain::automation::{ActionResult, MAX_CHAIN_DEPTH, RunOutcome, fired_by, raised};
use crate::domain::event::EventKind;
use crate::domain::ids::{EventId, IncidentRef};
use crate::domain::incident::{Command, Incident};
use crate::domain::team::Audience;
use crate::domain::text::{Category, UpdateBody};
use crate::domain::user::User;
use crate::service::communications::NewStatusUpdate;
use crate::service::journal::Journal;
use crate::service::team::RoleChange;
use crate::service::{ServiceError, Services, now};
use crate::store::automation::rules;
use crate::store::automation::runs::{self, Claim};
use crate::store::events::{self, NewEvent, Scope};
use crate::store::users;

/// The viewer a rule acts as: its own actor, with the rights an admin gave it by writing it.
fn actor(rule: &Rule) -> Viewer {
    let id = rule.draft.actor();
    Viewer {
        name: id.as_str().to_owned(),
        user_id: id,
        email: None,
        roles: vec![OrgRole::Admin],
    }
}

/// Fires `rule` on `incident` for the occasion `key`, unless it already fired for it.
/// `depth` counts the rules before it in a chain (0: set off by a person or a timer).
pub(super) fn fire<'a>(
    services: &'a Services,
    rules: &'a [Rule],
    rule: &'a Rule,
    incident: Incident,
    key: String,
    depth: u8,
) -> Pin<Box<dyn Future<Output = Result<bool, ServiceError>> + Send + 'a>> {
    Box::pin(async move {
        let stopped = depth > MAX_CHAIN_DEPTH;
        let at = now();
        let claim = Claim {
            rule_id: rule.id,
            incident_id: incident.id,
            trigger_key: &key,
            trigger: rule.draft.trigger.as_str(),
            depth,
            at,
            outcome: if stopped {
                RunOutcome::ChainStopped
            } else {
                RunOutcome::Running
            },
        };
        let txn = services.db.begin_write().await?;
        // Disabled (or deleted) since the worker read the rules: an event that came after
        // that must not set it off.
        if !rules::find(&*txn, rule.id)
            .await?
            .is_some_and(|r| r.draft.enabled)
        {
            return Ok(false);
        }
        if !runs::claim(&*txn, &claim).await? {
            return Ok(false); // this node or another already fired it
        }
        txn.commit().await?;
        if stopped {
            tracing::warn!(
                automation_rule.id = %rule.id,
                incident.id = %incident.id,
                depth,
                "a chain of automation rules reached its depth limit; this link did nothing"
            );
            return Ok(true);
        }
        let viewer = actor(rule);
        remember(services, &viewer).await?;
        let before = events::head(services.db.conn()).await?;
        let mut results = Vec::with_capacity(rule.draft.actions.len());
        for action in &rule.draft.actions {
            results.push(act(services, &viewer, rule, &incident, action).await);
        }
        let outcome = RunOutcome::of(&results);
        let txn = services.db.begin_write().await?;
        runs::finish(&*txn, &claim, outcome, &results, now()).await?;
        txn.commit().await?;
        tracing::info!(
            automation_rule.id = %rule.id,
            incident.id = %incident.id,
            outcome = outcome.as_str(),
            "automation rule fired"
        );
        answer(services, rules, &viewer, incident.id, before, depth).await?;
        Ok(true)
    })
}

/// Lets rules answer the events this firing appended (the next link of the chain).
async fn answer(
    services: &Services,
    rules: &[Rule],
    viewer: &Viewer,
    incident: crate::domain::ids::IncidentId,
    before: EventId,
    depth: u8,
) -> Result<(), ServiceError> {
    let conn = services.db.conn();
    let caused = events::page_after(conn, incident, before, 100, Scope::All).await?;
    for event in caused.iter().filter(|e| e.actor_id == viewer.user_id) {
        for next in rules.iter().filter(|r| r.draft.enabled) {
            if !fired_by(next.draft.trigger, event) {
                continue;
            }
            let Some(current) =
                super::super::incidents::find(conn, IncidentRef::Id(incident)).await?
            else {
                return Ok(());
            };
            if next.draft.conditions.matches(&current) {
                let key = format!("event:{}", event.id);
                fire(services, rules, next, current, key, depth + 1).await?;
            }
        }
    }
    Ok(())
}

/// Carries out one action; a failure is recorded, never retried, and does not stop the rest.
async fn act(
    services: &Services,
    viewer: &Viewer,
    rule: &Rule,
    incident: &Incident,
    action: &Action,
) -> ActionResult {
    let planned = plan(action, incident, rule.draft.name.as_str());
    let result = match planned.problem {
        Some(problem) => Err(problem),
        None => run(services, viewer, rule, incident, action)
            .await
            .map_err(|e| match e {
                ServiceError::Internal(_) => {
                    tracing::error!(error = %e, automation_rule.id = %rule.id, "an automation action failed");
                    "an internal error (logged)".to_owned()
                }
                other => other.to_string(),
            }),
    };
    ActionResult {
        action: planned.action.to_owned(),
        detail: planned.detail,
        error: result.err(),
    }
}

async fn run(
    services: &Services,
    viewer: &Viewer,
    rule: &Rule,
    incident: &Incident,
    action: &Action,
) -> Result<(), ServiceError> {
    let target = IncidentRef::Id(incident.id);
    let name = rule.draft.name.as_str();
    match action {
        Action::AssignRole { user, role } => {
            let change = RoleChange {
                user_id: user.clone(),
                role: *role,
                expected_version: None,
            };
            services.assign_role(viewer, target, change).await?;
        }
        Action::RaiseUrgency | Action::RaiseImpact => {
            let (Some(category), Some(impact), Some(urgency)) =
                (&incident.category, incident.impact, incident.urgency)
            else {
                return Err(ServiceError::BadInput(
                    "the incident is not triaged yet".into(),
                ));
            };
            let (impact, urgency) = match action {
                Action::RaiseImpact => (raised(impact).unwrap_or(impact), urgency),
                _ => (impact, raised(urgency).unwrap_or(urgency)),
            };
            let command = Command::Triage {
                category: Category::parse(category)?,
                impact,
                urgency,
            };
            services
                .transition(viewer, target, Some(incident.version), command)
                .await?;
        }
        Action::PostUpdate { template } => {
            let update = NewStatusUpdate {
                audience: Audience::Internal,
                body: UpdateBody::parse(&template.render(incident, name))?,
                status: None,
            };
            services.post_update(viewer, target, update).await?;
        }
        Action::AddWatchers { users } => {
            services.add_watchers(viewer, target, users).await?;
        }
        Action::Page { address, template } => {
            let message = template.as_ref().map(|t| t.render(incident, name));
            page(services, viewer, rule, incident, address, message).await?;
        }
    }
    Ok(())
}

/// Appends an `ESCALATION` event: webhooks subscribed to it carry the page to paging tools.
async fn page(
    services: &Services,
    viewer: &Viewer,
    rule: &Rule,
    incident: &Incident,
    address: &str,
    message: Option<String>,
) -> Result<(), ServiceError> {
    let mut txn = Journal::begin(&services.db).await?;
    let current = super::super::incidents::find(&*txn, IncidentRef::Id(incident.id))
        .await?
        .ok_or_else(|| super::super::incidents::not_found(IncidentRef::Id(incident.id)))?;
    txn.record(
        &current,
        NewEvent::new(
            current.id,
            now(),
            &viewer.user_id,
            EventKind::Escalation,
            json!({ "address": address, "message": message, "rule": rule.draft.name.as_str() }),
        )
        .for_audience(Audience::Internal),
    )
    .await?;
    txn.commit(&services.bus).await?;
    Ok(())
}

/// The rule's actor as a user, so its timeline events name it like anyone else's.
async fn remember(services: &Services, viewer: &Viewer) -> Result<(), ServiceError> {
    let user = User {
        id: viewer.user_id.clone(),
        name: viewer.name.clone(),
        email: None,
    };
    let txn = services.db.begin_write().await?;
    users::upsert(&*txn, &user, now()).await?;
    txn.commit().await?;
    Ok(())
}
