//! Layered settings: defaults < TOML file < HINDSIGHT_* environment < command-line flags.
//! Validated once at start; an invalid setting stops the start with a message naming it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::auth::Secret;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address the HTTP server binds.
    pub listen: SocketAddr,
    /// Where the SQLite database, the index and the generated signing secret live.
    pub data_dir: PathBuf,
    /// `postgres://...` selects PostgreSQL; `sqlite://...` a specific SQLite file. Default:
    /// SQLite at `<data_dir>/hindsight.db`.
    pub database_url: Option<Secret>,
    pub log_format: LogFormat,
    pub auth: AuthSettings,
    pub graphql: GraphqlSettings,
    pub limits: Limits,
    pub knowledge: KnowledgeSettings,
    pub webhooks: WebhookSettings,
    pub communications: CommunicationsSettings,
    pub status_page: StatusPageSettings,
}

/// The public status page (`/status`, `/status.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusPageSettings {
    /// How long a rendered page is reused (and how long browsers and proxies may keep it), so
    /// a traffic spike on the public page does not reach the database. 1 to 300.
    pub cache_seconds: u64,
    /// Resolved incidents stay listed under "Recently resolved" this many days. 1 to 90.
    pub resolved_days: u32,
    /// The page's heading, e.g. "Acme status". 1 to 100 characters.
    pub title: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommunicationsSettings {
    /// How often stakeholders expect an update on an open incident, per priority, as a
    /// duration ("30m", "1h", "4h"; "off" for none). Drives `Incident.nextUpdateDue` and the
    /// `overdueUpdates` query.
    pub update_interval: UpdateIntervals,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct UpdateIntervals {
    pub p1: String,
    pub p2: String,
    pub p3: String,
    pub p4: String,
    pub p5: String,
}

impl UpdateIntervals {
    /// The intervals for P1..P5, parsed; `None` where the cadence is off.
    pub fn parse(&self) -> Result<[Option<std::time::Duration>; 5], ConfigError> {
        let mut out = [None; 5];
        let named = [&self.p1, &self.p2, &self.p3, &self.p4, &self.p5];
        for (i, raw) in named.into_iter().enumerate() {
            let name = format!("communications.update_interval.p{}", i + 1);
            let raw = raw.trim();
            if raw.eq_ignore_ascii_case("off") {
                continue;
            }
            let d = humantime::parse_duration(raw).map_err(|_| {
                ConfigError::Invalid(format!(
                    "{name} is `{raw}`; write a duration such as \"30m\" or \"1h\", or \"off\""
                ))
            })?;
            // Under a second is a typo; over a week is not a cadence anyone keeps.
            if d < std::time::Duration::from_secs(1)
                || d > std::time::Duration::from_secs(7 * 24 * 3600)
            {
                return Err(ConfigError::Invalid(format!(
                    "{name} is `{raw}`; it must be between 1s and 7d, or \"off\""
                )));
            }
            out[i] = Some(d);
        }
        Ok(out)
    }
}

/// Outbound webhooks: where they may go and how hard delivery tries.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// CIDRs that webhook URLs may reach even though they are not public addresses
    /// (loopback, private, link-local, ...). Empty: public addresses only. In the
    /// environment: a comma-separated list or a `[...]` array.
    #[serde(deserialize_with = "list_or_comma_separated")]
    pub allowed_networks: Vec<String>,
    /// Time allowed for one delivery attempt, connection included.
    pub timeout_ms: u64,
    /// The first retry waits this long; each later one twice as long as the one before.
    pub retry_base_ms: u64,
    /// The longest wait between two attempts.
    pub retry_max_ms: u64,
    /// A delivery still failing this long after its change is given up (FAILED).
    pub max_age_seconds: u64,
    /// How often each node looks for due deliveries (including retries and changes made on
    /// other nodes); this node's own changes are picked up at once.
    pub poll_interval_ms: u64,
    /// Deliveries in flight at once on this node.
    pub concurrency: usize,
}

