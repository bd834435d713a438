//! How a delivery is signed, and which secrets may sign.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::DomainError;

/// A caller-chosen secret must be at least this long, and at most `MAX_SECRET_CHARS`.
pub const MIN_SECRET_CHARS: usize = 16;
const MAX_SECRET_CHARS: usize = 256;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
