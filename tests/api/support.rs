//! The test harness: a real server on a free port, its own database (a fresh SQLite file, or a
//! fresh PostgreSQL database that is dropped afterwards), and a client that speaks GraphQL
//! over HTTP the way front-ends do.

use std::io::Read;
use std::time::Duration;

use hindsight::app;
use hindsight::auth::{Secret, TokenIssuer};
use hindsight::config::Settings;
use hindsight::service::Services;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

pub const SECRET: &str = "test-secret-that-is-long-enough-for-hs256";
pub const PG_ENV: &str = "HINDSIGHT_TEST_DATABASE_URL";

/// Runs each named test function on SQLite and, when `HINDSIGHT_TEST_DATABASE_URL` is set, on
/// PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::support::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match $crate::support::Backend::postgres() {
                    Some(backend) => super::$name(backend).await,
                    None => $crate::support::skip_postgres(concat!(module_path!())),
                }
            }
        }
    )*};
}

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres { admin_url: String },
}

impl Backend {
    pub fn postgres() -> Option<Self> {
        std::env::var(PG_ENV)
            .ok()
            .filter(|u| !u.is_empty())
            .map(|admin_url| Self::Postgres { admin_url })
    }
}

pub fn skip_postgres(test: &str) {
    eprintln!(
        "SKIPPED {test}: set {PG_ENV}=postgres://postgres@127.0.0.1:5432/postgres to run it on PostgreSQL"
    );
}

/// A fresh PostgreSQL database, dropped (connections and all) when this value is dropped.
pub struct PgDatabase {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl PgDatabase {
    pub async fn create(admin_url: &str) -> Self {
        let name = format!("hindsight_test_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(admin_url)
            .await
            .expect("connect to PostgreSQL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create test database");
        admin.close().await.ok();
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url, |(base, _)| base);
        Self {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}"),
            name,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime; a dedicated thread with its own runtime can
        // block on the cleanup without stalling it.
        let cleanup = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    admin.close().await.ok();
                }
            });
        });
        let _ = cleanup.join();
    }
}

pub struct TestApp {
    pub url: String,
    pub client: reqwest::Client,
    pub services: Services,
    schema: hindsight::graphql::AppSchema,
    issuer: TokenIssuer,
    _data_dir: tempfile::TempDir,
    _pg: Option<PgDatabase>,
    /// Data folders of earlier runs whose database this app still uses (`restart`).
    _earlier_data_dirs: Vec<tempfile::TempDir>,
    server: tokio::task::JoinHandle<()>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        for worker in &self.workers {
            worker.abort();
        }
    }
}

/// Settings where closing never waits for a post-incident review (`reviews.required_for =
/// []`): for tests of the lifecycle itself, which close P1 incidents without writing one.
pub fn reviews_not_required(settings: &mut Settings) {
    settings.reviews.required_for.clear();
}

