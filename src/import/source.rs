//! A CSV export as a stream of parsed tickets: the header is read and checked first (a missing
//! column fails before anything is imported), then each row becomes an `ImportRow` or a
//! `Rejection`. An id that already appeared earlier in the file is rejected, naming that line.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Read};

use chrono_tz::Tz;

use super::columns::{ColumnSpec, Columns, Field, HeaderError};
use super::records::RecordReader;
use super::row::{self, CELL_CAP, ImportRow, Rejection};
use crate::domain::text::Service;

/// Bytes kept of each header name.
const HEADER_CELL_CAP: usize = 4 * 1024;

/// Why a file cannot be imported at all.
#[derive(Debug)]
pub enum OpenError {
    Read(io::Error),
    Empty,
    Utf16,
    Binary,
    Header(HeaderError),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read(e) => write!(f, "cannot read the file: {e}"),
            Self::Empty => f.write_str("the file is empty; a CSV export starts with a header line"),
            Self::Utf16 => f.write_str(
                "the file is UTF-16 (it starts with a UTF-16 byte order mark); export it as UTF-8 CSV",
            ),
            Self::Binary => f.write_str(
                "the header contains NUL bytes, so this is not a UTF-8 CSV file (UTF-16, or not text at all); export it as UTF-8 CSV",
            ),
            Self::Header(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for OpenError {}

/// Reading stopped partway (an I/O error): where, and why.
#[derive(Debug)]
pub struct ReadError {
    /// The line of the last record read in full.
    pub after_line: u64,
    pub source: io::Error,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "reading the file failed after line {}: {}",
            self.after_line, self.source
        )
    }
}

impl std::error::Error for ReadError {}

pub struct Source<R> {
    records: RecordReader<R>,
    columns: Columns,
    default_service: Service,
    /// Where times without a zone are read.
    zone: Tz,
    /// Each id's first line in this file.
    seen: HashMap<String, u64>,
    last_line: u64,
    /// The ids (`external_id` and the identity columns) of the last row read, rejected or not.
    last_ids: Vec<String>,
}

impl<R: Read> Source<R> {
    /// Reads the header and finds the columns of `spec`.
    pub fn open(reader: R, spec: &ColumnSpec, default_service: Service) -> Result<Self, OpenError> {
        let mut records = RecordReader::new(reader, HEADER_CELL_CAP);
        // The first bytes tell a byte order mark, however the file's bytes arrive. UTF-8 ones
        // are dropped here, every one of them (an export passed through two tools may carry
        // two): the CSV parser strips one only when its first read holds all three bytes, so
        // leaving any to it would make the header depend on how the bytes were chunked.
        loop {
            let start = records.peek(3).map_err(OpenError::Read)?;
            if start.starts_with(&[0xFF, 0xFE]) || start.starts_with(&[0xFE, 0xFF]) {
                return Err(OpenError::Utf16);
            }
            if !start.starts_with(&[0xEF, 0xBB, 0xBF]) {
                break;
            }
            records.skip(3);
        }
        let header = records
            .next_record()
            .map_err(OpenError::Read)?
            .ok_or(OpenError::Empty)?;
        let names: Vec<String> = (0..header.field_count)
            .map(|i| {
                header
                    .cell(i)
                    .map(|c| String::from_utf8_lossy(&c.bytes).into_owned())
                    .unwrap_or_default()
            })
            .collect();
        if names.iter().any(|n| n.contains('\0')) {
            return Err(OpenError::Binary);
        }
        let columns = spec.resolve(&names).map_err(OpenError::Header)?;
        records.keep_only(&columns.indexes(), CELL_CAP);
        Ok(Self {
            records,
            columns,
            default_service,
            zone: Tz::UTC,
            seen: HashMap::new(),
            last_line: header.line,
            last_ids: Vec::new(),
        })
    }

    /// Reads times without a zone in `zone` (Jira writes local times) instead of UTC.
    pub fn with_time_zone(mut self, zone: Tz) -> Self {
        self.zone = zone;
        self
    }

    /// What the missing optional columns mean for this import.
    pub fn notes(&self) -> &[String] {
        self.columns.notes()
    }

    /// The ids the last row read had (`external_id` and the identity columns), even when it
    /// was rejected: so a rejected row can still be named by the id others use for it.
    pub fn ids_of_last_row(&self) -> Vec<String> {
        self.last_ids.clone()
    }

