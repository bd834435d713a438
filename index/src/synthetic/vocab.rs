//! Word lists and incident scenarios for the synthetic generator. Templates use `{name}`
//! placeholders that `fill` in `mod.rs` replaces: `{svc}` (the incident's service), `{dep}` (a
//! dependency), `{host}`, `{pod}`, `{n}`, `{ms}`, `{pct}`, `{ver}`, `{class}`, `{region}`,
//! `{code}`, `{port}`, `{hex}`, `{table}`, `{queue}`, `{path}`, `{user}`.

pub(super) const SERVICES: &[&str] = &[
    "checkout",
    "payments",
    "auth",
    "identity",
    "search",
    "catalog",
    "inventory",
    "orders",
    "shipping",
    "notifications",
    "email-sender",
    "sms-gateway",
    "billing",
    "invoicing",
    "recommendations",
    "pricing",
    "cart",
    "user-profile",
    "sessions",
    "media-upload",
    "image-resizer",
    "cdn-edge",
    "api-gateway",
    "graphql-bff",
    "admin-console",
    "reporting",
    "analytics-ingest",
    "event-bus",
    "scheduler",
    "batch-exports",
    "fraud-scoring",
    "ledger",
    "webhooks",
    "mobile-api",
    "feature-flags",
    "audit-log",
    "chat",
    "support-portal",
    "geo-lookup",
    "tax-engine",
];

pub(super) const DEPENDENCIES: &[&str] = &[
    "postgres-primary",
    "postgres-replica",
    "mysql-orders",
    "redis-cache",
    "redis-sessions",
    "memcached",
    "kafka",
    "rabbitmq",
    "elasticsearch",
    "s3",
    "gcs-bucket",
    "dynamodb",
    "cassandra",
    "zookeeper",
    "etcd",
    "consul",
    "vault",
    "stripe-api",
    "sendgrid",
    "twilio",
    "coredns",
    "nginx-ingress",
    "envoy",
    "istio-sidecar",
    "kubelet",
    "nfs-share",
    "ldap",
    "okta",
    "clickhouse",
    "mongodb",
];

pub(super) const CATEGORIES: &[&str] = &[
    "database",
    "network",
    "deployment",
    "capacity",
    "configuration",
    "dependency",
    "security",
    "hardware",
    "software-bug",
    "data-integrity",
];

/// Two halves of component names ("ledger-reconciler"): 48 x 40 = 1,920 components, picked
/// with a long tail, as in a real estate of microservices, jobs and libraries.
pub(super) const COMPONENT_HEADS: &[&str] = &[
    "ledger",
    "invoice",
    "refund",
    "payout",
    "coupon",
    "voucher",
    "basket",
    "wishlist",
    "review",
    "rating",
    "address",
    "tax",
    "currency",
    "fx",
    "kyc",
    "onboarding",
    "consent",
    "cookie",
    "session",
    "token",
    "otp",
    "captcha",
    "avatar",
    "thumbnail",
    "transcode",
    "sitemap",
    "feed",
    "digest",
    "newsletter",
    "campaign",
    "segment",
    "cohort",
    "experiment",
    "quota",
    "billing",
    "metering",
    "usage",
    "license",
    "entitlement",
    "seat",
    "tenant",
    "org",
    "team",
    "role",
    "permission",
    "webhook",
    "callback",
    "reminder",
];

pub(super) const COMPONENT_TAILS: &[&str] = &[
    "reconciler",
    "exporter",
    "importer",
    "scheduler",
    "dispatcher",
    "aggregator",
    "indexer",
    "resolver",
    "validator",
    "enricher",
    "notifier",
    "poller",
    "syncer",
    "compactor",
    "archiver",
    "janitor",
    "sweeper",
    "router",
    "proxy",
    "adapter",
    "bridge",
    "relay",
    "collector",
    "emitter",
    "listener",
    "watcher",
    "cache",
    "store",
    "registry",
    "ledger",
    "planner",
    "allocator",
    "balancer",
    "throttler",
    "limiter",
    "batcher",
    "splitter",
    "merger",
    "renderer",
    "signer",
];