/// `["a", "b"]` from a file, or `a,b` from the environment.
fn list_or_comma_separated<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        List(Vec<String>),
        Text(String),
    }
    Ok(match Either::deserialize(d)? {
        Either::List(list) => list,
        Either::Text(text) => text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeSettings {
    /// How often the index worker looks at the change log for changes made by other nodes
    /// (this node's own changes are applied at once). Lower: fresher suggestions across
    /// nodes; higher: fewer queries.
    pub poll_interval_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// Shared secret for HS256 tokens. Unset and no public keys: one is generated into
    /// `<data_dir>/jwt-secret` on first start.
    pub hs256_secret: Option<Secret>,
    /// Public keys of an identity provider (RS256, ES256 or EdDSA, PEM).
    pub public_keys: Vec<PublicKey>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    /// The claim that carries organisation roles.
    pub roles_claim: String,
    /// Clock skew tolerated on `exp`/`nbf`, at most 30 s.
    pub leeway_seconds: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicKey {
    pub algorithm: String,
    pub kid: Option<String>,
    pub pem: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphqlSettings {
    pub introspection: bool,
    pub graphiql: bool,
}

/// Limits on everything a client controls.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub body_bytes: usize,
    pub depth: usize,
    pub complexity: usize,
    pub aliases: usize,
    pub request_timeout_seconds: u64,
    pub page_size: usize,
    /// Active subscriptions one websocket connection may hold at once; also how many
    /// queries and mutations may run at once on one connection.
    pub subscriptions_per_connection: usize,
    /// Committed changes kept for the slowest subscriber; one that falls further behind
    /// skips the oldest and is told how many it missed.
    pub subscription_buffer_events: usize,
    /// The server pings every websocket connection this often, and closes one that has
    /// sent nothing (not even a pong) for two intervals, or that has not taken a message
    /// off the wire for two intervals.
    pub websocket_keepalive_seconds: u64,
    /// Open HTTP connections at once; beyond it a new connection gets a quick 503. The
    /// open-file limit is raised at start to make room for them.
    pub connections: usize,
    /// Seconds a client may take to send a request's headers; also how long a keep-alive
    /// connection may sit idle before it is closed.
    pub header_timeout_seconds: u64,
}

impl Limits {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_seconds)
    }

    pub fn websocket_keepalive(&self) -> Duration {
        Duration::from_secs(self.websocket_keepalive_seconds)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            database_url: None,
            log_format: LogFormat::Human,
            auth: AuthSettings {
                hs256_secret: None,
                public_keys: Vec::new(),
                issuer: None,
                audience: None,
                roles_claim: "roles".into(),
                leeway_seconds: 30,
            },
            graphql: GraphqlSettings {
                introspection: true,
                graphiql: true,
            },
            knowledge: KnowledgeSettings {
                poll_interval_ms: 250,
            },
            status_page: StatusPageSettings {
                cache_seconds: 5,
                resolved_days: 7,
                title: "Service status".into(),
            },
            webhooks: WebhookSettings {
                allowed_networks: Vec::new(),
                timeout_ms: 5_000,
                retry_base_ms: 1_000,
                retry_max_ms: 3_600_000,
                max_age_seconds: 24 * 3_600,
                poll_interval_ms: 1_000,
                concurrency: 16,
            },
            communications: CommunicationsSettings {
                update_interval: UpdateIntervals {
                    p1: "30m".into(),
                    p2: "1h".into(),
                    p3: "4h".into(),
                    p4: "off".into(),
                    p5: "off".into(),
                },
            },
            limits: Limits {
                body_bytes: 256 * 1024,
                depth: 12,
                complexity: 2_000,
                aliases: 30,
                request_timeout_seconds: 10,
                page_size: 100,
                subscriptions_per_connection: 20,
                subscription_buffer_events: 1024,
                websocket_keepalive_seconds: 15,
                connections: 10_000,
                header_timeout_seconds: 10,
            },
        }
    }
}

