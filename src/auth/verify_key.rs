//! One key a token may be signed with: its pinned algorithm, its key id, the key. Configured
//! keys (`keys.rs`) and fetched key sets (`jwks/`) make them; `token.rs` verifies with them.

use jsonwebtoken::{Algorithm, DecodingKey};

#[derive(Clone)]
pub struct VerifyKey {
    pub algorithm: Algorithm,
    pub kid: Option<String>,
    pub key: DecodingKey,
}
