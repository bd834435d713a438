//! Limits async-graphql does not enforce itself. Depth and complexity are set on the schema;
//! the number of aliases is counted here, by the transports, before anything executes.
//!
//! Not as an async-graphql extension: with any extension installed, every field of every
//! object resolves through the extension chain after a lookup of its type in the registry,
//! about 5% of the CPU of a 20-incident page.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use async_graphql::{Request, ServerError};

use super::error::code;

/// Refuses a request whose document holds more than `limit` aliases. The document is parsed
/// here once and kept in the request for execution; one that does not parse passes, and
/// execution reports why.
pub fn check_aliases(request: &mut Request, limit: usize) -> Result<(), ServerError> {
    let Ok(document) = request.parsed_query() else {
        return Ok(());
    };
    let aliases = count_aliases(document);
    if aliases <= limit {
        return Ok(());
    }
    let mut error = ServerError::new(
        format!("the query uses {aliases} aliases; at most {limit} are allowed"),
        None,
    );
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code::BAD_USER_INPUT);
    Err(error)
}

/// Counts aliases as written in the document (operations and fragment definitions).
fn count_aliases(document: &ExecutableDocument) -> usize {
    let operations: usize = match &document.operations {
        DocumentOperations::Single(op) => in_set(&op.node.selection_set.node),
        DocumentOperations::Multiple(ops) => ops
            .values()
            .map(|op| in_set(&op.node.selection_set.node))
            .sum(),
    };
    let fragments: usize = document
        .fragments
        .values()
        .map(|f| in_set(&f.node.selection_set.node))
        .sum();
    operations + fragments
}

fn in_set(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + in_set(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => in_set(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// A list field costs its page size times its children, plus one. Saturating: a client may
/// send `first: 2147483647`, which must be refused as too complex, not overflow.
pub fn list_complexity(first: Option<i32>, child_complexity: usize) -> usize {
    let first = usize::try_from(first.unwrap_or(20)).unwrap_or(0);
    first.saturating_mul(child_complexity).saturating_add(1)
}
