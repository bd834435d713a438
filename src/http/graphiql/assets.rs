//! GraphiQL's browser files, embedded in the binary at build time and served under
//! `/graphiql/assets/`, so the page needs nothing from outside: it works offline and behind
//! a proxy. `vendor/VERSIONS` says which npm package and exact version each file comes from
//! (`vendor/update.sh` fetches them again and checks their hashes).

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub const PREFIX: &str = "/graphiql/assets/";

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// A vendored file never changes under its versioned name: browsers may keep it for a year.
const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";
/// Our own script changes between builds under the same name: revalidate (its ETag) each time.
const REVALIDATE: &str = "no-cache";

pub struct Asset {
    /// The file name under [`PREFIX`]; a vendored file's carries its package version.
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
    /// The Subresource Integrity value of `body` (sha384), written into the page's tags. The
    /// unit test below recomputes it, and prints the new value after a file changes.
    pub integrity: &'static str,
    pub immutable: bool,
}

impl Asset {
    pub fn url(&self) -> String {
        format!("{PREFIX}{}", self.name)
    }
}

pub const REACT: Asset = Asset {
    name: "react-18.3.1.production.min.js",
    content_type: JAVASCRIPT,
    body: include_bytes!("vendor/react-18.3.1.production.min.js"),
    integrity: "sha384-DGyLxAyjq0f9SPpVevD6IgztCFlnMF6oW/XQGmfe+IsZ8TqEiDrcHkMLKI6fiB/Z",
    immutable: true,
};

pub const REACT_DOM: Asset = Asset {
    name: "react-dom-18.3.1.production.min.js",
    content_type: JAVASCRIPT,
    body: include_bytes!("vendor/react-dom-18.3.1.production.min.js"),
    integrity: "sha384-gTGxhz21lVGYNMcdJOyq01Edg0jhn/c22nsx0kyqP0TxaV5WVdsSH1fSDUf5YJj1",
    immutable: true,
};

/// GraphiQL's browser build: it bundles graphql-js and the graphql-ws client (what its
/// fetcher uses for `subscriptionUrl`), and takes React and ReactDOM from the globals above.
pub const GRAPHIQL_JS: Asset = Asset {
    name: "graphiql-3.9.0.min.js",
    content_type: JAVASCRIPT,
    body: include_bytes!("vendor/graphiql-3.9.0.min.js"),
    integrity: "sha384-8NGfVj4CVlqHajlZj+bPJT4thxPMHMJYn7DWK2CvtopLd02E7qsPHazniBYvVjOO",
    immutable: true,
};

/// Its fonts and images are inlined as `data:` URLs.
pub const GRAPHIQL_CSS: Asset = Asset {
    name: "graphiql-3.9.0.min.css",
    content_type: CSS,
    body: include_bytes!("vendor/graphiql-3.9.0.min.css"),
    integrity: "sha384-QMux00XgRtwRLSYIY3kw2rj1ovk5AuuliAchk+HSQbqdbGFnz9GYuqIlOqxhwCE2",
    immutable: true,
};

/// Ours: starts GraphiQL with the endpoint and the subscription URL.
pub const PAGE_JS: Asset = Asset {
    name: "hindsight-graphiql.js",
    content_type: JAVASCRIPT,
    body: include_bytes!("page.js"),
    integrity: "sha384-XoS95PXfvZi/n+DA+iexUUzGkHPnmyEDBkSRYHiugPUOgeB6HMZxUcAdk3wF9Ass",
    immutable: false,
};

pub const ALL: [&Asset; 5] = [&REACT, &REACT_DOM, &GRAPHIQL_JS, &GRAPHIQL_CSS, &PAGE_JS];

/// `GET /graphiql/assets/{name}` (routed only while GraphiQL is on).
pub async fn serve(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some(asset) = ALL.into_iter().find(|a| a.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{}\"", asset.integrity);
    let cache = if asset.immutable {
        CACHE_FOREVER
    } else {
        REVALIDATE
    };
    let common = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, cache.to_owned()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
    ];
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if unchanged {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        )],
        common,
        asset.body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use sha2::{Digest, Sha256, Sha384};

    use super::*;

    fn sri(body: &[u8]) -> String {
        let digest = Sha384::digest(body);
        format!(
            "sha384-{}",
            base64::engine::general_purpose::STANDARD.encode(digest)
        )
    }

    #[test]
    fn each_integrity_value_is_the_hash_of_its_file() {
        for asset in ALL {
            assert_eq!(
                asset.integrity,
                sri(asset.body),
                "{}: its file changed; put the new value in assets.rs",
                asset.name
            );
        }
    }

    /// What update.sh checks against npm is what the binary embeds.
    #[test]
    fn vendored_files_are_the_ones_listed_in_versions_and_sha256sums() {
        let versions = include_str!("vendor/VERSIONS");
        let sums = include_str!("vendor/SHA256SUMS");
        for asset in ALL.iter().filter(|a| a.immutable) {
            assert!(
                versions
                    .lines()
                    .any(|line| line.split_whitespace().nth(2) == Some(asset.name)),
                "{} is not in vendor/VERSIONS",
                asset.name
            );
            let line = format!(
                "{}  {}",
                hex::encode(Sha256::digest(asset.body)),
                asset.name
            );
            assert!(
                sums.lines().any(|l| l == line),
                "{} does not match vendor/SHA256SUMS",
                asset.name
            );
        }
        let names: Vec<&str> = ALL.iter().map(|a| a.name).collect();
        for (i, name) in names.iter().enumerate() {
            assert!(!names[i + 1..].contains(name), "{name} twice");
        }
    }
}
