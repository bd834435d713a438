//! Knowledge base vs PostgreSQL full-text search: suggestion and search latency, bulk load
//! throughput and size on disk, for our tantivy index and for a tsvector + GIN + ts_rank table
//! holding the same synthetic incidents, in one run. Run it with
//! `cargo bench --bench knowledge_vs_postgres`; it prints a Markdown table and writes it to
//! `bench/knowledge_vs_postgres.md`.
//!
//! Environment:
//! - `KB_VS_PG_DOCS`: incidents in the corpus (default 100000);
//! - `KB_VS_PG_QUERIES`: measured queries per workload (default 500, after 50 warm-up ones);
//! - `KB_VS_PG_BUDGET_SECS`: stop a workload after this many seconds of measuring, whatever
//!   the count (default 300; the table shows how many queries were measured);
//! - `KB_VS_PG_URL`: the PostgreSQL admin database (default
//!   `postgres://postgres@127.0.0.1:5432/postgres`). A fresh database `kb_vs_pg_<random>` is
//!   created there and dropped at the end, also when the benchmark fails.
//!
//! Both sides answer one query at a time from one client thread. PostgreSQL is queried over a
//! local TCP connection with prepared statements, so its latencies include the round trip.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hindsight_index::synthetic::Generator;
use hindsight_index::{
    Change, IncidentDoc, KnowledgeBase, Probe, RankingConfig, SearchQuery, SuggestOptions,
};
use sea_orm::sqlx::{self, AssertSqlSafe, Connection, PgConnection, Row};
use tokio::runtime::Runtime;

const CORPUS_SEED: u64 = 42;
const QUERY_SEED: u64 = 7;
/// Documents per tantivy commit and per PostgreSQL COPY (each its own transaction).
const BATCH: usize = 50_000;
const WARM_UP_QUERIES: usize = 50;
/// Queries whose answers are compared between the two sides (outside the clock).
const AGREEMENT_QUERIES: usize = 50;
const SUGGEST_LIMIT: usize = 5;
const SEARCH_LIMIT: usize = 20;
/// `suggest.rs`'s bound on the probe words looked up, mirrored in the PostgreSQL query (the
/// rest of our word selection's parameters are read from `RankingConfig::default()`).
const MAX_CANDIDATE_STEMS: i64 = 64;

// ---------------------------------------------------------------------------------------------
// Configuration and the machine

struct Config {
    docs: usize,
    queries: usize,
    budget: Duration,
    admin_url: String,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(default)
}

impl Config {
    fn from_env() -> Self {
        Config {
            docs: env_or("KB_VS_PG_DOCS", 100_000),
            queries: env_or("KB_VS_PG_QUERIES", 500),
            budget: Duration::from_secs(env_or("KB_VS_PG_BUDGET_SECS", 300)),
            admin_url: std::env::var("KB_VS_PG_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned()),
        }
    }
}

fn proc_field(file: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let line = text
        .lines()
        .find(|l| l.split(':').next().map(str::trim) == Some(key))?;
    Some(line.split_once(':')?.1.trim().to_owned())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_owned())
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = |key| proc_field("/proc/cpuinfo", key).unwrap_or_else(|| "?".to_owned());
    // "AMD EPYC" alone names several generations that run this code at different speeds.
    let model = format!(
        "{}, family {}, model {}",
        cpu("model name"),
        cpu("cpu family"),
        cpu("model")
    );
    let memory = proc_field("/proc/meminfo", "MemTotal")
        .and_then(|kb| kb.trim_end_matches(" kB").trim().parse::<f64>().ok())
        .map_or_else(
            || "?".to_owned(),
            |kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0),
        );
    format!("{cpus} CPUs ({model}), {memory} RAM")
}

// ---------------------------------------------------------------------------------------------
// Measuring

