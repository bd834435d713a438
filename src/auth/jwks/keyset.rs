//! A published key set (RFC 7517) to the keys tokens are checked with, each with its
//! algorithm pinned: from the key's `alg`, or from its type and curve when it has none
//! (RS256 for RSA, ES256 for P-256, ES384 for P-384, EdDSA for Ed25519), never from a
//! token's header. Symmetric keys and `none` are refused: a key set is public.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use crate::auth::verify_key::VerifyKey;

/// More keys than any provider publishes; a longer set is read this far.
pub const MAX_KEYS: usize = 100;

#[derive(serde::Deserialize)]
struct Document {
    keys: Vec<Value>,
}

/// The usable signing keys of a key set document; an error when there are none, so that a
/// broken answer never replaces keys that work.
pub fn parse(body: &[u8]) -> Result<Vec<VerifyKey>, String> {
    let document: Document = serde_json::from_slice(body)
        .map_err(|_| "the answer is not a key set (a JSON object with `keys`)".to_owned())?;
    let mut keys = Vec::new();
    for (i, value) in document.keys.into_iter().take(MAX_KEYS).enumerate() {
        let kid = value.get("kid").and_then(Value::as_str).map(str::to_owned);
        match verify_key(value) {
            Ok(Some(key)) => keys.push(key),
            Ok(None) => {}
            Err(why) => tracing::warn!(
                jwks.key_index = i,
                jwks.kid = kid.as_deref().unwrap_or(""),
                "a key in the identity provider's key set is not used: {why}"
            ),
        }
    }
    if keys.is_empty() {
        return Err("the key set holds no signing key this server can use".into());
    }
    Ok(keys)
}

/// `None` for an encryption key (Keycloak publishes one beside its signing keys).
fn verify_key(value: Value) -> Result<Option<VerifyKey>, String> {
    let jwk: Jwk = serde_json::from_value(value).map_err(|_| "not a valid JWK".to_owned())?;
    if jwk.common.public_key_use == Some(PublicKeyUse::Encryption) {
        return Ok(None);
    }
    let algorithm = pinned_algorithm(&jwk)?;
    let key =
        DecodingKey::from_jwk(&jwk).map_err(|_| "its key material is not valid".to_owned())?;
    Ok(Some(VerifyKey {
        algorithm,
        kid: jwk.common.key_id.clone(),
        key,
    }))
}

/// The one algorithm tokens checked with this key must name.
pub fn pinned_algorithm(jwk: &Jwk) -> Result<Algorithm, String> {
    let by_type = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => Algorithm::ES256,
            EllipticCurve::P384 => Algorithm::ES384,
            ref other => return Err(format!("the curve {other:?} is not supported")),
        },
        AlgorithmParameters::OctetKeyPair(p) => match p.curve {
            EllipticCurve::Ed25519 => Algorithm::EdDSA,
            ref other => return Err(format!("the curve {other:?} is not supported")),
        },
        AlgorithmParameters::OctetKey(_) => {
            return Err(
                "it is a symmetric (`oct`) key; a published key set holds public keys only".into(),
            );
        }
        _ => return Err("its key type (`kty`) is not supported".into()),
    };
    let Some(named) = jwk.common.key_algorithm else {
        return Ok(by_type);
    };
    let named = match named {
        KeyAlgorithm::RS256 => Algorithm::RS256,
        KeyAlgorithm::RS384 => Algorithm::RS384,
        KeyAlgorithm::RS512 => Algorithm::RS512,
        KeyAlgorithm::PS256 => Algorithm::PS256,
        KeyAlgorithm::PS384 => Algorithm::PS384,
        KeyAlgorithm::PS512 => Algorithm::PS512,
        KeyAlgorithm::ES256 => Algorithm::ES256,
        KeyAlgorithm::ES384 => Algorithm::ES384,
        KeyAlgorithm::EdDSA => Algorithm::EdDSA,
        other => {
            return Err(format!(
                "its `alg` {other:?} is not a signature algorithm this server accepts"
            ));
        }
    };
    let fits = match named {
        Algorithm::RS256
        | Algorithm::RS384
        | Algorithm::RS512
        | Algorithm::PS256
        | Algorithm::PS384
        | Algorithm::PS512 => by_type == Algorithm::RS256,
        other => other == by_type,
    };
    if !fits {
        return Err(format!("its `alg` {named:?} does not fit its key type"));
    }
    Ok(named)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn jwk(v: Value) -> Jwk {
        serde_json::from_value(v).expect("a jwk")
    }

    const N: &str = "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw";

    #[test]
    fn the_algorithm_comes_from_alg_or_the_key_type() {
        let rsa = jwk(json!({ "kty": "RSA", "n": N, "e": "AQAB" }));
        assert_eq!(pinned_algorithm(&rsa), Ok(Algorithm::RS256));
        let ps = jwk(json!({ "kty": "RSA", "alg": "PS384", "n": N, "e": "AQAB" }));
        assert_eq!(pinned_algorithm(&ps), Ok(Algorithm::PS384));
        let ec = jwk(json!({ "kty": "EC", "crv": "P-256", "x": "AA", "y": "AA" }));
        assert_eq!(pinned_algorithm(&ec), Ok(Algorithm::ES256));
        let okp = jwk(json!({ "kty": "OKP", "crv": "Ed25519", "x": "AA" }));
        assert_eq!(pinned_algorithm(&okp), Ok(Algorithm::EdDSA));
    }

    #[test]
    fn symmetric_none_and_mismatched_keys_are_refused() {
        for bad in [
            json!({ "kty": "oct", "k": "c2VjcmV0", "alg": "HS256" }),
            json!({ "kty": "oct", "k": "c2VjcmV0" }),
            json!({ "kty": "RSA", "alg": "none", "n": N, "e": "AQAB" }),
            json!({ "kty": "RSA", "alg": "HS256", "n": N, "e": "AQAB" }),
            json!({ "kty": "RSA", "alg": "ES256", "n": N, "e": "AQAB" }),
            json!({ "kty": "RSA", "alg": "RSA-OAEP", "n": N, "e": "AQAB" }),
            json!({ "kty": "EC", "crv": "P-256", "alg": "ES384", "x": "AA", "y": "AA" }),
        ] {
            assert!(pinned_algorithm(&jwk(bad.clone())).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_set_keeps_its_signing_keys_and_refuses_an_empty_or_broken_one() {
        let set = json!({ "keys": [
            { "kty": "RSA", "kid": "sig", "n": N, "e": "AQAB" },
            { "kty": "RSA", "kid": "enc", "use": "enc", "alg": "RSA-OAEP", "n": N, "e": "AQAB" },
            { "kty": "oct", "kid": "hmac", "k": "c2VjcmV0" },
            "not a key",
        ]});
        let keys = parse(set.to_string().as_bytes()).expect("one usable key");
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].kid.as_deref(), Some("sig"));
        assert_eq!(keys[0].algorithm, Algorithm::RS256);
        assert!(parse(br#"{"keys":[]}"#).is_err());
        assert!(parse(br#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#).is_err());
        assert!(parse(b"<html>").is_err());
    }
}
