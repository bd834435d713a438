//! `incidentMetrics` over a year of incidents: the use case as the GraphQL resolver calls it
//! (one statement, then the aggregation), on SQLite and on PostgreSQL, in one run. Run it with
//! `cargo bench --bench incident_metrics`; it prints a Markdown table.
//!
//! Environment:
//! - `METRICS_BENCH_INCIDENTS`: incidents reported over the year (default 100000);
//! - `METRICS_BENCH_RUNS`: measured calls per question (default 30, after 3 warm-up ones);
//! - `METRICS_BENCH_PG_URL`: the PostgreSQL admin database (default
//!   `postgres://postgres@127.0.0.1:5432/postgres`); a fresh database is created there and
//!   dropped at the end. Set it to `off` to measure SQLite only.
//!
//! The incidents are spread evenly over 2025: 70% triaged (P1..P5), 60% resolved after a
//! few minutes to a few days, 30% with an incident manager, 5% reopened, 10% with a helpful
//! suggestion, over 40 services and 12 categories.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use hindsight::auth::{OrgRole, Viewer};
use hindsight::domain::event::EventKind;
use hindsight::domain::ids::{IncidentId, IncidentNumber, UserId};
use hindsight::domain::incident::{Incident, Source, StoredResolution};
use hindsight::domain::lifecycle::Status;
use hindsight::domain::metrics::{GroupBy, Interval, MetricsFilter, MetricsQuery};
use hindsight::domain::priority::{Level, Priority};
use hindsight::domain::team::IncidentRole;
use hindsight::domain::user::User;
use hindsight::service::Services;
use hindsight::service::knowledge::Knowledge;
use hindsight::store::events::{self, NewEvent};
use hindsight::store::{Db, incidents, team, users};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, Database, Statement};
use tokio::runtime::Runtime;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn year_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
        .single()
        .expect("valid")
}

/// One synthetic incident number `n` of `count`, reported evenly over 2025.
fn incident(n: i64, count: i64, rng: &mut StdRng) -> (Incident, bool, bool) {
    let year = Duration::from_secs(365 * 86_400).as_secs() as i64;
    let created_at = year_start() + chrono::Duration::seconds(year * n / count);
    let triaged = rng.random_bool(0.7);
    let levels = [Level::High, Level::Medium, Level::Low];
    let (impact, urgency) = (
        levels[rng.random_range(0..3)],
        levels[rng.random_range(0..3)],
    );
    let resolved = triaged && rng.random_bool(0.85);
    let after = |rng: &mut StdRng, max_minutes: i64| {
        created_at + chrono::Duration::minutes(rng.random_range(1..max_minutes))
    };
    let triaged_at = triaged.then(|| after(rng, 60));
    let resolved_at = resolved.then(|| after(rng, 5 * 1_440));
    let helped = resolved && rng.random_bool(0.1);
    // Drawn in the order earlier versions of this bench drew them: the same data.
    let mitigated_at = resolved
        .then(|| after(rng, 2 * 1_440))
        .filter(|m| Some(*m) < resolved_at);
    let managed = triaged && rng.random_bool(0.4);
    let reopened = resolved && rng.random_bool(0.06);
    let incident = Incident {
        id: IncidentId::new(),
        number: IncidentNumber(n + 1),
        title: format!("incident {n}"),
        description: String::new(),
        service: format!("service-{}", n % 40),
        category: triaged.then(|| format!("category-{}", n % 12)),
        source: Source::Manual,
        status: if resolved {
            Status::Resolved
        } else if triaged {
            Status::Investigating
        } else {
            Status::New
        },
        impact: triaged.then_some(impact),
        urgency: triaged.then_some(urgency),
        priority: triaged.then(|| Priority::derive(impact, urgency)),
        resolution: resolved.then(|| StoredResolution {
            summary: "restarted".into(),
            root_cause: None,
            fix: None,
            helped_by: if helped {
                vec![IncidentId::new()]
            } else {
                Vec::new()
            },
            helped_by_known_errors: Vec::new(),
        }),
        cancel_reason: None,
        duplicate_of: None,
        reporter_id: UserId::from("bench"),
        external_id: None,
        version: 1,
        created_at,
        updated_at: created_at,
        triaged_at,
        investigating_at: triaged_at,
        mitigated_at,
        resolved_at,
        closed_at: None,
        cancelled_at: None,
        reopened_at: None,
        resolution_runs: Vec::new(),
        acknowledged_at: None,
        manager_assigned_at: managed.then(|| created_at + chrono::Duration::minutes(5)),
        reopen_count: u32::from(reopened),
        impact_started_at: None,
        public_title: None,
    };
    (incident, managed, reopened)
}

