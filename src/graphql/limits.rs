//! The front door of every GraphQL request: the limits async-graphql does not enforce, or
//! enforces in a way that refuses real clients, checked by each transport before anything
//! executes. In order: the nesting of the text (before the parser can recurse on it), the
//! document's parse, the selection of the operation to run, then aliases, text holding NUL
//! (`nul.rs`), depth and the expanded size of that operation alone. Complexity stays async-graphql's (it needs each
//! field's cost from the schema), counted on the selected operation because the document is
//! narrowed to it here.
//!
//! Not as an async-graphql extension: with any extension installed, every field of every
//! object resolves through the extension chain after a lookup of its type in the registry,
//! about 5% of the CPU of a 20-incident page.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Request, ServerError};

use super::error::code;
use super::nesting::{self, MAX_NESTING};
use super::nul;

/// Most fields one operation may select once its fragments are spread out. Each field also
/// costs at least 1 of complexity, but complexity is counted by walking the expanded
/// operation, so a few fragments that each spread the next twice would make that walk take
/// minutes before the limit could refuse it. This bound is counted without expanding.
pub const MAX_EXPANDED_FIELDS: usize = 10_000;

/// At most this many incidents in the unpaged lists, `myIncidents` and `overdueUpdates`.
pub const MAX_LISTED: usize = 200;

/// The limits a document is admitted under (from `limits.*` in the settings).
#[derive(Debug, Clone, Copy)]
pub struct DocumentLimits {
    pub depth: usize,
    pub aliases: usize,
}

impl From<&crate::config::Limits> for DocumentLimits {
    fn from(limits: &crate::config::Limits) -> Self {
        Self {
            depth: limits.depth,
            aliases: limits.aliases,
        }
    }
}

/// Admits a request or says why not. The document is parsed here once and kept in the
/// request for execution, narrowed to the selected operation and the fragments it uses. One
/// that does not parse, or names an operation it lacks, passes: execution reports why.
pub fn admit(request: &mut Request, limits: DocumentLimits) -> Result<(), ServerError> {
    if nesting::check(&request.query, MAX_NESTING).is_err() {
        return Err(refusal(format!(
            "the document is nested deeper than the limit of {MAX_NESTING} levels (selections, lists, objects and list types count)"
        )));
    }
    if let Some(place) = nul::in_variables(&request.variables) {
        return Err(refusal(format!(
            "{place} must not contain the NUL character (U+0000)"
        )));
    }
    let operation_name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return Ok(());
    };
    if let Some(narrowed) = narrow(document, operation_name.as_deref()) {
        request.set_parsed_query(narrowed);
    }
    let Ok(document) = request.parsed_query() else {
        return Ok(());
    };
    let aliases = count_aliases(document);
    if aliases > limits.aliases {
        return Err(refusal(format!(
            "the query uses {aliases} aliases; at most {} are allowed",
            limits.aliases
        )));
    }
    if let Some(place) = nul::in_document(document) {
        return Err(refusal(format!(
            "{place} must not contain the NUL character (U+0000)"
        )));
    }
    let Some(selected) = selected_set(document, operation_name.as_deref()) else {
        return Ok(());
    };
    let shape = Shapes::new(document).of_set(selected);
    if shape.fields > MAX_EXPANDED_FIELDS {
        return Err(refusal(format!(
            "the operation selects {} fields once its fragments are spread; at most {MAX_EXPANDED_FIELDS} are allowed",
            shape.fields
        )));
    }
    if shape.depth > limits.depth {
        return Err(refusal(format!(
            "the query is nested deeper than the limit of {} levels",
            limits.depth
        )));
    }
    Ok(())
}

fn refusal(message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code::BAD_USER_INPUT);
    error
}

/// A document of several operations narrowed to the named one and the fragments it reaches,
/// so limits (ours and async-graphql's complexity) count what runs, the way GraphiQL sends
/// every tab's document with one operation name. `None`: nothing to narrow.
fn narrow(document: &ExecutableDocument, name: Option<&str>) -> Option<ExecutableDocument> {
    let DocumentOperations::Multiple(operations) = &document.operations else {
        return None;
    };
    if operations.len() < 2 {
        return None;
    }
    let (key, operation) = operations.get_key_value(name?)?;
    let mut reached = HashSet::new();
    let mut pending = vec![&operation.node.selection_set.node];
    while let Some(set) = pending.pop() {
        for spread in spreads(set) {
            if reached.insert(spread.clone())
                && let Some(fragment) = document.fragments.get(spread)
            {
                pending.push(&fragment.node.selection_set.node);
            }
        }
    }
    Some(ExecutableDocument {
        operations: DocumentOperations::Multiple(HashMap::from([(key.clone(), operation.clone())])),
        fragments: document
            .fragments
            .iter()
            .filter(|(name, _)| reached.contains(*name))
            .map(|(name, fragment)| (name.clone(), fragment.clone()))
            .collect(),
    })
}

