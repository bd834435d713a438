//! The notification shape Alertmanager and Grafana share: a group of alerts with common labels,
//! each alert with labels, annotations, start and end, and a fingerprint. Grafana adds a few
//! fields, read here too (Alertmanager never sends them, so they cost nothing).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Parsed, json};
use crate::domain::alert::{
    Alert, AlertError, AlertStatus, Grouping, Link, MAX_ALERTS, MAX_LINKS, RawAlert, Severity,
    check_url, parse_instant, quote,
};

type Strings = BTreeMap<String, String>;

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase", expecting = "an object")]
struct Payload {
    version: Option<String>,
    group_key: Option<String>,
    truncated_alerts: Option<u64>,
    status: Option<String>,
    receiver: Option<String>,
    group_labels: Option<Strings>,
    common_labels: Option<Strings>,
    common_annotations: Option<Strings>,
    #[serde(rename = "externalURL")]
    external_url: Option<String>,
    alerts: Option<Vec<WireAlert>>,
    // Grafana only.
    org_id: Option<i64>,
    title: Option<String>,
    state: Option<String>,
    message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase", expecting = "an object")]
struct WireAlert {
    status: Option<String>,
    labels: Option<Strings>,
    annotations: Option<Strings>,
    starts_at: Option<String>,
    ends_at: Option<String>,
    #[serde(rename = "generatorURL")]
    generator_url: Option<String>,
    fingerprint: Option<String>,
    // Grafana only.
    values: Option<Value>,
    value_string: Option<String>,
    #[serde(rename = "silenceURL")]
    silence_url: Option<String>,
    #[serde(rename = "dashboardURL")]
    dashboard_url: Option<String>,
    #[serde(rename = "panelURL")]
    panel_url: Option<String>,
    #[serde(rename = "imageURL")]
    image_url: Option<String>,
}

/// Reads a webhook body; `sender` names the tool in the link to its own page.
pub(super) fn parse(body: &[u8], grouping: Grouping, sender: &str) -> Result<Parsed, AlertError> {
    let value = json::parse_body(body)?;
    // Counted before the alerts are read into structs, so a flood costs one pass.
    let count = value
        .get("alerts")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if count > MAX_ALERTS {
        return Err(AlertError::new(
            "alerts",
            format!("{count} alerts; at most {MAX_ALERTS} are allowed"),
        ));
    }
    let mut payload: Payload = json::read(&value, "")?;
    let wire_alerts = payload
        .alerts
        .take()
        .ok_or_else(|| AlertError::required("alerts"))?;
    let external = link(&payload.external_url, sender, "externalURL")?;
    let mut members = Vec::with_capacity(wire_alerts.len());
    for (i, wire) in wire_alerts.into_iter().enumerate() {
        members.push(one(
            wire,
            &payload,
            external.clone(),
            &format!("alerts[{i}]"),
        )?);
    }
    let alerts = match grouping {
        Grouping::Alert => members,
        Grouping::Group if members.is_empty() => Vec::new(),
        Grouping::Group => vec![group(&payload, external, &members)?],
    };
    Ok(Parsed {
        alerts,
        routing_key: None,
    })
}

fn one(
    wire: WireAlert,
    payload: &Payload,
    external: Option<Link>,
    path: &str,
) -> Result<Alert, AlertError> {
    let status = match wire.status.as_deref().map(str::trim) {
        None | Some("") => AlertStatus::Firing,
        Some(s) if s.eq_ignore_ascii_case("firing") => AlertStatus::Firing,
        Some(s) if s.eq_ignore_ascii_case("resolved") => AlertStatus::Resolved,
        Some(other) => {
            return Err(AlertError::new(
                format!("{path}.status"),
                format!("expected firing or resolved, found {}", quote(other)),
            ));
        }
    };
    let starts_at = instant(&wire.starts_at, &format!("{path}.startsAt"))?;
    let ends_at = instant(&wire.ends_at, &format!("{path}.endsAt"))?;
    let labels = wire.labels.unwrap_or_default();
    if labels.is_empty() {
        // Alertmanager and Grafana always send at least `alertname`: an alert without labels
        // names nothing to page about and nothing to deduplicate on.
        return Err(AlertError::new(
            format!("{path}.labels"),
            "an alert needs at least one label (Alertmanager and Grafana send `alertname`)",
        ));
    }
    let at = |field: &str| format!("{path}.{field}");
    let links = [
        link(&wire.generator_url, "Alert rule", &at("generatorURL"))?,
        link(&wire.silence_url, "Silence", &at("silenceURL"))?,
        link(&wire.dashboard_url, "Dashboard", &at("dashboardURL"))?,
        link(&wire.panel_url, "Panel", &at("panelURL"))?,
        link(&wire.image_url, "Image", &at("imageURL"))?,
        external,
    ];
    let details = object([
        ("receiver", payload.receiver.clone().map(Value::from)),
        ("groupKey", payload.group_key.clone().map(Value::from)),
        ("fingerprint", wire.fingerprint.clone().map(Value::from)),
        ("orgId", payload.org_id.map(Value::from)),
        ("values", wire.values),
        ("valueString", wire.value_string.map(Value::from)),
    ]);
    let raw = RawAlert {
        dedup_key: wire.fingerprint,
        status,
        severity: labels.get("severity").and_then(|s| Severity::parse(s)),
        labels,
        annotations: wire.annotations.unwrap_or_default(),
        starts_at,
        // A firing alert's `endsAt` is when Alertmanager will give up on it, not an end.
        ends_at: ends_at.filter(|_| status == AlertStatus::Resolved),
        links: distinct(links.into_iter().flatten(), MAX_LINKS),
        details: Value::Object(details),
        ..RawAlert::default()
    };
    Alert::from_raw(raw, path)
}

/// The notification group as one alert, keyed by `groupKey`: firing while any member fires
/// (resolved once the payload says so), labelled and annotated with what its members share,
/// as severe as its most severe member, started at its earliest start.
fn group(
    payload: &Payload,
    external: Option<Link>,
    members: &[Alert],
) -> Result<Alert, AlertError> {
    let key = payload
        .group_key
        .clone()
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| AlertError::new("groupKey", "required when alerts are grouped by group"))?;
    let status = match payload.status.as_deref().map(str::trim) {
        Some(s) if s.eq_ignore_ascii_case("resolved") => AlertStatus::Resolved,
        Some(s) if s.eq_ignore_ascii_case("firing") => AlertStatus::Firing,
        _ if members.iter().any(|a| a.status() == AlertStatus::Firing) => AlertStatus::Firing,
        _ => AlertStatus::Resolved,
    };
    let labels = payload
        .common_labels
        .clone()
        .or_else(|| payload.group_labels.clone())
        .unwrap_or_default();
    let member_links = members.iter().flat_map(|a| a.links().iter().cloned());
    // A group's links are a sample: the first few distinct ones, never an error.
    let links = distinct(external.into_iter().chain(member_links), MAX_LINKS);
    let summaries: Vec<Value> = members
        .iter()
        .map(|a| {
            json!({
                "status": a.status().as_str(),
                "dedupKey": a.dedup_key(),
                "labels": a.labels(),
                "startsAt": a.starts_at().map(|t| t.to_rfc3339()),
                "endsAt": a.ends_at().map(|t| t.to_rfc3339()),
            })
        })
        .collect();
    let mut details = object([
        ("receiver", payload.receiver.clone().map(Value::from)),
        ("groupKey", Some(Value::from(key.clone()))),
        (
            "groupLabels",
            payload.group_labels.as_ref().map(|l| json!(l)),
        ),
        ("truncatedAlerts", payload.truncated_alerts.map(Value::from)),
        ("version", payload.version.clone().map(Value::from)),
        ("orgId", payload.org_id.map(Value::from)),
        ("title", payload.title.clone().map(Value::from)),
        ("state", payload.state.clone().map(Value::from)),
        ("message", payload.message.clone().map(Value::from)),
    ]);
    details.insert("alerts".into(), Value::Array(summaries));
    let raw = RawAlert {
        dedup_key: Some(key),
        status,
        severity: members
            .iter()
            .filter_map(Alert::severity)
            .min()
            .or_else(|| labels.get("severity").and_then(|s| Severity::parse(s))),
        labels,
        annotations: payload.common_annotations.clone().unwrap_or_default(),
        starts_at: members.iter().filter_map(Alert::starts_at).min(),
        ends_at: latest(members).filter(|_| status == AlertStatus::Resolved),
        links,
        details: Value::Object(details),
        ..RawAlert::default()
    };
    Alert::from_raw(raw, "")
}

