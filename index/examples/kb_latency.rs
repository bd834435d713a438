//! A quick loop for tuning the engine without criterion: build a synthetic index once, then
//! time suggestions against it as often as needed (and profile them).
//!
//! ```text
//! cargo run --release -p hindsight-index --example kb_latency -- build <dir> <docs> [threads]
//! cargo run --release -p hindsight-index --example kb_latency -- suggest <dir> [queries]
//! cargo run --release -p hindsight-index --example kb_latency -- probes <dir>
//! cargo run --release -p hindsight-index --example kb_latency -- dump <dir> > a.txt
//! valgrind --tool=callgrind --toggle-collect='*KnowledgeBase*suggest*' \
//!     target/release/examples/kb_latency count <dir>
//! cargo run --release -p hindsight-index --example kb_latency -- merge <dir>
//! ```
//!
//! `suggest` prints p50/p99/max over the same seeded probes the criterion bench uses (wall
//! time and the thread's CPU time); `probes` times each probe alone (the least and the most
//! CPU time of 10 runs), to see which probes make the tail; `agree` compares the top-5 suggestions with those of
//! block-max WAND (`KB_WAND=1` makes `suggest` use it); `dump` prints every suggestion, scores
//! to the bit, to `diff` two builds; `count` runs the probes once, untimed, for callgrind's
//! instruction count; `merge` merges the index into one segment and times it.

// The server binary's allocator, as in the criterion bench.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// The criterion bench's probes: 200 generated from seed 7, so that timings and counts here
/// are of the same queries.
fn bench_probes() -> Vec<Probe> {
    let mut generator = Generator::new(7);
    (0..200).map(|_| generator.probe()).collect()
}

/// The index in `dir`, ranked as `KB_*` variables say (the defaults without them).
fn open(dir: &Path) -> Result<KnowledgeBase, String> {
    let (kb, _) = KnowledgeBase::open_or_create(dir).map_err(|e| e.to_string())?;
    Ok(kb.with_ranking(ranking_from_env()))
}

