//! One ticket, parsed: a CSV record becomes an `ImportRow` of validated values, or a
//! `Rejection` with its line number and reasons that name the columns.
//!
//! The resolution's kind (`Resolution`) decides whether a finished ticket is resolved or was
//! cancelled (see `mapping::cancelling`); the resolution's text comes from the mapped
//! `summary`, `fix` or `root_cause` columns, else from the last comment.

use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

pub use super::cells::CELL_CAP;
use super::cells::{Cells, clip, preview, reason};
use super::columns::{Columns, Field};
pub use super::comments::ImportedComment;
use super::comments::read_comments;
use super::dates::{self, NotADate};
use super::mapping::{self, Cancel, PRIORITIES_ACCEPTED};
use super::records::Record;
pub use super::resolution::NO_RESOLUTION;
use super::resolution::{Resolution, resolution_text};
use crate::domain::ids::{IncidentId, IncidentNumber, UserId};
use crate::domain::incident::{Incident, Source, StoredResolution};
use crate::domain::lifecycle::Status;
use crate::domain::priority::{Level, Priority};
use crate::domain::text::{
    Category, Description, Fix, ResolutionSummary, RootCause, Service, Title,
};

/// The longest original id kept.
pub const MAX_EXTERNAL_ID_CHARS: usize = 200;

/// A row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub line: u64,
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// Where the rows come from, for the IMPORTED timeline event.
#[derive(Debug, Clone)]
pub struct Origin {
    /// `jira-csv` or `csv`.
    pub format: String,
    /// The file's name (not its path).
    pub file: String,
}

/// A ticket closed without a fix (Won't Do, Duplicate, ...): imported as cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancellation {
    /// The export's resolution, e.g. `Won't Do`.
    pub kind: String,
    /// For a duplicate, the original's id as the export names it.
    pub duplicate_of: Option<String>,
}

/// A ticket ready to become an incident.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub line: u64,
    pub external_id: String,
    /// Every id the export gives the ticket (`external_id`, `Issue key`, `Issue id`): an
    /// incident with any of them is this ticket, imported before.
    pub keys: Vec<String>,
    pub title: Title,
    /// The full title, when it was longer than a title may be and was shortened.
    pub original_title: Option<String>,
    pub description: Description,
    pub service: Service,
    pub category: Option<Category>,
    pub status: Status,
    /// Impact and urgency that derive the exported priority (see `mapping::levels_for`).
    pub levels: Option<(Level, Level)>,
    /// Set exactly when the status is RESOLVED or CLOSED.
    pub resolution: Option<ResolutionSummary>,
    pub root_cause: Option<RootCause>,
    pub fix: Option<Fix>,
    /// Set exactly when the status is CANCELLED.
    pub cancellation: Option<Cancellation>,
    pub comments: Vec<ImportedComment>,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The export's own words for the mapped values, by column name: kept in the event.
    pub original: Map<String, Value>,
}

/// An `ImportRow` made an incident, with what its timeline gets besides.
pub struct ImportedIncident {
    pub incident: Incident,
    /// The `after` of its IMPORTED timeline event (which describes the source row).
    pub imported: Value,
    /// Its comments as notes: when (the import time if the export gives none), and the
    /// event's `after`.
    pub notes: Vec<(DateTime<Utc>, Value)>,
    /// The original it duplicates, as the export names it.
    pub duplicate_of: Option<String>,
}

impl ImportRow {
    /// Resolved and closed tickets enter the knowledge base; cancelled ones do not.
    pub fn in_knowledge_base(&self) -> bool {
        matches!(self.status, Status::Resolved | Status::Closed)
    }

