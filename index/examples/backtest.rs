//! Runs the suggestion backtest on a folder of tracker CSV files and prints the table and the
//! JSON line: `cargo run --release -p hindsight-index --example backtest -- <dir>`.
//! With `--misses`, also lists the queries whose answer hindsight did not rank first.

use std::path::PathBuf;
use std::process::ExitCode;

use hindsight_index::backtest::{BacktestOptions, run_dir};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
    else {
        eprintln!("usage: backtest <folder with reports and links CSV files> [--misses]");
        return ExitCode::FAILURE;
    };
    match run_dir(&dir, &BacktestOptions::default()) {
        Ok(report) => {
            if args.iter().any(|a| a == "--misses") {
                for o in report
                    .outcomes
                    .iter()
                    .filter(|o| o.hindsight_rank != Some(1))
                {
                    println!(
                        "query {} -> {}: hindsight {:?}, bm25 {:?}",
                        o.query_id, o.target_id, o.hindsight_rank, o.bm25_rank
                    );
                }
            }
            print!("{}", report.render());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("backtest failed: {err}");
            ExitCode::FAILURE
        }
    }
}
