//! What async-graphql's executor alone costs for the load benchmark's typical read, on one core.
//!
//! `bench/load.sh` measures the whole server. This bench isolates the part we cannot change
//! within our stack: a schema of the same shape as ours (a Relay connection of incidents with
//! `id number title status reporter { id name }`, the same depth and complexity limits), whose
//! resolvers return data already in memory, executed on one thread without HTTP, token or
//! database. Beside it, the same answer written by serde from the same structs, which is
//! what the data itself costs to put on the wire.
//!
//! Run it with `cargo bench --bench graphql_executor`; the README's benchmark section quotes it.

// The server binary's allocator, so the executor allocates as it does in production.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{EmptyMutation, EmptySubscription, Enum, ID, Object, Schema, SimpleObject};
use criterion::{Criterion, criterion_group, criterion_main};
use serde::Serialize;

const TYPICAL_READ: &str = "{ incidents(first: 20) { totalCount edges { node { id number title \
                            status reporter { id name } } } } }";
const VIEWER: &str = "{ viewer { id } }";
const PAGE: usize = 20;

#[derive(Enum, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum Status {
    New,
    Investigating,
    Resolved,
}

#[derive(SimpleObject, Clone, Serialize)]
struct User {
    id: ID,
    name: String,
}

#[derive(Clone)]
struct Incident {
    id: String,
    number: i64,
    title: String,
    status: Status,
    reporter: User,
}

/// Resolved like our `IncidentObject`: async field functions, the number formatted on read.
#[Object]
impl Incident {
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }

    async fn number(&self) -> String {
        format!("INC-{}", self.number)
    }

    async fn title(&self) -> &str {
        &self.title
    }

    async fn status(&self) -> Status {
        self.status
    }

    async fn reporter(&self) -> User {
        self.reporter.clone()
    }
}

#[derive(SimpleObject)]
struct Totals {
    total_count: i64,
}

struct Query {
    page: Vec<Incident>,
    viewer: User,
}

#[Object]
impl Query {
    async fn viewer(&self) -> User {
        self.viewer.clone()
    }

    async fn incidents(
        &self,
        first: Option<i32>,
        after: Option<String>,
    ) -> Connection<String, Incident, Totals> {
        let first = usize::try_from(first.unwrap_or(20)).unwrap_or(0);
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            false,
            Totals {
                total_count: 10_000,
            },
        );
        connection.edges.extend(
            self.page
                .iter()
                .take(first)
                .map(|i| Edge::new(i.number.to_string(), i.clone())),
        );
        connection
    }
}

fn page() -> Vec<Incident> {
    let statuses = [Status::New, Status::Investigating, Status::Resolved];
    (0..PAGE)
        .map(|i| Incident {
            id: format!("0193a6f2-7c1e-7d3a-9f00-{i:012x}"),
            number: 10_000 - i as i64,
            title: format!("Checkout latency above SLO in eu-west-1 after deploy {i}"),
            status: statuses[i % statuses.len()],
            reporter: User {
                id: ID(format!("user-{}", i % 4)),
                name: format!("Responder {}", i % 4),
            },
        })
        .collect()
}

/// The typical read's answer, written by serde from the same data: no executor.
#[derive(Serialize)]
struct Answer<'a> {
    data: AnswerData<'a>,
}

#[derive(Serialize)]
struct AnswerData<'a> {
    incidents: AnswerConnection<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AnswerConnection<'a> {
    total_count: i64,
    edges: Vec<AnswerEdge<'a>>,
}

#[derive(Serialize)]
struct AnswerEdge<'a> {
    node: AnswerNode<'a>,
}

#[derive(Serialize)]
struct AnswerNode<'a> {
    id: &'a str,
    number: String,
    title: &'a str,
    status: Status,
    reporter: &'a User,
}

fn serde_answer(page: &[Incident]) -> String {
    let answer = Answer {
        data: AnswerData {
            incidents: AnswerConnection {
                total_count: 10_000,
                edges: page
                    .iter()
                    .map(|i| AnswerEdge {
                        node: AnswerNode {
                            id: &i.id,
                            number: format!("INC-{}", i.number),
                            title: &i.title,
                            status: i.status,
                            reporter: &i.reporter,
                        },
                    })
                    .collect(),
            },
        },
    };
    serde_json::to_string(&answer).unwrap_or_default()
}

fn executor(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
    let query = Query {
        page: page(),
        viewer: User {
            id: ID("user-0".into()),
            name: "Responder 0".into(),
        },
    };
    // The limits our schema sets (src/graphql/mod.rs), so validation does the same work.
    let schema = Schema::build(query, EmptyMutation, EmptySubscription)
        .limit_depth(12)
        .limit_complexity(2_000)
        .finish();

    // The two paths must give the same answer, or the comparison means nothing.
    let executed = runtime.block_on(schema.execute(TYPICAL_READ));
    assert!(executed.errors.is_empty(), "{:?}", executed.errors);
    let by_executor = serde_json::to_string(&executed).expect("serialize");
    let by_serde = serde_answer(&page());
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&by_executor).expect("json"),
        serde_json::from_str::<serde_json::Value>(&by_serde).expect("json"),
    );

    let mut group = c.benchmark_group("graphql_executor");
    group.bench_function("typical_read", |b| {
        b.iter(|| {
            let response = runtime.block_on(schema.execute(black_box(TYPICAL_READ)));
            black_box(serde_json::to_string(&response).unwrap_or_default())
        })
    });
    group.bench_function("viewer", |b| {
        b.iter(|| {
            let response = runtime.block_on(schema.execute(black_box(VIEWER)));
            black_box(serde_json::to_string(&response).unwrap_or_default())
        })
    });
    group.bench_function("typical_read_parse_only", |b| {
        b.iter(|| black_box(async_graphql::parser::parse_query(black_box(TYPICAL_READ))))
    });
    let data = page();
    group.bench_function("typical_read_answer_by_serde", |b| {
        b.iter(|| black_box(serde_answer(black_box(&data))))
    });
    group.finish();
}

criterion_group!(benches, executor);
criterion_main!(benches);