pub fn test_settings(data_dir: &std::path::Path) -> Settings {
    let mut settings = Settings {
        data_dir: data_dir.to_path_buf(),
        listen: "127.0.0.1:0".parse().expect("addr"),
        ..Settings::default()
    };
    settings.auth.hs256_secret = Some(Secret::new(SECRET));
    settings
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> Self {
        let data_dir = tempfile::tempdir().expect("tempdir");
        let pg = match &backend {
            Backend::Sqlite => None,
            Backend::Postgres { admin_url } => Some(PgDatabase::create(admin_url).await),
        };
        let database_url = pg.as_ref().map(|db| db.url.clone());
        Self::start(data_dir, database_url, pg, Vec::new(), configure).await
    }

    /// Stops this server and its workers, then starts a new one on the same database (with a
    /// fresh data folder for its index), as a restart of the process would.
    pub async fn restart(mut self, configure: impl FnOnce(&mut Settings)) -> Self {
        self.server.abort();
        for worker in self.workers.drain(..) {
            worker.abort();
            let _ = worker.await;
        }
        let database_url = match &self._pg {
            Some(pg) => pg.url.clone(),
            // The SQLite file stays in the first data folder, however many restarts ago.
            None => format!(
                "sqlite://{}?mode=rwc",
                self._earlier_data_dirs
                    .first()
                    .unwrap_or(&self._data_dir)
                    .path()
                    .join("hindsight.db")
                    .display()
            ),
        };
        let old_dir = tempfile::tempdir().expect("tempdir");
        let old_dir = std::mem::replace(&mut self._data_dir, old_dir);
        let mut earlier = std::mem::take(&mut self._earlier_data_dirs);
        earlier.push(old_dir);
        let pg = self._pg.take();
        drop(self);
        let data_dir = tempfile::tempdir().expect("tempdir");
        Self::start(data_dir, Some(database_url), pg, earlier, configure).await
    }

    async fn start(
        data_dir: tempfile::TempDir,
        database_url: Option<String>,
        pg: Option<PgDatabase>,
        earlier_data_dirs: Vec<tempfile::TempDir>,
        configure: impl FnOnce(&mut Settings),
    ) -> Self {
        let mut settings = test_settings(data_dir.path());
        settings.database_url = database_url.map(Secret::new);
        configure(&mut settings);
        let app = app::build(&settings).await.expect("the app starts");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let router = app.router;
        let limits = hindsight::http::serve::ConnectionLimits::from(&settings.limits);
        let server = tokio::spawn(hindsight::http::serve::serve(
            listener,
            router,
            limits,
            std::future::pending(),
        ));
        let issuer = TokenIssuer::hs256(
            &Secret::new(SECRET),
            settings.auth.issuer.clone(),
            settings.auth.audience.clone(),
        );
        Self {
            url: format!("http://{addr}"),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            services: app.services,
            schema: app.schema,
            issuer,
            _data_dir: data_dir,
            _pg: pg,
            _earlier_data_dirs: earlier_data_dirs,
            server,
            workers: [
                app.index_worker,
                app.webhook_worker,
                app.sla_worker,
                app.automation_worker,
            ]
            .into_iter()
            .chain(app.fanout)
            .collect(),
        }
    }

    /// A second node on this app's PostgreSQL database, with its own data folder (index),
    /// bus and workers, both running, as behind a load balancer. The database stays this
    /// app's: drop the other node first (declare it after this one).
    pub async fn another_node(&self, configure: impl FnOnce(&mut Settings)) -> Self {
        let url = self
            .postgres_url()
            .expect("several nodes share a PostgreSQL database");
        let data_dir = tempfile::tempdir().expect("tempdir");
        Self::start(data_dir, Some(url), None, Vec::new(), configure).await
    }

    /// The PostgreSQL database this app uses, if it runs on PostgreSQL.
    pub fn postgres_url(&self) -> Option<String> {
        self._pg.as_ref().map(|p| p.url.clone())
    }

    pub fn data_dir(&self) -> &std::path::Path {
        self._data_dir.path()
    }

    pub fn schema_sdl(&self) -> String {
        self.schema.sdl()
    }

    /// A token for `sub` with these organisation roles that expires after `ttl`.
    pub fn token_valid_for(&self, sub: &str, roles: &[&str], ttl: Duration) -> String {
        let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
        self.issuer
            .issue(sub, &format!("User {sub}"), None, &roles, ttl)
            .expect("sign")
    }

    /// A token for `sub`, after one request with it: users are recorded the first time their
    /// token is seen, and only then can roles be assigned to them.
    pub async fn sign_in(&self, sub: &str, roles: &[&str]) -> String {
        let token = self.token(sub, roles);
        self.ok(&token, "{ viewer { id } }", json!({})).await;
        token
    }

    /// A valid token for `sub` with these organisation roles.
    pub fn token(&self, sub: &str, roles: &[&str]) -> String {
        let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
        self.issuer
            .issue(
                sub,
                &format!("User {sub}"),
                None,
                &roles,
                Duration::from_secs(600),
            )
            .expect("sign")
    }

    /// POSTs a GraphQL request as `application/json` and returns status and body.
    pub async fn gql(&self, token: &str, query: &str, variables: Value) -> (StatusCode, Value) {
        let res = self
            .client
            .post(format!("{}/graphql", self.url))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request");
        let status = res.status();
        let body = res.json::<Value>().await.expect("a JSON body");
        (status, body)
    }

    /// `data` of a request that must succeed.
    pub async fn ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.gql(token, query, variables).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// The first error's code of a request that must fail.
    pub async fn error_code(&self, token: &str, query: &str, variables: Value) -> (String, String) {
        let (_, body) = self.gql(token, query, variables).await;
        let error = &body["errors"][0];
        assert!(error.is_object(), "expected an error: {body}");
        (
            error["extensions"]["code"]
                .as_str()
                .unwrap_or("<no code>")
                .to_owned(),
            error["message"].as_str().unwrap_or_default().to_owned(),
        )
    }

    /// Reports an incident and returns its id.
    pub async fn report(&self, token: &str, title: &str) -> String {
        let data = self
            .ok(
                token,
                "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }",
                json!({ "input": { "title": title, "service": "checkout", "description": "it broke" } }),
            )
            .await;
        data["reportIncident"]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// An incident's status and version.
    pub async fn state(&self, token: &str, id: &str) -> (String, i64) {
        let data = self
            .ok(
                token,
                "query($id: ID!) { incident(id: $id) { status version } }",
                json!({ "id": id }),
            )
            .await;
        (
            data["incident"]["status"]
                .as_str()
                .expect("status")
                .to_owned(),
            data["incident"]["version"].as_i64().expect("version"),
        )
    }

    pub async fn timeline_len(&self, token: &str, id: &str) -> i64 {
        let data = self
            .ok(
                token,
                "query($id: ID!) { incident(id: $id) { timeline { totalCount } } }",
                json!({ "id": id }),
            )
            .await;
        data["incident"]["timeline"]["totalCount"]
            .as_i64()
            .expect("count")
    }
}

/// The lifecycle mutations, with inputs that satisfy each one's required data.
pub fn transition(action: &str, id: &str) -> (String, Value) {
    let (mutation, input_type, extra) = match action {
        "triage" => (
            "triageIncident",
            "TriageIncidentInput",
            json!({ "category": "database", "impact": "HIGH", "urgency": "HIGH" }),
        ),
        "investigate" => ("startInvestigation", "StartInvestigationInput", json!({})),
        "mitigate" => ("mitigateIncident", "MitigateIncidentInput", json!({})),
        "resolve" => (
            "resolveIncident",
            "ResolveIncidentInput",
            json!({ "resolution": { "summary": "restarted the pool", "rootCause": "leak", "fix": "patched" } }),
        ),
        "close" => ("closeIncident", "CloseIncidentInput", json!({})),
        "reopen" => (
            "reopenIncident",
            "ReopenIncidentInput",
            json!({ "reason": "it came back" }),
        ),
        "cancel" => (
            "cancelIncident",
            "CancelIncidentInput",
            json!({ "reason": "false alarm" }),
        ),
        other => panic!("unknown action {other}"),
    };
    let mut input = extra;
    input["id"] = json!(id);
    (
        format!(
            "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ id status version }} }}"
        ),
        json!({ "input": input }),
    )
}

/// The actions (as `transition` names them) that take a fresh incident to `status`.
pub fn path_to(status: &str) -> &'static [&'static str] {
    match status {
        "NEW" => &[],
        "TRIAGED" => &["triage"],
        "INVESTIGATING" => &["triage", "investigate"],
        "MITIGATED" => &["triage", "investigate", "mitigate"],
        "RESOLVED" => &["triage", "investigate", "resolve"],
        "CLOSED" => &["triage", "investigate", "resolve", "close"],
        "CANCELLED" => &["cancel"],
        other => panic!("unknown status {other}"),
    }
}

