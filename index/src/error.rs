//! The crate's two error types: [`IndexError`] for storage and index failures (the caller logs
//! them and answers INTERNAL), [`SearchError`] for a free-text search, whose `Invalid` carries a
//! message written for the person who typed the query.

use std::path::PathBuf;

/// Something went wrong with the index itself. Never the user's fault.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// tantivy failed: I/O, a corrupt or missing segment file, a lock held by another writer.
    #[error("tantivy: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// The index folder could not be created or read.
    #[error("index folder: {0}")]
    Io(#[from] std::io::Error),
    /// The folder holds an index built with another schema or text analysis (another
    /// hindsight version): delete the folder and rebuild.
    #[error("the index in {} was built by another version (schema or analysis); rebuild it", path.display())]
    SchemaMismatch { path: PathBuf },
    /// The last commit's payload is not one that this crate wrote.
    #[error("unreadable commit payload {payload:?}")]
    BadPayload { payload: String },
    /// A document the caller handed in cannot be indexed.
    #[error("invalid document {id:?}: {reason}")]
    InvalidDocument { id: String, reason: &'static str },
    /// A thread panicked while holding the writer; the knowledge base must be reopened.
    #[error("the index writer is unusable after a panic")]
    Poisoned,
}

impl IndexError {
    /// Another writer (another process, such as a running server) holds the index. Unlike
    /// corruption, this is not a reason to delete and rebuild the index.
    pub fn is_locked(&self) -> bool {
        matches!(
            self,
            IndexError::Tantivy(tantivy::TantivyError::LockFailure(..))
        )
    }
}

/// A free-text search failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query cannot be run as typed; the message says why and is safe to show the user.
    #[error("{0}")]
    Invalid(String),
    /// The index failed; log it, show the user a generic message.
    #[error(transparent)]
    Index(#[from] IndexError),
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(err: tantivy::TantivyError) -> Self {
        SearchError::Index(IndexError::Tantivy(err))
    }
}