/// The fragment names spread anywhere in `set`, inline fragments and subfields included.
fn spreads(set: &SelectionSet) -> Vec<&Name> {
    let mut names = Vec::new();
    let mut pending = vec![set];
    while let Some(set) = pending.pop() {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => pending.push(&field.node.selection_set.node),
                Selection::InlineFragment(inline) => pending.push(&inline.node.selection_set.node),
                Selection::FragmentSpread(spread) => names.push(&spread.node.fragment_name.node),
            }
        }
    }
    names
}

/// The selection set of the operation that will run; `None` when the request does not say
/// which (execution reports that).
fn selected_set<'d>(
    document: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d SelectionSet> {
    let operation = match (&document.operations, name) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name)?,
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next()?,
        (DocumentOperations::Multiple(_), None) => return None,
    };
    Some(&operation.node.selection_set.node)
}

/// Counts aliases as written in the document (operations and fragment definitions).
fn count_aliases(document: &ExecutableDocument) -> usize {
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, op)| aliases_in(&op.node.selection_set.node))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .map(|f| aliases_in(&f.node.selection_set.node))
        .sum();
    operations + fragments
}

fn aliases_in(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + aliases_in(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => aliases_in(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// The depth and expanded size of a selection set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Shape {
    /// Fields inside one another, counted as async-graphql counts depth (`{ viewer { id } }`
    /// is 2), without `__typename` and without the introspection fields `__schema` and
    /// `__type`: graphql-js's standard introspection query nests 15 levels of `ofType`, and
    /// refusing it breaks GraphiQL, codegen and schema tools. Introspection is still bounded by
    /// the nesting scan, async-graphql's recursion limit, complexity and the field count.
    depth: usize,
    /// Fields once every fragment is spread where it is used, saturating.
    fields: usize,
}

/// Shapes of selection sets, each fragment's computed once: a fragment spread a thousand
/// times costs one walk, so the count needs no expansion.
struct Shapes<'d> {
    fragments: &'d HashMap<Name, Positioned<FragmentDefinition>>,
    done: HashMap<&'d Name, Shape>,
    /// Fragments being walked: a spread of one of them is a cycle, which validation refuses.
    walking: HashSet<&'d Name>,
}

impl<'d> Shapes<'d> {
    fn new(document: &'d ExecutableDocument) -> Self {
        Self {
            fragments: &document.fragments,
            done: HashMap::new(),
            walking: HashSet::new(),
        }
    }

    fn of_set(&mut self, set: &'d SelectionSet) -> Shape {
        let mut shape = Shape::default();
        for selection in &set.items {
            let inner = match &selection.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    let below = self.of_set(&field.node.selection_set.node);
                    let counts_for_depth = !matches!(name, "__typename" | "__schema" | "__type");
                    Shape {
                        depth: if counts_for_depth { below.depth + 1 } else { 0 },
                        fields: below.fields.saturating_add(1),
                    }
                }
                Selection::InlineFragment(inline) => self.of_set(&inline.node.selection_set.node),
                Selection::FragmentSpread(spread) => {
                    self.of_fragment(&spread.node.fragment_name.node)
                }
            };
            shape.depth = shape.depth.max(inner.depth);
            shape.fields = shape.fields.saturating_add(inner.fields);
        }
        shape
    }

    fn of_fragment(&mut self, name: &'d Name) -> Shape {
        if let Some(shape) = self.done.get(name) {
            return *shape;
        }
        let Some(fragment) = self.fragments.get(name) else {
            return Shape::default(); // unknown: validation reports it
        };
        if !self.walking.insert(name) {
            return Shape::default(); // a cycle: validation reports it
        }
        let shape = self.of_set(&fragment.node.selection_set.node);
        self.walking.remove(name);
        self.done.insert(name, shape);
        shape
    }
}

/// A list field costs its page size times its children, plus one. A client may send
/// `first: 2147483647` at several levels, which must be refused as too complex, not overflow.
/// Saturating is not enough: async-graphql adds each field's cost to its parent's with a plain
/// `+`, so a cost of `usize::MAX` under any other field overflows there (a panic in a debug
/// build, a wrap to a small cost that passes the limit in release). So a list costs at most
/// [`LIST_COMPLEXITY_CAP`]: far above any allowed limit, and far below where the sums async-graphql
/// makes over a document of bounded size could overflow.
pub fn list_complexity(first: Option<i32>, child_complexity: usize) -> usize {
    let first = usize::try_from(first.unwrap_or(20)).unwrap_or(0);
    first
        .saturating_mul(child_complexity)
        .saturating_add(1)
        .min(LIST_COMPLEXITY_CAP)
}

