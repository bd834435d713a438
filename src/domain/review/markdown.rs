//! Reviews as Markdown: the sections a new review is pre-filled with (the timeline as a
//! table, the durations to triage, mitigate and resolve, the resolution), and the whole review
//! as one document, the way teams paste it into a wiki. Table cells are escaped: a `|` or a
//! line break inside a cell would otherwise break the table.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde_json::Value;

use super::action_item::ActionItem;
use super::{Review, Sections};
use crate::domain::event::EventKind;
use crate::domain::incident::Incident;

/// One timeline event as the review shows it: names, not ids.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    /// The actor's name (or id, for a system principal).
    pub actor: String,
    pub kind: EventKind,
    pub after: Option<Value>,
    /// The scribe's remark beside the event, if any.
    pub annotation: Option<String>,
}

/// Text safe inside a table cell: `|` escaped, line breaks as `<br>`, `\` kept literal.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '|' => out.push_str("\\|"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("<br>");
            }
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

/// Markdown reduced to its words: headings, emphasis, code ticks and table pipes taken out.
pub fn plain(markdown: &str) -> String {
    markdown
        .lines()
        .map(|line| {
            let line = line.trim_start_matches(['#', '>', ' ']);
            let cleaned: String = line
                .chars()
                .map(|c| match c {
                    '|' => ' ',
                    c => c,
                })
                .filter(|c| !matches!(c, '*' | '`' | '#' | '_'))
                .collect();
            cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .filter(|line| !line.is_empty() && !line.chars().all(|c| matches!(c, '-' | ':' | ' ')))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `1h 05m`, `3m 20s`, `2d 4h 00m`.
pub fn duration(d: TimeDelta) -> String {
    let total = d.num_seconds().max(0);
    let (days, hours, minutes, seconds) = (
        total / 86_400,
        total % 86_400 / 3_600,
        total % 3_600 / 60,
        total % 60,
    );
    if days > 0 {
        format!("{days}d {hours}h {minutes:02}m")
    } else if hours > 0 {
        format!("{hours}h {minutes:02}m")
    } else if minutes > 0 {
        format!("{minutes}m {seconds:02}s")
    } else {
        format!("{seconds}s")
    }
}

/// "Investigation started" for INVESTIGATION_STARTED.
fn label(kind: EventKind) -> String {
    let words = kind.as_str().replace('_', " ").to_lowercase();
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

/// The event's detail in a line: its scalar values as `key: value`, nested ones dotted.
fn detail(after: Option<&Value>) -> String {
    fn walk(prefix: &str, value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if k.ends_with("Id") || k == "id" || k == "sla" {
                        continue;
                    }
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            Value::Null => {}
            Value::Array(items) if items.is_empty() => {}
            Value::Array(items) => {
                let list: Vec<String> = items
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .collect();
                out.push(format!("{prefix}: {}", list.join(", ")));
            }
            Value::String(s) => out.push(format!("{prefix}: {s}")),
            other => out.push(format!("{prefix}: {other}")),
        }
    }
    let mut parts = Vec::new();
    if let Some(after) = after {
        walk("", after, &mut parts);
    }
    let line = parts.join("; ");
    const MAX: usize = 300;
    if line.chars().count() > MAX {
        let cut: String = line.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        line
    }
}

fn since_report(incident: &Incident, at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(
        || "not recorded".to_owned(),
        |at| duration(at - incident.created_at),
    )
}

/// The durations and the timeline table: the raw material of "what happened".
pub fn what_happened(incident: &Incident, timeline: &[TimelineEntry]) -> String {
    let mut out = String::new();
    out.push_str("### Durations\n\n");
    out.push_str(&format!(
        "- Time to triage: {}\n- Time to mitigate: {}\n- Time to resolve: {}\n\n",
        since_report(incident, incident.triaged_at),
        since_report(incident, incident.mitigated_at),
        since_report(incident, incident.resolved_at),
    ));
    out.push_str("### Timeline\n\n");
    out.push_str(&timeline_table(timeline));
    out
}

/// Every event with its time (UTC), actor, detail and annotation, as a Markdown table.
pub fn timeline_table(timeline: &[TimelineEntry]) -> String {
    let mut out = String::from(
        "| Time (UTC) | Actor | Event | Details | Annotation |\n|---|---|---|---|---|\n",
    );
    for e in timeline {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            e.at.format("%Y-%m-%d %H:%M:%S"),
            cell(&e.actor),
            cell(&label(e.kind)),
            cell(&detail(e.after.as_ref())),
            cell(e.annotation.as_deref().unwrap_or("")),
        ));
    }
    out
}

/// The root cause section from the incident's resolution.
pub fn root_cause(incident: &Incident) -> String {
    let Some(r) = &incident.resolution else {
        return String::new();
    };
    let mut out = String::new();
    if let Some(cause) = r.root_cause.as_deref().filter(|c| !c.trim().is_empty()) {
        out.push_str(cause.trim());
        out.push_str("\n\n");
    }
    out.push_str(&format!("**Resolution:** {}", r.summary.trim()));
    if let Some(fix) = r.fix.as_deref().filter(|f| !f.trim().is_empty()) {
        out.push_str(&format!("\n\n**Fix:** {}", fix.trim()));
    }
    out
}

/// The sections a new review of `incident` starts with.
pub fn prefill(incident: &Incident, timeline: &[TimelineEntry]) -> Sections {
    Sections {
        what_happened: what_happened(incident, timeline),
        root_cause: root_cause(incident),
        ..Sections::default()
    }
}

/// An action item as the document lists it.
#[derive(Debug, Clone)]
pub struct ItemLine<'a> {
    pub item: &'a ActionItem,
    pub owner: String,
    /// `PRB-7`, if linked to a problem.
    pub problem: Option<String>,
}

