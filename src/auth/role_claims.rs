//! Organisation roles from a token's claims, as each identity provider writes them.
//!
//! `auth.roles_claim` names the claim: a top-level name (`roles`, Okta's `groups`, Auth0's
//! namespaced `https://example.com/roles`) or a dotted path into nested objects (Keycloak's
//! `realm_access.roles`). The whole name is tried as a key first, so a name that itself holds
//! dots (every Auth0 namespace does) is never misread as a path.
//!
//! `auth.role_map` turns provider groups into hindsight roles (`"sre-leads" = "manager"`). A
//! value that is not mapped but is a hindsight role name (`manager`) still counts, so adding
//! a map never takes roles away from tokens that already carried them; anything else grants
//! nothing.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::OrgRole;

#[derive(Debug, Clone)]
pub struct RoleClaims {
    claim: String,
    map: HashMap<String, OrgRole>,
}

impl RoleClaims {
    pub fn new(claim: impl Into<String>, map: HashMap<String, OrgRole>) -> Self {
        Self {
            claim: claim.into(),
            map,
        }
    }

    /// The known roles the claims grant, sorted, each once.
    pub fn roles(&self, claims: &Map<String, Value>) -> Vec<OrgRole> {
        let mut roles: Vec<OrgRole> = match self.find(claims) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|v| self.role_of(v))
                .collect(),
            // Some providers send one value, or a space- or comma-separated list, as a
            // string: the whole string first (a group may hold a space), then its parts.
            Some(Value::String(s)) => match self.role_of(s) {
                Some(role) => vec![role],
                None => s
                    .split([' ', ','])
                    .filter(|part| !part.is_empty())
                    .filter_map(|part| self.role_of(part))
                    .collect(),
            },
            _ => Vec::new(),
        };
        roles.sort();
        roles.dedup();
        roles
    }

    /// The claim's value: the whole name as a key, else the name as a dotted path.
    fn find<'a>(&self, claims: &'a Map<String, Value>) -> Option<&'a Value> {
        if let Some(value) = claims.get(&self.claim) {
            return Some(value);
        }
        let mut parts = self.claim.split('.');
        let mut node = claims.get(parts.next()?)?;
        for part in parts {
            node = node.as_object()?.get(part)?;
        }
        Some(node)
    }

    fn role_of(&self, value: &str) -> Option<OrgRole> {
        let value = value.trim();
        let role = self
            .map
            .get(value)
            .copied()
            .or_else(|| OrgRole::from_claim(value));
        if role.is_none() {
            tracing::debug!(
                auth.roles_claim = %self.claim,
                auth.claim_value = value,
                "a roles claim value names no hindsight role and is not in auth.role_map; ignored"
            );
        }
        role
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    fn mapped(claim: &str, pairs: &[(&str, OrgRole)]) -> RoleClaims {
        RoleClaims::new(
            claim,
            pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        )
    }

    #[test]
    fn a_dotted_path_reaches_nested_claims() {
        let c = claims(json!({ "realm_access": { "roles": ["manager", "offline_access"] } }));
        assert_eq!(
            mapped("realm_access.roles", &[]).roles(&c),
            [OrgRole::Manager]
        );
        // A path through something that is not an object finds nothing.
        let c = claims(json!({ "realm_access": ["manager"] }));
        assert!(mapped("realm_access.roles", &[]).roles(&c).is_empty());
    }

    #[test]
    fn a_name_holding_dots_is_a_key_before_it_is_a_path() {
        let c = claims(json!({
            "https://hindsight.example.com/roles": ["admin"],
            "https://hindsight": { "example": { "com/roles": ["viewer"] } },
        }));
        assert_eq!(
            mapped("https://hindsight.example.com/roles", &[]).roles(&c),
            [OrgRole::Admin]
        );
    }

    #[test]
    fn groups_map_to_roles_and_role_names_still_count() {
        let rc = mapped(
            "groups",
            &[
                ("sre-leads", OrgRole::Manager),
                ("On Call", OrgRole::Specialist),
            ],
        );
        let c = claims(json!({ "groups": ["sre-leads", "Everyone", "viewer", 7, "sre-leads"] }));
        assert_eq!(rc.roles(&c), [OrgRole::Manager, OrgRole::Viewer]);
        // One string: the whole value first, then its parts.
        let c = claims(json!({ "groups": "On Call" }));
        assert_eq!(rc.roles(&c), [OrgRole::Specialist]);
        let c = claims(json!({ "groups": "sre-leads viewer,nobody" }));
        assert_eq!(rc.roles(&c), [OrgRole::Manager, OrgRole::Viewer]);
        // Group names are matched exactly: the map is the operator's, spelled as the
        // provider spells it.
        let c = claims(json!({ "groups": ["SRE-LEADS"] }));
        assert!(rc.roles(&c).is_empty());
        assert!(
            rc.roles(&claims(json!({ "groups": { "a": 1 } })))
                .is_empty()
        );
    }
}
