//! Reading a bug tracker's export: reports (one per row, RFC 4180, fields may span lines) and
//! duplicate links (`Issue id,Duplicate id`, a cell may list several ids).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::BacktestError;

/// One report of the tracker export.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub id: String,
    pub summary: String,
    pub status: String,
    pub priority: String,
    pub resolution: String,
    pub created: DateTime<Utc>,
    pub resolved: Option<DateTime<Utc>>,
    pub description: String,
}

/// Reports read from a file, and how many rows could not be used (no id, no creation time).
#[derive(Debug, Clone, Default)]
pub struct Reports {
    pub reports: Vec<Report>,
    pub unreadable_rows: usize,
}

/// An undirected duplicate link, stored with the smaller id first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Link(pub String, pub String);

impl Link {
    pub fn new(a: &str, b: &str) -> Option<Link> {
        let (a, b) = (a.trim(), b.trim());
        if a.is_empty() || b.is_empty() || a == b {
            return None;
        }
        Some(if a <= b {
            Link(a.to_owned(), b.to_owned())
        } else {
            Link(b.to_owned(), a.to_owned())
        })
    }
}

/// Parses the tracker's timestamps: `2020-01-02 17:14:21+00:00`, RFC 3339, or a naive
/// `2020-01-02 17:14:21` taken as UTC.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%:z")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|t| t.and_utc())
        })
}

fn column_index(
    headers: &csv::StringRecord,
    path: &Path,
    name: &'static str,
) -> Result<usize, BacktestError> {
    headers
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case(name))
        .ok_or_else(|| BacktestError::MissingColumn {
            path: path.to_path_buf(),
            column: name,
        })
}

fn csv_error(path: &Path) -> impl Fn(csv::Error) -> BacktestError + '_ {
    move |source| BacktestError::Csv {
        path: path.to_path_buf(),
        source,
    }
}

pub fn read_reports(path: &Path) -> Result<Reports, BacktestError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(csv_error(path))?;
    let headers = reader.headers().map_err(csv_error(path))?.clone();
    let col = |name| column_index(&headers, path, name);
    let (summary, id, status, priority, resolution, created, resolved, description) = (
        col("Summary")?,
        col("Issue id")?,
        col("Status")?,
        col("Priority")?,
        col("Resolution")?,
        col("Created")?,
        col("Resolved")?,
        col("Description")?,
    );
    let mut out = Reports::default();
    let mut seen: HashMap<String, ()> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(csv_error(path))?;
        let get = |i: usize| record.get(i).unwrap_or("").to_owned();
        let report_id = get(id).trim().to_owned();
        let Some(created_at) = parse_time(&get(created)) else {
            out.unreadable_rows += 1;
            continue;
        };
        if report_id.is_empty() || seen.insert(report_id.clone(), ()).is_some() {
            out.unreadable_rows += 1;
            continue;
        }
        out.reports.push(Report {
            id: report_id,
            summary: get(summary),
            status: get(status),
            priority: get(priority),
            resolution: get(resolution),
            created: created_at,
            resolved: parse_time(&get(resolved)),
            description: get(description),
        });
    }
    Ok(out)
}

pub fn read_links(path: &Path) -> Result<Vec<Link>, BacktestError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(csv_error(path))?;
    let headers = reader.headers().map_err(csv_error(path))?.clone();
    let from = column_index(&headers, path, "Issue id")?;
    let to = column_index(&headers, path, "Duplicate id")?;
    let mut links = BTreeSet::new();
    for record in reader.records() {
        let record = record.map_err(csv_error(path))?;
        let a = record.get(from).unwrap_or("");
        for b in record.get(to).unwrap_or("").split(',') {
            if let Some(link) = Link::new(a, b) {
                links.insert(link);
            }
        }
    }
    Ok(links.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_the_tracker_format_and_others() {
        let t = parse_time("2020-01-02 17:14:21+00:00");
        assert_eq!(
            t.map(|t| t.to_rfc3339()),
            Some("2020-01-02T17:14:21+00:00".into())
        );
        assert!(parse_time("2020-01-02T17:14:21Z").is_some());
        assert!(parse_time("2020-01-02 17:14:21").is_some());
        assert!(parse_time("yesterday").is_none());
        assert!(parse_time("").is_none());
    }

    #[test]
    fn links_are_undirected_and_deduplicated() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("links.csv");
        std::fs::write(&path, "Issue id,Duplicate id\n1,2\n2,1\n3,\"4, 5,,3\"\n").expect("write");
        let links = read_links(&path).expect("links");
        assert_eq!(
            links,
            vec![
                Link("1".into(), "2".into()),
                Link("3".into(), "4".into()),
                Link("3".into(), "5".into()),
            ]
        );
    }

    #[test]
    fn reports_with_multiline_fields_and_bad_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("reports.csv");
        std::fs::write(
            &path,
            "Summary,Issue id,Status,Priority,Resolution,Created,Resolved,Description\n\
             \"Crash, on start\",10,NEW,P2,,2020-01-02 17:14:21+00:00,,\"line one\n\"\"quoted\"\" line two\"\n\
             No time,11,NEW,--,,,,x\n",
        )
        .expect("write");
        let got = read_reports(&path).expect("reports");
        assert_eq!(got.reports.len(), 1);
        assert_eq!(got.unreadable_rows, 1);
        assert_eq!(got.reports[0].summary, "Crash, on start");
        assert_eq!(got.reports[0].description, "line one\n\"quoted\" line two");
        assert_eq!(got.reports[0].resolved, None);
    }

    #[test]
    fn a_missing_column_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("links.csv");
        std::fs::write(&path, "a,b\n1,2\n").expect("write");
        let err = read_links(&path).expect_err("must fail");
        assert!(err.to_string().contains("Issue id"), "{err}");
    }
}