#[derive(Debug, Clone, Copy)]
struct Latency {
    n: usize,
    p50: Duration,
    p99: Duration,
    mean: Duration,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Runs `run(i)` on queries `0..warm` unmeasured (stopping early after a tenth of `budget`),
/// then times queries `warm..warm + count`, one at a time, stopping early once `budget` is
/// spent.
fn measure(warm: usize, count: usize, budget: Duration, mut run: impl FnMut(usize)) -> Latency {
    let started = Instant::now();
    for i in 0..warm {
        run(i);
        if started.elapsed() > budget / 10 {
            break;
        }
    }
    let started = Instant::now();
    let mut times = Vec::with_capacity(count);
    for i in warm..warm + count {
        let start = Instant::now();
        run(i);
        times.push(start.elapsed());
        if started.elapsed() > budget {
            break;
        }
    }
    times.sort();
    Latency {
        n: times.len(),
        p50: percentile(&times, 0.5),
        p99: percentile(&times, 0.99),
        mean: times.iter().sum::<Duration>() / times.len() as u32,
    }
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1_000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// What loading the corpus cost one side.
struct Load {
    /// Until every document is committed and queryable.
    load: Duration,
    /// Then until the index is settled (tantivy: merges done; PostgreSQL: VACUUM ANALYZE and
    /// the word statistics table).
    settle: Duration,
    bytes: u64,
}

// ---------------------------------------------------------------------------------------------
// The workloads: one corpus, one set of queries

struct Workload {
    docs: Vec<IncidentDoc>,
    /// Warm-up probes first, then the measured ones.
    probes: Vec<Probe>,
    searches: Vec<String>,
}

fn workload(cfg: &Config) -> Workload {
    let docs = Generator::new(CORPUS_SEED).take(cfg.docs).collect();
    let mut generator = Generator::new(QUERY_SEED);
    let total = WARM_UP_QUERIES + cfg.queries;
    let probes = (0..total).map(|_| generator.probe()).collect();
    let searches = (0..total).map(|_| generator.search_text()).collect();
    Workload {
        docs,
        probes,
        searches,
    }
}

fn search_query(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.to_owned(),
        limit: SEARCH_LIMIT,
        ..SearchQuery::default()
    }
}

fn suggest_options() -> SuggestOptions {
    SuggestOptions {
        limit: SUGGEST_LIMIT,
        ..SuggestOptions::default()
    }
}

// ---------------------------------------------------------------------------------------------
// tantivy

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

/// Builds the on-disk index in `dir` with the default writer, a commit
/// per batch, then waits for merges and reopens it.
fn tantivy_build(dir: &Path, docs: &[IncidentDoc]) -> (KnowledgeBase, Load) {
    let (kb, _) = KnowledgeBase::open_or_create(dir).expect("create the index");
    let mut load = Duration::ZERO;
    for (i, batch) in docs.chunks(BATCH).enumerate() {
        let changes: Vec<Change> = batch.iter().cloned().map(Change::Upsert).collect();
        let start = Instant::now();
        kb.apply(changes, i as i64 + 1).expect("apply");
        load += start.elapsed();
    }
    let start = Instant::now();
    kb.close().expect("wait for merges");
    let (kb, _) = KnowledgeBase::open_or_create(dir).expect("reopen the index");
    let settle = start.elapsed();
    assert_eq!(kb.doc_count(), docs.len() as u64);
    let bytes = dir_size(dir);
    (
        kb,
        Load {
            load,
            settle,
            bytes,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: the database, its guard, loading

/// Drops the benchmark database when dropped: at the end, on error and on panic.
struct DropDatabase {
    admin_url: String,
    name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Its own thread and runtime: this may run while a panic unwinds out of another
        // runtime's `block_on`.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let mut admin = PgConnection::connect(&url).await?;
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                sqlx::raw_sql(AssertSqlSafe(sql))
                    .execute(&mut admin)
                    .await?;
                admin.close().await
            })
            .map_err(std::io::Error::other)
        })
        .join();
        match dropped {
            Ok(Ok(())) => eprintln!("dropped database {}", self.name),
            _ => eprintln!("could not drop database {}: drop it by hand", self.name),
        }
    }
}

fn random_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:x}{:x}", std::process::id(), nanos & 0xff_ffff)
}

/// Connects to the admin database or explains why not and exits non-zero.
fn connect_admin(rt: &Runtime, url: &str) -> PgConnection {
    let attempt = rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(10), PgConnection::connect(url)).await
    });
    match attempt {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => unreachable_postgres(url, &e.to_string()),
        Err(_) => unreachable_postgres(url, "no answer within 10 s"),
    }
}

fn unreachable_postgres(url: &str, why: &str) -> ! {
    eprintln!(
        "knowledge_vs_postgres: PostgreSQL is not reachable at {url}: {why}\n\
         Start it (`pg_ctlcluster --skip-systemctl-redirect 15 main start`) or point \
         KB_VS_PG_URL at a server where this user may CREATE DATABASE."
    );
    std::process::exit(2);
}

/// Creates `kb_vs_pg_<random>` and returns its guard and a connection to it.
fn create_database(rt: &Runtime, admin_url: &str) -> (DropDatabase, PgConnection) {
    let mut admin = connect_admin(rt, admin_url);
    let name = format!("kb_vs_pg_{}", random_suffix());
    let sql = format!("CREATE DATABASE {name}");
    rt.block_on(sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut admin))
        .expect("create the benchmark database");
    let guard = DropDatabase {
        admin_url: admin_url.to_owned(),
        name: name.clone(),
    };
    rt.block_on(admin.close())
        .expect("close the admin connection");
    let mut url = url::Url::parse(admin_url).expect("KB_VS_PG_URL is a URL");
    url.set_path(&name);
    let conn = rt
        .block_on(PgConnection::connect(url.as_str()))
        .expect("connect to the benchmark database");
    (guard, conn)
}

