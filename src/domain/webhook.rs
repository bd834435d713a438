//! Webhook rules: which URLs and addresses a webhook may reach, which events it wants, how a
//! delivery is signed, and how long to wait before the next attempt.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use hmac::{Hmac, Mac};
use ipnet::IpNet;
use sha2::Sha256;
use url::{Host, Url};

use super::DomainError;
use super::event::EventKind;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::ids::IncidentId;
use super::secret::Secret;

/// The longest URL we store.
const MAX_URL_CHARS: usize = 2_048;
/// A caller-chosen secret must be at least this long, and at most `MAX_SECRET_CHARS`.
pub const MIN_SECRET_CHARS: usize = 16;
const MAX_SECRET_CHARS: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    /// The event, the incident summary (and watchers, for wide-audience updates) as JSON.
    Json,
    /// `{"text": "..."}`, one readable line, for Slack-compatible incoming webhooks.
    Slack,
}

impl WebhookFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "JSON",
            Self::Slack => "SLACK",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Json, Self::Slack]
            .into_iter()
            .find(|f| f.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    Pending,
    Delivered,
    /// Given up after the maximum age.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Delivered => "DELIVERED",
            Self::Failed => "FAILED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|f| f.as_str() == s)
    }
}

/// The event kinds a webhook wants. Empty means every kind, including kinds added later.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventFilter(Vec<EventKind>);

impl EventFilter {
    pub fn new(kinds: impl IntoIterator<Item = EventKind>) -> Self {
        let mut out: Vec<EventKind> = Vec::new();
        for kind in kinds {
            if !out.contains(&kind) {
                out.push(kind);
            }
        }
        Self(out)
    }

    pub fn kinds(&self) -> &[EventKind] {
        &self.0
    }

    pub fn matches(&self, kind: EventKind) -> bool {
        self.0.is_empty() || self.0.contains(&kind)
    }

    /// The stored form: kinds joined by commas.
    pub fn to_column(&self) -> String {
        self.0
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Unknown names (from a newer version) are ignored rather than failing every read.
    pub fn from_column(s: &str) -> Self {
        Self::new(s.split(',').filter_map(EventKind::parse))
    }
}

/// A webhook URL that passed the static rules: http or https, a host, no credentials.
/// Whether its addresses may be reached is decided by `AddressRules` when it is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(Url);

/// Where a URL points before DNS: an address literal, or a name to resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Ip(IpAddr),
    Name(String),
}