    /// The next ticket, or why its row is skipped; `None` at the end of the file.
    pub fn next_row(&mut self) -> Result<Option<Result<ImportRow, Rejection>>, ReadError> {
        let record = match self.records.next_record() {
            Ok(Some(record)) => record,
            Ok(None) => return Ok(None),
            Err(source) => {
                return Err(ReadError {
                    after_line: self.last_line,
                    source,
                });
            }
        };
        self.last_line = record.line;
        self.last_ids = self
            .columns
            .get(Field::ExternalId)
            .map(|(i, _)| i)
            .into_iter()
            .chain(self.columns.identity().iter().copied())
            .filter_map(|i| record.cell(i))
            .filter(|c| !c.is_cut())
            .filter_map(|c| std::str::from_utf8(&c.bytes).ok())
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        let parsed =
            row::parse(&record, &self.columns, &self.default_service, self.zone).and_then(|row| {
                match self.seen.get(&row.external_id) {
                    Some(first) => Err(Rejection {
                        line: row.line,
                        reason: format!(
                            "{}: `{}` already appeared on line {first}; only that row is imported",
                            self.columns
                                .get(Field::ExternalId)
                                .map_or("external_id", |(_, n)| n),
                            row.external_id
                        ),
                    }),
                    None => {
                        self.seen.insert(row.external_id.clone(), row.line);
                        Ok(row)
                    }
                }
            });
        Ok(Some(parsed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lifecycle::Status;
    use crate::domain::priority::Level;

    const HEADER: &str =
        "Summary,Issue id,Status,Priority,Resolution,Created,Resolved,Description\n";

    fn rows(body: &[u8]) -> Vec<Result<ImportRow, Rejection>> {
        let mut input = HEADER.as_bytes().to_vec();
        input.extend_from_slice(body);
        let service = Service::parse("imported").expect("valid");
        let mut source =
            Source::open(input.as_slice(), &ColumnSpec::jira(), service).expect("header");
        let mut out = Vec::new();
        while let Some(row) = source.next_row().expect("in-memory read") {
            out.push(row);
        }
        out
    }

    fn reason(row: &Result<ImportRow, Rejection>) -> String {
        match row {
            Ok(r) => panic!("line {} was imported", r.line),
            Err(rejection) => rejection.to_string(),
        }
    }

    #[test]
    fn jira_rows_become_tickets() {
        let parsed = rows(
            b"DB down,101,Done,High,Fixed,02/Jan/20 5:14 PM,03/Jan/20 9:00 AM,\"two\nlines\"\n\
              Slow page,102,Closed,--,,2020-01-02 17:14:21+00:00,,\n\
              Flaky,103,In Progress,P4,Fixed,2020-01-02T17:14:21Z,2020-01-05T00:00:00Z,\n",
        );
        let done = parsed[0].as_ref().expect("imported");
        assert_eq!((done.line, done.external_id.as_str()), (2, "101"));
        assert_eq!(done.status, Status::Resolved);
        assert_eq!(done.levels, Some((Level::High, Level::Medium)));
        assert_eq!(
            done.resolution.as_ref().map(|r| r.as_str()),
            Some(row::NO_RESOLUTION),
            "`Fixed` is the resolution's kind, not its text"
        );
        assert_eq!(done.original["Resolution"], "Fixed", "kept for the event");
        assert_eq!(done.description.as_str(), "two\nlines");
        assert_eq!(
            done.resolved_at.map(|t| t.to_rfc3339()).as_deref(),
            Some("2020-01-03T09:00:00+00:00")
        );
        assert_eq!(done.closed_at, None);

        let closed = parsed[1].as_ref().expect("imported");
        assert_eq!(closed.line, 4, "the line after a two-line row");
        assert_eq!(closed.status, Status::Closed);
        assert_eq!(closed.levels, None);
        assert_eq!(
            closed.resolution.as_ref().map(|r| r.as_str()),
            Some(row::NO_RESOLUTION)
        );
        assert_eq!(closed.resolved_at, Some(closed.created_at));
        assert_eq!(closed.closed_at, Some(closed.created_at));

        let open = parsed[2].as_ref().expect("imported");
        assert_eq!(open.status, Status::Investigating);
        assert_eq!(open.resolution, None);
        assert_eq!(
            open.resolved_at, None,
            "only resolved tickets have a resolution time"
        );
        assert_eq!(open.original["Resolution"], "Fixed", "kept for the event");
    }

    #[test]
    fn each_bad_row_says_which_column_is_wrong() {
        let long_description = "d".repeat(25_000);
        let mut body = Vec::new();
        body.extend_from_slice(b",201,NEW,,,2020-01-02 17:14:21,,\n");
        body.extend_from_slice(b"No date,202,NEW,,,yesterday,,\n");
        body.extend_from_slice(b"Odd priority,203,NEW,Urgent,,2020-01-02 17:14:21,,\n");
        body.extend_from_slice(b"Too few,204,NEW\n");
        body.extend_from_slice(b"Caf\xe9 down,205,NEW,,,2020-01-02 17:14:21,,\n");
        body.extend_from_slice(b"Twice,201,NEW,,,2020-01-02 17:14:21,,\n");
        body.extend_from_slice(b"Twice again,206,NEW,,,2020-01-02 17:14:21,,\n");
        body.extend_from_slice(b"Twice again,206,NEW,,,2020-01-02 17:14:21,,\n");
        body.extend_from_slice(
            b"Backwards,207,RESOLVED,,,2020-01-02 17:14:21,2020-01-01 00:00:00,\n",
        );
        body.extend_from_slice(
            format!("Long,208,NEW,,,2020-01-02 17:14:21,,{long_description}\n").as_bytes(),
        );
        let parsed = rows(&body);
        assert_eq!(reason(&parsed[0]), "line 2: Summary: is empty");
        assert!(
            reason(&parsed[1])
                .starts_with("line 3: Created: `yesterday` is not a date; use RFC 3339"),
            "{}",
            reason(&parsed[1])
        );
        assert!(reason(&parsed[2]).starts_with("line 4: Priority: `Urgent` is not a priority"));
        assert!(reason(&parsed[3]).starts_with("line 5: has 3 fields but the header has 8"));
        assert_eq!(
            reason(&parsed[4]),
            "line 6: Summary: is not UTF-8 (byte 0xE9 at position 4); export the file as UTF-8"
        );
        // 201 was rejected on line 2, so line 7 is its first good row.
        assert!(parsed[5].is_ok());
        assert!(parsed[6].is_ok());
        assert_eq!(
            reason(&parsed[7]),
            "line 9: Issue id: `206` already appeared on line 8; only that row is imported"
        );
        assert!(
            reason(&parsed[8])
                .starts_with("line 10: Resolved: 2020-01-01T00:00:00+00:00 is before Created")
        );
        assert_eq!(
            reason(&parsed[9]),
            "line 11: Description: is 25000 characters long; at most 20000 are allowed"
        );
    }

    #[test]
    fn a_huge_cell_is_measured_not_kept() {
        let huge = "x".repeat(3 * CELL_CAP);
        let parsed = rows(
            format!(
                "Big,301,NEW,,,2020-01-02 17:14:21,,{huge}\nSmall,302,NEW,,,2020-01-02 17:14:21,,\n"
            )
            .as_bytes(),
        );
        assert_eq!(
            reason(&parsed[0]),
            format!(
                "line 2: Description: is {} bytes long; a description may have at most 20000 characters",
                3 * CELL_CAP
            )
        );
        assert_eq!(parsed[1].as_ref().map(|r| r.line), Ok(3));
    }

    #[test]
    fn long_titles_are_shortened_and_kept_whole() {
        let title = format!("{}end", "word ".repeat(60));
        let parsed = rows(format!("\"{title}\",401,NEW,,,2020-01-02 17:14:21,,\n").as_bytes());
        let row = parsed[0].as_ref().expect("imported");
        assert_eq!(row.title.as_str().chars().count(), 200);
        assert!(row.title.as_str().ends_with('…'));
        assert_eq!(row.original_title.as_deref(), Some(title.trim()));
    }

    #[test]
    fn files_that_cannot_be_imported() {
        let service = || Service::parse("s").expect("valid");
        let open = |bytes: &[u8]| {
            Source::open(bytes, &ColumnSpec::jira(), service())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(open(b"").contains("empty"));
        assert!(open(b"\xff\xfeS\0u\0").contains("UTF-16"));
        assert!(open(b"S\0u\0m\0,x\n").contains("NUL"));
        assert!(open(b"Summary,Issue id\n").contains("no `Created` column"));
    }

    /// Hands out the bytes in reads of 1, 2, 3, ... bytes, as a pipe may.
    struct Growing<'a> {
        rest: &'a [u8],
        next: usize,
    }

    impl std::io::Read for Growing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.next.min(buf.len()).min(self.rest.len());
            buf[..n].copy_from_slice(&self.rest[..n]);
            self.rest = &self.rest[n..];
            self.next += 1;
            Ok(n)
        }
    }

    /// How many rows of `file` import, read whole and in reads of 1, 2, 3, ... bytes.
    fn imported_rows_however_read(file: &[u8]) -> Vec<usize> {
        let rows = |reader: Box<dyn std::io::Read + '_>| {
            let service = Service::parse("s").expect("valid");
            let mut source = Source::open(reader, &ColumnSpec::jira(), service).expect("opens");
            let mut imported = 0;
            while let Some(row) = source.next_row().expect("reads") {
                imported += usize::from(row.is_ok());
            }
            imported
        };
        let mut counts = vec![rows(Box::new(file))];
        for first in [1, 2, 3] {
            counts.push(rows(Box::new(Growing {
                rest: file,
                next: first,
            })));
        }
        counts
    }

