//! Checking the `auth` section: where the identity provider's keys come from, and how its
//! role claims map to hindsight roles.

use std::collections::HashMap;

use url::Url;

use super::{AuthSettings, ConfigError};
use crate::auth::OrgRole;

impl AuthSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let bad = |msg: String| Err(ConfigError::Invalid(msg));
        if self.leeway_seconds > 30 {
            return bad(format!(
                "auth.leeway_seconds is {}; at most 30 is allowed",
                self.leeway_seconds
            ));
        }
        if self.roles_claim.trim().is_empty() {
            return bad("auth.roles_claim must not be empty".into());
        }
        self.role_map()?;
        if let Some(url) = &self.jwks_url {
            provider_url("auth.jwks_url", url)?;
            if self.discovery {
                return bad(
                    "auth.jwks_url and auth.discovery are both set; discovery finds the key set's \
                     address, so set one of them"
                        .into(),
                );
            }
        }
        if self.discovery {
            match &self.issuer {
                None => {
                    return bad(
                        "auth.discovery needs auth.issuer: the discovery document is read from \
                         <issuer>/.well-known/openid-configuration"
                            .into(),
                    );
                }
                Some(issuer) => {
                    provider_url("auth.issuer", issuer)?;
                }
            }
        }
        if self.ca_file.is_some() && self.jwks_url.is_none() && !self.discovery {
            return bad(
                "auth.ca_file is set but no key set is fetched; set auth.jwks_url or auth.discovery"
                    .into(),
            );
        }
        Ok(())
    }

    /// `auth.role_map`, each value parsed into a role.
    pub fn role_map(&self) -> Result<HashMap<String, OrgRole>, ConfigError> {
        self.role_map
            .iter()
            .map(|(group, role)| {
                if group.trim().is_empty() {
                    return Err(ConfigError::Invalid(
                        "auth.role_map: a group name must not be empty".into(),
                    ));
                }
                let parsed = OrgRole::from_claim(role).ok_or_else(|| {
                    let roles: Vec<&str> = OrgRole::ALL.iter().map(|r| r.as_claim()).collect();
                    ConfigError::Invalid(format!(
                        "auth.role_map.{group:?} is {role:?}, which is not a role; use one of {}",
                        roles.join(", ")
                    ))
                })?;
                Ok((group.trim().to_owned(), parsed))
            })
            .collect()
    }

    /// Whether tokens are checked with keys an identity provider publishes.
    pub fn fetches_keys(&self) -> bool {
        self.jwks_url.is_some() || self.discovery
    }
}

/// An address keys are fetched from: HTTPS, or plain HTTP to a loopback address only, where
/// nothing on the network can swap the keys (a provider sidecar, a test).
pub fn provider_url(name: &str, raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw.trim()).map_err(|e| {
        ConfigError::Invalid(format!("{name} is {raw:?}, which is not a URL ({e})"))
    })?;
    let loopback = match url.host() {
        Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(ConfigError::Invalid(format!(
            "{name} is {raw:?}; keys are fetched over https:// (plain http:// only from a \
             loopback address such as 127.0.0.1)"
        ))),
    }
}
