//! Identity from a real provider: roles from where each provider puts them (`roles`), keys
//! from a key set fetched over HTTPS and kept fresh (`jwks`), found through OIDC discovery
//! (`discovery`); `provider` is the tests' own HTTPS identity provider.

mod discovery;
mod jwks;
mod provider;
mod roles;
