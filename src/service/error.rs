//! The use-case error: what went wrong, in terms a client can act on. Internal errors keep
//! their cause for the log; the GraphQL layer masks them.

use std::sync::Arc;

use sea_orm::DbErr;

use crate::auth::Denied;
use crate::domain::DomainError;

#[derive(Debug, Clone, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("internal error")]
    Internal(#[source] Arc<DbErr>),
}

impl From<DbErr> for ServiceError {
    fn from(e: DbErr) -> Self {
        Self::Internal(Arc::new(e))
    }
}

impl From<DomainError> for ServiceError {
    fn from(e: DomainError) -> Self {
        Self::BadInput(e.to_string())
    }
}

impl From<Denied> for ServiceError {
    fn from(e: Denied) -> Self {
        Self::Forbidden(e.to_string())
    }
}
