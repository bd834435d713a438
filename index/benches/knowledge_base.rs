//! Knowledge-base benchmarks on synthetic incidents (seeded, so every run indexes the same
//! documents):
//!
//! - bulk indexing by the engine alone: documents produced beforehand, then clear, stage pages
//!   of 1,000, one commit;
//! - a rebuild as the server does it (clear, stage pages of 1,000, one commit), timed end to end;
//! - bulk indexing into an on-disk index with the default writer (2 threads on a machine with
//!   2 cores or more, 128 MB heap), a commit every 10,000:
//!   docs/s, CPU time, index size on disk, peak process memory while indexing;
//! - suggestion and free-text search latency on one core: p50/p99 over a fixed set of
//!   queries, in wall time and in the thread's CPU time, then criterion's own estimate;
//! - a criterion throughput bench of indexing 10k documents in memory.
//!
//! `cargo bench -p hindsight-index --bench knowledge_base` runs the 100k-document case (a
//! couple of minutes). `KB_BENCH_1M=1` adds the 1M case (much longer on a small machine).
//! `KB_BENCH_SIZES=20000,50000` picks other sizes; `KB_BENCH_WRITER_THREADS=1` indexes with one
//! writer thread; `KB_BENCH_INDEX_ONLY=1` stops after indexing. Criterion's usual arguments (a filter, `--quick`) apply to the criterion
//! part.

// The server binary's allocator: the engine runs under it in production.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use hindsight_index::synthetic::Generator;
use hindsight_index::{
    Change, IncidentDoc, IndexOptions, KnowledgeBase, Probe, SearchQuery, SuggestOptions,
};

const BATCH: usize = 10_000;
/// Documents staged at a time by `bulk` and `rebuild`, as the server's rebuild reads them.
const PAGE: usize = 1_000;
const LATENCY_QUERIES: usize = 1_000;

fn sizes() -> Vec<usize> {
    if let Ok(list) = std::env::var("KB_BENCH_SIZES") {
        return list
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect();
    }
    let mut sizes = vec![100_000];
    if std::env::var("KB_BENCH_1M").is_ok_and(|v| !v.is_empty() && v != "0") {
        sizes.push(1_000_000);
    }
    sizes
}

/// The first value of `key` in /proc/cpuinfo (Linux only).
fn cpu_field(key: &str) -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let line = text
        .lines()
        .find(|l| l.split(':').next().map(str::trim) == Some(key))?;
    Some(line.split_once(':')?.1.trim().to_owned())
}

/// What the numbers were measured on. "AMD EPYC" alone names several generations that run
/// this code at different speeds, so the CPU family and model are printed too, and the load
/// average, since the machines are shared.
fn machine() -> String {
    let field = |key| cpu_field(key).unwrap_or_else(|| "?".to_owned());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_owned());
    format!(
        "{cpus} CPUs, {} (family {}, model {}), {} MHz as reported; load average {load}",
        field("model name"),
        field("cpu family"),
        field("model"),
        field("cpu MHz"),
    )
}

/// Resident memory now and at its peak since the last reset, from /proc (Linux only).
fn memory_kib() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// CPU time of the whole process so far (all threads, merges included), from /proc (Linux
/// only; clock ticks of 10 ms). On a shared machine this moves much less than wall time.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok());
    // utime and stime are the 14th and 15th fields, the 12th and 13th after the name.
    Some(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
}

/// CPU time of the calling thread: a query's own work, without the time the machine gave to
/// other work (on a shared virtual machine, wall-time tails include the host's other guests).
fn thread_cpu_time() -> Duration {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    )
}

fn reset_peak_memory() {
    // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn dir_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Segments in the last commit, from meta.json (more segments, more lookups per query).
fn kb_segments(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("meta.json"))
        .ok()
        .and_then(|meta| serde_json::from_str::<serde_json::Value>(&meta).ok())
        .and_then(|meta| meta["segments"].as_array().map(Vec::len))
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// p50, p99 and max of one query's latency.
struct Latency {
    p50: Duration,
    p99: Duration,
    max: Duration,
}

impl Latency {
    fn of(mut times: Vec<Duration>) -> Self {
        times.sort();
        Latency {
            p50: percentile(&times, 0.5),
            p99: percentile(&times, 0.99),
            max: times[times.len() - 1],
        }
    }
}

impl std::fmt::Display for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            ms(self.p50),
            ms(self.p99),
            ms(self.max)
        )
    }
}

