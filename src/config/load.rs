//! Reading the layers in order: defaults, the TOML file, `HINDSIGHT_*` variables, flags.

use std::path::Path;

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};

use super::{ConfigError, Overrides, Settings};

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
            .map_err(|e| ConfigError::Invalid(describe(&e, &figment)))?;
        settings.validate()?;
        Ok(settings)
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

/// Each error with the setting's name and the value that was refused, so the message can be
/// acted on without guessing which layer set it (`listen: "localhost:8098" is not an address:
/// ...; use an IP address and port such as 127.0.0.1:8098`).
fn describe(e: &figment::Error, figment: &Figment) -> String {
    e.clone()
        .into_iter()
        .map(|e| {
            let path = e.path.join(".");
            let kind = e.kind.to_string();
            if path.is_empty() {
                return kind;
            }
            let given = figment.find_value(&path).ok().and_then(|v| match v {
                figment::value::Value::String(_, s) => Some(s),
                _ => None,
            });
            match given {
                Some(value) => {
                    format!(
                        "{path}: {value:?} was refused ({kind}){}",
                        hint(&path, &value)
                    )
                }
                None => format!("{path}: {kind}"),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What to write instead, for the mistakes people make most.
fn hint(path: &str, value: &str) -> String {
    let is_address = path == "listen" || path.ends_with(".listen");
    if is_address && let Some((host, port)) = value.rsplit_once(':') {
        let ip = if host == "localhost" {
            "127.0.0.1"
        } else {
            "0.0.0.0"
        };
        if port.parse::<u16>().is_ok() {
            return format!("; use an IP address and port such as {ip}:{port}");
        }
    }
    if is_address {
        return "; use an IP address and port such as 127.0.0.1:8080".into();
    }
    String::new()
}
