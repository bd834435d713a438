//! `GET /reviews/INC-7.md` (or `/reviews/<incident id>.md`): an incident's post-incident
//! review as one Markdown document, for pasting into a wiki. Same bearer token and rights as
//! the API; a review the caller may not read, or that does not exist, is 404 NOT_FOUND.
//! Errors have the GraphQL error shape (`errors[0].extensions.code`).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::identity::{Unidentified, identify};
use super::negotiate::MediaType;
use super::response::request_error;
use crate::domain::ids::IncidentRef;
use crate::graphql::error::{INTERNAL_MESSAGE, code};
use crate::service::ServiceError;

fn error(status: StatusCode, message: &str, code: &str) -> Response {
    request_error(status, MediaType::Json, message, code).into_response()
}

fn not_found(message: &str) -> Response {
    error(StatusCode::NOT_FOUND, message, code::NOT_FOUND)
}

pub async fn markdown(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let viewer = match identify(&state, auth, &request_id).await {
        Ok(identified) => identified.viewer,
        Err(Unidentified::Unauthenticated(e)) => {
            let mut res = error(
                StatusCode::UNAUTHORIZED,
                &e.to_string(),
                code::UNAUTHENTICATED,
            );
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return res;
        }
        Err(Unidentified::Internal) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                INTERNAL_MESSAGE,
                code::INTERNAL,
            );
        }
    };
    // Only `<incident>.md` names a review document; anything else names nothing.
    let Some(target) = file
        .strip_suffix(".md")
        .and_then(|name| name.parse::<IncidentRef>().ok())
    else {
        return not_found("no such review; ask for /reviews/INC-7.md or /reviews/<incident id>.md");
    };
    match state
        .services
        .review_markdown_of_incident(&viewer, target)
        .await
    {
        Ok(document) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/markdown; charset=utf-8"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            document,
        )
            .into_response(),
        Err(ServiceError::NotFound(m)) => not_found(&m),
        Err(ServiceError::Internal(internal)) => {
            tracing::error!(request.id = %request_id, error = %internal, "internal error while exporting a review");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                INTERNAL_MESSAGE,
                code::INTERNAL,
            )
        }
        Err(ServiceError::Forbidden(m)) => error(StatusCode::FORBIDDEN, &m, code::FORBIDDEN),
        Err(ServiceError::BadInput(m)) => error(StatusCode::BAD_REQUEST, &m, code::BAD_USER_INPUT),
        Err(ServiceError::Conflict(m)) => error(StatusCode::CONFLICT, &m, code::CONFLICT),
    }
}
