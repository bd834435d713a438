//! JWT verification (every request) and issuing (the `token` command, tests).
//!
//! Each configured key pins its algorithm: a token is checked only against keys of the
//! algorithm its header names, so `alg: none` and algorithm confusion (an HS256 token signed
//! with an RSA public key as the secret) cannot pass. Keys come from the settings and, when
//! one is configured, from the identity provider's published key set (`super::jwks`).

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header, Validation};
use serde_json::{Map, Value};

use super::jwks::RemoteKeys;
use super::role_claims::RoleClaims;
pub use super::verify_key::VerifyKey;
use super::{Secret, Viewer};
use crate::domain::ids::UserId;

/// Why a token was refused. The message is safe to show to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("missing credentials: send `Authorization: Bearer <token>`")]
    Missing,
    #[error("the Authorization header must be `Bearer <token>`")]
    Malformed,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid: {0}")]
    Invalid(&'static str),
}

#[derive(Clone)]
pub struct TokenVerifier {
    keys: Vec<VerifyKey>,
    remote: Option<Arc<RemoteKeys>>,
    issuer: Option<String>,
    audience: Option<String>,
    roles: RoleClaims,
    leeway: Duration,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier")
            .field(
                "algorithms",
                &self.keys.iter().map(|k| k.algorithm).collect::<Vec<_>>(),
            )
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl TokenVerifier {
    pub fn new(
        keys: Vec<VerifyKey>,
        issuer: Option<String>,
        audience: Option<String>,
        roles: RoleClaims,
        leeway: Duration,
    ) -> Self {
        Self {
            keys,
            remote: None,
            issuer,
            audience,
            roles,
            leeway,
        }
    }

    /// Also accepts the keys an identity provider publishes.
    pub fn with_remote_keys(mut self, remote: Arc<RemoteKeys>) -> Self {
        self.remote = Some(remote);
        self
    }

    /// The provider's published keys, to start fetching them.
    pub fn remote_keys(&self) -> Option<&Arc<RemoteKeys>> {
        self.remote.as_ref()
    }

    /// Verifies an `Authorization` header value, and says until when the token is valid
    /// (its `exp` plus the allowed clock leeway): a long-lived connection ends there.
    pub async fn verify_header_until(
        &self,
        header: Option<&str>,
    ) -> Result<(Viewer, std::time::SystemTime), AuthError> {
        let header = header.ok_or(AuthError::Missing)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::Malformed)?;
        self.verify_until(token).await
    }