pub(super) const REGIONS: &[&str] = &[
    "eu-west-1",
    "eu-central-1",
    "us-east-1",
    "us-west-2",
    "ap-southeast-1",
    "ap-northeast-1",
    "sa-east-1",
];

pub(super) const TABLES: &[&str] = &[
    "orders",
    "order_items",
    "payments",
    "users",
    "sessions",
    "invoices",
    "shipments",
    "inventory_levels",
    "audit_events",
    "refunds",
    "carts",
    "price_rules",
];

pub(super) const QUEUES: &[&str] = &[
    "order-events",
    "payment-events",
    "email-outbox",
    "sms-outbox",
    "search-reindex",
    "image-jobs",
    "export-jobs",
    "webhook-deliveries",
    "fraud-checks",
    "ledger-postings",
];

pub(super) const PATHS: &[&str] = &[
    "/api/v1/orders",
    "/api/v1/checkout",
    "/api/v2/payments/authorize",
    "/login",
    "/graphql",
    "/api/v1/search",
    "/api/v1/cart/items",
    "/healthz",
    "/api/v1/users/me",
    "/webhooks/stripe",
];

pub(super) const PACKAGES: &[&str] = &[
    "client",
    "repository",
    "service",
    "handler",
    "controller",
    "gateway",
    "pool",
    "cache",
    "consumer",
    "producer",
    "scheduler",
    "worker",
    "codec",
    "auth",
    "retry",
    "http",
];

pub(super) const CLASS_WORDS: &[&str] = &[
    "Order",
    "Payment",
    "Session",
    "Token",
    "Connection",
    "Request",
    "Response",
    "Batch",
    "Event",
    "Invoice",
    "Ledger",
    "Price",
    "Cart",
    "User",
    "Message",
    "Channel",
    "Cache",
    "Index",
    "Shipment",
    "Refund",
    "Webhook",
    "Export",
];

pub(super) const CLASS_SUFFIXES: &[&str] = &[
    "Client",
    "Repository",
    "Service",
    "Handler",
    "Controller",
    "Manager",
    "Factory",
    "Worker",
    "Consumer",
    "Producer",
    "Validator",
    "Serializer",
    "Resolver",
    "Executor",
];

pub(super) const METHODS: &[&str] = &[
    "execute",
    "handle",
    "process",
    "fetch",
    "save",
    "load",
    "authorize",
    "capture",
    "publish",
    "consume",
    "resolve",
    "validate",
    "serialize",
    "lookup",
    "refresh",
    "retry",
    "send",
];

pub(super) const PEOPLE: &[&str] = &[
    "the on-call engineer",
    "the incident commander",
    "the database team",
    "the SRE on call",
    "the platform team",
    "the payments team",
    "a support agent",
    "the network team",
];

pub(super) const DETECTION: &[&str] = &[
    "Alerts fired for {svc} in {region}: error rate above {pct}% for 5 minutes.",
    "PagerDuty paged {person} after the {svc} SLO burn rate alert triggered.",
    "Customer support reported that users could not complete requests on {path}.",
    "Synthetic checks against {path} started failing from {region}.",
    "The {svc} dashboard showed p99 latency climbing to {ms} ms.",
    "Grafana showed a sharp drop in successful requests for {svc}.",
    "A spike of HTTP {code} responses from {svc} was visible in the load balancer logs.",
    "Error budget for {svc} dropped by {pct}% within an hour.",
];

