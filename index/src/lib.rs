//! hindsight's knowledge base: a tantivy index over resolved incidents that suggests known
//! fixes during diagnosis and explains each suggestion. It knows nothing of GraphQL or SQL:
//! documents in, ranked ids, scores and explanations out.
//!
//! - [`KnowledgeBase`] owns the index, its one writer and its one reader. It is `Send + Sync`;
//!   share it in an `Arc`. Every method blocks (tantivy does I/O and CPU work): call them from
//!   `spawn_blocking` on an async runtime.
//! - [`KnowledgeBase::apply`] applies a batch of [`Change`]s and commits with the last applied
//!   change-log sequence number in the commit payload, so a restarted worker knows where to
//!   resume ([`KnowledgeBase::last_applied_seq`]).
//! - [`KnowledgeBase::suggest`] is more-like-this over the incident being diagnosed;
//!   [`KnowledgeBase::search`] is free-text search for responders.
//! - [`backtest`] measures the suggestion ranking on real duplicate-report data;
//!   [`synthetic`] makes realistic resolved incidents for tests and benchmarks.

mod analysis;
pub mod backtest;
mod candidates;
mod error;
mod facets;
mod highlight;
mod kb;
mod known_ids;
mod model;
mod ranking;
mod schema;
mod search;
mod suggest;
pub mod synthetic;
mod taat;
mod tokenizer;
mod top_k;
mod user_query;

pub use candidates::{CandidateGroup, GroupingOptions};
pub use error::{IndexError, SearchError};
pub use kb::{IndexOptions, KnowledgeBase, Opened};
pub use model::{
    Change, DocKind, Facets, Field, Highlight, IncidentDoc, Probe, SearchHit, SearchQuery,
    SearchResults, SuggestOptions, Suggestion,
};
pub use ranking::{MIN_DOC_FREQ_CUTOFF, RankingConfig};
pub use search::{MAX_QUERY_CHARS, MAX_QUERY_TERMS, MAX_SEARCH_LIMIT, MAX_SEARCH_OFFSET};
pub use suggest::MAX_SUGGEST_LIMIT;

#[cfg(test)]
mod tests;
