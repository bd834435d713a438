//! Fuzz target `csv_import`: the reader behind `hindsight import --format jira-csv`
//! (`import::Source` with Jira's columns) on arbitrary bytes as the CSV file. It must not
//! panic, must not give more rows than the file has lines, and must give the same rows
//! however the file's bytes arrive from `read`.
#![no_main]

use std::io::{self, Read};

use hindsight::domain::text::Service;
use hindsight::import::{ColumnSpec, Source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let whole = read_all(data);
    // A slice is read in one call (the reader's buffer is 64 KiB), so only a reader that
    // hands out a few bytes at a time makes records cross the buffer's refills.
    // Two schedules: a pipe written byte by byte, and reads of 1, 2, ..., 7 bytes in turn.
    for longest in [1, 7] {
        let trickled = read_all(Trickle {
            rest: data,
            next: 1,
            longest,
        });
        assert_eq!(
            whole, trickled,
            "the rows depend on how the bytes were read (reads of at most {longest} bytes)"
        );
    }

    if let Ok(rows) = &whole {
        // The header is a record, and each further record starts after a line break.
        let breaks = data.iter().filter(|&&b| b == b'\n' || b == b'\r').count();
        assert!(
            rows.len() <= breaks,
            "{} rows from {breaks} line breaks",
            rows.len()
        );
        // Lines count `\n` (as csv-core does) and never go back.
        let last_line = data.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let mut previous = 1;
        for (line, _) in rows {
            assert!(
                (previous..=last_line).contains(line),
                "line {line} after {previous}, of {last_line}"
            );
            previous = *line;
        }
    }
});

/// Each row's line and its `Debug` form (imported or rejected, and why), or why the file
/// cannot be opened.
fn read_all(reader: impl Read) -> Result<Vec<(u64, String)>, String> {
    // As the CLI builds it for `--format jira-csv` with no `--map` and the default service.
    let spec = ColumnSpec::jira()
        .with_map(&[])
        .expect("Jira's columns need no map");
    let service = Service::parse("imported").expect("the CLI's default service");
    let mut source = Source::open(reader, &spec, service).map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    while let Some(row) = source.next_row().expect("reading memory cannot fail") {
        let line = match &row {
            Ok(row) => row.line,
            Err(rejection) => rejection.line,
        };
        rows.push((line, format!("{row:?}")));
    }
    Ok(rows)
}

/// Hands out 1, 2, ..., `longest`, 1, 2, ... bytes per `read`.
struct Trickle<'a> {
    rest: &'a [u8],
    next: usize,
    longest: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.next.min(buf.len()).min(self.rest.len());
        let (head, tail) = self.rest.split_at(n);
        buf[..n].copy_from_slice(head);
        self.rest = tail;
        self.next = self.next % self.longest + 1;
        Ok(n)
    }
}
