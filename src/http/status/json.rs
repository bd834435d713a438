//! `/status.json`: the status page for machines. Field names are part of the public contract:
//! camelCase, timestamps RFC 3339 in UTC, statuses in SCREAMING_CASE like the GraphQL enums.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::service::status_page::{PublicIncident, StatusPage};

pub fn render(page: &StatusPage) -> Value {
    json!({
        "allSystemsOperational": page.open.is_empty(),
        "generatedAt": timestamp(page.generated_at),
        "recentlyResolvedDays": page.resolved_days,
        "openIncidents": page.open.iter().map(incident).collect::<Vec<_>>(),
        "recentlyResolved": page.recently_resolved.iter().map(incident).collect::<Vec<_>>(),
    })
}

fn incident(i: &PublicIncident) -> Value {
    json!({
        "id": i.id.to_string(),
        "title": i.title,
        "service": i.service,
        "status": i.status.as_str(),
        "statusLabel": i.status.label(),
        "startedAt": timestamp(i.started_at),
        "resolvedAt": i.resolved_at.map(timestamp),
        "updates": i.updates.iter().map(|u| json!({
            "at": timestamp(u.at),
            "status": u.status.map(|s| s.as_str()),
            "body": u.body,
        })).collect::<Vec<_>>(),
    })
}

/// `2026-11-27T14:03:07Z`: seconds are what a status page needs, and a fixed width keeps
/// the field easy to compare as text.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}
