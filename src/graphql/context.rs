//! What every resolver reads from the request: the caller, the use cases, the request id
//! (for error logs) and the page-size limit.

use async_graphql::{Context, Result};

use super::error::{code, with_code};
use crate::auth::Viewer;
use crate::service::Services;

/// The per-request id, for error logs.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The page size limit, for resolvers.
#[derive(Debug, Clone, Copy)]
pub struct PageLimit(pub usize);

/// `first` checked against the page-size limit.
pub fn page_size(first: Option<i32>, limit: usize) -> Result<u64> {
    let first = first.unwrap_or(20);
    if first < 0 || first as usize > limit {
        return Err(with_code(
            format!("first: must be between 0 and {limit}, got {first}"),
            code::BAD_USER_INPUT,
        ));
    }
    Ok(first as u64)
}

pub fn viewer<'a>(ctx: &Context<'a>) -> Result<&'a Viewer> {
    ctx.data::<Viewer>()
        .map_err(|_| with_code("missing credentials", code::UNAUTHENTICATED))
}

pub fn services<'a>(ctx: &Context<'a>) -> Result<&'a Services> {
    ctx.data::<Services>()
}

/// `first` checked against this request's page-size limit.
pub fn page_size_in(ctx: &Context<'_>, first: Option<i32>) -> Result<u64> {
    page_size(first, ctx.data::<PageLimit>()?.0)
}
