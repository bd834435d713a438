//! `hindsight token`: a development token signed with the server's HS256 secret.

use std::time::Duration;

use crate::auth::OrgRole;
use crate::auth::keys;
use crate::config::Settings;

pub fn run(
    settings: &Settings,
    sub: &str,
    name: &str,
    email: Option<&str>,
    roles: &[String],
    ttl: Duration,
) -> Result<(), String> {
    if let Some(unknown) = roles.iter().find(|r| OrgRole::from_claim(r).is_none()) {
        return Err(format!(
            "unknown role `{unknown}`; roles are admin, manager, specialist, communicator and viewer"
        ));
    }
    let keys =
        keys::keys_with(settings, keys::GeneratedSecret::MustExist).map_err(|e| e.to_string())?;
    let issuer = keys.issuer.ok_or(
        "no HS256 secret: this server verifies tokens from your identity provider (auth.public_keys, auth.jwks_url or auth.discovery); get a token there",
    )?;
    let token = issuer
        .issue(sub, name, email, roles, ttl)
        .map_err(|e| format!("cannot sign the token: {e}"))?;
    println!("{token}");
    Ok(())
}
