//! GraphQL-over-HTTP responses: our own serialization, so a request error (parse, validation,
//! authentication, limits) carries no `data` entry, and every error carries a code.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::negotiate::MediaType;
use crate::graphql::error::code;

/// A response body with the status and media type it goes out with.
pub struct GraphqlHttpResponse {
    pub status: StatusCode,
    pub media: MediaType,
    pub body: Value,
}

impl IntoResponse for GraphqlHttpResponse {
    fn into_response(self) -> Response {
        let mut res = (self.status, self.body.to_string()).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(match self.media {
                MediaType::Json => "application/json; charset=utf-8",
                MediaType::GraphqlResponseJson => {
                    "application/graphql-response+json; charset=utf-8"
                }
            }),
        );
        res
    }
}

/// A request-level error: nothing was executed.
pub fn request_error(
    status: StatusCode,
    media: MediaType,
    message: &str,
    code: &str,
) -> GraphqlHttpResponse {
    GraphqlHttpResponse {
        status,
        media,
        body: json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }),
    }
}

/// Converts an executed (or rejected) GraphQL response. Errors without a code come from
/// async-graphql's own parsing, validation and input coercion: they are the client's input.
pub fn from_graphql(
    response: async_graphql::Response,
    media: MediaType,
    depth: usize,
    complexity: usize,
) -> GraphqlHttpResponse {
    // No data and no error with a path: the request failed before execution began.
    let request_failed = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let errors: Vec<Value> = response
        .errors
        .into_iter()
        .map(|e| {
            let mut value =
                serde_json::to_value(&e).unwrap_or_else(|_| json!({ "message": e.message }));
            if let Some(obj) = value.as_object_mut() {
                if let Some(message) = obj.get("message").and_then(Value::as_str) {
                    let clearer = clarify(message, depth, complexity);
                    obj.insert("message".into(), Value::String(clearer));
                }
                let extensions = obj
                    .entry("extensions")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Some(ext) = extensions.as_object_mut() {
                    ext.entry("code")
                        .or_insert_with(|| code::BAD_USER_INPUT.into());
                }
            }
            value
        })
        .collect();
    let mut body = Map::new();
    if !request_failed {
        body.insert(
            "data".into(),
            serde_json::to_value(&response.data).unwrap_or(Value::Null),
        );
    }
    if !errors.is_empty() {
        body.insert("errors".into(), Value::Array(errors));
    }
    if !response.extensions.is_empty()
        && let Ok(ext) = serde_json::to_value(&response.extensions)
    {
        body.insert("extensions".into(), ext);
    }
    let status = match (media, request_failed) {
        (MediaType::GraphqlResponseJson, true) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    GraphqlHttpResponse {
        status,
        media,
        body: Value::Object(body),
    }
}

/// What a client hears when its request ran into `limits.request_timeout_seconds`.
pub(super) fn took_too_long(limit: std::time::Duration) -> String {
    format!(
        "the request took longer than the limit of {} s and was cancelled; reload before retrying a mutation",
        limit.as_secs()
    )
}

/// async-graphql's limit messages do not say what the limit is.
pub(super) fn clarify(message: &str, depth: usize, complexity: usize) -> String {
    match message {
        "Query is nested too deep." => {
            format!("the query is nested deeper than the limit of {depth} levels")
        }
        "Query is too complex." => format!(
            "the query is more complex than the limit of {complexity} (each field counts 1, lists count `first` times their fields)"
        ),
        other => other.to_owned(),
    }
}