/// The same fields as `IncidentDoc`, plus the weighted tsvector (title A; resolution summary,
/// root cause and fix B; description C; service and category D, as our `tags` field) and its
/// GIN index, which exists before loading so that it is maintained as documents arrive, as our
/// index is.
const SCHEMA: &str = "
CREATE TABLE incidents (
    id uuid PRIMARY KEY,
    number bigint NOT NULL,
    title text NOT NULL,
    description text NOT NULL,
    service text NOT NULL,
    category text,
    priority smallint,
    resolution_summary text NOT NULL,
    root_cause text,
    fix text,
    resolved_at timestamptz NOT NULL,
    helpful integer NOT NULL,
    unhelpful integer NOT NULL,
    search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', resolution_summary || ' ' || coalesce(root_cause, '')
                                 || ' ' || coalesce(fix, '')), 'B')
        || setweight(to_tsvector('english', description), 'C')
        || setweight(to_tsvector('english', service || ' ' || coalesce(category, '')), 'D')
    ) STORED
);
CREATE INDEX incidents_search ON incidents USING gin (search);
";

const COPY: &str = "COPY incidents (id, number, title, description, service, category, priority, \
                    resolution_summary, root_cause, fix, resolved_at, helpful, unhelpful) \
                    FROM STDIN";

/// Appends one field in COPY's text format (tab-separated, backslash escapes, `\N` for NULL).
fn copy_field(out: &mut String, value: Option<&str>) {
    let Some(value) = value else {
        out.push_str("\\N\t");
        return;
    };
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('\t');
}

fn copy_row(out: &mut String, d: &IncidentDoc) {
    copy_field(out, Some(&d.id));
    copy_field(out, Some(&d.number.to_string()));
    copy_field(out, Some(&d.title));
    copy_field(out, Some(&d.description));
    copy_field(out, Some(&d.service));
    copy_field(out, d.category.as_deref());
    copy_field(out, d.priority.map(|p| p.to_string()).as_deref());
    copy_field(out, Some(&d.resolution_summary));
    copy_field(out, d.root_cause.as_deref());
    copy_field(out, d.fix.as_deref());
    copy_field(out, Some(&d.resolved_at.to_rfc3339()));
    copy_field(out, Some(&d.helpful.to_string()));
    copy_field(out, Some(&d.unhelpful.to_string()));
    out.pop(); // the last tab
    out.push('\n');
}

async fn copy_batch(conn: &mut PgConnection, docs: &[IncidentDoc]) -> Result<(), sqlx::Error> {
    let mut copy = conn.copy_in_raw(COPY).await?;
    let mut buffer = String::with_capacity(1 << 20);
    for d in docs {
        copy_row(&mut buffer, d);
        if buffer.len() >= 1 << 20 {
            copy.send(std::mem::take(&mut buffer).into_bytes()).await?;
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer.into_bytes()).await?;
    }
    copy.finish().await?;
    Ok(())
}

/// Creates the table and loads the corpus with one COPY (one transaction) per batch, then
/// VACUUM ANALYZE (flushes the GIN pending list, gathers planner statistics) and builds
/// `kb_words`, the per-word document counts that the like-for-like suggestion query needs to
/// pick its words (tantivy keeps these in its term dictionary).
async fn pg_load(conn: &mut PgConnection, docs: &[IncidentDoc]) -> Result<Load, sqlx::Error> {
    sqlx::raw_sql(SCHEMA).execute(&mut *conn).await?;
    let start = Instant::now();
    for batch in docs.chunks(BATCH) {
        copy_batch(conn, batch).await?;
    }
    let load = start.elapsed();
    let start = Instant::now();
    // One statement each: VACUUM cannot run in the implicit transaction of a multi-statement
    // string.
    for sql in [
        "VACUUM ANALYZE incidents",
        "CREATE TABLE kb_words AS SELECT word, ndoc FROM ts_stat('SELECT search FROM incidents')",
        "ALTER TABLE kb_words ADD PRIMARY KEY (word)",
        "VACUUM ANALYZE kb_words",
    ] {
        sqlx::raw_sql(sql).execute(&mut *conn).await?;
    }
    let settle = start.elapsed();
    let bytes: i64 = sqlx::query_scalar(
        "SELECT pg_total_relation_size('incidents') + pg_total_relation_size('kb_words')",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Load {
        load,
        settle,
        bytes: bytes as u64,
    })
}

/// Where PostgreSQL's bytes go, to tell the full-text part from the copy of the documents.
struct PgSizes {
    gin: u64,
    tsvector: u64,
    words: u64,
}

async fn pg_sizes(conn: &mut PgConnection) -> Result<PgSizes, sqlx::Error> {
    let row = sqlx::query(
        "SELECT pg_relation_size('incidents_search'),
                (SELECT sum(pg_column_size(search))::bigint FROM incidents),
                pg_total_relation_size('kb_words')",
    )
    .fetch_one(&mut *conn)
    .await?;
    let get = |i: usize| row.try_get::<i64, _>(i).map(|v| v as u64);
    Ok(PgSizes {
        gin: get(0)?,
        tsvector: get(1)?,
        words: get(2)?,
    })
}