    async fn verify_until(
        &self,
        token: &str,
    ) -> Result<(Viewer, std::time::SystemTime), AuthError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| AuthError::Invalid("it is not a signed JWT this server accepts"))?;
        let mut remote = self
            .remote
            .as_ref()
            .map(|r| r.current())
            .unwrap_or_default();
        let knows = |remote: &[VerifyKey], kid: &str| {
            self.keys
                .iter()
                .chain(remote)
                .any(|k| k.kid.as_deref() == Some(kid))
        };
        // A `kid` we do not hold is how a provider's key rotation first shows: fetch its keys
        // again (at most once a minute, see `RemoteKeys`).
        if let (Some(provider), Some(kid)) = (&self.remote, &header.kid)
            && !knows(&remote, kid)
            && provider.refresh_for_unknown_kid(kid).await
        {
            remote = provider.current();
        }
        let kid_unknown = header
            .kid
            .as_deref()
            .is_some_and(|kid| !knows(&remote, kid));
        self.check(
            token,
            &header,
            self.keys.iter().chain(remote.iter()),
            kid_unknown,
        )
    }

    fn check<'a>(
        &self,
        token: &str,
        header: &Header,
        keys: impl Iterator<Item = &'a VerifyKey>,
        kid_unknown: bool,
    ) -> Result<(Viewer, std::time::SystemTime), AuthError> {
        let candidates = keys.filter(|k| {
            k.algorithm == header.alg
                && match (&k.kid, &header.kid) {
                    (Some(ours), Some(theirs)) => ours == theirs,
                    _ => true,
                }
        });
        let mut last = if kid_unknown {
            AuthError::Invalid("it is signed with a key this server does not know (`kid`)")
        } else {
            AuthError::Invalid("it is signed with an algorithm this server does not accept")
        };
        for key in candidates {
            match jsonwebtoken::decode::<Map<String, Value>>(
                token,
                &key.key,
                &self.validation(key.algorithm),
            ) {
                Ok(data) => {
                    // jsonwebtoken accepts an `iss` array that contains the configured issuer;
                    // the claim is a string (RFC 7519 4.1.1) and must equal ours.
                    if let Some(ours) = &self.issuer
                        && data.claims.get("iss").and_then(Value::as_str) != Some(ours.as_str())
                    {
                        return Err(AuthError::Invalid(
                            "it is from another issuer (`iss` must be the configured issuer, as a string)",
                        ));
                    }
                    // Validation required a numeric `exp`, so this only guards the types.
                    let exp = data
                        .claims
                        .get("exp")
                        .and_then(Value::as_u64)
                        .ok_or(AuthError::Invalid("`exp` must be a number of seconds"))?;
                    let until = std::time::UNIX_EPOCH
                        .checked_add(Duration::from_secs(exp).saturating_add(self.leeway))
                        .ok_or(AuthError::Invalid("`exp` is out of range"))?;
                    return Ok((self.viewer_from(data.claims)?, until));
                }
                Err(e) => last = map_jwt_error(&e),
            }
        }
        Err(last)
    }

    fn validation(&self, algorithm: Algorithm) -> Validation {
        let mut v = Validation::new(algorithm);
        v.leeway = self.leeway.as_secs();
        v.validate_exp = true;
        v.validate_nbf = true;
        // jsonwebtoken checks `iss`/`aud` only when present, so a configured one is required.
        let mut required = vec!["exp", "sub"];
        match &self.audience {
            Some(aud) => {
                v.set_audience(&[aud]);
                required.push("aud");
            }
            None => v.validate_aud = false,
        }
        if let Some(iss) = &self.issuer {
            v.set_issuer(&[iss]);
            required.push("iss");
        }
        v.set_required_spec_claims(&required);
        v
    }

    fn viewer_from(&self, claims: Map<String, Value>) -> Result<Viewer, AuthError> {
        // The user is recorded from these claims, and PostgreSQL refuses text holding U+0000:
        // such a token is refused here, not a 500 on every request it makes.
        for claim in ["sub", "name", "email"] {
            if claims
                .get(claim)
                .and_then(Value::as_str)
                .is_some_and(|s| s.contains('\0'))
            {
                return Err(AuthError::Invalid(
                    "`sub`, `name` and `email` must not contain the NUL character (U+0000)",
                ));
            }
        }
        let sub = claims
            .get("sub")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.len() <= 255)
            .ok_or(AuthError::Invalid("`sub` must be a non-empty string"))?;
        let name = claims
            .get("name")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(sub);
        let email = claims
            .get("email")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        if email.as_ref().is_some_and(|e| e.len() > 320) {
            return Err(AuthError::Invalid("`email` must be at most 320 bytes"));
        }
        let roles = self.roles.roles(&claims);
        Ok(Viewer {
            user_id: UserId::new(sub),
            name: name.chars().take(200).collect(),
            email,
            roles,
        })
    }
}

fn map_jwt_error(e: &jsonwebtoken::errors::Error) -> AuthError {
    use jsonwebtoken::errors::ErrorKind;
    match e.kind() {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::Invalid("it is not valid yet (`nbf`)"),
        ErrorKind::InvalidSignature => AuthError::Invalid("the signature does not match"),
        ErrorKind::InvalidAudience => AuthError::Invalid("it is for another audience (`aud`)"),
        ErrorKind::InvalidIssuer => AuthError::Invalid("it is from another issuer (`iss`)"),
        ErrorKind::MissingRequiredClaim(_) => AuthError::Invalid(
            "a required claim is missing (`exp`, `sub`, and `iss`/`aud` when configured)",
        ),
        _ => AuthError::Invalid("it could not be decoded"),
    }
}