    #[test]
    fn jira_resolutions_comments_components_and_keys() {
        let file = "Summary,Issue key,Issue id,Status,Resolution,Created,Resolved,Component/s,Component/s,Comment,Comment,Outward issue link (Duplicate),Custom field (Root cause)\n\
            DB down,OPS-1,101,Done,Done,30/Sep/21 17:20,01/Oct/21 9:00 AM,db,api,30/Sep/21 17:30;u1;Looking,01/Oct/21 08:59;u2;Failed over to the replica,,Disk full\n\
            DB down again,OPS-2,102,Closed,Duplicate,01/Oct/21 10:00,01/Oct/21 11:00,,,,,OPS-1,\n\
            Wontfix,OPS-3,103,Resolved,Won't Do,01/Oct/21 10:00,01/Oct/21 11:00,,,,,,\n";
        let service = Service::parse("imported").expect("valid");
        let spec = ColumnSpec::jira()
            .with_map(&["root_cause=Custom field (Root cause)".into()])
            .expect("valid map");
        let berlin: Tz = "Europe/Berlin".parse().expect("zone");
        let mut source = Source::open(file.as_bytes(), &spec, service)
            .expect("header")
            .with_time_zone(berlin);
        let mut rows = Vec::new();
        while let Some(row) = source.next_row().expect("read") {
            rows.push(row.expect("imported"));
        }
        let done = &rows[0];
        assert_eq!(done.external_id, "OPS-1");
        assert_eq!(done.keys, ["101", "OPS-1"]);
        assert_eq!(done.service.as_str(), "db");
        assert_eq!(
            done.original["Component/s"],
            serde_json::json!(["db", "api"])
        );
        assert_eq!(done.status, Status::Resolved);
        assert_eq!(done.created_at.to_rfc3339(), "2021-09-30T15:20:00+00:00");
        assert_eq!(done.comments.len(), 2);
        assert_eq!(
            done.resolution.as_ref().map(|r| r.as_str()),
            Some("Disk full"),
            "the root cause, before the last comment"
        );
        assert_eq!(
            done.root_cause.as_ref().map(|r| r.as_str()),
            Some("Disk full")
        );
        let duplicate = &rows[1];
        assert_eq!(duplicate.status, Status::Cancelled);
        assert_eq!(duplicate.resolution, None);
        assert_eq!(
            duplicate
                .cancellation
                .as_ref()
                .and_then(|c| c.duplicate_of.as_deref()),
            Some("OPS-1")
        );
        assert!(!duplicate.in_knowledge_base());
        assert_eq!(rows[2].status, Status::Cancelled);
        assert_eq!(
            rows[2].cancellation.as_ref().map(|c| c.kind.as_str()),
            Some("Won't Do")
        );
    }