async fn pg_settings(conn: &mut PgConnection) -> Result<String, sqlx::Error> {
    let version: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&mut *conn)
        .await?;
    let mut out = format!("PostgreSQL {version}");
    for name in [
        "shared_buffers",
        "work_mem",
        "effective_cache_size",
        "jit",
        "max_parallel_workers_per_gather",
    ] {
        let value: String = sqlx::query_scalar(AssertSqlSafe(format!("SHOW {name}")))
            .fetch_one(&mut *conn)
            .await?;
        let _ = write!(out, ", {name}={value}");
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: the queries

/// Quotes a lexeme for tsquery input (`'...'`, quotes doubled, backslashes escaped), so that
/// lexemes are OR-ed as they are, never re-parsed or re-stemmed.
const QUOTE_LEXEME: &str = "'''' || replace(replace(lexeme, '\\', '\\\\'), '''', '''''') || ''''";

/// Which probe words a PostgreSQL suggestion ORs together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Words {
    /// Our selection (see [`suggest_sql`]).
    Ours,
    /// Every distinct word of the probe's title and description.
    All,
}

struct SuggestVariant {
    label: &'static str,
    words: Words,
    /// `ts_rank_cd` or `ts_rank`.
    rank: &'static str,
}

const SUGGEST_VARIANTS: [SuggestVariant; 3] = [
    SuggestVariant {
        label: "suggest, top 5 (PG: our ≤24 words, `ts_rank_cd`)",
        words: Words::Ours,
        rank: "ts_rank_cd",
    },
    SuggestVariant {
        label: "suggest, top 5 (PG: our ≤24 words, `ts_rank`)",
        words: Words::Ours,
        rank: "ts_rank",
    },
    SuggestVariant {
        label: "suggest, top 5 (PG: all probe words, `ts_rank_cd`)",
        words: Words::All,
        rank: "ts_rank_cd",
    },
];

/// The probe's words as an OR tsquery named `q.query`. `Words::Ours` mirrors our selection:
/// title words, then the description's most frequent, at most 64 candidates; letters-and-digits
/// noise of 8+ bytes dropped outside the title; words in more incidents than our frequency
/// cutoff allows dropped; the 24 with the highest idf × probe weight kept. Parameters: $1
/// title, $4 description + service + category, $5 max doc freq, $6 docs (`Words::All`: $1
/// title + description).
fn probe_query_sql(words: Words) -> String {
    match words {
        Words::All => format!(
            "q AS (
                 SELECT string_agg({QUOTE_LEXEME}, ' | ')::tsquery AS query
                 FROM unnest(tsvector_to_array(to_tsvector('english', $1))) AS lexeme)"
        ),
        Words::Ours => {
            let ranking = RankingConfig::default();
            let (max_query_terms, title_weight) =
                (ranking.max_query_terms, ranking.probe_title_weight);
            format!(
                "title AS (SELECT lexeme FROM unnest(to_tsvector('english', $1))),
             body AS (
                 SELECT lexeme, array_length(positions, 1) AS tf
                 FROM unnest(to_tsvector('english', $4))
                 WHERE NOT (length(lexeme) >= 8 AND lexeme ~ '[0-9]')),
             candidates AS (
                 SELECT lexeme, title.lexeme IS NOT NULL AS in_title, coalesce(body.tf, 0) AS tf
                 FROM title FULL JOIN body USING (lexeme)
                 ORDER BY in_title DESC, tf DESC
                 LIMIT {MAX_CANDIDATE_STEMS}),
             picked AS (
                 SELECT c.lexeme
                 FROM candidates c JOIN kb_words w ON w.word = c.lexeme
                 WHERE w.ndoc <= $5
                 ORDER BY ln(1 + ($6 - w.ndoc + 0.5) / (w.ndoc + 0.5))
                          * (CASE WHEN c.in_title THEN {title_weight} ELSE 0 END
                             + CASE WHEN c.tf > 0 THEN 1 + ln(c.tf) ELSE 0 END) DESC
                 LIMIT {max_query_terms}),
             q AS (SELECT string_agg({QUOTE_LEXEME}, ' | ')::tsquery AS query FROM picked)"
            )
        }
    }
}

/// A suggestion: every incident matching the OR query, scored by the text rank times our
/// re-ranking factors (same service ×1.2, same category ×1.1, helpfulness within 1 ± 0.25;
/// we apply them to the top 10 by text score only), best 5. $2 service, $3 category.
fn suggest_sql(v: &SuggestVariant) -> String {
    format!(
        "WITH {query}
         SELECT i.number,
                {rank}(i.search, q.query)
                * CASE WHEN i.service = $2 THEN 1.2 ELSE 1 END
                * CASE WHEN i.category = $3 THEN 1.1 ELSE 1 END
                * (1 + 0.25 * (2 * (i.helpful + 1)::real / (i.helpful + i.unhelpful + 2) - 1))
                AS score
         FROM incidents i, q
         WHERE i.search @@ q.query
         ORDER BY score DESC, i.number
         LIMIT {SUGGEST_LIMIT}",
        query = probe_query_sql(v.words),
        rank = v.rank,
    )
}

/// What a search returns besides the total and the facets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    /// 20 hits with highlighted fragments (PostgreSQL: `ts_headline` of the five texts).
    Highlighted,
    /// 20 hits without highlights on the PostgreSQL side (ours still highlights).
    Plain,
    /// No hits (our `limit: 0`).
    None,
}