/// Wall-time and thread-CPU-time latencies of `LATENCY_QUERIES` runs, after a warm-up.
fn latencies(mut run: impl FnMut(usize)) -> (Latency, Latency) {
    for i in 0..LATENCY_QUERIES / 10 {
        run(i); // warm the page cache and the term dictionaries
    }
    let (wall, cpu) = (0..LATENCY_QUERIES)
        .map(|i| {
            let (start, cpu_start) = (Instant::now(), thread_cpu_time());
            run(i);
            (start.elapsed(), thread_cpu_time().saturating_sub(cpu_start))
        })
        .unzip();
    (Latency::of(wall), Latency::of(cpu))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

/// Builds the on-disk index of `n` documents and reports indexing throughput, size and memory.
fn text_bytes(d: &IncidentDoc) -> usize {
    d.title.len()
        + d.description.len()
        + d.resolution_summary.len()
        + d.root_cause.as_ref().map_or(0, String::len)
        + d.fix.as_ref().map_or(0, String::len)
}

/// `KB_BENCH_WRITER_THREADS`, or the default writer's thread count.
fn writer_threads() -> usize {
    std::env::var("KB_BENCH_WRITER_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(IndexOptions::default().writer_threads)
}

/// The default writer's heap, in MB, for the printed lines.
fn heap_mb() -> usize {
    IndexOptions::default().writer_heap_bytes / (1024 * 1024)
}

/// An index in `dir` with the default writer, or `KB_BENCH_WRITER_THREADS` threads.
fn open_index(dir: &Path) -> KnowledgeBase {
    let options = IndexOptions {
        writer_threads: writer_threads(),
        ..IndexOptions::default()
    };
    let (kb, _) = KnowledgeBase::open_or_create_with(dir, options).expect("create the index");
    kb
}

fn build(dir: &Path, n: usize) -> KnowledgeBase {
    let kb = open_index(dir);
    let mut generator = Generator::new(42);
    let mut indexing = Duration::ZERO;
    let mut cpu = Duration::ZERO;
    let (rss_before, _) = memory_kib().unwrap_or((0, 0));
    reset_peak_memory();
    let mut peak_kib = 0;
    let mut done = 0;
    let mut bytes = 0;
    while done < n {
        let batch = BATCH.min(n - done);
        // Generating documents is not indexing: keep it out of the clock.
        let changes: Vec<Change> = (&mut generator)
            .take(batch)
            .inspect(|d| bytes += text_bytes(d))
            .map(Change::Upsert)
            .collect();
        let start = Instant::now();
        let cpu_start = cpu_time().unwrap_or_default();
        kb.apply(changes, done as i64 + batch as i64)
            .expect("apply");
        indexing += start.elapsed();
        cpu += cpu_time().unwrap_or_default().saturating_sub(cpu_start);
        done += batch;
        peak_kib = peak_kib.max(memory_kib().map_or(0, |(_, hwm)| hwm));
    }
    let start = Instant::now();
    let cpu_start = cpu_time().unwrap_or_default();
    kb.close().expect("wait for merges");
    let merging = start.elapsed();
    let cpu_merging = cpu_time().unwrap_or_default().saturating_sub(cpu_start);
    peak_kib = peak_kib.max(memory_kib().map_or(0, |(_, hwm)| hwm));
    let (kb, _) = KnowledgeBase::open_or_create(dir).expect("reopen");
    assert_eq!(kb.doc_count(), n as u64);
    println!(
        "index/{n}: {:.0} docs/s, {:.1} MB/s of text ({n} docs, {:.0} bytes of text each, in \
         {:.1} s; {} writer thread(s), {} MB heap, a commit every {BATCH}); then {:.1} s for \
         background merges to finish; {} segments",
        n as f64 / indexing.as_secs_f64(),
        bytes as f64 / 1e6 / indexing.as_secs_f64(),
        bytes as f64 / n as f64,
        indexing.as_secs_f64(),
        writer_threads(),
        heap_mb(),
        merging.as_secs_f64(),
        kb_segments(dir),
    );
    println!(
        "index/{n}: CPU time {:.1} s while indexing ({:.0} docs per CPU-second) and {:.1} s \
         for the last merges (all threads)",
        cpu.as_secs_f64(),
        n as f64 / cpu.as_secs_f64(),
        cpu_merging.as_secs_f64(),
    );
    println!(
        "index/{n}: {:.1} MB on disk ({:.0} bytes/doc); peak process RSS while indexing \
         {:.0} MB ({:.0} MB above the {:.0} MB before; writer heap budget {} MB)",
        dir_size(dir) as f64 / 1e6,
        dir_size(dir) as f64 / n as f64,
        peak_kib as f64 / 1024.0,
        peak_kib.saturating_sub(rss_before) as f64 / 1024.0,
        rss_before as f64 / 1024.0,
        heap_mb(),
    );
    kb
}

/// Rebuilds an index of `n` documents the way the server does (`hindsight reindex`, a missing
/// index at start): clear, stage pages of 1,000, one commit. `stage` returns once the writer
/// threads have the page, so they index while the next page is produced; the clock therefore
/// runs from `clear` to the end of the commit and includes producing the documents (here the
/// synthetic generator; in the server, reading the database), which is reported apart.
fn rebuild(dir: &Path, n: usize) {
    let kb = open_index(dir);
    let mut generator = Generator::new(42);
    let (start, cpu_start) = (Instant::now(), cpu_time().unwrap_or_default());
    let mut generating = Duration::ZERO;
    kb.clear().expect("clear");
    let mut done = 0;
    while done < n {
        let page = PAGE.min(n - done);
        let generated = Instant::now();
        let changes: Vec<Change> = (&mut generator).take(page).map(Change::Upsert).collect();
        generating += generated.elapsed();
        kb.stage(changes).expect("stage");
        done += page;
    }
    kb.commit(n as i64).expect("commit");
    let (wall, cpu) = (
        start.elapsed(),
        cpu_time().unwrap_or_default().saturating_sub(cpu_start),
    );
    let merging = Instant::now();
    kb.close().expect("wait for merges");
    println!(
        "rebuild/{n}: {:.0} docs/s end to end ({:.1} s from clear to the end of the one commit, \
         pages of {PAGE}, {} writer thread(s), {} MB heap; {:.1} s of it producing the documents \
         on the calling thread); CPU time {:.1} s, all threads, generating included ({:.0} docs per \
         CPU-second); then {:.1} s for \
         background merges to finish; {} segments",
        n as f64 / wall.as_secs_f64(),
        wall.as_secs_f64(),
        writer_threads(),
        heap_mb(),
        generating.as_secs_f64(),
        cpu.as_secs_f64(),
        n as f64 / cpu.as_secs_f64(),
        merging.elapsed().as_secs_f64(),
        kb_segments(dir),
    );
}

/// The engine's bulk indexing alone: the documents are produced first and held in memory
/// (outside the clock), then the index is cleared, staged in pages of 1,000 and committed
/// once, as in a rebuild. The clock runs from `clear` to the end of the commit.
fn bulk(dir: &Path, n: usize) {
    let kb = open_index(dir);
    let mut generator = Generator::new(42);
    let pages: Vec<Vec<Change>> = (0..n)
        .step_by(PAGE)
        .map(|done| {
            (&mut generator)
                .take(PAGE.min(n - done))
                .map(Change::Upsert)
                .collect()
        })
        .collect();
    let (rss_before, _) = memory_kib().unwrap_or((0, 0));
    reset_peak_memory();
    let (start, cpu_start) = (Instant::now(), cpu_time().unwrap_or_default());
    kb.clear().expect("clear");
    for page in pages {
        kb.stage(page).expect("stage");
    }
    kb.commit(n as i64).expect("commit");
    let (wall, cpu) = (
        start.elapsed(),
        cpu_time().unwrap_or_default().saturating_sub(cpu_start),
    );
    let peak_kib = memory_kib().map_or(0, |(_, hwm)| hwm);
    let merging = Instant::now();
    kb.close().expect("wait for merges");
    println!(
        "bulk/{n}: {:.0} docs/s ({:.1} s from clear to the end of the one commit, documents \
         produced beforehand, pages of {PAGE}, {} writer thread(s), {} MB heap); CPU time {:.1} \
         s, all threads ({:.0} docs per CPU-second); peak process RSS {:.0} MB, {:.0} MB above \
         the {:.0} MB before (which holds the documents); then {:.1} s for background merges \
         to finish; {} segments",
        n as f64 / wall.as_secs_f64(),
        wall.as_secs_f64(),
        writer_threads(),
        heap_mb(),
        cpu.as_secs_f64(),
        n as f64 / cpu.as_secs_f64(),
        peak_kib as f64 / 1024.0,
        peak_kib.saturating_sub(rss_before) as f64 / 1024.0,
        rss_before as f64 / 1024.0,
        merging.elapsed().as_secs_f64(),
        kb_segments(dir),
    );
}

fn bench_size(c: &mut Criterion, n: usize) {
    {
        let dir = tempfile::tempdir().expect("temp dir");
        bulk(dir.path(), n);
    }
    {
        let dir = tempfile::tempdir().expect("temp dir");
        rebuild(dir.path(), n);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let kb = build(dir.path(), n);
    if std::env::var("KB_BENCH_INDEX_ONLY").is_ok_and(|v| !v.is_empty() && v != "0") {
        return;
    }

    let mut generator = Generator::new(7);
    let probes: Vec<Probe> = (0..200).map(|_| generator.probe()).collect();
    let searches: Vec<SearchQuery> = (0..200)
        .map(|_| SearchQuery {
            text: generator.search_text(),
            limit: 10,
            ..SearchQuery::default()
        })
        .collect();
    let opts = SuggestOptions::default();

    let (wall, cpu) = latencies(|i| {
        black_box(
            kb.suggest(&probes[i % probes.len()], &opts)
                .expect("suggest"),
        );
    });
    println!(
        "suggest/{n}: {wall}; thread CPU time {cpu} (limit 5, with explanations, one thread, \
         {LATENCY_QUERIES} queries)"
    );
    let (wall, cpu) = latencies(|i| {
        black_box(kb.search(&searches[i % searches.len()]).expect("search"));
    });
    println!(
        "search/{n}: {wall}; thread CPU time {cpu} (page of 10 with total and facets, one \
         thread, {LATENCY_QUERIES} queries)"
    );

    let mut group = c.benchmark_group("knowledge_base");
    group.sample_size(50);
    group.measurement_time(Duration::from_secs(5));
    group.warm_up_time(Duration::from_secs(1));
    let mut i = 0;
    group.bench_function(BenchmarkId::new("suggest", n), |b| {
        b.iter(|| {
            i += 1;
            kb.suggest(&probes[i % probes.len()], &opts)
                .expect("suggest")
        })
    });
    group.bench_function(BenchmarkId::new("search", n), |b| {
        b.iter(|| {
            i += 1;
            kb.search(&searches[i % searches.len()]).expect("search")
        })
    });
    group.finish();
}

fn bench_indexing(c: &mut Criterion) {
    const DOCS: usize = 10_000;
    let docs: Vec<Change> = Generator::new(11).take(DOCS).map(Change::Upsert).collect();
    let mut group = c.benchmark_group("knowledge_base");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(DOCS as u64));
    group.bench_function(BenchmarkId::new("index_in_ram", DOCS), |b| {
        b.iter(|| {
            let kb = KnowledgeBase::in_ram().expect("kb");
            kb.apply(docs.clone(), 1).expect("apply");
            kb
        })
    });
    group.finish();
}

fn main() {
    println!("machine: {}", machine());
    let mut criterion = Criterion::default().configure_from_args();
    for n in sizes() {
        bench_size(&mut criterion, n);
    }
    bench_indexing(&mut criterion);
    criterion.final_summary();
}
