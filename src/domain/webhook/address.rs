//! Which URLs and addresses a webhook may reach: http or https to public addresses only,
//! unless an admin allowed a network, so a webhook cannot probe the server's own network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use url::{Host, Url};

use crate::domain::DomainError;

/// The longest URL we store.
const MAX_URL_CHARS: usize = 2_048;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