/// Who and what the document's heading names.
#[derive(Debug, Clone)]
pub struct Heading<'a> {
    pub incident: &'a Incident,
    pub owner: String,
    pub participants: Vec<String>,
}

fn section(out: &mut String, title: &str, body: &str) {
    out.push_str(&format!("## {title}\n\n"));
    if body.trim().is_empty() {
        out.push_str("_Not written yet._\n\n");
    } else {
        out.push_str(body.trim_end());
        out.push_str("\n\n");
    }
}

/// The whole review as one Markdown document.
pub fn document(
    review: &Review,
    heading: &Heading<'_>,
    items: &[ItemLine<'_>],
    today: NaiveDate,
) -> String {
    let incident = heading.incident;
    let s = &review.sections;
    let mut out = format!(
        "# Post-incident review: {} {}\n\n",
        incident.number,
        incident.title.replace(['\r', '\n'], " ")
    );
    let priority = incident
        .priority
        .map_or_else(|| "untriaged".to_owned(), |p| format!("P{}", p.rank()));
    out.push_str(&format!(
        "- Status: {}\n- Owner: {}\n- Participants: {}\n- Service: {}\n- Priority: {}\n- Reported: {}\n",
        review.status.as_str(),
        heading.owner,
        if heading.participants.is_empty() {
            "none".to_owned()
        } else {
            heading.participants.join(", ")
        },
        incident.service,
        priority,
        incident.created_at.format("%Y-%m-%d %H:%M UTC"),
    ));
    if let Some(at) = incident.resolved_at {
        out.push_str(&format!(
            "- Resolved: {}\n",
            at.format("%Y-%m-%d %H:%M UTC")
        ));
    }
    if let Some(at) = review.published_at {
        out.push_str(&format!(
            "- Published: {}\n",
            at.format("%Y-%m-%d %H:%M UTC")
        ));
    }
    out.push('\n');
    section(&mut out, "Summary", &s.summary);
    section(&mut out, "Customer impact", &s.customer_impact);
    section(&mut out, "What happened", &s.what_happened);
    section(&mut out, "Root cause", &s.root_cause);
    let factors: String = s
        .contributing_factors
        .iter()
        .map(|f| format!("- {f}\n"))
        .collect();
    section(&mut out, "Contributing factors", &factors);
    section(&mut out, "What went well", &s.went_well);
    section(&mut out, "What went badly", &s.went_badly);
    section(&mut out, "Lessons", &s.lessons);
    out.push_str("## Action items\n\n");
    if items.is_empty() {
        out.push_str("_None yet._\n");
        return out;
    }
    out.push_str("| Title | Owner | Due | Kind | Status | Problem |\n|---|---|---|---|---|---|\n");
    for line in items {
        let item = line.item;
        let mut status = item.status.as_str().to_owned();
        if item.is_overdue(today) {
            status.push_str(" (overdue)");
        }
        if let Some(reason) = &item.reason {
            status.push_str(&format!(": {reason}"));
        }
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            cell(&item.title),
            cell(&line.owner),
            item.due_date,
            item.kind.as_str(),
            cell(&status),
            cell(line.problem.as_deref().unwrap_or("")),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_escape_pipes_and_line_breaks() {
        assert_eq!(cell("a | b"), "a \\| b");
        assert_eq!(
            cell("one\ntwo\r\nthree\rfour"),
            "one<br>two<br>three<br>four"
        );
        assert_eq!(cell("  x  "), "x");
    }

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(duration(TimeDelta::seconds(42)), "42s");
        assert_eq!(duration(TimeDelta::seconds(200)), "3m 20s");
        assert_eq!(duration(TimeDelta::seconds(3_900)), "1h 05m");
        assert_eq!(
            duration(TimeDelta::seconds(2 * 86_400 + 4 * 3_600)),
            "2d 4h 00m"
        );
        assert_eq!(duration(TimeDelta::seconds(-5)), "0s");
    }

    #[test]
    fn the_timeline_table_has_one_row_per_event_with_its_annotation() {
        let at = DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let table = timeline_table(&[
            TimelineEntry {
                at,
                actor: "Ada | ops".into(),
                kind: EventKind::InvestigationStarted,
                after: Some(json!({ "status": "INVESTIGATING", "incidentId": "x" })),
                annotation: Some("paged\nat night".into()),
            },
            TimelineEntry {
                at,
                actor: "Bob".into(),
                kind: EventKind::Resolved,
                after: Some(json!({ "resolution": { "summary": "restarted", "fix": null } })),
                annotation: None,
            },
        ]);
        let rows: Vec<&str> = table.lines().collect();
        assert_eq!(rows.len(), 4, "{table}");
        assert_eq!(
            rows[2],
            "| 2026-12-07 10:00:00 | Ada \\| ops | Investigation started | status: INVESTIGATING | paged<br>at night |"
        );
        assert!(rows[3].contains("resolution.summary: restarted"), "{table}");
    }
}