/// Signs HS256 tokens with the server's own secret: for `hindsight token`, scripts and tests.
#[derive(Clone)]
pub struct TokenIssuer {
    key: EncodingKey,
    issuer: Option<String>,
    audience: Option<String>,
}

impl TokenIssuer {
    pub fn hs256(secret: &Secret, issuer: Option<String>, audience: Option<String>) -> Self {
        Self {
            key: EncodingKey::from_secret(secret.expose().as_bytes()),
            issuer,
            audience,
        }
    }

    pub fn issue(
        &self,
        sub: &str,
        name: &str,
        email: Option<&str>,
        roles: &[String],
        ttl: Duration,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = jsonwebtoken::get_current_timestamp();
        let mut claims = serde_json::json!({
            "sub": sub,
            "name": name,
            "roles": roles,
            "iat": now,
            "exp": now + ttl.as_secs(),
        });
        if let Some(email) = email {
            claims["email"] = email.into();
        }
        if let Some(iss) = &self.issuer {
            claims["iss"] = iss.as_str().into();
        }
        if let Some(aud) = &self.audience {
            claims["aud"] = aud.as_str().into();
        }
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::OrgRole;

    /// The caller alone, as the tests compare it.
    impl TokenVerifier {
        async fn verify_header(&self, header: Option<&str>) -> Result<Viewer, AuthError> {
            self.verify_header_until(header)
                .await
                .map(|(viewer, _)| viewer)
        }

        async fn verify(&self, token: &str) -> Result<Viewer, AuthError> {
            self.verify_until(token).await.map(|(viewer, _)| viewer)
        }
    }

    fn hs_verifier(secret: &str) -> TokenVerifier {
        TokenVerifier::new(
            vec![VerifyKey {
                algorithm: Algorithm::HS256,
                kid: None,
                key: jsonwebtoken::DecodingKey::from_secret(secret.as_bytes()),
            }],
            None,
            None,
            RoleClaims::new("roles", Default::default()),
            Duration::from_secs(30),
        )
    }

    #[tokio::test]
    async fn round_trip_keeps_known_roles_only() {
        let issuer = TokenIssuer::hs256(&Secret::new("s3cret"), None, None);
        let token = issuer
            .issue(
                "u1",
                "Ada",
                None,
                &["specialist".into(), "wizard".into()],
                Duration::from_secs(60),
            )
            .expect("sign");
        let viewer = hs_verifier("s3cret").verify(&token).await.expect("valid");
        assert_eq!(viewer.user_id, "u1");
        assert_eq!(viewer.roles, vec![OrgRole::Specialist]);
    }

    #[tokio::test]
    async fn rejects_alg_none_and_other_keys() {
        let unsigned =
            "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1MSIsImV4cCI6OTk5OTk5OTk5OX0.";
        assert!(matches!(
            hs_verifier("k").verify(unsigned).await,
            Err(AuthError::Invalid(_))
        ));
        let token = TokenIssuer::hs256(&Secret::new("other"), None, None)
            .issue("u1", "Ada", None, &[], Duration::from_secs(60))
            .expect("sign");
        assert_eq!(
            hs_verifier("k").verify(&token).await,
            Err(AuthError::Invalid("the signature does not match"))
        );
    }

    #[tokio::test]
    async fn header_must_be_bearer() {
        let v = hs_verifier("k");
        assert_eq!(v.verify_header(None).await, Err(AuthError::Missing));
        assert_eq!(
            v.verify_header(Some("Basic abc")).await,
            Err(AuthError::Malformed)
        );
        assert_eq!(
            v.verify_header(Some("Bearer ")).await,
            Err(AuthError::Malformed)
        );
    }
}
