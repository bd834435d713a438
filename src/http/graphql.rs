//! `POST /graphql` and `GET /graphql`, following the GraphQL-over-HTTP specification. The
//! stock async-graphql-axum handler answers `application/graphql-response+json` even to
//! clients that accept only `application/json`, so negotiation and status codes are ours.

use async_graphql::Variables;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use axum::body::{Body, to_bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::AppState;
use super::identity::{Unidentified, identify};
use super::metrics;
use super::negotiate::{self, MediaType};
use super::response::{self, GraphqlHttpResponse};
use crate::graphql::RequestId;
use crate::graphql::error::{INTERNAL_MESSAGE, code};
use crate::graphql::loaders::Loaders;
use crate::graphql::{limits, nesting};

/// The parameters of a GraphQL-over-HTTP request, checked for shape.
struct Params {
    query: String,
    operation_name: Option<String>,
    variables: Option<Map<String, Value>>,
}

fn parse_params(value: Value) -> Result<Params, &'static str> {
    let Value::Object(mut obj) = value else {
        return Err("the request body must be a JSON object");
    };
    let query = match obj.remove("query") {
        Some(Value::String(q)) => q,
        Some(_) => return Err("`query` must be a string"),
        None => return Err("`query` is required"),
    };
    let operation_name = match obj.remove("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => return Err("`operationName` must be a string or null"),
    };
    let variables = match obj.remove("variables") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m),
        Some(_) => return Err("`variables` must be an object or null"),
    };
    match obj.remove("extensions") {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(_) => return Err("`extensions` must be an object or null"),
    }
    Ok(Params {
        query,
        operation_name,
        variables,
    })
}

fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned()
}

fn bad_request(media: MediaType, message: &str) -> Response {
    response::request_error(
        StatusCode::BAD_REQUEST,
        media,
        message,
        code::BAD_USER_INPUT,
    )
    .into_response()
}

fn not_acceptable() -> Response {
    response::request_error(
        StatusCode::NOT_ACCEPTABLE,
        MediaType::Json,
        "accept application/json or application/graphql-response+json",
        code::BAD_USER_INPUT,
    )
    .into_response()
}

pub async fn post(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let Some(media) = negotiate::response_type(&headers) else {
        return not_acceptable();
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !is_json_content_type(content_type) {
        return response::request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            "send the request as `Content-Type: application/json`",
            code::BAD_USER_INPUT,
        )
        .into_response();
    }
    let limit = state.limits.body_bytes;
    // A body dripped in slowly must not hold the connection past the request time limit.
    let Ok(read) =
        tokio::time::timeout(state.limits.request_timeout(), to_bytes(body, limit)).await
    else {
        return response::request_error(
            StatusCode::REQUEST_TIMEOUT,
            media,
            "the request body did not arrive within the request time limit",
            code::BAD_USER_INPUT,
        )
        .into_response();
    };
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(_) => {
            return response::request_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                media,
                &format!("the request body is larger than the limit of {limit} bytes"),
                code::BAD_USER_INPUT,
            )
            .into_response();
        }
    };
    let params = match serde_json::from_slice::<Value>(&bytes) {
        Ok(value) => match parse_params(value) {
            Ok(p) => p,
            Err(message) => return bad_request(media, message),
        },
        Err(_) => return bad_request(media, "the request body is not valid JSON"),
    };
    execute(&state, &headers, media, params).await
}

pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let raw = raw.unwrap_or_default();
    if raw.is_empty() && state.graphiql && negotiate::accepts_html(&headers) {
        return super::graphiql::page();
    }
    let Some(media) = negotiate::response_type(&headers) else {
        return not_acceptable();
    };
    let mut query = None;
    let mut operation_name = None;
    let mut variables = None;
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        match key.as_ref() {
            "query" => query = Some(value.into_owned()),
            "operationName" if !value.is_empty() => operation_name = Some(value.into_owned()),
            "variables" if !value.is_empty() => match serde_json::from_str::<Value>(&value) {
                Ok(Value::Object(m)) => variables = Some(m),
                Ok(Value::Null) => {}
                _ => return bad_request(media, "`variables` must be a JSON object"),
            },
            "extensions" if !value.is_empty() => match serde_json::from_str::<Value>(&value) {
                Ok(Value::Object(_) | Value::Null) => {}
                _ => return bad_request(media, "`extensions` must be a JSON object"),
            },
            _ => {}
        }
    }
    let Some(query) = query else {
        return bad_request(media, "`query` is required");
    };
    if let Some(kind) = operation_kind(&query, operation_name.as_deref())
        && kind != OperationType::Query
    {
        let mut res = response::request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            media,
            "only queries may be sent with GET; send mutations with POST",
            code::BAD_USER_INPUT,
        )
        .into_response();
        res.headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        return res;
    }
    let params = Params {
        query,
        operation_name,
        variables,
    };
    execute(&state, &headers, media, params).await
}

