//! PagerDuty's Events API v2 (`POST /v2/enqueue`), so any tool that can page PagerDuty can
//! raise hindsight incidents: one event per request, `trigger`, `acknowledge` or `resolve`,
//! authenticated by its `routing_key`. The replies copy PagerDuty's: 202 with the dedup key,
//! or 400 `invalid event` with the reasons.

use std::collections::BTreeMap;

use http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{Parsed, json};
use crate::domain::alert::{
    Alert, AlertError, AlertStatus, Grouping, Link, MAX_LINK_TEXT_CHARS, MAX_LINKS,
    MAX_SOURCE_CHARS, MAX_SUMMARY_CHARS, RawAlert, Severity, check_text, check_url, parse_instant,
    quote,
};
use crate::domain::secret::Secret;

/// PagerDuty answers an accepted event with 202 and `success_reply`.
pub const ACCEPTED: StatusCode = StatusCode::ACCEPTED;
/// And a refused one with 400 and `error_reply`.
pub const INVALID: StatusCode = StatusCode::BAD_REQUEST;

/// Our own integration keys are longer than PagerDuty's 32 characters; anything past this is
/// not a key at all.
const MAX_ROUTING_KEY_CHARS: usize = 256;

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct Event {
    routing_key: Option<String>,
    event_action: Option<String>,
    dedup_key: Option<String>,
    payload: Option<Payload>,
    images: Option<Vec<Image>>,
    links: Option<Vec<WireLink>>,
    client: Option<String>,
    client_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct Payload {
    summary: Option<String>,
    source: Option<String>,
    severity: Option<String>,
    timestamp: Option<String>,
    component: Option<String>,
    group: Option<String>,
    class: Option<String>,
    /// Any JSON: PagerDuty documents an object but shows strings too.
    custom_details: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct Image {
    src: Option<String>,
    href: Option<String>,
    alt: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "an object")]
struct WireLink {
    href: Option<String>,
    text: Option<String>,
}

/// One event as one alert. `grouping` does not apply: an event is already one alert.
pub fn parse(body: &[u8], _grouping: Grouping) -> Result<Parsed, AlertError> {
    let event: Event = json::read(&json::parse_body(body)?, "")?;
    let routing_key =
        present(&event.routing_key).ok_or_else(|| AlertError::required("routing_key"))?;
    check_text("routing_key", routing_key, MAX_ROUTING_KEY_CHARS)?;
    let routing_key = Secret::new(routing_key);
    let action =
        present(&event.event_action).ok_or_else(|| AlertError::required("event_action"))?;
    let status = match action.to_ascii_lowercase().as_str() {
        "trigger" => AlertStatus::Firing,
        "acknowledge" => AlertStatus::Acknowledged,
        "resolve" => AlertStatus::Resolved,
        _ => {
            return Err(AlertError::new(
                "event_action",
                format!(
                    "expected trigger, acknowledge or resolve, found {}",
                    quote(action)
                ),
            ));
        }
    };
    let raw = match status {
        AlertStatus::Firing => trigger(event)?,
        _ => RawAlert {
            dedup_key: Some(
                present(&event.dedup_key)
                    .ok_or_else(|| {
                        AlertError::new("dedup_key", "required to acknowledge or resolve")
                    })?
                    .to_owned(),
            ),
            status,
            details: json!({}),
            ..RawAlert::default()
        },
    };
    let alert = Alert::from_raw(raw, "payload")?;
    Ok(Parsed {
        alerts: vec![alert],
        routing_key: Some(routing_key),
    })
}

fn trigger(event: Event) -> Result<RawAlert, AlertError> {
    let payload = event
        .payload
        .ok_or_else(|| AlertError::required("payload"))?;
    let summary =
        present(&payload.summary).ok_or_else(|| AlertError::required("payload.summary"))?;
    check_text("payload.summary", summary, MAX_SUMMARY_CHARS)?;
    let source = present(&payload.source).ok_or_else(|| AlertError::required("payload.source"))?;
    check_text("payload.source", source, MAX_SOURCE_CHARS)?;
    let severity =
        present(&payload.severity).ok_or_else(|| AlertError::required("payload.severity"))?;
    let severity = Severity::parse_exact(severity).ok_or_else(|| {
        AlertError::new(
            "payload.severity",
            format!(
                "expected critical, error, warning or info, found {}",
                quote(severity)
            ),
        )
    })?;
    let timestamp = match &payload.timestamp {
        Some(raw) => parse_instant("payload.timestamp", raw)?,
        None => None,
    };
    let mut labels = BTreeMap::new();
    for (name, value) in [
        ("component", &payload.component),
        ("group", &payload.group),
        ("class", &payload.class),
    ] {
        if let Some(value) = present(value) {
            check_text(&format!("payload.{name}"), value, MAX_SOURCE_CHARS)?;
            labels.insert(name.to_owned(), value.to_owned());
        }
    }
    let links = links(
        event.links.unwrap_or_default(),
        &event.client,
        &event.client_url,
    )?;
    let mut details = Map::new();
    if let Some(custom) = payload.custom_details {
        details.insert("custom_details".into(), custom);
    }
    if let Some(client) = present(&event.client) {
        details.insert("client".into(), client.into());
    }
    let images = images(event.images.unwrap_or_default())?;
    if !images.is_empty() {
        details.insert("images".into(), Value::Array(images));
    }
    // PagerDuty makes up a key for a trigger without one, and so do we: a fresh alert each time.
    let (dedup_key, dedup_key_generated) = match present(&event.dedup_key) {
        Some(key) => (key.to_owned(), false),
        None => (Uuid::new_v4().to_string(), true),
    };
    Ok(RawAlert {
        dedup_key: Some(dedup_key),
        dedup_key_generated,
        status: AlertStatus::Firing,
        summary: Some(summary.to_owned()),
        severity: Some(severity),
        labels,
        source: Some(source.to_owned()),
        timestamp,
        links,
        details: Value::Object(details),
        ..RawAlert::default()
    })
}

/// The event's `links`, then `client_url` (named by `client`), each checked under its own name.
fn links(
    wire: Vec<WireLink>,
    client: &Option<String>,
    client_url: &Option<String>,
) -> Result<Vec<Link>, AlertError> {
    if wire.len() > MAX_LINKS {
        return Err(AlertError::new(
            "links",
            format!("more than {MAX_LINKS} links"),
        ));
    }
    let mut out = Vec::with_capacity(wire.len() + 1);
    for (i, link) in wire.into_iter().enumerate() {
        let href =
            present(&link.href).ok_or_else(|| AlertError::required(format!("links[{i}].href")))?;
        check_url(&format!("links[{i}].href"), href)?;
        let text = present(&link.text).map(str::to_owned);
        if let Some(text) = &text {
            check_text(&format!("links[{i}].text"), text, MAX_LINK_TEXT_CHARS)?;
        }
        out.push(Link {
            href: href.to_owned(),
            text,
        });
    }
    if let Some(href) = present(client_url) {
        check_url("client_url", href)?;
        if out.len() == MAX_LINKS {
            return Err(AlertError::new(
                "links",
                format!("more than {MAX_LINKS} links with client_url"),
            ));
        }
        let text = present(client).unwrap_or("Client");
        check_text("client", text, MAX_LINK_TEXT_CHARS)?;
        out.push(Link {
            href: href.to_owned(),
            text: Some(text.to_owned()),
        });
    }
    Ok(out)
}

/// `images` for the timeline: `src` required and a web address, as PagerDuty requires.
fn images(wire: Vec<Image>) -> Result<Vec<Value>, AlertError> {
    if wire.len() > MAX_LINKS {
        return Err(AlertError::new(
            "images",
            format!("more than {MAX_LINKS} images"),
        ));
    }
    let mut out = Vec::with_capacity(wire.len());
    for (i, image) in wire.into_iter().enumerate() {
        let src =
            present(&image.src).ok_or_else(|| AlertError::required(format!("images[{i}].src")))?;
        check_url(&format!("images[{i}].src"), src)?;
        let mut entry = Map::new();
        entry.insert("src".into(), src.into());
        if let Some(href) = present(&image.href) {
            check_url(&format!("images[{i}].href"), href)?;
            entry.insert("href".into(), href.into());
        }
        if let Some(alt) = present(&image.alt) {
            check_text(&format!("images[{i}].alt"), alt, MAX_LINK_TEXT_CHARS)?;
            entry.insert("alt".into(), alt.into());
        }
        out.push(Value::Object(entry));
    }
    Ok(out)
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The body PagerDuty answers an accepted event with (status `ACCEPTED`).
pub fn success_reply(dedup_key: &str) -> Value {
    json!({"status": "success", "message": "Event processed", "dedup_key": dedup_key})
}

/// The body PagerDuty answers a refused event with (status `INVALID`).
pub fn error_reply(error: &AlertError) -> Value {
    json!({
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": [error.to_string()],
    })
}

#[cfg(test)]
mod tests;
