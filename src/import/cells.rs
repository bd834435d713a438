//! Reading one CSV record's cells by field: each cell decoded (UTF-8, within the kept size),
//! trimmed, its problems collected under the column's name, and the short fields' original
//! text kept for the IMPORTED timeline event.

use chrono_tz::Tz;
use serde_json::{Map, Value};

use super::columns::{Columns, Field};
use super::records::{Cell, Record};
use crate::domain::DomainError;
use crate::domain::text::Description;

/// Bytes kept of each cell: a description at its limit (20,000 characters) is at most 80,000
/// bytes of UTF-8. A longer cell is measured, not kept, and its row is rejected.
pub const CELL_CAP: usize = Description::MAX_CHARS * 4 + 1024;

/// Characters of each short source cell kept in the IMPORTED event.
const ORIGINAL_CHARS: usize = 500;

pub struct Cells<'a> {
    pub record: &'a Record,
    pub columns: &'a Columns,
    pub zone: Tz,
    pub problems: Vec<String>,
    pub original: Map<String, Value>,
}

impl<'a> Cells<'a> {
    pub fn new(record: &'a Record, columns: &'a Columns, zone: Tz) -> Self {
        Self {
            record,
            columns,
            zone,
            problems: Vec::new(),
            original: Map::new(),
        }
    }

    pub fn column_name(&self, field: Field) -> String {
        self.columns
            .get(field)
            .map_or_else(|| field.key().to_owned(), |(_, n)| n.to_owned())
    }

    /// The trimmed text of the cell at `index`: `Ok(None)` when blank; `Err` (recorded as a
    /// problem) when it is too long or not UTF-8.
    fn cell_text(
        &mut self,
        field: Field,
        index: usize,
        column: &str,
    ) -> Result<Option<&'a str>, ()> {
        let Some(cell) = self.record.cell(index) else {
            return Ok(None);
        };
        match decode(field, column, cell) {
            Ok(s) if s.trim().is_empty() => Ok(None),
            Ok(s) => Ok(Some(s.trim())),
            Err(problem) => {
                self.problems.push(problem);
                Err(())
            }
        }
    }

    /// The trimmed text of the field's (first) cell: `Ok(None)` when there is no column or
    /// the cell is blank. The short fields' text is kept for the timeline event.
    pub fn text(&mut self, field: Field) -> Result<Option<&'a str>, ()> {
        let Some((index, column)) = self.columns.get(field) else {
            return Ok(None);
        };
        let column = column.to_owned();
        let text = self.cell_text(field, index, &column)?;
        if let Some(text) = text
            && matches!(
                field,
                Field::Status
                    | Field::Priority
                    | Field::Resolution
                    | Field::Created
                    | Field::Resolved
                    | Field::Service
            )
        {
            self.original
                .insert(column, Value::String(clip(text, ORIGINAL_CHARS)));
        }
        Ok(text)
    }

    /// Every non-blank cell of a repeated field, in header order, each with the name a
    /// message gives it (`Comment #2` for the second `Comment` column).
    pub fn texts(&mut self, field: Field) -> Vec<(String, &'a str)> {
        let name = self.column_name(field);
        let indexes = self.columns.all(field).to_vec();
        let mut out = Vec::new();
        for (n, index) in indexes.iter().enumerate() {
            let column = if indexes.len() > 1 {
                format!("{name} #{}", n + 1)
            } else {
                name.clone()
            };
            if let Ok(Some(text)) = self.cell_text(field, *index, &column) {
                out.push((column, text));
            }
        }
        out
    }

    /// The cells of the identity columns (`Issue key`, `Issue id`), whatever the mapping.
    pub fn identity(&self) -> Vec<String> {
        self.columns
            .identity()
            .iter()
            .filter_map(|&i| self.record.cell(i))
            .filter_map(|c| std::str::from_utf8(&c.bytes).ok().filter(|_| !c.is_cut()))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Keeps a field's text for the event without reading it; a bad cell is no problem here.
    pub fn keep_only_original(&mut self, field: Field) {
        let before = self.problems.len();
        let _ = self.text(field);
        self.problems.truncate(before);
    }

    /// A field every ticket must have.
    pub fn required<T>(
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
    pub fn optional<T>(
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

/// A domain rule's message, under the column's name.
pub fn reason(column: &str, e: DomainError) -> String {
    match e {
        DomainError::Invalid { message, .. } => format!("{column}: {message}"),
        other => format!("{column}: {other}"),
    }
}

/// At most 40 characters of a cell, for messages.
pub fn preview(s: &str) -> String {
    clip(s, 40)
}

/// At most `max` characters, ending in "…" when cut.
pub fn clip(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if s.chars().nth(max).is_some() {
        out.push('…');
    }
    out
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
