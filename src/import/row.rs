//! One ticket, parsed: a CSV record becomes an `ImportRow` of validated values, or a
//! `Rejection` with its line number and reasons that name the columns.

use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::columns::{Columns, Field};
use super::dates;
use super::mapping::{self, PRIORITIES_ACCEPTED};
use super::records::{Cell, Record};
use crate::domain::DomainError;
use crate::domain::ids::{IncidentId, IncidentNumber, UserId};
use crate::domain::incident::{Incident, Source, StoredResolution};
use crate::domain::lifecycle::Status;
use crate::domain::priority::{Level, Priority};
use crate::domain::text::{Category, Description, ResolutionSummary, Service, Title};

/// The longest original id kept.
pub const MAX_EXTERNAL_ID_CHARS: usize = 200;
/// The resolution summary of a resolved ticket whose export has none.
pub const NO_RESOLUTION: &str = "Resolved before import (no resolution recorded)";
/// Bytes kept of each cell: a description at its limit (20,000 characters) is at most 80,000
/// bytes of UTF-8. A longer cell is measured, not kept, and its row is rejected.
pub const CELL_CAP: usize = Description::MAX_CHARS * 4 + 1024;
/// Characters of each short source cell kept in the IMPORTED event.
const ORIGINAL_CHARS: usize = 500;

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

/// A ticket ready to become an incident.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub line: u64,
    pub external_id: String,
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
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The export's own words for the mapped values, by column name: kept in the event.
    pub original: Map<String, Value>,
}

impl ImportRow {
    /// Resolved and closed tickets enter the knowledge base.
    pub fn in_knowledge_base(&self) -> bool {
        matches!(self.status, Status::Resolved | Status::Closed)
    }

    /// The incident, and the `after` of its IMPORTED timeline event (which describes the
    /// source row). Triage and investigation times stay empty: the export does not say them.
    pub fn into_incident(
        self,
        id: IncidentId,
        number: IncidentNumber,
        reporter_id: &UserId,
        origin: &Origin,
        now: DateTime<Utc>,
    ) -> (Incident, Value) {
        let priority = self.levels.map(|(i, u)| Priority::derive(i, u));
        let mut original = self.original;
        if let Some(title) = self.original_title {
            original.insert("title".into(), Value::String(title));
        }
        let after = json!({
            "source": origin.format,
            "file": origin.file,
            "line": self.line,
            "externalId": self.external_id,
            "status": self.status.as_str(),
            "priority": priority.map(|p| format!("P{}", p.rank())),
            "original": original,
        });
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
                root_cause: None,
                fix: None,
                helped_by: Vec::new(),
            }),
            cancel_reason: None,
            duplicate_of: None,
            reporter_id: reporter_id.clone(),
            external_id: Some(self.external_id),
            version: 1,
            created_at: self.created_at,
            updated_at: now,
            triaged_at: None,
            investigating_at: None,
            mitigated_at: None,
            resolved_at: self.resolved_at,
            closed_at: self.closed_at,
            cancelled_at: None,
            reopened_at: None,
            resolution_runs: Vec::new(),
        };
        (incident, after)
    }
}