/// Values given on the command line; `None` leaves the lower layers in charge.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// Loads the layers in order. `env` is the process environment in production; tests pass
    /// their own so they never depend on the machine's.
    pub fn load(
        file: Option<&Path>,
        env: &[(String, String)],
        flags: &Overrides,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(ConfigError::Invalid(format!(
                    "config file {} does not exist",
                    file.display()
                )));
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        figment = figment.merge(env_provider(env));
        figment = figment.merge(Serialized::defaults(flags));
        let settings: Settings = figment
            .extract()
            .map_err(|e| ConfigError::Invalid(describe(&e)))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |msg: String| Err(ConfigError::Invalid(msg));
        if self.auth.leeway_seconds > 30 {
            return bad(format!(
                "auth.leeway_seconds is {}; at most 30 is allowed",
                self.auth.leeway_seconds
            ));
        }
        if self.auth.roles_claim.trim().is_empty() {
            return bad("auth.roles_claim must not be empty".into());
        }
        if let Some(url) = &self.database_url {
            let url = url.expose();
            if !(url.starts_with("postgres://")
                || url.starts_with("postgresql://")
                || url.starts_with("sqlite:"))
            {
                return bad(
                    "database_url must start with postgres://, postgresql:// or sqlite:".into(),
                );
            }
        }
        self.communications.update_interval.parse()?;
        let page = &self.status_page;
        if !(1..=300).contains(&page.cache_seconds) {
            return bad(format!(
                "status_page.cache_seconds is {}; it must be between 1 and 300",
                page.cache_seconds
            ));
        }
        if !(1..=90).contains(&page.resolved_days) {
            return bad(format!(
                "status_page.resolved_days is {}; it must be between 1 and 90",
                page.resolved_days
            ));
        }
        let title_chars = page.title.trim().chars().count();
        if title_chars == 0 || title_chars > 100 {
            return bad("status_page.title must be 1 to 100 characters".into());
        }
        let l = &self.limits;
        for (name, value, max) in [
            ("limits.body_bytes", l.body_bytes, 64 * 1024 * 1024),
            ("limits.depth", l.depth, 64),
            ("limits.complexity", l.complexity, 1_000_000),
            ("limits.aliases", l.aliases, 10_000),
            ("limits.page_size", l.page_size, 1_000),
            (
                "limits.subscriptions_per_connection",
                l.subscriptions_per_connection,
                1_000,
            ),
            (
                "limits.subscription_buffer_events",
                l.subscription_buffer_events,
                1_000_000,
            ),
            (
                "limits.websocket_keepalive_seconds",
                l.websocket_keepalive_seconds as usize,
                3_600,
            ),
            (
                "limits.request_timeout_seconds",
                l.request_timeout_seconds as usize,
                3_600,
            ),
            ("limits.connections", l.connections, 1_000_000),
            (
                "limits.header_timeout_seconds",
                l.header_timeout_seconds as usize,
                3_600,
            ),
        ] {
            if value == 0 || value > max {
                return bad(format!("{name} is {value}; it must be between 1 and {max}"));
            }
        }
        let w = &self.webhooks;
        for (name, value, max) in [
            ("webhooks.timeout_ms", w.timeout_ms, 600_000),
            ("webhooks.retry_base_ms", w.retry_base_ms, 86_400_000),
            ("webhooks.retry_max_ms", w.retry_max_ms, 86_400_000),
            ("webhooks.max_age_seconds", w.max_age_seconds, 30 * 86_400),
            ("webhooks.poll_interval_ms", w.poll_interval_ms, 3_600_000),
            ("webhooks.concurrency", w.concurrency as u64, 1_024),
        ] {
            if value == 0 || value > max {
                return bad(format!("{name} is {value}; it must be between 1 and {max}"));
            }
        }
        self.allowed_networks()?;
        Ok(())
    }

    /// `webhooks.allowed_networks`, parsed.
    pub fn allowed_networks(&self) -> Result<Vec<ipnet::IpNet>, ConfigError> {
        self.webhooks
            .allowed_networks
            .iter()
            .enumerate()
            .map(|(i, cidr)| {
                cidr.trim().parse::<ipnet::IpNet>().map_err(|_| {
                    ConfigError::Invalid(format!(
                        "webhooks.allowed_networks[{i}]: `{cidr}` is not a network in CIDR form like 10.0.0.0/8 or fd00::/8"
                    ))
                })
            })
            .collect()
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose().to_owned(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("hindsight.db").display()
            ),
        }
    }

    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }

    pub fn secret_path(&self) -> PathBuf {
        self.data_dir.join("jwt-secret")
    }
}