/// The most one list field can cost: 2^32, against a configurable limit of at most 1,000,000.
pub const LIST_COMPLEXITY_CAP: usize = 1 << 32;

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: DocumentLimits = DocumentLimits {
        depth: 3,
        aliases: 2,
    };

    fn admit_text(query: &str, name: Option<&str>) -> Result<(), String> {
        let mut request = Request::new(query);
        if let Some(name) = name {
            request = request.operation_name(name);
        }
        admit(&mut request, LIMITS).map_err(|e| e.message)
    }

    #[test]
    fn a_list_costs_its_page_times_its_children_up_to_the_cap() {
        assert_eq!(list_complexity(Some(10), 3), 31);
        assert_eq!(list_complexity(None, 1), 21);
        assert_eq!(list_complexity(Some(-5), 7), 1);
        let huge = list_complexity(Some(i32::MAX), list_complexity(Some(i32::MAX), 50));
        assert_eq!(huge, LIST_COMPLEXITY_CAP);
        // What async-graphql does next (a plain `+` per parent field) cannot overflow.
        assert!(
            huge.checked_add(huge)
                .and_then(|n| n.checked_add(1))
                .is_some()
        );
    }

    #[test]
    fn depth_counts_fields_through_fragments() {
        assert!(admit_text("{ a { b { c } } }", None).is_ok());
        let err = admit_text("{ a { b { c { d } } } }", None).unwrap_err();
        assert!(err.contains("limit of 3 levels"), "{err}");
        let via_fragment = "{ a { ...F } } fragment F on T { b { c { d } } }";
        assert!(admit_text(via_fragment, None).is_err());
        let via_inline = "{ a { ... on T { b { c { d } } } } }";
        assert!(admit_text(via_inline, None).is_err());
    }

    #[test]
    fn introspection_and_typename_do_not_count_for_depth() {
        let deep_introspection =
            "{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }";
        assert!(admit_text(deep_introspection, None).is_ok());
        assert!(admit_text("{ a { b { c { __typename } } } }", None).is_ok());
        // A real field under introspection does not make the rest deep either way, but a deep
        // real selection beside introspection is still refused.
        assert!(admit_text("{ __typename a { b { c { d } } } }", None).is_err());
    }

    #[test]
    fn only_the_selected_operation_counts() {
        let document = "query Small { a } query Big { a { b { c { d } } } x: a y: a z: a }";
        assert!(admit_text(document, Some("Small")).is_ok());
        assert!(admit_text(document, Some("Big")).is_err());
        let mut request = Request::new(document).operation_name("Small");
        admit(&mut request, LIMITS).expect("admitted");
        let narrowed = request.parsed_query().expect("parsed");
        assert_eq!(narrowed.operations.iter().count(), 1);
    }

    #[test]
    fn narrowing_keeps_the_fragments_the_operation_reaches() {
        let document = "query A { ...F } query B { ...G } fragment F on Q { ...H } fragment H on Q { a } fragment G on Q { b }";
        let mut request = Request::new(document).operation_name("A");
        admit(&mut request, LIMITS).expect("admitted");
        let narrowed = request.parsed_query().expect("parsed");
        let mut kept: Vec<&str> = narrowed.fragments.keys().map(|n| n.as_str()).collect();
        kept.sort_unstable();
        assert_eq!(kept, ["F", "H"]);
    }

    #[test]
    fn a_fragment_bomb_is_counted_without_expanding_it() {
        // F0 spreads F1 twice, F1 spreads F2 twice, ...: 2^40 fields once expanded.
        let mut document = String::from("{ ...F0 }");
        for i in 0..40 {
            document.push_str(&format!(
                " fragment F{i} on Q {{ ...F{} ...F{} }}",
                i + 1,
                i + 1
            ));
        }
        document.push_str(" fragment F40 on Q { a }");
        let err = admit_text(&document, None).unwrap_err();
        assert!(err.contains("at most 10000"), "{err}");
    }

    #[test]
    fn fragment_cycles_and_unknown_fragments_are_left_to_validation() {
        assert!(
            admit_text(
                "{ ...A } fragment A on Q { ...B } fragment B on Q { ...A }",
                None
            )
            .is_ok()
        );
        assert!(admit_text("{ ...Missing }", None).is_ok());
    }

    #[test]
    fn aliases_and_nesting_are_refused() {
        assert!(
            admit_text("{ x: a y: a z: a }", None)
                .unwrap_err()
                .contains("3 aliases")
        );
        let deep = format!("{{ a(x: {}) }}", "[".repeat(1_530));
        assert!(
            admit_text(&deep, None)
                .unwrap_err()
                .contains("nested deeper than the limit of 64")
        );
    }
}
