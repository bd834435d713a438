//! Backtest of the suggestion ranking on a bug tracker's duplicate links.
//!
//! For each linked pair, the later report plays the new incident and the earlier one the past
//! incident whose fix applies. Reports are replayed in creation order into an in-memory
//! knowledge base (and into a plain BM25 index, the baseline); each query runs when its time
//! comes, so only reports created before it are searchable. We report Recall@1/5/10 and the
//! mean reciprocal rank (MRR, counting ranks up to [`MAX_RANK`]) for both rankings.

mod baseline;
mod candidates;
mod data;
mod metrics;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub use candidates::{CandidateReport, run_candidates};
pub use data::{Link, Report, Reports, parse_time, read_links, read_reports};
pub use metrics::Metrics;

use crate::error::IndexError;
use crate::kb::KnowledgeBase;
use crate::model::{Change, IncidentDoc, Probe, SuggestOptions};
use crate::ranking::RankingConfig;
use baseline::Bm25Baseline;

/// Ranks past this count as a miss.
pub const MAX_RANK: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    #[error("cannot read {}: {source}", path.display())]
    Csv { path: PathBuf, source: csv::Error },
    #[error("{} has no {column:?} column", path.display())]
    MissingColumn { path: PathBuf, column: &'static str },
    #[error("no reports and links CSV files in {}", dir.display())]
    NoData { dir: PathBuf },
    #[error(transparent)]
    Index(#[from] IndexError),
}

#[derive(Debug, Clone)]
pub struct BacktestOptions {
    /// The service every report is filed under (the tracker's product name).
    pub service: String,
    pub ranking: RankingConfig,
}

impl Default for BacktestOptions {
    fn default() -> Self {
        BacktestOptions {
            service: "SeaMonkey".to_owned(),
            ranking: RankingConfig::default(),
        }
    }
}

/// Where each ranking put the earlier report of one pair (1-based; `None`: not in the top
/// [`MAX_RANK`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryOutcome {
    pub query_id: String,
    pub target_id: String,
    pub hindsight_rank: Option<usize>,
    pub bm25_rank: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct BacktestReport {
    /// Pairs evaluated.
    pub queries: usize,
    /// Pairs with an end missing from the reports (or created at the same second).
    pub skipped: usize,
    pub hindsight: Metrics,
    pub bm25: Metrics,
    pub outcomes: Vec<QueryOutcome>,
}

/// Finds the two CSV files in a folder: the links file has `combined` or `links` in its name
/// or starts with an `Issue id,Duplicate id` header; the other CSV holds the reports.
pub fn find_files(dir: &Path) -> Result<(PathBuf, PathBuf), BacktestError> {
    let no_data = || BacktestError::NoData {
        dir: dir.to_path_buf(),
    };
    let mut csvs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|_| no_data())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")))
        .collect();
    csvs.sort();
    let is_links = |p: &PathBuf| {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        name.contains("combined") || name.contains("links")
    };
    let links = csvs
        .iter()
        .find(|p| is_links(p))
        .cloned()
        .ok_or_else(no_data)?;
    let reports = csvs
        .iter()
        .find(|p| !is_links(p))
        .cloned()
        .ok_or_else(no_data)?;
    Ok((reports, links))
}

/// Runs the backtest on the CSV files in `dir`.
pub fn run_dir(dir: &Path, options: &BacktestOptions) -> Result<BacktestReport, BacktestError> {
    let (reports, links) = find_files(dir)?;
    run_files(&reports, &links, options)
}

pub fn run_files(
    reports: &Path,
    links: &Path,
    options: &BacktestOptions,
) -> Result<BacktestReport, BacktestError> {
    let reports = read_reports(reports)?;
    let links = read_links(links)?;
    run(&reports.reports, &links, options)
}

fn priority(p: &str) -> Option<u8> {
    p.trim()
        .trim_start_matches(['P', 'p'])
        .parse()
        .ok()
        .filter(|p| (1..=5).contains(p))
}

fn incident(report: &Report, service: &str) -> IncidentDoc {
    IncidentDoc {
        id: report.id.clone(),
        number: report.id.parse().unwrap_or(0),
        title: report.summary.clone(),
        description: report.description.clone(),
        service: service.to_owned(),
        category: None,
        priority: priority(&report.priority),
        resolution_summary: report.resolution.clone(),
        root_cause: None,
        fix: None,
        resolved_at: report.resolved.unwrap_or(report.created),
        helpful: 0,
        unhelpful: 0,
        kind: crate::DocKind::Incident,
        workaround: None,
        related: String::new(),
        review: String::new(),
    }
}

