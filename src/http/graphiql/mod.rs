//! GraphiQL, served from the binary: the page a browser gets for `GET /graphql` (when
//! `graphql.graphiql` is on), and its files under `/graphiql/assets/` (`assets.rs`). Nothing
//! is loaded from another origin, and the page's Content-Security-Policy forbids it.

pub mod assets;

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, html};

use assets::{Asset, GRAPHIQL_CSS, GRAPHIQL_JS, PAGE_JS, REACT, REACT_DOM};

/// Scripts and styles from this server only, and no inline script; requests (HTTP and the
/// subscription websocket, which `'self'` covers) to this server only. GraphiQL's fonts and
/// icons are `data:` URLs in its stylesheet.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; font-src 'self' data:; img-src 'self' data:; connect-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn page() -> Response {
    let script = |asset: &Asset| {
        html! { script src=(asset.url()) integrity=(asset.integrity) {} }
    };
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "hindsight · GraphiQL" }
                // No icon, rather than a request for /favicon.ico that 404s.
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(GRAPHIQL_CSS.url()) integrity=(GRAPHIQL_CSS.integrity);
            }
            body {
                div id="graphiql" { "Loading GraphiQL…" }
                noscript { "GraphiQL needs JavaScript." }
                (script(&REACT))
                (script(&REACT_DOM))
                (script(&GRAPHIQL_JS))
                (script(&PAGE_JS))
            }
        }
    };
    (
        [
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(page.into_string()),
    )
        .into_response()
}
