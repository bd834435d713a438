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
    /// The database, the index or a task failed: logged with the request id, masked for the
    /// client.
    #[error("internal error")]
    Internal(#[source] Arc<dyn std::error::Error + Send + Sync>),
}

impl ServiceError {
    /// The whole message, internal causes included: for operators (logs, the command line),
    /// never for API clients.
    pub fn detail(&self) -> String {
        match self {
            Self::Internal(source) => source.to_string(),
            other => other.to_string(),
        }
    }

    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Arc::new(e))
    }
}

impl From<DbErr> for ServiceError {
    fn from(e: DbErr) -> Self {
        Self::internal(e)
    }
}

impl From<hindsight_index::IndexError> for ServiceError {
    fn from(e: hindsight_index::IndexError) -> Self {
        Self::internal(e)
    }
}

impl From<tokio::task::JoinError> for ServiceError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::internal(e)
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