async fn fill(db: &Db, count: i64) {
    let mut rng = StdRng::seed_from_u64(7);
    let bench = UserId::from("bench");
    let reporter = User {
        id: bench.clone(),
        name: "Bench".into(),
        email: None,
    };
    let txn = db.begin_write().await.expect("begin");
    users::upsert(&*txn, &reporter, year_start())
        .await
        .expect("user");
    txn.commit().await.expect("commit");
    let mut n = 0;
    while n < count {
        let txn = db.begin_write().await.expect("begin");
        for _ in 0..2_000.min(count - n) {
            let (incident, managed, reopened) = incident(n, count, &mut rng);
            incidents::insert(&*txn, &incident).await.expect("insert");
            if managed {
                let at = incident.created_at + chrono::Duration::minutes(5);
                team::assign(
                    &*txn,
                    incident.id,
                    &bench,
                    IncidentRole::IncidentManager,
                    at,
                    &bench,
                )
                .await
                .expect("assign");
            }
            if reopened {
                let at = incident.created_at + chrono::Duration::days(1);
                let event = NewEvent::new(
                    incident.id,
                    at,
                    &bench,
                    EventKind::Reopened,
                    serde_json::json!({}),
                );
                events::append(&*txn, event).await.expect("event");
            }
            n += 1;
        }
        txn.commit().await.expect("commit");
    }
}

fn viewer() -> Viewer {
    Viewer {
        user_id: UserId::from("bench"),
        name: "Bench".into(),
        email: None,
        roles: vec![OrgRole::Manager],
    }
}

struct Timing {
    question: &'static str,
    buckets: usize,
    p50: Duration,
    p90: Duration,
    max: Duration,
}

async fn measure(services: &Services, runs: usize) -> Vec<Timing> {
    let questions: [(&'static str, Interval, Vec<GroupBy>); 3] = [
        ("a year by week", Interval::Week, vec![]),
        (
            "a year by month and priority",
            Interval::Month,
            vec![GroupBy::Priority],
        ),
        (
            "a year by week and service",
            Interval::Week,
            vec![GroupBy::Service],
        ),
    ];
    let mut out = Vec::new();
    for (question, interval, group_by) in questions {
        let from = year_start();
        let to = from + chrono::Duration::days(365);
        let query = MetricsQuery::new(from, to, interval, "UTC", group_by).expect("valid");
        let filter = || MetricsFilter {
            from,
            to,
            service: None,
            category: None,
            priority_rank: None,
        };
        let mut times = Vec::new();
        let mut buckets = 0;
        for run in 0..runs + 3 {
            let start = Instant::now();
            let answer = services
                .incident_metrics(&viewer(), &query, filter())
                .await
                .expect("metrics");
            if run >= 3 {
                times.push(start.elapsed());
            }
            buckets = answer.len();
        }
        times.sort();
        out.push(Timing {
            question,
            buckets,
            p50: times[times.len() / 2],
            p90: times[times.len() * 9 / 10],
            max: times[times.len() - 1],
        });
    }
    out
}

async fn run_on(url: &str, count: i64, runs: usize) -> Vec<Timing> {
    let db = Db::connect(url).await.expect("connect");
    db.migrate().await.expect("migrate");
    let started = Instant::now();
    fill(&db, count).await;
    eprintln!(
        "{count} incidents written in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let index = tempfile::tempdir().expect("tempdir");
    let (base, _) = hindsight::service::index_worker::open(index.path()).expect("index");
    let services = Services::new(db, Knowledge::new(std::sync::Arc::new(base)));
    measure(&services, runs).await
}

fn main() {
    let count: i64 = env_or("METRICS_BENCH_INCIDENTS", 100_000);
    let runs: usize = env_or("METRICS_BENCH_RUNS", 30);
    let pg_admin = std::env::var("METRICS_BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let rt = Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let mut table = vec![("SQLite", rt.block_on(run_on(&sqlite, count, runs)))];
    if pg_admin != "off" {
        let name = format!("metrics_bench_{}", rand::random::<u32>());
        let admin = rt
            .block_on(Database::connect(&pg_admin))
            .expect("PostgreSQL");
        let sql = |text: String| Statement::from_string(sea_orm::DbBackend::Postgres, text);
        rt.block_on(admin.execute_raw(sql(format!("CREATE DATABASE {name}"))))
            .expect("create database");
        let url = match pg_admin.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("METRICS_BENCH_PG_URL needs a database name"),
        };
        let timings = rt.block_on(run_on(&url, count, runs));
        rt.block_on(admin.execute_raw(sql(format!("DROP DATABASE {name} WITH (FORCE)"))))
            .expect("drop database");
        table.push(("PostgreSQL", timings));
    }
    println!("| backend | question | buckets | p50 | p90 | max |");
    println!("|---|---|---|---|---|---|");
    for (backend, timings) in table {
        for t in timings {
            println!(
                "| {backend} | {} | {} | {:.0} ms | {:.0} ms | {:.0} ms |",
                t.question,
                t.buckets,
                t.p50.as_secs_f64() * 1e3,
                t.p90.as_secs_f64() * 1e3,
                t.max.as_secs_f64() * 1e3,
            );
        }
    }
}
