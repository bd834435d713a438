//! The use-case error: what went wrong, in terms a client can act on. Internal errors keep
//! their cause for the log; the GraphQL layer masks them.

use std::fmt;
use std::panic::Location;
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
    /// client. Its `Display` is for operators only: it names the cause and where it was raised.
    #[error(transparent)]
    Internal(Internal),
}

/// An internal failure: its cause (with the cause's own causes) and the line that raised it,
/// so one log line says both what broke and where.
#[derive(Debug, Clone)]
pub struct Internal {
    cause: Arc<dyn std::error::Error + Send + Sync>,
    raised_at: &'static Location<'static>,
}

impl fmt::Display for Internal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "internal error at {}: {}", self.raised_at, self.cause)?;
        let mut source = self.cause.source();
        while let Some(inner) = source {
            write!(f, ": {inner}")?;
            source = inner.source();
        }
        Ok(())
    }
}

impl std::error::Error for Internal {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.cause.as_ref())
    }
}

impl ServiceError {
    /// The database cancelled the transaction to break a deadlock (see `GAVE_WAY`).
    pub fn gave_way(&self) -> bool {
        matches!(self, Self::Conflict(m) if m == GAVE_WAY)
    }

    /// An internal error raised here (`?` on a `DbErr` and friends records the `?`'s line).
    #[track_caller]
    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Internal {
            cause: Arc::new(e),
            raised_at: Location::caller(),
        })
    }
}

impl From<DbErr> for ServiceError {
    #[track_caller]
    fn from(e: DbErr) -> Self {
        if crate::store::gave_way(&e) {
            return Self::Conflict(GAVE_WAY.to_owned());
        }
        Self::internal(e)
    }
}

/// What a client hears when the database cancelled its transaction to break a deadlock with
/// a concurrent one: nothing was written, and trying again is the remedy.
pub const GAVE_WAY: &str =
    "a concurrent change collided with this one and nothing was written; try again";

impl From<hindsight_index::IndexError> for ServiceError {
    #[track_caller]
    fn from(e: hindsight_index::IndexError) -> Self {
        Self::internal(e)
    }
}

impl From<tokio::task::JoinError> for ServiceError {
    #[track_caller]
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read() -> Result<(), ServiceError> {
        Err(DbErr::Custom("disk on fire".into()))?;
        Ok(())
    }

    #[test]
    fn an_internal_error_names_its_cause_and_the_line_that_raised_it() {
        let shown = read().unwrap_err().to_string();
        assert!(shown.contains("disk on fire"), "{shown}");
        assert!(shown.contains(&format!("{}:", file!())), "{shown}");
        let io = std::io::Error::other(DbErr::Custom("the inner cause".into()));
        let shown = ServiceError::internal(io).to_string();
        assert!(shown.contains("the inner cause"), "{shown}");
    }
}