fn latest(members: &[Alert]) -> Option<DateTime<Utc>> {
    members.iter().filter_map(Alert::ends_at).max()
}

fn instant(raw: &Option<String>, path: &str) -> Result<Option<DateTime<Utc>>, AlertError> {
    match raw {
        Some(raw) => parse_instant(path, raw),
        None => Ok(None),
    }
}

/// A link from an optional URL field (checked under the field's own name); senders write
/// `""` for "none".
fn link(href: &Option<String>, text: &str, path: &str) -> Result<Option<Link>, AlertError> {
    let Some(href) = href.as_deref().map(str::trim).filter(|h| !h.is_empty()) else {
        return Ok(None);
    };
    check_url(path, href)?;
    Ok(Some(Link {
        href: href.to_owned(),
        text: Some(text.to_owned()),
    }))
}

/// The first `max` links with distinct addresses.
fn distinct(links: impl Iterator<Item = Link>, max: usize) -> Vec<Link> {
    let mut out: Vec<Link> = Vec::new();
    for link in links {
        if out.len() == max {
            break;
        }
        if !out.iter().any(|l| l.href == link.href) {
            out.push(link);
        }
    }
    out
}

/// A JSON object of the entries that are present.
fn object<const N: usize>(entries: [(&str, Option<Value>); N]) -> Map<String, Value> {
    entries
        .into_iter()
        .filter_map(|(key, value)| Some((key.to_owned(), value?)))
        .collect()
}
