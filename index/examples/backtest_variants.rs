//! Compares ranking variants on the backtest data, one parameter changed at a time from the
//! defaults, to see which of the ranking's ideas carry their weight:
//! `cargo run --release -p hindsight-index --example backtest_variants -- <dir>`.

use std::path::PathBuf;
use std::process::ExitCode;

use hindsight_index::RankingConfig;
use hindsight_index::backtest::{BacktestOptions, find_files, read_links, read_reports, run};

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: backtest_variants <folder with reports and links CSV files>");
        return ExitCode::FAILURE;
    };
    let loaded = find_files(&dir).and_then(|(r, l)| Ok((read_reports(&r)?, read_links(&l)?)));
    let (reports, links) = match loaded {
        Ok(data) => data,
        Err(err) => {
            eprintln!("cannot read the data: {err}");
            return ExitCode::FAILURE;
        }
    };
    let d = RankingConfig::default;
    let variants: Vec<(&str, RankingConfig)> = vec![
        ("defaults", d()),
        (
            "no tf weighting",
            RankingConfig {
                weight_terms_by_probe_tf: false,
                ..d()
            },
        ),
        (
            "12 terms",
            RankingConfig {
                max_query_terms: 12,
                ..d()
            },
        ),
        (
            "16 terms",
            RankingConfig {
                max_query_terms: 16,
                ..d()
            },
        ),
        (
            "32 terms",
            RankingConfig {
                max_query_terms: 32,
                ..d()
            },
        ),
        (
            "48 terms",
            RankingConfig {
                max_query_terms: 48,
                ..d()
            },
        ),
        (
            "title boost 0",
            RankingConfig {
                title_boost: 0.0,
                ..d()
            },
        ),
        (
            "title boost 0.5",
            RankingConfig {
                title_boost: 0.5,
                ..d()
            },
        ),
        (
            "title boost 2",
            RankingConfig {
                title_boost: 2.0,
                ..d()
            },
        ),
        (
            "no df cutoff",
            RankingConfig {
                max_doc_freq_ratio: 1.0,
                ..d()
            },
        ),
        (
            "probe title weight 1",
            RankingConfig {
                probe_title_weight: 1.0,
                ..d()
            },
        ),
        (
            "probe title weight 3",
            RankingConfig {
                probe_title_weight: 3.0,
                ..d()
            },
        ),
        (
            "df ratio 0.05, no floor",
            RankingConfig {
                min_doc_freq_cutoff: 0,
                ..d()
            },
        ),
        (
            "df ratio 0.02, no floor",
            RankingConfig {
                max_doc_freq_ratio: 0.02,
                min_doc_freq_cutoff: 0,
                ..d()
            },
        ),
        (
            "df ratio 0.01, no floor",
            RankingConfig {
                max_doc_freq_ratio: 0.01,
                min_doc_freq_cutoff: 0,
                ..d()
            },
        ),
        (
            "block-max WAND",
            RankingConfig {
                exhaustive_scoring: false,
                ..d()
            },
        ),
        (
            "rerank 50 candidates",
            RankingConfig {
                rerank_candidates: 50,
                ..d()
            },
        ),
    ];
    println!(
        "{:<24} {:>6} {:>6} {:>6} {:>6}",
        "variant", "R@1", "R@5", "R@10", "MRR"
    );
    for (name, ranking) in variants {
        let options = BacktestOptions {
            ranking,
            ..BacktestOptions::default()
        };
        match run(&reports.reports, &links, &options) {
            Ok(r) => {
                let m = r.hindsight;
                println!(
                    "{name:<24} {:>6.3} {:>6.3} {:>6.3} {:>6.3}",
                    m.recall_at_1, m.recall_at_5, m.recall_at_10, m.mrr
                );
            }
            Err(err) => {
                eprintln!("{name}: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
