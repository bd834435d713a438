//! `hindsight backtest`: suggestion quality on past duplicate reports. For each linked pair,
//! only reports created before the later one are indexed and the later one is the query;
//! hindsight's ranking and a plain BM25 baseline run on the same data in the same run. A
//! readable table, then one JSON object on the last line.

use std::path::Path;

use hindsight_index::backtest::{self, BacktestOptions, BacktestReport};

pub fn run(reports: &Path, links: &Path, k: &[usize]) -> Result<(), String> {
    if k.is_empty() || k.contains(&0) {
        return Err("--k takes positive cut-offs, e.g. 1,5,10".into());
    }
    let report = backtest::run_files(reports, links, &BacktestOptions::default())
        .map_err(|e| e.to_string())?;
    // Cut-offs beyond the standard 1, 5 and 10 first; the report ends with its JSON line.
    for &cut in k.iter().filter(|c| ![1, 5, 10].contains(*c)) {
        let (ours, theirs) = recall_at(&report, cut);
        println!("recall@{cut}: hindsight {ours:.3}, bm25 {theirs:.3}");
    }
    print!("{}", report.render());
    Ok(())
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