fn rank_of(ranked: &[String], target: &str) -> Option<usize> {
    ranked.iter().position(|id| id == target).map(|i| i + 1)
}

pub fn run(
    reports: &[Report],
    links: &[Link],
    options: &BacktestOptions,
) -> Result<BacktestReport, BacktestError> {
    let by_id: HashMap<&str, &Report> = reports.iter().map(|r| (r.id.as_str(), r)).collect();
    // Pairs grouped by their query report, in the order the queries come due.
    let mut due: BTreeMap<(chrono::DateTime<chrono::Utc>, &str), Vec<&str>> = BTreeMap::new();
    let mut skipped = 0;
    for Link(a, b) in links {
        let (Some(a), Some(b)) = (by_id.get(a.as_str()), by_id.get(b.as_str())) else {
            skipped += 1;
            continue;
        };
        let (earlier, later) = if a.created <= b.created {
            (a, b)
        } else {
            (b, a)
        };
        if earlier.created == later.created {
            skipped += 1;
            continue;
        }
        due.entry((later.created, later.id.as_str()))
            .or_default()
            .push(earlier.id.as_str());
    }

    let mut timeline: Vec<&Report> = reports.iter().collect();
    timeline.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
    let kb = KnowledgeBase::in_ram()?.with_ranking(options.ranking.clone());
    let mut bm25 = Bm25Baseline::new()?;
    let mut next = 0;
    let mut seq = 0;
    let mut outcomes = Vec::new();
    for ((created, query_id), targets) in due {
        let mut batch = Vec::new();
        while next < timeline.len() && timeline[next].created < created {
            let r = timeline[next];
            batch.push(Change::Upsert(incident(r, &options.service)));
            bm25.add(&r.id, &r.summary, &r.description)?;
            next += 1;
        }
        if !batch.is_empty() {
            seq += 1;
            kb.apply(batch, seq)?;
            bm25.commit()?;
        }
        let query = by_id[query_id];
        let probe = Probe {
            title: query.summary.clone(),
            description: query.description.clone(),
            service: Some(options.service.clone()),
            category: None,
        };
        let opts = SuggestOptions {
            limit: MAX_RANK,
            exclude_ids: vec![query.id.clone()],
            service: None,
            category: None,
        };
        let ours: Vec<String> = kb.rank_ids(&probe, &opts, MAX_RANK)?;
        let theirs = bm25.rank(&query.summary, &query.description, MAX_RANK)?;
        for target in targets {
            outcomes.push(QueryOutcome {
                query_id: query_id.to_owned(),
                target_id: target.to_owned(),
                hindsight_rank: rank_of(&ours, target),
                bm25_rank: rank_of(&theirs, target),
            });
        }
    }
    Ok(BacktestReport {
        queries: outcomes.len(),
        skipped,
        hindsight: Metrics::from_ranks(outcomes.iter().map(|o| o.hindsight_rank)),
        bm25: Metrics::from_ranks(outcomes.iter().map(|o| o.bm25_rank)),
        outcomes,
    })
}

impl BacktestReport {
    /// A table for people, ending with the JSON line for machines.
    pub fn render(&self) -> String {
        let row = |name: &str, m: &Metrics| {
            format!(
                "{name:<10} {:>9.3} {:>9.3} {:>9.3} {:>7.3}\n",
                m.recall_at_1, m.recall_at_5, m.recall_at_10, m.mrr
            )
        };
        let mut out = format!(
            "Backtest: {} queries ({} links skipped)\n\n",
            self.queries, self.skipped
        );
        out.push_str(&format!(
            "{:<10} {:>9} {:>9} {:>9} {:>7}\n",
            "ranking", "recall@1", "recall@5", "recall@10", "MRR"
        ));
        out.push_str(&row("hindsight", &self.hindsight));
        out.push_str(&row("bm25", &self.bm25));
        out.push('\n');
        out.push_str(&self.json_line());
        out.push('\n');
        out
    }

    /// `{"queries": N, "skipped": N, "hindsight": {...}, "bm25": {...}}`, keys in that order.
    pub fn json_line(&self) -> String {
        format!(
            "{{\"queries\": {}, \"skipped\": {}, \"hindsight\": {}, \"bm25\": {}}}",
            self.queries,
            self.skipped,
            self.hindsight.json(),
            self.bm25.json()
        )
    }
}

#[cfg(test)]
mod tests;