    /// The incident and its events. Triage and investigation times stay empty: the export
    /// does not say them.
    pub fn into_incident(
        self,
        id: IncidentId,
        number: IncidentNumber,
        reporter_id: &UserId,
        origin: &Origin,
        now: DateTime<Utc>,
    ) -> ImportedIncident {
        let priority = self.levels.map(|(i, u)| Priority::derive(i, u));
        let mut original = self.original;
        if let Some(title) = self.original_title {
            original.insert("title".into(), Value::String(title));
        }
        let imported = json!({
            "source": origin.format,
            "file": origin.file,
            "line": self.line,
            "externalId": self.external_id,
            "status": self.status.as_str(),
            "priority": priority.map(|p| format!("P{}", p.rank())),
            "original": original,
        });
        let notes = self
            .comments
            .into_iter()
            .map(|c| {
                let after = json!({
                    "body": c.body.as_str(),
                    "imported": true,
                    "author": c.author,
                    "at": c.at.map(|t| t.to_rfc3339()),
                });
                (c.at.unwrap_or(now), after)
            })
            .collect();
        let cancelled_at = self
            .cancellation
            .as_ref()
            .and(self.resolved_at.or(Some(self.created_at)));
        let duplicate_of = self
            .cancellation
            .as_ref()
            .and_then(|c| c.duplicate_of.clone());
        let incident = Incident {
            id,
            number,
            title: self.title.into_inner(),
            description: self.description.into_inner(),
            service: self.service.into_inner(),
            category: self.category.map(Category::into_inner),
            source: Source::Imported,
            status: self.status,
            impact: self.levels.map(|(i, _)| i),
            urgency: self.levels.map(|(_, u)| u),
            priority,
            resolution: self.resolution.map(|summary| StoredResolution {
                summary: summary.into_inner(),
                root_cause: self.root_cause.map(RootCause::into_inner),
                fix: self.fix.map(Fix::into_inner),
                helped_by: Vec::new(),
                helped_by_known_errors: Vec::new(),
            }),
            cancel_reason: self
                .cancellation
                .map(|c| format!("Imported as resolved `{}`", c.kind)),
            duplicate_of: None,
            reporter_id: reporter_id.clone(),
            external_id: Some(self.external_id),
            version: 1,
            created_at: self.created_at,
            updated_at: now,
            triaged_at: None,
            investigating_at: None,
            mitigated_at: None,
            resolved_at: self.resolved_at.filter(|_| cancelled_at.is_none()),
            closed_at: self.closed_at,
            cancelled_at,
            reopened_at: None,
            resolution_runs: Vec::new(),
            acknowledged_at: None,
            manager_assigned_at: None,
            reopen_count: 0,
            impact_started_at: None,
            public_title: None,
        };
        ImportedIncident {
            incident,
            imported,
            notes,
            duplicate_of,
        }
    }
}

/// Parses one record, naive times read in `zone`. Every problem of the row is reported, each
/// naming its column.
pub fn parse(
    record: &Record,
    columns: &Columns,
    default_service: &Service,
    zone: Tz,
) -> Result<ImportRow, Rejection> {
    let reject = |mut reasons: Vec<String>| {
        if reasons.is_empty() {
            reasons.push("could not be read".into());
        }
        Rejection {
            line: record.line,
            reason: reasons.join("; "),
        }
    };
    if record.field_count != columns.width() {
        return Err(reject(vec![format!(
            "has {} fields but the header has {}; is a quote left open or a comma unquoted?",
            record.field_count,
            columns.width()
        )]));
    }
    let mut row = Cells::new(record, columns, zone);

    // Each reader gives `None` when it recorded a problem; optional ones give `Some(None)`
    // for an absent column or a blank cell.
    let external_id = row.required(Field::ExternalId, external_id);
    let title = row.required(Field::Title, |column, s| {
        let (title, original) = shorten_title(s);
        Title::parse(&title)
            .map(|t| (t, original))
            .map_err(|e| reason(column, e))
    });
    let description = row
        .optional(Field::Description, |column, s| {
            Description::parse(s).map_err(|e| reason(column, e))
        })
        .and_then(|d| d.or_else(|| Description::parse("").ok()));
    let service = first_service(&mut row, default_service);
    let category = row
        .optional(Field::Category, |column, s| {
            Category::parse(s).map_err(|e| reason(column, e))
        })
        .flatten();
    let status = row
        .optional(Field::Status, |_, s| Ok(mapping::status(s)))
        .map(|s| s.unwrap_or(Status::New));
    let levels = row
        .optional(Field::Priority, |column, s| match mapping::priority(s) {
            Some(rank) => Ok(rank.map(mapping::levels_for)),
            None => Err(format!(
                "{column}: `{}` is not a priority; use {PRIORITIES_ACCEPTED}",
                preview(s)
            )),
        })
        .flatten()
        .flatten();
    let created_at = row.required(Field::Created, |c, s| row_date(zone, c, s));
    let comments = read_comments(&mut row);
    keep_list(&mut row, Field::Labels);
    let finished = matches!(status, Some(Status::Resolved | Status::Closed));
    let kind = if finished {
        row.optional(Field::Resolution, |_, s| Ok(s.to_owned()))
            .flatten()
    } else {
        None
    };
    let cancel = kind.as_deref().and_then(mapping::cancelling);
    // A resolution and its time belong to finished tickets; other tickets' cells are only
    // kept in the event.
    let mut text = Resolution::default();
    let resolved_at = if finished {
        if cancel.is_none() {
            text = resolution_text(&mut row, comments.as_deref());
        }
        // No resolution time: resolved when created, the only time the export gives.
        row.optional(Field::Resolved, |c, s| row_date(zone, c, s))
            .and_then(|r| r.or(created_at))
    } else {
        row.keep_only_original(Field::Resolution);
        row.keep_only_original(Field::Resolved);
        None
    };
    let duplicate_of = match cancel {
        Some(Cancel::Duplicate) => row
            .texts(Field::DuplicateOf)
            .first()
            .map(|(_, s)| s.to_string()),
        _ => None,
    };
    if let (Some(created), Some(resolved_time)) = (created_at, resolved_at)
        && resolved_time < created
    {
        let message = format!(
            "{}: {} is before {} {}",
            row.column_name(Field::Resolved),
            resolved_time.to_rfc3339(),
            row.column_name(Field::Created),
            created.to_rfc3339()
        );
        row.problems.push(message);
    }

    let (
        Some(external_id),
        Some((title, original_title)),
        Some(description),
        Some(service),
        Some(status),
        Some(created_at),
        Some(comments),
        Some(text),
    ) = (
        external_id,
        title,
        description,
        service,
        status,
        created_at,
        comments,
        text.parsed(),
    )
    else {
        return Err(reject(row.problems));
    };
    if !row.problems.is_empty() || (finished && resolved_at.is_none()) {
        return Err(reject(row.problems));
    }
    let mut keys = row.identity();
    keys.push(external_id.clone());
    keys.sort();
    keys.dedup();
    let cancellation = cancel.map(|_| Cancellation {
        kind: kind.clone().unwrap_or_default(),
        duplicate_of,
    });
    let status = if cancellation.is_some() {
        Status::Cancelled
    } else {
        status
    };
    Ok(ImportRow {
        line: record.line,
        external_id,
        keys,
        title,
        original_title,
        description,
        service,
        category,
        status,
        levels,
        resolution: text.summary.filter(|_| cancellation.is_none() && finished),
        root_cause: text.root_cause,
        fix: text.fix,
        cancellation,
        comments,
        created_at,
        resolved_at,
        closed_at: resolved_at.filter(|_| status == Status::Closed),
        original: row.original,
    })
}

