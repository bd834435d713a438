//! The layering, the environment rules and the bounds, tested through `Settings::load`.

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
    // The refused value is echoed, with what to write instead.
    let e = env(&[("HINDSIGHT_LISTEN", "localhost:8098")]);
    let err = Settings::load(None, &e, &Overrides::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("listen: \"localhost:8098\" was refused"),
        "{err}"
    );
    assert!(err.contains("such as 127.0.0.1:8098"), "{err}");
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

#[test]
fn metrics_are_on_by_default_and_configurable_from_env() {
    let s = Settings::load(None, &[], &Overrides::default()).expect("defaults are valid");
    assert!(s.metrics.enabled);
    assert_eq!(s.metrics.listen, None, "served on the main listener");
    let e = env(&[
        ("HINDSIGHT_METRICS__ENABLED", "false"),
        ("HINDSIGHT_METRICS__LISTEN", "10.0.0.5:9100"),
    ]);
    let s = Settings::load(None, &e, &Overrides::default()).expect("valid");
    assert!(!s.metrics.enabled);
    assert_eq!(
        s.metrics.listen,
        Some("10.0.0.5:9100".parse().expect("addr"))
    );
    let e = env(&[("HINDSIGHT_METRICS__LISTEN", "not-an-address")]);
    let err = Settings::load(None, &e, &Overrides::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("metrics.listen"), "{err}");
    // The main listener's own address would bind twice.
    let e = env(&[
        ("HINDSIGHT_LISTEN", "127.0.0.1:8080"),
        ("HINDSIGHT_METRICS__LISTEN", "127.0.0.1:8080"),
    ]);
    let err = Settings::load(None, &e, &Overrides::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("metrics.listen"), "{err}");
}

#[test]
fn alert_durations_default_and_are_checked() {
    let s = Settings::load(None, &[], &Overrides::default()).expect("defaults are valid");
    let (window, grace) = s.alerts.parse().expect("defaults parse");
    assert_eq!(window, std::time::Duration::from_secs(3_600));
    assert_eq!(grace, std::time::Duration::from_secs(24 * 3_600));
    let e = env(&[("HINDSIGHT_ALERTS__KEY_GRACE", "10m")]);
    let s = Settings::load(None, &e, &Overrides::default()).expect("valid");
    assert_eq!(s.alerts.parse().expect("parses").1.as_secs(), 600);
    for (key, value) in [
        ("HINDSIGHT_ALERTS__REOPEN_WINDOW", "soon"),
        ("HINDSIGHT_ALERTS__KEY_GRACE", "365d"),
    ] {
        let err = Settings::load(None, &env(&[(key, value)]), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("alerts."), "{key}={value}: {err}");
    }
}

#[test]
fn the_alert_rate_defaults_and_is_checked() {
    let s = Settings::load(None, &[], &Overrides::default()).expect("defaults are valid");
    assert_eq!((s.alerts.rate_per_second, s.alerts.burst), (1_000, 10_000));
    let e = env(&[
        ("HINDSIGHT_ALERTS__RATE_PER_SECOND", "0"),
        ("HINDSIGHT_ALERTS__BURST", "0"),
    ]);
    let s = Settings::load(None, &e, &Overrides::default()).expect("0 turns the limit off");
    assert_eq!(s.alerts.rate_per_second, 0);
    for (key, value, named) in [
        ("HINDSIGHT_ALERTS__BURST", "999", "alerts.burst"),
        (
            "HINDSIGHT_ALERTS__RATE_PER_SECOND",
            "2000000",
            "alerts.rate_per_second",
        ),
        ("HINDSIGHT_ALERTS__RATE_PER_SECOND", "-1", "rate_per_second"),
    ] {
        let err = Settings::load(None, &env(&[(key, value)]), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains(named), "{key}={value}: {err}");
    }
}

#[test]
fn reviews_are_required_for_p1_and_p2_by_default_and_checked() {
    let s = Settings::load(None, &[], &Overrides::default()).expect("defaults are valid");
    let policy = s.reviews.policy().expect("defaults parse");
    assert_eq!(
        policy
            .required_for
            .iter()
            .map(|p| p.rank())
            .collect::<Vec<_>>(),
        [1, 2]
    );
    let e = env(&[("HINDSIGHT_REVIEWS__REQUIRED_FOR", "P1")]);
    let s = Settings::load(None, &e, &Overrides::default()).expect("valid");
    assert_eq!(s.reviews.policy().expect("parses").required_for.len(), 1);
    let e = env(&[("HINDSIGHT_REVIEWS__REQUIRED_FOR", "")]);
    let s = Settings::load(None, &e, &Overrides::default()).expect("valid");
    assert!(s.reviews.policy().expect("parses").required_for.is_empty());
    let e = env(&[("HINDSIGHT_REVIEWS__REQUIRED_FOR", "P1,urgent")]);
    let err = Settings::load(None, &e, &Overrides::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("reviews.required_for[1]"), "{err}");
}

