//! GraphQL-over-HTTP responses: our own serialization, so a request error (parse, validation,
//! authentication, limits) carries no `data` entry, and every error carries a code.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::negotiate::MediaType;
use crate::graphql::error::code;

/// A response body (serialized JSON) with the status and media type it goes out with.
pub struct GraphqlHttpResponse {
    pub status: StatusCode,
    pub media: MediaType,
    pub body: String,
}

impl IntoResponse for GraphqlHttpResponse {
    fn into_response(self) -> Response {
        let mut res = (self.status, self.body).into_response();
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
        body: json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
            .to_string(),
    }
}

/// An executed response as it goes out. `data` is serialized straight from async-graphql's
/// value tree: copying it into a `serde_json::Value` first cost a tenth of a 20-incident page.
#[derive(Serialize)]
struct Executed<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<Value>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extensions: &'a BTreeMap<String, async_graphql::Value>,
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
    let executed = Executed {
        data: (!request_failed).then_some(&response.data),
        errors,
        extensions: &response.extensions,
    };
    let body = match serde_json::to_string(&executed) {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "could not serialize a GraphQL response");
            return request_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                media,
                "the server could not encode its answer",
                code::INTERNAL,
            );
        }
    };
    let status = match (media, request_failed) {
        (MediaType::GraphqlResponseJson, true) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    GraphqlHttpResponse {
        status,
        media,
        body,
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
