//! `hindsight backtest`: suggestion quality on past duplicate reports. For each linked pair,
//! only reports created before the later one are indexed and the later one is the query;
//! hindsight's ranking and a plain BM25 baseline run on the same data in the same run. A
//! readable table, then one JSON object on the last line.
//!
//! The reports are read by `hindsight import`'s reader (`cli::reader`): the same formats,
//! dates and per-row errors. A link end may name a report by any of its ids (`Issue key`,
//! `Issue id` or the mapped `external_id`). Links that cannot be used are counted by reason;
//! when they are most of the links the reasons come with examples, and when every link is
//! skipped the command fails: a backtest of nothing is no measurement.

use std::collections::HashMap;
use std::path::Path;

use hindsight_index::backtest::{self, BacktestOptions, BacktestReport, Link, Report};

use super::reader::{Reading, open_file};
use crate::domain::text::Service;
use crate::import::{ImportRow, Rejection};

/// Rejected rows listed on stderr; the rest are counted.
const LISTED_REJECTIONS: usize = 20;

pub fn run(reading: &Reading, reports: &Path, links: &Path, k: &[usize]) -> Result<(), String> {
    if k.is_empty() || k.contains(&0) {
        return Err("--k takes positive cut-offs, e.g. 1,5,10".into());
    }
    let read = read_reports(reading, reports)?;
    for rejection in read.rejected.iter().take(LISTED_REJECTIONS) {
        eprintln!("{rejection}");
    }
    if read.rejected.len() > LISTED_REJECTIONS {
        eprintln!(
            "... and {} more rejected rows",
            read.rejected.len() - LISTED_REJECTIONS
        );
    }
    let links = backtest::read_links(links).map_err(|e| e.to_string())?;
    let (usable, skipped) = sort_links(&read, &links);
    let options = BacktestOptions::default();
    let mut report = backtest::run(&read.reports, &usable, &options).map_err(|e| e.to_string())?;
    report.skipped += skipped.total();
    // Cut-offs beyond the standard 1, 5 and 10 first; the report ends with its JSON line.
    for &cut in k.iter().filter(|c| ![1, 5, 10].contains(*c)) {
        let (ours, theirs) = recall_at(&report, cut);
        println!("recall@{cut}: hindsight {ours:.3}, bm25 {theirs:.3}");
    }
    let explanation = skipped.explain(&read, links.len());
    if report.queries == 0 && !links.is_empty() {
        return Err(format!(
            "every one of the {} links was skipped, so there is nothing to measure: {explanation}",
            links.len()
        ));
    }
    if report.skipped * 2 > links.len() {
        eprintln!(
            "warning: {} of the {} links were skipped: {explanation}",
            report.skipped,
            links.len()
        );
    }
    print!("{}", report.render());
    Ok(())
}

/// The reports read, and how to find them by any of their ids.
struct Read {
    reports: Vec<Report>,
    /// Every id of every report read, to the report's own id.
    ids: HashMap<String, String>,
    /// Each report's line in the file.
    lines: HashMap<String, u64>,
    rejected: Vec<Rejection>,
    /// Rejected rows by the ids they had, when the row could be read that far.
    rejected_ids: HashMap<String, u64>,
}

fn read_reports(reading: &Reading, path: &Path) -> Result<Read, String> {
    let spec = reading.spec()?;
    let shown = path.display().to_string();
    let (file, _) = open_file(path)?;
    let service = Service::parse("backtest").map_err(|e| e.to_string())?;
    let mut source = reading.open(std::io::BufReader::new(file), &spec, service, &shown)?;
    let mut read = Read {
        reports: Vec::new(),
        ids: HashMap::new(),
        lines: HashMap::new(),
        rejected: Vec::new(),
        rejected_ids: HashMap::new(),
    };
    while let Some(row) = source.next_row().map_err(|e| format!("{shown}: {e}"))? {
        match row {
            Ok(row) => {
                for key in &row.keys {
                    read.ids.insert(key.clone(), row.external_id.clone());
                }
                read.lines.insert(row.external_id.clone(), row.line);
                read.reports.push(report(row));
            }
            Err(rejection) => {
                for id in source.ids_of_last_row() {
                    read.rejected_ids.insert(id, rejection.line);
                }
                read.rejected.push(rejection);
            }
        }
    }
    Ok(read)
}

