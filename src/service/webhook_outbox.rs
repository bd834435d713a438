//! The webhook outbox: when a change is journaled, one delivery row per enabled webhook that
//! wants the event is written in the same transaction, with the exact body to send. A crash
//! or restart after the commit never drops a delivery, and a rolled-back change sends none.

use chrono::SecondsFormat;
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::{Value, json};

use crate::domain::event::Event;
use crate::domain::event::EventKind;
use crate::domain::ids::UserId;
use crate::domain::incident::Incident;
use crate::domain::problem::{Problem, ProblemEvent, ProblemEventKind};
use crate::domain::team::Audience;
use crate::domain::user::User;
use crate::domain::webhook::{DeliveryKind, WebhookFormat};
use crate::store::team;
use crate::store::users;

/// Watchers listed in one payload: enough for a receiver to notify a team, small enough that
/// an incident the whole company watches does not make every delivery huge.
const MAX_WATCHERS_IN_PAYLOAD: u64 = 1_000;
use crate::store::webhooks::{self, NewDelivery};

/// Longest update text quoted in a Slack line.
const SLACK_QUOTE_CHARS: usize = 280;

/// Queues the deliveries `event` causes, in the transaction behind `conn`; `true` if any.
pub(super) async fn enqueue(
    conn: &impl ConnectionTrait,
    incident: &Incident,
    event: &Event,
) -> Result<bool, DbErr> {
    let hooks: Vec<_> = webhooks::enabled(conn)
        .await?
        .into_iter()
        .filter(|w| w.events.matches(DeliveryKind::Incident(event.kind)))
        .collect();
    if hooks.is_empty() {
        return Ok(false);
    }
    let actor = users::find_many(conn, std::slice::from_ref(&event.actor_id))
        .await?
        .remove(&event.actor_id);
    let watchers = if announces_beyond_responders(event) {
        let ids: Vec<UserId> = team::watchers_of(conn, &[incident.id], MAX_WATCHERS_IN_PAYLOAD)
            .await?
            .remove(&incident.id)
            .unwrap_or_default()
            .into_iter()
            .map(|(user, _)| user)
            .collect();
        let mut found = users::find_many(conn, &ids).await?;
        Some(
            ids.iter()
                .filter_map(|id| found.remove(id))
                .collect::<Vec<_>>(),
        )
    } else {
        None
    };
    let json_body = json_payload(incident, event, actor.as_ref(), watchers.as_deref()).to_string();
    let slack_body = json!({ "text": slack_text(incident, event, actor.as_ref()) }).to_string();
    let rows = hooks
        .iter()
        .map(|w| NewDelivery {
            webhook_id: w.id,
            subject_id: incident.id.0,
            event_id: event.id.0,
            event_kind: DeliveryKind::Incident(event.kind),
            body: match w.format {
                WebhookFormat::Json => json_body.clone(),
                WebhookFormat::Slack => slack_body.clone(),
            },
            at: event.at,
        })
        .collect();
    webhooks::enqueue(conn, rows).await?;
    Ok(true)
}

/// Queues the deliveries a problem's timeline event causes, in the transaction behind `conn`
/// (webhooks that list its kind only); `true` if any.
pub(super) async fn enqueue_problem(
    conn: &impl ConnectionTrait,
    problem: &Problem,
    event: &ProblemEvent,
) -> Result<bool, DbErr> {
    let kind = DeliveryKind::Problem(event.kind);
    let hooks: Vec<_> = webhooks::enabled(conn)
        .await?
        .into_iter()
        .filter(|w| w.events.matches(kind))
        .collect();
    if hooks.is_empty() {
        return Ok(false);
    }
    let actor = users::find_many(conn, std::slice::from_ref(&event.actor_id))
        .await?
        .remove(&event.actor_id);
    let json_body = problem_payload(problem, event, actor.as_ref()).to_string();
    let slack_body =
        json!({ "text": problem_slack_text(problem, event, actor.as_ref()) }).to_string();
    let rows = hooks
        .iter()
        .map(|w| NewDelivery {
            webhook_id: w.id,
            subject_id: problem.id.0,
            event_id: event.id,
            event_kind: kind,
            body: match w.format {
                WebhookFormat::Json => json_body.clone(),
                WebhookFormat::Slack => slack_body.clone(),
            },
            at: event.at,
        })
        .collect();
    webhooks::enqueue(conn, rows).await?;
    Ok(true)
}

/// The JSON body of a problem event: the event (its kind as the problem's timeline names it,
/// and the version the change made) and the problem after it.
fn problem_payload(problem: &Problem, event: &ProblemEvent, actor: Option<&User>) -> Value {
    json!({
        "event": {
            "id": event.id,
            "kind": event.kind.as_str(),
            "at": event.at.to_rfc3339_opts(SecondsFormat::Micros, true),
            "actorId": event.actor_id,
            "actorName": actor.map(|a| a.name.as_str()),
            "version": event.version,
            "before": event.before,
            "after": event.after,
        },
        "problem": {
            "id": problem.id.to_string(),
            "number": problem.number.to_string(),
            "title": problem.title,
            "service": problem.service,
            "status": problem.status.as_str(),
            "priority": format!("P{}", problem.priority.rank()),
        },
    })
}

