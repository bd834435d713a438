//! A quick loop for tuning the engine without criterion: build a synthetic index once, then
//! time suggestions against it as often as needed (and profile them).
//!
//! ```text
//! cargo run --release -p hindsight-index --example kb_latency -- build <dir> <docs> [threads]
//! cargo run --release -p hindsight-index --example kb_latency -- suggest <dir> [queries]
//! ```
//!
//! `suggest` prints p50/p99/max over the same seeded probes the criterion bench uses.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use hindsight_index::synthetic::Generator;
use hindsight_index::{Change, IndexOptions, KnowledgeBase, Probe, RankingConfig, SuggestOptions};

fn build(dir: &Path, n: usize, threads: usize) -> Result<(), String> {
    let options = IndexOptions {
        writer_threads: threads,
        ..IndexOptions::default()
    };
    let (kb, _) = KnowledgeBase::open_or_create_with(dir, options).map_err(|e| e.to_string())?;
    let mut generator = Generator::new(42);
    let mut indexing = Duration::ZERO;
    let mut done = 0;
    while done < n {
        let batch = 10_000.min(n - done);
        let changes: Vec<Change> = (&mut generator).take(batch).map(Change::Upsert).collect();
        let start = Instant::now();
        kb.apply(changes, (done + batch) as i64)
            .map_err(|e| e.to_string())?;
        indexing += start.elapsed();
        done += batch;
    }
    let start = Instant::now();
    kb.close().map_err(|e| e.to_string())?;
    println!(
        "{n} docs: {:.0} docs/s ({:.1} s), merges {:.1} s",
        n as f64 / indexing.as_secs_f64(),
        indexing.as_secs_f64(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn suggest(dir: &Path, queries: usize) -> Result<(), String> {
    let (kb, _) = KnowledgeBase::open_or_create(dir).map_err(|e| e.to_string())?;
    let kb = kb.with_ranking(ranking_from_env());
    let mut generator = Generator::new(7);
    let probes: Vec<Probe> = (0..200).map(|_| generator.probe()).collect();
    let opts = SuggestOptions::default();
    let warmup = std::env::var("KB_WARMUP")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    for p in probes.iter().take(warmup) {
        kb.suggest(p, &opts).map_err(|e| e.to_string())?;
    }
    let mut times: Vec<Duration> = (0..queries)
        .map(|i| {
            let start = Instant::now();
            let _ = kb.suggest(&probes[i % probes.len()], &opts);
            start.elapsed()
        })
        .collect();
    times.sort();
    let at = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    println!(
        "{} docs: suggest p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({queries} queries)",
        kb.doc_count(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3
    );
    Ok(())
}

/// `KB_MAX_TERMS`, `KB_MAX_DF_RATIO` and `KB_TITLE_BOOST` override the defaults, to compare variants.
fn ranking_from_env() -> RankingConfig {
    let var = |name: &str| std::env::var(name).ok();
    let mut ranking = RankingConfig::default();
    if let Some(n) = var("KB_MAX_TERMS").and_then(|v| v.parse().ok()) {
        ranking.max_query_terms = n;
    }
    if let Some(r) = var("KB_MAX_DF_RATIO").and_then(|v| v.parse().ok()) {
        ranking.max_doc_freq_ratio = r;
    }
    if let Some(b) = var("KB_TITLE_BOOST").and_then(|v| v.parse().ok()) {
        ranking.title_boost = b;
    }
    ranking
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    let result = match (arg(0), arg(1)) {
        (Some("build"), Some(dir)) => build(
            Path::new(dir),
            arg(2).and_then(|n| n.parse().ok()).unwrap_or(100_000),
            arg(3).and_then(|n| n.parse().ok()).unwrap_or(1),
        ),
        (Some("suggest"), Some(dir)) => suggest(
            Path::new(dir),
            arg(2).and_then(|n| n.parse().ok()).unwrap_or(1_000),
        ),
        _ => Err("usage: kb_latency build <dir> <docs> [threads] | suggest <dir> [queries]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}