/// Parses one record. Every problem of the row is reported, each naming its column.
pub fn parse(
    record: &Record,
    columns: &Columns,
    default_service: &Service,
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
    let mut row = Cells {
        record,
        columns,
        problems: Vec::new(),
        original: Map::new(),
    };

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
    let service = row
        .optional(Field::Service, |column, s| {
            Service::parse(s).map_err(|e| reason(column, e))
        })
        .and_then(|s| s.or_else(|| Some(default_service.clone())));
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
    let created_at = row.required(Field::Created, date);
    let resolved = matches!(status, Some(Status::Resolved | Status::Closed));
    // A resolution and its time belong to resolved tickets; other tickets' cells are only
    // kept in the event.
    let (resolution, resolved_at) = if resolved {
        let resolution = row
            .optional(Field::Resolution, |column, s| {
                ResolutionSummary::parse(s).map_err(|e| reason(column, e))
            })
            .and_then(|r| r.or_else(|| ResolutionSummary::parse(NO_RESOLUTION).ok()));
        // No resolution time: resolved when created, the only time the export gives.
        let resolved_at = row
            .optional(Field::Resolved, date)
            .and_then(|r| r.or(created_at));
        (resolution, resolved_at)
    } else {
        row.keep_only_original(Field::Resolution);
        row.keep_only_original(Field::Resolved);
        (None, None)
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
    ) = (external_id, title, description, service, status, created_at)
    else {
        return Err(reject(row.problems));
    };
    if !row.problems.is_empty() || (resolved && (resolution.is_none() || resolved_at.is_none())) {
        return Err(reject(row.problems));
    }
    Ok(ImportRow {
        line: record.line,
        external_id,
        title,
        original_title,
        description,
        service,
        category,
        status,
        levels,
        resolution,
        created_at,
        resolved_at,
        closed_at: resolved_at.filter(|_| status == Status::Closed),
        original: row.original,
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

fn date(column: &str, s: &str) -> Result<DateTime<Utc>, String> {
    dates::parse(s).ok_or_else(|| {
        format!(
            "{column}: `{}` is not a date; use {}",
            preview(s),
            dates::ACCEPTED
        )
    })
}

/// A domain rule's message, under the column's name.
fn reason(column: &str, e: DomainError) -> String {
    match e {
        DomainError::Invalid { message, .. } => format!("{column}: {message}"),
        other => format!("{column}: {other}"),
    }
}

/// At most 40 characters of a cell, for messages.
fn preview(s: &str) -> String {
    clip(s, 40)
}

/// At most `max` characters, ending in "…" when cut.
fn clip(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if s.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// Reads one record's cells by field, collecting the row's problems and the original values
/// of the short fields.
struct Cells<'a> {
    record: &'a Record,
    columns: &'a Columns,
    problems: Vec<String>,
    original: Map<String, Value>,
}

impl<'a> Cells<'a> {
    fn column_name(&self, field: Field) -> String {
        self.columns
            .get(field)
            .map_or_else(|| field.key().to_owned(), |(_, n)| n.to_owned())
    }

    /// The trimmed text of the field's cell: `Ok(None)` when there is no column or the cell
    /// is blank; `Err` (recorded as a problem) when it is too long or not UTF-8. The short
    /// fields' text is kept for the timeline event.
    fn text(&mut self, field: Field) -> Result<Option<&'a str>, ()> {
        let Some((index, column)) = self.columns.get(field) else {
            return Ok(None);
        };
        let Some(cell) = self.record.cell(index) else {
            return Ok(None);
        };
        let text = match decode(field, column, cell) {
            Ok(s) => s.trim(),
            Err(problem) => {
                self.problems.push(problem);
                return Err(());
            }
        };
        if text.is_empty() {
            return Ok(None);
        }
        if matches!(
            field,
            Field::Status | Field::Priority | Field::Resolution | Field::Created | Field::Resolved
        ) {
            self.original
                .insert(column.to_owned(), Value::String(clip(text, ORIGINAL_CHARS)));
        }
        Ok(Some(text))
    }

    /// Keeps a field's text for the event without reading it; a bad cell is no problem here.
    fn keep_only_original(&mut self, field: Field) {
        let before = self.problems.len();
        let _ = self.text(field);
        self.problems.truncate(before);
    }

    /// A field every ticket must have.
    fn required<T>(
        &mut self,
        field: Field,
        parse: impl FnOnce(&str, &str) -> Result<T, String>,
    ) -> Option<T> {
        let column = self.column_name(field);
        match self.text(field) {
            Err(()) => None,
            Ok(None) => {
                self.problems.push(format!("{column}: is empty"));
                None
            }
            Ok(Some(text)) => parse(&column, text)
                .map_err(|problem| self.problems.push(problem))
                .ok(),
        }
    }

    /// A field that may be absent or blank (`Some(None)`); `None` when it has a problem.
    fn optional<T>(
        &mut self,
        field: Field,
        parse: impl FnOnce(&str, &str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        let column = self.column_name(field);
        match self.text(field) {
            Err(()) => None,
            Ok(None) => Some(None),
            Ok(Some(text)) => parse(&column, text)
                .map(Some)
                .map_err(|problem| self.problems.push(problem))
                .ok(),
        }
    }
}

/// A kept cell as text: refuses one that was longer than the reader keeps, and bytes that are
/// not UTF-8 (an export in another encoding).
fn decode<'c>(field: Field, column: &str, cell: &'c Cell) -> Result<&'c str, String> {
    if cell.is_cut() {
        return Err(if field == Field::Description {
            format!(
                "{column}: is {} bytes long; a description may have at most {} characters",
                cell.len,
                Description::MAX_CHARS
            )
        } else {
            format!(
                "{column}: is {} bytes long; a cell may have at most {CELL_CAP} bytes",
                cell.len
            )
        });
    }
    std::str::from_utf8(&cell.bytes).map_err(|e| {
        let at = e.valid_up_to();
        format!(
            "{column}: is not UTF-8 (byte 0x{:02X} at position {}); export the file as UTF-8",
            cell.bytes[at],
            at + 1
        )
    })
}
