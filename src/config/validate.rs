//! Checking loaded settings: every bound, with a message that names the setting.

use super::{ConfigError, Settings};

impl Settings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let bad = |msg: String| Err(ConfigError::Invalid(msg));
        self.auth.validate()?;
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
        self.alerts.parse()?;
        let max_alerts = crate::domain::alert::MAX_ALERTS as u32;
        if self.alerts.rate_per_second > 1_000_000 {
            return bad(format!(
                "alerts.rate_per_second is {}; at most 1000000 (0 for no limit)",
                self.alerts.rate_per_second
            ));
        }
        if self.alerts.rate_per_second > 0 && self.alerts.burst < max_alerts {
            return bad(format!(
                "alerts.burst is {}; it must be at least {max_alerts}, the most alerts one request may carry",
                self.alerts.burst
            ));
        }
        self.reviews.policy()?;
        if !(100..=60_000).contains(&self.sla.check_interval_ms) {
            return bad(format!(
                "sla.check_interval_ms is {}; it must be between 100 and 60000",
                self.sla.check_interval_ms
            ));
        }
        if !(100..=60_000).contains(&self.automation.check_interval_ms) {
            return bad(format!(
                "automation.check_interval_ms is {}; it must be between 100 and 60000",
                self.automation.check_interval_ms
            ));
        }
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
        if self.metrics.enabled && self.metrics.listen == Some(self.listen) {
            return bad(format!(
                "metrics.listen is {}, the same address as listen; leave it unset to serve /metrics there, or give it an address of its own",
                self.listen
            ));
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
}
