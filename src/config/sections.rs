//! The sections of the settings, one struct each, as the TOML file and the environment
//! spell them.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::domain::secret::Secret;

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

/// The Prometheus endpoint, `GET /metrics`: aggregate numbers only, served without a token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// Serve `/metrics` and count requests. Off: `/metrics` answers 404 everywhere.
    pub enabled: bool,
    /// Serve `/metrics` on this address only (an internal interface, say) instead of on the
    /// main listener. Unset: on the main listener beside `/graphql`.
    pub listen: Option<std::net::SocketAddr>,
}

/// Service levels: how often the SLA worker looks for warnings and breaches that fell due.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaSettings {
    /// How often each node checks the open incidents' SLA clocks, in milliseconds (100 to
    /// 60,000). A warning or breach is recorded at most this long after it falls due, and
    /// stamped with the time it fell due.
    pub check_interval_ms: u64,
}

/// Alert intake (`/alerts/...`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSettings {
    /// An alert firing again this soon after its incident was resolved reopens it; later, a
    /// new incident is opened and linked to the old one. A duration ("1h", "30m"), 0s to 30d.
    pub reopen_window: String,
    /// After `rotateIntegrationKey`, the old key keeps working this long, so senders can be
    /// moved to the new one without losing alerts. A duration ("24h"), 0s to 30d.
    pub key_grace: String,
    /// Alerts one integration may send per second on average, on each node (0: no limit).
    /// Over it, senders are answered 429 with `Retry-After`.
    pub rate_per_second: u32,
    /// Alerts one integration may send at once before the rate applies: at least 1,000 (the
    /// most one request may carry), so every request can get through.
    pub burst: u32,
}

impl AlertSettings {
    /// (reopen window, key grace), parsed.
    pub fn parse(&self) -> Result<(Duration, Duration), ConfigError> {
        let one = |name: &str, raw: &str| {
            let raw = raw.trim();
            let d = humantime::parse_duration(raw).map_err(|_| {
                ConfigError::Invalid(format!(
                    "{name} is `{raw}`; write a duration such as \"1h\" or \"30m\""
                ))
            })?;
            if d > Duration::from_secs(30 * 24 * 3600) {
                return Err(ConfigError::Invalid(format!(
                    "{name} is `{raw}`; it must be at most 30d"
                )));
            }
            Ok(d)
        };
        Ok((
            one("alerts.reopen_window", &self.reopen_window)?,
            one("alerts.key_grace", &self.key_grace)?,
        ))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutomationSettings {
    /// How often each node reads the timeline for rule triggers and checks time triggers,
    /// in milliseconds (100 to 60,000): a rule acts at most this long after its trigger.
    pub check_interval_ms: u64,
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

/// Post-incident reviews.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewSettings {
    /// Closing an incident of these priorities needs a PUBLISHED review (`["P1", "P2"]`);
    /// empty: closing never waits for a review. In the environment: `P1,P2`, or empty.
    #[serde(deserialize_with = "list_or_comma_separated")]
    pub required_for: Vec<String>,
}

impl ReviewSettings {
    /// `required_for`, parsed.
    pub fn policy(&self) -> Result<crate::domain::review::ReviewPolicy, ConfigError> {
        crate::domain::review::ReviewPolicy::parse("reviews.required_for", &self.required_for)
            .map_err(ConfigError::Invalid)
    }
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
    /// Shared secret for HS256 tokens. Unset and no identity provider (public keys, a JWKS
    /// or discovery): one is generated into `<data_dir>/jwt-secret` on first start.
    pub hs256_secret: Option<Secret>,
    /// Public keys of an identity provider (RS256, ES256 or EdDSA, PEM).
    pub public_keys: Vec<PublicKey>,
    /// The identity provider's key set (JWKS), fetched over HTTPS and kept fresh. Plain
    /// `http://` is accepted for a loopback address only (a sidecar on the same machine).
    pub jwks_url: Option<String>,
    /// Find the key set through OIDC discovery: `<issuer>/.well-known/openid-configuration`
    /// names it (`jwks_uri`). Needs `issuer`; off by default so that setting an issuer alone
    /// never starts fetching.
    pub discovery: bool,
    /// Extra root certificates (PEM) trusted for the provider's HTTPS, beside the usual
    /// public ones: for a provider behind an internal certificate authority.
    pub ca_file: Option<std::path::PathBuf>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    /// The claim that carries organisation roles: a name (`roles`, `groups`,
    /// `https://example.com/roles`) or a dotted path (`realm_access.roles`).
    pub roles_claim: String,
    /// Provider groups to hindsight roles (`"sre-leads" = "manager"`). Values that are
    /// hindsight role names count without a mapping.
    pub role_map: std::collections::BTreeMap<String, String>,
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