/// One readable line: `PRB-3 [P2] checkout-api: Pool exhaustion — known error recorded by Ada`.
fn problem_slack_text(problem: &Problem, event: &ProblemEvent, actor: Option<&User>) -> String {
    let who = actor.map_or(event.actor_id.as_str(), |a| a.name.as_str());
    escape_slack(&format!(
        "{} [P{}] {}: {} — {} by {who}",
        problem.number,
        problem.priority.rank(),
        problem.service,
        problem.title,
        problem_verb(event.kind)
    ))
}

fn problem_verb(kind: ProblemEventKind) -> &'static str {
    match kind {
        ProblemEventKind::Reported => "reported",
        ProblemEventKind::InvestigationStarted => "investigation started",
        ProblemEventKind::KnownErrorRecorded => "known error recorded",
        ProblemEventKind::Resolved => "fixed",
        ProblemEventKind::Closed => "closed",
        ProblemEventKind::Cancelled => "cancelled",
        ProblemEventKind::IncidentLinked => "incident linked",
        ProblemEventKind::IncidentUnlinked => "incident unlinked",
    }
}

/// A status update for stakeholders or the public: receivers get the watchers to notify.
fn announces_beyond_responders(event: &Event) -> bool {
    event.kind == EventKind::UpdatePosted
        && matches!(
            event.audience,
            Some(Audience::Stakeholders) | Some(Audience::Public)
        )
}

fn json_payload(
    incident: &Incident,
    event: &Event,
    actor: Option<&User>,
    watchers: Option<&[User]>,
) -> Value {
    let mut payload = json!({
        "event": {
            "id": event.id.0,
            "kind": event.kind.as_str(),
            "at": event.at.to_rfc3339_opts(SecondsFormat::Micros, true),
            "actorId": event.actor_id,
            "actorName": actor.map(|a| a.name.as_str()),
            "audience": event.audience.map(|a| a.as_str()),
            "before": event.before,
            "after": event.after,
        },
        "incident": {
            "id": incident.id.to_string(),
            "number": incident.number.to_string(),
            "title": incident.title,
            "service": incident.service,
            "status": incident.status.as_str(),
            "priority": incident.priority.map(|p| format!("P{}", p.rank())),
        },
    });
    if let Some(watchers) = watchers {
        payload["watchers"] = watchers
            .iter()
            .map(|u| json!({ "id": u.id, "name": u.name, "email": u.email }))
            .collect();
    }
    payload
}

/// One readable line: `INC-7 [P1] checkout-api: Payment timeouts — resolved by Ada`.
fn slack_text(incident: &Incident, event: &Event, actor: Option<&User>) -> String {
    let priority = incident
        .priority
        .map(|p| format!(" [P{}]", p.rank()))
        .unwrap_or_default();
    let who = actor.map_or(event.actor_id.as_str(), |a| a.name.as_str());
    let mut line = format!(
        "{}{priority} {}: {} — {} by {who}",
        incident.number,
        incident.service,
        incident.title,
        verb(event.kind)
    );
    // Only updates meant beyond the responders are quoted; working notes stay inside.
    if announces_beyond_responders(event)
        && let Some(body) = event
            .after
            .as_ref()
            .and_then(|a| a.get("body"))
            .and_then(Value::as_str)
    {
        let mut quote: String = body.chars().take(SLACK_QUOTE_CHARS).collect();
        if body.chars().count() > SLACK_QUOTE_CHARS {
            quote.push('…');
        }
        line.push_str(": ");
        line.push_str(&quote.replace(['\n', '\r'], " "));
    }
    escape_slack(&line)
}

fn verb(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Reported => "reported",
        EventKind::Triaged => "triaged",
        EventKind::InvestigationStarted => "investigation started",
        EventKind::Mitigated => "mitigated",
        EventKind::Resolved => "resolved",
        EventKind::Closed => "closed",
        EventKind::Reopened => "reopened",
        EventKind::Cancelled => "cancelled",
        EventKind::SuggestionRated => "suggestion rated",
        EventKind::Imported => "imported",
        EventKind::RoleAssigned => "role assigned",
        EventKind::RoleRelieved => "role relieved",
        EventKind::NoteAdded => "note added",
        EventKind::UpdatePosted => "update posted",
        EventKind::SlaWarning => "SLA warning",
        EventKind::SlaBreached => "SLA breached",
        EventKind::Escalation => "escalated",
        EventKind::AlertFiring => "alert firing",
        EventKind::AlertResolved => "alert resolved",
        EventKind::AlertAcknowledged => "alert acknowledged",
        EventKind::ProblemLinked => "linked to a problem",
        EventKind::ProblemUnlinked => "unlinked from its problem",
        EventKind::ProblemUpdated => "problem updated",
        EventKind::ReviewStarted => "review started",
        EventKind::ReviewPublished => "review published",
        EventKind::IncidentEdited => "edited",
        EventKind::RelatedIncidentLinked => "linked to a related incident",
        EventKind::RelatedIncidentUnlinked => "unlinked from a related incident",
    }
}

/// Slack reads `<...>` as links and mentions: user text must not be able to ping `@channel`.
fn escape_slack(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
