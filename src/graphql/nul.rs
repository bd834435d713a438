//! Text holding U+0000 is refused at the front door. PostgreSQL cannot store or even compare
//! it ("invalid byte sequence for encoding UTF8: 0x00"), so a NUL in any argument that
//! reaches a query (a filter, a search, a cursor) was a 500 there and a working request on
//! SQLite. The validated text types refuse control characters on their own; this check covers
//! every argument and variable at once, today's and tomorrow's, on both databases alike.

use async_graphql::Variables;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql_value::{ConstValue, Value};

/// The first variable holding a NUL (`variable `$input``), if any.
pub fn in_variables(variables: &Variables) -> Option<String> {
    variables
        .iter()
        .find(|(_, value)| const_has_nul(value))
        .map(|(name, _)| format!("variable `${name}`"))
}

/// Where the first NUL written in the document is (`argument `service` of `incidents``, the
/// default of a variable), if any.
pub fn in_document(document: &ExecutableDocument) -> Option<String> {
    for (_, operation) in document.operations.iter() {
        for definition in &operation.node.variable_definitions {
            if definition
                .node
                .default_value
                .as_ref()
                .is_some_and(|v| const_has_nul(&v.node))
            {
                return Some(format!(
                    "the default of variable `${}`",
                    definition.node.name.node
                ));
            }
        }
        if let Some(found) = in_set(&operation.node.selection_set.node) {
            return Some(found);
        }
    }
    document
        .fragments
        .values()
        .find_map(|fragment| in_set(&fragment.node.selection_set.node))
}

fn in_set(set: &SelectionSet) -> Option<String> {
    set.items
        .iter()
        .find_map(|selection| match &selection.node {
            Selection::Field(field) => field
                .node
                .arguments
                .iter()
                .find(|(_, value)| has_nul(&value.node))
                .map(|(name, _)| format!("argument `{}` of `{}`", name.node, field.node.name.node))
                .or_else(|| in_set(&field.node.selection_set.node)),
            Selection::InlineFragment(inline) => in_set(&inline.node.selection_set.node),
            Selection::FragmentSpread(_) => None,
        })
}

fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::List(items) => items.iter().any(has_nul),
        Value::Object(fields) => fields.values().any(has_nul),
        _ => false,
    }
}

fn const_has_nul(value: &ConstValue) -> bool {
    match value {
        ConstValue::String(s) => s.contains('\0'),
        ConstValue::List(items) => items.iter().any(const_has_nul),
        ConstValue::Object(fields) => fields
            .iter()
            .any(|(key, value)| key.contains('\0') || const_has_nul(value)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find_in(query: &str, variables: serde_json::Value) -> Option<String> {
        let document = async_graphql::parser::parse_query(query).expect("parses");
        in_variables(&Variables::from_json(variables)).or_else(|| in_document(&document))
    }

    #[test]
    fn finds_nul_in_arguments_variables_defaults_and_fragments() {
        let found = find_in(
            r#"{ incidents(filter: {service: "a\u0000b"}) { totalCount } }"#,
            serde_json::json!({}),
        );
        assert_eq!(found.as_deref(), Some("argument `filter` of `incidents`"));
        let found = find_in(
            "query($s: String) { a(s: $s) }",
            serde_json::json!({ "s": ["x", "a\u{0}"] }),
        );
        assert_eq!(found.as_deref(), Some("variable `$s`"));
        let found = find_in(
            "query($s: String) { a(s: $s) }",
            serde_json::json!({ "s": { "k\u{0}": 1 } }),
        );
        assert_eq!(found.as_deref(), Some("variable `$s`"));
        let found = find_in(
            r#"query($s: String = "\u0000") { a(s: $s) }"#,
            serde_json::json!({}),
        );
        assert_eq!(found.as_deref(), Some("the default of variable `$s`"));
        let found = find_in(
            r#"{ ...F } fragment F on Q { b { c(x: ["\u0000"]) } }"#,
            serde_json::json!({}),
        );
        assert_eq!(found.as_deref(), Some("argument `x` of `c`"));
    }

    #[test]
    fn text_without_nul_passes() {
        let found = find_in(
            r#"{ incidents(filter: {service: "a\u0001b"}) { totalCount } }"#,
            serde_json::json!({ "v": "fine" }),
        );
        assert_eq!(found, None);
    }
}
