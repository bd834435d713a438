//! GraphiQL served from the binary: the page's Content-Security-Policy and its pinned asset
//! URLs with integrity hashes, each asset's type, caching and body (hashed as a browser
//! checks it), and nothing of it while `graphql.graphiql` is off.

use base64::Engine;
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH,
};
use sha2::{Digest, Sha384};

use crate::support::{Backend, TestApp};

/// What Chromium sends when it opens a page.
pub const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// A `<script src>` or `<link href>` of the page, with its `integrity` attribute.
#[derive(Debug)]
struct Subresource {
    url: String,
    integrity: String,
}

/// The value of `name="…"` inside `tag`.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = start + tag[start..].find('"')?;
    Some(tag[start..end].to_owned())
}

/// Every script and stylesheet the page loads.
fn subresources(page: &str) -> Vec<Subresource> {
    let mut found = Vec::new();
    for (open, source) in [("<script", "src"), ("<link", "href")] {
        for (at, _) in page.match_indices(open) {
            let tag = &page[at..at + page[at..].find('>').expect("a closed tag")];
            let Some(url) = attribute(tag, source) else {
                continue;
            };
            // The icon link is `data:,` (no request at all).
            if open == "<link" && attribute(tag, "rel").as_deref() != Some("stylesheet") {
                continue;
            }
            let integrity = attribute(tag, "integrity")
                .unwrap_or_else(|| panic!("{url} is loaded without an integrity attribute"));
            found.push(Subresource { url, integrity });
        }
    }
    found
}

fn sri(body: &[u8]) -> String {
    let digest = Sha384::digest(body);
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

async fn page(app: &TestApp) -> reqwest::Response {
    app.client
        .get(format!("{}/graphql", app.url))
        .header(ACCEPT, BROWSER_ACCEPT)
        .send()
        .await
        .expect("an answer")
}

fn header<'a>(res: &'a reqwest::Response, name: &reqwest::header::HeaderName) -> &'a str {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_loads_pinned_assets_from_this_server_under_a_strict_policy() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let res = page(&app).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(header(&res, &CONTENT_TYPE).starts_with("text/html"));
    let policy = header(&res, &CONTENT_SECURITY_POLICY).to_owned();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(
            policy.split(';').any(|d| d.trim() == directive),
            "{directive:?} missing from {policy:?}"
        );
    }
    assert!(
        !policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"),
        "{policy}"
    );
    assert!(!policy.contains("http"), "no other origin: {policy}");

    let body = res.text().await.expect("the page");
    assert!(body.contains("id=\"graphiql\""), "{body}");
    assert!(
        !body.contains("<script>") && !body.contains("<style"),
        "nothing inline: {body}"
    );
    let loaded = subresources(&body);
    let urls: Vec<&str> = loaded.iter().map(|s| s.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "/graphiql/assets/react-18.3.1.production.min.js",
            "/graphiql/assets/react-dom-18.3.1.production.min.js",
            "/graphiql/assets/graphiql-3.9.0.min.js",
            "/graphiql/assets/hindsight-graphiql.js",
            "/graphiql/assets/graphiql-3.9.0.min.css",
        ],
        "the pinned versions, from this server"
    );
    assert!(
        !body.contains("//"),
        "no absolute or protocol-relative URL: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_asset_has_its_type_its_integrity_hash_and_cache_policy() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let body = page(&app).await.text().await.expect("the page");
    for asset in subresources(&body) {
        let url = format!("{}{}", app.url, asset.url);
        let res = app.client.get(&url).send().await.expect("an answer");
        assert_eq!(res.status(), StatusCode::OK, "{url}");
        let content_type = header(&res, &CONTENT_TYPE).to_owned();
        let expected_type = if asset.url.ends_with(".css") {
            "text/css; charset=utf-8"
        } else {
            "text/javascript; charset=utf-8"
        };
        assert_eq!(content_type, expected_type, "{url}");
        assert_eq!(
            header(&res, &"x-content-type-options".parse().unwrap()),
            "nosniff"
        );
        let cache = header(&res, &CACHE_CONTROL).to_owned();
        if asset.url.contains("hindsight-graphiql") {
            assert_eq!(cache, "no-cache", "{url}: ours changes between builds");
        } else {
            assert!(
                cache.contains("max-age=31536000") && cache.contains("immutable"),
                "{url}: {cache}"
            );
        }
        let etag = header(&res, &ETAG).to_owned();
        let bytes = res.bytes().await.expect("the asset");
        assert!(bytes.len() > 500, "{url}: {} bytes", bytes.len());
        assert_eq!(
            sri(&bytes),
            asset.integrity,
            "{url}: the body a browser would check"
        );

        let again = app
            .client
            .get(&url)
            .header(IF_NONE_MATCH, &etag)
            .send()
            .await
            .expect("an answer");
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{url}");
    }

    for missing in ["nope.js", "graphiql-3.8.0.min.js", "..%2FCargo.toml", "%00"] {
        let url = format!("{}/graphiql/assets/{missing}", app.url);
        let res = app.client.get(&url).send().await.expect("an answer");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{url}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_of_graphiql_is_served_while_it_is_off() {
    let on = TestApp::spawn(Backend::Sqlite).await;
    let body = page(&on).await.text().await.expect("the page");
    let assets = subresources(&body);
    assert_eq!(assets.len(), 5, "{body}");

    let off = TestApp::spawn_with(Backend::Sqlite, |s| s.graphql.graphiql = false).await;
    let res = page(&off).await;
    assert!(
        !header(&res, &CONTENT_TYPE).starts_with("text/html"),
        "GraphiQL was switched off"
    );
    for asset in assets {
        let url = format!("{}{}", off.url, asset.url);
        let res = off.client.get(&url).send().await.expect("an answer");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{url}");
    }
}