/// A report as the backtest's knowledge base sees it, the priority as `P1`..`P5`.
fn report(row: ImportRow) -> Report {
    let priority = row
        .levels
        .map(|(i, u)| {
            format!(
                "P{}",
                crate::domain::priority::Priority::derive(i, u).rank()
            )
        })
        .unwrap_or_default();
    // The resolution's text when the export has one; else its kind (FIXED, DUPLICATE, ...),
    // which the backtest has always indexed: dropping it cost one SeaMonkey query its place in
    // the top 10 (Recall@10 0.891 to 0.870), and a backtest measures ranking, not imports.
    let kind = row
        .original
        .get("Resolution")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    let resolution = row
        .resolution
        .map(|r| r.into_inner())
        .filter(|r| r != crate::import::row::NO_RESOLUTION)
        .unwrap_or(kind);
    Report {
        id: row.external_id,
        summary: row.title.into_inner(),
        status: row.status.as_str().to_owned(),
        priority,
        resolution,
        created: row.created_at,
        resolved: row.resolved_at,
        description: row.description.into_inner(),
    }
}

/// Links that cannot be used, by reason, with the first example of each.
#[derive(Default)]
struct Skipped {
    /// An end is no report's id: (count, the first such id).
    unknown: (usize, Option<String>),
    /// An end's row was rejected: (count, its line).
    rejected: (usize, Option<u64>),
    /// Both ends created at the same time: (count, the first pair).
    simultaneous: (usize, Option<(String, String)>),
}

impl Skipped {
    fn total(&self) -> usize {
        self.unknown.0 + self.rejected.0 + self.simultaneous.0
    }

    /// Why, with an example of each reason.
    fn explain(&self, read: &Read, links: usize) -> String {
        let mut reasons = Vec::new();
        if let (n, Some(id)) = &self.unknown {
            let example = read
                .reports
                .first()
                .map(|r| {
                    let line = read.lines.get(&r.id).copied().unwrap_or(0);
                    format!("; the reports' ids look like `{}` (line {line})", r.id)
                })
                .unwrap_or_else(|| "; no report was read".into());
            reasons.push(format!(
                "{n} name an id that is no report's, e.g. `{id}`{example}; are the links by Issue key while the reports are by Issue id (or the other way round), or are those reports outside this export?"
            ));
        }
        if let (n, Some(line)) = &self.rejected {
            let why = read
                .rejected
                .iter()
                .find(|r| r.line == *line)
                .map_or_else(String::new, |r| format!(": {r}"));
            reasons.push(format!("{n} have an end on a rejected row, e.g.{why}"));
        }
        if let (n, Some((a, b))) = &self.simultaneous {
            reasons.push(format!(
                "{n} join reports created at the same time, e.g. `{a}` and `{b}`"
            ));
        }
        if reasons.is_empty() {
            return format!("{links} links, none skipped");
        }
        reasons.join("; ")
    }
}

/// The links both of whose ends are reports (by their own ids), and why the others are not.
fn sort_links(read: &Read, links: &[Link]) -> (Vec<Link>, Skipped) {
    let created: HashMap<&str, _> = read
        .reports
        .iter()
        .map(|r| (r.id.as_str(), r.created))
        .collect();
    let mut usable = Vec::new();
    let mut skipped = Skipped::default();
    for Link(a, b) in links {
        let ends = [a, b].map(|end| read.ids.get(end.as_str()));
        match ends {
            [Some(a), Some(b)] if a == b => {}
            [Some(a), Some(b)] => {
                if created.get(a.as_str()) == created.get(b.as_str()) {
                    skipped.simultaneous.0 += 1;
                    skipped.simultaneous.1.get_or_insert((a.clone(), b.clone()));
                } else if let Some(link) = Link::new(a, b) {
                    usable.push(link);
                }
            }
            _ => {
                let missing = if ends[0].is_none() { a } else { b };
                match read.rejected_ids.get(missing.as_str()) {
                    Some(line) => {
                        skipped.rejected.0 += 1;
                        skipped.rejected.1.get_or_insert(*line);
                    }
                    None => {
                        skipped.unknown.0 += 1;
                        skipped.unknown.1.get_or_insert(missing.clone());
                    }
                }
            }
        }
    }
    usable.sort();
    usable.dedup();
    (usable, skipped)
}

/// Recall at a cut-off the report does not carry, from the per-query ranks.
fn recall_at(report: &BacktestReport, cut: usize) -> (f64, f64) {
    let n = report.outcomes.len().max(1) as f64;
    let hit = |rank: Option<usize>| rank.is_some_and(|r| r <= cut);
    let ours = report
        .outcomes
        .iter()
        .filter(|o| hit(o.hindsight_rank))
        .count() as f64
        / n;
    let theirs = report.outcomes.iter().filter(|o| hit(o.bm25_rank)).count() as f64 / n;
    (ours, theirs)
}
