//! The values that need no configuration: `hindsight serve` starts with these alone.

use std::net::SocketAddr;
use std::path::PathBuf;

use super::*;

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
                jwks_url: None,
                discovery: false,
                ca_file: None,
                issuer: None,
                audience: None,
                roles_claim: "roles".into(),
                role_map: Default::default(),
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
            sla: SlaSettings {
                check_interval_ms: 5_000,
            },
            automation: AutomationSettings {
                check_interval_ms: 1_000,
            },
            alerts: AlertSettings {
                reopen_window: "1h".into(),
                key_grace: "24h".into(),
                rate_per_second: 1_000,
                burst: 10_000,
            },
            metrics: MetricsSettings {
                enabled: true,
                listen: None,
            },
            reviews: ReviewSettings {
                required_for: vec!["P1".into(), "P2".into()],
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
