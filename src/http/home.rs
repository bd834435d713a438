//! `/`: a small page for whoever opens the server's address in a browser, pointing to what is
//! there (GraphiQL, the status page, health) instead of a bare 404. No token needed; it says
//! nothing about incidents.

use axum::extract::State;
use axum::response::Html;
use maud::{DOCTYPE, html};

use super::AppState;

pub async fn page(State(state): State<AppState>) -> Html<String> {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "hindsight" }
            }
            body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem" {
                h1 { "hindsight" }
                p { "An incident-management server. Its API is GraphQL." }
                ul {
                    @if state.graphiql {
                        li { a href="/graphql" { "GraphiQL" } ": explore the API in the browser (put a token in its Headers tab)" }
                    }
                    li { code { "POST /graphql" } ", " code { "GET /graphql/ws" } ": the API over HTTP and websockets" }
                    li { a href="/status" { "Status page" } ": what is affected now, for everyone" }
                    li { a href="/readyz" { "Readiness" } " and " a href="/healthz" { "liveness" } " probes" }
                }
                p { "Operators: see the README that ships with hindsight for configuration." }
            }
        }
    };
    Html(page.into_string())
}
