//! Keys from the provider's published key set, fetched over HTTPS from the tests' own
//! provider: rotation through an unknown `kid`, at most one fetch a minute for unknown
//! `kid`s, stale keys kept while the provider is down, a start while it is down, and each
//! key's pinned algorithm.

use std::time::{Duration, Instant};

use hindsight::config::Settings;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::provider::{Provider, SigningKey, claims};
use crate::support::{Backend, TestApp};

pub async fn app_trusting(provider: &Provider, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let (jwks_url, ca_file) = (provider.jwks_url(), provider.ca_file());
    TestApp::spawn_with(Backend::Sqlite, move |s| {
        s.auth.hs256_secret = None;
        s.auth.jwks_url = Some(jwks_url);
        s.auth.ca_file = Some(ca_file);
        configure(s);
    })
    .await
}

pub async fn roles_of(app: &TestApp, token: &str) -> Value {
    app.ok(token, "{ viewer { id roles } }", json!({})).await["viewer"]["roles"].clone()
}

/// Refused with UNAUTHENTICATED, nothing executed; the message.
pub async fn refused(app: &TestApp, token: &str, why: &str) -> String {
    let (status, body) = app.gql(token, "{ viewer { id } }", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{why}: {body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{why}: {body}"
    );
    body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_key_is_fetched_when_a_token_names_it() {
    let (a, b) = (SigningKey::a(), SigningKey::b());
    let provider = Provider::start(&[&a]).await;
    let app = app_trusting(&provider, |_| {}).await;
    assert_eq!(provider.key_set_fetches(), 1, "fetched once at start");
    assert_eq!(
        roles_of(&app, &a.token("u-a", json!({}))).await,
        json!(["SPECIALIST"])
    );
    assert_eq!(provider.key_set_fetches(), 1, "a known kid fetches nothing");

    // The provider rotates: B replaces A.
    provider.publish(&[&b]);
    assert_eq!(
        roles_of(&app, &b.token("u-b", json!({ "roles": ["manager"] }))).await,
        json!(["MANAGER"]),
        "the unknown kid made the server fetch the new key set"
    );
    assert_eq!(provider.key_set_fetches(), 2);
    app.ok(&b.token("u-b", json!({})), "{ viewer { id } }", json!({}))
        .await;
    assert_eq!(provider.key_set_fetches(), 2, "B is known now");
    // A left the set, so its tokens no longer pass.
    let message = refused(&app, &a.token("u-a", json!({})), "a retired key").await;
    assert!(message.contains("kid"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_kids_cause_at_most_one_fetch_a_minute() {
    let (a, b) = (SigningKey::a(), SigningKey::b());
    let provider = Provider::start(&[&a]).await;
    let app = app_trusting(&provider, |_| {}).await;
    assert_eq!(provider.key_set_fetches(), 1);
    // Tokens naming kids nobody publishes, all at once: one fetch, shared.
    let mut made_up = b.clone();
    let burst: Vec<String> = (0..20)
        .map(|i| {
            made_up.kid = format!("made-up-{i}");
            made_up.token("u-x", json!({}))
        })
        .collect();
    let answers = futures::future::join_all(
        burst
            .iter()
            .map(|t| app.gql(t, "{ viewer { id } }", json!({}))),
    )
    .await;
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::UNAUTHORIZED, "{body}");
    }
    assert_eq!(
        provider.key_set_fetches(),
        2,
        "one fetch for the whole burst"
    );
    // More of them within the minute fetch nothing, even once the kid is really published.
    provider.publish(&[&a, &b]);
    for t in burst.iter().take(5) {
        refused(&app, t, "a made-up kid").await;
    }
    refused(&app, &b.token("u-b", json!({})), "B, within the minute").await;
    assert_eq!(
        provider.key_set_fetches(),
        2,
        "no second fetch within a minute"
    );
    // Known keys are unaffected.
    app.ok(&a.token("u-a", json!({})), "{ viewer { id } }", json!({}))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_fetched_before_keep_working_while_the_provider_is_down() {
    let (a, b) = (SigningKey::a(), SigningKey::b());
    let provider = Provider::start(&[&a]).await;
    let app = app_trusting(&provider, |_| {}).await;
    provider.set_down(true);
    // A new kid makes the server try, and fail: the keys it had stay.
    refused(
        &app,
        &b.token("u-b", json!({})),
        "B while the provider is down",
    )
    .await;
    assert_eq!(provider.key_set_fetches(), 2, "the server did try");
    assert_eq!(
        roles_of(&app, &a.token("u-a", json!({}))).await,
        json!(["SPECIALIST"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_set_with_no_usable_key_does_not_replace_the_keys() {
    let (a, b) = (SigningKey::a(), SigningKey::b());
    let provider = Provider::start(&[&a]).await;
    let app = app_trusting(&provider, |_| {}).await;
    // Only a symmetric key: a published set never holds an HS256 secret.
    provider.publish_raw(
        json!({ "keys": [{ "kty": "oct", "kid": "key-b", "k": "c2VjcmV0", "alg": "HS256" }] }),
    );
    let hs = {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("key-b".into());
        jsonwebtoken::encode(
            &header,
            &claims("u-h", json!({})),
            &EncodingKey::from_secret(b"secret"),
        )
        .expect("sign")
    };
    let message = refused(&app, &hs, "HS256 through a published oct key").await;
    assert!(message.contains("kid"), "{message}");
    assert_eq!(
        provider.key_set_fetches(),
        2,
        "the server did fetch the set"
    );
    refused(&app, &b.token("u-b", json!({})), "B is not published").await;
    app.ok(&a.token("u-a", json!({})), "{ viewer { id } }", json!({}))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_starts_while_the_provider_is_down_and_uses_it_once_up() {
    let a = SigningKey::a();
    let provider = Provider::not_yet_listening(&[&a]);
    let started = Instant::now();
    let app = app_trusting(&provider, |_| {}).await;
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "the start does not wait long for a provider that is down"
    );
    // Serving, and ready: alert intake and the status page need no provider.
    let ready = app
        .client
        .get(format!("{}/readyz", app.url))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), StatusCode::OK);
    let token = a.token("u-a", json!({}));
    refused(&app, &token, "no keys yet").await;
    provider.listen().await;
    // The background retry (1 s, then 2 s, 4 s...) fetches the keys.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = app.gql(&token, "{ viewer { id } }", json!({})).await;
        if status == StatusCode::OK {
            assert_eq!(body["data"]["viewer"]["id"], "u-a");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the keys were not fetched once the provider was up: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_key_accepts_only_its_pinned_algorithm() {
    let (a, b) = (SigningKey::a(), SigningKey::b());
    let provider = Provider::start(&[&a, &b]).await;
    let app = app_trusting(&provider, |_| {}).await;
    app.ok(&a.token("u-a", json!({})), "{ viewer { id } }", json!({}))
        .await;
    // A published without `alg` is pinned to RS256 by its type; B says RS256.
    for (key, alg) in [
        (&a, Algorithm::RS384),
        (&a, Algorithm::PS256),
        (&b, Algorithm::RS512),
    ] {
        let message = refused(&app, &key.token_as(alg, "u-x", json!({})), "another alg").await;
        assert!(message.contains("algorithm"), "{alg:?}: {message}");
    }
    // The classic confusion: HS256 keyed with the public key, naming A's kid.
    let public_pem = include_str!("../../fixtures/rsa-public.pem");
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(a.kid.clone());
    let confused = jsonwebtoken::encode(
        &header,
        &claims("u-x", json!({})),
        &EncodingKey::from_secret(public_pem.as_bytes()),
    )
    .expect("sign");
    refused(&app, &confused, "HS256 with the public key").await;
    assert_eq!(
        provider.key_set_fetches(),
        1,
        "a known kid with the wrong algorithm fetches nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_certificate_nobody_trusts_is_refused() {
    let a = SigningKey::a();
    let provider = Provider::start(&[&a]).await;
    let jwks_url = provider.jwks_url();
    // Without auth.ca_file the test CA is trusted by nothing: no keys are fetched.
    let app = TestApp::spawn_with(Backend::Sqlite, move |s| {
        s.auth.hs256_secret = None;
        s.auth.jwks_url = Some(jwks_url);
    })
    .await;
    refused(&app, &a.token("u-a", json!({})), "untrusted provider").await;
    assert_eq!(
        provider.key_set_fetches(),
        0,
        "the TLS handshake failed before any request"
    );
    // A CA file that holds no certificate stops the start, naming the setting.
    let dir = tempfile::tempdir().expect("tempdir");
    let bogus = dir.path().join("ca.pem");
    std::fs::write(&bogus, "not a certificate").expect("write");
    let mut settings = crate::support::test_settings(dir.path());
    settings.auth.jwks_url = Some(provider.jwks_url());
    settings.auth.ca_file = Some(bogus);
    let err = hindsight::app::build(&settings)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("auth.ca_file"), "{err}");
}