/// The type of the operation a GET would run; `None` if the document does not parse (the
/// executor reports that properly).
fn operation_kind(query: &str, operation_name: Option<&str>) -> Option<OperationType> {
    // The parser must not see a document nested past the bound (the executor refuses it).
    nesting::check(query, nesting::MAX_NESTING).ok()?;
    let document = async_graphql::parser::parse_query(query).ok()?;
    match &document.operations {
        DocumentOperations::Single(op) => Some(op.node.ty),
        DocumentOperations::Multiple(ops) => match operation_name {
            Some(name) => ops.get(name).map(|op| op.node.ty),
            // Ambiguous without a name: refuse if any of them is not a query.
            None => ops
                .values()
                .map(|op| op.node.ty)
                .find(|ty| *ty != OperationType::Query)
                .or(Some(OperationType::Query)),
        },
    }
}

fn is_json_content_type(value: &str) -> bool {
    let mut parts = value.split(';');
    let media = parts.next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/json") {
        return false;
    }
    // Only UTF-8 is accepted; no charset means UTF-8.
    parts.all(|p| {
        let p = p.trim().to_ascii_lowercase();
        !p.starts_with("charset=") || p == "charset=utf-8" || p == "charset=\"utf-8\""
    })
}

/// Everything after the request is well-formed runs under the request time limit.
async fn execute(
    state: &AppState,
    headers: &HeaderMap,
    media: MediaType,
    params: Params,
) -> Response {
    let request_id = request_id(headers);
    let limit = state.limits.request_timeout();
    // For the operation count if `run` is cancelled (it counts the operations it finishes).
    let operation = params.operation_name.clone();
    match tokio::time::timeout(limit, run(state, headers, media, params, &request_id)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(request.id = %request_id, "request cancelled at the time limit");
            metrics::graphql_operation(state, operation.as_deref(), false, Some(code::INTERNAL));
            GraphqlHttpResponse {
                status: StatusCode::SERVICE_UNAVAILABLE,
                media,
                body: serde_json::json!({ "errors": [{
                    "message": response::took_too_long(limit),
                    "extensions": { "code": code::INTERNAL },
                }]})
                .to_string(),
            }
            .into_response()
        }
    }
}

async fn run(
    state: &AppState,
    headers: &HeaderMap,
    media: MediaType,
    params: Params,
    request_id: &str,
) -> Response {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let operation = params.operation_name.as_deref();
    let viewer = match identify(state, auth, request_id).await {
        Ok(identified) => identified.viewer,
        Err(Unidentified::Unauthenticated(e)) => {
            metrics::graphql_operation(state, operation, false, Some(code::UNAUTHENTICATED));
            let mut res = response::request_error(
                StatusCode::UNAUTHORIZED,
                media,
                &e.to_string(),
                code::UNAUTHENTICATED,
            )
            .into_response();
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
            return res;
        }
        Err(Unidentified::Internal) => {
            metrics::graphql_operation(state, operation, false, Some(code::INTERNAL));
            return response::request_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                media,
                INTERNAL_MESSAGE,
                code::INTERNAL,
            )
            .into_response();
        }
    };
    if let Some(op) = operation {
        tracing::Span::current().record("graphql.operation", op);
    }
    let mut request = async_graphql::Request::new(params.query);
    if let Some(name) = &params.operation_name {
        request = request.operation_name(name.as_str());
    }
    if let Some(vars) = params.variables {
        request = request.variables(Variables::from_json(Value::Object(vars)));
    }
    if let Err(refused) = limits::admit(&mut request, state.limits.as_ref().into()) {
        let name = params.operation_name.as_deref();
        metrics::graphql_operation(state, name, true, Some(metrics::code_of(&refused)));
        let response = async_graphql::Response::from_errors(vec![refused]);
        return response::from_graphql(
            response,
            media,
            state.limits.depth,
            state.limits.complexity,
        )
        .into_response();
    }
    let (loaders, driver) = Loaders::new(&state.services, &viewer);
    let request = request
        .data(viewer)
        .data(loaders)
        .data(RequestId(request_id.to_owned()));
    let response = driver.drive(state.schema.execute(request)).await;
    let failed = response.errors.first().map(metrics::code_of);
    metrics::graphql_operation(state, params.operation_name.as_deref(), true, failed);
    response::from_graphql(response, media, state.limits.depth, state.limits.complexity)
        .into_response()
}
