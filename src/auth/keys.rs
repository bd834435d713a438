//! The keys tokens are checked with, as the settings describe them: identity providers'
//! public keys (configured, or published as a key set: `jwks`), and the HS256 secret (configured, or generated once into the data folder).

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};

use super::jwks::RemoteKeys;
use super::role_claims::RoleClaims;
use super::verify_key::VerifyKey;
use super::{Secret, TokenIssuer, TokenVerifier};
use crate::config::Settings;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A key setting is wrong; the message names it.
    #[error("{0}")]
    Config(String),
    #[error("token signing secret {path}: {source}")]
    SecretFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The signing keys the settings describe: the verifier, and an issuer when we hold a secret.
pub struct Keys {
    pub verifier: TokenVerifier,
    pub issuer: Option<TokenIssuer>,
}

/// Whether a missing generated secret may be created: the server creates it on its first
/// start; `hindsight token` must sign with the one the server uses, so it never does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeneratedSecret {
    CreateIfMissing,
    MustExist,
}

/// The server's keys (a missing generated secret is created).
pub fn keys(settings: &Settings) -> Result<Keys, KeyError> {
    keys_with(settings, GeneratedSecret::CreateIfMissing)
}

pub fn keys_with(settings: &Settings, generated: GeneratedSecret) -> Result<Keys, KeyError> {
    let auth = &settings.auth;
    let mut verify = Vec::new();
    for (i, key) in auth.public_keys.iter().enumerate() {
        let name = format!("auth.public_keys[{i}]");
        let algorithm: Algorithm = key.algorithm.parse().map_err(|_| {
            KeyError::Config(format!(
                "{name}.algorithm: unknown algorithm `{}`",
                key.algorithm
            ))
        })?;
        let pem = key.pem.as_bytes();
        let decoded = match algorithm {
            Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 | Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512 => {
                DecodingKey::from_rsa_pem(pem)
            }
            Algorithm::ES256 | Algorithm::ES384 => DecodingKey::from_ec_pem(pem),
            Algorithm::EdDSA => DecodingKey::from_ed_pem(pem),
            _ => {
                return Err(KeyError::Config(format!(
                    "{name}.algorithm: {} is not a public-key algorithm; set auth.hs256_secret for HS256",
                    key.algorithm
                )));
            }
        }
        .map_err(|_| KeyError::Config(format!("{name}.pem: not a valid {} public key in PEM form", key.algorithm)))?;
        verify.push(VerifyKey {
            algorithm,
            kid: key.kid.clone(),
            key: decoded,
        });
    }
    // HS256 when a secret is configured, or by default when no identity provider is.
    let secret = match &auth.hs256_secret {
        Some(secret) if secret.expose().len() < 32 => {
            return Err(KeyError::Config(
                "auth.hs256_secret must be at least 32 characters".into(),
            ));
        }
        Some(secret) => Some(secret.clone()),
        None if auth.public_keys.is_empty() && !auth.fetches_keys() => {
            let path = settings.secret_path();
            if generated == GeneratedSecret::MustExist && !path.exists() {
                return Err(KeyError::Config(format!(
                    "no token signing secret at {}: a token signed with a new one would not be \
                     accepted by any server. Run it with the --data-dir of the server (which \
                     writes its secret there at its first start), or set \
                     HINDSIGHT_AUTH__HS256_SECRET to the server's auth.hs256_secret",
                    path.display()
                )));
            }
            Some(load_or_create_secret(&path)?)
        }
        None => None,
    };
    let issuer = secret.map(|secret| {
        verify.push(VerifyKey {
            algorithm: Algorithm::HS256,
            kid: None,
            key: DecodingKey::from_secret(secret.expose().as_bytes()),
        });
        TokenIssuer::hs256(&secret, auth.issuer.clone(), auth.audience.clone())
    });
    let role_map = auth
        .role_map()
        .map_err(|e| KeyError::Config(e.to_string()))?;
    let verifier = TokenVerifier::new(
        verify,
        auth.issuer.clone(),
        auth.audience.clone(),
        RoleClaims::new(auth.roles_claim.trim(), role_map),
        Duration::from_secs(auth.leeway_seconds),
    );
    let verifier = match RemoteKeys::from_settings(auth).map_err(KeyError::Config)? {
        Some(remote) => verifier.with_remote_keys(remote),
        None => verifier,
    };
    Ok(Keys { verifier, issuer })
}

/// The generated HS256 secret: created once, readable by the owner only.
fn load_or_create_secret(path: &Path) -> Result<Secret, KeyError> {
    let io = |source| KeyError::SecretFile {
        path: path.display().to_string(),
        source,
    };
    if path.exists() {
        let value = fs::read_to_string(path).map_err(io)?;
        return Ok(Secret::new(value.trim()));
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io)?;
    }
    let bytes: [u8; 48] = rand::random();
    let value = URL_SAFE_NO_PAD.encode(bytes);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io)?;
    file.write_all(value.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)?;
    tracing::info!(path = %path.display(), "generated a new token signing secret");
    Ok(Secret::new(value))
}