const SEARCH_VARIANTS: [(&str, Page); 3] = [
    (
        "search, top 20 + total + facets (PG: with `ts_headline` highlights, like ours)",
        Page::Highlighted,
    ),
    (
        "search, top 20 + total + facets (PG: no highlights)",
        Page::Plain,
    ),
    ("search, total + facets only (no page)", Page::None),
];

/// A search page: every word (or quoted phrase) must match, `-word` must not (the syntax of
/// our search), ranked by `ts_rank` (default weights: A 1.0, B 0.4, C 0.2, D 0.1).
const SEARCH_PAGE: &str = "
    SELECT i.id::text, i.number, i.title, ts_rank(i.search, q) AS score
    FROM incidents i, websearch_to_tsquery('english', $1) q
    WHERE i.search @@ q
    ORDER BY score DESC, i.number
    LIMIT $2";

/// The same page with highlighted fragments of each text, sized like ours (a 200-character
/// title, about 240 characters of each other text).
const SEARCH_PAGE_HIGHLIGHTED: &str = "
    WITH q AS (SELECT websearch_to_tsquery('english', $1) AS query),
    page AS (
        SELECT i.id, i.number, i.title, i.description, i.fix, i.root_cause,
               i.resolution_summary, ts_rank(i.search, q.query) AS score
        FROM incidents i, q
        WHERE i.search @@ q.query
        ORDER BY score DESC, i.number
        LIMIT $2)
    SELECT p.id::text, p.number, p.score,
        ts_headline('english', p.title, q.query,
                    'StartSel=<mark>, StopSel=</mark>, HighlightAll=true'),
        ts_headline('english', p.description, q.query,
                    'StartSel=<mark>, StopSel=</mark>, MinWords=15, MaxWords=35'),
        ts_headline('english', p.fix, q.query,
                    'StartSel=<mark>, StopSel=</mark>, MinWords=15, MaxWords=35'),
        ts_headline('english', p.root_cause, q.query,
                    'StartSel=<mark>, StopSel=</mark>, MinWords=15, MaxWords=35'),
        ts_headline('english', p.resolution_summary, q.query,
                    'StartSel=<mark>, StopSel=</mark>, MinWords=15, MaxWords=35')
    FROM page p, q
    ORDER BY p.score DESC, p.number";

/// The total and the service and category facets over all matches, in one pass.
const SEARCH_FACETS: &str = "
    SELECT i.service, i.category, count(*), grouping(i.service, i.category)
    FROM incidents i, websearch_to_tsquery('english', $1) q
    WHERE i.search @@ q
    GROUP BY GROUPING SETS ((i.service), (i.category), ())";

/// The statements (sqlx prepares each once per connection, keyed by its text) and the numbers
/// the suggestion word selection needs.
struct PgQueries {
    suggest: Vec<String>,
    max_doc_freq: i64,
    docs: i64,
}

impl PgQueries {
    fn new(docs: usize) -> Self {
        let max_doc_freq = RankingConfig::default().max_doc_freq(docs as u64);
        PgQueries {
            suggest: SUGGEST_VARIANTS.iter().map(suggest_sql).collect(),
            max_doc_freq: i64::try_from(max_doc_freq).unwrap_or(i64::MAX),
            docs: docs as i64,
        }
    }

    /// Suggestion `variant` (an index into [`SUGGEST_VARIANTS`]): incident numbers, best first.
    async fn suggest(
        &self,
        conn: &mut PgConnection,
        variant: usize,
        p: &Probe,
    ) -> Result<Vec<i64>, sqlx::Error> {
        let sql = AssertSqlSafe(self.suggest[variant].as_str());
        let rows = match SUGGEST_VARIANTS[variant].words {
            Words::All => {
                sqlx::query(sql)
                    .bind(format!("{}\n{}", p.title, p.description))
                    .bind(&p.service)
                    .bind(&p.category)
                    .fetch_all(conn)
                    .await?
            }
            Words::Ours => {
                let meta = [p.service.as_deref(), p.category.as_deref()];
                let body = format!(
                    "{} {}",
                    p.description,
                    meta.map(Option::unwrap_or_default).join(" ")
                );
                sqlx::query(sql)
                    .bind(&p.title)
                    .bind(&p.service)
                    .bind(&p.category)
                    .bind(body)
                    .bind(self.max_doc_freq)
                    .bind(self.docs)
                    .fetch_all(conn)
                    .await?
            }
        };
        rows.iter()
            .map(|r| {
                black_box(r.try_get::<f64, _>(1)?);
                r.try_get(0)
            })
            .collect()
    }

    /// A search: the page (if any) and then the facets with the total, as two statements.
    /// Returns the total.
    async fn search(
        &self,
        conn: &mut PgConnection,
        text: &str,
        page: Page,
    ) -> Result<u64, sqlx::Error> {
        match page {
            Page::Highlighted => read_highlighted_page(conn, text).await?,
            Page::Plain => read_plain_page(conn, text).await?,
            Page::None => {}
        }
        let facets = sqlx::query(SEARCH_FACETS)
            .bind(text)
            .fetch_all(conn)
            .await?;
        let mut total = 0;
        for row in &facets {
            let service: Option<String> = row.try_get(0)?;
            let category: Option<String> = row.try_get(1)?;
            let (count, grouping): (i64, i32) = (row.try_get(2)?, row.try_get(3)?);
            black_box((service, category));
            if grouping == 3 {
                total = count as u64;
            }
        }
        Ok(total)
    }
}

