//! Keycloak-, Auth0- and Okta-shaped tokens give the right roles through `auth.roles_claim`
//! (a name or a dotted path) and `auth.role_map`.

use std::collections::BTreeMap;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, SECRET, TestApp};

fn token(claims: Value) -> String {
    let mut claims = claims;
    claims["sub"] = "u-idp".into();
    claims["exp"] = (chrono::Utc::now().timestamp() + 600).into();
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("sign")
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

async fn roles(app: &TestApp, claims: Value) -> Value {
    app.ok(&token(claims), "{ viewer { roles } }", json!({}))
        .await["viewer"]["roles"]
        .clone()
}

on_both_databases!(
    keycloak_realm_roles_by_path,
    auth0_namespaced_claim,
    okta_groups
);

async fn keycloak_realm_roles_by_path(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.auth.roles_claim = "realm_access.roles".into();
        s.auth.role_map = map(&[("incident-commanders", "manager")]);
    })
    .await;
    let keycloak = json!({
        "realm_access": { "roles": ["offline_access", "uma_authorization", "incident-commanders", "viewer"] },
        "resource_access": { "account": { "roles": ["manage-account"] } },
        "roles": ["admin"],
    });
    // The mapped group and a plain role name count; the top-level `roles` is not read.
    assert_eq!(roles(&app, keycloak).await, json!(["MANAGER", "VIEWER"]));
    // The roles take effect: a manager may list incidents, a user with none may not.
    let manager = token(json!({ "realm_access": { "roles": ["incident-commanders"] } }));
    app.ok(&manager, "{ incidents { totalCount } }", json!({}))
        .await;
    let nobody = token(json!({ "realm_access": { "roles": ["offline_access"] } }));
    let (code, _) = app
        .error_code(&nobody, "{ incidents { totalCount } }", json!({}))
        .await;
    assert_eq!(code, "FORBIDDEN");
    assert_eq!(
        roles(&app, json!({ "realm_access": "manager" })).await,
        json!([]),
        "a path through a string finds nothing"
    );
}

async fn auth0_namespaced_claim(backend: Backend) {
    let claim = "https://hindsight.example.com/roles";
    let app = TestApp::spawn_with(backend, |s| {
        s.auth.roles_claim = claim.into();
        s.auth.role_map = map(&[("sre-leads", "manager"), ("Support Desk", "communicator")]);
    })
    .await;
    let auth0 = json!({ claim: ["sre-leads", "Support Desk", "billing"], "roles": ["admin"] });
    assert_eq!(roles(&app, auth0).await, json!(["MANAGER", "COMMUNICATOR"]));
    // One role as a string.
    assert_eq!(
        roles(&app, json!({ claim: "Support Desk" })).await,
        json!(["COMMUNICATOR"])
    );
}

async fn okta_groups(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.auth.roles_claim = "groups".into();
        s.auth.role_map = map(&[
            ("hindsight-admins", "admin"),
            ("hindsight-oncall", "specialist"),
        ]);
    })
    .await;
    let okta = json!({ "groups": ["Everyone", "hindsight-oncall", "hindsight-admins"] });
    assert_eq!(roles(&app, okta).await, json!(["ADMIN", "SPECIALIST"]));
    assert_eq!(
        roles(&app, json!({ "groups": ["Everyone", "HINDSIGHT-ADMINS"] })).await,
        json!([]),
        "group names match as the provider spells them"
    );
}
