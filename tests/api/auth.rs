//! Authentication through the API: every kind of bad token is refused with UNAUTHENTICATED
//! (HTTP 401, nothing executed), identity-provider keys work, and roles grant only what the
//! policy says.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, SECRET, TestApp};

const RSA_PRIVATE: &str = include_str!("../fixtures/rsa-private.pem");
const RSA_PUBLIC: &str = include_str!("../fixtures/rsa-public.pem");
const EC_PRIVATE: &str = include_str!("../fixtures/ec-private.pem");
const EC_PUBLIC: &str = include_str!("../fixtures/ec-public.pem");
const ED_PRIVATE: &str = include_str!("../fixtures/ed25519-private.pem");
const ED_PUBLIC: &str = include_str!("../fixtures/ed25519-public.pem");

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(extra: Value) -> Value {
    let mut c = json!({ "sub": "u-1", "name": "Ada", "roles": ["specialist"], "exp": now() + 600 });
    if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            if v.is_null() {
                c.remove(k);
            } else {
                c.insert(k.clone(), v.clone());
            }
        }
    }
    c
}

fn hs256(secret: &str, claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

fn signed(alg: Algorithm, key: EncodingKey, claims: &Value) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &key).expect("sign")
}

async fn assert_refused(app: &TestApp, token: &str, why: &str) -> String {
    let (status, body) = app.gql(token, "{ viewer { id } }", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{why}: {body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{why}: {body}"
    );
    assert!(
        body.get("data").is_none(),
        "{why}: nothing may execute: {body}"
    );
    body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

on_both_databases!(
    bad_tokens_are_refused,
    issuer_and_audience_are_checked_when_configured
);

async fn bad_tokens_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_refused(&app, "", "no token").await;
    assert_refused(&app, "not-a-jwt", "garbage").await;
    let other_key = hs256(
        "another-secret-that-is-also-long-enough",
        &claims(json!({})),
    );
    let message = assert_refused(&app, &other_key, "signed with another key").await;
    assert!(message.contains("signature"), "{message}");

    let expired = hs256(SECRET, &claims(json!({ "exp": now() - 120 })));
    let message = assert_refused(&app, &expired, "expired").await;
    assert!(message.contains("expired"), "{message}");
    // Within the 30 s clock leeway a token is still good.
    let just_expired = hs256(SECRET, &claims(json!({ "exp": now() - 5 })));
    app.ok(&just_expired, "{ viewer { id } }", json!({})).await;

    let no_exp = hs256(SECRET, &claims(json!({ "exp": null })));
    assert_refused(&app, &no_exp, "no exp").await;
    let string_exp = hs256(SECRET, &claims(json!({ "exp": "99999999999" })));
    assert_refused(&app, &string_exp, "exp as a string").await;
    let no_sub = hs256(SECRET, &claims(json!({ "sub": null })));
    assert_refused(&app, &no_sub, "no sub").await;

    // alg none: a header and claims with an empty signature.
    use base64::Engine;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let none = format!(
        "{}.{}.",
        b64(&json!({ "alg": "none", "typ": "JWT" })),
        b64(&claims(json!({})))
    );
    assert_refused(&app, &none, "alg none").await;

    // Algorithm confusion needs a public key configured; see `only_the_configured_algorithms`.
    let res = app
        .client
        .post(format!("{}/graphql", app.url))
        .header("authorization", "Basic dTpw")
        .json(&json!({ "query": "{ viewer { id } }" }))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

async fn issuer_and_audience_are_checked_when_configured(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.auth.issuer = Some("https://idp.example".into());
        s.auth.audience = Some("hindsight".into());
    })
    .await;
    let good = hs256(
        SECRET,
        &claims(json!({ "iss": "https://idp.example", "aud": "hindsight" })),
    );
    app.ok(&good, "{ viewer { id } }", json!({})).await;
    let wrong_aud = hs256(
        SECRET,
        &claims(json!({ "iss": "https://idp.example", "aud": "other" })),
    );
    assert!(
        assert_refused(&app, &wrong_aud, "wrong aud")
            .await
            .contains("aud")
    );
    let wrong_iss = hs256(
        SECRET,
        &claims(json!({ "iss": "https://evil.example", "aud": "hindsight" })),
    );
    assert!(
        assert_refused(&app, &wrong_iss, "wrong iss")
            .await
            .contains("iss")
    );
    let missing = hs256(SECRET, &claims(json!({})));
    assert_refused(&app, &missing, "no iss/aud").await;
    // jsonwebtoken alone accepts an array that contains the issuer; `iss` is a string.
    let iss_array = hs256(
        SECRET,
        &claims(
            json!({ "iss": ["https://evil.example", "https://idp.example"], "aud": "hindsight" }),
        ),
    );
    assert!(
        assert_refused(&app, &iss_array, "iss as an array")
            .await
            .contains("iss")
    );
}

on_both_databases!(claims_with_a_nul_character_are_refused);