pub(super) const NARRATIVE: &[&str] = &[
    "{person} acknowledged the page and opened a bridge.",
    "We rolled back the last deploy of {svc} ({ver}) but the errors continued.",
    "Restarting the {svc} pods gave temporary relief for a few minutes.",
    "Traffic was shifted away from {region} while we investigated.",
    "The status page was updated to 'degraded performance'.",
    "Other services depending on {dep} showed similar symptoms.",
    "No recent configuration change was found in the audit log at first.",
    "We scaled {svc} from {n} to {n} replicas without improvement.",
    "Logs on {host} showed the same error repeating every few seconds.",
    "Approximately {n} requests failed during the incident window.",
    "The issue affected only a subset of users in {region}.",
    "Health checks kept passing, so the orchestrator did not replace the pods.",
];

/// A kind of failure, with the ways people describe it.
pub(super) struct Scenario {
    pub category: &'static str,
    pub titles: &'static [&'static str],
    pub symptoms: &'static [&'static str],
    pub errors: &'static [&'static str],
    pub root_causes: &'static [&'static str],
    pub fixes: &'static [&'static str],
}

pub(super) const SCENARIOS: &[Scenario] = &[
    Scenario {
        category: "database",
        titles: &[
            "{svc}: database connection pool exhausted",
            "{svc} timing out waiting for {dep} connections",
            "Connection pool saturation on {svc} causing 5xx",
        ],
        symptoms: &[
            "Requests to {svc} hung until the gateway timeout, then returned {code}.",
            "Threads were blocked waiting for a connection from the pool.",
            "Active connections to {dep} stayed pinned at the pool maximum of {n}.",
        ],
        errors: &[
            "HikariPool-1 - Connection is not available, request timed out after {ms}ms.",
            "org.postgresql.util.PSQLException: FATAL: remaining connection slots are reserved for non-replication superuser connections",
            "sqlalchemy.exc.TimeoutError: QueuePool limit of size {n} overflow {n} reached, connection timed out, timeout {n}",
        ],
        root_causes: &[
            "A slow query on {table} held connections for minutes, starving the pool.",
            "A connection leak in the {class} error path never returned connections to the pool.",
            "The pool size was left at the default of 10 after the traffic doubled.",
        ],
        fixes: &[
            "Killed the long-running query on {table}, added an index and a statement timeout of {ms} ms.",
            "Fixed the leak in {class} by closing the connection in a finally block; deployed {ver}.",
            "Raised the pool size to {n} and added an alert on pool wait time.",
        ],
    },
    Scenario {
        category: "database",
        titles: &[
            "Replication lag on {dep} causing stale reads in {svc}",
            "{dep} replica fell behind by {n} seconds",
        ],
        symptoms: &[
            "Users saw old data right after saving changes.",
            "Read-after-write checks in {svc} failed intermittently.",
        ],
        errors: &[
            "WARN replication lag {n}s exceeds threshold on {host}",
            "ERROR: canceling statement due to conflict with recovery",
        ],
        root_causes: &[
            "A bulk backfill on {table} generated more WAL than the replica could apply.",
            "The replica's disk was slower after a storage class change.",
        ],
        fixes: &[
            "Paused the backfill and throttled it to {n} rows per second.",
            "Routed read-after-write queries for {svc} to the primary.",
        ],
    },
    Scenario {
        category: "database",
        titles: &[
            "Deadlocks on {table} in {svc}",
            "{svc} transactions failing with lock wait timeout",
        ],
        symptoms: &[
            "Writes to {table} failed and were retried until the queue backed up.",
            "Transaction rollbacks spiked on {dep}.",
        ],
        errors: &[
            "ERROR 1213 (40001): Deadlock found when trying to get lock; try restarting transaction",
            "ERROR 1205 (HY000): Lock wait timeout exceeded; try restarting transaction",
            "ERROR: deadlock detected DETAIL: Process {n} waits for ShareLock on transaction {n}",
        ],
        root_causes: &[
            "Two code paths updated {table} rows in opposite order.",
            "A migration took an exclusive lock on {table} during peak traffic.",
        ],
        fixes: &[
            "Made both code paths lock rows in primary-key order.",
            "Re-ran the migration online with a lock timeout, outside peak hours.",
        ],
    },
    Scenario {
        category: "capacity",
        titles: &[
            "Disk full on {host}",
            "{svc} stopped writing: no space left on device",
            "Volume for {dep} at 100% usage",
        ],
        symptoms: &[
            "Writes failed and the process crashed repeatedly.",
            "The node was marked with disk pressure and pods were evicted.",
        ],
        errors: &[
            "java.io.IOException: No space left on device",
            "OSError: [Errno 28] No space left on device: '/var/lib/{svc}/data'",
            "kubelet: eviction manager: attempting to reclaim ephemeral-storage",
        ],
        root_causes: &[
            "Debug logging was left on after the last release and filled the disk.",
            "Old snapshots were never deleted because the cleanup job had been failing silently.",
            "Log rotation was misconfigured for {svc}.",
        ],
        fixes: &[
            "Deleted old snapshots, grew the volume to {n} GB and fixed the cleanup job.",
            "Turned debug logging off and added a disk usage alert at {pct}%.",
            "Fixed logrotate configuration and compressed old logs.",
        ],
    },
    Scenario {
        category: "capacity",
        titles: &[
            "{svc} pods OOMKilled",
            "Out of memory in {svc} after {ver}",
            "Memory leak in {svc} causing restarts",
        ],
        symptoms: &[
            "Pods restarted every {n} minutes with exit code 137.",
            "Heap usage grew steadily until the container limit was hit.",
        ],
        errors: &[
            "java.lang.OutOfMemoryError: Java heap space",
            "fatal error: runtime: out of memory",
            "Last State: Terminated Reason: OOMKilled Exit Code: 137",
        ],
        root_causes: &[
            "An unbounded in-memory cache in {class} grew with every distinct key.",
            "The new version loaded the whole {table} table into memory for each request.",
            "Memory limits were set below the JVM's max heap.",
        ],
        fixes: &[
            "Bounded the cache with an LRU of {n} entries and released {ver}.",
            "Rolled back to the previous version and paginated the {table} query.",
            "Set -Xmx to 75% of the container limit.",
        ],
    },
    Scenario {
        category: "capacity",
        titles: &[
            "CPU saturation on {svc} during traffic spike",
            "{svc} throttled: CPU limits reached",
        ],
        symptoms: &[
            "Latency rose to {ms} ms while CPU throttling was above {pct}%.",
            "The autoscaler hit its maximum of {n} replicas.",
        ],
        errors: &[
            "container_cpu_cfs_throttled_periods_total increasing on {pod}",
            "WARN request processing took {ms}ms (threshold 500ms)",
        ],
        root_causes: &[
            "A marketing campaign tripled traffic without a capacity review.",
            "A regex in {class} had catastrophic backtracking on some inputs.",
        ],
        fixes: &[
            "Raised the autoscaler maximum and CPU requests for {svc}.",
            "Replaced the regex with a linear-time parser.",
        ],
    },
    Scenario {
        category: "security",
        titles: &[
            "TLS certificate expired for {svc}",
            "Clients failing TLS handshake to {svc}: certificate expired",
        ],
        symptoms: &[
            "Browsers showed a certificate warning and API clients refused to connect.",
            "Mobile apps failed every request to {path}.",
        ],
        errors: &[
            "x509: certificate has expired or is not yet valid",
            "javax.net.ssl.SSLHandshakeException: PKIX path validation failed: validity check failed",
            "curl: (60) SSL certificate problem: certificate has expired",
        ],
        root_causes: &[
            "The certificate renewal job failed because the DNS challenge record was removed.",
            "The certificate was installed by hand two years ago and was not tracked.",
        ],
        fixes: &[
            "Renewed the certificate, moved it to cert-manager and added an expiry alert at 21 days.",
            "Reissued the certificate and restored the DNS challenge record.",
        ],
    },
    Scenario {
        category: "security",
        titles: &[
            "Credential rotation broke {svc} access to {dep}",
            "{svc} authentication failures after secret rotation",
        ],
        symptoms: &[
            "All calls from {svc} to {dep} returned {code}.",
            "Login attempts failed for every user.",
        ],
        errors: &[
            "FATAL: password authentication failed for user \"{user}\"",
            "AccessDenied: User: arn:aws:iam::{n}:role/{svc} is not authorized to perform: s3:GetObject",
            "401 Unauthorized: invalid_client",
        ],
        root_causes: &[
            "The new secret was written to Vault but {svc} caches credentials until restart.",
            "The IAM policy was replaced instead of extended during rotation.",
        ],
        fixes: &[
            "Restarted {svc} and made it reload credentials on rotation events.",
            "Restored the IAM policy statement and added a policy test to CI.",
        ],
    },
    Scenario {
        category: "network",
        titles: &[
            "Connection reset by peer between {svc} and {dep}",
            "Intermittent network errors from {svc} to {dep}",
            "Packet loss in {region} affecting {svc}",
        ],
        symptoms: &[
            "Roughly {pct}% of calls failed with resets; retries mostly succeeded.",
            "Errors were correlated with one availability zone.",
        ],
        errors: &[
            "java.net.SocketException: Connection reset",
            "read tcp {host}:{port}->{host}:443: read: connection reset by peer",
            "upstream connect error or disconnect/reset before headers. reset reason: connection termination",
        ],
        root_causes: &[
            "The load balancer's idle timeout was shorter than the client's keep-alive.",
            "A faulty top-of-rack switch dropped packets in one zone.",
            "Conntrack table on the nodes was full.",
        ],
        fixes: &[
            "Set the client keep-alive below the load balancer idle timeout.",
            "Drained the affected zone until the provider replaced the switch.",
            "Raised nf_conntrack_max and added an alert on conntrack usage.",
        ],
    },
    Scenario {
        category: "network",
        titles: &[
            "DNS resolution failures in {svc}",
            "{svc} cannot resolve {dep} hostname",
        ],
        symptoms: &[
            "Lookups timed out for a few seconds at a time.",
            "New connections failed while existing ones kept working.",
        ],
        errors: &[
            "dial tcp: lookup {dep}.internal on 10.0.0.10:53: no such host",
            "java.net.UnknownHostException: {dep}.svc.cluster.local",
            "getaddrinfo EAI_AGAIN {dep}.internal",
        ],
        root_causes: &[
            "CoreDNS pods were CPU throttled under the lookup load from ndots:5.",
            "A DNS record was deleted by a Terraform change.",
        ],
        fixes: &[
            "Scaled CoreDNS, enabled NodeLocal DNSCache and set ndots to 2.",
            "Restored the record and protected it with a lifecycle rule.",
        ],
    },
    Scenario {
        category: "deployment",
        titles: &[
            "Bad deploy of {svc} {ver} caused errors",
            "{svc} crash loop after release {ver}",
            "Rollback of {svc} after failed canary",
        ],
        symptoms: &[
            "New pods went into CrashLoopBackOff right after the rollout.",
            "The canary showed a {pct}% error rate and was promoted anyway.",
        ],
        errors: &[
            "Back-off restarting failed container {svc} in pod {pod}",
            "panic: runtime error: invalid memory address or nil pointer dereference",
            "Error: Cannot find module '/app/dist/server.js'",
        ],
        root_causes: &[
            "A required environment variable was missing from the new deployment manifest.",
            "The canary analysis used the wrong metric and passed a bad build.",
            "The build artifact was created from an uncommitted working copy.",
        ],
        fixes: &[
            "Rolled back to the previous version and added the variable to the manifest.",
            "Fixed the canary metric query and required a manual approval for {svc}.",
            "Rebuilt from the tagged commit in CI only.",
        ],
    },
    Scenario {
        category: "configuration",
        titles: &[
            "Feature flag misconfiguration disabled {svc} for all users",
            "Wrong configuration pushed to {svc} in {region}",
            "{svc} rate limit set too low after config change",
        ],
        symptoms: &[
            "All requests returned {code} immediately after the config push.",
            "Only users in {region} were affected.",
        ],
        errors: &[
            "429 Too Many Requests: rate limit of {n} per minute exceeded",
            "ConfigError: invalid value for 'timeout': expected duration, got \"{n}\"",
            "feature flag '{svc}-enabled' evaluated to false for 100% of users",
        ],
        root_causes: &[
            "A percentage rollout was entered as 0 instead of 100.",
            "The config schema was not validated before the push.",
        ],
        fixes: &[
            "Reverted the flag and added a confirmation step for global changes.",
            "Added schema validation of config in CI and restored the previous values.",
        ],
    },
    Scenario {
        category: "dependency",
        titles: &[
            "Third-party outage: {dep} degraded, {svc} failing",
            "{dep} API returning errors to {svc}",
            "Timeouts calling {dep} from {svc}",
        ],
        symptoms: &[
            "Calls to {dep} took over {ms} ms and then failed.",
            "The circuit breaker for {dep} kept opening and closing.",
        ],
        errors: &[
            "503 Service Unavailable from {dep}",
            "java.net.SocketTimeoutException: Read timed out",
            "context deadline exceeded (Client.Timeout exceeded while awaiting headers)",
        ],
        root_causes: &[
            "The provider had a regional outage.",
            "Our retries without backoff amplified the provider's slowdown.",
        ],
        fixes: &[
            "Failed over to the secondary provider and added exponential backoff with jitter.",
            "Lowered the timeout to {ms} ms and served cached responses while {dep} was down.",
        ],
    },
    Scenario {
        category: "dependency",
        titles: &[
            "Kafka consumer lag growing on {queue}",
            "{svc} consumers stuck in rebalance loop",
            "Message backlog on {queue} for {svc}",
        ],
        symptoms: &[
            "Consumer lag on {queue} grew to {n} messages.",
            "Downstream systems received events hours late.",
        ],
        errors: &[
            "CommitFailedException: Commit cannot be completed since the group has already rebalanced",
            "WARN [Consumer clientId={svc}-{n}] Member {hex} sending LeaveGroup request due to consumer poll timeout has expired",
            "RabbitMQ: connection blocked: memory alarm on node rabbit@{host}",
        ],
        root_causes: &[
            "Processing one batch took longer than max.poll.interval.ms, triggering rebalances.",
            "A poison message made every consumer crash and restart.",
        ],
        fixes: &[
            "Reduced max.poll.records to {n} and moved slow work off the poll loop.",
            "Moved the poison message to a dead-letter queue and added a retry limit.",
        ],
    },
    Scenario {
        category: "software-bug",
        titles: &[
            "Null pointer exception in {svc} on {path}",
            "{svc} returning 500 for some requests after {ver}",
            "Unhandled exception in {class}",
        ],
        symptoms: &[
            "About {pct}% of requests to {path} failed with {code}.",
            "Only accounts created before the migration were affected.",
        ],
        errors: &[
            "java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"value\" is null",
            "TypeError: Cannot read properties of undefined (reading 'id')",
            "AttributeError: 'NoneType' object has no attribute 'get'",
        ],
        root_causes: &[
            "Legacy records have no value in a column the new code assumed was always set.",
            "An API response field became optional upstream without notice.",
        ],
        fixes: &[
            "Handled the missing value in {class} and backfilled the column; released {ver}.",
            "Added a contract test for the upstream response and defaulted the field.",
        ],
    },
    Scenario {
        category: "software-bug",
        titles: &[
            "Cache stampede on {dep} after expiry",
            "Thundering herd on {svc} cache miss",
        ],
        symptoms: &[
            "When popular keys expired, {dep} load jumped and {svc} latency hit {ms} ms.",
            "Database CPU spiked to {pct}% every hour on the hour.",
        ],
        errors: &[
            "WARN cache miss rate {pct}% for keyspace {svc}:*",
            "redis.exceptions.ConnectionError: max number of clients reached",
        ],
        root_causes: &[
            "All keys were written with the same TTL and expired together.",
            "No request coalescing in front of the cache.",
        ],
        fixes: &[
            "Added TTL jitter and request coalescing for cache misses.",
            "Enabled stale-while-revalidate on the cache layer.",
        ],
    },
    Scenario {
        category: "data-integrity",
        titles: &[
            "Duplicate charges in {svc}",
            "Orders processed twice after retry",
            "Data mismatch between {svc} and {dep}",
        ],
        symptoms: &[
            "{n} customers were charged twice for one order.",
            "The nightly reconciliation found {n} mismatched rows in {table}.",
        ],
        errors: &[
            "IntegrityError: duplicate key value violates unique constraint \"{table}_pkey\"",
            "WARN idempotency key {hex} reused with different payload",
        ],
        root_causes: &[
            "The client retried on timeout without an idempotency key.",
            "A consumer committed offsets before finishing the write, then reprocessed on restart.",
        ],
        fixes: &[
            "Added idempotency keys to the payment calls and refunded the duplicates.",
            "Made the consumer write and commit in one transaction; reconciled {table}.",
        ],
    },
    Scenario {
        category: "hardware",
        titles: &[
            "Host {host} degraded: disk errors",
            "Node failure in {region} took down {svc} replicas",
        ],
        symptoms: &[
            "I/O latency on {host} jumped to seconds.",
            "Several pods on the same node became unready at once.",
        ],
        errors: &[
            "kernel: blk_update_request: I/O error, dev nvme0n1, sector {n}",
            "kernel: EXT4-fs error (device nvme1n1p1): ext4_find_entry: reading directory lblock 0",
            "NodeNotReady: Kubelet stopped posting node status",
        ],
        root_causes: &[
            "A failing NVMe drive on {host}.",
            "The hypervisor host was retired by the cloud provider with short notice.",
        ],
        fixes: &[
            "Cordoned and drained the node, replaced the instance and added anti-affinity for {svc}.",
            "Moved {svc} to a spread placement group across zones.",
        ],
    },
    Scenario {
        category: "network",
        titles: &[
            "Ingress returning 502 Bad Gateway for {svc}",
            "{svc} unreachable through the load balancer",
        ],
        symptoms: &[
            "The ingress returned 502 while the pods were healthy.",
            "Only new connections failed; keep-alive connections worked.",
        ],
        errors: &[
            "upstream prematurely closed connection while reading response header from upstream",
            "no live upstreams while connecting to upstream, client: {host}",
            "HTTP/1.1 502 Bad Gateway",
        ],
        root_causes: &[
            "Pods were removed from endpoints after they stopped accepting connections during shutdown.",
            "The target group health check path returned 404 after a route change.",
        ],
        fixes: &[
            "Added a preStop sleep and graceful shutdown to {svc}.",
            "Fixed the health check path and alerted on unhealthy target counts.",
        ],
    },
    Scenario {
        category: "configuration",
        titles: &[
            "Clock skew broke token validation in {svc}",
            "JWT validation failing: token used before issued",
        ],
        symptoms: &[
            "Users were logged out immediately after logging in.",
            "Only requests served by {host} failed.",
        ],
        errors: &[
            "jwt: token is not valid yet (nbf)",
            "InvalidTokenError: The token is not yet valid (iat)",
        ],
        root_causes: &[
            "chronyd was stopped on {host} after an image update, so its clock drifted by {n} seconds.",
        ],
        fixes: &["Restarted time sync, allowed 30 seconds of leeway and alerted on clock offset."],
    },
];