/// `HINDSIGHT_LISTEN` → `listen`, `HINDSIGHT_AUTH__ISSUER` → `auth.issuer`; `DATABASE_URL` as
/// is, because that is the name every tool already uses. Variables that name no setting are
/// left out (see `ignored_env`).
fn env_provider(env: &[(String, String)]) -> Figment {
    let known = known_settings();
    let mut figment = Figment::new();
    for (key, value) in env {
        if key == "DATABASE_URL" {
            figment = figment.merge(Serialized::default("database_url", value));
        } else if let Some(path) = env_path(key)
            && is_setting(&known, &path)
        {
            figment = figment.merge(Serialized::default(&path, parse_env_value(value)));
        }
    }
    figment
}

/// The `HINDSIGHT_*` variables in `env` that name no setting, for a warning at start. A
/// Kubernetes Service called `hindsight` puts `HINDSIGHT_PORT=tcp://10.0.0.7:8080`,
/// `HINDSIGHT_SERVICE_HOST` and friends into every pod of the namespace: they must not stop
/// the start. (Unknown keys in a configuration file stay an error: nobody else writes it.)
pub fn ignored_env(env: &[(String, String)]) -> Vec<String> {
    let known = known_settings();
    env.iter()
        .filter_map(|(key, _)| {
            let path = env_path(key)?;
            (!is_setting(&known, &path)).then(|| key.clone())
        })
        .collect()
}

/// The setting path a `HINDSIGHT_*` variable names (`HINDSIGHT_LIMITS__DEPTH` →
/// `limits.depth`); `None` for other variables and the test suite's `HINDSIGHT_TEST_*`.
fn env_path(key: &str) -> Option<String> {
    let rest = key.strip_prefix("HINDSIGHT_")?;
    if rest.starts_with("TEST_") {
        return None;
    }
    Some(rest.to_ascii_lowercase().replace("__", "."))
}

/// Every setting, as the defaults serialize: the shape to check paths against.
fn known_settings() -> serde_json::Value {
    serde_json::to_value(Settings::default()).unwrap_or_default()
}

/// Whether `path` (`limits.depth`, `auth`) names a setting or a table of settings.
fn is_setting(known: &serde_json::Value, path: &str) -> bool {
    let mut node = known;
    for part in path.split('.') {
        match node.get(part) {
            Some(inner) => node = inner,
            None => return false,
        }
    }
    true
}

/// Env values are strings; read `8080` as a number and `true` as a bool, as figment's own
/// `Env` provider does.
fn parse_env_value(value: &str) -> figment::value::Value {
    value
        .parse()
        .unwrap_or_else(|_| figment::value::Value::from(value.to_owned()))
}

