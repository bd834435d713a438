//! CSV records with bounded memory. RFC 4180 (quoted fields may span lines), parsed by
//! `csv-core` straight from a `Read`: each record knows the line it starts on, only the cells of
//! wanted columns are kept, and a kept cell keeps at most `cell_cap` bytes while its full length
//! is still counted. A 50 MB cell therefore costs `cell_cap` bytes, and the row that holds it can
//! be rejected with its real size.

use std::io::{self, Read};

use csv_core::{ReadFieldResult, Reader as CoreReader};

const READ_BUFFER: usize = 64 * 1024;
/// While reading the header (every column wanted), at most this many columns are kept.
const MAX_KEPT_COLUMNS: usize = 10_000;

/// One cell: its first `cell_cap` bytes, and how long it really was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub bytes: Vec<u8>,
    pub len: u64,
}

impl Cell {
    /// Whether the cell was longer than the reader keeps.
    pub fn is_cut(&self) -> bool {
        (self.bytes.len() as u64) < self.len
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The line the record starts on (1 is the first line of the file).
    pub line: u64,
    /// How many fields the record has, kept or not.
    pub field_count: usize,
    cells: Vec<Option<Cell>>,
}

impl Record {
    /// The cell in `column`, if the record has that column and it was kept.
    pub fn cell(&self, column: usize) -> Option<&Cell> {
        self.cells.get(column).and_then(Option::as_ref)
    }
}

pub struct RecordReader<R> {
    inner: R,
    core: CoreReader,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    eof: bool,
    cell_cap: usize,
    /// Which columns to keep; empty keeps every column (up to `MAX_KEPT_COLUMNS`).
    keep: Vec<bool>,
}

impl<R: Read> RecordReader<R> {
    pub fn new(inner: R, cell_cap: usize) -> Self {
        Self {
            inner,
            core: CoreReader::new(),
            buf: vec![0; READ_BUFFER].into_boxed_slice(),
            pos: 0,
            len: 0,
            eof: false,
            cell_cap,
            keep: Vec::new(),
        }
    }

    /// From now on keep only these columns' cells, at most `cell_cap` bytes each.
    pub fn keep_only(&mut self, columns: &[usize], cell_cap: usize) {
        let width = columns.iter().max().map_or(0, |m| m + 1);
        self.keep = vec![false; width];
        for &c in columns {
            self.keep[c] = true;
        }
        // An empty `keep` means "everything": keep nothing explicitly instead.
        if self.keep.is_empty() {
            self.keep.push(false);
        }
        self.cell_cap = cell_cap;
    }