/// The first non-blank service (Jira repeats `Component/s`), else `default`; every one is kept
/// in the event. `None` when a cell had a problem.
fn first_service(row: &mut Cells<'_>, default: &Service) -> Option<Service> {
    let before = row.problems.len();
    let found = row.texts(Field::Service);
    if row.problems.len() > before {
        return None;
    }
    if let Some((column, text)) = found.first() {
        if found.len() > 1 {
            let all = found.iter().map(|(_, t)| Value::String(clip(t, 500)));
            row.original
                .insert(row.column_name(Field::Service), Value::Array(all.collect()));
        } else {
            row.original.insert(
                row.column_name(Field::Service),
                Value::String(clip(text, 500)),
            );
        }
        return Service::parse(text)
            .map_err(|e| row.problems.push(reason(column, e)))
            .ok();
    }
    Some(default.clone())
}

/// Keeps every non-blank cell of a repeated field in the event, as a list.
fn keep_list(row: &mut Cells<'_>, field: Field) {
    let before = row.problems.len();
    let values: Vec<Value> = row
        .texts(field)
        .into_iter()
        .map(|(_, t)| Value::String(clip(t, 500)))
        .collect();
    row.problems.truncate(before);
    if !values.is_empty() {
        row.original
            .insert(row.column_name(field), Value::Array(values));
    }
}

fn row_date(zone: Tz, column: &str, s: &str) -> Result<DateTime<Utc>, String> {
    dates::parse_in(s, zone).map_err(|e| match e {
        NotADate::Format => format!(
            "{column}: `{}` is not a date; use {}",
            preview(s),
            dates::ACCEPTED
        ),
        NotADate::Skipped(zone) => format!(
            "{column}: `{}` is not a time in {zone} (the clocks skipped it)",
            preview(s)
        ),
    })
}

fn external_id(column: &str, s: &str) -> Result<String, String> {
    let chars = s.chars().count();
    if chars > MAX_EXTERNAL_ID_CHARS {
        Err(format!(
            "{column}: is {chars} characters long; an id may have at most {MAX_EXTERNAL_ID_CHARS}"
        ))
    } else if let Some(c) = s.chars().find(|c| c.is_control()) {
        Err(format!(
            "{column}: must not contain the control character U+{:04X}",
            u32::from(c)
        ))
    } else {
        Ok(s.to_owned())
    }
}

/// Whitespace runs (line breaks included) become one space; a title over the limit is cut to
/// it, ending in "…". Returns the title and, when shortened, the full one.
fn shorten_title(raw: &str) -> (String, Option<String>) {
    let joined = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= Title::MAX_CHARS {
        return (joined, None);
    }
    let mut short: String = joined.chars().take(Title::MAX_CHARS - 1).collect();
    short.truncate(short.trim_end().len());
    short.push('…');
    (short, Some(joined))
}
