//! OIDC discovery: with `auth.discovery`, the key set's address comes from the issuer's
//! `/.well-known/openid-configuration`, whose `issuer` must be the configured one.

use serde_json::json;

use super::jwks::{refused, roles_of};
use super::provider::{Provider, SigningKey};
use crate::support::{Backend, TestApp};

async fn app_discovering(provider: &Provider) -> TestApp {
    let (issuer, ca_file) = (provider.issuer(), provider.ca_file());
    TestApp::spawn_with(Backend::Sqlite, move |s| {
        s.auth.hs256_secret = None;
        s.auth.issuer = Some(issuer);
        s.auth.audience = Some("hindsight".into());
        s.auth.discovery = true;
        s.auth.ca_file = Some(ca_file);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_set_is_found_through_discovery() {
    let (a, b) = (SigningKey::a(), SigningKey::b());
    let provider = Provider::start(&[&a]).await;
    let app = app_discovering(&provider).await;
    assert_eq!(provider.discovery_fetches(), 1);
    assert_eq!(provider.key_set_fetches(), 1);
    let claims = json!({ "iss": provider.issuer(), "aud": "hindsight" });
    assert_eq!(
        roles_of(&app, &a.token("u-a", claims.clone())).await,
        json!(["SPECIALIST"])
    );
    // Rotation works the same way; the key set's address is remembered.
    provider.publish(&[&a, &b]);
    roles_of(&app, &b.token("u-b", claims.clone())).await;
    assert_eq!(provider.key_set_fetches(), 2);
    assert_eq!(provider.discovery_fetches(), 1);
    // The issuer is still checked on every token.
    let message = refused(
        &app,
        &a.token(
            "u-a",
            json!({ "iss": "https://other.example", "aud": "hindsight" }),
        ),
        "another issuer",
    )
    .await;
    assert!(message.contains("iss"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discovery_document_for_another_issuer_is_not_used() {
    let a = SigningKey::a();
    let provider = Provider::start(&[&a]).await;
    provider.claim_issuer("https://impostor.example");
    let app = app_discovering(&provider).await;
    assert_eq!(provider.discovery_fetches(), 1);
    assert_eq!(
        provider.key_set_fetches(),
        0,
        "its jwks_uri was not followed"
    );
    let claims = json!({ "iss": provider.issuer(), "aud": "hindsight" });
    refused(
        &app,
        &a.token("u-a", claims),
        "keys from a foreign document",
    )
    .await;
}
