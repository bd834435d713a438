//! Mapping use-case errors to GraphQL errors with `extensions.code`. Internal errors are logged
//! here, once, with the request id; the client gets a fixed message.

use async_graphql::{Context, ErrorExtensions};

use super::RequestId;
use crate::domain::DomainError;
use crate::service::ServiceError;

/// The fixed set of codes clients see.
pub mod code {
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const CONFLICT: &str = "CONFLICT";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const INTERNAL: &str = "INTERNAL";
}

pub const INTERNAL_MESSAGE: &str =
    "internal error; the server log has the details under this request's x-request-id";

pub fn with_code(message: impl Into<String>, code: &'static str) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code))
}

pub fn to_graphql(ctx: &Context<'_>, e: ServiceError) -> async_graphql::Error {
    let request_id = ctx
        .data_opt::<RequestId>()
        .map(|r| r.0.as_str())
        .unwrap_or("-");
    to_graphql_for(request_id, e)
}

/// `to_graphql` where no context is at hand (inside a subscription's stream).
pub fn to_graphql_for(request_id: &str, e: ServiceError) -> async_graphql::Error {
    match e {
        ServiceError::BadInput(m) => with_code(m, code::BAD_USER_INPUT),
        ServiceError::NotFound(m) => with_code(m, code::NOT_FOUND),
        ServiceError::Forbidden(m) => with_code(m, code::FORBIDDEN),
        ServiceError::Conflict(m) => with_code(m, code::CONFLICT),
        ServiceError::Internal(internal) => {
            tracing::error!(request.id = request_id, error = %internal, "internal error while resolving a field");
            with_code(INTERNAL_MESSAGE, code::INTERNAL)
        }
    }
}

pub fn bad_input(e: DomainError) -> async_graphql::Error {
    with_code(e.to_string(), code::BAD_USER_INPUT)
}

/// Bad input naming the argument it came from (`incidentId: ...`), for an id that the domain
/// refused under its generic name (`id: ...`).
pub fn field_error(field: &str, e: DomainError) -> async_graphql::Error {
    renamed(field, &e.to_string())
}

fn renamed(field: &str, message: &str) -> async_graphql::Error {
    with_code(
        format!("{field}: {}", message.trim_start_matches("id: ")),
        code::BAD_USER_INPUT,
    )
}

/// A use case's refusal of an argument (bad or unknown) under the argument's name; anything
/// else (forbidden, internal) maps as usual, so an internal error stays masked and logged.
pub fn field_refused(ctx: &Context<'_>, field: &str, e: ServiceError) -> async_graphql::Error {
    match e {
        ServiceError::BadInput(m) | ServiceError::NotFound(m) => renamed(field, &m),
        other => to_graphql(ctx, other),
    }
}

/// `result.gql(ctx)?` in resolvers.
pub trait GqlResult<T> {
    fn gql(self, ctx: &Context<'_>) -> async_graphql::Result<T>;
}

impl<T> GqlResult<T> for Result<T, ServiceError> {
    fn gql(self, ctx: &Context<'_>) -> async_graphql::Result<T> {
        self.map_err(|e| to_graphql(ctx, e))
    }
}

impl<T> GqlResult<T> for Result<T, std::sync::Arc<ServiceError>> {
    fn gql(self, ctx: &Context<'_>) -> async_graphql::Result<T> {
        self.map_err(|e| to_graphql(ctx, (*e).clone()))
    }
}
