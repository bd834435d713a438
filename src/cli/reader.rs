//! How `import` and `backtest` read an export: one set of options (`--format`, `--map`,
//! `--time-zone`) and one reader (`import::Source`), so a file one command reads the other
//! reads the same way, with the same per-row errors.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use chrono_tz::Tz;

use super::ImportFormat;
use crate::domain::text::Service;
use crate::import::{ColumnSpec, Source};

/// The reading options as given on the command line.
#[derive(Debug, Clone)]
pub struct Reading {
    pub format: ImportFormat,
    pub map: Vec<String>,
    pub zone: Tz,
}

impl Reading {
    pub fn new(format: ImportFormat, map: &[String], zone: Tz) -> Self {
        Self {
            format,
            map: map.to_vec(),
            zone,
        }
    }

    /// `jira-csv` or `csv`, as the IMPORTED event records it.
    pub fn format_name(&self) -> &'static str {
        match self.format {
            ImportFormat::JiraCsv => "jira-csv",
            ImportFormat::Csv => "csv",
        }
    }

    /// The columns to read, or why `--map` is wrong.
    pub fn spec(&self) -> Result<ColumnSpec, String> {
        let base = match self.format {
            ImportFormat::JiraCsv => ColumnSpec::jira(),
            ImportFormat::Csv => ColumnSpec::mapped(),
        };
        base.with_map(&self.map)
    }

    /// Opens `reader` (already checked to be a readable file named `shown`): reads the header
    /// and finds the columns.
    pub fn open<R: Read>(
        &self,
        reader: R,
        spec: &ColumnSpec,
        service: Service,
        shown: &str,
    ) -> Result<Source<R>, String> {
        Source::open(reader, spec, service)
            .map(|s| s.with_time_zone(self.zone))
            .map_err(|e| format!("{shown}: {e}"))
    }
}

/// Opens a file for reading, refusing a folder with a clear message.
pub fn open_file(file: &Path) -> Result<(File, u64), String> {
    let shown = file.display().to_string();
    let handle = File::open(file).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let metadata = handle
        .metadata()
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    if metadata.is_dir() {
        return Err(format!("cannot read {shown}: it is a folder"));
    }
    Ok((handle, metadata.len()))
}

/// `--time-zone`: an IANA name such as `Europe/Berlin` or `UTC`.
pub fn time_zone(raw: &str) -> Result<Tz, String> {
    raw.trim().parse::<Tz>().map_err(|_| {
        format!("`{raw}` is not an IANA time zone; use a name such as UTC, Europe/Berlin or America/New_York")
    })
}
