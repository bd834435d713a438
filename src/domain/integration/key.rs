//! Integration keys: 32 random bytes shown once, kept only as their SHA-256. A sender's key is
//! hashed and the hash looked up; the stored hash is then compared in constant time, so
//! neither the lookup nor the comparison tells an attacker how close a guess came.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::domain::secret::Secret;

/// What every key starts with, so a leaked one is recognisable in a secret scanner.
const PREFIX: &str = "hsk_";

/// A freshly issued key, to show the administrator once.
pub struct IntegrationKey(Secret);

impl IntegrationKey {
    pub fn generate() -> Self {
        let bytes: [u8; 32] = rand::random();
        Self(Secret::new(format!(
            "{PREFIX}{}",
            URL_SAFE_NO_PAD.encode(bytes)
        )))
    }

    pub fn secret(&self) -> &Secret {
        &self.0
    }

    pub fn hash(&self) -> KeyHash {
        KeyHash::of(self.0.expose())
    }
}

/// The SHA-256 of a key, as stored (lower-case hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHash(String);

impl KeyHash {
    /// Any text hashes, also an empty or absurd one: a request without a key costs the same
    /// as one with a wrong key.
    pub fn of(key: &str) -> Self {
        Self(hex::encode(Sha256::digest(key.trim().as_bytes())))
    }

    pub fn from_stored(hex: String) -> Self {
        Self(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Equal, in time that depends only on the lengths.
    pub fn matches(&self, other: &KeyHash) -> bool {
        constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_prefixed_and_hash_stably() {
        let a = IntegrationKey::generate();
        let b = IntegrationKey::generate();
        assert!(a.secret().expose().starts_with("hsk_"));
        assert_ne!(a.secret().expose(), b.secret().expose());
        assert!(a.hash().matches(&KeyHash::of(a.secret().expose())));
        assert!(!a.hash().matches(&b.hash()));
        assert_eq!(a.hash().as_str().len(), 64);
        assert!(!KeyHash::of("x").matches(&KeyHash::from_stored("ab".into())));
    }
}
