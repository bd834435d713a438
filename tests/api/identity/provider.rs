//! The tests' own identity provider: HTTPS with a certificate from a CA made at test time
//! (the app trusts it through `auth.ca_file`), serving a key set the test can rotate, take
//! down and bring back, and a discovery document; it counts the key set's fetches.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use serde_json::{Value, json};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

const RSA_A: &str = include_str!("../../fixtures/rsa-private.pem");
const RSA_B: &str = include_str!("../../fixtures/rsa2-private.pem");

/// A signing key of the provider's: its private half for the test, its JWK for the set.
#[derive(Clone)]
pub struct SigningKey {
    pub kid: String,
    pub algorithm: Algorithm,
    pub encoding: EncodingKey,
    pub jwk: Jwk,
}

impl SigningKey {
    /// RSA key A, published without `alg`: pinned to RS256 by its key type.
    pub fn a() -> Self {
        Self::rsa("key-a", RSA_A, false)
    }

    /// RSA key B, published with `alg: RS256`.
    pub fn b() -> Self {
        Self::rsa("key-b", RSA_B, true)
    }

    fn rsa(kid: &str, pem: &str, with_alg: bool) -> Self {
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("rsa key");
        let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::RS256).expect("jwk");
        jwk.common.key_id = Some(kid.into());
        if !with_alg {
            jwk.common.key_algorithm = None;
        }
        Self {
            kid: kid.into(),
            algorithm: Algorithm::RS256,
            encoding,
            jwk,
        }
    }

    /// A token for `sub` (with `extra` claims), signed with this key and naming its `kid`.
    pub fn token(&self, sub: &str, extra: Value) -> String {
        self.token_as(self.algorithm, sub, extra)
    }

    /// The same, with another algorithm in the header (and the signature made with it).
    pub fn token_as(&self, algorithm: Algorithm, sub: &str, extra: Value) -> String {
        let mut header = Header::new(algorithm);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims(sub, extra), &self.encoding).expect("sign")
    }
}

pub fn claims(sub: &str, extra: Value) -> Value {
    let mut claims = json!({
        "sub": sub,
        "roles": ["specialist"],
        "exp": chrono::Utc::now().timestamp() + 600,
    });
    if let (Some(c), Some(extra)) = (claims.as_object_mut(), extra.as_object()) {
        c.extend(extra.clone());
    }
    claims
}

struct Published {
    keys: Mutex<Value>,
    /// The discovery document's `issuer`; the provider's own address when `None`.
    issuer: Mutex<Option<String>>,
    down: AtomicBool,
    key_set_fetches: AtomicUsize,
    discovery_fetches: AtomicUsize,
    base: String,
}

pub struct Provider {
    pub addr: SocketAddr,
    published: Arc<Published>,
    server: Mutex<Option<tokio::task::JoinHandle<()>>>,
    tls: TlsAcceptor,
    ca_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Provider {
    fn drop(&mut self) {
        if let Some(server) = self.server.lock().expect("lock").take() {
            server.abort();
        }
    }
}

impl Provider {
    /// Serving `keys` on a port of its own.
    pub async fn start(keys: &[&SigningKey]) -> Self {
        let provider = Self::not_yet_listening(keys);
        provider.listen().await;
        provider
    }

    /// A provider whose address is known but that does not accept connections yet (a
    /// provider that is down at the app's start); `listen` brings it up.
    pub fn not_yet_listening(keys: &[&SigningKey]) -> Self {
        let addr: SocketAddr = format!("127.0.0.1:{}", crate::support::free_port())
            .parse()
            .expect("addr");
        let dir = tempfile::tempdir().expect("tempdir");
        let (tls, ca_pem) = tls();
        let ca_file = dir.path().join("provider-ca.pem");
        std::fs::write(&ca_file, ca_pem).expect("write the CA");
        let provider = Self {
            addr,
            published: Arc::new(Published {
                keys: Mutex::new(Value::Null),
                issuer: Mutex::new(None),
                down: AtomicBool::new(false),
                key_set_fetches: AtomicUsize::new(0),
                discovery_fetches: AtomicUsize::new(0),
                base: format!("https://127.0.0.1:{}", addr.port()),
            }),
            server: Mutex::new(None),
            tls,
            ca_file,
            _dir: dir,
        };
        provider.publish(keys);
        provider
    }

    pub async fn listen(&self) {
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .expect("bind the provider's port");
        let router = Router::new()
            .route("/jwks", get(key_set))
            .route("/.well-known/openid-configuration", get(discovery))
            .with_state(self.published.clone());
        let tls = self.tls.clone();
        let server = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let (tls, router) = (tls.clone(), router.clone());
                tokio::spawn(async move {
                    let Ok(stream) = tls.accept(tcp).await else {
                        return;
                    };
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(router))
                        .await;
                });
            }
        });
        *self.server.lock().expect("lock") = Some(server);
    }

    /// The provider's address, as an issuer.
    pub fn issuer(&self) -> String {
        self.published.base.clone()
    }

    pub fn jwks_url(&self) -> String {
        format!("{}/jwks", self.published.base)
    }

    /// The PEM file holding the CA the provider's certificate is issued by.
    pub fn ca_file(&self) -> PathBuf {
        self.ca_file.clone()
    }

    /// Publishes exactly these keys from now on.
    pub fn publish(&self, keys: &[&SigningKey]) {
        let set = JwkSet {
            keys: keys.iter().map(|k| k.jwk.clone()).collect(),
        };
        self.publish_raw(serde_json::to_value(set).expect("a key set"));
    }

    pub fn publish_raw(&self, set: Value) {
        *self.published.keys.lock().expect("lock") = set;
    }

    /// Answers 503 to everything while down.
    pub fn set_down(&self, down: bool) {
        self.published.down.store(down, Ordering::SeqCst);
    }

    pub fn claim_issuer(&self, issuer: &str) {
        *self.published.issuer.lock().expect("lock") = Some(issuer.into());
    }

    pub fn key_set_fetches(&self) -> usize {
        self.published.key_set_fetches.load(Ordering::SeqCst)
    }

    pub fn discovery_fetches(&self) -> usize {
        self.published.discovery_fetches.load(Ordering::SeqCst)
    }
}

async fn key_set(State(published): State<Arc<Published>>) -> Response {
    published.key_set_fetches.fetch_add(1, Ordering::SeqCst);
    if published.down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let keys = published.keys.lock().expect("lock").clone();
    (
        [(header::CACHE_CONTROL, "public, max-age=3600")],
        axum::Json(keys),
    )
        .into_response()
}

async fn discovery(State(published): State<Arc<Published>>) -> Response {
    published.discovery_fetches.fetch_add(1, Ordering::SeqCst);
    if published.down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let issuer = published
        .issuer
        .lock()
        .expect("lock")
        .clone()
        .unwrap_or_else(|| published.base.clone());
    axum::Json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{}/jwks", published.base),
        "authorization_endpoint": format!("{}/auth", published.base),
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
    .into_response()
}

/// A CA, and a certificate it issued for 127.0.0.1 and localhost: the acceptor, and the
/// CA's certificate in PEM for `auth.ca_file`.
fn tls() -> (TlsAcceptor, String) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "hindsight test provider CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("ca key"))
        .expect("ca certificate");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("leaf params")
        .signed_by(&leaf_key, &ca)
        .expect("leaf certificate");
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .expect("server config");
    (TlsAcceptor::from(Arc::new(config)), ca.pem())
}