impl WebhookUrl {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let bad = |m: &str| DomainError::invalid("url", m);
        let raw = raw.trim();
        if raw.chars().count() > MAX_URL_CHARS {
            return Err(bad(&format!("must be at most {MAX_URL_CHARS} characters")));
        }
        let url = Url::parse(raw).map_err(|e| bad(&format!("not a valid URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("must use http or https"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "must not contain credentials; receivers verify the signature instead",
            ));
        }
        match url.host() {
            None => return Err(bad("must name a host")),
            Some(Host::Domain("")) => return Err(bad("must name a host")),
            Some(_) => {}
        }
        if url.port_or_known_default().is_none() {
            return Err(bad("must name a port"));
        }
        Ok(Self(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn target(&self) -> Target {
        match self.0.host() {
            Some(Host::Ipv4(ip)) => Target::Ip(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => Target::Ip(IpAddr::V6(ip)),
            Some(Host::Domain(d)) => Target::Name(d.to_owned()),
            None => Target::Name(String::new()),
        }
    }

    pub fn port(&self) -> u16 {
        self.0.port_or_known_default().unwrap_or(80)
    }
}

/// A caller-chosen signing secret.
pub fn check_secret(secret: &str) -> Result<(), DomainError> {
    let chars = secret.chars().count();
    if !(MIN_SECRET_CHARS..=MAX_SECRET_CHARS).contains(&chars) {
        return Err(DomainError::invalid(
            "secret",
            format!("must be between {MIN_SECRET_CHARS} and {MAX_SECRET_CHARS} characters"),
        ));
    }
    if secret.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(DomainError::invalid(
            "secret",
            "must not contain whitespace or control characters",
        ));
    }
    Ok(())
}

/// Which addresses webhooks may reach: public ones, plus the networks an admin allowed.
#[derive(Debug, Clone, Default)]
pub struct AddressRules {
    allowed: Vec<IpNet>,
}

impl AddressRules {
    pub fn new(allowed: Vec<IpNet>) -> Self {
        Self { allowed }
    }

    /// `Err` says why `ip` is refused, in words safe to show an admin.
    pub fn check(&self, ip: IpAddr) -> Result<(), String> {
        let ip = canonical(ip);
        if self.allowed.iter().any(|net| net.contains(&ip)) || is_public(ip) {
            Ok(())
        } else {
            Err(format!(
                "{ip} is not a public address (loopback, private, link-local or reserved); \
                 an operator may allow its network in webhooks.allowed_networks"
            ))
        }
    }
}

/// IPv4-mapped IPv6 addresses are their IPv4 address: the rules must not differ.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Globally reachable unicast addresses (std's `is_global` is not stable yet).
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0                                   // "this network", unspecified
        || a == 10                             // private
        || a == 127                            // loopback
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 169 && b == 254)              // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0)      // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)      // documentation
        || (a == 192 && b == 88 && c == 99)    // 6to4 relay anycast
        || (a == 192 && b == 168)              // private
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || (a == 198 && b == 51 && c == 100)   // documentation
        || (a == 203 && b == 0 && c == 113)    // documentation
        || a >= 224) // multicast, reserved, broadcast
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    // Addresses that embed an IPv4 address are as public as that address.
    if s[0] == 0x2002 {
        // 6to4
        return is_public_v4(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        // NAT64
        return is_public_v4(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            s[6] as u8,
            (s[7] >> 8) as u8,
            s[7] as u8,
        ));
    }
    // Global unicast is 2000::/3; inside it, the IETF special block (Teredo, ORCHID, ...) and
    // documentation are not reachable destinations. Everything else (::, ::1, fc00::/7,
    // fe80::/10, multicast, ...) lies outside 2000::/3.
    (s[0] & 0xe000) == 0x2000
        && !(s[0] == 0x2001 && s[1] < 0x0200)
        && !(s[0] == 0x2001 && s[1] == 0x0db8)
}

type HmacSha256 = Hmac<Sha256>;

/// `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`: the `X-Hindsight-Signature` value.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable_key(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cold]
fn unreachable_key() -> HmacSha256 {
    // Hmac::new_from_slice only fails for fixed-key-size MACs; HMAC has none. An empty key
    // still yields a valid MAC, so fall back to it instead of panicking.
    <HmacSha256 as hmac::digest::KeyInit>::new(&Default::default())
}

/// The wait before attempt `attempts + 1`, after `attempts` failed ones: `base`, then twice
/// as long each time, never more than `max`.
pub fn backoff(attempts: u32, base: Duration, max: Duration) -> Duration {
    let doublings = attempts.saturating_sub(1).min(32);
    base.saturating_mul(1u32 << doublings.min(31)).min(max)
}