fn describe(e: &figment::Error) -> String {
    e.clone()
        .into_iter()
        .map(|e| {
            let path = e.path.join(".");
            let kind = e.kind.to_string();
            if path.is_empty() {
                kind
            } else {
                format!("{path}: {kind}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_need_no_configuration() {
        let s = Settings::load(None, &[], &Overrides::default()).expect("defaults are valid");
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.data_dir, PathBuf::from("data"));
        assert!(s.database_url().starts_with("sqlite://data/hindsight.db"));
    }

    #[test]
    fn precedence_is_defaults_file_env_flags() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("hindsight.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:1111\"\ndata_dir = \"/from-file\"\n[limits]\ndepth = 5\n",
        )
        .expect("write");
        let e = env(&[
            ("HINDSIGHT_LISTEN", "127.0.0.1:2222"),
            ("HINDSIGHT_LIMITS__DEPTH", "7"),
        ]);
        let s = Settings::load(Some(&file), &e, &Overrides::default()).expect("valid");
        assert_eq!(s.listen.port(), 2222, "env beats file");
        assert_eq!(
            s.data_dir,
            PathBuf::from("/from-file"),
            "file beats defaults"
        );
        assert_eq!(s.limits.depth, 7);
        let flags = Overrides {
            listen: Some("127.0.0.1:3333".into()),
            ..Overrides::default()
        };
        let s = Settings::load(Some(&file), &e, &flags).expect("valid");
        assert_eq!(s.listen.port(), 3333, "flags beat env");
    }

    #[test]
    fn invalid_settings_name_the_setting() {
        let e = env(&[("HINDSIGHT_LISTEN", "not-an-address")]);
        let err = Settings::load(None, &e, &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("listen"), "{err}");
        let e = env(&[("HINDSIGHT_AUTH__LEEWAY_SECONDS", "300")]);
        let err = Settings::load(None, &e, &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("auth.leeway_seconds"), "{err}");
        let e = env(&[("DATABASE_URL", "mysql://x")]);
        let err = Settings::load(None, &e, &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("database_url"), "{err}");
        for (key, value) in [
            ("HINDSIGHT_STATUS_PAGE__CACHE_SECONDS", "0"),
            ("HINDSIGHT_STATUS_PAGE__RESOLVED_DAYS", "365"),
            ("HINDSIGHT_STATUS_PAGE__TITLE", " "),
        ] {
            let err = Settings::load(None, &env(&[(key, value)]), &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("status_page."), "{key}={value}: {err}");
        }
    }

    #[test]
    fn webhook_networks_come_from_env_and_are_checked() {
        let e = env(&[(
            "HINDSIGHT_WEBHOOKS__ALLOWED_NETWORKS",
            "127.0.0.0/8, fd00::/8",
        )]);
        let s = Settings::load(None, &e, &Overrides::default()).expect("valid");
        assert_eq!(s.allowed_networks().expect("parsed").len(), 2);
        let e = env(&[("HINDSIGHT_WEBHOOKS__ALLOWED_NETWORKS", "[\"10.0.0.0/8\"]")]);
        let s = Settings::load(None, &e, &Overrides::default()).expect("valid");
        assert_eq!(s.webhooks.allowed_networks, vec!["10.0.0.0/8".to_owned()]);
        let e = env(&[("HINDSIGHT_WEBHOOKS__ALLOWED_NETWORKS", "10.0.0.0/8,bogus")]);
        let err = Settings::load(None, &e, &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("webhooks.allowed_networks[1]"), "{err}");
        assert!(err.contains("bogus"), "{err}");
        let e = env(&[("HINDSIGHT_WEBHOOKS__TIMEOUT_MS", "0")]);
        let err = Settings::load(None, &e, &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("webhooks.timeout_ms"), "{err}");
    }

    #[test]
    fn a_kubernetes_service_environment_does_not_stop_the_start() {
        // What a Service named `hindsight` injects into every pod of its namespace.
        let injected = [
            ("HINDSIGHT_PORT", "tcp://10.96.0.7:8080"),
            ("HINDSIGHT_PORT_8080_TCP", "tcp://10.96.0.7:8080"),
            ("HINDSIGHT_PORT_8080_TCP_ADDR", "10.96.0.7"),
            ("HINDSIGHT_PORT_8080_TCP_PORT", "8080"),
            ("HINDSIGHT_PORT_8080_TCP_PROTO", "tcp"),
            ("HINDSIGHT_SERVICE_HOST", "10.96.0.7"),
            ("HINDSIGHT_SERVICE_PORT", "8080"),
            ("HINDSIGHT_SERVICE_PORT_HTTP", "8080"),
        ];
        let mut pairs = injected.to_vec();
        pairs.push(("HINDSIGHT_LIMITS__DEPTH", "9"));
        pairs.push(("HINDSIGHT_LIMITS__NO_SUCH_LIMIT", "1"));
        pairs.push(("HINDSIGHT_TEST_DATABASE_URL", "postgres://x"));
        let e = env(&pairs);
        let s = Settings::load(None, &e, &Overrides::default()).expect("starts");
        assert_eq!(s.limits.depth, 9, "known variables still apply");
        assert_eq!(s.listen.port(), 8080);
        let mut expected: Vec<String> = injected.iter().map(|(k, _)| k.to_string()).collect();
        expected.push("HINDSIGHT_LIMITS__NO_SUCH_LIMIT".into());
        let mut ignored = ignored_env(&e);
        ignored.sort();
        expected.sort();
        assert_eq!(ignored, expected);
    }

    #[test]
    fn unknown_keys_in_a_file_stay_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("hindsight.toml");
        std::fs::write(&file, "port = 8080\n").expect("write");
        let err = Settings::load(Some(&file), &[], &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("port"), "{err}");
    }

    #[test]
    fn database_url_is_never_printed() {
        let e = env(&[("DATABASE_URL", "postgres://u:pw@h/db")]);
        let s = Settings::load(None, &e, &Overrides::default()).expect("valid");
        assert!(!format!("{s:?}").contains("pw"));
    }
}