    /// The next bytes without consuming them: at least `at_least` of them (up to the buffer's
    /// size) unless the input ends first, however few bytes each `read` hands out (a pipe may
    /// give one at a time). Empty at the end of the input.
    pub fn peek(&mut self, at_least: usize) -> io::Result<&[u8]> {
        self.fill()?;
        if self.len - self.pos < at_least && self.len == self.buf.len() {
            // No room behind what is left: move it to the front.
            self.buf.copy_within(self.pos..self.len, 0);
            self.len -= self.pos;
            self.pos = 0;
        }
        while self.len - self.pos < at_least && !self.eof && self.len < self.buf.len() {
            match self.inner.read(&mut self.buf[self.len..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(&self.buf[self.pos..self.len])
    }

    /// Drops up to `n` bytes that `peek` showed, so the CSV parser never sees them.
    pub fn skip(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.len);
    }

    fn keeps(&self, column: usize) -> bool {
        if self.keep.is_empty() {
            column < MAX_KEPT_COLUMNS
        } else {
            self.keep.get(column).copied().unwrap_or(false)
        }
    }

    fn fill(&mut self) -> io::Result<()> {
        if self.pos < self.len || self.eof {
            return Ok(());
        }
        loop {
            match self.inner.read(&mut self.buf) {
                Ok(n) => {
                    self.pos = 0;
                    self.len = n;
                    self.eof = n == 0;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The next record, or `None` at the end of the input. Blank lines are skipped.
    pub fn next_record(&mut self) -> io::Result<Option<Record>> {
        // Consume the line breaks before the record (blank lines, the `\n` of a `\r\n`), so
        // that the parser's line count is the line the record starts on.
        loop {
            self.fill()?;
            let rest = &self.buf[self.pos..self.len];
            let breaks = rest
                .iter()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .count();
            if breaks == 0 {
                break;
            }
            // Line breaks before a record produce no output; csv-core wants room for some.
            let mut scratch = [0u8; 1];
            let (_, consumed, _) = self.core.read_field(&rest[..breaks], &mut scratch);
            self.pos += consumed;
            if consumed == 0 {
                break;
            }
        }
        let line = self.core.line();
        let mut cells = Vec::new();
        let mut field_count = 0usize;
        let mut cell = Vec::new();
        let mut cell_len = 0u64;
        let mut out = [0u8; 8 * 1024];
        loop {
            self.fill()?;
            let input = &self.buf[self.pos..self.len];
            let input_was_empty = input.is_empty();
            let (result, consumed, written) = self.core.read_field(input, &mut out);
            self.pos += consumed;
            let keep = self.keeps(field_count);
            if keep {
                let room = self.cell_cap.saturating_sub(cell.len());
                cell.extend_from_slice(&out[..written.min(room)]);
            }
            cell_len += written as u64;
            match result {
                ReadFieldResult::InputEmpty if input_was_empty && consumed == 0 => {
                    // csv-core ends every record on empty input; this is only a safeguard.
                    return Ok(None);
                }
                ReadFieldResult::InputEmpty | ReadFieldResult::OutputFull => {}
                ReadFieldResult::Field { record_end } => {
                    if keep {
                        cells.push(Some(Cell {
                            bytes: std::mem::take(&mut cell),
                            len: cell_len,
                        }));
                    } else if field_count < self.keep.len() {
                        cells.push(None);
                    }
                    field_count += 1;
                    cell.clear();
                    cell_len = 0;
                    if record_end {
                        return Ok(Some(Record {
                            line,
                            field_count,
                            cells,
                        }));
                    }
                }
                ReadFieldResult::End => {
                    if field_count == 0 && cell_len == 0 {
                        return Ok(None);
                    }
                    return Ok(Some(Record {
                        line,
                        field_count,
                        cells,
                    }));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &str) -> Vec<(u64, Vec<String>)> {
        let mut reader = RecordReader::new(input.as_bytes(), 1024);
        let mut out = Vec::new();
        while let Some(record) = reader.next_record().expect("in-memory read") {
            let cells = (0..record.field_count)
                .map(|c| {
                    String::from_utf8(record.cell(c).expect("kept").bytes.clone()).expect("utf-8")
                })
                .collect();
            out.push((record.line, cells));
        }
        out
    }

    #[test]
    fn lines_are_where_records_start() {
        let input = "a,b\n1,\"two\nlines\"\n\n3,x\n4,\"\"\"q\"\"\"";
        assert_eq!(
            all(input),
            vec![
                (1, vec!["a".into(), "b".into()]),
                (2, vec!["1".into(), "two\nlines".into()]),
                (5, vec!["3".into(), "x".into()]),
                (6, vec!["4".into(), "\"q\"".into()]),
            ]
        );
    }

    #[test]
    fn crlf_and_a_byte_order_mark() {
        let input = "\u{FEFF}a,b\r\n1,\"x\r\ny\"\r\n\r\n2,z\r\n";
        let records = all(input);
        assert_eq!(records[0], (1, vec!["a".into(), "b".into()]));
        assert_eq!(records[1], (2, vec!["1".into(), "x\r\ny".into()]));
        assert_eq!(records[2], (5, vec!["2".into(), "z".into()]));
        assert_eq!(records.len(), 3);
    }

    #[test]
    fn long_cells_are_cut_but_measured_and_unwanted_columns_dropped() {
        let big = "y".repeat(100_000);
        let input = format!("a,b,c\n1,{big},3\n");
        let mut reader = RecordReader::new(input.as_bytes(), 1024);
        reader.next_record().expect("read").expect("header");
        reader.keep_only(&[1], 10);
        let record = reader.next_record().expect("read").expect("row");
        assert_eq!(record.field_count, 3);
        assert!(record.cell(0).is_none() && record.cell(2).is_none());
        let cell = record.cell(1).expect("kept");
        assert_eq!(cell.bytes.len(), 10);
        assert_eq!(cell.len, 100_000);
        assert!(cell.is_cut());
        assert!(reader.next_record().expect("read").is_none());
    }

    /// Hands out one byte per read: every buffer boundary is crossed somewhere.
    struct OneByte<'a>(&'a [u8]);

    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((b, rest)), Some(slot)) => {
                    *slot = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn peek_sees_the_first_bytes_even_when_they_arrive_one_at_a_time() {
        let mut records = RecordReader::new(OneByte(b"\xff\xfeS\0"), 64);
        assert_eq!(records.peek(2).expect("read"), b"\xff\xfe");
        let mut short = RecordReader::new(OneByte(b"a"), 64);
        assert_eq!(short.peek(2).expect("read"), b"a");
        let record = short.next_record().expect("read").expect("a record");
        assert_eq!(record.field_count, 1);
    }

    #[test]
    fn reads_split_anywhere_give_the_same_records() {
        let input = "a,b\r\n\r\n1,\"x\r\ny\"\r\n2,z";
        let mut whole = RecordReader::new(input.as_bytes(), 64);
        let mut split = RecordReader::new(OneByte(input.as_bytes()), 64);
        loop {
            let (a, b) = (
                whole.next_record().expect("read"),
                split.next_record().expect("read"),
            );
            assert_eq!(a, b);
            if a.is_none() {
                break;
            }
        }
    }

    #[test]
    fn empty_input_has_no_records() {
        assert!(all("").is_empty());
        assert!(all("\n\n").is_empty());
    }
}