/// Spreads a wait over its upper half: `wait/2 + share × wait/2`, with `share` in [0, 1)
/// drawn at random by the caller. Deliveries that failed together (a receiver down for an
/// hour) then come back spread out, not all in the same second.
pub fn jittered(wait: Duration, share: f64) -> Duration {
    let share = if share.is_finite() {
        share.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let half = wait / 2;
    half + half.mul_f64(share)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_keeps_at_least_half_the_wait() {
        let wait = Duration::from_secs(60);
        assert_eq!(jittered(wait, 0.0), Duration::from_secs(30));
        assert_eq!(jittered(wait, 0.5), Duration::from_secs(45));
        assert!(jittered(wait, 0.999) < wait);
        assert_eq!(jittered(wait, 7.0), wait, "out-of-range shares are clamped");
        assert_eq!(jittered(wait, f64::NAN), Duration::from_secs(30));
    }

    fn rules(allowed: &[&str]) -> AddressRules {
        AddressRules::new(allowed.iter().map(|c| c.parse().expect("cidr")).collect())
    }

    #[test]
    fn urls_must_be_http_with_a_host() {
        for bad in [
            "ftp://x/",
            "file:///etc/passwd",
            "gopher://a",
            "http://",
            "not a url",
            "https://user:pw@example.com/",
            "javascript:alert(1)",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad}");
        }
        let url = WebhookUrl::parse(" https://hooks.example.com:8443/in ").expect("valid");
        assert_eq!(url.target(), Target::Name("hooks.example.com".into()));
        assert_eq!(url.port(), 8443);
        let url = WebhookUrl::parse("http://[::1]/").expect("valid");
        assert_eq!(url.target(), Target::Ip("::1".parse().expect("ip")));
        assert_eq!(url.port(), 80);
    }

    #[test]
    fn non_public_addresses_are_refused() {
        let r = rules(&[]);
        for ip in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "2002:7f00:1::",
            "64:ff9b::a00:1",
            "2001:db8::1",
        ] {
            assert!(r.check(ip.parse().expect("ip")).is_err(), "{ip}");
        }
        for ip in ["1.1.1.1", "93.184.216.34", "172.32.0.1", "2606:4700::1111"] {
            assert!(r.check(ip.parse().expect("ip")).is_ok(), "{ip}");
        }
    }

    #[test]
    fn the_allow_list_opens_exactly_its_networks() {
        let r = rules(&["127.0.0.0/8", "fd00::/8"]);
        assert!(r.check("127.0.0.1".parse().expect("ip")).is_ok());
        assert!(r.check("::ffff:127.0.0.1".parse().expect("ip")).is_ok());
        assert!(r.check("fd00::5".parse().expect("ip")).is_ok());
        assert!(r.check("10.0.0.1".parse().expect("ip")).is_err());
        assert!(r.check("169.254.169.254".parse().expect("ip")).is_err());
    }

    #[test]
    fn signature_is_hmac_sha256_over_timestamp_dot_body() {
        // Reference value: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
        assert_eq!(
            sign(b"secret", 1_700_000_000, br#"{"a":1}"#),
            "v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"
        );
        assert_ne!(
            sign(b"secret", 1_700_000_001, br#"{"a":1}"#),
            sign(b"secret", 1_700_000_000, br#"{"a":1}"#)
        );
        assert_ne!(
            sign(b"other", 1_700_000_000, br#"{"a":1}"#),
            sign(b"secret", 1_700_000_000, br#"{"a":1}"#)
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(1);
        let waits: Vec<u128> = (1..=6).map(|a| backoff(a, base, max).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(backoff(1_000, base, max), max);
    }

    #[test]
    fn an_empty_filter_matches_every_kind() {
        assert!(EventFilter::default().matches(EventKind::Resolved));
        let f = EventFilter::new([EventKind::Resolved, EventKind::Resolved]);
        assert_eq!(f.kinds(), &[EventKind::Resolved]);
        assert!(!f.matches(EventKind::Reported));
        assert_eq!(EventFilter::from_column(&f.to_column()), f);
        assert_eq!(EventFilter::from_column(""), EventFilter::default());
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub events: EventFilter,
    /// Signs deliveries; never returned to clients after creation.
    pub secret: Secret,
    pub format: WebhookFormat,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// One delivery: a body for one webhook, and how sending it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub seq: i64,
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub incident_id: IncidentId,
    pub event_id: i64,
    pub event_kind: EventKind,
    /// Exactly the bytes that are POSTed and signed.
    pub body: String,
    pub state: DeliveryState,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub lease_until: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
}