    #[test]
    fn the_last_comment_is_the_summary_when_no_column_gives_one() {
        let file = "Summary,Issue id,Status,Resolution,Created,Comment,Comment\n\
            Queue stuck,1,Done,Fixed,2024-01-01 10:00,2024-01-01 10:05;u;first,2024-01-01 11:00;u;Drained the queue\n";
        let service = Service::parse("s").expect("valid");
        let mut source =
            Source::open(file.as_bytes(), &ColumnSpec::jira(), service).expect("header");
        let row = source
            .next_row()
            .expect("read")
            .expect("a row")
            .expect("imported");
        assert_eq!(
            row.resolution.as_ref().map(|r| r.as_str()),
            Some("Drained the queue")
        );
    }

    const JIRA_FILE: &[u8] = b"Summary,Issue id,Created\nDisk full,1,2024-01-31T17:14:21Z\n";

    #[test]
    fn a_utf8_byte_order_mark_is_dropped_however_the_bytes_arrive() {
        let file = [b"\xef\xbb\xbf".as_slice(), JIRA_FILE].concat();
        assert_eq!(imported_rows_however_read(&file), [1, 1, 1, 1]);
    }

    #[test]
    fn every_leading_byte_order_mark_is_dropped_however_the_bytes_arrive() {
        // Found by the csv_import fuzz target: with two marks, the parser stripped the second
        // only when its first read held all of it.
        let twice = [b"\xef\xbb\xbf\xef\xbb\xbf".as_slice(), JIRA_FILE].concat();
        assert_eq!(imported_rows_however_read(&twice), [1, 1, 1, 1]);
        // More marks than the read buffer holds: what is left moves to the front.
        let many = [b"\xef\xbb\xbf".repeat(30_000).as_slice(), JIRA_FILE].concat();
        assert_eq!(imported_rows_however_read(&many), [1, 1, 1, 1]);
    }
}