async fn read_plain_page(conn: &mut PgConnection, text: &str) -> Result<(), sqlx::Error> {
    let rows = sqlx::query(SEARCH_PAGE)
        .bind(text)
        .bind(SEARCH_LIMIT as i64)
        .fetch_all(conn)
        .await?;
    for row in &rows {
        let id: String = row.try_get(0)?;
        let number: i64 = row.try_get(1)?;
        let title: String = row.try_get(2)?;
        let score: f32 = row.try_get(3)?;
        black_box((id, number, title, score));
    }
    Ok(())
}

async fn read_highlighted_page(conn: &mut PgConnection, text: &str) -> Result<(), sqlx::Error> {
    let rows = sqlx::query(SEARCH_PAGE_HIGHLIGHTED)
        .bind(text)
        .bind(SEARCH_LIMIT as i64)
        .fetch_all(conn)
        .await?;
    for row in &rows {
        let id: String = row.try_get(0)?;
        let number: i64 = row.try_get(1)?;
        let score: f32 = row.try_get(2)?;
        black_box((id, number, score));
        for i in 3..8 {
            black_box(row.try_get::<Option<String>, _>(i)?);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The comparison

struct LatencyRow {
    operation: &'static str,
    tantivy: Latency,
    postgres: Latency,
}

/// tantivy's suggestion latency, and its search latency with a page of 20 and with none.
struct TantivyLatencies {
    suggest: Latency,
    search_page: Latency,
    search_count: Latency,
}

fn tantivy_latencies(kb: &KnowledgeBase, w: &Workload, cfg: &Config) -> TantivyLatencies {
    let opts = suggest_options();
    let suggest = measure(WARM_UP_QUERIES, cfg.queries, cfg.budget, |i| {
        black_box(kb.suggest(&w.probes[i], &opts).expect("suggest"));
    });
    let search = |limit: usize| {
        let queries: Vec<SearchQuery> = w
            .searches
            .iter()
            .map(|t| SearchQuery {
                limit,
                ..search_query(t)
            })
            .collect();
        measure(WARM_UP_QUERIES, cfg.queries, cfg.budget, |i| {
            // Texts with no searchable word are refused: an answer too.
            let _ = black_box(kb.search(&queries[i]));
        })
    };
    TantivyLatencies {
        search_page: search(SEARCH_LIMIT),
        search_count: search(0),
        suggest,
    }
}

/// One row per PostgreSQL variant, each beside the tantivy operation it stands for.
fn pg_rows(
    rt: &Runtime,
    conn: &mut PgConnection,
    pg: &PgQueries,
    w: &Workload,
    cfg: &Config,
    t: &TantivyLatencies,
) -> Vec<LatencyRow> {
    let mut rows = Vec::new();
    for (variant, v) in SUGGEST_VARIANTS.iter().enumerate() {
        eprintln!("PostgreSQL: {}…", v.label);
        let postgres = measure(WARM_UP_QUERIES, cfg.queries, cfg.budget, |i| {
            let found = rt.block_on(pg.suggest(conn, variant, &w.probes[i]));
            black_box(found.expect("PostgreSQL suggestion"));
        });
        rows.push(LatencyRow {
            operation: v.label,
            tantivy: t.suggest,
            postgres,
        });
    }
    for (label, page) in SEARCH_VARIANTS {
        eprintln!("PostgreSQL: {label}…");
        let postgres = measure(WARM_UP_QUERIES, cfg.queries, cfg.budget, |i| {
            let found = rt.block_on(pg.search(conn, &w.searches[i], page));
            black_box(found.expect("PostgreSQL search"));
        });
        let tantivy = if page == Page::None {
            t.search_count
        } else {
            t.search_page
        };
        rows.push(LatencyRow {
            operation: label,
            tantivy,
            postgres,
        });
    }
    rows
}

/// Do both sides find about the same things? (Untimed.)
struct Agreement {
    queries: usize,
    equal_totals: usize,
    tantivy_mean_total: f64,
    postgres_mean_total: f64,
    /// Share of our top 5 that PostgreSQL's first suggestion variant also returns.
    top5_overlap: f64,
}

fn agreement(
    rt: &Runtime,
    kb: &KnowledgeBase,
    conn: &mut PgConnection,
    pg: &PgQueries,
    w: &Workload,
) -> Agreement {
    let measured = WARM_UP_QUERIES..(WARM_UP_QUERIES + AGREEMENT_QUERIES).min(w.probes.len());
    let (mut equal_totals, mut ours, mut theirs) = (0, 0.0, 0.0);
    for text in &w.searches[measured.clone()] {
        let tantivy_total = kb.search(&search_query(text)).map_or(0, |r| r.total as u64);
        let pg_total = rt
            .block_on(pg.search(conn, text, Page::None))
            .expect("PostgreSQL search");
        equal_totals += usize::from(tantivy_total == pg_total);
        ours += tantivy_total as f64;
        theirs += pg_total as f64;
    }
    let mut shared = 0;
    for probe in &w.probes[measured.clone()] {
        let found = kb.suggest(probe, &suggest_options()).expect("suggest");
        let theirs = rt
            .block_on(pg.suggest(conn, 0, probe))
            .expect("PostgreSQL suggestion");
        shared += found.iter().filter(|s| theirs.contains(&s.number)).count();
    }
    let n = measured.len();
    Agreement {
        queries: n,
        equal_totals,
        tantivy_mean_total: ours / n as f64,
        postgres_mean_total: theirs / n as f64,
        top5_overlap: shared as f64 / (n * SUGGEST_LIMIT) as f64,
    }
}

// ---------------------------------------------------------------------------------------------
// The report

struct Report {
    docs: usize,
    machine: String,
    pg_settings: String,
    load_before: String,
    load_after: String,
    rows: Vec<LatencyRow>,
    tantivy_load: Load,
    pg_load: Load,
    pg_sizes: PgSizes,
    agreement: Agreement,
}

fn latency_row(out: &mut String, r: &LatencyRow) {
    let ratio = r.postgres.p50.as_secs_f64() / r.tantivy.p50.as_secs_f64();
    let _ = writeln!(
        out,
        "| {} | {} / {} | {} | {} | {} | {} | {} | {} | {ratio:.1}× |",
        r.operation,
        r.tantivy.n,
        r.postgres.n,
        ms(r.tantivy.p50),
        ms(r.tantivy.p99),
        ms(r.tantivy.mean),
        ms(r.postgres.p50),
        ms(r.postgres.p99),
        ms(r.postgres.mean),
    );
}

fn docs_per_s(n: usize, d: Duration) -> String {
    format!("{:.0}", n as f64 / d.as_secs_f64())
}

fn header(out: &mut String, r: &Report) {
    let _ = writeln!(
        out,
        "# Knowledge base: tantivy vs PostgreSQL full-text search\n"
    );
    let _ = writeln!(
        out,
        "{} synthetic resolved incidents (seed {CORPUS_SEED}); probes and search texts from \
         seed {QUERY_SEED}, up to {WARM_UP_QUERIES} warm-up queries before the measured ones; \
         one query at a time from one client thread.  \nMachine: {}; load average {} at the \
         start, {} at the end (the machine is shared).  \n{} (the benchmark's session sets \
         max_parallel_workers_per_gather=0: one core per query, like tantivy's one search \
         thread).  \nCommand: `cargo bench --bench knowledge_vs_postgres`.\n",
        r.docs, r.machine, r.load_before, r.load_after, r.pg_settings
    );
}

fn latency_table(out: &mut String, r: &Report) {
    let _ = writeln!(
        out,
        "| operation | queries (tantivy / PG) | tantivy p50 | tantivy p99 | tantivy mean | \
         PostgreSQL p50 | PostgreSQL p99 | PostgreSQL mean | ratio (PG p50 / tantivy p50) |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for row in &r.rows {
        latency_row(out, row);
    }
}

fn load_table(out: &mut String, r: &Report) {
    let (n, t, p) = (r.docs, &r.tantivy_load, &r.pg_load);
    let _ = writeln!(
        out,
        "\n| loading {n} incidents | tantivy | PostgreSQL |\n|---|---|---|"
    );
    let _ = writeln!(
        out,
        "| bulk load, docs/s (a commit / a COPY every {BATCH}) | {} ({:.1} s) | {} ({:.1} s) |",
        docs_per_s(n, t.load),
        t.load.as_secs_f64(),
        docs_per_s(n, p.load),
        p.load.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "| then settling (tantivy: merges; PG: VACUUM ANALYZE + `kb_words`) | {:.1} s | {:.1} s |",
        t.settle.as_secs_f64(),
        p.settle.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "| docs/s including settling | {} | {} |",
        docs_per_s(n, t.load + t.settle),
        docs_per_s(n, p.load + p.settle)
    );
    let _ = writeln!(
        out,
        "| on disk | {} ({:.0} B/doc) | {} ({:.0} B/doc) |",
        mb(t.bytes),
        t.bytes as f64 / n as f64,
        mb(p.bytes),
        p.bytes as f64 / n as f64
    );
    let _ = writeln!(
        out,
        "\nPostgreSQL's size is `pg_total_relation_size` of `incidents` (heap, TOAST, primary \
         key, GIN index) plus `kb_words`; of it the GIN index is {}, the stored tsvector column \
         {} and `kb_words` {}. tantivy's is the index directory after merges (inverted index \
         with positions, fast fields, compressed document store).",
        mb(r.pg_sizes.gin),
        mb(r.pg_sizes.tsvector),
        mb(r.pg_sizes.words)
    );
}

fn markdown(r: &Report) -> String {
    let a = &r.agreement;
    let mut out = String::new();
    header(&mut out, r);
    latency_table(&mut out, r);
    load_table(&mut out, r);
    let _ = writeln!(
        out,
        "\nAgreement (untimed, {} queries each): search totals equal on {}/{} texts (mean \
         total: tantivy {:.0}, PostgreSQL {:.0}); PostgreSQL's first suggestion variant returns \
         {:.0}% of our top {SUGGEST_LIMIT}.",
        a.queries,
        a.equal_totals,
        a.queries,
        a.tantivy_mean_total,
        a.postgres_mean_total,
        a.top5_overlap * 100.0
    );
    let ranking = RankingConfig::default();
    out.push_str(
        &WORK_NOTES
            .replace("{terms}", &ranking.max_query_terms.to_string())
            .replace(
                "{cutoff}",
                &format!("{:.0}%", ranking.max_doc_freq_ratio * 100.0),
            )
            .replace("{floor}", &ranking.min_doc_freq_cutoff.to_string()),
    );
    out
}

/// `{terms}`, `{cutoff}` and `{floor}` are filled in from `RankingConfig::default()`.
const WORK_NOTES: &str = "
What each side does per query:

- **suggest**, tantivy: `KnowledgeBase::suggest` (limit 5): picks at most {terms} probe words by \
  tf-idf (words in more than {cutoff} of incidents dropped, from {floor} incidents up), scores a \
  flat OR of them in the title and the whole text with BM25 (title boosted), term at a time, \
  re-ranks the top 10 by service, category and helpfulness, \
  then explains the 5 it returns (matched words, highlighted fragments from the stored texts). \
  PostgreSQL, *our ≤24 words*: the same word selection in SQL (document frequencies from \
  `kb_words`, built once after loading with `ts_stat`; a live system would have to maintain \
  it), an OR tsquery of them, every match ranked by `ts_rank_cd` (or `ts_rank`) times the same \
  factors, the top 5 numbers returned, no explanations. PostgreSQL, *all probe words*: every \
  distinct word of the probe's title and description OR-ed, otherwise the same.
- **search**, tantivy: `KnowledgeBase::search`: all words (phrases, `-words`) must match, \
  BM25 ranking, total, service and category facets, and for a page of 20 highlighted \
  fragments of each hit. PostgreSQL: `websearch_to_tsquery('english', …)` (the same syntax), \
  the page ranked by `ts_rank` (with or without `ts_headline` of the five texts), then a \
  second statement for the total and the service and category facets (`GROUP BY GROUPING \
  SETS`). The last row is the total and facets alone (our `limit: 0`, PostgreSQL's second \
  statement).
- Both stem English with Snowball, but tokenization and stop words differ (PostgreSQL keeps \
  `file.py`, `-149` or `a.b.c` as one token, and drops more stop words), so matches and totals \
  differ somewhat.
- PostgreSQL latencies include the local TCP round trip and row decoding; tantivy's are \
  in-process calls. Each workload stops after `KB_VS_PG_BUDGET_SECS` of measuring, hence the \
  smaller query counts of slow variants.
";

fn main() {
    let cfg = Config::from_env();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    // Fail fast, before the long tantivy build, if PostgreSQL is not there.
    rt.block_on(connect_admin(&rt, &cfg.admin_url).close())
        .expect("close the admin connection");
    let load_before = load_average();

    eprintln!("generating {} incidents and the queries…", cfg.docs);
    let w = workload(&cfg);

    eprintln!("tantivy: building…");
    let dir = tempfile::tempdir().expect("temp dir");
    let (kb, tantivy_load) = tantivy_build(dir.path(), &w.docs);
    eprintln!("tantivy: querying…");
    let t = tantivy_latencies(&kb, &w, &cfg);

    let (guard, mut conn) = create_database(&rt, &cfg.admin_url);
    eprintln!("PostgreSQL: loading into {}…", guard.name);
    let pg_load = rt
        .block_on(pg_load(&mut conn, &w.docs))
        .expect("load PostgreSQL");
    rt.block_on(sqlx::raw_sql("SET max_parallel_workers_per_gather = 0").execute(&mut conn))
        .expect("set max_parallel_workers_per_gather");
    let pg_sizes = rt.block_on(pg_sizes(&mut conn)).expect("PostgreSQL sizes");
    let pg_settings = rt
        .block_on(pg_settings(&mut conn))
        .expect("PostgreSQL settings");
    let pg = PgQueries::new(cfg.docs);
    let rows = pg_rows(&rt, &mut conn, &pg, &w, &cfg, &t);
    eprintln!("comparing answers…");
    let agreement = agreement(&rt, &kb, &mut conn, &pg, &w);
    let _ = rt.block_on(conn.close());
    drop(guard);

    let report = Report {
        docs: cfg.docs,
        machine: machine(),
        pg_settings,
        load_before,
        load_after: load_average(),
        rows,
        tantivy_load,
        pg_load,
        pg_sizes,
        agreement,
    };
    let text = markdown(&report);
    println!("{text}");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("bench/knowledge_vs_postgres.md");
    match std::fs::write(&path, &text) {
        Ok(()) => eprintln!("wrote {}", path.display()),
        Err(e) => eprintln!("could not write {}: {e}", path.display()),
    }
}