#[test]
fn the_sqlite_file_is_found_in_the_database_url() {
    let mut s = Settings::load(None, &[], &Overrides::default()).expect("defaults are valid");
    assert_eq!(
        s.sqlite_path(),
        Some(std::path::PathBuf::from("data/hindsight.db"))
    );
    s.database_url = Some(crate::domain::secret::Secret::new(
        "sqlite:///srv/h.db?mode=rwc",
    ));
    assert_eq!(s.sqlite_path(), Some(std::path::PathBuf::from("/srv/h.db")));
    s.database_url = Some(crate::domain::secret::Secret::new("sqlite::memory:"));
    assert_eq!(s.sqlite_path(), None);
    s.database_url = Some(crate::domain::secret::Secret::new("postgres://u@h/db"));
    assert_eq!(s.sqlite_path(), None);
}

fn load_err(pairs: &[(&str, &str)]) -> String {
    Settings::load(None, &env(pairs), &Overrides::default())
        .unwrap_err()
        .to_string()
}

#[test]
fn role_maps_come_from_the_file_and_the_environment_and_name_bad_roles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("hindsight.toml");
    std::fs::write(
        &file,
        "[auth]\nroles_claim = \"realm_access.roles\"\n[auth.role_map]\n\"sre-leads\" = \"manager\"\n\"On Call\" = \"Specialist\"\n",
    )
    .expect("write");
    let s = Settings::load(Some(&file), &[], &Overrides::default()).expect("valid");
    assert_eq!(s.auth.roles_claim, "realm_access.roles");
    let map = s.auth.role_map().expect("parsed");
    assert_eq!(map.get("sre-leads"), Some(&crate::auth::OrgRole::Manager));
    assert_eq!(map.get("On Call"), Some(&crate::auth::OrgRole::Specialist));
    // The whole table as one variable; group names keep their case.
    let e = env(&[("HINDSIGHT_AUTH__ROLE_MAP", "{SRE-Leads=\"admin\"}")]);
    let s = Settings::load(None, &e, &Overrides::default()).expect("valid");
    assert_eq!(
        s.auth.role_map().expect("parsed").get("SRE-Leads"),
        Some(&crate::auth::OrgRole::Admin)
    );
    let err = load_err(&[("HINDSIGHT_AUTH__ROLE_MAP", "{sre-leads=\"boss\"}")]);
    assert!(err.contains("auth.role_map.\"sre-leads\""), "{err}");
    assert!(
        err.contains("\"boss\""),
        "the refused value is echoed: {err}"
    );
    assert!(err.contains("manager"), "the roles are listed: {err}");
}

#[test]
fn key_set_addresses_are_https_or_loopback() {
    let ok = |pairs: &[(&str, &str)]| {
        Settings::load(None, &env(pairs), &Overrides::default()).expect("valid")
    };
    let s = ok(&[("HINDSIGHT_AUTH__JWKS_URL", "https://idp.example.com/certs")]);
    assert!(s.auth.fetches_keys());
    ok(&[("HINDSIGHT_AUTH__JWKS_URL", "http://127.0.0.1:8081/jwks")]);
    ok(&[("HINDSIGHT_AUTH__JWKS_URL", "http://localhost/jwks")]);
    for url in [
        "http://idp.example.com/certs",
        "http://10.0.0.1/jwks",
        "ftp://idp.example.com/x",
        "not a url",
    ] {
        let err = load_err(&[("HINDSIGHT_AUTH__JWKS_URL", url)]);
        assert!(err.contains("auth.jwks_url"), "{url}: {err}");
        assert!(err.contains(url), "{url}: the value is echoed: {err}");
    }
    let err = load_err(&[("HINDSIGHT_AUTH__DISCOVERY", "true")]);
    assert!(err.contains("auth.issuer"), "{err}");
    let err = load_err(&[
        ("HINDSIGHT_AUTH__DISCOVERY", "true"),
        ("HINDSIGHT_AUTH__ISSUER", "http://idp.example.com"),
    ]);
    assert!(err.contains("auth.issuer"), "{err}");
    let s = ok(&[
        ("HINDSIGHT_AUTH__DISCOVERY", "true"),
        (
            "HINDSIGHT_AUTH__ISSUER",
            "https://idp.example.com/realms/ops",
        ),
        ("HINDSIGHT_AUTH__CA_FILE", "/etc/hindsight/idp-ca.pem"),
    ]);
    assert!(s.auth.discovery);
    let err = load_err(&[
        ("HINDSIGHT_AUTH__DISCOVERY", "true"),
        ("HINDSIGHT_AUTH__ISSUER", "https://idp.example.com"),
        ("HINDSIGHT_AUTH__JWKS_URL", "https://idp.example.com/certs"),
    ]);
    assert!(err.contains("set one of them"), "{err}");
    let err = load_err(&[("HINDSIGHT_AUTH__CA_FILE", "/x.pem")]);
    assert!(err.contains("auth.ca_file"), "{err}");
}
