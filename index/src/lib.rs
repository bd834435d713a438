//! hindsight's knowledge base: a tantivy index over resolved incidents that suggests known
//! fixes during diagnosis. It knows nothing of GraphQL or SQL: documents in, ranked ids,
//! scores and explanations out.
//!
//! Not built yet: this crate is the seat for the knowledge-base issue, so the workspace layout
//! (src, migrations, index) is in place from the start.
