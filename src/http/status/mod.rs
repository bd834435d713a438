//! The public status page: `/status` (HTML) and `/status.json`. No token: everything on it is
//! meant for anyone. Both come from one cached refresh (see `cache`).

pub mod cache;
pub mod html;
pub mod json;
pub mod markdown;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub use cache::StatusCache;

use super::AppState;

pub async fn page(State(state): State<AppState>) -> Response {
    respond(&state, "text/html; charset=utf-8", |r| r.html.clone()).await
}

pub async fn page_json(State(state): State<AppState>) -> Response {
    respond(&state, "application/json", |r| r.json.clone()).await
}

async fn respond(
    state: &AppState,
    content_type: &'static str,
    pick: impl Fn(&cache::Rendered) -> Bytes,
) -> Response {
    let cache = &state.status_page;
    match cache.get(&state.services).await {
        Ok(rendered) => {
            let max_age = format!("public, max-age={}", cache.max_age_seconds());
            let cache_control = HeaderValue::from_str(&max_age)
                .unwrap_or_else(|_| HeaderValue::from_static("no-store"));
            (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                    (header::CACHE_CONTROL, cache_control),
                ],
                pick(&rendered),
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "status page unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [
                    (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                "The status page is temporarily unavailable. Please try again shortly.",
            )
                .into_response()
        }
    }
}
