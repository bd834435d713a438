//! The Prometheus recorder behind `/metrics`, installed once per process.
//!
//! The `metrics` crate keeps one global recorder, so the process-wide numbers (HTTP requests,
//! GraphQL operations) go to the one installed here, however many servers a process builds
//! (the integration tests build dozens). Numbers that belong to one server (its database,
//! its subscriptions) are written at scrape time into a recorder of their own
//! (`render_local`), so two servers in one process never overwrite each other's gauges.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use metrics::{Unit, describe_counter, describe_histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub const HTTP_REQUESTS: &str = "hindsight_http_requests_total";
pub const HTTP_DURATION: &str = "hindsight_http_request_duration_seconds";
pub const GRAPHQL_OPERATIONS: &str = "hindsight_graphql_operations_total";

/// Upper bounds of the latency buckets: an API answers in milliseconds, and the request time
/// limit (10 s by default) caps the slowest.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Histogram samples wait in memory until they are folded into their buckets, which a scrape
/// does. Without a scrape (metrics on, nobody scraping) requests fold them this often.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

struct Installed {
    handle: PrometheusHandle,
    started: Instant,
    /// Milliseconds after `started` of the last fold.
    last_upkeep_ms: AtomicU64,
}

static INSTALLED: OnceLock<Installed> = OnceLock::new();

fn builder() -> PrometheusBuilder {
    PrometheusBuilder::new()
}

/// The process's recorder, installed on first use. If another recorder was installed first
/// (not something hindsight does), the numbers recorded through the `metrics` macros go to
/// that one and `/metrics` shows only the per-server numbers.
pub fn handle() -> &'static PrometheusHandle {
    &INSTALLED
        .get_or_init(|| {
            let builder = builder()
                .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), LATENCY_BUCKETS)
                .unwrap_or_else(|_| builder());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if let Err(e) = metrics::set_global_recorder(recorder) {
                tracing::warn!(error = %e, "another metrics recorder is installed; /metrics shows only this server's gauges");
            }
            describe();
            Installed {
                handle,
                started: Instant::now(),
                last_upkeep_ms: AtomicU64::new(0),
            }
        })
        .handle
}

fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by route template (\"unmatched\" for none), method and status."
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request (to the response head), by route template and method."
    );
    describe_counter!(
        GRAPHQL_OPERATIONS,
        "GraphQL operations over HTTP and websockets (a subscription once, when it starts), by operation name (\"anonymous\" without one, \"other\" past the bound), outcome (ok or error) and the first error's code (\"none\" when ok)."
    );
}

/// Folds waiting histogram samples into their buckets if nothing did for `UPKEEP_EVERY`;
/// cheap otherwise (one atomic read). Called after each request.
pub fn upkeep_now_and_then() {
    let Some(installed) = INSTALLED.get() else {
        return;
    };
    let now = u64::try_from(installed.started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let last = installed.last_upkeep_ms.load(Ordering::Relaxed);
    let due = now.saturating_sub(last) >= UPKEEP_EVERY.as_millis() as u64;
    // One caller wins the exchange and folds; the others go on at once.
    if due
        && installed
            .last_upkeep_ms
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        installed.handle.run_upkeep();
    }
}

/// Renders, in the Prometheus text format, what `record` writes through the `metrics` macros
/// into a recorder of its own, used for this call only.
pub fn render_local(record: impl FnOnce()) -> String {
    let recorder = builder().build_recorder();
    metrics::with_local_recorder(&recorder, record);
    recorder.handle().render()
}