impl TestApp {
    /// A token for an admin who drives incidents around in test set-ups.
    pub fn admin(&self) -> String {
        self.token("test-admin", &["admin"])
    }

    /// Drives an existing incident from NEW to `status` as an admin.
    pub async fn drive_to(&self, id: &str, status: &str) {
        let admin = self.admin();
        for action in path_to(status) {
            let (q, v) = transition(action, id);
            self.ok(&admin, &q, v).await;
        }
        assert_eq!(self.state(&admin, id).await.0, status);
    }

    /// An incident reported by `reporter` (a token), driven to `status` by an admin.
    pub async fn incident_in(&self, reporter: &str, status: &str) -> String {
        let id = self
            .report(reporter, &format!("an incident that will be {status}"))
            .await;
        self.drive_to(&id, status).await;
        id
    }

    /// `incidents.totalCount` as an admin sees it: how many incidents exist.
    pub async fn incident_count(&self) -> i64 {
        let data = self
            .ok(&self.admin(), "{ incidents { totalCount } }", json!({}))
            .await;
        data["incidents"]["totalCount"]
            .as_i64()
            .expect("totalCount")
    }
}

/// The `hindsight` binary, with none of the test run's own settings in its environment.
pub fn hindsight_command() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hindsight"));
    without_test_settings(&mut cmd);
    cmd
}

/// Keeps the test run's own `HINDSIGHT_*` and `DATABASE_URL` from configuring a server the
/// command starts.
pub fn without_test_settings(cmd: &mut std::process::Command) {
    for (key, _) in std::env::vars() {
        if key.starts_with("HINDSIGHT_") || key == "DATABASE_URL" {
            cmd.env_remove(key);
        }
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Waits until the server process answers `/readyz` on `port`; panics with its output if it
/// exits first or takes longer than 15 s.
pub async fn wait_ready(child: &mut std::process::Child, port: u16) {
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(res) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && res.status().is_success()
        {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut log = String::new();
            for pipe in [
                child
                    .stdout
                    .take()
                    .map(|p| Box::new(p) as Box<dyn std::io::Read>),
                child
                    .stderr
                    .take()
                    .map(|p| Box::new(p) as Box<dyn std::io::Read>),
            ]
            .into_iter()
            .flatten()
            {
                let mut pipe = pipe;
                let _ = pipe.read_to_string(&mut log);
            }
            panic!("the server exited ({status}) before it was ready: {log}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server was not ready within 15 s");
}