/// PostgreSQL refuses text holding U+0000, and the user is recorded from these claims: such
/// a token was a 500 on every request it made.
async fn claims_with_a_nul_character_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for claim in ["sub", "name", "email"] {
        let token = hs256(SECRET, &claims(json!({ claim: "a\u{0}b" })));
        let message = assert_refused(&app, &token, claim).await;
        assert!(message.contains("NUL"), "{claim}: {message}");
    }
    let long_email = hs256(SECRET, &claims(json!({ "email": "e".repeat(400) })));
    assert_refused(&app, &long_email, "a 400-byte email").await;
    // The same claims without the NUL sign in.
    let fine = hs256(
        SECRET,
        &claims(json!({ "name": "a b", "email": "a@example.com" })),
    );
    app.ok(&fine, "{ viewer { id } }", json!({})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_configured_algorithms_are_accepted() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| {
        s.auth.hs256_secret = None;
        s.auth.public_keys = vec![
            hindsight::config::PublicKey {
                algorithm: "RS256".into(),
                kid: None,
                pem: RSA_PUBLIC.into(),
            },
            hindsight::config::PublicKey {
                algorithm: "ES256".into(),
                kid: None,
                pem: EC_PUBLIC.into(),
            },
            hindsight::config::PublicKey {
                algorithm: "EdDSA".into(),
                kid: None,
                pem: ED_PUBLIC.into(),
            },
        ];
    })
    .await;
    let c = claims(json!({}));
    for (alg, key) in [
        (
            Algorithm::RS256,
            EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).expect("rsa"),
        ),
        (
            Algorithm::ES256,
            EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).expect("ec"),
        ),
        (
            Algorithm::EdDSA,
            EncodingKey::from_ed_pem(ED_PRIVATE.as_bytes()).expect("ed"),
        ),
    ] {
        let token = signed(alg, key, &c);
        let data = app.ok(&token, "{ viewer { id roles } }", json!({})).await;
        assert_eq!(data["viewer"]["roles"], json!(["SPECIALIST"]), "{alg:?}");
    }
    // With only public keys configured, HS256 is not accepted at all, not even with the
    // secret the server would otherwise generate...
    assert_refused(&app, &hs256(SECRET, &c), "HS256 with RS256 configured").await;
    // ...and the classic confusion attack, HS256 keyed with the RSA public key, fails too.
    assert_refused(&app, &hs256(RSA_PUBLIC, &c), "algorithm confusion").await;
    // RS384 is the right family but not the configured algorithm.
    let rs384 = signed(
        Algorithm::RS384,
        EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).expect("rsa"),
        &c,
    );
    assert_refused(&app, &rs384, "RS384 when RS256 is pinned").await;
}

on_both_databases!(
    tokens_without_known_roles_grant_nothing,
    users_are_recorded_when_first_seen
);

async fn tokens_without_known_roles_grant_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let someone = app.token("u-0", &["viewer"]);
    let id = app.report(&someone, "Something").await;
    for roles in [&[][..], &["wizard"][..], &["ADMINISTRATOR", "root"][..]] {
        let token = app.token("u-9", roles);
        // Authenticated: they can see who they are...
        let data = app.ok(&token, "{ viewer { id roles } }", json!({})).await;
        assert_eq!(data["viewer"]["roles"], json!([]), "{roles:?}");
        // ...but nothing else.
        let (code, _) = app
            .error_code(&token, "{ incidents { totalCount } }", json!({}))
            .await;
        assert_eq!(code, "FORBIDDEN", "{roles:?}");
        let (code, _) = app
            .error_code(
                &token,
                "query($id: ID!) { incident(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            code, "NOT_FOUND",
            "{roles:?}: an incident they may not see does not exist for them"
        );
        let (code, _) = app
            .error_code(
                &token,
                "mutation { reportIncident(input: { title: \"x\", service: \"y\" }) { id } }",
                json!({}),
            )
            .await;
        assert_eq!(code, "FORBIDDEN", "{roles:?}");
    }
}

async fn users_are_recorded_when_first_seen(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = app.token("u-5", &["viewer"]);
    let id = app.report(&first, "Something").await;
    let query = "query($id: ID!) { incident(id: $id) { reporter { id name email } } }";
    let data = app.ok(&first, query, json!({ "id": id })).await;
    assert_eq!(
        data["incident"]["reporter"],
        json!({ "id": "u-5", "name": "User u-5", "email": null })
    );
    // A later token with a new name and email updates the record.
    let renamed = hs256(
        SECRET,
        &json!({ "sub": "u-5", "name": "Grace", "email": "g@example.org", "roles": ["viewer"], "exp": now() + 60 }),
    );
    let data = app.ok(&renamed, query, json!({ "id": id })).await;
    assert_eq!(data["incident"]["reporter"]["name"], "Grace");
    assert_eq!(data["incident"]["reporter"]["email"], "g@example.org");
}