fn suggest(dir: &Path, queries: usize) -> Result<(), String> {
    let kb = open(dir)?;
    let probes = bench_probes();
    let opts = SuggestOptions::default();
    let warmup = std::env::var("KB_WARMUP")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    for p in probes.iter().take(warmup) {
        kb.suggest(p, &opts).map_err(|e| e.to_string())?;
    }
    let (mut times, mut cpu): (Vec<Duration>, Vec<Duration>) = (0..queries)
        .map(|i| {
            let (start, cpu_start) = (Instant::now(), thread_cpu_time());
            let _ = kb.suggest(&probes[i % probes.len()], &opts);
            (start.elapsed(), thread_cpu_time().saturating_sub(cpu_start))
        })
        .unzip();
    let summary = |times: &mut Vec<Duration>| {
        times.sort();
        let at =
            |p: f64| times[((times.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3;
        format!(
            "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            at(0.5),
            at(0.99),
            at(1.0)
        )
    };
    println!(
        "{} docs: suggest {}; thread CPU time {} ({queries} queries)",
        kb.doc_count(),
        summary(&mut times),
        summary(&mut cpu),
    );
    Ok(())
}

/// Each bench probe timed alone: the least and the most thread CPU time of 10 runs, one line
/// per probe, then p50/p99/max of the least (the probe's own cost, without the machine's noise).
fn probes(dir: &Path) -> Result<(), String> {
    let kb = open(dir)?;
    let probes = bench_probes();
    let opts = SuggestOptions::default();
    let mut least: Vec<Duration> = Vec::with_capacity(probes.len());
    for (i, probe) in probes.iter().enumerate() {
        let (mut best, mut worst) = (Duration::MAX, Duration::ZERO);
        for _ in 0..10 {
            let start = thread_cpu_time();
            kb.suggest(probe, &opts).map_err(|e| e.to_string())?;
            let took = thread_cpu_time().saturating_sub(start);
            (best, worst) = (best.min(took), worst.max(took));
        }
        println!(
            "probe {i}: least {:.3} ms, most {:.3} ms",
            best.as_secs_f64() * 1e3,
            worst.as_secs_f64() * 1e3
        );
        least.push(best);
    }
    least.sort();
    let at = |p: f64| least[((least.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3;
    println!(
        "{} docs, {} probes, least of 10 runs each: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        kb.doc_count(),
        least.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
    Ok(())
}

/// CPU time of the calling thread: unlike wall time, not stretched by other work on the
/// machine (still disturbed by cache misses it causes).
fn thread_cpu_time() -> Duration {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    )
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
    if var("KB_WAND").is_some_and(|v| !v.is_empty() && v != "0") {
        ranking.exhaustive_scoring = false;
    }
    ranking
}

/// Compares the suggestions of the ranking from the environment with those of block-max WAND
/// (the exact ranking by tantivy's own top-k) over the same probes: identical top-5 lists, and
/// how many of WAND's top 5 are in ours.
fn agree(dir: &Path) -> Result<(), String> {
    let (kb, _) = KnowledgeBase::open_or_create(dir).map_err(|e| e.to_string())?;
    let ours = ranking_from_env();
    let wand = RankingConfig {
        exhaustive_scoring: false,
        ..ours.clone()
    };
    let probes = bench_probes();
    let opts = SuggestOptions::default();
    let ids = |kb: &KnowledgeBase, p: &Probe| -> Result<Vec<String>, String> {
        let found = kb.suggest(p, &opts).map_err(|e| e.to_string())?;
        Ok(found
            .into_iter()
            .map(|s| format!("{} {:.7}", s.id, s.score))
            .collect())
    };
    let kb = kb.with_ranking(ours);
    let a: Vec<Vec<String>> = probes
        .iter()
        .map(|p| ids(&kb, p))
        .collect::<Result<_, _>>()?;
    let kb = kb.with_ranking(wand);
    let b: Vec<Vec<String>> = probes
        .iter()
        .map(|p| ids(&kb, p))
        .collect::<Result<_, _>>()?;
    // Scores are compared to float rounding (the sums differ in the last bits), ids exactly.
    let id = |s: &String| s.split(' ').next().unwrap_or_default().to_owned();
    let a: Vec<Vec<String>> = a.iter().map(|l| l.iter().map(id).collect()).collect();
    let wand_scored = b.clone();
    let b: Vec<Vec<String>> = b.iter().map(|l| l.iter().map(id).collect()).collect();
    for ((x, y), scored) in a.iter().zip(&b).zip(&wand_scored) {
        if x != y {
            println!("differs:\n  ours {x:?}\n  wand {scored:?}");
        }
    }
    let same = a.iter().zip(&b).filter(|(x, y)| x == y).count();
    let shared: usize = a
        .iter()
        .zip(&b)
        .map(|(x, y)| y.iter().filter(|id| x.contains(id)).count())
        .sum();
    let total: usize = b.iter().map(Vec::len).sum();
    println!(
        "{} docs: {same} of {} probes have the same top-5 list as WAND; {shared} of WAND's \
         {total} top-5 suggestions are in ours",
        kb.doc_count(),
        probes.len()
    );
    Ok(())
}

/// Prints every suggestion of the 200 probes with everything it explains (scores to the
/// bit), to compare two builds with `diff`.
fn dump(dir: &Path) -> Result<(), String> {
    let kb = open(dir)?;
    let opts = SuggestOptions::default();
    for (i, probe) in bench_probes().iter().enumerate() {
        for s in kb.suggest(probe, &opts).map_err(|e| e.to_string())? {
            println!(
                "{i} {} {:08x} {:?} {} {} {} {} {:?}",
                s.id,
                s.score.to_bits(),
                s.matched_terms,
                s.same_service,
                s.same_category,
                s.helpful,
                s.unhelpful,
                s.highlights
            );
        }
    }
    Ok(())
}

/// Runs each of the 200 probes once, untimed: for an instruction count, which unlike time does
/// not move with the machine's load. Run it under
/// `valgrind --tool=callgrind --toggle-collect='*KnowledgeBase*suggest*'` and divide the total
/// by 200 (the toggle leaves out opening the index and making the probes). The timed commands
/// cannot run under valgrind: reading the thread's CPU clock crashes there.
fn count(dir: &Path) -> Result<(), String> {
    let kb = open(dir)?;
    let probes = bench_probes();
    let opts = SuggestOptions::default();
    let mut suggestions = 0;
    for probe in &probes {
        suggestions += kb.suggest(probe, &opts).map_err(|e| e.to_string())?.len();
    }
    println!("{} probes, {suggestions} suggestions", probes.len());
    Ok(())
}

/// Merges all segments of the index into one, timing it (what a final merge after a rebuild
/// would cost).
fn merge(dir: &Path) -> Result<(), String> {
    let index = tantivy::Index::open_in_dir(dir).map_err(|e| e.to_string())?;
    let mut writer: tantivy::IndexWriter = index
        .writer_with_num_threads(1, 64 * 1024 * 1024)
        .map_err(|e| e.to_string())?;
    let ids = index.searchable_segment_ids().map_err(|e| e.to_string())?;
    let start = Instant::now();
    let merged = writer.merge(&ids).wait().map_err(|e| e.to_string())?;
    println!(
        "merged {} segments into one of {} docs in {:.1} s",
        ids.len(),
        merged.map_or(0, |m| m.max_doc()),
        start.elapsed().as_secs_f64()
    );
    writer.wait_merging_threads().map_err(|e| e.to_string())?;
    Ok(())
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
        (Some("probes"), Some(dir)) => probes(Path::new(dir)),
        (Some("agree"), Some(dir)) => agree(Path::new(dir)),
        (Some("merge"), Some(dir)) => merge(Path::new(dir)),
        (Some("dump"), Some(dir)) => dump(Path::new(dir)),
        (Some("count"), Some(dir)) => count(Path::new(dir)),
        _ => Err(
            "usage: kb_latency build <dir> <docs> [threads] | suggest <dir> [queries] | probes <dir> \
             | agree <dir> | dump <dir> | count <dir> | merge <dir>"
                .into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}
