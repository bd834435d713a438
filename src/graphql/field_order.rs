//! Answers keep the order of the query. The specification asks that a response map list its
//! fields in the order the selection set gives them; async-graphql 7.2 resolves a query's
//! fields concurrently and records each as it finishes, so a field that waits on a
//! DataLoader comes last. This extension puts every object of the answer back in the
//! selection's order (fragments expanded where they stand), for queries, mutations and each
//! subscription event.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextSubscribe,
};
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::{Name, Response, ServerResult, Value, Variables};
use futures::StreamExt;
use futures::stream::BoxStream;

/// Fragments nest at most this deep when ordering (validation already refuses cycles; this
/// only keeps the walk bounded whatever it is given).
const MAX_FRAGMENT_DEPTH: usize = 64;

pub struct FieldOrder;

impl ExtensionFactory for FieldOrder {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest::default())
    }
}

/// The parsed document of the one request this instance serves.
#[derive(Default)]
struct PerRequest {
    document: Arc<Mutex<Option<ExecutableDocument>>>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for PerRequest {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        *self.document.lock().unwrap_or_else(PoisonError::into_inner) = Some(document.clone());
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        let document = self
            .document
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(document) = document {
            reorder_response(&mut response, &document, operation_name);
        }
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let document = self.document.clone();
        next.run(ctx, stream)
            .map(move |mut response| {
                let guard = document.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(document) = guard.as_ref() {
                    // The stream does not carry the operation's name; the subscription in
                    // the document is the one that runs (a document may hold other kinds).
                    let name = subscription_name(document);
                    reorder_response(&mut response, document, name.as_deref());
                }
                response
            })
            .boxed()
    }
}

fn subscription_name(document: &ExecutableDocument) -> Option<String> {
    document
        .operations
        .iter()
        .find(|(_, op)| op.node.ty == OperationType::Subscription)
        .and_then(|(name, _)| name.map(|n| n.to_string()))
}

fn reorder_response(response: &mut Response, document: &ExecutableDocument, name: Option<&str>) {
    let operation = match name {
        Some(name) => document
            .operations
            .iter()
            .find(|(n, _)| n.is_some_and(|n| n.as_str() == name))
            .map(|(_, op)| op),
        None => document.operations.iter().next().map(|(_, op)| op),
    };
    if let Some(operation) = operation {
        let sets = [&operation.node.selection_set.node];
        reorder(&mut response.data, &sets, &document.fragments);
    }
}

/// Puts `value`'s fields (and, below them, their fields) in the order of `sets`, the
/// selection sets that produced it.
fn reorder(
    value: &mut Value,
    sets: &[&SelectionSet],
    fragments: &HashMap<Name, async_graphql::Positioned<FragmentDefinition>>,
) {
    match value {
        Value::List(items) => {
            for item in items {
                reorder(item, sets, fragments);
            }
        }
        Value::Object(map) => {
            let mut keys: Vec<(Name, Vec<&SelectionSet>)> = Vec::new();
            for set in sets {
                collect(set, fragments, &mut keys, 0);
            }
            let position: HashMap<&str, usize> = keys
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.as_str(), i))
                .collect();
            map.sort_by(|a, _, b, _| {
                let at = |k: &Name| position.get(k.as_str()).copied().unwrap_or(usize::MAX);
                at(a).cmp(&at(b))
            });
            for (key, child_sets) in &keys {
                if let Some(child) = map.get_mut(key) {
                    reorder(child, child_sets, fragments);
                }
            }
        }
        _ => {}
    }
}

/// The response keys of `set` in document order, fragments expanded where they stand, each
/// with the selection sets of every field that answers under it.
fn collect<'a>(
    set: &'a SelectionSet,
    fragments: &'a HashMap<Name, async_graphql::Positioned<FragmentDefinition>>,
    keys: &mut Vec<(Name, Vec<&'a SelectionSet>)>,
    depth: usize,
) {
    if depth > MAX_FRAGMENT_DEPTH {
        return;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let key = field.node.response_key().node.clone();
                let sub = &field.node.selection_set.node;
                match keys.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, subs)) => subs.push(sub),
                    None => keys.push((key, vec![sub])),
                }
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = fragments.get(&spread.node.fragment_name.node) {
                    collect(
                        &fragment.node.selection_set.node,
                        fragments,
                        keys,
                        depth + 1,
                    );
                }
            }
            Selection::InlineFragment(inline) => {
                collect(&inline.node.selection_set.node, fragments, keys, depth + 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ordered(query: &str, data: serde_json::Value) -> String {
        let document = async_graphql::parser::parse_query(query).expect("parses");
        let mut response = Response::new(Value::from_json(data).expect("json"));
        reorder_response(&mut response, &document, None);
        serde_json::to_string(&response.data).expect("serialises")
    }

    #[test]
    fn objects_follow_the_selection_through_fragments_aliases_and_lists() {
        let query = "{ a: incident { ...F number } list { y x } } \
                     fragment F on Incident { reporter { name id } ... on Incident { title } }";
        let data = serde_json::json!({
            "list": [{ "x": 1, "y": 2 }, { "x": 3, "y": 4 }],
            "a": { "number": 1, "title": "t", "reporter": { "id": "u", "name": "n" } },
        });
        assert_eq!(
            ordered(query, data),
            r#"{"a":{"reporter":{"name":"n","id":"u"},"title":"t","number":1},"list":[{"y":2,"x":1},{"y":4,"x":3}]}"#
        );
    }

    #[test]
    fn a_named_operation_uses_its_own_selection() {
        let document =
            async_graphql::parser::parse_query("query A { x y } query B { y x }").expect("parses");
        let mut response =
            Response::new(Value::from_json(serde_json::json!({ "x": 1, "y": 2 })).expect("json"));
        reorder_response(&mut response, &document, Some("B"));
        assert_eq!(
            serde_json::to_string(&response.data).expect("serialises"),
            r#"{"y":2,"x":1}"#
        );
    }
}
